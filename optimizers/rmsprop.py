"""RMSprop, as ``torch.optim.RMSprop`` (Hinton's lecture notes; centered form from Graves 2013).

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    g ← g + λ θ                      (weight_decay λ)
    v ← α v + (1 − α) g²             (smoothing constant alpha α)
    ḡ ← α ḡ + (1 − α) g              (if centered)
    d ← √(v − ḡ²) + ε if centered, else √v + ε
    b ← μ b + g / d;  θ ← θ − γ b    (if momentum μ > 0)
    θ ← θ − γ g / d                  (otherwise)

Dividing by the root-mean-square of recent gradients evens out the step size across coordinates;
unlike Adagrad the average forgets, so steps do not shrink for ever.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import (
    EPS,
    LR,
    MAXIMIZE,
    WEIGHT_DECAY,
    is_zero,
    lerp,
    second_moment,
    signed,
    with_weight_decay,
)


class RMSpropState(NamedTuple):
    square_avg: np.ndarray  # (K, 2) v
    grad_avg: np.ndarray  # (K, 2) ḡ (stays zero unless centered)
    momentum_buffer: np.ndarray  # (K, 2) b (stays zero without momentum)


def init(params, hp):
    return RMSpropState(np.zeros_like(params), np.zeros_like(params), np.zeros_like(params))


def update(grad, state, params, hp, step, hessian=None):
    lr, alpha, momentum = hp["lr"], hp["alpha"], hp["momentum"]
    grad = with_weight_decay(signed(grad, hp["maximize"]), params, hp["weight_decay"])
    square_avg = second_moment(state.square_avg, grad, alpha)
    grad_avg, avg = _root_mean_square(state.grad_avg, square_avg, grad, alpha, hp["centered"])
    avg += hp["eps"]
    if is_zero(momentum):
        buf = state.momentum_buffer
        move = grad * -lr
        move /= avg
    else:
        buf = state.momentum_buffer * momentum
        buf += grad / avg
        move = buf * -lr
        if isinstance(momentum, np.ndarray):  # runs without momentum step by g / d and keep b = 0
            off = momentum == 0
            buf = np.where(off, state.momentum_buffer, buf)
            move = np.where(off, grad * -lr / avg, move)
    move += params
    return move, RMSpropState(square_avg, grad_avg, buf)


def _root_mean_square(grad_avg, square_avg, grad, alpha, centered):
    """``(ḡ, d)`` with d = √(v − ḡ²) if centered, else √v (before ε)."""
    if centered is False:
        return grad_avg, np.sqrt(square_avg)
    new_grad_avg = lerp(grad_avg, grad, 1 - alpha)
    centred = np.sqrt(square_avg - new_grad_avg * new_grad_avg)
    if centered is True:
        return new_grad_avg, centred
    return np.where(centered, new_grad_avg, grad_avg), np.where(centered, centred, np.sqrt(square_avg))


RMSPROP = Optimizer(
    name="rmsprop",
    title="RMSprop",
    description="Divides each coordinate's step by the root of a running average of its squared gradients.",
    hyperparameters=(
        LR(1e-2),
        Hyperparameter(
            "alpha",
            0.99,
            "How slowly the average of squared gradients forgets (closer to 1: slower).",
            label="alpha value",
            low=0.0,
            ui=(0.0, 0.999),
        ),
        EPS(1e-8),
        WEIGHT_DECAY(0.0),
        Hyperparameter(
            "momentum",
            0.0,
            "Fraction of the previous step carried into this one.",
            label="momentum value",
            low=0.0,
            ui=(0.0, 0.99),
        ),
        Hyperparameter("centered", False, "Divide by the gradient's variance, not its raw mean square."),
        MAXIMIZE,
    ),
    reference="torch.optim.RMSprop",
    examples=(
        {"lr": 0.01},
        {"lr": 0.01, "alpha": 0.9, "eps": 0.001},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.01, "centered": True},
        {"lr": 0.005, "centered": True, "momentum": 0.5},
        {"lr": 0.005, "maximize": True},
    ),
    init=init,
    update=update,
)
