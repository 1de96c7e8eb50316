"""Adamax, as ``torch.optim.Adamax`` (Kingma & Ba 2015, section 7): Adam with an infinity norm.

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    g ← g + λ θ                      (weight_decay λ)
    m ← β₁ m + (1 − β₁) g
    u ← max(β₂ u, |g| + ε)           (exp_inf: a decaying maximum of |g|)
    θ ← θ − γ / (1 − β₁ᵗ) · m / u

The denominator tracks the largest recent gradient instead of the root-mean-square, so a single
large gradient damps the steps for a while but no bias correction of u is needed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Optimizer
from optimizers.common import (
    ADAM_FAMILY,
    MAXIMIZE,
    bias_correction,
    first_moment,
    signed,
    with_weight_decay,
)


class AdamaxState(NamedTuple):
    exp_avg: np.ndarray  # (K, 2) m
    exp_inf: np.ndarray  # (K, 2) u


def init(params, hp):
    return AdamaxState(np.zeros_like(params), np.zeros_like(params))


def update(grad, state, params, hp, step, hessian=None):
    beta1, beta2 = hp["betas"]
    grad = with_weight_decay(signed(grad, hp["maximize"]), params, hp["weight_decay"])
    exp_avg = first_moment(state.exp_avg, grad, beta1)
    largest = np.abs(grad)
    largest += hp["eps"]
    exp_inf = state.exp_inf * beta2
    np.maximum(exp_inf, largest, out=exp_inf)
    move = exp_avg * -(hp["lr"] / bias_correction(beta1, step))
    move /= exp_inf
    move += params
    return move, AdamaxState(exp_avg, exp_inf)


ADAMAX = Optimizer(
    name="adamax",
    title="Adamax",
    description="Adam that divides by a decaying maximum of past gradient sizes, not their mean square.",
    hyperparameters=(
        *ADAM_FAMILY(2e-3),
        MAXIMIZE,
    ),
    reference="torch.optim.Adamax",
    examples=(
        {"lr": 0.05},
        {"lr": 0.05, "betas": (0.5, 0.9)},
        {"lr": 0.05, "eps": 0.1},
        {"lr": 0.05, "weight_decay": 0.5},
        {"lr": 0.02, "maximize": True},
    ),
    init=init,
    update=update,
)
