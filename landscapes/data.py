"""Losses of small models fitted to data: the surfaces a machine-learning optimizer actually meets.

A data loss is a mean over N examples, L(θ) = (1/N) Σᵢ ℓᵢ(θ), so besides the ``Landscape``
contract it can give the gradient of a mini-batch (what SGD uses). The data sets are synthetic,
made here from fixed seeds with ``numpy.random.default_rng``: the same numbers on every machine.

Minima are not typed in: they are solved for at import (least squares in closed form, Newton's
method for the logistic loss), so they stay exact if the data change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from landscapes.base import Landscape, as_arrays

#: Points evaluated at once: bounds the (points, N) temporaries (2¹⁴ · 40 · 8 bytes ≈ 5 MB each).
_CHUNK = 1 << 14


class DataLoss(Landscape):
    """L(x, y) = (1/N) Σᵢ ℓ(x, y; exampleᵢ), with the per-example structure exposed for mini-batches.

    Subclasses set ``examples`` (the data set as columns, each of shape ``(N,)``) and implement the
    per-example terms, which receive points ``x, y`` of shape ``(P, 1)`` and columns of shape
    ``(N,)`` or ``(P, B)`` and return arrays broadcastable to ``(P, N)`` / ``(P, B)``:
    ``_losses`` (ℓᵢ), ``_gradients`` ((∂ℓᵢ/∂x, ∂ℓᵢ/∂y)) and ``_hessians``. Every mean is a NumPy mean
    along the examples axis, so a point gives the same bits alone or inside any batch of points.

    Attributes:
        examples: the data set, one ``(N,)`` array per column.
        parameter_names: what the two axes are (``("w", "b")``), for labels.
    """

    examples: ClassVar[tuple[np.ndarray, ...]]
    parameter_names: ClassVar[tuple[str, str]]

    @property
    def n_examples(self) -> int:
        """N, the number of examples."""
        return self.examples[0].shape[0]

    def value(self, x, y):
        return self._mean(lambda *a: (self._losses(*a),), x, y)[0]

    def gradient(self, x, y):
        return self._mean(self._gradients, x, y)

    def value_and_gradient(self, x, y):
        loss, gx, gy = self._mean(self._losses_and_gradients, x, y)
        return loss, (gx, gy)

    def hessian(self, x, y):
        return self._mean(self._hessians, x, y)

    def batch_gradient(self, x, y, idx):
        """The mean gradient over a mini-batch, for K runs at once.

        Args:
            x, y: ``(K,)`` parameters of K runs.
            idx: ``(K, B)`` integer indices of the examples in each run's batch.

        Returns:
            ``(gx, gy)``, each ``(K,)``: (1/B) Σ_{i ∈ batch} ∇ℓᵢ. With every example once it is
            ``gradient``; batches of equal size that partition the data average to it.
        """
        x, y = as_arrays(x, y)
        columns = tuple(column[idx] for column in self.examples)
        gx, gy = self._gradients(x[:, None], y[:, None], *columns)
        shape = np.broadcast_shapes(np.shape(gx), np.shape(gy), idx.shape)
        return np.broadcast_to(gx, shape).mean(axis=1), np.broadcast_to(gy, shape).mean(axis=1)

    def _losses_and_gradients(self, x, y, *columns):
        """(ℓ, ∂ℓ/∂x, ∂ℓ/∂y); override where they share work."""
        return (self._losses(x, y, *columns), *self._gradients(x, y, *columns))

    def _losses(self, x, y, *columns):
        raise NotImplementedError

    def _gradients(self, x, y, *columns):
        raise NotImplementedError

    def _hessians(self, x, y, *columns):
        raise NotImplementedError

    def _mean(self, terms: Callable[..., tuple], x, y) -> tuple[np.ndarray, ...]:
        """Each array ``terms`` returns, averaged over the examples, at every point of (x, y)."""
        x, y = as_arrays(x, y)
        flat_x, flat_y = x.reshape(-1, 1), y.reshape(-1, 1)
        n_points, n = flat_x.shape[0], self.n_examples
        outs: list[np.ndarray] = []
        for lo in range(0, max(n_points, 1), _CHUNK):  # at least once, so that no points give empties
            hi = min(lo + _CHUNK, n_points)
            parts = terms(flat_x[lo:hi], flat_y[lo:hi], *self.examples)
            outs = outs or [np.empty(n_points) for _ in parts]
            for out, part in zip(outs, parts, strict=True):
                out[lo:hi] = np.broadcast_to(part, (hi - lo, n)).mean(axis=1)
        return tuple(out.reshape(x.shape) for out in outs)

    def minimum(self) -> tuple[float, float]:
        """The global minimum by Newton's method from the origin (the losses here are convex)."""
        return newton_minimum(self, (0.0, 0.0))


