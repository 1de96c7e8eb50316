"""Thin callbacks: parse what the browser sent, call the engine through ``app.views``, return figures.

A bad value never reaches the engine: it gets a message next to its control, and every figure keeps
what it showed (``no_update``). Per-frame animation lives in assets/playback.js, not here.
"""

from __future__ import annotations

from collections import defaultdict

from dash import ALL, MATCH, ClientsideFunction, Input, Output, Patch, State, ctx, html, no_update

from app import ids, layout, views
from app.figures import loss_figure, runs_patch
from app.state import (
    MAX_RUNS,
    PALETTE,
    RunSpec,
    parse_run,
    parse_start,
    parse_steps,
    parse_surface,
)

FAVOURITES = ("sgd", "adam", "rmsprop", "adagrad", "nadam", "adamw", "lion", "newton")


def register(app) -> None:
    """Attach every callback to ``app``."""
    _register_setup(app)
    _register_runs(app)
    _register_compute(app)
    _register_browser(app)


# ------------------------------------------------------------------------------------- the setup


def _register_setup(app) -> None:
    @app.callback(
        Output(ids.START_X, "value"),
        Output(ids.START_Y, "value"),
        Output(ids.SURFACE_INFO, "children"),
        Input(ids.SURFACE, "value"),
        prevent_initial_call=True,
    )
    def set_surface(surface):
        """A new surface shows its formula and starts at its default point. (A click on the contour
        map sets the start in the browser: assets/playback.js.)"""
        try:
            landscape = parse_surface(surface)
        except ValueError:
            return no_update, no_update, no_update
        return landscape.start[0], landscape.start[1], layout.surface_info(landscape)


# ---------------------------------------------------------------------------------- the run cards


def _register_runs(app) -> None:
    @app.callback(
        Output(ids.RUNS, "children"),
        Input(ids.ADD_RUN, "n_clicks"),
        State(ids.run_optimizer(ALL), "id"),
        State(ids.run_optimizer(ALL), "value"),
        State(ids.run_color(ALL), "value"),
        State(ids.hp(ALL, "lr"), "value"),
        prevent_initial_call=True,
    )
    def add_run(_, optimizer_ids, optimizer_names, colors, lrs):
        """Append a card: the next favourite optimizer not yet shown, in an unused colour."""
        cards = [
            (i["run"], name)
            for i, name in zip(optimizer_ids, optimizer_names, strict=True)
            if i["run"] != "compare"
        ]
        if len(cards) >= MAX_RUNS:
            return no_update
        used = {name for _, name in cards}
        optimizer = next((n for n in FAVOURITES if n not in used), "sgd")
        color = next((c for c in PALETTE if c not in colors), PALETTE[len(cards) % len(PALETTE)])
        hp = {"lr": lrs[-1]} if lrs and isinstance(lrs[-1], (int, float)) and lrs[-1] > 0 else {}
        patch = Patch()
        patch.append(
            layout.run_card(max([r for r, _ in cards], default=-1) + 1, RunSpec(optimizer, hp, color))
        )
        return patch

    @app.callback(
        Output(ids.RUNS, "children", allow_duplicate=True),
        Input(ids.run_remove(ALL), "n_clicks"),
        State(ids.run_card(ALL), "id"),
        prevent_initial_call=True,
    )
    def remove_run(clicks, card_ids):
        """Remove the clicked card (the last one stays: there is always a run to watch)."""
        runs = [c["run"] for c in card_ids if c["run"] != "compare"]
        clicked = ctx.triggered_id
        if not isinstance(clicked, dict) or clicked.get("run") not in runs or len(runs) <= 1:
            return no_update
        if not any(clicks):
            return no_update
        patch = Patch()
        del patch[runs.index(clicked["run"])]
        return patch

    @app.callback(
        Output(ids.run_hyperparameters(MATCH), "children"),
        Input(ids.run_optimizer(MATCH), "value"),
        prevent_initial_call=True,
    )
    def switch_optimizer(name):
        """A new optimizer brings its own settings, at torch's defaults."""
        try:
            spec = RunSpec(name)
            return layout.hyperparameter_controls(ctx.triggered_id["run"], spec)
        except ValueError:
            return no_update


# ------------------------------------------------------------------------------------ the runs


