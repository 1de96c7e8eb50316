"""Contract suite for the optimizer registry: every registered optimizer gets every test here.

``CASES`` is the one table of hyperparameter sets each optimizer is exercised with (as torch's
``common_optimizers`` lists them), read from each spec's ``examples``; which reference an optimizer is
checked against comes from its spec's ``reference``, so no test here names a new optimizer.
The torch reference (trajectories, defaults and error messages) comes from
``fixtures/torch_reference.json``, written by ``fixtures/make_torch_reference.py`` under an
interpreter with torch; this suite never imports torch.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import landscapes
import optimizers
from landscapes.base import Landscape
from optimizers.base import Hyperparameter, validate

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "torch_reference.json").read_text())
NAMES = optimizers.names()
TORCH_NAMES = list(REFERENCE["defaults"])
#: The optimizers added with the P-parameter engine have their reference in ``reference_more.json``
#: (tests/test_optimizers_more.py).
NEWER = set(json.loads((Path(__file__).parent / "fixtures" / "reference_more.json").read_text())["defaults"])
PARITY_TOLERANCE = 1e-9

#: Every optimizer with the hyperparameter sets it is exercised with (besides its defaults): each
#: spec's own ``examples``, so a new registry entry is picked up with no edit here.
CASES: dict[str, list[dict]] = {name: list(optimizers.get(name).examples) for name in NAMES}


#: Surfaces the generic tests run on: a quadratic and two curved valleys.
SURFACES = ("bowl", "rosenbrock", "himmelblau")


def by_name(names):
    return pytest.mark.parametrize("name", names)


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    """Any warning (a RuntimeWarning from NaN or overflow included) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def float_specs(name) -> list[Hyperparameter]:
    return [h for h in optimizers.get(name).hyperparameters if h.kind == "float"]


def starts_near_minimum(landscape: str, k: int, seed: int = 0) -> np.ndarray:
    """k starts (K, 2) within 0.5 of the landscape's first minimum."""
    centre = np.asarray(landscapes.get(landscape).minima[0])
    return centre + np.random.default_rng(seed).uniform(-0.5, 0.5, (k, 2))


# ------------------------------------------------------------------------------ the registry


@by_name(NAMES)
def test_every_optimizer_has_examples_that_validate(name):
    assert CASES[name], name
    for hp in CASES[name]:
        validate(optimizers.get(name), hp)


def test_menu_names_are_the_registry_keys_in_lower_case():
    assert len(set(NAMES)) == len(NAMES)
    for name in NAMES:
        assert name == name.lower() and optimizers.get(name).name == name


@by_name(NAMES)
def test_every_optimizer_names_its_reference_and_the_fixtures_cover_it(name):
    reference = optimizers.get(name).reference
    assert reference in ("", "paper") or reference.split(".")[0] in ("torch", "schedulefree", "prodigyopt")
    if reference.startswith("torch.optim."):
        assert name in TORCH_NAMES or name in NEWER
    elif reference not in ("", "paper"):
        assert name in NEWER


@by_name(NAMES)
def test_hyperparameter_specs_are_complete(name):
    optimizer = optimizers.get(name)
    assert optimizer.title and optimizer.description
    assert optimizer.hyperparameters[0].name == "lr"
    for h in optimizer.hyperparameters:
        assert h.help and "\n" not in h.help, h.name
        if h.kind == "bool":
            assert isinstance(h.default, bool), h.name
            continue
        if h.kind == "choice":
            assert h.default in h.choices and len(h.choices) > 1, h.name
            continue
        assert h.label, h.name
        defaults = h.default if h.kind == "pair" else (h.default,)
        defaults = [v for v in defaults if v is not None]
        assert len(defaults) == (2 if h.kind == "pair" else 1) or h.none, h.name
        assert all(h.in_range(np.float64(v)) for v in defaults), h.name
        assert h.ui is not None and h.ui[0] < h.ui[1], h.name
        assert all(h.in_range(np.float64(v)) for v in h.ui), h.name
        assert all(h.ui[0] <= v <= h.ui[1] for v in defaults if not (h.infinite and v == math.inf)), h.name
        if h.log:
            assert h.ui[0] > 0, h.name


