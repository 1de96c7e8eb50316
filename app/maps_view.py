"""The Maps panel: thousands of runs at once, in three tabs.

- Hyperparameter map: the loss of one run per cell of a grid of two hyperparameters; a click on a
  cell adds that run to Explore.
- Basins: which minimum each start point of the window ends in.
- Fair comparison: each optimizer's learning rate tuned by a visible grid search, then a race.

Plus the stability hint under every run card's learning rate (2/λ_max at the start).

Callbacks are thin: parse the controls (``app.state``), call ``optimizers.maps``, draw with
``app.map_figures``. A map is computed when its Compute button is pressed (and once, the first
time its tab is shown), never on a keystroke: a big map costs about a second.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import ALL, Input, Output, Patch, State, ctx, dcc, html, no_update

import optimizers
from app import ids, layout, map_figures
from app.figures import FONT
from app.state import (
    MAX_COORDINATE,
    MAX_RUNS,
    PALETTE,
    RunSpec,
    decode_settings,
    format_number,
    parse_number,
    parse_run,
    parse_start,
    parse_steps,
    parse_surface,
)
from landscapes.base import Landscape
from optimizers import maps

# ------------------------------------------------------------------------------------------- ids

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


#: What a share link carries of the Maps panel: its key in the link -> (component id, property).
LINK_CONTROLS = {
    "tab": (TAB, "value"),
    "map_optimizer": (MAP_OPTIMIZER, "value"),
    "map_x": (MAP_X, "value"),
    "map_y": (MAP_Y, "value"),
    "map_grid": (MAP_GRID, "value"),
    "map_metric": (MAP_METRIC, "value"),
    "basin_optimizer": (BASIN_OPTIMIZER, "value"),
    "basin_lr": (BASIN_LR, "value"),
    "basin_momentum": (BASIN_MOMENTUM, "value"),
    "basin_grid": (BASIN_GRID, "value"),
    "racers": (RACE_OPTIMIZERS, "value"),
    "tol": (RACE_TOL, "value"),
}


def lr_hint(run):
    """The stability hint under a run card's learning rate."""
    return {"type": "lr-hint", "run": run}


# --------------------------------------------------------------------------------------- limits

TABS = (("map", "Hyperparameter map"), ("basins", "Basins"), ("race", "Fair comparison"))
MAP_GRID_RANGE = (8, 64)
BASIN_GRID_RANGE = (20, 80)
DEFAULT_MAP_GRID = 40
DEFAULT_BASIN_GRID = 50
DEFAULT_RACERS = ("sgd", "adam", "rmsprop")
DEFAULT_TOL = "1e-6"
METRIC_LABELS = {"final": "final loss", "best": "best loss"}
#: Grid values are rounded to this many significant digits, so the run a click adds (whose
#: learning rate shows in a small box) is exactly the run of that cell.
GRID_DIGITS = 3


# --------------------------------------------------------------------------------------- layout


def panel() -> list:
    """The components of the Maps panel (the children of the ``maps-view`` section)."""
    return [
        html.Div(
            id=PANEL,
            className="maps-panel tab-map",
            children=[
                dcc.RadioItems(
                    id=TAB,
                    value="map",
                    className="maps-tabs",
                    inline=True,
                    options=[{"label": label, "value": value} for value, label in TABS],
                ),
                _map_tab(),
                _basin_tab(),
                _race_tab(),
            ],
        )
    ]


def _map_tab() -> html.Div:
    x_param, y_param = default_axes("sgd")
    controls = [
        _field("optimizer", _optimizer_dropdown(MAP_OPTIMIZER, "sgd"), "medium"),
        _field("x axis", _dropdown(MAP_X, x_param, axis_options("sgd")), "wide"),
        _field("y axis", _dropdown(MAP_Y, y_param, axis_options("sgd")), "wide"),
        _field("grid", _number(MAP_GRID, DEFAULT_MAP_GRID, *MAP_GRID_RANGE, step=1), "narrow"),
        _field(
            "colour shows",
            _dropdown(MAP_METRIC, "final", [{"label": v, "value": k} for k, v in METRIC_LABELS.items()]),
            "medium",
        ),
        html.Button("Compute", id=MAP_COMPUTE, className="compute", n_clicks=0),
    ]
    about = (
        "One run per cell, all from the start in the sidebar, with that pair of settings. "
        "Click a cell to watch its run in Explore."
    )
    return _tab("map", controls, MAP_ERROR, about, [_graph(MAP_GRAPH)], MAP_TIMING, MAP_META)


