"""The contract every loss surface meets.

A landscape is a function L(x, y) of two parameters with its analytic gradient and Hessian, all
vectorised: ``x`` and ``y`` are NumPy arrays of any matching shape (or scalars) and every method
returns arrays of that shape. float64 throughout.
"""

from __future__ import annotations

import copy
from typing import ClassVar

import numpy as np

Point = tuple[float, float]
Bounds = tuple[tuple[float, float], tuple[float, float]]


class Landscape:
    """Base class: subclasses set the class attributes and implement the three methods.

    Attributes:
        name: registry key, lower case (``"rosenbrock"``).
        title: what the UI shows (``"Rosenbrock valley"``).
        formula: the formula in plain text (``"(1 − x)² + 100 (y − x²)²"``).
        description: one or two plain sentences a student understands.
        bounds: ``((xmin, xmax), (ymin, ymax))``, the window to plot.
        minima: every global minimum as ``(x, y)``; empty if there is none (unbounded below).
        min_value: the loss at the global minima (``None`` if there is none).
        start: a default start point that makes an instructive run.
        log_color: colour the surface on a log scale (for wide dynamic ranges such as Rosenbrock).
        z_clip: ``(zmin, zmax)`` to clip the plotted surface to, or ``None`` for the data range.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    formula: ClassVar[str]
    description: ClassVar[str]
    bounds: ClassVar[Bounds]
    minima: ClassVar[tuple[Point, ...]] = ()
    min_value: ClassVar[float | None] = None
    start: ClassVar[Point]
    log_color: ClassVar[bool] = False
    z_clip: ClassVar[tuple[float, float] | None] = None

    def value(self, x, y):
        """L(x, y)."""
        raise NotImplementedError

    def gradient(self, x, y):
        """(∂L/∂x, ∂L/∂y)."""
        raise NotImplementedError

    def hessian(self, x, y):
        """(∂²L/∂x², ∂²L/∂x∂y, ∂²L/∂y²)."""
        raise NotImplementedError

    def value_and_gradient(self, x, y):
        """``(L, (∂L/∂x, ∂L/∂y))`` in one call; override where they share work (the engine's hot path)."""
        return self.value(x, y), self.gradient(x, y)

    def grid(self, n: int = 100):
        """A regular ``n × n`` grid over ``bounds``: ``(xs (n,), ys (n,), z (n, n))``.

        z[i, j] = L(xs[j], ys[i]): rows follow y, as a heatmap or contour plot expects.
        """
        (x0, x1), (y0, y1) = self.bounds
        xs = np.linspace(x0, x1, n)
        ys = np.linspace(y0, y1, n)
        z = self.value(xs[None, :], ys[:, None])
        return xs, ys, np.broadcast_to(z, (n, n)).astype(np.float64)

    def with_bounds(self, bounds: Bounds) -> Landscape:
        """The same surface plotted over another window (``bounds``)."""
        view = copy.copy(self)
        view.own_bounds = self.own_bounds
        view.bounds = tuple(tuple(float(v) for v in axis) for axis in bounds)
        return view

    @property
    def own_bounds(self) -> Bounds:
        """The surface's own window (``bounds`` may be a wider view of it, see ``with_bounds``)."""
        return self.__dict__.get("own_bounds", self.bounds)

    @own_bounds.setter
    def own_bounds(self, value: Bounds) -> None:
        self.__dict__["own_bounds"] = value

    def local_minima(self, n: int = 121, iterations: int = 40) -> np.ndarray:
        """Every local minimum found in the window, global ones included: ``(m, 2)``, lowest first.

        The discrete local minima of an ``n × n`` grid, polished by Newton's method with the analytic
        Hessian; kept where the gradient vanishes (< 1e-8), the Hessian is positive definite and the
        point is inside the window, one point per minimum. A valley of minima (a curve, not points)
        gives none of its points: they are not isolated.
        """
        x, y = self.grid_minima(n)
        with np.errstate(all="ignore"):
            for _ in range(iterations):
                (gx, gy), (hxx, hxy, hyy) = self.gradient(x, y), self.hessian(x, y)
                det = hxx * hyy - hxy * hxy
                x, y = x - (hyy * gx - hxy * gy) / det, y - (hxx * gy - hxy * gx) / det
            value, (gx, gy) = self.value_and_gradient(x, y)
            hxx, hxy, hyy = self.hessian(x, y)
            (x0, x1), (y0, y1) = self.bounds
            keep = np.isfinite(value) & (np.hypot(gx, gy) < 1e-8) & (hxx > 0) & (hxx * hyy - hxy * hxy > 0)
            keep &= (x0 <= x) & (x <= x1) & (y0 <= y) & (y <= y1)
        points, values = np.column_stack([x[keep], y[keep]]), value[keep]
        return _distinct(points[np.argsort(values, kind="stable")], 1e-6 * max(x1 - x0, y1 - y0))

    def grid_minima(self, n: int = 121) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)``: the inner points of the ``n × n`` grid no higher than their eight neighbours."""
        xs, ys, z = self.grid(n)
        inner = z[1:-1, 1:-1]
        lowest = np.isfinite(inner)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                lowest &= inner <= z[1 + di : n - 1 + di, 1 + dj : n - 1 + dj]
        i, j = np.nonzero(lowest)
        return xs[j + 1], ys[i + 1]

    def max_curvature(self, x, y):
        """λ_max of the Hessian at (x, y): plain gradient descent is stable near here for lr < 2/λ_max."""
        hxx, hxy, hyy = (np.asarray(h, dtype=np.float64) for h in self.hessian(x, y))
        mean = 0.5 * (hxx + hyy)
        return mean + np.hypot(0.5 * (hxx - hyy), hxy)  # hypot: no overflow for very sharp curvature


def _distinct(points: np.ndarray, radius: float) -> np.ndarray:
    """``points`` ``(m, 2)`` without each one within ``radius`` of an earlier kept one, in order.

    Near-linear: kept points are filed by their cell of a grid of side ``radius``, so only the 3 × 3
    cells around a point can hold one that close (comparing with every kept point was quadratic:
    19 s for the 3 000 minima of sin(60x) + sin(60y)).
    """
    cells: dict[tuple[int, int], list[np.ndarray]] = {}
    kept = []
    for point in points:
        ci, cj = (int(c) for c in np.floor(point / radius))
        near = (q for di in (-1, 0, 1) for dj in (-1, 0, 1) for q in cells.get((ci + di, cj + dj), ()))
        if all(np.hypot(*(point - q)) > radius for q in near):
            cells.setdefault((ci, cj), []).append(point)
            kept.append(point)
    return np.array(kept, dtype=np.float64).reshape(-1, 2)


_FLOAT64 = np.dtype(np.float64)


def as_arrays(x, y):
    """x, y as float64 arrays broadcast to one shape."""
    if (
        type(x) is np.ndarray
        and type(y) is np.ndarray
        and x.dtype is _FLOAT64
        and y.dtype is _FLOAT64
        and x.shape == y.shape
    ):
        # The engine's hot loop passes two float64 (K,) columns: skip the ~3 µs of broadcasting.
        return x, y
    return np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
