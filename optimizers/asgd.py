"""Averaged SGD, as ``torch.optim.ASGD`` (Polyak & Juditsky 1992): SGD with a decaying step, and the
running average of its iterates.

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    g ← g + λ_w θ                    (weight_decay λ_w)
    θ ← θ (1 − λ η) − η g            (lambd λ; η starts at the lr γ)
    θ̄ ← θ if μ = 1, else θ̄ + μ (θ − θ̄)      (ax, the averaged point)
    η ← γ / (1 + λ γ t)^α            (alpha α, step t)
    μ ← 1 / max(1, t − t₀)           (averaging starts after step t0)

The path is the SGD iterate θ; the point ASGD offers as its answer is the average θ̄ (``ax`` in the
recorded state), which settles down where θ keeps jittering. Before step t0, μ = 1 and θ̄ = θ.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import LR, MAXIMIZE, WEIGHT_DECAY, power, signed, with_weight_decay


class ASGDState(NamedTuple):
    eta: np.ndarray  # (K, P) the step size η of the next step (one number per run)
    mu: np.ndarray  # (K, P) the averaging weight μ of the next step (one number per run)
    ax: np.ndarray  # (K, P) θ̄, the averaged point


def init(params, hp):
    return ASGDState(
        np.broadcast_to(hp["lr"], params.shape).astype(np.float64),
        np.ones_like(params),
        np.zeros_like(params),
    )


def update(grad, state, params, hp, step, hessian=None):
    lr, lambd, alpha, t0 = hp["lr"], hp["lambd"], hp["alpha"], hp["t0"]
    grad = with_weight_decay(signed(grad, hp["maximize"]), params, hp["weight_decay"])
    eta, mu = state.eta, state.mu
    params = params * (1 - lambd * eta)
    params = params - eta * grad
    ax = np.where(mu != 1, state.ax + (params - state.ax) * mu, params)
    new_eta = lr / power(1 + lambd * lr * step, alpha)
    new_mu = 1 / np.maximum(1.0, step - np.asarray(t0, dtype=np.float64))
    shape = params.shape
    return params, ASGDState(
        np.broadcast_to(new_eta, shape).astype(np.float64),
        np.broadcast_to(new_mu, shape).astype(np.float64),
        ax,
    )


ASGD = Optimizer(
    name="asgd",
    title="ASGD",
    description=(
        "SGD with a slowly shrinking step that keeps the average of its points: the average is its answer."
    ),
    hyperparameters=(
        LR(1e-2),
        Hyperparameter(
            "lambd",
            1e-4,
            "Decay term: shrinks the step over time (and the parameters each step).",
            label="lambd value",
            low=0.0,
            ui=(0.0, 1.0),
        ),
        Hyperparameter(
            "alpha", 0.75, "Power of the step's decay.", label="alpha value", low=0.0, ui=(0.0, 2.0)
        ),
        Hyperparameter(
            "t0",
            1e6,
            "The step from which the points are averaged.",
            label="t0 value",
            low=0.0,
            log=True,
            ui=(1.0, 1e6),
        ),
        WEIGHT_DECAY(0.0),
        MAXIMIZE,
    ),
    init=init,
    update=update,
    reference="torch.optim.ASGD",
    examples=(  # torch's test configurations, at learning rates that stay in Rosenbrock's window
        {"lr": 1e-3},
        {"lr": 1e-3, "lambd": 0.1},
        {"lr": 2e-3},
        {"lr": 1e-3, "t0": 10.0},
        {"lr": 1e-4, "maximize": True},
        {"lr": 1e-3, "weight_decay": 0.1},
        {"lr": 1e-4, "weight_decay": 0.1, "maximize": True},
        {"lr": 1e-3, "alpha": 0.5},
    ),
)