def _basin_tab() -> html.Div:
    controls = [
        _field("optimizer", _optimizer_dropdown(BASIN_OPTIMIZER, "sgd"), "medium"),
        _field("learning rate", _number(BASIN_LR, optimizers.get("sgd").spec("lr").default)),
        html.Label(
            className="field narrow",
            children=[
                html.Span(momentum_label("sgd"), id=BASIN_MOMENTUM_LABEL, className="field-label"),
                _number(BASIN_MOMENTUM, momentum_default("sgd")),
            ],
        ),
        _field("grid", _number(BASIN_GRID, DEFAULT_BASIN_GRID, *BASIN_GRID_RANGE, step=1), "narrow"),
        html.Button("Compute", id=BASIN_COMPUTE, className="compute", n_clicks=0),
    ]
    about = (
        "One run from every point of a grid over the window: each start is coloured by the minimum "
        "it ends at (with the steps in the sidebar)."
    )
    body = [
        _graph(BASIN_GRAPH),
        html.Div(id=BASIN_COUNTS, className="basin-counts"),
        dcc.Store(id=BASIN_LINK, data=None),
    ]
    return _tab("basins", controls, BASIN_ERROR, about, body, BASIN_TIMING, BASIN_DONE)


def _race_tab() -> html.Div:
    controls = [
        _field(
            "optimizers",
            dcc.Dropdown(
                id=RACE_OPTIMIZERS,
                value=list(DEFAULT_RACERS),
                multi=True,
                clearable=False,
                searchable=False,
                options=_optimizer_options(),
            ),
            "widest",
        ),
        _field(
            "tolerance",
            # Text, not a number box: a tolerance reads best as 1e-6, not 0.000001.
            dcc.Input(
                id=RACE_TOL, type="text", value=DEFAULT_TOL, className="text-input", inputMode="decimal"
            ),
        ),
        html.Button("Compute", id=RACE_COMPUTE, className="compute", n_clicks=0),
    ]
    about = (
        f"Each optimizer's learning rate is tuned from the start ({maps.TUNING_POINTS} candidates; "
        f"★ the best), then they race with it from the start and {maps.RACE_RANDOM_STARTS} random ones."
    )
    body = [_graph(RACE_GRAPH), html.Div(id=RACE_TABLE, className="race-table")]
    return _tab("race", controls, RACE_ERROR, about, body, RACE_TIMING, RACE_DONE)


def _tab(name: str, controls: list, error_id: str, about: str, body: list, timing_id: str, store_id: str):
    return html.Div(
        className=f"maps-tab maps-tab-{name}",
        children=[
            html.Div(className="maps-controls", children=controls),
            html.Div(id=error_id, className="error", role="alert"),
            html.Div(about, className="hint maps-about"),
            html.Div(className="maps-body", children=body),
            html.Div(id=timing_id, className="maps-timing", role="status"),
            dcc.Store(id=store_id, data=None),
        ],
    )


def _field(label: str, control, size: str = "") -> html.Label:
    return html.Label(
        className=f"field maps-field {size}".strip(),
        children=[html.Span(label, className="field-label"), control],
    )


def _optimizer_options() -> list[dict]:
    return [{"label": optimizers.get(n).title, "value": n} for n in optimizers.names()]


def _optimizer_dropdown(component_id: str, value: str) -> dcc.Dropdown:
    return _dropdown(component_id, value, _optimizer_options())


def _dropdown(component_id: str, value, options: list) -> dcc.Dropdown:
    return dcc.Dropdown(id=component_id, value=value, options=options, clearable=False, searchable=False)


def _number(component_id: str, value, low=None, high=None, step="any") -> dcc.Input:
    # No debounce: these are read when Compute is pressed, never on a keystroke. Only the grid
    # sizes have a min and max: the engine's own messages say what is wrong with an lr or a tol.
    return dcc.Input(
        id=component_id, type="number", value=value, min=low, max=high, step=step, className="number-input"
    )


def _graph(component_id: str) -> dcc.Loading:
    graph = dcc.Graph(
        id=component_id,
        figure=placeholder_figure("Press Compute."),
        config=layout.GRAPH_CONFIG,
        className="maps-graph",
    )
    return dcc.Loading(
        graph,
        type="circle",
        delay_show=300,
        overlay_style={"visibility": "visible", "opacity": 0.55},
        parent_className="maps-loading",
    )