def _register_compute(app) -> None:
    @app.callback(
        output={
            "surface": Output(ids.SURFACE_3D, "figure"),
            "contour": Output(ids.CONTOUR, "figure"),
            "compare": Output(ids.COMPARE, "figure"),
            "loss": Output(ids.LOSS, "figure"),
            "data": Output(ids.RUNS_DATA, "data"),
            "frame_max": Output(ids.FRAME, "max"),
            "status": Output(ids.STATUS, "children"),
            "setup_error": Output(ids.SETUP_ERROR, "children"),
            "compare_error": Output(ids.COMPARE_ERROR, "children"),
            "run_errors": Output(ids.run_error(ALL), "children"),
        },
        inputs={
            "surface": Input(ids.SURFACE, "value"),
            "x": Input(ids.START_X, "value"),
            "y": Input(ids.START_Y, "value"),
            "steps": Input(ids.STEPS, "value"),
            "mode": Input(ids.MODE, "value"),
            "loss_log": Input(ids.LOSS_LOG, "value"),
            "optimizers": Input(ids.run_optimizer(ALL), "value"),
            "colors": Input(ids.run_color(ALL), "value"),
            "hps": Input(ids.hp(ALL, ALL), "value"),
            "compare_lrs": Input(ids.COMPARE_LRS, "value"),
        },
        prevent_initial_call=True,
    )
    def compute_runs(surface, x, y, steps, mode, loss_log, optimizers, colors, hps, compare_lrs):
        """Validate everything, run the engine, and send figures: whole if the surface or the mode
        changed, else only the run traces."""
        grouping = ctx.args_grouping
        error_ids = [o["id"]["run"] for o in ctx.outputs_grouping["run_errors"]]
        errors = {}
        out = dict.fromkeys(("surface", "contour", "compare", "loss", "data", "frame_max"), no_update)
        out.update(status=no_update, setup_error="", compare_error="")
        mode = mode if mode in ("explore", "compare") else "explore"
        try:
            landscape = parse_surface(surface)
            start = parse_start(x, y)
            steps = parse_steps(steps)
        except ValueError as error:
            return {**out, "setup_error": str(error), "run_errors": [""] * len(error_ids)}
        runs, compare = _parse_cards(grouping, errors)
        if errors or (mode == "compare" and compare is None):
            return {**out, "run_errors": [errors.get(r, "") for r in error_ids]}
        try:
            outcome = views.compute(landscape, start, steps, mode, runs, compare, compare_lrs)
        except ValueError as error:
            key = "compare_error" if mode == "compare" else "setup_error"
            return {**out, key: str(error), "run_errors": [""] * len(error_ids)}
        return {**out, **_figures(outcome, bool(loss_log)), "run_errors": [""] * len(error_ids)}


def _parse_cards(grouping, errors: dict) -> tuple[list[RunSpec], RunSpec | None]:
    """The explore runs (in card order) and the compare card's run; bad cards go into ``errors``."""
    values = defaultdict(dict)
    for item in grouping["hps"]:
        values[item["id"]["run"]][item["id"]["name"]] = item["value"]
    colors = {item["id"]["run"]: item["value"] for item in grouping["colors"]}
    runs, compare = [], None
    for item in grouping["optimizers"]:
        run = item["id"]["run"]
        try:
            spec = parse_run(item["value"], values[run], colors.get(run))
        except ValueError as error:
            errors[run] = str(error)
            continue
        if run == "compare":
            compare = spec
        else:
            runs.append(spec)
    return runs, compare


def _figures(outcome: views.Outcome, loss_log: bool) -> dict:
    triggered = ctx.triggered_prop_ids
    whole = outcome.mode == "compare" or any(f"{key}.value" in triggered for key in (ids.SURFACE, ids.MODE))
    if whole:
        out = views.full_figures(outcome, loss_log)
    else:
        surface, contour = runs_patch(outcome.start, outcome.landscape, outcome.results)
        out = {
            "surface": surface,
            "contour": contour,
            "loss": loss_figure(outcome.landscape, outcome.results, loss_log),
        }
    messages = outcome.messages
    return {
        **out,
        "data": views.runs_data(outcome),
        "frame_max": outcome.steps,
        "status": html.Ul([html.Li(m) for m in messages]) if messages else "",
    }


# -------------------------------------------------------------------------- in the browser only


def _register_browser(app) -> None:
    app.clientside_callback(
        ClientsideFunction("descent", "syncLearningRate"),
        Output(ids.lr_slider(MATCH), "value"),
        Output(ids.hp(MATCH, "lr"), "value"),
        Input(ids.lr_slider(MATCH), "value"),
        Input(ids.hp(MATCH, "lr"), "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("descent", "modeClass"),
        Output("root", "className"),
        Input(ids.MODE, "value"),
    )
    app.clientside_callback(
        ClientsideFunction("descent", "speed"),
        Output(ids.TICKER, "interval"),
        Input(ids.SPEED, "value"),
    )
    app.clientside_callback(
        ClientsideFunction("descent", "playback"),
        Output(ids.FRAME, "value"),
        Output(ids.TICKER, "disabled"),
        Output(ids.PLAY, "children"),
        Input(ids.PLAY, "n_clicks"),
        Input(ids.TICKER, "n_intervals"),
        Input(ids.BACK, "n_clicks"),
        Input(ids.FORWARD, "n_clicks"),
        Input(ids.RESET, "n_clicks"),
        Input(ids.RUNS_DATA, "data"),
        State(ids.FRAME, "value"),
        State(ids.FRAME, "max"),
        State(ids.TICKER, "disabled"),
        State(ids.SPEED, "value"),
    )
    app.clientside_callback(
        ClientsideFunction("descent", "render"),
        Output(ids.STEP_LABEL, "children"),
        Input(ids.FRAME, "value"),
        Input(ids.RUNS_DATA, "data"),
    )
