"""Learning-rate schedules: torch parity, the lr reaching the update rule, specs and validation.

The torch reference (every schedule's learning rates and momenta step by step, its keyword defaults
and trajectories on the bowl) comes from ``fixtures/torch_schedules.json``, written by
``fixtures/make_torch_schedules.py`` under an interpreter with torch; this suite never imports torch.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import optimizers
from optimizers import schedules
from optimizers.schedules import REQUIRED

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "torch_schedules.json").read_text())
NAMES = schedules.names()

#: Closed forms against torch's recursive updates: they agree to ≈ t ulps after t steps.
LR_TOLERANCE = 1e-12
#: As for the optimizers' trajectories (test_optimizers.PARITY_TOLERANCE).
TRAJECTORY_TOLERANCE = 1e-9

#: Options each schedule is exercised with (besides the ones it needs), for the generic tests.
OPTIONS: dict[str, dict] = {
    "steplr": {"step_size": 7, "gamma": 0.5},
    "multisteplr": {"milestones": [5, 12, 20]},
    "exponentiallr": {"gamma": 0.9},
    "cosineannealinglr": {"T_max": 15, "eta_min": 0.001},
    "linearlr": {"start_factor": 0.1, "total_iters": 10},
    "onecyclelr": {},
    "constantlr": {"factor": 0.5, "total_iters": 8},
    "polynomiallr": {"total_iters": 20, "power": 2.0},
}


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def case_id(case):
    options = ",".join(f"{k}={v}" for k, v in case["options"].items())
    return f"{case['scheduler']}-{case['optimizer']}-{options}"


# ------------------------------------------------------------------------------ the registry


def test_every_requested_schedule_is_registered_under_torchs_name():
    assert NAMES == list(REFERENCE["defaults"])
    for name in NAMES:
        assert schedules.get(name).title.lower() == name


def test_options_table_lists_every_schedule():
    assert list(OPTIONS) == NAMES


@pytest.mark.parametrize("bad", ["steplr ", "StepLR", "cosine", "", None])
def test_unknown_scheduler_lists_the_valid_ones(bad):
    for call in (lambda: schedules.get(bad), lambda: optimizers.run("bowl", "sgd", scheduler=bad or "x")):
        with pytest.raises(ValueError) as raised:
            call()
        message = str(raised.value)
        assert message.startswith("Unknown scheduler") and message.endswith(", ".join(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_options_and_defaults_are_torchs(name):
    """Same names, same order, same defaults; where torch has none, ours is REQUIRED or from the run."""
    torch_defaults = dict(REFERENCE["defaults"][name])
    if name == "onecyclelr":  # total_steps is the one way we offer to size the cycle
        del torch_defaults["epochs"], torch_defaults["steps_per_epoch"]
    ours = schedules.get(name).defaults
    assert list(ours) == list(torch_defaults)
    for option, theirs in torch_defaults.items():
        if theirs == "required":
            assert ours[option] is REQUIRED or ours[option] is None, option
        else:
            assert ours[option] == theirs and type(ours[option]) is type(theirs), option


def test_options_torch_requires_are_filled_from_the_run_only_where_the_run_says_what_they_are():
    derived = {(n, o.name) for n in NAMES for o in schedules.get(n).options if o.default is None}
    assert derived == {
        ("cosineannealinglr", "T_max"),
        ("onecyclelr", "total_steps"),
        ("onecyclelr", "max_lr"),
    }


@pytest.mark.parametrize("name", NAMES)
def test_specs_are_complete(name):
    schedule = schedules.get(name)
    assert schedule.title and schedule.description and "\n" not in schedule.description
    for option in schedule.options:
        assert option.help and "\n" not in option.help, option.name
        assert option.kind in {"float", "int", "bool", "ints", "choice"}, option.name
        start = option.example if option.default in (REQUIRED, None) else option.default
        if option.kind in {"float", "int"} and option.ui is not None:
            assert option.ui[0] < option.ui[1], option.name
            for v in option.ui:
                assert option.parse(v, name) == v, option.name
        if start is not None:
            assert option.parse(start, name) is not None, option.name
        if option.default is REQUIRED:
            assert option.example is not None, f"{option.name}: a control needs a value to start from"


# ------------------------------------------------------------------------------ torch parity


@pytest.mark.parametrize("case", REFERENCE["schedules"], ids=case_id)
def test_learning_rates_match_torch(case):
    schedule = schedules.get(case["scheduler"])
    steps = case["steps"]
    ours = schedule(np.arange(steps), case["lr"], **case["options"])
    theirs = np.array(case["lrs"])
    np.testing.assert_allclose(ours, theirs, rtol=LR_TOLERANCE, atol=0)
    if case["momenta"] is not None:
        momenta = schedule.momenta(np.arange(steps), **case["options"])
        np.testing.assert_allclose(momenta, case["momenta"], rtol=LR_TOLERANCE, atol=0)


@pytest.mark.parametrize("case", REFERENCE["schedules"], ids=case_id)
def test_a_run_records_the_schedule_it_used(case):
    trajectory = optimizers.run(
        "bowl",
        case["optimizer"],
        steps=case["steps"],
        lr=case["lr"],
        scheduler=case["scheduler"],
        scheduler_options=case["options"],
    )
    np.testing.assert_allclose(trajectory.lrs, case["lrs"], rtol=LR_TOLERANCE, atol=0)
    if case["momenta"] is None:
        assert trajectory.momenta is None
    else:
        np.testing.assert_allclose(trajectory.momenta, case["momenta"], rtol=LR_TOLERANCE, atol=0)


@pytest.mark.parametrize(
    "case", REFERENCE["trajectories"], ids=lambda c: f"{c['optimizer']}-{c['scheduler']}-{c['steps']}"
)
def test_trajectory_with_a_schedule_matches_torch(case):
    trajectory = optimizers.run(
        case["landscape"],
        case["optimizer"],
        start=case["start"],
        steps=case["steps"],
        scheduler=case["scheduler"],
        scheduler_options=case["options"],
        **case["hyperparameters"],
    )
    assert trajectory.diverged_at == -1
    deviation = np.max(np.abs(trajectory.points - np.array(case["points"])))
    assert deviation <= TRAJECTORY_TOLERANCE, f"max deviation from torch {deviation:.3g}"


def test_the_reference_covers_every_schedule_and_the_momentum_of_both_optimizer_families():
    assert {c["scheduler"] for c in REFERENCE["schedules"]} == set(NAMES)
    cycled = {c["optimizer"] for c in REFERENCE["schedules"] if c["momenta"] is not None}
    assert cycled == {"sgd", "adam"}
    assert {c["optimizer"] for c in REFERENCE["trajectories"]} == {"sgd", "adam"}


# ------------------------------------------------------------------------------ closed forms


def test_update_t_uses_the_lr_at_t_sgd_on_the_bowl():
    """x ← x (1 − 2 lrₜ): the schedule's value at t drives the (t + 1)-th step, as in torch."""
    lr = schedules.get("steplr")(np.arange(30), 0.2, step_size=4, gamma=0.5)
    trajectory = optimizers.run(
        "bowl",
        "sgd",
        start=(2.0, -1.0),
        steps=30,
        lr=0.2,
        scheduler="steplr",
        scheduler_options={"step_size": 4, "gamma": 0.5},
    )
    expected = np.array([2.0, -1.0]) * np.concatenate([[1.0], np.cumprod(1 - 2 * lr)])[:, None]
    np.testing.assert_allclose(trajectory.points, expected, rtol=1e-13, atol=1e-300)
    np.testing.assert_array_equal(trajectory.lrs, lr)


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("steplr", {"step_size": 3, "gamma": 0.5}, lambda t: 0.5 ** (t // 3)),
        (
            "multisteplr",
            {"milestones": [2, 5], "gamma": 0.1},
            lambda t: 0.1 ** ((t >= 2).astype(int) + (t >= 5)),
        ),
        ("exponentiallr", {"gamma": 0.5}, lambda t: 0.5**t),
        ("linearlr", {"start_factor": 0.25, "total_iters": 3}, lambda t: np.minimum(0.25 + 0.25 * t, 1.0)),
        ("constantlr", {"factor": 0.5, "total_iters": 4}, lambda t: np.where(t < 4, 0.5, 1.0)),
        ("polynomiallr", {"total_iters": 4, "power": 2.0}, lambda t: np.maximum(1 - t / 4, 0) ** 2),
        (
            "cosineannealinglr",
            {"T_max": 4},
            lambda t: np.array(
                [
                    1,
                    0.5 + 0.5**1.5,
                    0.5,
                    0.5 - 0.5**1.5,
                    0,
                    0.5 - 0.5**1.5,
                    0.5,
                    0.5 + 0.5**1.5,
                    1,
                    0.5 + 0.5**1.5,
                ]
            ),
        ),
    ],
)
def test_multipliers_follow_their_closed_forms(name, options, expected):
    t = np.arange(10)
    np.testing.assert_allclose(schedules.get(name)(t, 1.0, **options), expected(t), rtol=1e-15, atol=1e-16)


