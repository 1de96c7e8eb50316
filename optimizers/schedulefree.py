"""Schedule-Free SGD and AdamW (Defazio et al. 2024), as the ``schedulefree`` package (1.4) computes
``SGDScheduleFree`` and ``AdamWScheduleFree``.

Three sequences: z takes the base step, x is a weighted average of the z's (the point to report and
evaluate), and y, where the gradient is taken, sits between them:

    y ← (1 − cₜ) y + cₜ z + γₜ (β (1 − cₜ) − 1) g      (so that y = (1 − β) z + β x)
    z ← z − γₜ g
    x = y + (1 − 1/β) (z − y)                          (what ``optimizer.eval()`` gives)

with g the gradient at y (plus weight_decay · y), γₜ = lr · min(1, t / warmup_steps), and the
averaging weight cₜ = wₜ / Σ wᵢ, wₜ = tʳ · max(γ₁, …, γₜ)^weight_lr_power. β is ``momentum`` (SGD)
or β₁ (AdamW). AdamW divides g by √(v / (1 − β₂ᵗ)) + ε, v the running average of g² (as Adam).
There is no schedule to tune: the averaging does what a decaying learning rate would.

The path (``points``) is y, where the gradient is evaluated; the recorded state holds z and x (x is
shown as y when β = 0, where y = z and they do not define it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import BETAS, EPS, LR, bias_correction, column_power, is_zero, lerp, second_moment


class ScheduleFreeState(NamedTuple):
    z: np.ndarray  # (K, P) the base sequence
    x: np.ndarray  # (K, P) the average, the point schedule-free reports
    exp_avg_sq: np.ndarray  # (K, P) v (AdamW; stays zero for SGD)
    lr_max: np.ndarray  # (K, 1) the largest scheduled lr so far
    weight_sum: np.ndarray  # (K, 1) Σ wᵢ

    unrecorded = ("lr_max", "weight_sum")


def init(params, hp):
    k = params.shape[0]
    return ScheduleFreeState(
        params.copy(), params.copy(), np.zeros_like(params), np.full((k, 1), -1.0), np.zeros((k, 1))
    )


def _averaging(state, hp, step):
    """``(γₜ, cₜ, lr_max, weight_sum)`` of step t (from 1)."""
    k, warmup = step - 1, hp["warmup_steps"]
    sched = np.where(k < np.asarray(warmup), (k + 1) / np.maximum(np.asarray(warmup), 1), 1.0)
    lr = hp["lr"] * sched
    lr_max = np.maximum(lr, state.lr_max)
    k_runs = lr_max.shape[0]
    weight = column_power(float(step), hp["r"], k_runs) * column_power(lr_max, hp["weight_lr_power"], k_runs)
    weight_sum = state.weight_sum + weight
    ckp1 = np.where(weight_sum == 0, 0.0, weight / np.where(weight_sum == 0, 1.0, weight_sum))
    return lr, ckp1, lr_max, weight_sum


def _move(y, z, direction, lr, ckp1, beta):
    """The y and z steps along ``direction`` and the average x they imply."""
    y = lerp(y, z, ckp1)
    y = y + direction * (lr * (beta * (1 - ckp1) - 1))
    z = z - direction * lr
    if isinstance(beta, np.ndarray) or beta != 0:
        beta_safe = np.where(beta == 0, 1.0, beta)
        return y, z, np.where(beta == 0, y, lerp(y, z, 1 - 1 / beta_safe))
    return y, z, y.copy()  # β = 0: y = z and x is not defined by them; show y


def update_sgd(grad, state, params, hp, step, hessian=None):
    lr, ckp1, lr_max, weight_sum = _averaging(state, hp, step)
    if not is_zero(hp["weight_decay"]):
        grad = grad + hp["weight_decay"] * params
    y, z, x = _move(params, state.z, grad, lr, ckp1, hp["momentum"])
    return y, ScheduleFreeState(z, x, state.exp_avg_sq, lr_max, weight_sum)


def update_adamw(grad, state, params, hp, step, hessian=None):
    beta1, beta2 = hp["betas"]
    lr, ckp1, lr_max, weight_sum = _averaging(state, hp, step)
    exp_avg_sq = second_moment(state.exp_avg_sq, grad, beta2)
    denom = np.sqrt(exp_avg_sq / bias_correction(beta2, step)) + hp["eps"]
    direction = grad / denom
    if not is_zero(hp["weight_decay"]):
        direction = direction + hp["weight_decay"] * params
    y, z, x = _move(params, state.z, direction, lr, ckp1, beta1)
    return y, ScheduleFreeState(z, x, exp_avg_sq, lr_max, weight_sum)


def _common(weight_decay_help):
    return (
        Hyperparameter(
            "weight_decay", 0.0, weight_decay_help, label="weight_decay value", low=0.0, ui=(0.0, 1.0)
        ),
        Hyperparameter(
            "warmup_steps",
            0,
            "Steps over which the learning rate ramps up linearly from 0.",
            label="warmup_steps value",
            low=0.0,
            ui=(0, 100),
            integer=True,
        ),
        Hyperparameter(
            "r",
            0.0,
            "Weights later points more in the average (weight tʳ).",
            label="r value",
            low=0.0,
            ui=(0.0, 4.0),
        ),
        Hyperparameter(
            "weight_lr_power",
            2.0,
            "Weights points by the largest learning rate so far to this power.",
            label="weight_lr_power value",
            low=0.0,
            ui=(0.0, 4.0),
        ),
    )


SGD_SCHEDULE_FREE = Optimizer(
    name="sgdschedulefree",
    title="Schedule-Free SGD",
    description="SGD whose reported point is an average of its steps: no learning-rate schedule needed.",
    hyperparameters=(
        LR(1.0),
        Hyperparameter(
            "momentum",
            0.9,
            "Where the gradient is taken between the base step z and the average x (β).",
            label="momentum value",
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            ui=(0.01, 0.99),
        ),
        *_common("L2 penalty at y, where the gradient is taken."),
    ),
    init=init,
    update=update_sgd,
    reference="schedulefree.SGDScheduleFree",
    examples=(
        {"lr": 1e-3},
        {"lr": 1e-3, "warmup_steps": 5, "weight_decay": 0.5},
        {"lr": 1e-3, "momentum": 0.5, "r": 1.0, "weight_lr_power": 1.0},
    ),
)

ADAMW_SCHEDULE_FREE = Optimizer(
    name="adamwschedulefree",
    title="Schedule-Free AdamW",
    description="AdamW's scaled steps, averaged so the reported point needs no learning-rate schedule.",
    hyperparameters=(
        LR(0.0025),
        BETAS((0.9, 0.999)),
        EPS(1e-8),
        *_common("Weight decay added to the normalised step, at y."),
    ),
    init=init,
    update=update_adamw,
    reference="schedulefree.AdamWScheduleFree",
    examples=(
        {"lr": 0.05},
        {"lr": 0.3, "warmup_steps": 5, "weight_decay": 0.5},
        {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3, "r": 0.5, "weight_lr_power": 1.0},
    ),
)
