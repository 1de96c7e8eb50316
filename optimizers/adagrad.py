"""Adagrad, as ``torch.optim.Adagrad`` (Duchi et al. 2011).

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    g ← g + λ θ                      (weight_decay λ)
    γₜ ← γ / (1 + (t − 1) η)         (lr γ, lr_decay η, step t from 1)
    s ← s + g²                       (s starts at initial_accumulator_value)
    θ ← θ − γₜ g / (√s + ε)

Each coordinate's step shrinks as its squared gradients pile up, so steep directions slow down
first; the sum never forgets, so in the end every step becomes small.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import EPS, LR, MAXIMIZE, WEIGHT_DECAY, signed, with_weight_decay


class AdagradState(NamedTuple):
    sum: np.ndarray  # (K, 2) the sum of squared gradients s


def init(params, hp):
    return AdagradState(sum=np.broadcast_to(hp["initial_accumulator_value"], params.shape).astype(np.float64))


def update(grad, state, params, hp, step, hessian=None):
    grad = with_weight_decay(signed(grad, hp["maximize"]), params, hp["weight_decay"])
    clr = hp["lr"] / (1 + (step - 1) * hp["lr_decay"])
    total = grad * grad
    total += state.sum
    std = np.sqrt(total)
    std += hp["eps"]
    move = grad * -clr
    move /= std
    move += params
    return move, AdagradState(total)


ADAGRAD = Optimizer(
    name="adagrad",
    title="Adagrad",
    description="Divides each coordinate's step by the root of all its past squared gradients.",
    hyperparameters=(
        LR(1e-2),
        Hyperparameter(
            "lr_decay",
            0.0,
            "Shrinks the learning rate as 1 / (1 + (step − 1) · lr_decay).",
            label="lr_decay value",
            low=0.0,
            ui=(0.0, 1.0),
        ),
        WEIGHT_DECAY(0.0),
        Hyperparameter(
            "initial_accumulator_value",
            0.0,
            "Starting value of the sum of squared gradients.",
            label="initial_accumulator_value value",
            low=0.0,
            ui=(0.0, 1.0),
        ),
        EPS(1e-10),
        MAXIMIZE,
    ),
    reference="torch.optim.Adagrad",
    examples=(
        {"lr": 0.1},
        {"lr": 0.1, "lr_decay": 0.1},
        {"lr": 0.1, "weight_decay": 0.1},
        {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 0.001},
        {"lr": 0.05, "maximize": True},
    ),
    init=init,
    update=update,
)
