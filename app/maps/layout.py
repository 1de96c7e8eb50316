"""The Maps view's components: three tabs (hyperparameter map, basins, fair comparison), each with its
controls, graph and timing line, and the basins' counts and the race's table drawn from a result."""

from __future__ import annotations

from dash import dcc, html

import optimizers
from app.components.controls import GRAPH_CONFIG, number
from app.maps import figures as maps_figures
from app.maps import ids
from app.maps.settings import (
    DEFAULT_BASIN_GRID,
    DEFAULT_MAP_GRID,
    DEFAULT_RACERS,
    DEFAULT_TOL,
    METRIC_LABELS,
    TABS,
    axis_options,
    default_axes,
    momentum_default,
    momentum_label,
)
from optimizers import maps


def sidebar(settings: dict) -> list:
    """Maps has no sidebar section of its own: it reads the shared surface, start and steps."""
    return []


def panel(figures: dict, runs_data: dict) -> html.Div:
    """The view: its tabs (computed on Compute, never from the page's first figures)."""
    return html.Div(id=ids.MAPS_VIEW, className="maps-view maps-only", children=tabs())


def bottom(runs_data: dict) -> list:
    """Nothing beside the loss chart."""
    return []


def tabs() -> list:
    """The components of the Maps panel (the children of the ``maps-view`` section)."""
    return [
        html.Div(
            id=ids.PANEL,
            className="maps-panel tab-map",
            children=[
                dcc.RadioItems(
                    id=ids.TAB,
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
        _field("optimizer", _optimizer_dropdown(ids.MAP_OPTIMIZER, "sgd"), "medium"),
        _field("x axis", _dropdown(ids.MAP_X, x_param, axis_options("sgd")), "wide"),
        _field("y axis", _dropdown(ids.MAP_Y, y_param, axis_options("sgd")), "wide"),
        _field("grid", _number(ids.MAP_GRID, DEFAULT_MAP_GRID), "narrow"),
        _field(
            "colour shows",
            _dropdown(ids.MAP_METRIC, "final", [{"label": v, "value": k} for k, v in METRIC_LABELS.items()]),
            "medium",
        ),
        html.Button("Compute", id=ids.MAP_COMPUTE, className="compute", n_clicks=0),
    ]
    about = (
        "One run per cell, all from the start in the sidebar, with that pair of settings. "
        "Click a cell to watch its run in Explore."
    )
    return _tab("map", controls, ids.MAP_ERROR, about, [_graph(ids.MAP_GRAPH)], ids.MAP_TIMING, ids.MAP_META)


def _basin_tab() -> html.Div:
    controls = [
        _field("optimizer", _optimizer_dropdown(ids.BASIN_OPTIMIZER, "sgd"), "medium"),
        _field("learning rate", _number(ids.BASIN_LR, optimizers.get("sgd").spec("lr").default)),
        html.Label(
            className="field narrow",
            children=[
                html.Span(momentum_label("sgd"), id=ids.BASIN_MOMENTUM_LABEL, className="field-label"),
                _number(ids.BASIN_MOMENTUM, momentum_default("sgd")),
            ],
        ),
        _field("grid", _number(ids.BASIN_GRID, DEFAULT_BASIN_GRID), "narrow"),
        html.Button("Compute", id=ids.BASIN_COMPUTE, className="compute", n_clicks=0),
    ]
    about = (
        "One run from every point of a grid over the window: each start is coloured by the minimum "
        "it ends at (with the steps in the sidebar)."
    )
    body = [
        _graph(ids.BASIN_GRAPH),
        html.Div(id=ids.BASIN_COUNTS, className="basin-counts"),
        dcc.Store(id=ids.BASIN_LINK, data=None),
    ]
    return _tab("basins", controls, ids.BASIN_ERROR, about, body, ids.BASIN_TIMING, ids.BASIN_DONE)


def _race_tab() -> html.Div:
    controls = [
        _field(
            "optimizers",
            dcc.Dropdown(
                id=ids.RACE_OPTIMIZERS,
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
                id=ids.RACE_TOL, type="text", value=DEFAULT_TOL, className="text-input", inputMode="decimal"
            ),
        ),
        html.Button("Compute", id=ids.RACE_COMPUTE, className="compute", n_clicks=0),
    ]
    about = (
        f"Each optimizer's learning rate is tuned from the start ({maps.TUNING_POINTS} candidates; "
        f"★ the best), then they race with it from the start and {maps.RACE_RANDOM_STARTS} random ones."
    )
    body = [_graph(ids.RACE_GRAPH), html.Div(id=ids.RACE_TABLE, className="race-table")]
    return _tab("race", controls, ids.RACE_ERROR, about, body, ids.RACE_TIMING, ids.RACE_DONE)


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


def _number(component_id: str, value) -> dcc.Input:
    # No debounce: these are read when Compute is pressed, never on a keystroke. A text box, as every
    # number box (``app.components.controls.number``): the check at Compute says what is wrong.
    return number(component_id, value, debounce=False)


def _graph(component_id: str) -> dcc.Loading:
    graph = dcc.Graph(
        id=component_id,
        figure=maps_figures.placeholder_figure("Press Compute."),
        config=GRAPH_CONFIG,
        className="maps-graph",
    )
    return dcc.Loading(
        graph,
        type="circle",
        delay_show=300,
        overlay_style={"visibility": "visible", "opacity": 0.55},
        parent_className="maps-loading",
    )


def basin_counts(b: maps.BasinMap) -> html.Ul:
    """How many starts end in each basin, with the basin's colour."""
    counts = b.counts()
    labels = b.kinds()
    colors = [maps_figures.basin_color(label) for label in labels]
    total = b.labels.size
    items = [
        html.Li(
            className="basin-count",
            children=[
                html.Span(className="basin-swatch", style={"background": color}),
                html.Span(maps_figures.basin_label(b, label), className="basin-name"),
                html.Span(f"{counts[label]:,}", className="basin-number"),
                html.Span(f"{100 * counts[label] / total:.0f}%", className="basin-share"),
            ],
        )
        for label, color in zip(labels, colors, strict=True)
    ]
    return html.Div([html.H3("Where the starts end"), html.Ul(items, className="basin-list")])


def race_table(table: maps.RaceTable) -> html.Table:
    """The race as a plain table: one row per optimizer (``app.maps.figures`` formats the cells)."""
    columns = maps_figures.race_table_columns(table)
    rows = maps_figures.race_table_rows(table)
    return html.Table(
        className="race",
        children=[
            html.Thead(html.Tr([html.Th(c["name"]) for c in columns])),
            html.Tbody([html.Tr([html.Td(row[c["id"]]) for c in columns]) for row in rows]),
        ],
    )
