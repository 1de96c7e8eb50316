"""Vectorised NumPy optimizers with torch.optim semantics: ``optimizers.run(...)``; learning-rate
schedules in ``optimizers.schedules``.
"""

from optimizers import schedules
from optimizers.base import Hyperparameter, Optimizer
from optimizers.registry import get, names
from optimizers.run import Trajectory, run

__all__ = ["Hyperparameter", "Optimizer", "Trajectory", "get", "names", "run", "schedules"]