def test_one_cycle_goes_from_max_lr_over_div_factor_up_to_max_lr_and_down_to_the_minimum():
    lrs = schedules.get("onecyclelr")(np.arange(100), 1.0, total_steps=100, pct_start=0.3)
    assert lrs[0] == pytest.approx(1 / 25, rel=1e-15)
    assert np.argmax(lrs) == 29 and lrs[29] == pytest.approx(1.0, rel=1e-15)
    assert lrs[99] == pytest.approx(1 / 25 / 1e4, rel=1e-12)
    assert (np.diff(lrs[:30]) > 0).all() and (np.diff(lrs[29:]) < 0).all()
    momenta = schedules.get("onecyclelr").momenta(np.arange(100), total_steps=100)
    assert momenta[0] == momenta[99] == pytest.approx(0.95) and momenta[29] == pytest.approx(0.85)


def test_options_from_the_run_default_to_its_steps_and_its_lr():
    def lrs(scheduler, options, **hp):
        return optimizers.run(
            "bowl", "adam", steps=50, scheduler=scheduler, scheduler_options=options, **hp
        ).lrs

    np.testing.assert_array_equal(lrs("cosineannealinglr", {}), lrs("cosineannealinglr", {"T_max": 50}))
    np.testing.assert_array_equal(
        lrs("onecyclelr", {}, lr=0.3), lrs("onecyclelr", {"max_lr": 0.3, "total_steps": 50})
    )
    np.testing.assert_array_equal(
        lrs("onecyclelr", {"max_lr": 0.3}, lr=[0.1, 5.0]), np.tile(lrs("onecyclelr", {}, lr=0.3), (2, 1))
    )


