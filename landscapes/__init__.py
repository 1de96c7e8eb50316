"""Loss surfaces: ``landscapes.names()``, ``landscapes.get(name)``."""

from landscapes.base import Landscape
from landscapes.registry import get, names

__all__ = ["Landscape", "get", "names"]
