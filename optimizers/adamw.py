"""AdamW, as ``torch.optim.AdamW`` (Loshchilov & Hutter 2019): Adam with decoupled weight decay.

    g ← ∇L(θ)                        (−∇L(θ) if maximize)
    θ ← θ (1 − γ λ)                  (weight_decay λ, default 0.01: shrink θ itself, not via g)
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    v̂ ← max(v̂, v) if amsgrad, else v
    θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)

The decay does not pass through the moment estimates, so it is not divided away by √v̂ as an L2
penalty in Adam is. The update is ``adam.adam_update`` with decoupling always on.
"""

from __future__ import annotations

from optimizers.adam import adam_update, init
from optimizers.base import Optimizer
from optimizers.common import ADAM_FAMILY, AMSGRAD, MAXIMIZE


def update(grad, state, params, hp, step, hessian=None, out=None):
    return adam_update(grad, state, params, hp, step, True, out)


ADAMW = Optimizer(
    name="adamw",
    title="AdamW",
    description="Adam whose weight decay shrinks the parameters directly, not through the gradient.",
    hyperparameters=(
        *ADAM_FAMILY(1e-3, weight_decay=1e-2),
        AMSGRAD,
        MAXIMIZE,
    ),
    reference="torch.optim.AdamW",
    examples=(
        {"lr": 0.05},
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 0.001},
        {"lr": 0.05, "weight_decay": 0.5},
        {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True},
        {"lr": 0.02, "maximize": True},
    ),
    init=init,
    update=update,
    writes_out=True,
)
