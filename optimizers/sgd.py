"""Stochastic gradient descent, as ``torch.optim.SGD``.

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    g ← g + λ θ                      (weight_decay λ)
    b ← g at the first step, else μ b + (1 − τ) g      (momentum μ, dampening τ; if μ ≠ 0)
    g ← g + μ b if nesterov, else b                    (if μ ≠ 0)
    θ ← θ − γ g                      (lr γ)

Without momentum each step is proportional to the gradient; with it, b is a running sum of past
gradients, so the run keeps rolling along consistent slopes and through shallow dips.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import LR, MAXIMIZE, WEIGHT_DECAY, is_zero, select, signed, with_weight_decay


class SGDState(NamedTuple):
    momentum_buffer: np.ndarray  # (K, 2)


def init(params, hp):
    return SGDState(momentum_buffer=np.zeros_like(params))


def update(grad, state, params, hp, step, hessian=None):
    lr, momentum, nesterov = hp["lr"], hp["momentum"], hp["nesterov"]
    grad = with_weight_decay(signed(grad, hp["maximize"]), params, hp["weight_decay"])
    if is_zero(momentum):
        return params - lr * grad, state
    if step == 1:
        buf = grad.copy()  # grad may be the run's own buffer
    else:
        buf = momentum * state.momentum_buffer + (1 - hp["dampening"]) * grad
    direction = buf if nesterov is False else select(nesterov, grad + momentum * buf, buf)
    if isinstance(momentum, np.ndarray):  # runs without momentum step along g and keep b = 0
        off = momentum == 0
        direction = np.where(off, grad, direction)
        buf = np.where(off, state.momentum_buffer, buf)
    return params - lr * direction, SGDState(buf)


def check(hp):
    nesterov = np.asarray(hp["nesterov"])
    bad = nesterov & ((np.asarray(hp["momentum"]) <= 0) | (np.asarray(hp["dampening"]) != 0))
    if np.any(bad):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")


SGD = Optimizer(
    name="sgd",
    title="SGD",
    description="Plain gradient descent: step against the gradient; optional momentum remembers past steps.",
    hyperparameters=(
        LR(1e-3),
        Hyperparameter(
            "momentum",
            0.0,
            "Fraction of the previous step carried into this one.",
            label="momentum value",
            low=0.0,
            ui=(0.0, 0.99),
        ),
        Hyperparameter(
            "dampening",
            0.0,
            "Shrinks the new gradient's share of the momentum buffer.",
            label="dampening value",
            low=0.0,
            high=1.0,
            ui=(0.0, 1.0),
        ),
        WEIGHT_DECAY(0.0),
        Hyperparameter("nesterov", False, "Look ahead along the momentum before stepping."),
        MAXIMIZE,
    ),
    reference="torch.optim.SGD",
    examples=(
        {"lr": 0.001},
        {"lr": 0.001, "momentum": 0.9},
        {"lr": 0.001, "momentum": 0.9, "dampening": 0.3},
        {"lr": 0.001, "momentum": 0.8, "nesterov": True},
        {"lr": 0.001, "momentum": 0.5, "weight_decay": 0.1},
        {"lr": 0.0001, "maximize": True},
    ),
    init=init,
    update=update,
    check=check,
)
