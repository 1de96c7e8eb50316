"""The Networks view's ids: the data set, the architecture, the training card and the figures."""

VIEW = "networks-view"
CARD = "networks"  # the aio_id of its RunCard (optimizer, hyperparameters, batches, schedule)
CARD_SLOT = "net-card-slot"  # holds the run card (a link or a lesson replaces it)

# The model: a network on a data set, or a recommender on a rating matrix
MODEL = "net-model"
NETWORK_CONTROLS = "net-network-controls"  # the data set and architecture sections (a network)
RATINGS_CONTROLS = "net-ratings-controls"  # the rating matrix section (a recommender)

# Rating matrix (the recommender)
USERS = "net-users"
ITEMS = "net-items"
RANK = "net-rank"
KNOWN = "net-known"  # % of the entries known
RATING_NOISE = "net-rating-noise"
L2 = "net-l2"
RATING_SEED = "net-rating-seed"

# Data set
DATA = "net-data"
SIZE = "net-size"  # training points
NOISE = "net-noise"
TEST_SHARE = "net-test-share"  # % of all points held out for the test loss
DATA_SEED = "net-data-seed"

# Architecture
HIDDEN = "net-hidden"  # "16, 16": the hidden layers' widths
ACTIVATION = "net-activation"

# Training
LRS = "net-lrs"  # one network per learning rate
STEPS = "net-steps"
INIT_SEED = "net-init-seed"
TRAIN = "net-train"
ERROR = "net-error"
TIMING = "net-timing"
DONE = "net-done"  # set once a training has been shown (the first visit trains by itself)
LINKED = "net-linked"  # a link or a lesson set the controls: train (in this view) once they are set
PENDING = "net-pending"  # {"frame", "inspect"}: where a link opens (snapshot, inspected network), until shown

# Snapshots and the step slider (switched in the browser: assets/networks.js)
FRAMES = "net-frames"
FRAME = "net-frame"  # the slider: an index into the snapshots
PLAY = "net-play"
TICKER = "net-ticker"
STEP_LABEL = "net-step-label"

# The step inspector: one network's update at the slider's step (assets/networks.js draws it)
INSPECTOR = "net-inspector"
INSPECT_RUN = "net-inspect-run"  # which network it shows (its index)
INSPECT_DATA = "net-inspect-data"  # every network's numbers at every snapshot (app.networks.inspector)

# Figures
BOUNDARY = "net-boundary"
LOSS = "net-loss"
RANDOM_PLANE = "net-random-plane"
PCA_PLANE = "net-pca-plane"
INTERPOLATION = "net-interpolation"
NOTE = "net-note"

# Explore a plane: it becomes a surface of the Surface menu (app.networks.surface)
EXPLORE_RANDOM = "net-explore-random"
EXPLORE_PCA = "net-explore-pca"
PLANE_ERROR = "net-plane-error"
TRAINED = "net-trained"  # the link settings of the training shown: the network its planes are of
# Export (the shell's Export menu is in its player bar, hidden in this view): the view's own menu
EXPORT_CSV = "net-export-csv"
EXPORT_JSON = "net-export-json"
EXPORT_HTML = "net-export-html"
EXPORT_ERROR = "net-export-error"  # an export that failed says why, at the top of the view
