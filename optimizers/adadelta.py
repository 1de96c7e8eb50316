"""Adadelta, as ``torch.optim.Adadelta`` (Zeiler 2012).

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    g ← g + λ θ                      (weight_decay λ)
    v ← ρ v + (1 − ρ) g²             (rho ρ)
    Δ ← √(u + ε) / √(v + ε) · g      (u: running average of squared updates)
    u ← ρ u + (1 − ρ) Δ²
    θ ← θ − γ Δ                      (lr γ, default 1)

The step is the ratio of two root-mean-squares, past updates over past gradients, so it has the
units of θ and needs no learning rate in theory; it starts at about √ε per step and grows.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import EPS, LR, MAXIMIZE, WEIGHT_DECAY, second_moment, signed, with_weight_decay


class AdadeltaState(NamedTuple):
    square_avg: np.ndarray  # (K, 2) v
    acc_delta: np.ndarray  # (K, 2) u


def init(params, hp):
    return AdadeltaState(np.zeros_like(params), np.zeros_like(params))


def update(grad, state, params, hp, step, hessian=None):
    rho, eps = hp["rho"], hp["eps"]
    grad = with_weight_decay(signed(grad, hp["maximize"]), params, hp["weight_decay"])
    square_avg = second_moment(state.square_avg, grad, rho)
    std = square_avg + eps
    np.sqrt(std, out=std)
    delta = state.acc_delta + eps
    np.sqrt(delta, out=delta)
    delta /= std
    delta *= grad
    acc_delta = second_moment(state.acc_delta, delta, rho)
    delta *= -hp["lr"]
    delta += params
    return delta, AdadeltaState(square_avg, acc_delta)


ADADELTA = Optimizer(
    name="adadelta",
    title="Adadelta",
    description="Scales each step by the ratio of recent step sizes to recent gradient sizes.",
    hyperparameters=(
        LR(1.0),
        Hyperparameter(
            "rho",
            0.9,
            "How slowly the running averages forget (closer to 1: slower).",
            label="rho value",
            low=0.0,
            high=1.0,
            ui=(0.0, 0.999),
        ),
        EPS(1e-6),
        WEIGHT_DECAY(0.0),
        MAXIMIZE,
    ),
    reference="torch.optim.Adadelta",
    examples=(
        {"lr": 1.0},
        {"lr": 2.0, "rho": 0.5},
        {"lr": 1.0, "eps": 0.001},
        {"lr": 1.0, "weight_decay": 0.1},
        {"lr": 1.0, "maximize": True},
    ),
    init=init,
    update=update,
)
