"""The problem protocol: what ``optimizers.run`` needs from a loss with any number P of parameters.

``optimizers.run(problem, optimizer, start, steps, **hp)`` takes a registered 2-D surface name, a
``Landscape`` (P = 2, wrapped by ``SurfaceProblem``), or any object with (duck-typed):

- ``name: str``, ``title: str``, ``n_params: int`` (P).
- ``value(params)``: params ``(K, P)`` float64 -> loss ``(K,)``.
- ``value_and_gradient(params)``: ``(K, P)`` -> ``(loss (K,), gradient (K, P))``.
- optional ``hessian(params)``: ``(K, P)`` -> ``(K, P, P)``; Newton's method needs it.
- optional mini-batches: ``n_examples: int`` and ``batch_gradient(params, idx)`` with ``idx`` ``(K, B)``
  integer example indices -> gradient ``(K, P)``, the mean over those examples. The reported loss
  stays the full loss, and the batch order comes from ``optimizers.run``'s seeded sampling.
- optional ``init(seed: int) -> (P,)``: a start point, used when ``run`` gets no ``start``.

Every method computes row k from row k of ``params`` alone, so a run gives the same numbers alone or
inside any batch of runs. Starts are ``(P,)`` or ``(K, P)``; a trajectory's points are
``(K, steps + 1, P)`` (``(steps + 1, P)`` for one run). A run on a problem diverges when its loss or
a parameter stops being finite (a 2-D surface also has its plot window: see ``optimizers.run``).

Two problems with closed forms are defined here, for tests and benchmarks: ``Quadratic``
(½ θᵀAθ − bᵀθ) and ``Rosenbrock`` (the chained valley in P dimensions).
"""

from __future__ import annotations

import numpy as np

from landscapes.base import Landscape

REQUIRED = ("name", "n_params", "value", "value_and_gradient")


class SurfaceProblem:
    """A 2-D ``Landscape`` seen through the problem protocol (P = 2, params ``(K, 2)`` = (x, y))."""

    n_params = 2

    def __init__(self, landscape: Landscape):
        self.landscape = landscape
        self.name = landscape.name
        self.title = getattr(landscape, "title", landscape.name)
        if hasattr(landscape, "n_examples"):
            self.n_examples = landscape.n_examples

    def value(self, params):
        return self.landscape.value(params[:, 0], params[:, 1])

    def value_and_gradient(self, params):
        loss, (gx, gy) = self.landscape.value_and_gradient(params[:, 0], params[:, 1])
        return loss, np.column_stack([gx, gy])

    def hessian(self, params):
        """``(K, 2, 2)`` from the surface's ``(hxx, hxy, hyy)``."""
        hxx, hxy, hyy = self.landscape.hessian(params[:, 0], params[:, 1])
        out = np.empty((params.shape[0], 2, 2))
        out[:, 0, 0] = hxx
        out[:, 0, 1] = hxy
        out[:, 1, 0] = hxy
        out[:, 1, 1] = hyy
        return out

    def batch_gradient(self, params, idx):
        gx, gy = self.landscape.batch_gradient(params[:, 0], params[:, 1], idx)
        return np.column_stack([gx, gy])

    def init(self, seed: int = 0):
        return np.asarray(self.landscape.start, dtype=np.float64)


def as_problem(problem):
    """A problem for ``optimizers.run``: a surface name or ``Landscape`` wrapped, else ``problem``
    itself after checking it has the protocol's required members (``ValueError`` naming the missing)."""
    if isinstance(problem, str):
        import landscapes  # the registry imports this module's neighbours: import late

        problem = landscapes.get(problem)
    if isinstance(problem, Landscape):
        return SurfaceProblem(problem)
    missing = [name for name in REQUIRED if not hasattr(problem, name)]
    if missing:
        raise ValueError(
            f"{type(problem).__name__} is not a problem: it lacks {', '.join(missing)} "
            "(see landscapes/problem.py for the protocol)"
        )
    return problem


class Quadratic:
    """L(θ) = ½ θᵀAθ − bᵀθ for a symmetric A (P × P): ∇L = Aθ − b, ∇²L = A.

    Plain gradient descent has the closed form θₜ − θ* = (I − αA)ᵗ (θ₀ − θ*) with θ* = A⁻¹b, and
    Newton's method with lr 1 lands on θ* in one step.
    """

    def __init__(self, a, b=None, name: str = "quadratic"):
        self.a = np.asarray(a, dtype=np.float64)
        p = self.a.shape[0]
        if self.a.shape != (p, p) or not np.array_equal(self.a, self.a.T):
            raise ValueError(f"A must be a symmetric square matrix, got shape {self.a.shape}")
        self.b = np.zeros(p) if b is None else np.asarray(b, dtype=np.float64).reshape(p)
        self.name, self.title, self.n_params = name, f"Quadratic in {p} parameters", p

    @classmethod
    def random(cls, p: int, condition: float = 10.0, seed: int = 0) -> Quadratic:
        """A random positive definite A with eigenvalues spread log-evenly over [1, condition]."""
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.standard_normal((p, p)))
        a = (q * np.geomspace(1.0, condition, p)) @ q.T
        return cls(0.5 * (a + a.T), rng.standard_normal(p), name=f"quadratic{p}")

    def value(self, params):
        return self.value_and_gradient(params)[0]

    def value_and_gradient(self, params):
        grad = params @ self.a - self.b
        return 0.5 * np.einsum("kp,kp->k", params, grad - self.b), grad

    def hessian(self, params):
        return np.broadcast_to(self.a, (params.shape[0], *self.a.shape)).copy()

    def minimum(self):
        return np.linalg.solve(self.a, self.b)

    def init(self, seed: int = 0):
        return np.random.default_rng(seed).uniform(-1.0, 1.0, self.n_params)


class Rosenbrock:
    """The chained Rosenbrock valley in P ≥ 2 dimensions, minimum 0 at θ = (1, …, 1):

    L(θ) = Σᵢ₌₁ᴾ⁻¹ 100 (θᵢ₊₁ − θᵢ²)² + (1 − θᵢ)²
    """

    def __init__(self, p: int = 2):
        if p < 2:
            raise ValueError(f"Rosenbrock needs P ≥ 2 parameters, got {p}")
        self.n_params, self.name, self.title = p, f"rosenbrock{p}", f"Rosenbrock valley in {p} parameters"

    def value(self, params):
        return self.value_and_gradient(params)[0]

    def value_and_gradient(self, params):
        x, nxt = params[:, :-1], params[:, 1:]
        d = nxt - x * x
        loss = (100.0 * d * d + (1.0 - x) ** 2).sum(axis=1)
        grad = np.zeros_like(params)
        grad[:, :-1] = -400.0 * x * d - 2.0 * (1.0 - x)
        grad[:, 1:] += 200.0 * d
        return loss, grad

    def hessian(self, params):
        k, p = params.shape
        x, nxt = params[:, :-1], params[:, 1:]
        out = np.zeros((k, p, p))
        i = np.arange(p - 1)
        out[:, i, i] = 1200.0 * x * x - 400.0 * nxt + 2.0
        out[:, i + 1, i + 1] += 200.0
        out[:, i, i + 1] = out[:, i + 1, i] = -400.0 * x
        return out

    def init(self, seed: int = 0):
        start = np.full(self.n_params, 1.0)
        start[::2] = -1.2
        return start