def newton_minimum(surface: Landscape, guess: tuple[float, float], iterations: int = 50):
    """Refine ``guess`` to a stationary point with Newton's method; fail loudly if it does not converge."""
    x, y = guess
    for _ in range(iterations):
        (gx, gy), (hxx, hxy, hyy) = surface.gradient(x, y), surface.hessian(x, y)
        if np.hypot(gx, gy) <= 1e-15:
            break
        det = hxx * hyy - hxy * hxy
        x, y = float(x - (hyy * gx - hxy * gy) / det), float(y - (hxx * gy - hxy * gx) / det)
    if not np.hypot(*surface.gradient(x, y)) <= 1e-13:
        raise RuntimeError(f"Newton's method did not find the minimum of {surface.name}")
    return x, y


def solved(cls):
    """Class decorator: set ``minima`` and ``min_value`` from the surface's own ``minimum()``."""
    surface = cls()
    point = surface.minimum()
    cls.minima = (point,)
    cls.min_value = float(surface.value(*point))
    return cls


def _line_data(seed: int, n: int = 40):
    """n points tᵢ = 1.5 aᵢ − 1 + noise, aᵢ uniform on [0, 3] (not centred: that tilts the bowl)."""
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(0.0, 3.0, n)
    return inputs, 1.5 * inputs - 1.0 + rng.normal(0.0, 0.5, n)


@solved
class LinearRegression(DataLoss):
    """Mean squared error of the line t ≈ w·a + b on 40 noisy points, over (x, y) = (w, b).

        r = w aᵢ + b − tᵢ,   ℓᵢ = r²,   ∇ℓᵢ = 2r (aᵢ, 1),   ∇²ℓᵢ = 2 ((aᵢ², aᵢ), (aᵢ, 1))

    The Hessian is constant, 2 E[(a, 1)(a, 1)ᵀ]: since the inputs are not centred (E[a] ≈ 1.4) w and
    b are coupled and the bowl is a tilted ravine with condition number ≈ 16.
    """

    name = "linear_regression"
    title = "Linear regression"
    formula = "(1/N) Σᵢ (w·aᵢ + b − tᵢ)²,  (w, b) = (x, y),  N = 40"
    description = (
        "Fitting a straight line to 40 noisy points by least squares: the loss over slope and intercept "
        "is a stretched, tilted bowl. Mini-batches make each step aim at a slightly different bottom."
    )
    parameter_names = ("w", "b")
    seed = 7
    examples = _line_data(seed)
    bounds = ((-1.0, 4.5), (-4.0, 2.0))
    start = (-0.5, 1.5)

    def minimum(self):
        """The least-squares solution of [a 1] (w, b) ≈ t."""
        inputs, targets = self.examples
        design = np.column_stack([inputs, np.ones_like(inputs)])
        (w, b), *_ = np.linalg.lstsq(design, targets, rcond=None)
        return float(w), float(b)

    def _losses(self, x, y, inputs, targets):
        r = x * inputs + y - targets
        return r * r

    def _gradients(self, x, y, inputs, targets):
        r2 = 2.0 * (x * inputs + y - targets)
        return r2 * inputs, r2

    def _losses_and_gradients(self, x, y, inputs, targets):
        r = x * inputs + y - targets
        r2 = 2.0 * r
        return r * r, r2 * inputs, r2

    def _hessians(self, x, y, inputs, targets):
        return 2.0 * inputs * inputs, 2.0 * inputs, np.full_like(inputs, 2.0)


def _two_class_data(seed: int, n: int = 40, weights: tuple[float, float] = (2.0, -1.0)):
    """n points a ~ N(0, I) labelled 1 with probability σ(weights · a): noisy, so not separable."""
    rng = np.random.default_rng(seed)
    a1, a2 = rng.normal(0.0, 1.0, (2, n))
    labels = rng.random(n) < 1.0 / (1.0 + np.exp(-(weights[0] * a1 + weights[1] * a2)))
    return a1, a2, np.where(labels, 1.0, -1.0)


