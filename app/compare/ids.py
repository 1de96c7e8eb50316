"""Compare's ids: one optimizer's card, the learning rates, and the panels (one per rate)."""

COMPARE_VIEW = "compare-view"
COMPARE_LRS = "compare-lrs"
COMPARE_ERROR = "compare-error"
COMPARE_CARD = "compare-card"  # holds the RunCard whose aio_id is "compare"
COMPARE = "compare"  # the graph of the panels