@by_name(TORCH_NAMES)
def test_hyperparameters_and_defaults_are_torchs(name):
    specs = optimizers.get(name).hyperparameters
    ours = [(h.name, list(h.default) if h.kind == "pair" else h.default) for h in specs]
    torchs = list(REFERENCE["defaults"][name].items())
    assert ours == torchs
    for (_, mine), (_, theirs) in zip(ours, torchs, strict=True):
        assert isinstance(mine, bool) == isinstance(theirs, bool)


def test_lion_defaults_are_the_papers():
    assert optimizers.get("lion").defaults == {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0}


def test_newton_needs_the_hessian_and_nothing_else_does():
    # Newton is the one that reads H; the others stay first-order (L-BFGS builds its own from the path).
    assert [n for n in NAMES if optimizers.get(n).needs_hessian] == ["newton"]


# ------------------------------------------------------------------------------ torch parity


PARITY = REFERENCE["cases"]


@pytest.mark.parametrize(
    "case", PARITY, ids=[f"{c['optimizer']}-{c['landscape']}-{i}" for i, c in enumerate(PARITY)]
)
def test_trajectory_matches_torch(case):
    trajectory = optimizers.run(
        case["landscape"],
        case["optimizer"],
        start=case["start"],
        steps=case["steps"],
        **case["hyperparameters"],
    )
    expected = np.array(case["points"])
    assert trajectory.diverged_at == -1
    deviation = np.max(np.abs(trajectory.points - expected))
    assert deviation <= PARITY_TOLERANCE, f"max deviation from torch {deviation:.3g}"


def test_torch_reference_covers_every_option():
    """Every hyperparameter of every optimizer in the reference is set in some case."""
    for name in [n for n in NAMES if n in TORCH_NAMES or optimizers.get(n).reference == "paper"]:
        varied = {key for c in PARITY if c["optimizer"] == name for key in c["hyperparameters"]}
        assert varied == set(optimizers.get(name).defaults), name


def test_torch_reference_surfaces_are_the_registered_ones():
    """Parity assumes the script's torch formulas and the registered surfaces agree."""
    first = {(c["landscape"], tuple(c["start"])): c for c in reversed(PARITY)}
    for case in first.values():
        landscape = landscapes.get(case["landscape"])
        x, y = case["start"]
        loss, gradient = landscape.value_and_gradient(np.array([x]), np.array([y]))
        assert float(loss[0]) == pytest.approx(case["start_loss"], rel=1e-13, abs=1e-13)
        assert [float(g[0]) for g in gradient] == pytest.approx(case["start_gradient"], rel=1e-12, abs=1e-12)


def _torch_value(value):
    if isinstance(value, list):
        return [_torch_value(v) for v in value]
    return math.nan if value == "nan" else value


@pytest.mark.parametrize(
    "error", REFERENCE["errors"], ids=[f"{e['optimizer']}-{e['message']}" for e in REFERENCE["errors"]]
)
def test_invalid_hyperparameters_are_rejected_as_torch_does(error):
    hp = {k: _torch_value(v) for k, v in error["hyperparameters"].items()}
    with pytest.raises(ValueError) as raised:
        optimizers.run("bowl", error["optimizer"], steps=1, **hp)
    ours, theirs = str(raised.value), error["message"]
    head, _, value = theirs.rpartition(": ")
    if not head:
        assert ours == theirs
        return
    assert ours.startswith(head + ": "), ours
    our_value = float(ours[len(head) + 2 :].split(" ")[0])
    assert our_value == float(value) or (math.isnan(our_value) and math.isnan(float(value)))


# ------------------------------------------------------------------------------ batches


