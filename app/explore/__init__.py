"""Explore: up to eight runs on one surface, on a 3D view and a contour map, with the step inspector."""

from app.explore.callbacks import register
from app.explore.layout import bottom, panel, sidebar

MODE = "explore"
TITLE = "Explore"

__all__ = ["MODE", "TITLE", "bottom", "panel", "register", "sidebar"]
