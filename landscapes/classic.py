"""Classic test functions with one global minimum: Booth, Rosenbrock, Beale, Goldstein–Price.

Formulas, minima and plot windows follow the standard references (Surjanovic & Bingham's Virtual
Library of Simulation Experiments; scipy's ``go_benchmark_functions``).
"""

from __future__ import annotations

import numpy as np

from landscapes.base import Landscape, as_arrays


class Booth(Landscape):
    """L = (x + 2y − 7)² + (2x + y − 5)², a quadratic: ∇L = (10x + 8y − 34, 8x + 10y − 38).

    The Hessian ((10, 8), (8, 10)) has eigenvalues 18 and 2, so plain gradient descent is stable
    for lr < 2/18 and the condition number is 9.
    """

    name = "booth"
    title = "Booth"
    formula = "(x + 2y − 7)² + (2x + y − 5)²"
    description = (
        "A tilted, stretched bowl with its minimum at (1, 3). Gradient descent curves towards the "
        "valley floor first and then follows it to the bottom."
    )
    bounds = ((-10.0, 10.0), (-10.0, 10.0))
    minima = ((1.0, 3.0),)
    min_value = 0.0
    start = (-8.0, -6.0)

    def value(self, x, y):
        x, y = as_arrays(x, y)
        return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2

    def gradient(self, x, y):
        x, y = as_arrays(x, y)
        return 10.0 * x + 8.0 * y - 34.0, 8.0 * x + 10.0 * y - 38.0

    def hessian(self, x, y):
        """(10, 8, 10)."""
        x, y = as_arrays(x, y)
        return np.full_like(x, 10.0), np.full_like(x, 8.0), np.full_like(x, 10.0)


class Rosenbrock(Landscape):
    """L = (1 − x)² + 100 (y − x²)².

        ∂L/∂x = −2(1 − x) − 400 x (y − x²)      ∂L/∂y = 200 (y − x²)
        ∂²L/∂x² = 2 − 400 y + 1200 x²   ∂²L/∂x∂y = −400 x   ∂²L/∂y² = 200

    At the minimum (1, 1) the Hessian's largest eigenvalue is ≈ 1001.6, so plain gradient descent
    is only stable near it for lr < 0.002.
    """

    name = "rosenbrock"
    title = "Rosenbrock valley"
    formula = "(1 − x)² + 100 (y − x²)²"
    description = (
        "A curved, flat-bottomed banana valley. Finding the valley is easy; following its gentle "
        "slope to the minimum at (1, 1) is hard, and too large a step bounces off the steep walls."
    )
    bounds = ((-2.0, 2.0), (-1.0, 3.0))
    minima = ((1.0, 1.0),)
    min_value = 0.0
    start = (-1.5, 2.0)
    log_color = True

    def value(self, x, y):
        x, y = as_arrays(x, y)
        return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2

    def gradient(self, x, y):
        return self.value_and_gradient(x, y)[1]

    def value_and_gradient(self, x, y):
        """With a = 1 − x, d = y − x²: L = a² + ½·d·(200d), ∇L = (−2(a + x·200d), 200d)."""
        x, y = as_arrays(x, y)
        a = 1.0 - x
        d = y - x * x
        gy = 200.0 * d
        gx = x * gy
        gx += a
        gx *= -2.0
        value = a * a
        value += 0.5 * d * gy
        return value, (gx, gy)

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        return 2.0 - 400.0 * y + 1200.0 * x * x, -400.0 * x, np.full_like(x, 200.0)


#: Beale's residuals rₖ = cₖ − x + x·yᵏ for k = 1, 2, 3.
_BEALE_C = (1.5, 2.25, 2.625)


class Beale(Landscape):
    """L = Σₖ rₖ², rₖ = cₖ − x + x·yᵏ, (c₁, c₂, c₃) = (1.5, 2.25, 2.625).

        ∂rₖ/∂x = yᵏ − 1   ∂rₖ/∂y = k x yᵏ⁻¹   ∂²rₖ/∂x∂y = k yᵏ⁻¹   ∂²rₖ/∂y² = k(k − 1) x yᵏ⁻²
        ∇L = Σ 2 rₖ ∇rₖ        ∇²L = Σ 2 (∇rₖ ∇rₖᵀ + rₖ ∇²rₖ)

    At the minimum (3, 0.5) all three residuals vanish.
    """

    name = "beale"
    title = "Beale"
    formula = "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²"
    description = (
        "Flat plateaus in the middle and cliffs near the corners, with the minimum at (3, 0.5) in a "
        "narrow curved valley. Adaptive methods cope with the huge range of slopes far better."
    )
    bounds = ((-4.5, 4.5), (-4.5, 4.5))
    minima = ((3.0, 0.5),)
    min_value = 0.0
    start = (1.0, 1.5)
    log_color = True

    @staticmethod
    def _residuals(x, y):
        """Yield (k, rₖ, yᵏ⁻¹, yᵏ) for k = 1, 2, 3."""
        y_prev = np.ones_like(y)
        for k, c in enumerate(_BEALE_C, start=1):
            yk = y_prev * y
            yield k, c - x + x * yk, y_prev, yk
            y_prev = yk

    def value(self, x, y):
        x, y = as_arrays(x, y)
        return sum(r * r for _, r, _, _ in self._residuals(x, y))

    def gradient(self, x, y):
        return self.value_and_gradient(x, y)[1]

    def value_and_gradient(self, x, y):
        """∇L = (2 Σ rₖ (yᵏ − 1), 2x Σ k rₖ yᵏ⁻¹)."""
        x, y = as_arrays(x, y)
        value, gx, gy = np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
        for k, r, y_prev, yk in self._residuals(x, y):
            value += r * r
            gx += r * (yk - 1.0)
            gy += k * r * y_prev
        gx *= 2.0
        gy *= 2.0 * x
        return value, (gx, gy)

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        hxx, hxy, hyy = np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
        y_prev2 = np.zeros_like(y)  # yᵏ⁻², only used with the factor k − 1 = 0 when k = 1
        for k, r, y_prev, yk in self._residuals(x, y):
            rx, ry = yk - 1.0, k * x * y_prev
            hxx += 2.0 * rx * rx
            hxy += 2.0 * (rx * ry + r * k * y_prev)
            hyy += 2.0 * (ry * ry + r * k * (k - 1) * x * y_prev2)
            y_prev2 = y_prev
        return hxx, hxy, hyy


