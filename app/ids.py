"""The ids of the setup every view reads: the surface, the start, the steps, the mode and the address.

Each part of the page owns the rest of its ids: ``app.shell.ids`` (header, player bar, loss chart,
export), ``app.explore.ids``, ``app.compare.ids``, ``app.maps.ids`` and the run card's
``app.components.run_card.RunCard.ids``. The id strings are what links, assets/*.js and the browser
tests know: never change one.
"""

SURFACE = "surface"
SURFACE_INFO = "surface-info"
FORMULA = "formula"  # a custom surface typed as a formula in x and y
FORMULA_ERROR = "formula-error"
START_X = "start-x"
START_Y = "start-y"
STEPS = "steps"
SETUP_ERROR = "setup-error"  # errors of surface / start / steps
MODE = "mode"  # which view is shown: one of app.model.MODES
URL = "url"