def placeholder_figure(text: str) -> go.Figure:
    """An empty figure with one line of text in the middle (before the first map)."""
    fig = go.Figure()
    fig.update_layout(
        font=FONT,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis={"visible": False},
        yaxis={"visible": False},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        annotations=[{"text": text, "showarrow": False, "font": {"size": 18, "color": "#5b6478"}}],
    )
    return fig


# -------------------------------------------------------------------------------- pure helpers


def default_axes(optimizer: str) -> tuple[str, str]:
    """The two hyperparameters a map of ``optimizer`` shows first: lr × momentum for SGD, lr × β₂
    for the Adam family, else lr × the next numeric one."""
    names = maps.mappable(optimizer)
    for second in ("momentum", "betas.1"):
        if second in names:
            return "lr", second
    return "lr", next(n for n in names if n != "lr")


#: Short names for the axis dropdowns (the figure's axes say more: ``map_figures.param_label``).
AXIS_LABELS = {"lr": "learning rate", "betas.0": "β₁ (betas[0])", "betas.1": "β₂ (betas[1])"}


def axis_options(optimizer: str) -> list[dict]:
    return [{"label": AXIS_LABELS.get(p, p.replace("_", " ")), "value": p} for p in maps.mappable(optimizer)]


def axes_for(optimizer: str, x_param, y_param) -> tuple[str, str]:
    """Keep the current axes if the new optimizer has both, else its default axes."""
    names = maps.mappable(optimizer)
    if x_param in names and y_param in names and x_param != y_param:
        return x_param, y_param
    return default_axes(optimizer)


def grid_values(optimizer: str, param: str, n: int) -> list[float]:
    """``n`` values over the hyperparameter's UI range, rounded to ``GRID_DIGITS`` digits."""
    return [float(f"{v:.{GRID_DIGITS}g}") for v in maps.default_grid(optimizer, param, n)]


def momentum_name(optimizer: str) -> str | None:
    """The hyperparameter a momentum box sets: ``momentum``, β₁ (``betas.0``), or none."""
    defaults = optimizers.get(optimizer).defaults
    if "momentum" in defaults:
        return "momentum"
    return "betas.0" if "betas" in defaults else None


def momentum_label(optimizer: str) -> str:
    name = momentum_name(optimizer)
    return {"momentum": "momentum", "betas.0": "β₁ (momentum)"}.get(name, "momentum (none)")


def momentum_default(optimizer: str):
    name = momentum_name(optimizer)
    if name is None:
        return None
    defaults = optimizers.get(optimizer).defaults
    return defaults["betas"][0] if name == "betas.0" else defaults["momentum"]


def basin_hyperparameters(optimizer: str, lr, momentum) -> dict[str, Any]:
    """The basins' settings: the learning rate and, if the optimizer has one, its momentum (or β₁)."""
    hp: dict[str, Any] = {"lr": parse_value(lr, "learning rate")}
    name = momentum_name(optimizer)
    if name is None:
        return hp
    value = parse_value(momentum, momentum_label(optimizer))
    if name == "betas.0":
        hp["betas"] = (value, optimizers.get(optimizer).defaults["betas"][1])
    else:
        hp["momentum"] = value
    return hp


def parse_setup(surface, formula, x, y, steps) -> tuple[Landscape, tuple[float, float], int]:
    """The sidebar's surface (``formula``: a custom one's), start and steps, or a ``ValueError``
    that says to fix them there."""
    try:
        return parse_surface(surface, formula), parse_start(x, y), parse_steps(steps)
    except ValueError as error:
        raise ValueError(f"Fix the surface, start or steps in the sidebar first: {error}") from None


def parse_optimizer(name) -> str:
    if not isinstance(name, str):
        raise ValueError(f"Choose an optimizer: {', '.join(optimizers.names())}")
    return optimizers.get(name).name


def parse_map_request(optimizer, x_param, y_param, grid, metric) -> dict[str, Any]:
    """The map's own controls, checked: ``{optimizer, x_param, y_param, n, metric}``."""
    optimizer = parse_optimizer(optimizer)
    names = maps.mappable(optimizer)
    for axis, param in (("x", x_param), ("y", y_param)):
        if param not in names:
            raise ValueError(f"Choose the {axis} axis among: {', '.join(names)}")
    if x_param == y_param:
        raise ValueError("Choose two different settings for the x and y axes")
    if metric not in maps.METRICS:
        raise ValueError(f"Choose what the colour shows: {', '.join(maps.METRICS)}")
    n = parse_grid(grid, MAP_GRID_RANGE)
    return {"optimizer": optimizer, "x_param": x_param, "y_param": y_param, "n": n, "metric": metric}