def _square_times(p, p_grad, q, q_grad):
    """F = p²·q and ∇F = 2p q ∇p + p² ∇q. Gradients are ``(d/dx, d/dy)`` pairs."""
    (px, py), (qx, qy) = p_grad, q_grad
    p2, pq2 = p * p, 2.0 * p * q
    return p2 * q, (pq2 * px + p2 * qx, pq2 * py + p2 * qy)


def _square_times_hessian(p, p_grad, q, q_grad, q_hess):
    """∇²F = 2q ∇p ∇pᵀ + 2p (∇p ∇qᵀ + ∇q ∇pᵀ) + p² ∇²q, for p linear and q quadratic, as (xx, xy, yy)."""
    (px, py), (qx, qy), (qxx, qxy, qyy) = p_grad, q_grad, q_hess
    p2, two_p, two_q = p * p, 2.0 * p, 2.0 * q
    return (
        two_q * px * px + 2.0 * two_p * px * qx + p2 * qxx,
        two_q * px * py + two_p * (px * qy + qx * py) + p2 * qxy,
        two_q * py * py + 2.0 * two_p * py * qy + p2 * qyy,
    )


class GoldsteinPrice(Landscape):
    """L = A·B with

        A = 1 + p²·q,   p = x + y + 1,   q = 19 − 14x + 3x² − 14y + 6xy + 3y²
        B = 30 + r²·s,  r = 2x − 3y,     s = 18 − 32x + 12x² + 48y − 36xy + 27y²
        ∇L = B ∇A + A ∇B        ∇²L = B ∇²A + ∇A ∇Bᵀ + ∇B ∇Aᵀ + A ∇²B

    At the minimum (0, −1): p = 0 so A = 1, and r = 3, s = −3 so B = 3.
    """

    name = "goldstein_price"
    title = "Goldstein–Price"
    formula = (
        "[1 + (x + y + 1)² (19 − 14x + 3x² − 14y + 6xy + 3y²)] × "
        "[30 + (2x − 3y)² (18 − 32x + 12x² + 48y − 36xy + 27y²)]"
    )
    description = (
        "A product of two polynomials whose values span six orders of magnitude, with a few local "
        "minima. The global minimum is 3, at (0, −1)."
    )
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    minima = ((0.0, -1.0),)
    min_value = 3.0
    start = (-1.0, 0.0)
    log_color = True

    @staticmethod
    def _parts(x, y):
        """(p, ∇p, q, ∇q, ∇²q) for A − 1 = p²q and for B − 30 = r²s."""
        qx = -14.0 + 6.0 * x + 6.0 * y
        a = (
            x + y + 1.0,
            (1.0, 1.0),
            19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y,
            (qx, qx),
            (6.0, 6.0, 6.0),
        )
        b = (
            2.0 * x - 3.0 * y,
            (2.0, -3.0),
            18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y,
            (-32.0 + 24.0 * x - 36.0 * y, 48.0 - 36.0 * x + 54.0 * y),
            (24.0, -36.0, 54.0),
        )
        return a, b

    def value(self, x, y):
        x, y = as_arrays(x, y)
        (p, _, q, _, _), (r, _, s, _, _) = self._parts(x, y)
        return (1.0 + p * p * q) * (30.0 + r * r * s)

    def gradient(self, x, y):
        return self.value_and_gradient(x, y)[1]

    def value_and_gradient(self, x, y):
        x, y = as_arrays(x, y)
        a_parts, b_parts = self._parts(x, y)
        a, (ax, ay) = _square_times(*a_parts[:4])
        b, (bx, by) = _square_times(*b_parts[:4])
        a += 1.0
        b += 30.0
        return a * b, (b * ax + a * bx, b * ay + a * by)

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        a_parts, b_parts = self._parts(x, y)
        a, (ax, ay) = _square_times(*a_parts[:4])
        b, (bx, by) = _square_times(*b_parts[:4])
        axx, axy, ayy = _square_times_hessian(*a_parts)
        bxx, bxy, byy = _square_times_hessian(*b_parts)
        a += 1.0
        b += 30.0
        return (
            b * axx + 2.0 * ax * bx + a * bxx,
            b * axy + ax * by + ay * bx + a * bxy,
            b * ayy + 2.0 * ay * by + a * byy,
        )
