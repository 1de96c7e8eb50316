"""Surfaces with more than one minimum: where a run ends depends on where it starts and how it moves.

Global minima are the published ones (Surjanovic & Bingham's Virtual Library of Simulation
Experiments; scipy's ``go_benchmark_functions``), polished with Newton's method in 50-digit
arithmetic and rounded to float64.
"""

from __future__ import annotations

import numpy as np

from landscapes.base import Landscape, as_arrays


class TwoValleys(Landscape):
    """L = (x² − 1)² + 0.3x + y²: a tilted double well along x, a plain parabola along y.

        ∇L = (4x(x² − 1) + 0.3, 2y)        ∇²L = diag(12x² − 4, 2)

    The critical points along x are the roots of 4x³ − 4x + 0.3: the global minimum at
    x ≈ −1.0356 (L ≈ −0.3054), a ridge at x ≈ 0.0754 and a local minimum at x ≈ 0.9601 (L ≈ 0.2941).
    """

    name = "two_valleys"
    title = "Two valleys"
    formula = "(x² − 1)² + 0.3x + y²"
    description = (
        "Two valleys side by side, the left one deeper. Plain gradient descent settles in the valley "
        "it starts above, a local minimum; momentum can carry a run over the ridge into the deeper one."
    )
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    minima = ((-1.0355787140888537, 0.0),)
    min_value = -0.30542848374391596
    start = (1.9, 1.5)

    def value(self, x, y):
        x, y = as_arrays(x, y)
        w = x * x - 1.0
        return w * w + 0.3 * x + y * y

    def gradient(self, x, y):
        x, y = as_arrays(x, y)
        return 4.0 * x * (x * x - 1.0) + 0.3, 2.0 * y

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        return 12.0 * x * x - 4.0, np.zeros_like(x), np.full_like(x, 2.0)


class Himmelblau(Landscape):
    """L = (x² + y − 11)² + (x + y² − 7)².

        with p = x² + y − 11, q = x + y² − 7:   ∇L = (4xp + 2q, 2p + 4yq)
        ∇²L = (12x² + 4y − 42, 4x + 4y, 12y² + 4x − 26)

    Four global minima with L = 0, a local maximum near (−0.2708, −0.9230) and four saddles.
    """

    name = "himmelblau"
    title = "Himmelblau"
    formula = "(x² + y − 11)² + (x + y² − 7)²"
    description = (
        "Four equally deep valleys. Which one a run ends in depends on where it starts and on the "
        "optimizer, a small picture of why training the same network twice gives different weights."
    )
    bounds = ((-5.0, 5.0), (-5.0, 5.0))
    minima = (
        (3.0, 2.0),
        (-2.805118086952745, 3.131312518250573),
        (-3.779310253377747, -3.2831859912861696),
        (3.5844283403304917, -1.8481265269644036),
    )
    min_value = 0.0
    start = (0.0, 0.0)
    log_color = True

    def value(self, x, y):
        x, y = as_arrays(x, y)
        p = x * x + y - 11.0
        q = x + y * y - 7.0
        return p * p + q * q

    def gradient(self, x, y):
        return self.value_and_gradient(x, y)[1]

    def value_and_gradient(self, x, y):
        x, y = as_arrays(x, y)
        p = x * x + y - 11.0
        q = x + y * y - 7.0
        return p * p + q * q, (4.0 * x * p + 2.0 * q, 2.0 * p + 4.0 * y * q)

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        return 12.0 * x * x + 4.0 * y - 42.0, 4.0 * (x + y), 12.0 * y * y + 4.0 * x - 26.0


