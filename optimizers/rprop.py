"""Rprop, as ``torch.optim.Rprop`` (Riedmiller & Braun 1993): only the sign of the gradient counts.

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    s ← sign(g · g_prev)             (per coordinate: did the slope keep its sign?)
    Δ ← clamp(Δ · η₊ if s > 0, Δ · η₋ if s < 0, Δ if s = 0;  Δ_min, Δ_max)   (etas (η₋, η₊))
    g ← 0 where s < 0                (a sign change: wait one step, and forget the slope)
    θ ← θ − sign(g) · Δ
    g_prev ← g

Each coordinate has its own step length Δ (starting at the learning rate, within step_sizes
(Δ_min, Δ_max)) that grows while the slope keeps its sign and shrinks when it flips, so the size of
the gradient never matters: a flat valley floor is crossed as fast as a steep wall.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer
from optimizers.common import LR, MAXIMIZE, signed


class RpropState(NamedTuple):
    prev: np.ndarray  # (K, P) the previous (masked) gradient
    step_size: np.ndarray  # (K, P) Δ, each coordinate's step length


def init(params, hp):
    return RpropState(np.zeros_like(params), np.broadcast_to(hp["lr"], params.shape).astype(np.float64))


def update(grad, state, params, hp, step, hessian=None):
    (etaminus, etaplus), (step_min, step_max) = hp["etas"], hp["step_sizes"]
    grad = signed(grad, hp["maximize"])
    sign = np.sign(grad * state.prev)
    factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1.0))
    step_size = np.minimum(np.maximum(state.step_size * factor, step_min), step_max)
    grad = np.where(sign < 0, 0.0, grad)
    return params - np.sign(grad) * step_size, RpropState(grad, step_size)


def check(hp):
    etaminus, etaplus = (np.asarray(v) for v in hp["etas"])
    bad = ~((etaminus > 0) & (etaminus < 1) & (etaplus > 1))
    if np.any(bad):
        i = int(np.flatnonzero(np.broadcast_to(bad, np.broadcast(etaminus, etaplus).shape).reshape(-1))[0])
        a, b = np.broadcast_arrays(etaminus, etaplus)
        raise ValueError(
            f"Invalid eta values: {float(a.reshape(-1)[i])}, {float(b.reshape(-1)[i])} "
            "(etas: 0 < etaminus < 1 < etaplus)"
        )


RPROP = Optimizer(
    name="rprop",
    title="Rprop",
    description=(
        "Only the sign of each slope counts: a coordinate's step grows while it holds, shrinks when it flips."
    ),
    hyperparameters=(
        LR(1e-2),
        Hyperparameter(
            "etas",
            (0.5, 1.2),
            "(η₋, η₊): how much a coordinate's step shrinks when its slope flips, and grows when not.",
            label="eta value",
            low=0.0,
            low_open=True,
            ui=(0.01, 3.0),
        ),
        Hyperparameter(
            "step_sizes",
            (1e-6, 50.0),
            "(smallest, largest) step length a coordinate may take.",
            label="step size",
            low=0.0,
            ui=(0.0, 100.0),
        ),
        MAXIMIZE,
    ),
    init=init,
    update=update,
    check=check,
    reference="torch.optim.Rprop",
    examples=(
        {},
        {"lr": 2e-4},
        {"etas": (0.5, 1.5)},
        {"step_sizes": (2e-6, 100.0)},
        {"maximize": True, "step_sizes": (1e-6, 0.02)},
    ),
)
