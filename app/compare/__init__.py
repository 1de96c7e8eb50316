"""Compare learning rates: one optimizer at several rates, one synced contour panel each."""

from app.compare.callbacks import register
from app.compare.layout import bottom, panel, sidebar

MODE = "compare"
TITLE = "Compare learning rates"

__all__ = ["MODE", "TITLE", "bottom", "panel", "register", "sidebar"]