# ------------------------------------------------------------------------------ lrs and batches


def test_without_a_schedule_lrs_is_the_constant_lr():
    single = optimizers.run("bowl", "adam", steps=7, lr=0.3)
    assert single.lrs.shape == (7,) and (single.lrs == 0.3).all()
    assert single.scheduler is None and single.scheduler_options is None and single.momenta is None
    batch = optimizers.run("bowl", "adam", steps=7, lr=[0.1, 0.2, 0.3])
    np.testing.assert_array_equal(batch.lrs, np.repeat([[0.1], [0.2], [0.3]], 7, axis=1))
    starts = optimizers.run("bowl", "adam", start=[[1, 1], [2, 2]], steps=7, lr=0.3)
    assert starts.lrs.shape == (2, 7) and (starts.lrs == 0.3).all()
    assert optimizers.run(
        "bowl", "adam", steps=0, scheduler="steplr", scheduler_options={"step_size": 2}
    ).lrs.shape == (0,)


@pytest.mark.parametrize("name", NAMES)
def test_lrs_shapes_and_per_run_base_rates(name):
    steps, base = 25, np.array([0.05, 0.1, 0.2])
    schedule = schedules.get(name)
    options = {**{o.name: o.example for o in schedule.options if o.default is REQUIRED}, **OPTIONS[name]}
    single = optimizers.run("bowl", "sgd", steps=steps, lr=0.1, scheduler=name, scheduler_options=options)
    assert single.lrs.shape == (steps,) and single.scheduler == name
    batch = optimizers.run("bowl", "sgd", steps=steps, lr=base, scheduler=name, scheduler_options=options)
    assert batch.lrs.shape == (3, steps)
    resolved = schedule.resolve(options, steps=steps)
    for k, lr in enumerate(base):
        np.testing.assert_array_equal(batch.lrs[k], schedule.formula(np.arange(steps), lr, **resolved))
    np.testing.assert_array_equal(batch.lrs[1], single.lrs)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam", "nadam", "radam", "lion"])
