"""The Maps view's ids (three tabs: hyperparameter map, basins, fair comparison)."""

MAPS_VIEW = "maps-view"
PANEL = "maps-panel"
TAB = "maps-tab"  # which of the three maps is shown: "map", "basins" or "race"

MAP_OPTIMIZER = "map-optimizer"
MAP_X = "map-x"
MAP_Y = "map-y"
MAP_GRID = "map-grid"
MAP_METRIC = "map-metric"
MAP_COMPUTE = "map-compute"
MAP_ERROR = "map-error"
MAP_GRAPH = "map-graph"
MAP_TIMING = "map-timing"
MAP_META = "map-meta"  # what the shown map was computed for (a click turns a cell into that run)

BASIN_OPTIMIZER = "basin-optimizer"
BASIN_LR = "basin-lr"
BASIN_MOMENTUM = "basin-momentum"  # the optimizer's momentum (SGD, RMSprop) or β₁ (the Adam family)
BASIN_MOMENTUM_LABEL = "basin-momentum-label"
BASIN_LINK = "basin-link"  # the basins' lr and momentum a link set, kept while its optimizer is switched to
BASIN_GRID = "basin-grid"
BASIN_COMPUTE = "basin-compute"
BASIN_ERROR = "basin-error"
BASIN_GRAPH = "basin-graph"
BASIN_COUNTS = "basin-counts"
BASIN_TIMING = "basin-timing"
BASIN_DONE = "basin-done"

RACE_OPTIMIZERS = "race-optimizers"
RACE_TOL = "race-tol"
RACE_COMPUTE = "race-compute"
RACE_ERROR = "race-error"
RACE_GRAPH = "race-graph"
RACE_TABLE = "race-table"
RACE_TIMING = "race-timing"
RACE_DONE = "race-done"
