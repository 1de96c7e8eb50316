"""Explore's ids: the run cards' container, the 3D surface, the contour map and the step inspector."""

EXPLORE_VIEW = "explore-view"
RUNS = "runs"  # container of run cards (app.components.run_card.RunCard)
ADD_RUN = "add-run"
SURFACE_3D = "surface-3d"
CONTOUR = "contour"
INSPECTOR = "inspector"  # the update of the current step, in numbers
INSPECT_RUN = "inspect-run"  # which run the inspector shows (its index)