def test_a_scheduled_batch_equals_its_runs_one_by_one_exactly(name, optimizer):
    schedule = schedules.get(name)
    options = {**{o.name: o.example for o in schedule.options if o.default is REQUIRED}, **OPTIONS[name]}
    starts = np.array([[1.0, -0.5], [-0.8, 0.6], [0.3, 0.9]])
    lr = [0.01, 0.02, 0.04]
    hp = (
        {"betas": [(0.9, 0.999), (0.8, 0.99), (0.5, 0.9)]}
        if "betas" in optimizers.get(optimizer).defaults
        else {}
    )
    common = {"steps": 30, "scheduler": name, "scheduler_options": options}
    batch = optimizers.run("himmelblau", optimizer, start=starts, lr=lr, record_state=True, **hp, **common)
    for k in range(3):
        one = {key: value[k] for key, value in hp.items()}
        single = optimizers.run(
            "himmelblau", optimizer, start=starts[k], lr=lr[k], record_state=True, **one, **common
        )
        np.testing.assert_array_equal(batch.points[k], single.points)
        np.testing.assert_array_equal(batch.lrs[k], single.lrs)
        for field, values in single.states.items():
            np.testing.assert_array_equal(batch.states[field][k], values, err_msg=field)


def test_one_cycle_sets_sgds_momentum_as_torch_does_even_from_zero():
    """torch's OneCycleLR writes max_momentum into SGD's momentum: plain SGD gains momentum."""
    cycled = optimizers.run(
        "bowl", "sgd", steps=20, lr=0.1, momentum=0.0, scheduler="onecyclelr", record_state=True
    )
    assert (cycled.states["momentum_buffer"][1:] != 0).any()
    plain = optimizers.run(
        "bowl",
        "sgd",
        steps=20,
        lr=0.1,
        scheduler="onecyclelr",
        scheduler_options={"cycle_momentum": False},
        record_state=True,
    )
    assert (plain.states["momentum_buffer"] == 0).all() and plain.momenta is None


def test_the_run_keeps_its_own_hyperparameters():
    trajectory = optimizers.run("bowl", "adam", steps=10, lr=0.1, scheduler="onecyclelr")
    assert trajectory.hyperparameters["lr"] == 0.1 and trajectory.hyperparameters["betas"] == [0.9, 0.999]
    assert trajectory.scheduler_options["total_steps"] == 10


# ------------------------------------------------------------------------------ validation


def run_with(name, **options):
    return optimizers.run("bowl", "adam", steps=20, scheduler=name, scheduler_options=options)


