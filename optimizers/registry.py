"""The one registry of optimizers: one line per update rule."""

from __future__ import annotations

import reprlib

from optimizers.adadelta import ADADELTA
from optimizers.adafactor import ADAFACTOR
from optimizers.adagrad import ADAGRAD
from optimizers.adam import ADAM
from optimizers.adamax import ADAMAX
from optimizers.adamw import ADAMW
from optimizers.asgd import ASGD
from optimizers.base import Optimizer
from optimizers.lbfgs import LBFGS
from optimizers.lion import LION
from optimizers.nadam import NADAM
from optimizers.newton import NEWTON
from optimizers.prodigy import PRODIGY
from optimizers.radam import RADAM
from optimizers.rmsprop import RMSPROP
from optimizers.rprop import RPROP
from optimizers.schedulefree import ADAMW_SCHEDULE_FREE, SGD_SCHEDULE_FREE
from optimizers.sgd import SGD

_OPTIMIZERS: dict[str, Optimizer] = {
    optimizer.name: optimizer
    for optimizer in (
        SGD,
        ADAGRAD,
        RMSPROP,
        ADADELTA,
        ADAM,
        ADAMW,
        NADAM,
        RADAM,
        ADAMAX,
        RPROP,
        ASGD,
        ADAFACTOR,
        LBFGS,
        LION,
        SGD_SCHEDULE_FREE,
        ADAMW_SCHEDULE_FREE,
        PRODIGY,
        NEWTON,
    )
}


def names() -> list[str]:
    """Registered optimizer names (lower-case torch.optim class names), in menu order."""
    return list(_OPTIMIZERS)


def get(name: str) -> Optimizer:
    """The optimizer called ``name``; unknown names raise ``ValueError`` listing the valid ones."""
    try:
        return _OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown optimizer {reprlib.repr(name)}; choose one of: {', '.join(_OPTIMIZERS)}"
        ) from None
