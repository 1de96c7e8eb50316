"""Explore's ids: the run cards' container, the 3D surface, the contour map, the step inspector and the
Model view of a data surface."""

EXPLORE_VIEW = "explore-view"
RUNS = "runs"  # container of run cards (app.components.run_card.RunCard)
ADD_RUN = "add-run"
SURFACE_3D = "surface-3d"
CONTOUR = "contour"
INSPECTOR = "inspector"  # the update of the current step, in numbers
INSPECT_RUN = "inspect-run"  # which run the inspector shows (its index)
INSPECT_OPEN = "inspect-open"  # ["on"] while the inspector is open (closed, a compute sends no details)
INSPECT_REQUEST = "inspect-request"  # the open inspector's request: {"run": index, "id": fingerprint}
INSPECT_DATA = "inspect-data"  # the details of one run, every step (app.shell.compute ``inspect``)
MODEL_PANEL = "model-panel"  # the Model view's box, shown for a data surface (app.explore.dataview)
MODEL = "model"  # its graph: the data and each run's model (assets/dataview.js draws what moves)
