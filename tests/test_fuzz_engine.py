"""Property tests of the engine: every registered landscape × optimizer, hyperparameters drawn inside
and outside their spec ranges (``optimizers.get(name).hyperparameters``), any start, 0 to 50 steps.

The contract of ``optimizers.run``: either a ``ValueError`` whose message names the bad parameter, or
a trajectory whose points and losses are finite up to ``diverged_at`` and NaN from there on, and no
warning on the way (pytest's config turns RuntimeWarning into an error; the test also records them).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

import landscapes
import optimizers
from optimizers import schedules
from optimizers.base import Hyperparameter

FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
NOT_A_NUMBER = st.one_of(st.none(), st.text(max_size=5), st.just([]), st.just({}), st.just([[1.0, 2.0]]))


def _inside(h: Hyperparameter) -> st.SearchStrategy:
    """Values the spec allows, up to the extremes of float64 where the range is open-ended."""
    if h.kind == "bool":
        return st.booleans()
    if h.kind == "choice":
        return st.sampled_from(h.choices)
    if h.kind == "int":  # up to the UI's limit: a whole number counts loops (L-BFGS's max_iter)
        return st.integers(int(h.low), int(h.ui[1]))
    low = h.low if math.isfinite(h.low) else -1e308
    high = h.high if math.isfinite(h.high) else 1e308
    number = st.floats(low, high, exclude_min=h.low_open, exclude_max=h.high_open, allow_nan=False)
    if h.kind == "pair":
        return st.tuples(number, number)
    return number


def _outside(h: Hyperparameter) -> st.SearchStrategy:
    """Values the spec refuses: below or above the range, non-finite, the wrong type or shape."""
    if h.kind == "bool":
        return st.sampled_from([1, 0.5, "yes", "", [], {}, [[True]]])
    if h.kind == "choice":
        return st.sampled_from(["fast", 1, [], {}, [[None]]])
    if h.kind == "int":
        return st.one_of(
            st.sampled_from([2.5, "3", math.nan, math.inf]), st.integers(max_value=int(h.low) - 1)
        )
    out = [NON_FINITE, NOT_A_NUMBER]
    if math.isfinite(h.low):
        out.append(
            st.floats(max_value=h.low, exclude_max=not h.low_open, allow_nan=False, allow_infinity=False)
        )
    if math.isfinite(h.high):
        out.append(
            st.floats(min_value=h.high, exclude_min=not h.high_open, allow_nan=False, allow_infinity=False)
        )
    bad = st.one_of(*out)
    if h.kind == "pair":
        good = _inside(h).map(lambda pair: pair[0])
        return st.one_of(
            st.tuples(bad, good), st.tuples(good, bad), st.tuples(good), st.tuples(good, good, good)
        )
    return bad


@st.composite
def hyperparameters(draw, optimizer) -> tuple[dict, list[str]]:
    """Some of the optimizer's hyperparameters (torch names), and the names of those out of range."""
    given_hp, bad = {}, []
    choices = ["default", "inside", "inside"] + ["outside"] * draw(st.booleans())
    for h in optimizer.hyperparameters:
        choice = draw(st.sampled_from(choices))
        if choice == "default":
            continue
        given_hp[h.name] = draw(_inside(h) if choice == "inside" else _outside(h))
        if choice == "outside":
            bad.append(h.name)
    return given_hp, bad


STARTS = st.one_of(
    st.none(),  # the landscape's default
    st.tuples(st.floats(-5, 5), st.floats(-5, 5)),
    st.tuples(
        st.floats(allow_nan=False, allow_infinity=False), st.floats(allow_nan=False, allow_infinity=False)
    ),
)
BAD_STARTS = st.one_of(
    st.tuples(NON_FINITE, st.floats(-5, 5)),
    st.tuples(st.floats(-5, 5), NON_FINITE),
    st.just((1.0,)),
    st.just((1.0, 2.0, 3.0)),
    st.just("1,2"),
    st.just([]),
)
BAD_STEPS = st.one_of(st.integers(max_value=-1), st.just(2.5), st.just("10"), st.just(None), st.just(True))