def parse_grid(value, limits: tuple[int, int]) -> int:
    """A grid size from its number box, which sends nothing (``None``) when empty or out of range."""
    low, high = limits
    if value is None:
        raise ValueError(f"grid must be a whole number from {low} to {high}")
    return parse_number(value, "grid", low, high, integer=True)


def parse_value(value, name: str) -> float:
    """A number from a box; its range is the engine's to check (with the engine's message)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{name} must be a number")
    return parse_number(value, name, -MAX_COORDINATE, MAX_COORDINATE)


#: The most a map, basins or race request may compute for (estimated before it starts).
MAX_SECONDS = 2.0


def check_time(landscape: Landscape, jobs: list[tuple[str, int]], steps: int) -> None:
    """Refuse, before it starts, work that would take over ``MAX_SECONDS``: ``jobs`` lists
    ``(optimizer, runs)``, each of ``steps`` steps (``maps.estimate_seconds`` measures the cost)."""
    seconds = sum(maps.estimate_seconds(landscape, name, runs, steps) for name, runs in jobs)
    if seconds > MAX_SECONDS:
        fewer = max(1, int(steps * MAX_SECONDS / seconds))
        raise ValueError(
            f"That is about {seconds:.0f} s of work on this server (the limit is {MAX_SECONDS:g} s): "
            f"use at most {fewer} steps, or a smaller grid"
        )


def map_meta(m: maps.HyperparameterMap) -> dict[str, Any]:
    """What a click needs to know about the shown map (kept in the browser as ``MAP_META``)."""
    return {
        "optimizer": m.optimizer,
        "x_param": m.x_param,
        "y_param": m.y_param,
        "x_values": m.x_values.tolist(),
        "y_values": m.y_values.tolist(),
        "x_log": m.x_log,
        "y_log": m.y_log,
    }


def snap(value, values, log: bool, name: str) -> float:
    """The grid value of the cell that contains ``value``: the nearest one (in log₁₀ on a log axis).

    A click on a heatmap reports the cell's centre between its edges, not its grid value: Dash's
    ``clickData`` leaves out a heatmap cell's ``customdata`` (its point number is ``[i, j]``).
    """
    grid = np.asarray(values if isinstance(values, list) else [], dtype=np.float64)
    if not 1 <= grid.size <= maps.MAX_GRID or not np.isfinite(grid).all() or (log and (grid <= 0).any()):
        raise ValueError("Compute a map first, then click one of its cells")
    value = parse_number(value, name, -MAX_COORDINATE, MAX_COORDINATE)
    if log:
        distance = np.abs(np.log10(grid) - math.log10(value)) if value > 0 else grid
    else:
        distance = np.abs(grid - value)
    return float(grid[np.argmin(distance)])


def run_from_cell(meta, point, color: str) -> RunSpec:
    """The run of a clicked map cell: ``meta`` is what the map was computed for (``map_meta``),
    ``point`` one point of Plotly's ``clickData`` (``x`` and ``y`` somewhere in the cell)."""
    if not isinstance(meta, dict) or not isinstance(point, dict):
        raise ValueError("Compute a map first, then click one of its cells")
    if "x" not in point or "y" not in point:
        raise ValueError("Click a cell of the map")
    x_value = snap(point["x"], meta.get("x_values"), meta.get("x_log") is True, "x")
    y_value = snap(point["y"], meta.get("y_values"), meta.get("y_log") is True, "y")
    optimizer = parse_optimizer(meta.get("optimizer"))
    hp = maps.cell_hyperparameters(optimizer, meta.get("x_param"), x_value, meta.get("y_param"), y_value)
    values: dict[str, Any] = {}
    for name, value in hp.items():
        if isinstance(value, (tuple, list)):
            values.update({f"{name}.{i}": v for i, v in enumerate(value)})
        else:
            values[name] = value
    return parse_run(optimizer, values, color)


def next_run(card_ids: list, colors: list) -> tuple[int, str]:
    """The index and colour of one more Explore run card, or ``ValueError`` if there are already
    ``MAX_RUNS``."""
    runs = [c["run"] for c in card_ids if isinstance(c, dict) and isinstance(c.get("run"), int)]
    if len(runs) >= MAX_RUNS:
        raise ValueError(f"Explore already shows {MAX_RUNS} runs, the most it can: remove one there first")
    color = next((c for c in PALETTE if c not in colors), PALETTE[len(runs) % len(PALETTE)])
    return max(runs, default=-1) + 1, color