@pytest.mark.parametrize(
    ("name", "options", "words"),
    [
        ("steplr", {"step_size": 0}, "Invalid step_size for steplr: 0 (a whole number, 1 ≤ step_size)"),
        ("steplr", {"step_size": 2.5}, "Invalid step_size for steplr: 2.5"),
        ("steplr", {"step_size": "a"}, "Invalid step_size for steplr: 'a'"),
        ("steplr", {"step_size": True}, "Invalid step_size for steplr: True"),
        (
            "steplr",
            {"step_size": 3, "gamma": -0.1},
            "Invalid gamma for steplr: -0.1 (a finite number, 0 ≤ gamma ≤ 1)",
        ),
        ("steplr", {"step_size": 3, "gamma": math.nan}, "Invalid gamma for steplr: nan"),
        ("exponentiallr", {"gamma": 1.5}, "Invalid gamma for exponentiallr: 1.5"),
        ("multisteplr", {"milestones": []}, "Invalid milestones for multisteplr: []"),
        ("multisteplr", {"milestones": [5, 3]}, "(increasing whole numbers, 1 ≤ each of milestones)"),
        ("multisteplr", {"milestones": [0, 3]}, "Invalid milestones for multisteplr: [0, 3]"),
        ("multisteplr", {"milestones": 5}, "Invalid milestones for multisteplr: 5"),
        ("cosineannealinglr", {"T_max": 0}, "Invalid T_max for cosineannealinglr: 0"),
        ("cosineannealinglr", {"eta_min": -1.0}, "Invalid eta_min for cosineannealinglr: -1.0"),
        (
            "linearlr",
            {"start_factor": 0.0},
            "Invalid start_factor for linearlr: 0.0 (a finite number, 0 < start_factor ≤ 1)",
        ),
        ("linearlr", {"end_factor": 1.5}, "Invalid end_factor for linearlr: 1.5"),
        ("linearlr", {"total_iters": 0}, "Invalid total_iters for linearlr: 0"),
        ("constantlr", {"factor": 2.0}, "Invalid factor for constantlr: 2.0"),
        ("polynomiallr", {"power": -1.0}, "Invalid power for polynomiallr: -1.0"),
        ("onecyclelr", {"max_lr": 0.0}, "Invalid max_lr for onecyclelr: 0.0"),
        ("onecyclelr", {"pct_start": 1.5}, "Invalid pct_start for onecyclelr: 1.5"),
        ("onecyclelr", {"anneal_strategy": "cosine"}, "anneal_strategy must be one of: 'cos', 'linear'"),
        ("onecyclelr", {"cycle_momentum": "yes"}, "Invalid cycle_momentum for onecyclelr: 'yes'"),
        ("onecyclelr", {"max_momentum": 1.0}, "Invalid max_momentum for onecyclelr: 1.0"),
        ("onecyclelr", {"div_factor": 0}, "Invalid div_factor for onecyclelr: 0"),
        ("onecyclelr", {"total_steps": 10}, "the run has 20 steps but total_steps is 10"),
        ("onecyclelr", {"pct_start": 0.05}, "pct_start 0.05 of total_steps 20 leaves phase 1 with no length"),
    ],
)
def test_bad_options_are_rejected_naming_the_option_the_value_and_the_range(name, options, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        run_with(name, **options)


@pytest.mark.parametrize(
    "name", [n for n in NAMES if any(o.default is REQUIRED for o in schedules.get(n).options)]
)
def test_options_torch_requires_must_be_given(name):
    with pytest.raises(ValueError, match=rf"^{name} needs \w+ \("):
        run_with(name)


def test_unknown_option_lists_the_valid_ones():
    with pytest.raises(
        ValueError, match=re.escape("steplr has no option 'stepsize'; its options are: step_size, gamma")
    ):
        run_with("steplr", stepsize=3)


def test_options_without_a_scheduler_or_not_as_a_mapping_are_rejected():
    with pytest.raises(ValueError, match="scheduler_options were given without a scheduler"):
        optimizers.run("bowl", "sgd", scheduler_options={"step_size": 3})
    with pytest.raises(ValueError, match="scheduler_options must be a mapping"):
        optimizers.run("bowl", "sgd", scheduler="steplr", scheduler_options=[("step_size", 3)])


@pytest.mark.parametrize("optimizer", ["adagrad", "adadelta", "newton"])
def test_cycling_the_momentum_of_an_optimizer_without_one_is_rejected_as_torch_does(optimizer):
    with pytest.raises(
        ValueError, match=re.escape("optimizer must support momentum or beta1 with `cycle_momentum`")
    ):
        optimizers.run("bowl", optimizer, steps=10, scheduler="onecyclelr")
    trajectory = optimizers.run(
        "bowl", optimizer, steps=10, scheduler="onecyclelr", scheduler_options={"cycle_momentum": False}
    )
    assert trajectory.momenta is None and trajectory.lrs.shape == (10,)


def test_a_schedule_called_directly_needs_what_a_run_would_fill_in():
    with pytest.raises(
        ValueError, match=re.escape("cosineannealinglr needs T_max (a whole number, 1 ≤ T_max)")
    ):
        schedules.get("cosineannealinglr")(np.arange(5), 0.1)
    with pytest.raises(ValueError, match="onecyclelr needs total_steps"):
        schedules.get("onecyclelr")(np.arange(5), 0.1)
    with pytest.raises(ValueError, match="steplr does not cycle the momentum"):
        schedules.get("steplr").momenta(np.arange(5), step_size=2)