class SixHumpCamel(Landscape):
    """L = (4 − 2.1x² + x⁴/3) x² + xy + (−4 + 4y²) y² = 4x² − 2.1x⁴ + x⁶/3 + xy − 4y² + 4y⁴.

        ∇L = (8x − 8.4x³ + 2x⁵ + y, x − 8y + 16y³)
        ∇²L = (8 − 25.2x² + 10x⁴, 1, −8 + 48y²)

    Six local minima; the two global ones are mirror images through the origin.
    """

    name = "six_hump_camel"
    title = "Six-hump camel"
    formula = "(4 − 2.1x² + x⁴/3) x² + xy + (4y² − 4) y²"
    description = (
        "Six valleys of different depths, two of them tied for the deepest. A run finds whichever "
        "valley its start leads to, so the start matters as much as the optimizer."
    )
    bounds = ((-2.0, 2.0), (-1.0, 1.0))
    minima = (
        (0.08984201310031806, -0.7126564030207396),
        (-0.08984201310031806, 0.7126564030207396),
    )
    min_value = -1.0316284534898774
    start = (-1.0, -0.5)

    def value(self, x, y):
        x, y = as_arrays(x, y)
        x2, y2 = x * x, y * y
        return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2

    def gradient(self, x, y):
        x, y = as_arrays(x, y)
        x2 = x * x
        return x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y, x + y * (16.0 * y * y - 8.0)

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        x2 = x * x
        return 8.0 - 25.2 * x2 + 10.0 * x2 * x2, np.ones_like(x), 48.0 * y * y - 8.0


#: Where 4t³ − 32t + 5 = 0 has its lower root: the minimum of t⁴ − 16t² + 5t.
_STYBLINSKI_TANG_ARGMIN = -2.903534027771177


class StyblinskiTang(Landscape):
    """L = ½ Σ (t⁴ − 16t² + 5t) over t ∈ {x, y}.

        ∂L/∂t = 2t³ − 16t + 2.5        ∂²L/∂t² = 6t² − 16 (the cross term is 0)

    Each coordinate has a deep well at t ≈ −2.9035 and a shallower one at t ≈ 2.7468, so the
    surface has four valleys and only the one at (−2.9035, −2.9035) is global.
    """

    name = "styblinski_tang"
    title = "Styblinski–Tang"
    formula = "½ [(x⁴ − 16x² + 5x) + (y⁴ − 16y² + 5y)]"
    description = (
        "Four valleys in a square, only one of them the deepest. Each coordinate can get stuck on "
        "the wrong side of its own ridge, so a run may fix one coordinate and miss the other."
    )
    bounds = ((-5.0, 5.0), (-5.0, 5.0))
    minima = ((_STYBLINSKI_TANG_ARGMIN, _STYBLINSKI_TANG_ARGMIN),)
    min_value = -78.33233140754282
    start = (4.5, 4.0)

    @staticmethod
    def _term(t):
        t2 = t * t
        return 0.5 * (t2 * (t2 - 16.0) + 5.0 * t)

    def value(self, x, y):
        x, y = as_arrays(x, y)
        return self._term(x) + self._term(y)

    def gradient(self, x, y):
        x, y = as_arrays(x, y)
        return x * (2.0 * x * x - 16.0) + 2.5, y * (2.0 * y * y - 16.0) + 2.5

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        return 6.0 * x * x - 16.0, np.zeros_like(x), 6.0 * y * y - 16.0


class Rastrigin(Landscape):
    """L = 2A + Σ (t² − A cos 2πt) over t ∈ {x, y}, A = 10.

        ∂L/∂t = 2t + 2πA sin 2πt       ∂²L/∂t² = 2 + 4π²A cos 2πt (the cross term is 0)

    A bowl covered in a regular egg-box of local minima near every integer point.
    """

    name = "rastrigin"
    title = "Rastrigin"
    A = 10.0
    formula = "20 + x² − 10 cos 2πx + y² − 10 cos 2πy"
    description = (
        "A bowl covered in an egg box: a local minimum near every point with whole-number "
        "coordinates. Gradient descent stops in the nearest dip; only the shape underneath leads to (0, 0)."
    )
    bounds = ((-5.12, 5.12), (-5.12, 5.12))
    minima = ((0.0, 0.0),)
    min_value = 0.0
    start = (3.2, -2.6)

    def value(self, x, y):
        x, y = as_arrays(x, y)
        a, w = self.A, 2.0 * np.pi
        return 2.0 * a + x * x + y * y - a * (np.cos(w * x) + np.cos(w * y))

    def gradient(self, x, y):
        x, y = as_arrays(x, y)
        a, w = self.A, 2.0 * np.pi
        return 2.0 * x + w * a * np.sin(w * x), 2.0 * y + w * a * np.sin(w * y)

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        a, w = self.A, 2.0 * np.pi
        return 2.0 + w * w * a * np.cos(w * x), np.zeros_like(x), 2.0 + w * w * a * np.cos(w * y)