def stability_hint(landscape: Landscape, start) -> str:
    """Under each learning rate: the largest lr plain gradient descent is stable with at the start."""
    limit = maps.stable_learning_rate(landscape, start)
    if math.isnan(limit):
        return ""
    if math.isinf(limit):
        return "Plain GD: no lr limit here (no upward curve)"
    return f"Plain GD stable for lr < 2/λ_max = {limit:.3g}"


STABILITY_HELP = (
    "λ_max is the largest curvature (Hessian eigenvalue) at the start. With a learning rate above "
    "2/λ_max, plain gradient descent overshoots along that direction, further each step."
)


def timing_text(runs: int, steps: int, seconds: float, where: str = "") -> str:
    """E.g. ``1,600 runs × 200 steps in 0.11 s``."""
    text = f"{runs:,} runs × {steps:,} steps in {seconds:.2f} s"
    return f"{text} · {where}" if where else text


def where_text(landscape: Landscape, start=None) -> str:
    """What a map was computed for, e.g. ``Rosenbrock valley from (−1.5, 2)``."""
    if start is None:
        return landscape.title
    return f"{landscape.title} from ({format_number(start[0])}, {format_number(start[1])})"


def basin_counts(b: maps.BasinMap) -> html.Ul:
    """How many starts end in each basin, with the basin's colour."""
    counts = b.counts()
    labels = b.kinds()
    colors = [map_figures.basin_color(label) for label in labels]
    total = b.labels.size
    items = [
        html.Li(
            className="basin-count",
            children=[
                html.Span(className="basin-swatch", style={"background": color}),
                html.Span(map_figures.basin_label(b, label), className="basin-name"),
                html.Span(f"{counts[label]:,}", className="basin-number"),
                html.Span(f"{100 * counts[label] / total:.0f}%", className="basin-share"),
            ],
        )
        for label, color in zip(labels, colors, strict=True)
    ]
    return html.Div([html.H3("Where the starts end"), html.Ul(items, className="basin-list")])


def race_table(table: maps.RaceTable) -> html.Table:
    """The race as a plain table: one row per optimizer (``app.map_figures`` formats the cells)."""
    columns = map_figures.race_table_columns(table)
    rows = map_figures.race_table_rows(table)
    return html.Table(
        className="race",
        children=[
            html.Thead(html.Tr([html.Th(c["name"]) for c in columns])),
            html.Tbody([html.Tr([html.Td(row[c["id"]]) for c in columns]) for row in rows]),
        ],
    )


def parse_racers(names) -> list[str]:
    if not isinstance(names, list) or not names:
        raise ValueError("Choose at least one optimizer to compare")
    return list(dict.fromkeys(parse_optimizer(n) for n in names))


def default_link_settings() -> dict[str, Any]:
    """The Maps panel as it opens, in the keys of ``LINK_CONTROLS``."""
    x_param, y_param = default_axes("sgd")
    return {
        "tab": TABS[0][0],
        "map_optimizer": "sgd", "map_x": x_param, "map_y": y_param, "map_grid": DEFAULT_MAP_GRID,
        "map_metric": "final",
        "basin_optimizer": "sgd", "basin_lr": optimizers.get("sgd").spec("lr").default,
        "basin_momentum": momentum_default("sgd"), "basin_grid": DEFAULT_BASIN_GRID,
        "racers": list(DEFAULT_RACERS), "tol": DEFAULT_TOL,
    }  # fmt: skip


def link_settings(data) -> dict[str, Any]:
    """The Maps panel's settings from a link (missing keys: the defaults), each checked as Compute
    checks it; ``ValueError`` in plain words for anything else."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError("the maps settings must be a JSON object")
    unknown = sorted(set(data) - set(LINK_CONTROLS))
    if unknown:
        raise ValueError(f"unknown maps setting {unknown[0][:40]!r}")
    out = {**default_link_settings(), **data}
    if not isinstance(out["tab"], str) or out["tab"] not in dict(TABS):
        raise ValueError(f"the maps tab must be one of: {', '.join(dict(TABS))}")
    request = parse_map_request(
        out["map_optimizer"], out["map_x"], out["map_y"], out["map_grid"], out["map_metric"]
    )
    out.update(map_optimizer=request["optimizer"], map_grid=request["n"])
    out["basin_optimizer"] = parse_optimizer(out["basin_optimizer"])
    if momentum_name(out["basin_optimizer"]) is None:
        out["basin_momentum"] = None
    basin_hyperparameters(out["basin_optimizer"], out["basin_lr"], out["basin_momentum"])
    out["basin_grid"] = parse_grid(out["basin_grid"], BASIN_GRID_RANGE)
    out["racers"] = parse_racers(out["racers"])
    if not isinstance(out["tol"], (str, int, float)) or isinstance(out["tol"], bool):
        raise ValueError("tol must be a number")
    parse_value(out["tol"], "tol")
    return out


def link_states() -> dict:
    """The Maps panel's controls as ``State`` dependencies, for the callback that makes a link."""
    return {f"maps_{key}": State(*target) for key, target in LINK_CONTROLS.items()}


