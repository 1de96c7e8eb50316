"""Vectorised NumPy optimizers with torch.optim semantics: ``optimizers.run(...)``; learning-rate
schedules in ``optimizers.schedules``.
"""

from optimizers import schedules
from optimizers.base import Hyperparameter, Optimizer, UnsupportedProblemError
from optimizers.registry import get, names
from optimizers.run import Trajectory, run, supports, unsupported

__all__ = [
    "Hyperparameter",
    "Optimizer",
    "Trajectory",
    "UnsupportedProblemError",
    "get",
    "names",
    "run",
    "schedules",
    "supports",
    "unsupported",
]
