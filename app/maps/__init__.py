"""The Maps panel: thousands of runs at once, in three tabs.

- Hyperparameter map: the loss of one run per cell of a grid of two hyperparameters; a click on a
  cell adds that run to Explore.
- Basins: which minimum each start point of the window ends in.
- Fair comparison: each optimizer's learning rate tuned by a visible grid search, then a race.

Callbacks are thin (``callbacks``): check the controls (``settings``), call ``optimizers.maps``,
draw with ``figures``. A map is computed when its Compute button is pressed (and once, the first
time its tab is shown), never on a keystroke: a big map costs about a second.
"""

from app.maps.callbacks import register
from app.maps.layout import bottom, panel, sidebar

MODE = "maps"
TITLE = "Maps"

__all__ = ["MODE", "TITLE", "bottom", "panel", "register", "sidebar"]
