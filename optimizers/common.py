"""Building blocks shared by the update rules: common hyperparameters and small array helpers.

Hyperparameter values are Python scalars (same for every run) or ``(K, 1)`` arrays (one per run);
the helpers branch in Python for scalars (fast for one run) and use ``np.where`` for arrays.

Every helper computes a run's numbers the same way whether its hyperparameters are scalars or one
row of an array, so a batch of runs gives bit-for-bit the runs done one at a time. That is why powers
of hyperparameters go through NumPy's ``pow`` even for scalars: NumPy's vectorised ``pow`` and
Python's ``**`` can differ in the last bit.

torch's CPU kernels fuse ``lerp``, ``addcmul`` and ``add(alpha=…)`` into one rounding (FMA); NumPy
rounds the product and the sum separately, so results agree with torch to the last bit or two.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter


def LR(default: float) -> Hyperparameter:  # noqa: N802 - reads like a constant in a spec
    return Hyperparameter(
        "lr",
        default,
        "Learning rate: how far each step moves.",
        label="learning rate",
        low=0.0,
        log=True,
        ui=(1e-4, 10.0),
    )


def WEIGHT_DECAY(default: float) -> Hyperparameter:  # noqa: N802
    return Hyperparameter(
        "weight_decay",
        default,
        "L2 penalty: pulls the parameters towards zero.",
        label="weight_decay value",
        low=0.0,
        ui=(0.0, 1.0),
    )


def EPS(default: float) -> Hyperparameter:  # noqa: N802
    return Hyperparameter(
        "eps",
        default,
        "Added to the denominator so it is never zero.",
        label="epsilon value",
        low=0.0,
        log=True,
        ui=(1e-10, 1.0),
    )


def BETAS(default: tuple[float, float]) -> Hyperparameter:  # noqa: N802
    return Hyperparameter(
        "betas",
        default,
        "How slowly the running averages of the gradient and its square forget.",
        label="beta parameter",
        low=0.0,
        high=1.0,
        high_open=True,
        ui=(0.0, 0.999),
    )


MAXIMIZE = Hyperparameter("maximize", False, "Climb the loss instead of descending it.")

AMSGRAD = Hyperparameter(
    "amsgrad", False, "Divide by the largest squared-gradient average so far, so steps never grow back."
)

DECOUPLED_WEIGHT_DECAY = Hyperparameter(
    "decoupled_weight_decay",
    False,
    "Shrink the parameters directly (as AdamW does) instead of adding the penalty to the gradient.",
)


def ADAM_FAMILY(lr: float, weight_decay: float = 0.0) -> tuple[Hyperparameter, ...]:  # noqa: N802
    """The hyperparameters every Adam variant starts with, in torch's order and with torch's
    defaults (``betas`` (0.9, 0.999), ``eps`` 1e-8): ``lr``, ``betas``, ``eps``, ``weight_decay``."""
    return (LR(lr), BETAS((0.9, 0.999)), EPS(1e-8), WEIGHT_DECAY(weight_decay))


def select(condition, if_true, if_false):
    """``if_true`` where ``condition`` holds, else ``if_false``; a Python bool picks without copying."""
    if isinstance(condition, (bool, np.bool_)):
        return if_true if condition else if_false
    return np.where(condition, if_true, if_false)


def is_zero(value) -> bool:
    """Whether a hyperparameter is the scalar 0 (so its term can be skipped, as torch skips it)."""
    return not isinstance(value, np.ndarray) and value == 0


def signed(grad, maximize):
    """The gradient, negated where maximize is set (torch's first line)."""
    if maximize is False:
        return grad
    return select(maximize, -grad, grad)


def with_weight_decay(grad, params, weight_decay):
    """``grad + weight_decay · params`` (L2 penalty added to the gradient)."""
    if is_zero(weight_decay):
        return grad
    return grad + weight_decay * params


def decay_weights(grad, params, lr, weight_decay, decoupled):
    """Weight decay λ either as an L2 term, g ← g + λ θ, or decoupled, θ ← θ (1 − γ λ).

    Returns ``(grad, params)``, either of which may be the argument itself (never modify them).
    """
    if is_zero(weight_decay):
        return grad, params
    if decoupled is False:
        return grad + weight_decay * params, params
    shrunk = params * (1 - lr * weight_decay)
    if decoupled is True:
        return grad, shrunk
    return np.where(decoupled, grad, grad + weight_decay * params), np.where(decoupled, shrunk, params)


def lerp(start, end, weight):
    """``start + weight · (end − start)`` computed from the nearer end, as ``torch.lerp`` does.

    Exact at both ends: weight 0 gives ``start`` and weight 1 gives ``end``.
    """
    diff = end - start
    if isinstance(weight, np.ndarray):
        return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))
    if abs(weight) < 0.5:
        diff *= weight
        diff += start
        return diff
    diff *= 1 - weight
    return np.subtract(end, diff, out=diff)


