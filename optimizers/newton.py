"""Damped Newton's method: step to the minimum of the local quadratic model (not in torch.optim).

    g ← ∇L(θ),  H ← ∇²L(θ)
    θ ← θ − γ (H + δ I)⁻¹ g          (lr γ, damping δ)

With γ = 1 and δ = 0 it lands on the minimum of any convex quadratic in one step. It is drawn to
every stationary point, saddles and maxima included; damping shortens the step and bends it
towards the gradient direction. A singular H + δ I gives an infinite step, which the run reports as
divergence. H is the problem's exact ``(K, P, P)`` Hessian. For P = 2 the system is solved in closed
form (Cramer's rule) for all runs at once; for larger P by one batched LU solve
(``numpy.linalg.solve``), run by run where a system is singular.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import per_run


class NewtonState(NamedTuple):
    """Newton's method keeps no state between steps."""


def init(params, hp):
    return NewtonState()


def update(grad, state, params, hp, step, hessian):
    if params.shape[1] != 2:
        return _solve(grad, params, hp, hessian), state
    hxx, hxy, hyy = hessian[:, 0, 0], hessian[:, 0, 1], hessian[:, 1, 1]
    damping, lr = per_run(hp["damping"]), per_run(hp["lr"])
    a = hxx + damping
    c = hyy + damping
    gx, gy = grad[:, 0], grad[:, 1]
    scale = lr / (a * c - hxy * hxy)
    moved = np.empty_like(params)
    moved[:, 0] = params[:, 0] - scale * (c * gx - hxy * gy)
    moved[:, 1] = params[:, 1] - scale * (a * gy - hxy * gx)
    return moved, state


def _solve(grad, params, hp, hessian):
    """θ − γ (H + δ I)⁻¹ g for general P; a singular system gives an infinite step (divergence)."""
    p = params.shape[1]
    damping = np.broadcast_to(np.asarray(hp["damping"], dtype=np.float64).reshape(-1), params.shape[:1])
    system = hessian + damping[:, None, None] * np.eye(p)
    try:
        direction = np.linalg.solve(system, grad[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        direction = np.empty_like(grad)
        for i in range(len(grad)):
            try:
                direction[i] = np.linalg.solve(system[i], grad[i])
            except np.linalg.LinAlgError:
                direction[i] = np.inf
    return params - hp["lr"] * direction


NEWTON = Optimizer(
    name="newton",
    title="Newton",
    description="Jumps to the bottom of the local quadratic fit (uses the Hessian); damping tames it.",
    hyperparameters=(
        Hyperparameter(
            "lr",
            1.0,
            "Fraction of the full Newton step to take.",
            label="learning rate",
            low=0.0,
            ui=(0.01, 2.0),
        ),
        Hyperparameter(
            "damping",
            0.0,
            "Added to the curvature: shorter, more gradient-like steps.",
            label="damping value",
            low=0.0,
            ui=(0.0, 10.0),
        ),
    ),
    reference="",
    examples=(
        {"lr": 1.0},
        {"lr": 0.5},
        {"lr": 1.0, "damping": 1.0},
    ),
    init=init,
    update=update,
    needs_hessian=True,
)