def settings_of(values: dict) -> dict[str, Any]:
    """``link_settings`` of the controls' values (``link_states``' keys)."""
    return link_settings({key: values[f"maps_{key}"] for key in LINK_CONTROLS})


def _first_visit(tab: str, mode, current_tab, done) -> bool | None:
    """On a mode or tab change: compute only the first time this tab is shown (else ``None``:
    the trigger was the Compute button)."""
    if ctx.triggered_id in (ids.MODE, TAB):
        return mode == "maps" and current_tab == tab and done is None
    return None


# ------------------------------------------------------------------------------------ callbacks


def _setup_states() -> dict:
    return {
        "surface": State(ids.SURFACE, "value"),
        "formula": State(ids.FORMULA, "value"),
        "x": State(ids.START_X, "value"),
        "y": State(ids.START_Y, "value"),
        "steps": State(ids.STEPS, "value"),
    }


def _triggers(button: str) -> dict:
    return {"clicks": Input(button, "n_clicks"), "mode": Input(ids.MODE, "value"), "tab": Input(TAB, "value")}


def register(app) -> None:
    """Attach the Maps panel's callbacks (and the stability hint of the run cards) to ``app``."""
    _register_link(app)
    _register_controls(app)
    _register_map(app)
    _register_basins(app)
    _register_race(app)
    _register_hint(app)


def _register_link(app) -> None:
    @app.callback(
        output={key: Output(*target, allow_duplicate=True) for key, target in LINK_CONTROLS.items()}
        | {
            "disabled": Output(BASIN_MOMENTUM, "disabled", allow_duplicate=True),
            "label": Output(BASIN_MOMENTUM_LABEL, "children", allow_duplicate=True),
            "x_options": Output(MAP_X, "options", allow_duplicate=True),
            "y_options": Output(MAP_Y, "options", allow_duplicate=True),
            "error": Output(MAP_ERROR, "children", allow_duplicate=True),
            "pending": Output(BASIN_LINK, "data"),
        },
        inputs={"search": Input(ids.URL, "search")},
        prevent_initial_call="initial_duplicate",
    )
    def open_link(search):
        """A share link sets the Maps panel as it was (its own part of the link; see ``link_settings``)."""
        outputs = [*LINK_CONTROLS, "disabled", "label", "x_options", "y_options", "error", "pending"]
        nothing = dict.fromkeys(outputs, no_update)
        try:
            data = decode_settings(search)
        except ValueError:
            return nothing  # the page's notice says the link cannot be opened
        if data is None or data.get("maps") is None:
            return nothing
        try:
            values = link_settings(data["maps"])
        except ValueError as error:
            return {**nothing, "error": f"The link's maps settings were not used: {error}"}
        options = axis_options(values["map_optimizer"])
        basin = {key: values[key] for key in ("basin_optimizer", "basin_lr", "basin_momentum")}
        return {
            **values,
            "disabled": momentum_name(values["basin_optimizer"]) is None,
            "label": momentum_label(values["basin_optimizer"]),
            "x_options": options,
            "y_options": options,
            "error": "",
            "pending": basin,  # switch_basin_optimizer, fired by the new optimizer, keeps these
        }


