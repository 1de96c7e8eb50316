"""Prodigy (Mishchenko & Defazio 2024), as the ``prodigyopt`` package (1.1) computes it: Adam whose
learning rate is multiplied by an estimate d of the distance to the solution, grown as it learns.

    g ← ∇L(θ)  (+ λ θ if weight_decay λ and not decouple)
    d̂γ ← d γ · (√(1 − β₂ᵗ) / (1 − β₁ᵗ) if use_bias_correction, else 1)        (lr γ)
    r ← β₃ r + (d / d₀) d̂γ ⟨g, θ₀ − θ⟩                                    (β₃ = √β₂ by default)
    m ← β₁ m + d (1 − β₁) g,   v ← β₂ v + d² (1 − β₂) g²
    s ← β₃ s + (d / d₀) d̂γ g           ((d / d₀) d g with safeguard_warmup)
    d ← max(d, d_coef · r / ‖s‖₁)  (capped by d · growth_rate, never below its largest estimate's
                                    first step from d₀)
    θ ← θ (1 − λ d̂γ) if decouple,  θ ← θ − d̂γ m / (√v + d ε)

d starts at d0 and grows while the steps keep going the same way (⟨g, θ₀ − θ⟩ > 0), so a tiny d0
needs no tuning: the recorded state's ``d`` shows it growing. A step whose ‖s‖₁ is 0 changes only the
moments (as prodigyopt returns early).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import BETAS, column_power, select


class ProdigyState(NamedTuple):
    exp_avg: np.ndarray  # (K, P) m
    exp_avg_sq: np.ndarray  # (K, P) v
    s: np.ndarray  # (K, P) the weighted sum of gradients that normalises d's estimate
    d: np.ndarray  # (K, P) the step-size estimate d (one number per run)
    p0: np.ndarray  # (K, P) θ₀, the start
    d_max: np.ndarray  # (K, 1) the largest estimate so far
    d_numerator: np.ndarray  # (K, 1) r
    k: np.ndarray  # (K, 1) steps taken (not counting those that returned early)

    unrecorded = ("p0", "d_max", "d_numerator", "k")


def init(params, hp):
    k = params.shape[0]
    d0 = np.broadcast_to(hp["d0"], (k, 1)).astype(np.float64)
    return ProdigyState(
        np.zeros_like(params),
        np.zeros_like(params),
        np.zeros_like(params),
        np.broadcast_to(d0, params.shape).copy(),
        params.copy(),
        d0.copy(),
        np.zeros((k, 1)),
        np.zeros((k, 1)),
    )


def update(grad, state, params, hp, step, hessian=None):
    lr, (beta1, beta2), eps, decay = hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"]
    d0, decouple = hp["d0"], hp["decouple"]
    beta3 = (
        np.sqrt(beta2)
        if hp["beta3"] is None
        else np.where(np.isnan(hp["beta3"]), np.sqrt(beta2), hp["beta3"])
    )
    d, d_max, k = state.d[:, :1], state.d_max, state.k
    correction = np.where(
        hp["use_bias_correction"],
        np.sqrt(1 - column_power(beta2, k + 1, len(k))) / (1 - column_power(beta1, k + 1, len(k))),
        1.0,
    )
    dlr = d * lr * correction
    d_numerator = state.d_numerator * beta3
    grad = np.where(np.logical_not(decouple) & (np.asarray(decay) != 0), grad + decay * params, grad)
    delta_numerator = (d / d0) * dlr * np.einsum("kp,kp->k", grad, state.p0 - params)[:, None]
    uses_exp_avg = np.asarray(beta1) > 0
    exp_avg = np.where(uses_exp_avg, state.exp_avg * beta1 + grad * (d * (1 - beta1)), state.exp_avg)
    exp_avg_sq = state.exp_avg_sq * beta2 + (d * d * (1 - beta2)) * grad * grad
    s = state.s * beta3 + grad * select(hp["safeguard_warmup"], (d / d0) * d, (d / d0) * dlr)
    d_denom = np.abs(s).sum(axis=1, keepdims=True)
    stepped = d_denom != 0
    global_numerator = d_numerator + delta_numerator
    d_hat = hp["d_coef"] * global_numerator / np.where(stepped, d_denom, 1.0)
    new_d = np.where(d == d0, np.maximum(d, d_hat), d)
    new_d_max = np.maximum(d_max, d_hat)
    new_d = np.minimum(new_d_max, new_d * hp["growth_rate"])
    denom = np.sqrt(exp_avg_sq) + new_d * eps
    moved = np.where(
        np.asarray(decouple) & (np.asarray(decay) != 0), params + params * (-decay * dlr), params
    )
    moved = np.where(uses_exp_avg, moved + (-dlr) * exp_avg / denom, moved + (-dlr * new_d) * grad / denom)
    new_d = np.where(stepped, new_d, d)
    return np.where(stepped, moved, params), ProdigyState(
        exp_avg,
        exp_avg_sq,
        s,
        np.broadcast_to(new_d, params.shape).copy(),
        state.p0,
        np.where(stepped, new_d_max, d_max),
        np.where(stepped, global_numerator, state.d_numerator),
        np.where(stepped, k + 1, k),
    )


def _flag(name, default, help):
    return Hyperparameter(name, default, help)


def _positive(name, default, help, ui, *, label=None, log=True):
    """A hyperparameter that must be > 0 (prodigyopt divides by it or takes its log scale)."""
    label = label or f"{name} value"
    return Hyperparameter(name, default, help, label=label, low=0.0, low_open=True, log=log, ui=ui)


PRODIGY = Optimizer(
    name="prodigy",
    title="Prodigy",
    description="Adam that learns its own step size: d, an estimate of the distance to go, grows on the way.",
    hyperparameters=(
        _positive(
            "lr",
            1.0,
            "Multiplies the learned step size d (leave it at 1).",
            (1e-3, 10.0),
            label="learning rate",
        ),
        BETAS((0.9, 0.999)),
        Hyperparameter(
            "beta3",
            None,
            "How slowly d's estimate forgets (√β₂ if None).",
            label="beta3 value",
            low=0.0,
            high=1.0,
            ui=(0.0, 0.999),
            none="√β₂",
        ),
        _positive(
            "eps",
            1e-8,
            "Added to the denominator (times d) so it is never zero.",
            (1e-10, 1.0),
            label="epsilon value",
        ),
        Hyperparameter(
            "weight_decay",
            0.0,
            "Pulls the parameters towards zero.",
            label="weight_decay value",
            low=0.0,
            ui=(0.0, 1.0),
        ),
        _flag("decouple", True, "Shrink the parameters directly (AdamW-style) instead of via the gradient."),
        _flag("use_bias_correction", False, "Scale the step by Adam's bias corrections."),
        _flag("safeguard_warmup", False, "Leave the lr out of s, so early steps cannot inflate d."),
        _positive("d0", 1e-6, "The first estimate of d: tiny, it grows by itself.", (1e-8, 1.0)),
        _positive("d_coef", 1.0, "Multiplies each estimate of d.", (0.1, 10.0), log=False),
        Hyperparameter(
            "growth_rate",
            float("inf"),
            "The most d may grow per step (a factor; inf: no limit).",
            label="growth_rate value",
            low=1.0,
            ui=(1.0, 100.0),
            infinite=True,
        ),
    ),
    init=init,
    update=update,
    reference="prodigyopt.Prodigy",
    examples=(
        {},
        {"use_bias_correction": True, "safeguard_warmup": True},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "decouple": False},
        {"betas": (0.0, 0.99), "beta3": 0.9, "eps": 1e-6},
        {"d0": 1e-3, "d_coef": 0.5, "growth_rate": 1.02, "lr": 0.5},
    ),
)
