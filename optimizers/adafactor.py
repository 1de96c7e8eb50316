"""Adafactor, as ``torch.optim.Adafactor`` (Shazeer & Stern 2018) on a vector of parameters.

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    β̂₂ₜ ← 1 − t^c                    (beta2_decay c ≤ 0: the averaging window grows with t)
    ρₜ ← min(γ, 1/√t)                (lr γ)
    α ← max(ε₂, RMS(θ)) · ρₜ         (a step relative to the size of θ; eps (ε₁, ε₂))
    θ ← θ (1 − γ λ)                  (weight_decay λ)
    v ← v + tᶜ (g² − v)              (the second moment)
    u ← g / √max(v, ε₁²)
    θ ← θ − α u / max(1, RMS(u) / d)  (update clipping at d)

RMS(x) = ‖x‖ / √P. The parameters of one run form one vector (torch's 1-D case), so v is kept per
coordinate; torch factors it into row and column averages only for matrices. ε₁ ``None`` is the
machine epsilon of float64.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import LR, MAXIMIZE, is_zero, lerp, power, signed

MACHINE_EPSILON = float(np.finfo(np.float64).eps)


class AdafactorState(NamedTuple):
    variance: np.ndarray  # (K, P) v


def init(params, hp):
    return AdafactorState(np.zeros_like(params))


def _rms(values):
    """‖x‖ / √P per run, as a ``(K, 1)`` column."""
    return np.sqrt(np.einsum("kp,kp->k", values, values))[:, None] / math.sqrt(values.shape[1])


def update(grad, state, params, hp, step, hessian=None):
    lr, decay, (eps1, eps2), d = hp["lr"], hp["beta2_decay"], hp["eps"], hp["d"]
    eps1 = MACHINE_EPSILON if eps1 is None else eps1
    grad = signed(grad, hp["maximize"])
    one_minus_beta2 = power(float(step), decay)
    rho = np.minimum(lr, 1 / step**0.5)
    alpha = np.maximum(eps2, _rms(params)) * rho
    if not is_zero(hp["weight_decay"]):
        params = params * (1 - lr * hp["weight_decay"])
    variance = lerp(state.variance, grad * grad, one_minus_beta2)
    move = grad / np.sqrt(np.maximum(variance, eps1 * eps1))
    denom = np.maximum(1.0, _rms(move) / d)
    return params - move * (alpha / denom), AdafactorState(variance)


ADAFACTOR = Optimizer(
    name="adafactor",
    title="Adafactor",
    description=(
        "Adam's second moment without momentum; steps relative to the size of the parameters, clipped."
    ),
    hyperparameters=(
        LR(1e-2),
        Hyperparameter(
            "beta2_decay",
            -0.8,
            "How fast the second-moment average's window grows (1 − tᶜ).",
            label="beta2_decay value",
            high=0.0,
            ui=(-1.0, 0.0),
        ),
        Hyperparameter(
            "eps",
            (None, 1e-3),
            "(ε₁, ε₂): floor of the second moment, and of the parameters' size.",
            label="epsilon value",
            low=0.0,
            ui=(0.0, 0.1),
            none="float64's machine epsilon",
            none_value=MACHINE_EPSILON,
        ),
        Hyperparameter(
            "d",
            1.0,
            "Clipping threshold: the largest RMS an update may have.",
            label="clipping threshold d",
            low=1.0,
            ui=(1.0, 10.0),
        ),
        Hyperparameter(
            "weight_decay",
            0.0,
            "Shrinks the parameters towards zero each step (decoupled).",
            label="weight_decay value",
            low=0.0,
            ui=(0.0, 1.0),
        ),
        MAXIMIZE,
    ),
    init=init,
    update=update,
    reference="torch.optim.Adafactor",
    examples=(
        {},
        {"weight_decay": 0.1, "lr": 0.01},
        {"weight_decay": 0.1, "maximize": True},
        {"beta2_decay": -1.0},
        {"d": 1.5},
        {"eps": (1e-20, 1e-2)},
    ),
)