def _names(message: str, names: list[str]) -> bool:
    """Does ``message`` name one of the parameters (its torch name or the words of torch's message)?"""
    text = message.lower()
    labels = {n: [n] for n in names}
    for optimizer in optimizers.names():
        for h in optimizers.get(optimizer).hyperparameters:
            if h.name in labels and h.label:
                labels[h.name].append(h.label.lower())
    return any(word.lower() in text for n in names for word in labels[n])


@FUZZ
@given(data=st.data())
def test_any_setup_gives_a_clean_trajectory_or_a_value_error_naming_the_parameter(data):
    landscape = landscapes.get(data.draw(st.sampled_from(landscapes.names()), label="landscape"))
    optimizer = optimizers.get(data.draw(st.sampled_from(optimizers.names()), label="optimizer"))
    hp, bad = data.draw(hyperparameters(optimizer), label="hyperparameters")
    bad_start, bad_steps = (
        data.draw(st.booleans()) and data.draw(st.booleans()),
        data.draw(st.integers(0, 7)) == 0,
    )
    start = data.draw(BAD_STARTS if bad_start else STARTS, label="start")
    steps = data.draw(BAD_STEPS if bad_steps else st.integers(0, 50), label="steps")
    bad += ["start"] * bad_start + ["steps"] * bad_steps
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            trajectory = optimizers.run(landscape, optimizer, start, steps, **hp)
        except ValueError as error:
            note(f"refused: {error}")
            event("refused")
            if str(error).startswith("Nesterov momentum requires"):  # SGD's check between its settings
                assert optimizer.name == "sgd" and hp.get("nesterov") is True
            elif str(error).startswith("Invalid eta values"):  # Rprop's: 0 < etaminus < 1 < etaplus
                assert optimizer.name == "rprop" and "etas" in hp
            else:
                assert bad, f"a setup inside every range was refused: {error}"
                assert _names(str(error), bad), f"{error!s:.300} does not name one of {bad}"
            trajectory = None
    assert not caught, [str(w.message) for w in caught]
    if trajectory is None:
        return
    assert not bad, f"accepted out-of-range {bad}"
    event("diverged" if trajectory.diverged_at >= 0 else "ran every step")
    assert_clean(trajectory, steps)


def assert_clean(trajectory, steps: int) -> None:
    """Finite points and losses before ``diverged_at``, NaN from it on."""
    assert trajectory.steps == steps
    points, losses = np.asarray(trajectory.points), np.asarray(trajectory.losses)
    end = int(trajectory.diverged_at)
    assert -1 <= end <= steps
    if end < 0:
        end = steps + 1
    assert np.isfinite(points[:end]).all() and np.isfinite(losses[:end]).all()
    assert np.isnan(points[end:]).all() and np.isnan(losses[end:]).all()


@FUZZ
@given(
    landscape=st.sampled_from(landscapes.names()),
    optimizer=st.sampled_from(optimizers.names()),
    lrs=st.lists(st.floats(0, 1e308), min_size=1, max_size=4),
    start=STARTS,
    steps=st.integers(0, 50),
)
def test_runs_in_a_batch_are_each_clean(landscape, optimizer, lrs, start, steps):
    """One learning rate per run (the compare view's batch): each run keeps the contract alone."""
    assume(
        all(optimizers.get(optimizer).spec("lr").in_range(np.float64(lr)) for lr in lrs)
    )  # Prodigy: 0 < lr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trajectory = optimizers.run(landscape, optimizer, start, steps, lr=lrs)
    assert not caught, [str(w.message) for w in caught]
    for k in range(len(lrs)):
        one = optimizers.run(landscape, optimizer, start, steps, lr=lrs[k])
        assert int(trajectory.diverged_at[k]) == one.diverged_at
        assert_clean(one, steps)


#: The app's bound on typed numbers (app.model.MAX_COORDINATE).
APP_MAX = 1e6