#: Below this distance from the origin Ackley's cone counts as at its tip (1 / r would overflow).
_TIP = np.finfo(np.float64).tiny


class Ackley(Landscape):
    """L = a (1 − e^(−bρ)) + e − e^c, ρ = √((x² + y²)/2), c = ½ (cos 2πx + cos 2πy); a, b = 20, 0.2.

    The first term is a cone, with r = √(x² + y²), û = (x, y)/r and h(ρ) = a (1 − e^(−bρ)):

        ∇ = h′(ρ) û/√2            ∇² = h″(ρ) ûûᵀ/2 + h′(ρ) (I − ûûᵀ)/(√2 r)
        h′ = ab e^(−bρ)           h″ = −ab² e^(−bρ)

    It has a kink at the origin, where we take its gradient and Hessian to be 0 (the gradient is
    the minimal subgradient). The second term is the egg box, with ∂c/∂x = −π sin 2πx:

        ∂/∂x = π e^c sin 2πx      ∂²/∂x² = π² e^c (2 cos 2πx − sin² 2πx)
        ∂²/∂x∂y = −π² e^c sin 2πx sin 2πy

    Terms are computed with expm1 so that L(0, 0) is exactly 0 and L ≥ 0 everywhere.
    """

    name = "ackley"
    title = "Ackley"
    a = 20.0
    b = 0.2
    formula = "−20 exp(−0.2 √((x² + y²)/2)) − exp((cos 2πx + cos 2πy)/2) + e + 20"
    description = (
        "A nearly flat plain full of small pits around one deep, sharp hole at the origin. "
        "Far from the centre the slope is tiny and noisy, so runs are easily trapped in a pit."
    )
    bounds = ((-4.0, 4.0), (-4.0, 4.0))
    minima = ((0.0, 0.0),)
    min_value = 0.0
    start = (2.6, -1.8)

    def _cone(self, x, y):
        """(1 − e^(−bρ), ûx, ûy, 1/r); û and 1/r are 0 at the tip."""
        r = np.hypot(x, y)
        inv_r = np.divide(1.0, r, out=np.zeros_like(r), where=r >= _TIP)
        return -np.expm1(-self.b * r / np.sqrt(2.0)), x * inv_r, y * inv_r, inv_r

    @staticmethod
    def _egg_box(x, y):
        """(e^c − e, e^c) with c = ½ (cos 2πx + cos 2πy)."""
        m = np.expm1(0.5 * (np.cos(2.0 * np.pi * x) + np.cos(2.0 * np.pi * y)) - 1.0)
        return np.e * m, np.e * (m + 1.0)

    def value(self, x, y):
        return self.value_and_gradient(x, y)[0]

    def gradient(self, x, y):
        return self.value_and_gradient(x, y)[1]

    def value_and_gradient(self, x, y):
        x, y = as_arrays(x, y)
        depth, ux, uy, _ = self._cone(x, y)
        shift, ec = self._egg_box(x, y)
        slope = self.a * self.b * (1.0 - depth) / np.sqrt(2.0)
        wave = np.pi * ec
        gx = slope * ux + wave * np.sin(2.0 * np.pi * x)
        gy = slope * uy + wave * np.sin(2.0 * np.pi * y)
        return self.a * depth - shift, (gx, gy)

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        depth, ux, uy, inv_r = self._cone(x, y)
        _, ec = self._egg_box(x, y)
        h1 = self.a * self.b * (1.0 - depth)  # h′(ρ)
        h2 = -self.b * h1  # h″(ρ)
        bend = h1 / np.sqrt(2.0) * inv_r  # in this order it stays finite even for r = _TIP
        sx, sy = np.sin(2.0 * np.pi * x), np.sin(2.0 * np.pi * y)
        wave = np.pi**2 * ec
        return (
            0.5 * h2 * ux * ux + bend * uy * uy + wave * (2.0 * np.cos(2.0 * np.pi * x) - sx * sx),
            (0.5 * h2 - bend) * ux * uy - wave * sx * sy,
            0.5 * h2 * uy * uy + bend * ux * ux + wave * (2.0 * np.cos(2.0 * np.pi * y) - sy * sy),
        )
