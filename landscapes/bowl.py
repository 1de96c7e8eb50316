"""Quadratic bowls: the round bowl and the rotated, ill-conditioned ravine."""

from __future__ import annotations

import math

import numpy as np

from landscapes.base import Landscape, as_arrays


class Quadratic(Landscape):
    """L = a·u² + b·v², where (u, v) are (x, y) rotated by ``angle`` degrees.

        u = x cos θ + y sin θ,   v = −x sin θ + y cos θ

    With a = b = 1 and no rotation this is exactly x² + y². The Hessian is constant, with
    eigenvalues 2a and 2b, so plain gradient descent is stable for lr < 1 / max(a, b); the
    condition number max(a, b) / min(a, b) sets how slowly it crawls along the flat direction.
    """

    a = 1.0
    b = 1.0
    angle = 0.0

    def _rotation(self):
        t = math.radians(self.angle)  # math, not NumPy: scalar trigonometry is 10× cheaper
        return math.cos(t), math.sin(t)

    def _uv(self, x, y):
        c, s = self._rotation()
        return c * x + s * y, -s * x + c * y

    def value(self, x, y):
        x, y = as_arrays(x, y)
        u, v = self._uv(x, y)
        return self.a * u**2 + self.b * v**2

    def gradient(self, x, y):
        """∇L = R⁻¹ (2a·u, 2b·v): the rotated-frame gradient turned back into (x, y)."""
        return self.value_and_gradient(x, y)[1]

    def value_and_gradient(self, x, y):
        x, y = as_arrays(x, y)
        c, s = self._rotation()
        u, v = self._uv(x, y)
        du, dv = 2 * self.a * u, 2 * self.b * v
        return 0.5 * (du * u + dv * v), (c * du - s * dv, s * du + c * dv)

    def hessian(self, x, y):
        """Constant: ∂²L/∂x² = 2(a c² + b s²), ∂²L/∂x∂y = 2(a − b) c s, ∂²L/∂y² = 2(a s² + b c²)."""
        x, y = as_arrays(x, y)
        c, s = self._rotation()
        hxx = 2 * (self.a * c * c + self.b * s * s)
        hxy = 2 * (self.a - self.b) * c * s
        hyy = 2 * (self.a * s * s + self.b * c * c)
        return (np.full_like(x, hxx), np.full_like(x, hxy), np.full_like(x, hyy))


class Bowl(Quadratic):
    name = "bowl"
    title = "Bowl"
    formula = "x² + y²"
    description = (
        "The simplest loss: a round bowl with one minimum at the origin. "
        "Every optimizer should roll straight to the bottom."
    )
    bounds = ((-3.0, 3.0), (-3.0, 3.0))
    minima = ((0.0, 0.0),)
    min_value = 0.0
    start = (2.5, 2.0)


class Ravine(Quadratic):
    """A bowl 25 times steeper across than along, its floor running at 30° to the x axis."""

    name = "ravine"
    title = "Ravine"
    a = 0.04
    b = 1.0
    angle = 30.0
    formula = "0.04 u² + v²,  u = x cos 30° + y sin 30°,  v = y cos 30° − x sin 30°"
    description = (
        "A long narrow valley, 25 times steeper across than along. Plain gradient descent zig-zags "
        "between the walls and crawls along the floor; momentum builds up speed along it."
    )
    bounds = ((-5.0, 5.0), (-3.0, 3.0))
    minima = ((0.0, 0.0),)
    min_value = 0.0
    start = (-4.5, 0.0)
