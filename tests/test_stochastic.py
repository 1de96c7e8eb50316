"""Stochastic gradients: mini-batches of data losses and gradient noise, reproducible by seed.

With ``lr=0`` SGD stands still, so ``Trajectory.gradients`` lists the stochastic gradients drawn at
one point: the epochs, batches and noise can be checked against the exact gradient there.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import landscapes
import optimizers
from landscapes.data import DataLoss
from optimizers.run import NOISE_BLOCK

DATA = [n for n in landscapes.names() if isinstance(landscapes.get(n), DataLoss)]
N = 40


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def still(landscape, steps, start=None, **kwargs):
    """The gradients (steps + 1, 2) SGD with lr = 0 draws while standing at ``start``."""
    return optimizers.run(landscape, "sgd", start=start, steps=steps, lr=0.0, **kwargs).gradients


def full_gradient(landscape, start=None):
    surface = landscapes.get(landscape)
    x, y = surface.start if start is None else start
    return np.array([float(g) for g in surface.gradient(x, y)])


def test_the_data_losses_are_registered_with_forty_examples():
    assert DATA == ["linear_regression", "logistic_regression"]
    assert all(landscapes.get(n).n_examples == N for n in DATA)


# ------------------------------------------------------------------------------ reproducibility


@pytest.mark.parametrize("landscape", DATA)
@pytest.mark.parametrize(
    "kwargs", [{"batch_size": 1}, {"batch_size": 7}, {"noise": 0.3}, {"batch_size": 4, "noise": 1.0}]
)
def test_the_same_seed_gives_the_same_path_and_another_seed_another(landscape, kwargs):
    first = optimizers.run(landscape, "adam", steps=60, lr=0.05, seed=11, **kwargs)
    again = optimizers.run(landscape, "adam", steps=60, lr=0.05, seed=11, **kwargs)
    other = optimizers.run(landscape, "adam", steps=60, lr=0.05, seed=12, **kwargs)
    np.testing.assert_array_equal(first.points, again.points)
    np.testing.assert_array_equal(first.gradients, again.gradients)
    assert not np.array_equal(first.points, other.points)
    assert first.seed == 11 and first.noise == kwargs.get("noise", 0.0)


def test_noise_alone_works_on_any_surface_and_is_reproducible():
    for landscape in ["bowl", "rosenbrock", "saddle"]:
        first = optimizers.run(landscape, "sgd", steps=30, lr=1e-3, noise=0.5, seed=3)
        again = optimizers.run(landscape, "sgd", steps=30, lr=1e-3, noise=0.5, seed=3)
        plain = optimizers.run(landscape, "sgd", steps=30, lr=1e-3)
        np.testing.assert_array_equal(first.points, again.points)
        assert not np.array_equal(first.points, plain.points)


@pytest.mark.parametrize("name", optimizers.names())
@pytest.mark.parametrize("kwargs", [{"batch_size": 3, "noise": 0.2}, {"batch_size": 16}])
def test_a_batch_of_seeds_equals_its_runs_one_by_one_exactly(name, kwargs):
    """Long enough to cross the blocks the draws come in, with repeated and per-run seeds."""
    seeds = [5, 0, 5, 123456789]
    starts = np.array([[0.5, 0.5], [1.0, -1.0], [2.0, 0.0], [0.0, 0.0]])
    lr = [0.001, 0.002, 0.003, 0.004] if name != "newton" else [0.1, 0.2, 0.3, 0.4]
    steps = NOISE_BLOCK + 20
    batch = optimizers.run("linear_regression", name, start=starts, steps=steps, lr=lr, seed=seeds, **kwargs)
    assert batch.seed == seeds
    for k in range(4):
        single = optimizers.run(
            "linear_regression", name, start=starts[k], steps=steps, lr=lr[k], seed=seeds[k], **kwargs
        )
        np.testing.assert_array_equal(batch.points[k], single.points)
        np.testing.assert_array_equal(batch.gradients[k], single.gradients)


def test_one_seed_applies_to_every_run_and_a_seed_list_alone_makes_a_batch():
    starts = [[0.5, 0.5], [1.0, -1.0]]
    batch = optimizers.run("logistic_regression", "sgd", start=starts, steps=20, lr=0.1, batch_size=2, seed=9)
    for k in range(2):
        single = optimizers.run(
            "logistic_regression", "sgd", start=starts[k], steps=20, lr=0.1, batch_size=2, seed=9
        )
        np.testing.assert_array_equal(batch.points[k], single.points)
    fan = optimizers.run("logistic_regression", "sgd", steps=20, lr=0.1, batch_size=2, seed=[1, 2, 3])
    assert fan.batched and fan.points.shape == (3, 21, 2) and fan.lrs.shape == (3, 20)
    assert len({fan.points[k, -1].tobytes() for k in range(3)}) == 3


def test_a_shorter_run_is_the_start_of_a_longer_one():
    steps = NOISE_BLOCK + 50
    kwargs = {"lr": 0.01, "batch_size": 1, "noise": 0.1, "seed": 4}
    long = optimizers.run("linear_regression", "adam", steps=steps, **kwargs)
    short = optimizers.run("linear_regression", "adam", steps=NOISE_BLOCK + 1, **kwargs)
    np.testing.assert_array_equal(short.points, long.points[: short.steps + 1])
    np.testing.assert_array_equal(short.gradients, long.gradients[: short.steps + 1])


# ------------------------------------------------------------------------------ full batch, no noise


@pytest.mark.parametrize("landscape", DATA)
@pytest.mark.parametrize("name", optimizers.names())
def test_the_full_batch_and_zero_noise_are_the_deterministic_run_exactly(landscape, name):
    exact = optimizers.run(landscape, name, steps=40, lr=0.01 if name != "newton" else 0.5)
    for kwargs in ({"batch_size": N}, {"batch_size": None}, {"noise": 0.0}, {"noise": 0, "seed": [3]}):
        same = optimizers.run(
            landscape, name, steps=40, lr=exact.hyperparameters["lr"], **{"seed": 7, **kwargs}
        )
        points = same.points[0] if same.batched else same.points
        np.testing.assert_array_equal(points, exact.points)
        assert same.batch_size is None


# ------------------------------------------------------------------------------ mini-batches


@pytest.mark.parametrize("landscape", DATA)
@pytest.mark.parametrize("batch_size", [1, 4, 5, 8, 20])
def test_the_batches_of_an_epoch_average_to_the_full_gradient(landscape, batch_size):
    per_epoch = N // batch_size
    gradients = still(landscape, 3 * per_epoch - 1, batch_size=batch_size, seed=2)
    exact = full_gradient(landscape)
    for epoch in range(3):
        mean = gradients[epoch * per_epoch : (epoch + 1) * per_epoch].mean(axis=0)
        np.testing.assert_allclose(mean, exact, rtol=1e-12, atol=1e-12 * np.abs(exact).max())
    assert not np.allclose(gradients[0], exact), "a batch gradient is not the full gradient"


@pytest.mark.parametrize("landscape", DATA)
def test_a_batch_size_that_does_not_divide_n_ends_each_epoch_with_a_smaller_batch(landscape):
    """drop_last=False: batches 16, 16, 8; weighted by their sizes they average to the full gradient."""
    gradients = still(landscape, 5, batch_size=16, seed=8)
    exact = full_gradient(landscape)
    weights = np.array([16, 16, 8])[:, None]
    for epoch in range(2):
        mean = (gradients[3 * epoch : 3 * epoch + 3] * weights).sum(axis=0) / N
        np.testing.assert_allclose(mean, exact, rtol=1e-12, atol=1e-12 * np.abs(exact).max())


@pytest.mark.parametrize("landscape", DATA)
def test_sgd_sees_every_example_once_per_epoch_in_a_fresh_order(landscape):
    surface = landscapes.get(landscape)
    x, y = surface.start
    gx, gy = surface.batch_gradient(np.full(N, x), np.full(N, y), np.arange(N)[:, None])
    per_example = np.column_stack([gx, gy])
    gradients = still(landscape, 2 * N - 1, batch_size=1, seed=6)
    first, second = gradients[:N], gradients[N:]
    key = np.lexsort(per_example.T)
    for epoch in (first, second):
        np.testing.assert_array_equal(epoch[np.lexsort(epoch.T)], per_example[key])
    assert not np.array_equal(first, second), "each epoch should be shuffled afresh"


@pytest.mark.parametrize("landscape", DATA)
def test_the_mean_of_many_single_example_gradients_approaches_the_full_gradient(landscape):
    runs = 4000
    gradients = still(landscape, 0, batch_size=1, seed=list(range(runs)))[:, 0]
    exact = full_gradient(landscape)
    standard_error = gradients.std(axis=0) / math.sqrt(runs)
    assert (np.abs(gradients.mean(axis=0) - exact) < 4 * standard_error).all()
    assert (gradients.std(axis=0) > 0.1 * np.abs(exact)).all(), "single examples should disagree"


def test_losses_stay_the_full_loss_and_gradients_are_the_ones_used():
    trajectory = optimizers.run("linear_regression", "sgd", steps=30, lr=0.05, batch_size=2, seed=1)
    surface = landscapes.get("linear_regression")
    np.testing.assert_array_equal(trajectory.losses, surface.value(*trajectory.points.T))
    moves = np.diff(trajectory.points, axis=0)
    np.testing.assert_allclose(moves, -0.05 * trajectory.gradients[:-1], rtol=1e-12, atol=1e-15)
    exact = np.column_stack(surface.gradient(*trajectory.points.T))
    assert not np.allclose(trajectory.gradients, exact)


# ------------------------------------------------------------------------------ noise


def test_noise_is_gaussian_with_standard_deviation_sigma():
    sigma, steps = 0.5, 20000
    noise = still("bowl", steps, start=(1.0, -2.0), noise=sigma, seed=0) - np.array([2.0, -4.0])
    se = sigma / math.sqrt(steps + 1)
    assert (np.abs(noise.mean(axis=0)) < 4 * se).all()
    assert noise.std(axis=0) == pytest.approx([sigma, sigma], rel=0.03)
    assert abs(np.corrcoef(noise.T)[0, 1]) < 0.03


def test_noise_does_not_change_which_batches_are_drawn():
    """Noise and batch order come from separate streams of the run's seed."""
    sigma = 0.7
    batched = still("logistic_regression", 50, batch_size=3, seed=5)
    noisy = still("logistic_regression", 50, batch_size=3, seed=5, noise=sigma)
    exact = still("logistic_regression", 50)
    noise_only = still("logistic_regression", 50, noise=sigma, seed=5)
    np.testing.assert_allclose(noisy - batched, noise_only - exact, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------------ validation


@pytest.mark.parametrize("bad", [0, N + 1, 2.5, "a", -1, True, [4]])
def test_bad_batch_sizes_are_rejected_naming_the_value_and_the_range(bad):
    with pytest.raises(ValueError) as raised:
        optimizers.run("linear_regression", "sgd", batch_size=bad)
    message = str(raised.value)
    assert message.startswith(f"Invalid batch_size: {bad!r} ")
    assert f"1 ≤ batch_size ≤ {N}" in message


def test_a_whole_float_batch_size_is_a_whole_number():
    a = optimizers.run("linear_regression", "sgd", steps=5, batch_size=4.0)
    b = optimizers.run("linear_regression", "sgd", steps=5, batch_size=4)
    assert a.batch_size == 4 and np.array_equal(a.points, b.points)


@pytest.mark.parametrize("landscape", ["bowl", "matrix_factorization"])
def test_batches_need_a_data_loss(landscape):
    with pytest.raises(
        ValueError,
        match=re.escape("batch_size needs a loss over a data set (linear_regression, logistic_regression)"),
    ):
        optimizers.run(landscape, "sgd", batch_size=1)


@pytest.mark.parametrize("bad", [-1, 1.5, "a", math.nan, None, [], [1, -2], [1, 2.5], True])
def test_bad_seeds_are_rejected(bad):
    with pytest.raises(
        ValueError, match=r"^Invalid seed: .* \(a whole number, 0 ≤ seed, or a list of them, one per run\)$"
    ):
        optimizers.run("bowl", "sgd", noise=0.1, seed=bad)


def test_the_number_of_seeds_must_match_the_number_of_runs():
    with pytest.raises(ValueError, match="2 start points but 3 seeds: give one per run"):
        optimizers.run("bowl", "sgd", start=[[1, 1], [2, 2]], noise=0.1, seed=[1, 2, 3])
    with pytest.raises(ValueError, match="2 hyperparameter values but 3 seeds"):
        optimizers.run("bowl", "sgd", lr=[0.1, 0.2], noise=0.1, seed=[1, 2, 3])


@pytest.mark.parametrize("bad", [math.nan, -1.0, math.inf, -math.inf, "a", None, True, [0.1]])
def test_bad_noise_is_rejected(bad):
    with pytest.raises(ValueError) as raised:
        optimizers.run("bowl", "sgd", noise=bad)
    message = str(raised.value)
    assert message.startswith(f"Invalid noise: {bad!r} ") and message.endswith("a finite number, 0 ≤ noise)")


def test_a_stochastic_run_that_blows_up_is_flagged_without_warnings():
    trajectory = optimizers.run(
        "linear_regression", "sgd", start=[[0.0, 0.0]] * 2, steps=200, lr=[5.0, 0.01], batch_size=4, noise=0.1
    )
    assert trajectory.diverged_at[0] > 0 and trajectory.diverged_at[1] == -1
    assert np.isnan(trajectory.gradients[0, trajectory.diverged_at[0] :]).all()
