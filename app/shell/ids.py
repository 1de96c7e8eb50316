"""The shell's ids: header (lessons, share, projector), the player bar, the loss chart, export and the
data the browser keeps."""

from app.compare import ids as compare_ids
from app.explore import ids as explore_ids

ROOT = "root"
STATUS = "status"  # messages about the whole setup (divergence, errors)

# Loss chart (shown under Explore and Compare)
LOSS = "loss"
LOSS_LOG = "loss-log"
#: The figures the animation draws on, by the names assets/playback.js uses (in its FIGURES order).
GRAPHS = {
    "surface": explore_ids.SURFACE_3D,
    "contour": explore_ids.CONTOUR,
    "compare": compare_ids.COMPARE,
    "loss": LOSS,
}

# Player bar
PLAY = "play"
BACK = "step-back"
FORWARD = "step-forward"
RESET = "reset"
FRAME = "frame"  # the scrubber: its value is the current step
SPEED = "speed"
STEP_LABEL = "step-label"

# Data the browser keeps
RUNS_DATA = "runs-data"  # big (~1 MB at 8 × 1000 steps): read in the browser only, never sent back
#: Small: the shown runs' window and a version that grows with every compute. What server callbacks
#: read or fire on instead of ``RUNS_DATA``, so that no request carries the runs back.
RUNS_KEY = "runs-key"
PENDING_FRAME = "pending-frame"  # the step a link or lesson opens at (paused), until it is shown
VIEW_OPTIONS = "view-options"  # {"classroom": bool, "present": bool}

# Export
EXPORT_PNG = "export-png"
EXPORT_CSV = "export-csv"
EXPORT_JSON = "export-json"
EXPORT_HTML = "export-html"
EXPORT_COMPOSED = "export-composed"  # one picture: title, map, loss chart, legend and settings
COMPOSED = "composed-figure"  # that picture's figure, for assets/export_compose.js to render
DOWNLOAD = "download"

# Links, lessons, classroom
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
