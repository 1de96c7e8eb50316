"""The classroom pages' ids (their own Dash app at /class/: no id here is on the main app's page)."""

WHERE = "where"  # the address bar
PAGE = "page"  # the teacher's or the student's page, by address
KEYS = "teacher-keys"  # localStorage: {code: {"key", "expires_at"}}, this browser's classes

# The teacher: starting a class
KIND = "t-kind"
SURFACE = "t-surface"
STEPS = "t-steps"
TARGET = "t-target"
QUESTION = "t-question"
OPTIMIZER = "t-optimizer"
LRS = "t-lrs-typed"  # learning rates: the choices of "which diverges?", the run of "where will it stop?"
RUNS = "t-runs-typed"  # "optimizer lr, ..." for "which optimizer is first?"
FIELDS = "t-fields"  # the fields of each kind, by {"kind": …} (shown for their kind only)
START = "t-start"
ERROR = "t-error"
SETUP = "t-setup"

# The teacher: the projector view
CODE = "t-code"  # the class's join code (data)
SEEN = "t-seen"  # what the view shows now (so a tick with nothing new draws nothing)
VERSION = "t-version"
TICK = "t-tick"
CLASS = "t-class"
CODE_TEXT = "t-code-text"
LINK = "t-link"
QR = "t-qr"
QUESTION_TEXT = "t-question-text"
NAMES = "t-names"
LOCK = "t-lock"
REVEAL = "t-reveal"
END = "t-end"
CSV = "t-csv"
DOWNLOAD = "t-download"
REMOVE = "t-remove"  # a board row's remove button: {"type": REMOVE, "index": attempt id}
STATUS = "t-status"
MAP = "t-map"
SIDE = "t-side"  # the spread of learning rates (reach the target) or of the choices (predict)
BOARD = "t-board"

# The student
S_CODE = "s-code"
S_NAME = "s-name"
S_QUESTION = "s-question"
S_TARGET = "s-target-fields"
S_OPTIMIZER = "s-optimizer"
S_LR = "s-lr"
S_MORE = "s-more"  # the optimizer's other hyperparameters (the run card's controls)
S_CHOICE = "s-choice"
S_POINT_FIELDS = "s-point-fields"
S_POINT_MAP = "s-point-map"
S_POINT = "s-point"  # the clicked point (data)
S_SUBMIT = "s-submit"
S_MESSAGE = "s-message"
S_MINE = "s-mine"
S_TOKEN = "s-token"
S_TICK = "s-tick"
S_REVEAL = "s-reveal"
S_STATE = "s-state"  # why Submit is disabled (locked, ended, revealed)
S_OVERLAY_BOX = "s-overlay-box"
S_OVERLAY = "s-overlay"  # the revealed class map, the student's own attempts drawn over it
S_SEEN = "s-seen"  # what the page shows now (so a tick with nothing new draws nothing)
