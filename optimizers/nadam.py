"""NAdam, as ``torch.optim.NAdam`` (Dozat 2016): Adam with Nesterov momentum.

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    θ ← θ (1 − γ λ) if decoupled_weight_decay, else g ← g + λ θ      (weight_decay λ, if λ ≠ 0)
    μₜ ← β₁ (1 − ½ · 0.96^(t ψ))     (momentum_decay ψ, step t from 1)
    Πₜ ← Πₜ₋₁ μₜ                     (mu_product, Π₀ = 1)
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    d ← √(v / (1 − β₂ᵗ)) + ε
    θ ← θ − γ (1 − μₜ) / (1 − Πₜ) · g / d − γ μₜ₊₁ / (1 − Πₜ μₜ₊₁) · m / d

The momentum coefficient μ warms up from about β₁/2 towards β₁; the last term looks one step ahead
along the momentum, as Nesterov's method does.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import (
    ADAM_FAMILY,
    DECOUPLED_WEIGHT_DECAY,
    MAXIMIZE,
    adam_moments,
    bias_correction,
    power,
)


class NAdamState(NamedTuple):
    exp_avg: np.ndarray  # (K, 2) m
    exp_avg_sq: np.ndarray  # (K, 2) v
    mu_product: np.ndarray  # (K, 2) Π, the same for both coordinates of a run


def init(params, hp):
    return NAdamState(np.zeros_like(params), np.zeros_like(params), np.ones_like(params))


def update(grad, state, params, hp, step, hessian=None):
    lr, (beta1, beta2), momentum_decay = hp["lr"], hp["betas"], hp["momentum_decay"]
    grad, params, exp_avg, exp_avg_sq = adam_moments(grad, state, params, hp, hp["decoupled_weight_decay"])
    mu = beta1 * (1.0 - 0.5 * power(0.96, step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * power(0.96, (step + 1) * momentum_decay))
    mu_product = state.mu_product * mu
    denom = exp_avg_sq / bias_correction(beta2, step)
    np.sqrt(denom, out=denom)
    denom += hp["eps"]
    grad_term = grad * (-lr * (1.0 - mu) / (1.0 - mu_product))
    grad_term /= denom
    grad_term += params
    momentum_term = exp_avg * ((-lr * mu_next) / (1.0 - mu_product * mu_next))
    momentum_term /= denom
    momentum_term += grad_term
    return momentum_term, NAdamState(exp_avg, exp_avg_sq, mu_product)


NADAM = Optimizer(
    name="nadam",
    title="NAdam",
    description="Adam with Nesterov momentum: the step looks ahead along the running average of gradients.",
    hyperparameters=(
        *ADAM_FAMILY(2e-3),
        Hyperparameter(
            "momentum_decay",
            4e-3,
            "How quickly the momentum coefficient warms up to beta1.",
            label="momentum_decay value",
            low=0.0,
            log=True,
            ui=(1e-4, 1.0),
        ),
        DECOUPLED_WEIGHT_DECAY,
        MAXIMIZE,
    ),
    reference="torch.optim.NAdam",
    examples=(
        {"lr": 0.05},
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 0.001},
        {"lr": 0.05, "momentum_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.5},
        {"lr": 0.05, "weight_decay": 0.5, "decoupled_weight_decay": True},
        {"lr": 0.02, "maximize": True},
    ),
    init=init,
    update=update,
)
