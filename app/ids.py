"""Every component id, in one place (layout, callbacks, assets/*.js and tests use these)."""

# Setup
SURFACE = "surface"
SURFACE_INFO = "surface-info"
FORMULA = "formula"  # a custom surface typed as a formula in x and y
FORMULA_ERROR = "formula-error"
START_X = "start-x"
START_Y = "start-y"
STEPS = "steps"
MODE = "mode"
RUNS = "runs"  # container of run cards
ADD_RUN = "add-run"
STATUS = "status"  # messages about the whole setup (divergence, errors)
SETUP_ERROR = "setup-error"  # errors of surface / start / steps

# Compare learning rates
COMPARE_LRS = "compare-lrs"
COMPARE_ERROR = "compare-error"
COMPARE_CARD = "compare-card"

# Views
SURFACE_3D = "surface-3d"
CONTOUR = "contour"
LOSS = "loss"
LOSS_LOG = "loss-log"
COMPARE = "compare"
#: The figures the animation draws on, by the names assets/playback.js uses (in its FIGURES order).
GRAPHS = {"surface": SURFACE_3D, "contour": CONTOUR, "compare": COMPARE, "loss": LOSS}
EXPLORE_VIEW = "explore-view"
COMPARE_VIEW = "compare-view"

# Playback
PLAY = "play"
BACK = "step-back"
FORWARD = "step-forward"
RESET = "reset"
FRAME = "frame"  # the scrubber: its value is the current step
SPEED = "speed"
TICKER = "ticker"  # dcc.Interval driving playback
STEP_LABEL = "step-label"
INSPECTOR = "inspector"  # the update of the current step, in numbers
INSPECT_RUN = "inspect-run"  # which run the inspector shows (its index)

# Data the browser keeps
RUNS_DATA = "runs-data"
PENDING_FRAME = "pending-frame"  # the step a link or lesson opens at (paused), until it is shown
VIEW_OPTIONS = "view-options"  # {"classroom": bool, "present": bool}

# Export
EXPORT_PNG = "export-png"
EXPORT_CSV = "export-csv"
EXPORT_JSON = "export-json"
EXPORT_HTML = "export-html"
DOWNLOAD = "download"

# Links, lessons, classroom
URL = "url"
LESSON = "lesson"
LESSON_PANEL = "lesson-panel"
NOTICE = "notice"  # e.g. a link that could not be read
SHARE = "share"
SHARE_PANEL = "share-panel"
SHARE_LINK = "share-link"
SHARE_QUERY = "share-query"
SHARE_COPY = "share-copy"
CLASSROOM = "classroom"  # "classroom link" option: the link hides the controls
PRESENT = "present"  # projector mode: larger type
THEME = "theme-toggle"  # light / dark (assets/page.js)


# Pattern-matching ids for the repeated run cards. ``run`` is the run's index, or "compare" for
# the card of the compare-learning-rates mode.
def run_card(run):
    return {"type": "run-card", "run": run}


def run_optimizer(run):
    return {"type": "run-optimizer", "run": run}


def run_color(run):
    return {"type": "run-color", "run": run}


def run_remove(run):
    return {"type": "run-remove", "run": run}


def run_hyperparameters(run):
    return {"type": "run-hyperparameters", "run": run}


def run_error(run):
    return {"type": "run-error", "run": run}


def hp(run, name):
    """A hyperparameter's number box / switch; ``name`` is torch's (``betas.0`` for β₁)."""
    return {"type": "hp", "run": run, "name": name}


def lr_slider(run):
    return {"type": "lr-slider", "run": run}


def run_option(run, name):
    """A run-level engine option: ``batch_size``, ``noise``, ``seed`` or ``scheduler``."""
    return {"type": "run-option", "run": run, "name": name}


def schedule_option(run, name):
    """An option of the run's learning-rate schedule (torch's keyword)."""
    return {"type": "schedule-option", "run": run, "name": name}


def schedule_options(run):
    return {"type": "schedule-options", "run": run}


def lr_plot(run):
    return {"type": "lr-plot", "run": run}