def _batch(name):
    """Per-run hyperparameters built from the table: one run per set, every value given per run."""
    optimizer = optimizers.get(name)
    sets = [{**optimizer.defaults, **hp} for hp in CASES[name]]
    for i, hp in enumerate(sets):
        hp["lr"] *= 1 + 0.1 * i
    return sets, {h.name: [hp[h.name] for hp in sets] for h in optimizer.hyperparameters}


@by_name(NAMES)
@pytest.mark.parametrize("landscape", SURFACES)
def test_a_batch_equals_its_runs_one_by_one_exactly(name, landscape):
    sets, per_run = _batch(name)
    starts = starts_near_minimum(landscape, len(sets))
    batch = optimizers.run(landscape, name, start=starts, steps=40, record_state=True, **per_run)
    assert batch.batched and batch.points.shape == (len(sets), 41, 2)
    assert np.count_nonzero(batch.diverged_at < 0) >= len(sets) - 1
    for i, hp in enumerate(sets):
        single = optimizers.run(landscape, name, start=starts[i], steps=40, record_state=True, **hp)
        np.testing.assert_array_equal(batch.points[i], single.points)
        np.testing.assert_array_equal(batch.losses[i], single.losses)
        np.testing.assert_array_equal(batch.gradients[i], single.gradients)
        assert batch.diverged_at[i] == single.diverged_at
        for field, values in single.states.items():
            np.testing.assert_array_equal(batch.states[field][i], values, err_msg=field)


@by_name(NAMES)
def test_scalar_hyperparameters_apply_to_every_start(name):
    starts = starts_near_minimum("himmelblau", 3)
    batch = optimizers.run("himmelblau", name, start=starts, steps=20, **CASES[name][0])
    for i, start in enumerate(starts):
        single = optimizers.run("himmelblau", name, start=start, steps=20, **CASES[name][0])
        np.testing.assert_array_equal(batch.points[i], single.points)


@by_name([n for n in NAMES if "maximize" in optimizers.get(n).defaults])
def test_maximize_is_minimising_the_negated_loss(name):
    negated = Negated(landscapes.get("himmelblau"))
    for hp in CASES[name]:
        up = optimizers.run("himmelblau", name, start=(0.5, -0.5), steps=30, **{**hp, "maximize": True})
        down = optimizers.run(negated, name, start=(0.5, -0.5), steps=30, **{**hp, "maximize": False})
        np.testing.assert_array_equal(up.points, down.points)


class Negated(Landscape):
    """−L of another surface (maximising L is minimising this)."""

    def __init__(self, landscape):
        self.landscape = landscape
        self.name, self.bounds, self.start = "negated", landscape.bounds, landscape.start

    def value(self, x, y):
        return -self.landscape.value(x, y)

    def gradient(self, x, y):
        gx, gy = self.landscape.gradient(x, y)
        return -gx, -gy


# ------------------------------------------------------------------------------ state


@by_name(NAMES)
def test_recorded_state_has_one_entry_per_step_and_field(name):
    optimizer = optimizers.get(name)
    starts = starts_near_minimum("bowl", 3)
    state = optimizer.init(starts, validate(optimizer, {})[0])
    fields = [f for f in state._fields if f not in getattr(type(state), "unrecorded", ())]
    batch = optimizers.run("bowl", name, start=starts, steps=7, record_state=True)
    assert list(batch.states) == list(fields)
    for field in fields:
        assert batch.states[field].shape == (3, 8, 2), field
    single = optimizers.run("bowl", name, steps=7, record_state=True)
    for field in fields:
        assert single.states[field].shape == (8, 2), field
    assert optimizers.run("bowl", name, steps=7).states is None


