"""Loss surfaces: ``landscapes.names()``, ``landscapes.get(name)``; P-parameter problems:
``landscapes.network(...)`` (a small MLP on generated data) and ``landscapes.recommender(...)``."""

from landscapes.base import Landscape
from landscapes.network import network
from landscapes.recommender import recommender
from landscapes.registry import get, names

__all__ = ["Landscape", "get", "names", "network", "recommender"]
