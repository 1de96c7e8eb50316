"""The Maps view's callbacks, thin: check the controls (``app.maps.settings``), call
``optimizers.maps``, draw with ``app.maps.figures``. A map is computed when its Compute button is
pressed (and once, the first time its tab is shown), never on a keystroke: a big map costs about a
second.
"""

from __future__ import annotations

import time

from dash import ALL, Input, Output, Patch, State, ctx, no_update

import optimizers
from app import ids as setup_ids
from app.components.run_card import RunCard
from app.explore import ids as explore_ids
from app.links import decode_settings
from app.maps import figures as maps_figures
from app.maps import ids
from app.maps.layout import basin_counts, race_table
from app.maps.settings import (
    BASIN_GRID_RANGE,
    LINK_CONTROLS,
    axes_for,
    axis_options,
    basin_hyperparameters,
    check_time,
    grid_values,
    link_settings,
    map_meta,
    momentum_default,
    momentum_label,
    momentum_name,
    next_run,
    parse_grid,
    parse_map_request,
    parse_optimizer,
    parse_racers,
    parse_setup,
    parse_value,
    run_from_cell,
    timing_text,
    where_text,
)
from optimizers import maps


def link_states() -> dict:
    """The Maps panel's controls as ``State`` dependencies, for the callback that makes a link."""
    return {f"maps_{key}": State(*target) for key, target in LINK_CONTROLS.items()}


def _first_visit(tab: str, mode, current_tab, done) -> bool | None:
    """On a mode or tab change: compute only the first time this tab is shown (else ``None``:
    the trigger was the Compute button)."""
    if ctx.triggered_id in (setup_ids.MODE, ids.TAB):
        return mode == "maps" and current_tab == tab and done is None
    return None


def _setup_states() -> dict:
    return {
        "surface": State(setup_ids.SURFACE, "value"),
        "formula": State(setup_ids.FORMULA, "value"),
        "x": State(setup_ids.START_X, "value"),
        "y": State(setup_ids.START_Y, "value"),
        "steps": State(setup_ids.STEPS, "value"),
    }


def _triggers(button: str) -> dict:
    return {
        "clicks": Input(button, "n_clicks"),
        "mode": Input(setup_ids.MODE, "value"),
        "tab": Input(ids.TAB, "value"),
    }


def register(app) -> None:
    """Attach the Maps view's callbacks to ``app``."""
    _register_link(app)
    _register_controls(app)
    _register_map(app)
    _register_basins(app)
    _register_race(app)