def _register_controls(app) -> None:
    app.clientside_callback(
        "function (tab) { return 'maps-panel tab-' + (tab || 'map'); }",
        Output(PANEL, "className"),
        Input(TAB, "value"),
    )

    @app.callback(
        Output(MAP_X, "options"),
        Output(MAP_X, "value"),
        Output(MAP_Y, "options"),
        Output(MAP_Y, "value"),
        Input(MAP_OPTIMIZER, "value"),
        State(MAP_X, "value"),
        State(MAP_Y, "value"),
        prevent_initial_call=True,
    )
    def switch_map_optimizer(name, x_param, y_param):
        """A new optimizer brings its own hyperparameters as axes (keeping the current ones if it can)."""
        try:
            name = parse_optimizer(name)
        except ValueError:
            return no_update, no_update, no_update, no_update
        options = axis_options(name)
        x_param, y_param = axes_for(name, x_param, y_param)
        return options, x_param, options, y_param

    @app.callback(
        Output(BASIN_LR, "value"),
        Output(BASIN_MOMENTUM, "value"),
        Output(BASIN_MOMENTUM, "disabled"),
        Output(BASIN_MOMENTUM_LABEL, "children"),
        Output(BASIN_LINK, "data", allow_duplicate=True),
        Input(BASIN_OPTIMIZER, "value"),
        State(BASIN_LINK, "data"),
        prevent_initial_call=True,
    )
    def switch_basin_optimizer(name, pending):
        """A new optimizer starts at its own defaults (torch's): lr and momentum or β₁, if it has one;
        unless a link just set it, with its own values (``pending``)."""
        try:
            name = parse_optimizer(name)
        except ValueError:
            return no_update, no_update, no_update, no_update, no_update
        if isinstance(pending, dict) and pending.get("basin_optimizer") == name:
            lr, momentum = pending.get("basin_lr"), pending.get("basin_momentum")
        else:
            lr, momentum = optimizers.get(name).spec("lr").default, momentum_default(name)
        return lr, momentum, momentum_name(name) is None, momentum_label(name), None


