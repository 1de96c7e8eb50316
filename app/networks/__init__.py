"""Networks: small MLPs trained on generated data, one per learning rate, side by side: the decision
boundary (or fitted curve) as it trains, the train and test losses, and slices of the loss landscape
(a filter-normalised random plane, the PCA plane of the path, the line from the initial weights).

Thin callbacks (``callbacks``): read the controls (``settings``), train (``training``), draw
(``figures``); the browser switches between the precomputed snapshots (assets/networks.js).
"""

from app.networks.callbacks import register
from app.networks.layout import bottom, panel, sidebar

MODE = "networks"
TITLE = "Networks"

__all__ = ["MODE", "TITLE", "bottom", "panel", "register", "sidebar"]
