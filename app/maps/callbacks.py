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


def _register_compute(app, name: str, button: str, outputs: dict, state: dict, compute) -> None:
    """Tab ``name``'s Compute callback: ``outputs`` (key -> component id; their ``figure``, ``data`` or
    ``children``, as ``_PROPS`` says), ``state`` its own controls besides the sidebar's. On the
    button, or the first time the tab is shown (``done``: the tab's store of that), ``compute(**values)``
    gives every output, or a ``ValueError`` whose message goes under the tab's controls."""

    @app.callback(
        output={key: Output(target, _PROPS.get(key, "children")) for key, target in outputs.items()},
        inputs=_triggers(button),
        state={**_setup_states(), **state},
        running=[(Output(button, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def compute_tab(clicks, mode, tab, **values):  # keywords: the keys of ``_triggers``
        nothing = dict.fromkeys(outputs, no_update)
        if _first_visit(name, mode, tab, values["done"]) is False:
            return nothing
        try:
            return compute(**values)
        except ValueError as error:
            return {**nothing, "error": str(error)}


#: The property of each output key of ``_register_compute`` (any other key: ``children``).
_PROPS = {"figure": "figure", "done": "data"}


def _timed(work, *args, **kwargs):
    """``(work(*args, **kwargs), seconds it took)``."""
    began = time.perf_counter()
    result = work(*args, **kwargs)
    return result, time.perf_counter() - began


def _register_map(app) -> None:
    def compute_map(surface, formula, x, y, steps, optimizer, x_param, y_param, grid, metric, done):
        """The loss of one run per cell (one batched engine call), as a heatmap."""
        landscape, start, steps = parse_setup(surface, formula, x, y, steps)
        request = parse_map_request(optimizer, x_param, y_param, grid, metric)
        name, n, x_param, y_param = (request[k] for k in ("optimizer", "n", "x_param", "y_param"))
        xs, ys = grid_values(name, x_param, n), grid_values(name, y_param, n)
        check_time(landscape, [(name, n * n)], steps)
        metric = request["metric"]
        result, seconds = _timed(
            maps.hyperparameter_map, landscape, name, start, steps, x_param, xs, y_param, ys, metric
        )
        return {
            "figure": maps_figures.hyperparameter_map_figure(result),
            "timing": timing_text(n * n, steps, seconds, where_text(landscape, start)),
            "error": "",
            "done": map_meta(result),  # what a click on a cell needs to know
        }

    _register_compute(
        app,
        "map",
        ids.MAP_COMPUTE,
        {"figure": ids.MAP_GRAPH, "timing": ids.MAP_TIMING, "error": ids.MAP_ERROR, "done": ids.MAP_META},
        {
            "optimizer": State(ids.MAP_OPTIMIZER, "value"),
            "x_param": State(ids.MAP_X, "value"),
            "y_param": State(ids.MAP_Y, "value"),
            "grid": State(ids.MAP_GRID, "value"),
            "metric": State(ids.MAP_METRIC, "value"),
            "done": State(ids.MAP_META, "data"),
        },
        compute_map,
    )

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
    def compute_basins(surface, formula, x, y, steps, optimizer, lr, momentum, grid, done):
        """Which minimum each start of an n × n grid ends at (one batched engine call)."""
        landscape, _, steps = parse_setup(surface, formula, x, y, steps)
        name = parse_optimizer(optimizer)
        hp = basin_hyperparameters(name, lr, momentum)
        n = parse_grid(grid, BASIN_GRID_RANGE)
        check_time(landscape, [(name, n * n)], steps, minima=True)
        result, seconds = _timed(maps.basins, landscape, name, steps, n, **hp)
        figure = maps_figures.basin_figure(landscape, result)
        figure.update_layout(showlegend=False)  # the counts beside it are the legend, with numbers
        return {
            "figure": figure,
            "counts": basin_counts(result),
            "timing": timing_text(n * n, steps, seconds, where_text(landscape)),
            "error": "",
            "done": True,
        }

    _register_compute(
        app,
        "basins",
        ids.BASIN_COMPUTE,
        {
            "figure": ids.BASIN_GRAPH,
            "counts": ids.BASIN_COUNTS,
            "timing": ids.BASIN_TIMING,
            "error": ids.BASIN_ERROR,
            "done": ids.BASIN_DONE,
        },
        {
            "optimizer": State(ids.BASIN_OPTIMIZER, "value"),
            "lr": State(ids.BASIN_LR, "value"),
            "momentum": State(ids.BASIN_MOMENTUM, "value"),
            "grid": State(ids.BASIN_GRID, "value"),
            "done": State(ids.BASIN_DONE, "data"),
        },
        compute_basins,
    )


def _register_race(app) -> None:
    def compute_race(surface, formula, x, y, steps, names, tol, done):
        """Tune each optimizer's lr from the start, then race them with it (``fair_comparison``)."""
        landscape, start, steps = parse_setup(surface, formula, x, y, steps)
        names = parse_racers(names)
        tol = parse_value(tol, "tol")
        racers = maps.TUNING_POINTS + 1 + maps.RACE_RANDOM_STARTS  # tuning lrs, then the starts
        check_time(landscape, [(name, racers) for name in names], steps)
        result, seconds = _timed(maps.fair_comparison, landscape, names, start, steps, tol=tol)
        runs = sum(len(t.lrs) for t in result.tunings) + len(result.race.starts) * len(names)
        return {
            "figure": maps_figures.tuning_figure(result.tunings),
            "table": race_table(result.race),
            "timing": timing_text(runs, steps, seconds, where_text(landscape, start)),
            "error": "",
            "done": True,
        }

    _register_compute(
        app,
        "race",
        ids.RACE_COMPUTE,
        {
            "figure": ids.RACE_GRAPH,
            "table": ids.RACE_TABLE,
            "timing": ids.RACE_TIMING,
            "error": ids.RACE_ERROR,
            "done": ids.RACE_DONE,
        },
        {
            "names": State(ids.RACE_OPTIMIZERS, "value"),
            "tol": State(ids.RACE_TOL, "value"),
            "done": State(ids.RACE_DONE, "data"),
        },
        compute_race,
    )
