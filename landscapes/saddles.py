"""Saddles: surfaces whose only critical point is not a minimum, and that fall away without bound."""

from __future__ import annotations

import numpy as np

from landscapes.base import Landscape, as_arrays


class Saddle(Landscape):
    """L = x² − y²: up along x, down along y; the Hessian diag(2, −2) is constant.

    Near y = 0 gradient descent multiplies y by (1 + 2·lr) each step, so a run that starts just
    off the ridge lingers at the saddle before sliding away.
    """

    name = "saddle"
    title = "Saddle"
    formula = "x² − y²"
    description = (
        "A horse saddle: the origin is a minimum along x but a maximum along y, and the loss falls "
        "forever along y. A run that starts near the ridge stalls at the saddle before escaping."
    )
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    start = (1.8, 0.01)
    z_clip = (-4.0, 4.0)

    def value(self, x, y):
        x, y = as_arrays(x, y)
        return x * x - y * y

    def gradient(self, x, y):
        """(2x, −2y)."""
        x, y = as_arrays(x, y)
        return 2.0 * x, -2.0 * y

    def hessian(self, x, y):
        """(2, 0, −2)."""
        x, y = as_arrays(x, y)
        return np.full_like(x, 2.0), np.zeros_like(x), np.full_like(x, -2.0)


class MonkeySaddle(Landscape):
    """L = x³ − 3xy² = Re (x + iy)³: three valleys (at 60°, 180° and 300°) and three ridges.

    The gradient 3(x² − y², −2xy) and the Hessian 6(x, −y; −y, −x) both vanish at the origin, so
    the slope fades quadratically as a run nears it and plain gradient descent crawls.
    """

    name = "monkey_saddle"
    title = "Monkey saddle"
    formula = "x³ − 3xy²"
    description = (
        "A saddle with three valleys (room for a monkey's tail). The ground is completely flat at the "
        "centre, so plain gradient descent slows to a crawl there while momentum rolls on through."
    )
    bounds = ((-1.5, 1.5), (-1.5, 1.5))
    start = (1.2, 0.01)
    z_clip = (-5.0, 5.0)

    def value(self, x, y):
        x, y = as_arrays(x, y)
        return x * (x * x - 3.0 * y * y)

    def gradient(self, x, y):
        """(3x² − 3y², −6xy)."""
        x, y = as_arrays(x, y)
        return 3.0 * (x * x - y * y), -6.0 * x * y

    def hessian(self, x, y):
        """(6x, −6y, −6x)."""
        x, y = as_arrays(x, y)
        return 6.0 * x, -6.0 * y, -6.0 * x