def _register_map(app) -> None:
    @app.callback(
        output={
            "figure": Output(MAP_GRAPH, "figure"),
            "timing": Output(MAP_TIMING, "children"),
            "error": Output(MAP_ERROR, "children"),
            "meta": Output(MAP_META, "data"),
        },
        inputs=_triggers(MAP_COMPUTE),
        state={
            **_setup_states(),
            "optimizer": State(MAP_OPTIMIZER, "value"),
            "x_param": State(MAP_X, "value"),
            "y_param": State(MAP_Y, "value"),
            "grid": State(MAP_GRID, "value"),
            "metric": State(MAP_METRIC, "value"),
            "meta": State(MAP_META, "data"),
        },
        running=[(Output(MAP_COMPUTE, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def compute_map(
        clicks, mode, tab, surface, formula, x, y, steps, optimizer, x_param, y_param, grid, metric, meta
    ):
        """The loss of one run per cell (one batched engine call), as a heatmap."""
        nothing = {"figure": no_update, "timing": no_update, "error": no_update, "meta": no_update}
        if _first_visit("map", mode, tab, meta) is False:
            return nothing
        try:
            landscape, start, steps = parse_setup(surface, formula, x, y, steps)
            request = parse_map_request(optimizer, x_param, y_param, grid, metric)
            name, n, x_param, y_param = (request[k] for k in ("optimizer", "n", "x_param", "y_param"))
            xs, ys = grid_values(name, x_param, n), grid_values(name, y_param, n)
            check_time(landscape, [(name, n * n)], steps)
            began = time.perf_counter()
            result = maps.hyperparameter_map(
                landscape, name, start, steps, x_param, xs, y_param, ys, request["metric"]
            )
            seconds = time.perf_counter() - began
        except ValueError as error:
            return {**nothing, "error": str(error)}
        return {
            "figure": map_figures.hyperparameter_map_figure(result),
            "timing": timing_text(n * n, steps, seconds, where_text(landscape, start)),
            "error": "",
            "meta": map_meta(result),
        }

    @app.callback(
        output={
            "runs": Output(ids.RUNS, "children", allow_duplicate=True),
            "mode": Output(ids.MODE, "value", allow_duplicate=True),
            "error": Output(MAP_ERROR, "children", allow_duplicate=True),
        },
        inputs={"click": Input(MAP_GRAPH, "clickData")},
        state={
            "meta": State(MAP_META, "data"),
            "card_ids": State(ids.run_card(ALL), "id"),
            "colors": State(ids.run_color(ALL), "value"),
        },
        prevent_initial_call=True,
    )
    def add_cell_run(click, meta, card_ids, colors):
        """A click on a cell adds its run to Explore and shows it there."""
        points = click.get("points") if isinstance(click, dict) else None
        if not points:
            return {"runs": no_update, "mode": no_update, "error": no_update}
        try:
            index, color = next_run(card_ids, colors)
            spec = run_from_cell(meta, points[0], color)
        except ValueError as error:
            return {"runs": no_update, "mode": no_update, "error": str(error)}
        patch = Patch()
        patch.append(layout.run_card(index, spec))
        return {"runs": patch, "mode": "explore", "error": ""}


def _register_basins(app) -> None:
    @app.callback(
        output={
            "figure": Output(BASIN_GRAPH, "figure"),
            "counts": Output(BASIN_COUNTS, "children"),
            "timing": Output(BASIN_TIMING, "children"),
            "error": Output(BASIN_ERROR, "children"),
            "done": Output(BASIN_DONE, "data"),
        },
        inputs=_triggers(BASIN_COMPUTE),
        state={
            **_setup_states(),
            "optimizer": State(BASIN_OPTIMIZER, "value"),
            "lr": State(BASIN_LR, "value"),
            "momentum": State(BASIN_MOMENTUM, "value"),
            "grid": State(BASIN_GRID, "value"),
            "done": State(BASIN_DONE, "data"),
        },
        running=[(Output(BASIN_COMPUTE, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def compute_basins(clicks, mode, tab, surface, formula, x, y, steps, optimizer, lr, momentum, grid, done):
        """Which minimum each start of an n × n grid ends at (one batched engine call)."""
        nothing = dict.fromkeys(("figure", "counts", "timing", "error", "done"), no_update)
        if _first_visit("basins", mode, tab, done) is False:
            return nothing
        try:
            landscape, _, steps = parse_setup(surface, formula, x, y, steps)
            name = parse_optimizer(optimizer)
            hp = basin_hyperparameters(name, lr, momentum)
            n = parse_grid(grid, BASIN_GRID_RANGE)
            check_time(landscape, [(name, n * n)], steps)
            began = time.perf_counter()
            result = maps.basins(landscape, name, steps, n, **hp)
            seconds = time.perf_counter() - began
        except ValueError as error:
            return {**nothing, "error": str(error)}
        figure = map_figures.basin_figure(landscape, result)
        figure.update_layout(showlegend=False)  # the counts beside it are the legend, with numbers
        return {
            "figure": figure,
            "counts": basin_counts(result),
            "timing": timing_text(n * n, steps, seconds, where_text(landscape)),
            "error": "",
            "done": True,
        }


def _register_race(app) -> None:
    @app.callback(
        output={
            "figure": Output(RACE_GRAPH, "figure"),
            "table": Output(RACE_TABLE, "children"),
            "timing": Output(RACE_TIMING, "children"),
            "error": Output(RACE_ERROR, "children"),
            "done": Output(RACE_DONE, "data"),
        },
        inputs=_triggers(RACE_COMPUTE),
        state={
            **_setup_states(),
            "names": State(RACE_OPTIMIZERS, "value"),
            "tol": State(RACE_TOL, "value"),
            "done": State(RACE_DONE, "data"),
        },
        running=[(Output(RACE_COMPUTE, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def compute_race(clicks, mode, tab, surface, formula, x, y, steps, names, tol, done):
        """Tune each optimizer's lr from the start, then race them with it (``fair_comparison``)."""
        nothing = dict.fromkeys(("figure", "table", "timing", "error", "done"), no_update)
        if _first_visit("race", mode, tab, done) is False:
            return nothing
        try:
            landscape, start, steps = parse_setup(surface, formula, x, y, steps)
            names = parse_racers(names)
            tol = parse_value(tol, "tol")
            racers = maps.TUNING_POINTS + 1 + maps.RACE_RANDOM_STARTS  # tuning lrs, then the starts
            check_time(landscape, [(name, racers) for name in names], steps)
            began = time.perf_counter()
            result = maps.fair_comparison(landscape, names, start, steps, tol=tol)
            seconds = time.perf_counter() - began
        except ValueError as error:
            return {**nothing, "error": str(error)}
        runs = sum(len(t.lrs) for t in result.tunings) + len(result.race.starts) * len(names)
        return {
            "figure": map_figures.tuning_figure(result.tunings),
            "table": race_table(result.race),
            "timing": timing_text(runs, steps, seconds, where_text(landscape, start)),
            "error": "",
            "done": True,
        }


def _register_hint(app) -> None:
    @app.callback(
        Output(lr_hint(ALL), "children"),
        Output(lr_hint(ALL), "title"),
        Input(ids.SURFACE, "value"),
        Input(ids.FORMULA, "value"),
        Input(ids.START_X, "value"),
        Input(ids.START_Y, "value"),
        Input(lr_hint(ALL), "id"),
    )
    def show_stability(surface, formula, x, y, hint_ids):
        """Every run card's hint: 2/λ_max at the start (empty while the start is not valid)."""
        try:
            text = stability_hint(parse_surface(surface, formula), parse_start(x, y))
        except ValueError:
            text = ""
        return [text] * len(hint_ids), [STABILITY_HELP if text else ""] * len(hint_ids)
