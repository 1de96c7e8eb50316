"""Generated data sets for small networks: ``datasets.make("moons", n=200, noise=0.1, seed=0)``.

Pure NumPy and seeded: ``numpy.random.default_rng(seed)`` draws every number, so a data set is the
same on every machine. Each set draws ``n + n_test`` examples from one distribution in one go and
splits them: the first ``n`` are the training set, the rest the test set. The noise is drawn after
the clean points, so the same seed with another ``noise`` moves each point along the same direction.

The classification sets have two inputs and labels 0 or 1 (half of each class, up to one example);
``curve`` has one input and a real target. ``noise`` is the standard deviation of Gaussian jitter added
to every input coordinate (classification) or to the target (``curve``). The inputs are centred on the
origin and span about [−1.5, 1.5], the range where a freshly initialised tanh network is not saturated.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: The largest data set a request may ask for (training and test examples together).
MAX_EXAMPLES = 10_000


@dataclass(frozen=True)
class Dataset:
    """A generated data set, split in two.

    Attributes:
        name: the generator's name (``"moons"``).
        task: ``"classification"`` (targets 0.0 / 1.0) or ``"regression"`` (real targets).
        inputs: ``(n, d)`` float64 training inputs (d = 2, or 1 for ``curve``).
        targets: ``(n,)`` float64 training targets.
        test_inputs: ``(n_test, d)``; test_targets: ``(n_test,)``.
        noise, seed: as given to ``make``.
    """

    name: str
    task: str
    inputs: np.ndarray
    targets: np.ndarray
    test_inputs: np.ndarray
    test_targets: np.ndarray
    noise: float
    seed: int

    @property
    def n_inputs(self) -> int:
        return self.inputs.shape[1]


def _labels(n: int) -> np.ndarray:
    """n labels, alternating 0, 1, 0, … so every prefix (the training set) is balanced."""
    return (np.arange(n) % 2).astype(np.float64)


def _moons(rng, n, noise):
    """Two interleaved half circles (scikit-learn's ``make_moons``, angles drawn at random), centred."""
    labels = _labels(n)
    t = rng.uniform(0.0, math.pi, n)
    outer = np.column_stack([np.cos(t), np.sin(t)])
    inner = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    points = np.where(labels[:, None] == 0.0, outer, inner) - (0.5, 0.25)
    return points + noise * rng.standard_normal((n, 2)), labels


def _circles(rng, n, noise):
    """A disc of radius 0.5 (label 1) inside a ring of radius 1 (label 0) (``make_circles``, factor 0.5)."""
    labels = _labels(n)
    t = rng.uniform(0.0, 2.0 * math.pi, n)
    radius = np.where(labels == 1.0, 0.5, 1.0)
    points = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    return points + noise * rng.standard_normal((n, 2)), labels


def _spiral(rng, n, noise):
    """Two interleaved spiral arms, 1.5 turns each, radius growing from 0.1 to 1.4 (label = arm)."""
    labels = _labels(n)
    s = rng.uniform(0.0, 1.0, n)
    angle = 3.0 * math.pi * s + math.pi * labels
    radius = 0.1 + 1.3 * s
    points = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return points + noise * rng.standard_normal((n, 2)), labels


def _xor(rng, n, noise):
    """Points uniform on [−1, 1]², label 1 where x·y > 0 (the first and third quadrants)."""
    points = rng.uniform(-1.0, 1.0, (n, 2))
    labels = (points[:, 0] * points[:, 1] > 0.0).astype(np.float64)
    return points + noise * rng.standard_normal((n, 2)), labels


def _blobs(rng, n, noise):
    """Two round Gaussian blobs of standard deviation 0.4, centred at ±(0.6, 0.4) (label 1: the + one)."""
    labels = _labels(n)
    centres = np.where(labels[:, None] == 1.0, (0.6, 0.4), (-0.6, -0.4))
    points = centres + 0.4 * rng.standard_normal((n, 2))
    return points + noise * rng.standard_normal((n, 2)), labels


def _curve(rng, n, noise):
    """A 1-D curve to fit: t = sin(πa) + 0.3 a with a uniform on [−1.5, 1.5], plus noise on t."""
    a = rng.uniform(-1.5, 1.5, n)
    targets = np.sin(math.pi * a) + 0.3 * a
    return a[:, None], targets + noise * rng.standard_normal(n)


#: name -> (generator, task, one-line description), in menu order.
GENERATORS: dict[str, tuple[Callable, str, str]] = {
    "moons": (_moons, "classification", "two interleaved half moons"),
    "circles": (_circles, "classification", "a disc inside a ring"),
    "spiral": (_spiral, "classification", "two interleaved spiral arms"),
    "xor": (_xor, "classification", "the four quadrants, opposite ones alike (XOR)"),
    "blobs": (_blobs, "classification", "two overlapping Gaussian blobs"),
    "curve": (_curve, "regression", "a 1-D curve to fit, sin(πa) + 0.3a"),
}


def names() -> list[str]:
    """The data sets' names, in menu order."""
    return list(GENERATORS)


def task_of(name: str) -> str:
    """``"classification"`` or ``"regression"``; an unknown name raises ``ValueError``."""
    return _generator(name)[1]


def make(name: str = "moons", n: int = 200, noise: float = 0.1, seed: int = 0, n_test: int | None = None):
    """The data set ``name`` with ``n`` training and ``n_test`` test examples (default ``n // 4``).

    Raises:
        ValueError: an unknown name, ``n`` not a whole number ≥ 2, ``n_test`` not one ≥ 0, more than
            ``MAX_EXAMPLES`` in all, ``noise`` not a finite number ≥ 0, or ``seed`` not a whole number ≥ 0.
    """
    generator, task, _ = _generator(name)
    n = _whole(n, "n", 2)
    n_test = n // 4 if n_test is None else _whole(n_test, "n_test", 0)
    if n + n_test > MAX_EXAMPLES:
        raise ValueError(f"Invalid data set size: n + n_test = {n + n_test} (at most {MAX_EXAMPLES})")
    noise = _noise(noise)
    seed = _whole(seed, "seed", 0)
    inputs, targets = generator(np.random.default_rng(seed), n + n_test, noise)
    inputs = np.ascontiguousarray(inputs, dtype=np.float64)
    targets = np.ascontiguousarray(targets, dtype=np.float64)
    return Dataset(name, task, inputs[:n], targets[:n], inputs[n:], targets[n:], noise, seed)


def _generator(name):
    try:
        return GENERATORS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown data set {reprlib.repr(name)}; choose one of: {', '.join(GENERATORS)}"
        ) from None


def _whole(value, what: str, low: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float)):
        raise ValueError(f"Invalid {what}: {reprlib.repr(value)} (a whole number ≥ {low})")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"Invalid {what}: {value!r} (a whole number ≥ {low})")
    if value < low:
        raise ValueError(f"Invalid {what}: {value!r} (a whole number ≥ {low})")
    return int(value)


def _noise(noise) -> float:
    if isinstance(noise, (bool, np.bool_)) or not isinstance(noise, (int, float, np.number)):
        raise ValueError(f"Invalid noise: {reprlib.repr(noise)} (a finite number ≥ 0)")
    if not 0.0 <= noise < math.inf:
        raise ValueError(f"Invalid noise: {noise!r} (a finite number ≥ 0)")
    return float(noise)