#: State fields that torch (or the reference package) does not start at zero, by field name: what they
#: start at, given the run's start point and hyperparameters. Every other field starts at zero.
INITIAL_STATE = {
    "mu_product": lambda start, hp: 1.0,  # NAdam's running product of momenta
    "mu": lambda start, hp: 1.0,  # ASGD's averaging weight
    "eta": lambda start, hp: hp["lr"],  # ASGD's step size
    "step_size": lambda start, hp: hp["lr"],  # Rprop's per-coordinate step
    "z": lambda start, hp: start,  # schedule-free's base sequence starts at the start
    "x": lambda start, hp: start,  # and so does its average
    "d": lambda start, hp: hp["d0"],  # Prodigy's step-size estimate
    "h_diag": lambda start, hp: 1.0,  # L-BFGS's initial inverse-Hessian scale
}


@by_name(NAMES)
def test_state_starts_as_torch_initialises_it(name):
    trajectory = optimizers.run("bowl", name, steps=2, record_state=True)
    hp = optimizers.get(name).defaults
    for field, values in trajectory.states.items():
        expected = INITIAL_STATE.get(field, lambda start, hp: 0.0)(trajectory.points[0], hp)
        np.testing.assert_array_equal(values[0], np.broadcast_to(expected, (2,)), err_msg=field)


def test_adagrad_sum_starts_at_the_initial_accumulator_value():
    trajectory = optimizers.run("bowl", "adagrad", steps=1, record_state=True, initial_accumulator_value=0.25)
    np.testing.assert_array_equal(trajectory.states["sum"][0], 0.25)


def test_nadam_mu_product_is_the_running_product_of_the_momentum_schedule():
    beta1, psi = 0.9, 4e-3
    states = optimizers.run("bowl", "nadam", steps=5, record_state=True).states
    mu = [beta1 * (1 - 0.5 * 0.96 ** (t * psi)) for t in range(1, 6)]
    np.testing.assert_allclose(states["mu_product"][1:, 0], np.cumprod(mu), rtol=1e-14)
    np.testing.assert_array_equal(states["mu_product"][:, 0], states["mu_product"][:, 1])


def test_recorded_state_is_nan_after_divergence():
    trajectory = optimizers.run(
        "bowl",
        "adam",
        start=[[1.0, 1.0], [2.0, 2.0]],
        steps=30,
        record_state=True,
        maximize=[False, True],
        lr=[0.1, 100.0],
    )
    stop = trajectory.diverged_at[1]
    assert trajectory.diverged_at[0] == -1 and stop > 0
    assert np.isnan(trajectory.states["exp_avg"][1, stop:]).all()
    assert np.isfinite(trajectory.states["exp_avg"][1, :stop]).all()
    assert np.isfinite(trajectory.states["exp_avg"][0]).all()