def _option_value(option, inside: bool) -> st.SearchStrategy:
    """A schedule option's value inside or outside its spec."""
    if option.kind == "bool":
        return st.booleans() if inside else st.sampled_from([1, "yes", []])
    if option.kind == "choice":
        return st.sampled_from(option.choices) if inside else st.sampled_from(["nope", 1, None])
    low, high = max(option.low, -APP_MAX), min(option.high, APP_MAX)
    if option.kind in ("int", "ints"):
        number = st.integers(max(int(low), -(10**6)), min(high, 10**6) if math.isfinite(high) else 10**6)
        if option.kind == "ints":
            number = st.lists(number, min_size=1, max_size=4, unique=True).map(sorted)
        wrong = [0.5, "3", -5, [3, 1], [], *[None] * (option.default is not None)]
        return number if inside else st.sampled_from(wrong)
    number = st.floats(low, high, exclude_min=option.low_open, exclude_max=option.high_open)
    beyond = [st.just(b) for b in (option.low - 1, option.high + 1) if math.isfinite(b)]
    not_a_number = (
        NOT_A_NUMBER if option.default is not None else NOT_A_NUMBER.filter(lambda v: v is not None)
    )
    return number if inside else st.one_of(NON_FINITE, not_a_number, *beyond)  # None is "auto" if default


@st.composite
def engine_options(draw, landscape) -> tuple[dict, list[str]]:
    """Stochastic gradients and a schedule, each maybe out of range; and the names of the bad ones."""
    out, bad = {}, []
    allow_bad = draw(st.booleans())
    data_loss = hasattr(landscape, "n_examples")
    specs = {
        "noise": (st.floats(0, APP_MAX), st.one_of(NON_FINITE, st.floats(max_value=-1e-9), NOT_A_NUMBER)),
        "seed": (st.integers(0, 2**32), st.sampled_from([-1, 2.5, "x", None])),
        "batch_size": (
            st.integers(1, landscape.n_examples) if data_loss else st.nothing(),
            st.sampled_from([0, -1, 2.5, "x", 10**6]),
        ),
    }
    for name, (inside, outside) in specs.items():
        choice = draw(st.sampled_from(["skip", "inside"] + ["outside"] * allow_bad))
        if choice == "inside" and not (name == "batch_size" and not data_loss):
            out[name] = draw(inside)
        elif choice == "outside" or (name == "batch_size" and choice == "inside"):
            out[name] = draw(outside)
            bad.append(name)
    if draw(st.booleans()):
        schedule = schedules.get(draw(st.sampled_from(schedules.names())))
        out["scheduler"], given = schedule.name, {}
        for option in schedule.options:
            choice = draw(st.sampled_from(["skip", "inside", "inside"] + ["outside"] * allow_bad))
            if choice != "skip":
                given[option.name] = draw(_option_value(option, choice == "inside"))
                bad += [option.name] * (choice == "outside")
        out["scheduler_options"] = given
    return out, bad


@FUZZ
@given(data=st.data())
def test_any_stochastic_and_scheduled_setup_is_clean_or_refused(data):
    landscape = landscapes.get(data.draw(st.sampled_from(landscapes.names()), label="landscape"))
    optimizer = optimizers.get(data.draw(st.sampled_from(optimizers.names()), label="optimizer"))
    lr = data.draw(st.one_of(st.floats(0, 1), st.floats(0, APP_MAX)), label="lr")
    options, bad = data.draw(engine_options(landscape), label="options")
    steps = data.draw(st.integers(0, 50), label="steps")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            trajectory = optimizers.run(landscape, optimizer, None, steps, lr=lr, **options)
        except ValueError as error:
            note(f"refused: {error}")
            event("refused")
            trajectory = None
            if not bad:
                event(f"refused a setup inside every range: {str(error)[:60]}")
    assert not caught, [str(w.message) for w in caught]
    if trajectory is not None:
        assert not bad, f"accepted out-of-range {bad}"
        assert_clean(trajectory, steps)


@pytest.mark.parametrize(
    ("lr", "scheduler", "options"),
    [
        (1.7e308, "cosineannealinglr", {}),
        (1.0, "onecyclelr", {"max_lr": 1.0, "div_factor": 5e-324}),
    ],
)
def test_extreme_schedule_options_are_refused_or_run_without_warnings(lr, scheduler, options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            trajectory = optimizers.run(
                "bowl", "sgd", None, 5, lr=lr, scheduler=scheduler, scheduler_options=options
            )
        except ValueError:
            trajectory = None
    assert not caught, [str(w.message) for w in caught]
    if trajectory is not None:
        assert_clean(trajectory, 5)
