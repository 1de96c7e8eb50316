"""RAdam, as ``torch.optim.RAdam`` (Liu et al. 2020): Adam with a rectified warm-up.

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    θ ← θ (1 − γ λ) if decoupled_weight_decay, else g ← g + λ θ      (weight_decay λ, if λ ≠ 0)
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    m̂ ← m / (1 − β₁ᵗ)
    ρ∞ ← 2 / (1 − β₂) − 1;   ρₜ ← ρ∞ − 2 t β₂ᵗ / (1 − β₂ᵗ)
    if ρₜ > 5:  r ← √((ρₜ − 4)(ρₜ − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρₜ))
                θ ← θ − γ m̂ · √(1 − β₂ᵗ) / (√v + ε) · r
    else:       θ ← θ − γ m̂      (plain momentum SGD while v is too noisy to trust)

ρₜ estimates how many gradients v averages; until it passes 5 the adaptive step is skipped, and the
rectification r then ramps it in.
"""

from __future__ import annotations

import numpy as np

from optimizers.base import Optimizer
from optimizers.common import (
    ADAM_FAMILY,
    DECOUPLED_WEIGHT_DECAY,
    MAXIMIZE,
    Moments,
    adam_moments,
    bias_correction,
    power,
    sqrt,
)


def init(params, hp):
    return Moments(np.zeros_like(params), np.zeros_like(params))


def update(grad, state, params, hp, step, hessian=None):
    lr, (beta1, beta2) = hp["lr"], hp["betas"]
    _, params, exp_avg, exp_avg_sq = adam_moments(grad, state, params, hp, hp["decoupled_weight_decay"])
    bias_correction2 = bias_correction(beta2, step)
    move = exp_avg / bias_correction(beta1, step)
    move *= lr
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * power(beta2, step) / bias_correction2
    if isinstance(rho_t, np.ndarray):
        with np.errstate(divide="ignore", invalid="ignore"):  # r is NaN where it is not used
            rectified = _rectified(move, exp_avg_sq, bias_correction2, rho_inf, rho_t, hp["eps"])
        move = np.where(rho_t > 5.0, rectified, move)
    elif rho_t > 5.0:
        move = _rectified(move, exp_avg_sq, bias_correction2, rho_inf, rho_t, hp["eps"])
    return np.subtract(params, move, out=move), Moments(exp_avg, exp_avg_sq)


def _rectified(move, exp_avg_sq, bias_correction2, rho_inf, rho_t, eps):
    """γ m̂ · √(1 − β₂ᵗ) / (√v + ε) · r."""
    adaptive = np.sqrt(exp_avg_sq)
    adaptive += eps
    np.divide(sqrt(bias_correction2), adaptive, out=adaptive)
    adaptive *= move
    adaptive *= sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
    return adaptive


RADAM = Optimizer(
    name="radam",
    title="RAdam",
    description="Adam that starts as plain momentum and switches in the per-coordinate scaling gradually.",
    hyperparameters=(
        *ADAM_FAMILY(1e-3),
        DECOUPLED_WEIGHT_DECAY,
        MAXIMIZE,
    ),
    reference="torch.optim.RAdam",
    examples=(
        {"lr": 0.001},
        {"lr": 0.001, "betas": (0.8, 0.9)},
        {"lr": 0.001, "eps": 0.1},
        {"lr": 0.001, "weight_decay": 0.5},
        {"lr": 0.001, "weight_decay": 0.5, "decoupled_weight_decay": True},
        {"lr": 0.001, "maximize": True},
    ),
    init=init,
    update=update,
)