def first_moment(exp_avg, grad, beta):
    """m ← β m + (1 − β) g, the running average of the gradient (torch: ``m.lerp_(g, 1 − β)``)."""
    return lerp(exp_avg, grad, 1 - beta)


def second_moment(avg_sq, grad, beta):
    """v ← β v + (1 − β) g², the running average of the squared gradient."""
    square = grad * (1 - beta)
    square *= grad
    decayed = avg_sq * beta
    decayed += square
    return decayed


class Moments(NamedTuple):
    """The state of an Adam variant that keeps only its two running averages (RAdam)."""

    exp_avg: np.ndarray  # (K, P) m
    exp_avg_sq: np.ndarray  # (K, P) v


def adam_moments(grad, state, params, hp, decoupled):
    """The lines every Adam variant starts with: the gradient signed (maximize), weight decay λ
    applied (``decay_weights``), then m ← β₁ m + (1 − β₁) g and v ← β₂ v + (1 − β₂) g².

    ``state`` has ``exp_avg`` and ``exp_avg_sq``; returns ``(grad, params, exp_avg, exp_avg_sq)``
    (``grad`` and ``params`` may be the arguments themselves: never modify them).
    """
    beta1, beta2 = hp["betas"]
    grad = signed(grad, hp["maximize"])
    grad, params = decay_weights(grad, params, hp["lr"], hp["weight_decay"], decoupled)
    return (
        grad,
        params,
        first_moment(state.exp_avg, grad, beta1),
        second_moment(state.exp_avg_sq, grad, beta2),
    )


#: Scalar powers βᵗ of a whole exponent t are computed this many exponents at a time.
POWER_BLOCK = 1024


def power(base, exponent):
    """``base ** exponent`` by NumPy's ``pow`` for scalars and arrays alike (see the module docstring).

    A scalar base to a whole exponent (the step t of a bias correction) is looked up in a table of
    ``POWER_BLOCK`` consecutive exponents: one NumPy call per block instead of one (≈ 1.4 µs) per step.
    """
    if isinstance(base, np.ndarray) or isinstance(exponent, np.ndarray):
        return np.power(base, exponent)
    if isinstance(exponent, int) and exponent >= 0:
        block, index = divmod(exponent, POWER_BLOCK)
        return _whole_powers(base, block)[index]
    return _scalar_power(base, exponent)


@functools.lru_cache(maxsize=256)
def _whole_powers(base: float, block: int) -> list[float]:
    """``base ** t`` for the exponents ``block · POWER_BLOCK ≤ t < (block + 1) · POWER_BLOCK``.

    Every entry has the bits of ``np.power(base, t)`` with a scalar ``t``, as a ``(K, 1)`` β gets them.
    """
    first = block * POWER_BLOCK
    table = np.power(base, np.arange(first, first + POWER_BLOCK))
    if block == 0:
        # A scalar exponent 0, 1 or 2 takes a shortcut in NumPy's pow (2 gives base · base) that an
        # array of exponents does not take, and the two can differ in the last bit.
        table[:3] = [np.power(base, t) for t in range(3)]
    return table.tolist()


@functools.lru_cache(maxsize=4096)
def _scalar_power(base: float, exponent: float) -> float:
    return float(np.power(base, exponent))


def column_power(base, exponent, k: int):
    """``base ** exponent`` as a ``(K, 1)`` column, by NumPy's array-by-array ``pow`` whatever mix of
    scalars and columns comes in: a scalar exponent takes shortcuts (2.0 squares) that an array does
    not, so a run gets the same bits alone or in a batch."""
    shape = (k, 1)
    return np.power(
        np.broadcast_to(np.asarray(base, dtype=np.float64), shape),
        np.broadcast_to(np.asarray(exponent, dtype=np.float64), shape),
    )


def bias_correction(beta, step):
    """1 − βᵗ: what the running average of t zero-initialised steps lacks."""
    return 1 - power(beta, step)


def sqrt(value):
    """√value for a scalar or an array (both correctly rounded, so they agree bit for bit)."""
    if isinstance(value, np.ndarray):
        return np.sqrt(value)
    return math.sqrt(value)


def per_run(value):
    """A ``(K, 1)`` hyperparameter as ``(K,)`` (to meet per-run vectors); a scalar unchanged."""
    return value.reshape(-1) if isinstance(value, np.ndarray) else value
