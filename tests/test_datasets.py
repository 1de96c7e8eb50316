"""The generated data sets: shapes, determinism, the geometry each promises, noise as a standard deviation."""

import math
import re

import numpy as np
import pytest

from landscapes import datasets

NAMES = datasets.names()


def test_names_in_menu_order():
    assert NAMES == ["moons", "circles", "spiral", "xor", "blobs", "curve"]


@pytest.mark.parametrize("name", NAMES)
def test_shapes_split_and_types(name):
    data = datasets.make(name, n=50, noise=0.1, seed=3, n_test=20)
    d = 1 if name == "curve" else 2
    assert data.inputs.shape == (50, d) and data.test_inputs.shape == (20, d)
    assert data.targets.shape == (50,) and data.test_targets.shape == (20,)
    for array in (data.inputs, data.targets, data.test_inputs, data.test_targets):
        assert array.dtype == np.float64 and np.isfinite(array).all()
    assert data.task == datasets.task_of(name)
    assert datasets.make(name, n=40).test_inputs.shape[0] == 10  # default n // 4
    # the split is of one draw: training and test examples are all different points
    both = np.concatenate([data.inputs, data.test_inputs])
    assert len(np.unique(both, axis=0)) == 70


@pytest.mark.parametrize("name", NAMES)
def test_seeded_and_deterministic(name):
    a, b = datasets.make(name, seed=5), datasets.make(name, seed=5)
    c = datasets.make(name, seed=6)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.test_targets, b.test_targets)
    assert not np.array_equal(a.inputs, c.inputs)


@pytest.mark.parametrize("name", [n for n in NAMES if datasets.task_of(n) == "classification"])
def test_classes_are_labelled_zero_one_and_balanced(name):
    data = datasets.make(name, n=400, seed=1)
    assert set(np.unique(data.targets)) == {0.0, 1.0}
    assert abs(data.targets.mean() - 0.5) < (0.1 if name == "xor" else 1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_noise_is_the_standard_deviation_of_the_jitter(name):
    """The noise is drawn after the clean points: noisy − clean = σ Z with Z standard normal."""
    clean = datasets.make(name, n=3000, noise=0.0, seed=2)
    noisy = datasets.make(name, n=3000, noise=0.25, seed=2)
    if name == "curve":
        np.testing.assert_array_equal(clean.inputs, noisy.inputs)
        jitter = noisy.targets - clean.targets
    else:
        np.testing.assert_array_equal(clean.targets, noisy.targets)
        jitter = (noisy.inputs - clean.inputs).ravel()
    assert abs(jitter.std() - 0.25) < 0.015 and abs(jitter.mean()) < 0.015


def test_moons_lie_on_two_half_circles():
    data = datasets.make("moons", n=500, noise=0.0, seed=0)
    x, y = data.inputs.T
    upper = data.targets == 0.0
    np.testing.assert_allclose(np.hypot(x[upper] + 0.5, y[upper] + 0.25), 1.0, atol=1e-12)
    assert (y[upper] >= -0.25 - 1e-12).all()
    np.testing.assert_allclose(np.hypot(x[~upper] - 0.5, y[~upper] - 0.25), 1.0, atol=1e-12)
    assert (y[~upper] <= 0.25 + 1e-12).all()


def test_circles_radii():
    data = datasets.make("circles", n=500, noise=0.0, seed=0)
    radius = np.hypot(*data.inputs.T)
    np.testing.assert_allclose(radius, np.where(data.targets == 1.0, 0.5, 1.0), atol=1e-12)


def test_spiral_arms_wind_with_the_radius():
    data = datasets.make("spiral", n=500, noise=0.0, seed=0)
    x, y = data.inputs.T
    s = (np.hypot(x, y) - 0.1) / 1.3
    assert (s >= 0).all() and (s <= 1).all()
    expected = 3 * math.pi * s + math.pi * data.targets
    miss = np.angle(np.exp(1j * (np.arctan2(y, x) - expected)))  # wrapped to (−π, π]
    np.testing.assert_allclose(miss, 0.0, atol=1e-9)


def test_xor_labels_are_the_sign_of_the_product():
    data = datasets.make("xor", n=500, noise=0.0, seed=0)
    x, y = data.inputs.T
    np.testing.assert_array_equal(data.targets, (x * y > 0).astype(float))
    assert np.abs(data.inputs).max() <= 1.0


def test_blobs_centres_and_spread():
    data = datasets.make("blobs", n=8000, noise=0.0, seed=0)
    for label, centre in ((1.0, (0.6, 0.4)), (0.0, (-0.6, -0.4))):
        points = data.inputs[data.targets == label]
        np.testing.assert_allclose(points.mean(axis=0), centre, atol=0.03)
        np.testing.assert_allclose(points.std(axis=0), 0.4, atol=0.02)


def test_curve_is_the_promised_function():
    data = datasets.make("curve", n=300, noise=0.0, seed=0)
    a = data.inputs[:, 0]
    np.testing.assert_allclose(data.targets, np.sin(np.pi * a) + 0.3 * a, rtol=0, atol=1e-15)
    assert np.abs(a).max() <= 1.5


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"name": "moon"}, "Unknown data set 'moon'; choose one of: moons, circles"),
        ({"name": ["moons"]}, "Unknown data set"),
        ({"n": 1}, "Invalid n: 1 (a whole number ≥ 2)"),
        ({"n": 2.5}, "Invalid n: 2.5"),
        ({"n": True}, "Invalid n"),
        ({"n_test": -1}, "Invalid n_test: -1"),
        ({"n": 9000, "n_test": 2000}, "Invalid data set size: n + n_test = 11000 (at most 10000)"),
        ({"noise": -0.1}, "Invalid noise: -0.1 (a finite number ≥ 0)"),
        ({"noise": float("nan")}, "Invalid noise: nan"),
        ({"noise": "0.1"}, "Invalid noise"),
        ({"seed": -3}, "Invalid seed: -3"),
    ],
)
def test_bad_settings_are_refused_with_the_allowed_range(kwargs, words):
    with pytest.raises(ValueError, match="^" + re.escape(words)):
        datasets.make(**kwargs)
