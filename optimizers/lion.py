"""Lion, from Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms" (not in torch.optim).

    g ← ∇L(θ)
    c ← β₁ m + (1 − β₁) g            (betas (β₁, β₂))
    θ ← θ (1 − γ λ) − γ sign(c)      (lr γ, decoupled weight_decay λ)
    m ← β₂ m + (1 − β₂) g

Only the sign of the interpolated momentum is used, so every coordinate moves by exactly γ each
step (0 where c is exactly 0): the learning rate is a step length, hence its small default.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Optimizer
from optimizers.common import BETAS, LR, WEIGHT_DECAY, is_zero


class LionState(NamedTuple):
    exp_avg: np.ndarray  # (K, 2) m


def init(params, hp):
    return LionState(np.zeros_like(params))


def update(grad, state, params, hp, step, hessian=None):
    lr, (beta1, beta2), weight_decay = hp["lr"], hp["betas"], hp["weight_decay"]
    exp_avg = state.exp_avg
    move = np.sign(_interpolate(exp_avg, grad, beta1))
    move *= -lr
    move += params if is_zero(weight_decay) else params * (1 - lr * weight_decay)
    return move, LionState(_interpolate(exp_avg, grad, beta2))


def _interpolate(exp_avg, grad, beta):
    """β m + (1 − β) g."""
    mixed = exp_avg * beta
    mixed += (1 - beta) * grad
    return mixed


LION = Optimizer(
    name="lion",
    title="Lion",
    description="Steps by the sign of a momentum: every coordinate moves by exactly the learning rate.",
    hyperparameters=(
        LR(1e-4),
        BETAS((0.9, 0.99)),
        WEIGHT_DECAY(0.0),
    ),
    reference="paper",
    examples=(
        {"lr": 0.01},
        {"lr": 0.01, "betas": (0.5, 0.9)},
        {"lr": 0.01, "weight_decay": 0.5},
    ),
    init=init,
    update=update,
)
