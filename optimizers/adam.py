"""Adam, as ``torch.optim.Adam`` (Kingma & Ba 2015), with AMSGrad and decoupled weight decay.

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    θ ← θ (1 − γ λ) if decoupled_weight_decay, else g ← g + λ θ      (weight_decay λ, if λ ≠ 0)
    m ← β₁ m + (1 − β₁) g            (first moment; betas (β₁, β₂))
    v ← β₂ v + (1 − β₂) g²           (second moment)
    v̂ ← max(v̂, v) if amsgrad, else v
    θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)          (lr γ, step t from 1)

Early steps are not small although m and v start at zero: the bias corrections 1 − βᵗ scale them up,
so the first step moves every coordinate by about γ in the direction against the gradient.
AdamW (``adamw.py``) is this update with ``decoupled_weight_decay`` always on.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Optimizer
from optimizers.common import (
    ADAM_FAMILY,
    AMSGRAD,
    DECOUPLED_WEIGHT_DECAY,
    MAXIMIZE,
    adam_moments,
    bias_correction,
    select,
    sqrt,
)


class AdamState(NamedTuple):
    exp_avg: np.ndarray  # (K, 2) m
    exp_avg_sq: np.ndarray  # (K, 2) v
    max_exp_avg_sq: np.ndarray  # (K, 2) the running max of v (stays zero without amsgrad)


def init(params, hp):
    return AdamState(np.zeros_like(params), np.zeros_like(params), np.zeros_like(params))


def adam_update(grad, state, params, hp, step, decoupled, out=None):
    """One Adam step; ``decoupled`` is the decoupled_weight_decay flag (AdamW passes True); the new
    parameters go into ``out`` if given."""
    lr, (beta1, beta2) = hp["lr"], hp["betas"]
    _, params, exp_avg, exp_avg_sq = adam_moments(grad, state, params, hp, decoupled)
    max_exp_avg_sq, second = _amsgrad(hp["amsgrad"], state.max_exp_avg_sq, exp_avg_sq)
    step_size = lr / bias_correction(beta1, step)
    denom = np.sqrt(second)
    denom /= sqrt(bias_correction(beta2, step))
    denom += hp["eps"]
    move = exp_avg * -step_size
    move /= denom
    return np.add(move, params, out=move if out is None else out), AdamState(
        exp_avg, exp_avg_sq, max_exp_avg_sq
    )


def _amsgrad(amsgrad, max_exp_avg_sq, exp_avg_sq):
    """``(new running max, the second moment to divide by)``."""
    if amsgrad is False:
        return max_exp_avg_sq, exp_avg_sq
    running_max = np.maximum(max_exp_avg_sq, exp_avg_sq)
    return select(amsgrad, running_max, max_exp_avg_sq), select(amsgrad, running_max, exp_avg_sq)


def update(grad, state, params, hp, step, hessian=None, out=None):
    return adam_update(grad, state, params, hp, step, hp["decoupled_weight_decay"], out)


ADAM = Optimizer(
    name="adam",
    title="Adam",
    description=(
        "Momentum plus a per-coordinate step size: divides by a running average of squared gradients, "
        "so every direction moves at about the learning rate."
    ),
    hyperparameters=(
        *ADAM_FAMILY(1e-3),
        AMSGRAD,
        MAXIMIZE,
        DECOUPLED_WEIGHT_DECAY,
    ),
    reference="torch.optim.Adam",
    examples=(
        {"lr": 0.05},
        {"lr": 0.05, "betas": (0.5, 0.9)},
        {"lr": 0.05, "betas": (0.0, 0.0)},
        {"lr": 0.05, "eps": 0.1},
        {"lr": 0.05, "weight_decay": 0.5},
        {"lr": 0.05, "weight_decay": 0.5, "decoupled_weight_decay": True},
        {"lr": 0.05, "amsgrad": True},
        {"lr": 0.02, "maximize": True},
    ),
    init=init,
    update=update,
    writes_out=True,
)