# ------------------------------------------------------------------------------ closed forms


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.3, 0.9])
def test_sgd_on_the_bowl_shrinks_geometrically(lr):
    start = np.array([2.5, -2.0])
    points = optimizers.run("bowl", "sgd", start=start, steps=40, lr=lr).points
    expected = start * (1 - 2 * lr) ** np.arange(41)[:, None]
    np.testing.assert_allclose(points, expected, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(
    "hp",
    [
        {"momentum": 0.9},
        {"momentum": 0.5, "dampening": 0.5},
        {"momentum": 0.9, "nesterov": True},
        {"momentum": 0.9, "weight_decay": 0.2},
    ],
    ids=str,
)
def test_sgd_momentum_on_the_bowl_follows_the_linear_recurrence(hp):
    lr, mu = 0.05, hp["momentum"]
    tau, wd = hp.get("dampening", 0.0), hp.get("weight_decay", 0.0)
    x, buf, expected = 2.5, 0.0, [2.5]
    for step in range(60):
        g = 2 * x + wd * x
        buf = g if step == 0 else mu * buf + (1 - tau) * g
        x -= lr * (g + mu * buf if hp.get("nesterov") else buf)
        expected.append(x)
    points = optimizers.run("bowl", "sgd", start=(2.5, 0.0), steps=60, lr=lr, **hp).points
    np.testing.assert_allclose(points[:, 0], expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(points[:, 1], 0.0)


@pytest.mark.parametrize("landscape", ["bowl", "ravine", "booth"])
def test_newton_reaches_a_quadratic_minimum_in_one_step(landscape):
    surface = landscapes.get(landscape)
    starts = np.random.default_rng(1).uniform(-2, 2, (5, 2)) + np.asarray(surface.minima[0])
    points = optimizers.run(landscape, "newton", start=starts, steps=3).points
    np.testing.assert_allclose(points[:, 1:], np.broadcast_to(surface.minima[0], (5, 3, 2)), atol=1e-12)


def test_damped_newton_on_the_bowl_is_scaled_gradient_descent():
    # (2 I + δ I)⁻¹ 2θ = 2θ / (2 + δ): the point shrinks by δ / (2 + δ) per step.
    points = optimizers.run("bowl", "newton", start=(2.0, -1.0), steps=5, damping=2.0).points
    np.testing.assert_allclose(points, np.array([2.0, -1.0]) * 0.5 ** np.arange(6)[:, None], rtol=1e-15)


@pytest.mark.parametrize("name", ["adam", "adamw", "adamax"])
def test_first_adaptive_step_moves_each_coordinate_by_lr_against_the_gradient(name):
    starts = np.random.default_rng(2).uniform(-2, 2, (20, 2))
    lr = 0.01
    for landscape in SURFACES:
        trajectory = optimizers.run(landscape, name, start=starts, steps=1, lr=lr, weight_decay=0.0)
        moved, gradient = np.diff(trajectory.points, axis=1)[:, 0], trajectory.gradients[:, 0]
        steep = np.abs(gradient) > 1e-2
        np.testing.assert_allclose(moved[steep], -lr * np.sign(gradient[steep]), rtol=1e-6)


def test_lion_moves_every_coordinate_by_exactly_lr():
    lr = 2.0**-5  # dyadic steps from a dyadic start stay exact
    starts = np.array([[2.5, 2.0], [-1.25, 0.75], [0.5, -2.0]])
    for landscape in SURFACES:
        points = optimizers.run(landscape, "lion", start=starts, steps=100, lr=lr).points
        np.testing.assert_array_equal(np.abs(np.diff(points, axis=1)), lr)


def test_adagrad_lr_decay_divides_the_step():
    # On a plane-like first step the update is clr · g / |g|; lr_decay only enters from step 2.
    trajectory = optimizers.run("bowl", "adagrad", start=(1.0, 0.0), steps=2, lr=0.1, lr_decay=1.0)
    first, second = -np.diff(trajectory.points[:, 0])
    g0, g1 = trajectory.gradients[:2, 0]
    assert first == pytest.approx(0.1 * g0 / (abs(g0) + 1e-10), rel=1e-14)
    assert second == pytest.approx(0.05 * g1 / (np.sqrt(g0 * g0 + g1 * g1) + 1e-10), rel=1e-14)


def test_radam_is_plain_momentum_until_the_variance_is_tractable():
    # β₂ = 0.999: ρₜ ≤ 5 for the first five steps, so θ moves by lr · m̂ with m̂ the bias-corrected mean.
    trajectory = optimizers.run("bowl", "radam", start=(1.0, -2.0), steps=5, lr=0.01)
    moves, gradients = -np.diff(trajectory.points, axis=0), trajectory.gradients[:5]
    m = np.zeros(2)
    for t in range(5):
        m = 0.9 * m + 0.1 * gradients[t]
        np.testing.assert_allclose(moves[t], 0.01 * m / (1 - 0.9 ** (t + 1)), rtol=1e-13)


# ------------------------------------------------------------------------------ divergence


def test_sgd_too_large_a_step_diverges_and_is_flagged_while_the_rest_of_the_batch_converges():
    trajectory = optimizers.run(
        "bowl", "sgd", start=[[2.5, 2.0], [2.5, 2.0], [-1.0, 0.5]], steps=100, lr=[1.5, 0.1, 0.1]
    )
    stop = trajectory.diverged_at[0]
    assert stop > 0
    assert np.isfinite(trajectory.points[0, :stop]).all()
    assert np.isnan(trajectory.points[0, stop:]).all()
    assert np.isnan(trajectory.losses[0, stop:]).all()
    assert list(trajectory.diverged_at[1:]) == [-1, -1]
    np.testing.assert_allclose(trajectory.points[1:, -1], 0.0, atol=1e-8)


def test_a_single_diverging_run_gives_an_int_step():
    trajectory = optimizers.run("bowl", "sgd", steps=100, lr=1.5)
    assert isinstance(trajectory.diverged_at, int) and trajectory.diverged_at > 0


def test_gradient_descent_escapes_the_saddle_and_is_flagged():
    trajectory = optimizers.run("saddle", "sgd", steps=400, lr=0.05)
    stop = trajectory.diverged_at
    assert stop > 0
    y = trajectory.points[:stop, 1]
    assert (np.diff(np.abs(y)) > 0).all()
    assert abs(trajectory.points[stop - 1, 0]) < 1e-3


def test_newton_with_a_singular_system_diverges_without_warnings():
    # On the saddle H = diag(2, −2); damping 2 makes H + δI = diag(4, 0) singular.
    trajectory = optimizers.run("saddle", "newton", start=(1.0, 0.5), steps=5, damping=2.0)
    assert trajectory.diverged_at == 1
    assert np.isnan(trajectory.points[1:]).all()


@by_name(NAMES)
def test_every_optimizer_survives_a_blow_up(name):
    trajectory = optimizers.run("saddle", name, start=[[1.0, 0.5], [0.5, 0.5]], steps=300, lr=[1e3, 1e-3])
    stop = trajectory.diverged_at[0]
    assert stop > 0 and np.isnan(trajectory.points[0, stop:]).all()
    # The careful run is untouched by its neighbour's blow-up (Rprop's and Adafactor's steps grow on
    # their own, so it may leave the saddle too, later, as it does alone).
    alone = optimizers.run("saddle", name, start=[0.5, 0.5], steps=300, lr=1e-3)
    np.testing.assert_array_equal(trajectory.points[1], alone.points)
    assert trajectory.diverged_at[1] == -1 or trajectory.diverged_at[1] > stop


# ------------------------------------------------------------------------------ validation


@by_name(NAMES)
def test_out_of_range_numbers_are_rejected_naming_the_value_and_range(name):
    for h in float_specs(name):
        bad_values = [math.nan, -math.inf] + ([] if h.infinite else [math.inf])
        if h.low > -math.inf:
            bad_values.append(h.low if h.low_open else h.low - 1.0)
        if h.high < math.inf:
            bad_values.append(h.high if h.high_open else h.high + 0.5)
        for bad in bad_values:
            with pytest.raises(ValueError) as raised:
                optimizers.run("bowl", name, steps=1, **{h.name: bad})
            message = str(raised.value)
            assert message.startswith(f"Invalid {h.label}: {bad:g} "), message
            assert h.allowed() in message and h.name in message, message


def test_lr_message_reads_like_torchs():
    with pytest.raises(ValueError, match=re.escape("Invalid learning rate: -1 (0 ≤ lr)")):
        optimizers.run("bowl", "adam", lr=-1)


@by_name(NAMES)
def test_non_numbers_are_rejected(name):
    for h in optimizers.get(name).hyperparameters:
        allows_none = bool(h.none) or (h.choices is not None and None in h.choices)
        for bad in ("fast", *([] if allows_none else [None]), b"1", {"a": 1}):
            with pytest.raises(ValueError, match=re.escape(h.name)):
                optimizers.run("bowl", name, steps=1, **{h.name: bad})


@by_name([n for n in NAMES if "betas" in optimizers.get(n).defaults])
def test_betas_must_be_pairs_in_range(name):
    for bad, words in [
        ((1.0, 0.5), "Invalid beta parameter at index 0: 1 (0 ≤ each of betas < 1)"),
        ((0.5, 1.0), "Invalid beta parameter at index 1: 1"),
        ((-0.1, 0.5), "Invalid beta parameter at index 0: -0.1"),
        ([(0.9, 0.99), (0.9, 1.5)], "Invalid beta parameter at index 1: 1.5"),
        ((0.9,), "betas must be a pair"),
        ((0.9, 0.99, 0.999), "betas must be a pair"),
        (0.9, "betas must be a pair"),
    ]:
        with pytest.raises(ValueError, match=re.escape(words)):
            optimizers.run("bowl", name, start=[[1, 1], [2, 2]], steps=1, betas=bad)


def test_per_run_values_must_match_the_number_of_runs():
    with pytest.raises(ValueError, match="3 start points but 2 hyperparameter values"):
        optimizers.run("bowl", "adam", start=[[0, 1], [1, 0], [1, 1]], lr=[0.1, 0.2])
    with pytest.raises(ValueError, match="eps has 3 values but another hyperparameter has 2"):
        optimizers.run("bowl", "adam", lr=[0.1, 0.2], eps=[1e-8, 1e-8, 1e-8])
    with pytest.raises(ValueError, match="lr must be a number or a list of numbers"):
        optimizers.run("bowl", "adam", lr=[[0.1, 0.2]])
    with pytest.raises(ValueError, match="betas has 3 values but another hyperparameter has 2"):
        optimizers.run("bowl", "adam", lr=[0.1, 0.2], betas=[(0.9, 0.99)] * 3)


@pytest.mark.parametrize(
    "hp",
    [
        {"nesterov": True},
        {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
        {"nesterov": [False, True], "momentum": [0.9, 0.0]},
    ],
    ids=str,
)
def test_nesterov_needs_momentum_and_no_dampening(hp):
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optimizers.run("bowl", "sgd", **hp)


def test_bool_flags_must_be_bools():
    with pytest.raises(ValueError, match=re.escape("Invalid amsgrad: 'yes' (amsgrad must be true or false)")):
        optimizers.run("bowl", "adam", amsgrad="yes")
    with pytest.raises(ValueError, match="Invalid maximize"):
        optimizers.run("bowl", "adam", maximize=1.0)


def test_a_choice_is_given_once_or_once_per_run_never_as_a_list_of_lists():
    # found by tests/test_fuzz_engine.py: [[None]] was taken as one run's choice
    for steps in (0, 3):
        with pytest.raises(ValueError, match=re.escape("Invalid line_search_fn: [None]")):
            optimizers.run("bowl", "lbfgs", steps=steps, line_search_fn=[[None]])
    two = optimizers.run("bowl", "lbfgs", steps=3, line_search_fn=[None, "strong_wolfe"])
    assert len(two.hyperparameters["line_search_fn"]) == 2


@by_name(NAMES)
def test_unknown_hyperparameter_lists_the_valid_ones(name):
    optimizer = optimizers.get(name)
    with pytest.raises(ValueError) as raised:
        optimizers.run("bowl", name, learning_rate=0.1)
    message = str(raised.value)
    assert "'learning_rate'" in message and name in message
    assert message.endswith(", ".join(h.name for h in optimizer.hyperparameters))


def test_unknown_optimizer_lists_the_valid_ones():
    for bad in ("adamm", "Adam", ""):
        with pytest.raises(ValueError) as raised:
            optimizers.run("bowl", bad)
        assert str(raised.value).endswith(", ".join(NAMES))


def test_lbfgs_work_per_step_is_bounded_with_a_clear_message():
    # torch takes any max_iter; a request here must stay bounded, and the cost probe runs whole steps
    for name, limit in (("max_iter", 1000), ("max_eval", 1250)):
        optimizers.run("bowl", "lbfgs", steps=1, **{name: limit})  # the limit itself is allowed
        with pytest.raises(ValueError, match=re.escape(f"{name} ≤ {limit}")):
            optimizers.run("bowl", "lbfgs", steps=1, **{name: 10**6})