def _sigmoid(u, e):
    """σ(u) given e = e^−|u|, without overflow."""
    return np.where(u >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


@solved
class LogisticRegression(DataLoss):
    """Mean binary cross-entropy of p = σ(w₁a₁ + w₂a₂) on 40 labelled points, over (x, y) = (w₁, w₂).

    With the label as a sign sᵢ = ±1 and the margin m = sᵢ (w · aᵢ), the loss is −log σ(m) =
    softplus(−m), computed without overflow:

        ℓᵢ = softplus(−m),   ∇ℓᵢ = −sᵢ σ(−m) aᵢ,   ∇²ℓᵢ = σ(m) σ(−m) aᵢ aᵢᵀ

    The labels are drawn from a logistic model, so the classes overlap: no line through the origin
    separates them and the minimum is finite (found by Newton's method at import).
    """

    name = "logistic_regression"
    title = "Logistic regression"
    formula = "(1/N) Σᵢ −log σ(sᵢ (w₁·a₁ᵢ + w₂·a₂ᵢ)),  sᵢ = ±1,  (w₁, w₂) = (x, y),  N = 40"
    description = (
        "Training a linear classifier on 40 overlapping points with the cross-entropy loss: a smooth "
        "convex valley, steep towards wrong predictions and flat towards confident right ones."
    )
    parameter_names = ("w₁", "w₂")
    seed = 8
    examples = _two_class_data(seed)
    bounds = ((-2.0, 6.0), (-5.0, 3.0))
    start = (-1.5, 2.5)

    def _margins(self, x, y, a1, a2, signs):
        """(−m, e^−|m|): what every term is built from."""
        minus_m = -signs * (x * a1 + y * a2)
        return minus_m, np.exp(-np.abs(minus_m))

    def _losses(self, x, y, a1, a2, signs):
        minus_m, e = self._margins(x, y, a1, a2, signs)
        return np.maximum(minus_m, 0.0) + np.log1p(e)

    def _gradients(self, x, y, a1, a2, signs):
        minus_m, e = self._margins(x, y, a1, a2, signs)
        slope = -signs * _sigmoid(minus_m, e)
        return slope * a1, slope * a2

    def _losses_and_gradients(self, x, y, a1, a2, signs):
        minus_m, e = self._margins(x, y, a1, a2, signs)
        slope = -signs * _sigmoid(minus_m, e)
        return np.maximum(minus_m, 0.0) + np.log1p(e), slope * a1, slope * a2

    def _hessians(self, x, y, a1, a2, signs):
        _, e = self._margins(x, y, a1, a2, signs)
        curvature = e / ((1.0 + e) * (1.0 + e))  # σ(m) σ(−m)
        return curvature * a1 * a1, curvature * a1 * a2, curvature * a2 * a2


class MatrixFactorization(Landscape):
    """L = (x·y − 1)²: the rank-1 factorisation of the 1 × 1 matrix [1] as the product of x and y.

        ∇L = 2(xy − 1) (y, x)        ∇²L = 2 ((y², 2xy − 1), (2xy − 1, x²))

    The origin is a saddle (∇²L = ((0, −2), (−2, 0))). Every point of the hyperbola xy = 1 is a global
    minimum, where ∇²L = 2 (y, x)ᵀ(y, x) is singular along the valley: the minima are not isolated, so
    ``minima`` lists two representatives and ``minima_are_isolated`` is False. Gradient flow keeps
    x² − y² constant (d/dt (x² − y²) = −2x·∂L/∂x + 2y·∂L/∂y = 0), which decides where a run lands.

    There is one observation, so there are no mini-batches: this is not a ``DataLoss``.
    """

    name = "matrix_factorization"
    title = "Matrix factorisation"
    formula = "(x·y − 1)²"
    description = (
        "Writing 1 as a product x·y: every point of the hyperbola x·y = 1 is a global minimum and the "
        "origin is a saddle. Where a run lands on the valley depends on where it starts."
    )
    parameter_names = ("u", "v")
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    minima = ((1.0, 1.0), (-1.0, -1.0))
    min_value = 0.0
    minima_are_isolated = False
    start = (1.5, -1.4)

    def value(self, x, y):
        x, y = as_arrays(x, y)
        r = x * y - 1.0
        return r * r

    def gradient(self, x, y):
        x, y = as_arrays(x, y)
        r2 = 2.0 * (x * y - 1.0)
        return r2 * y, r2 * x

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        return 2.0 * y * y, 2.0 * (2.0 * x * y - 1.0), 2.0 * x * x