def _register_link(app) -> None:
    @app.callback(
        output={key: Output(*target, allow_duplicate=True) for key, target in LINK_CONTROLS.items()}
        | {
            "disabled": Output(ids.BASIN_MOMENTUM, "disabled", allow_duplicate=True),
            "label": Output(ids.BASIN_MOMENTUM_LABEL, "children", allow_duplicate=True),
            "x_options": Output(ids.MAP_X, "options", allow_duplicate=True),
            "y_options": Output(ids.MAP_Y, "options", allow_duplicate=True),
            "error": Output(ids.MAP_ERROR, "children", allow_duplicate=True),
            "pending": Output(ids.BASIN_LINK, "data"),
        },
        inputs={"search": Input(setup_ids.URL, "search")},
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
        Output(ids.PANEL, "className"),
        Input(ids.TAB, "value"),
    )

    @app.callback(
        Output(ids.MAP_X, "options"),
        Output(ids.MAP_X, "value"),
        Output(ids.MAP_Y, "options"),
        Output(ids.MAP_Y, "value"),
        Input(ids.MAP_OPTIMIZER, "value"),
        State(ids.MAP_X, "value"),
        State(ids.MAP_Y, "value"),
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
        Output(ids.BASIN_LR, "value"),
        Output(ids.BASIN_MOMENTUM, "value"),
        Output(ids.BASIN_MOMENTUM, "disabled"),
        Output(ids.BASIN_MOMENTUM_LABEL, "children"),
        Output(ids.BASIN_LINK, "data", allow_duplicate=True),
        Input(ids.BASIN_OPTIMIZER, "value"),
        State(ids.BASIN_LINK, "data"),
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
            "figure": Output(ids.MAP_GRAPH, "figure"),
            "timing": Output(ids.MAP_TIMING, "children"),
            "error": Output(ids.MAP_ERROR, "children"),
            "meta": Output(ids.MAP_META, "data"),
        },
        inputs=_triggers(ids.MAP_COMPUTE),
        state={
            **_setup_states(),
            "optimizer": State(ids.MAP_OPTIMIZER, "value"),
            "x_param": State(ids.MAP_X, "value"),
            "y_param": State(ids.MAP_Y, "value"),
            "grid": State(ids.MAP_GRID, "value"),
            "metric": State(ids.MAP_METRIC, "value"),
            "meta": State(ids.MAP_META, "data"),
        },
        running=[(Output(ids.MAP_COMPUTE, "disabled"), True, False)],
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
            "figure": maps_figures.hyperparameter_map_figure(result),
            "timing": timing_text(n * n, steps, seconds, where_text(landscape, start)),
            "error": "",
            "meta": map_meta(result),
        }

    @app.callback(
        output={
            "runs": Output(explore_ids.RUNS, "children", allow_duplicate=True),
            "mode": Output(setup_ids.MODE, "value", allow_duplicate=True),
            "error": Output(ids.MAP_ERROR, "children", allow_duplicate=True),
        },
        inputs={"click": Input(ids.MAP_GRAPH, "clickData")},
        state={
            "meta": State(ids.MAP_META, "data"),
            "card_ids": State(RunCard.ids.card(ALL), "id"),
            "colors": State(RunCard.ids.color(ALL), "value"),
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
        patch.append(RunCard(index, spec))
        return {"runs": patch, "mode": "explore", "error": ""}


def _register_basins(app) -> None:
    @app.callback(
        output={
            "figure": Output(ids.BASIN_GRAPH, "figure"),
            "counts": Output(ids.BASIN_COUNTS, "children"),
            "timing": Output(ids.BASIN_TIMING, "children"),
            "error": Output(ids.BASIN_ERROR, "children"),
            "done": Output(ids.BASIN_DONE, "data"),
        },
        inputs=_triggers(ids.BASIN_COMPUTE),
        state={
            **_setup_states(),
            "optimizer": State(ids.BASIN_OPTIMIZER, "value"),
            "lr": State(ids.BASIN_LR, "value"),
            "momentum": State(ids.BASIN_MOMENTUM, "value"),
            "grid": State(ids.BASIN_GRID, "value"),
            "done": State(ids.BASIN_DONE, "data"),
        },
        running=[(Output(ids.BASIN_COMPUTE, "disabled"), True, False)],
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
            check_time(landscape, [(name, n * n)], steps, minima=True)
            began = time.perf_counter()
            result = maps.basins(landscape, name, steps, n, **hp)
            seconds = time.perf_counter() - began
        except ValueError as error:
            return {**nothing, "error": str(error)}
        figure = maps_figures.basin_figure(landscape, result)
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
            "figure": Output(ids.RACE_GRAPH, "figure"),
            "table": Output(ids.RACE_TABLE, "children"),
            "timing": Output(ids.RACE_TIMING, "children"),
            "error": Output(ids.RACE_ERROR, "children"),
            "done": Output(ids.RACE_DONE, "data"),
        },
        inputs=_triggers(ids.RACE_COMPUTE),
        state={
            **_setup_states(),
            "names": State(ids.RACE_OPTIMIZERS, "value"),
            "tol": State(ids.RACE_TOL, "value"),
            "done": State(ids.RACE_DONE, "data"),
        },
        running=[(Output(ids.RACE_COMPUTE, "disabled"), True, False)],
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
            "figure": maps_figures.tuning_figure(result.tunings),
            "table": race_table(result.race),
            "timing": timing_text(runs, steps, seconds, where_text(landscape, start)),
            "error": "",
            "done": True,
        }
