"""Thin callbacks: parse what the browser sent, call the engine through ``app.views``, return figures.

A bad value never reaches the engine: it gets a message next to its control, and every figure keeps
what it showed (``no_update``). Per-frame animation lives in assets/playback.js, not here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from dash import ALL, MATCH, ClientsideFunction, Input, Output, Patch, State, ctx, html, no_update

from app import export, ids, layout, lessons, maps_view, views
from app.figures import loss_patch, lr_plot_figure, runs_patch
from app.runs import RunError
from app.state import (
    CUSTOM,
    DEFAULT_COMPARE_LRS,
    MAX_RUNS,
    MODES,
    PALETTE,
    RunSpec,
    decode_settings,
    encode_settings,
    parse_lr_list,
    parse_options,
    parse_run,
    parse_start,
    parse_steps,
    parse_surface,
    settings_from_json,
)

FAVOURITES = ("sgd", "adam", "rmsprop", "adagrad", "nadam", "adamw", "lion", "newton")


def register(app) -> None:
    """Attach every callback to ``app``."""
    _register_settings(app)
    _register_runs(app)
    _register_compute(app)
    _register_share(app)
    _register_export(app)
    _register_browser(app)
    maps_view.register(app)


def _controls(kind) -> dict:
    """Every control that defines the runs, as ``Input`` or ``State`` dependencies."""
    return {
        "surface": kind(ids.SURFACE, "value"),
        "formula": kind(ids.FORMULA, "value"),
        "x": kind(ids.START_X, "value"),
        "y": kind(ids.START_Y, "value"),
        "steps": kind(ids.STEPS, "value"),
        "mode": kind(ids.MODE, "value"),
        "loss_log": kind(ids.LOSS_LOG, "value"),
        "optimizers": kind(ids.run_optimizer(ALL), "value"),
        "colors": kind(ids.run_color(ALL), "value"),
        "hps": kind(ids.hp(ALL, ALL), "value"),
        "compare_lrs": kind(ids.COMPARE_LRS, "value"),
        "options": kind(ids.run_option(ALL, ALL), "value"),
        "schedule": kind(ids.schedule_option(ALL, ALL), "value"),
    }


# ------------------------------------------------------------------------------ settings as a whole


def _register_settings(app) -> None:
    @app.callback(
        output={
            "surface": Output(ids.SURFACE, "value"),
            "formula": Output(ids.FORMULA, "value"),
            "formula_error": Output(ids.FORMULA_ERROR, "children"),
            "x": Output(ids.START_X, "value"),
            "y": Output(ids.START_Y, "value"),
            "steps": Output(ids.STEPS, "value"),
            "mode": Output(ids.MODE, "value"),
            "runs": Output(ids.RUNS, "children", allow_duplicate=True),
            "compare": Output(ids.COMPARE_CARD, "children"),
            "compare_lrs": Output(ids.COMPARE_LRS, "value"),
            "loss_log": Output(ids.LOSS_LOG, "value"),
            "info": Output(ids.SURFACE_INFO, "children"),
            "lesson_panel": Output(ids.LESSON_PANEL, "children"),
            "pending_frame": Output(ids.PENDING_FRAME, "data"),
            "view": Output(ids.VIEW_OPTIONS, "data"),
            "present": Output(ids.PRESENT, "value"),
            "notice": Output(ids.NOTICE, "children"),
        },
        inputs={
            "search": Input(ids.URL, "search"),
            "lesson": Input(ids.LESSON, "value"),
            "surface": Input(ids.SURFACE, "value"),
            "formula": Input(ids.FORMULA, "value"),
        },
        prevent_initial_call="initial_duplicate",
    )
    def apply_settings(search, lesson, surface, formula):
        """Open a share link or a lesson (every control at once), or start a new surface (or a newly
        typed formula) at its default point."""
        nothing = dict.fromkeys(apply_settings_keys, no_update)
        trigger = ctx.triggered_id
        if trigger in (ids.SURFACE, ids.FORMULA):
            if trigger == ids.FORMULA:
                surface = CUSTOM
            try:
                landscape = parse_surface(surface, formula)
            except ValueError as error:
                return {**nothing, "formula_error": str(error) if surface == CUSTOM else ""}
            return {
                **nothing,
                "surface": landscape.name if trigger == ids.FORMULA else no_update,
                "x": landscape.start[0],
                "y": landscape.start[1],
                "info": layout.surface_info(landscape),
                "formula_error": "",
            }
        try:
            if trigger == ids.LESSON:
                if lesson is None:
                    return {**nothing, "lesson_panel": []}
                settings = settings_from_json({**lessons.get(lesson).settings, "lesson": lesson})
            else:
                settings = decode_settings(search)
        except ValueError as error:
            return {
                **nothing,
                "notice": f"This link could not be opened: {error}. Showing the default setup.",
            }
        if settings is None:
            return nothing
        return _controls_for(settings)

    apply_settings_keys = (
        "surface", "formula", "x", "y", "steps", "mode", "runs", "compare", "compare_lrs", "loss_log", "info",
        "lesson_panel", "pending_frame", "view", "present", "notice", "formula_error",
    )  # fmt: skip


def _controls_for(settings: dict) -> dict:
    """Every control's value for ``settings`` (validated by ``app.state``)."""
    landscape = parse_surface(settings["surface"], settings.get("formula"))
    lesson = settings.get("lesson")
    return {
        "surface": landscape.name,
        "formula": settings.get("formula") or no_update,
        "formula_error": "",
        "x": settings["start"][0],
        "y": settings["start"][1],
        "steps": settings["steps"],
        "mode": settings["mode"],
        "runs": [layout.run_card(i, spec) for i, spec in enumerate(settings["runs"])],
        "compare": layout.run_card("compare", settings["compare"], with_lr=False),
        "compare_lrs": settings["compare_lrs"],
        "loss_log": ["log"] if settings["loss_log"] else [],
        "info": layout.surface_info(landscape),
        "lesson_panel": layout.lesson_panel(lessons.get(lesson) if lesson in lessons.names() else None),
        "pending_frame": settings.get("step"),
        "view": {"classroom": settings.get("classroom", False)},
        "present": ["on"] if settings.get("present") else [],
        "notice": "",
    }


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
        cards = [(_run_of(i), name) for i, name in zip(optimizer_ids, optimizer_names, strict=True)]
        cards = [(run, name) for run, name in cards if run not in (None, "compare")]
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
        Output(ids.schedule_options(MATCH), "children"),
        Output(ids.lr_plot(MATCH), "style"),
        Input(ids.run_option(MATCH, "scheduler"), "value"),
        prevent_initial_call=True,
    )
    def switch_schedule(name):
        """A schedule brings its options (torch's defaults) and its lr-vs-step plot."""
        try:
            controls = layout.schedule_option_controls(ctx.triggered_id["run"], name, {})
        except ValueError:
            return no_update, no_update
        return controls, {"display": "block" if name else "none"}

    @app.callback(
        Output(ids.run_hyperparameters(MATCH), "children"),
        Input(ids.run_optimizer(MATCH), "value"),
        prevent_initial_call=True,
    )
    def switch_optimizer(name):
        """A new optimizer brings its own settings, at torch's defaults."""
        try:
            return layout.hyperparameter_controls(ctx.triggered_id["run"], RunSpec(name))
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
            "lr_plots": Output(ids.lr_plot(ALL), "figure"),
        },
        inputs=_controls(Input),
        state={"previous": State(ids.RUNS_DATA, "data"), "present": State(ids.PRESENT, "value")},
        prevent_initial_call=True,
    )
    def compute_runs(previous, present, **_):
        """Validate everything, run the engine, and send figures: whole if the surface or the mode
        changed, else only the run traces."""
        error_ids = [_run_of(o["id"]) for o in ctx.outputs_grouping["run_errors"]]
        plot_ids = [_run_of(o["id"]) for o in ctx.outputs_grouping["lr_plots"]]
        figure_keys = ("surface", "contour", "compare", "loss", "data", "frame_max", "status")
        out = dict.fromkeys(figure_keys, no_update)
        out.update(setup_error="", compare_error="", run_errors=[""] * len(error_ids))
        out["lr_plots"] = [no_update] * len(plot_ids)
        settings, errors = settings_from_controls(ctx.args_grouping)
        if errors:
            return {**out, **_error_outputs(errors, error_ids)}
        try:
            outcome = _outcome(settings)
        except RunError as error:
            run = "compare" if settings["mode"] == "compare" else _explore_ids(ctx.args_grouping)[error.index]
            return {**out, **_error_outputs({run: str(error)}, error_ids)}
        except ValueError as error:
            key = "compare_error" if settings["mode"] == "compare" else "setup_error"
            return {**out, key: str(error)}
        out["lr_plots"] = _lr_plots(outcome, settings, _explore_ids(ctx.args_grouping), plot_ids)
        return {**out, **_figures(outcome, settings["loss_log"], previous, present == ["on"])}


def _lr_plots(outcome: views.Outcome, settings: dict, explore_ids: list, plot_ids: list) -> list:
    """Each card's learning-rate-vs-step plot (the compare card shows its first learning rate's).

    Only cards with a schedule get one: the others keep their plot hidden, so it is not rebuilt.
    """
    if outcome.mode == "compare":
        scheduled = outcome.results and settings["compare"].options.get("scheduler")
        plots = {"compare": lr_plot_figure(outcome.results[0])} if scheduled else {}
    else:
        pairs = zip(explore_ids, settings["runs"], outcome.results, strict=True)
        plots = {run: lr_plot_figure(result) for run, spec, result in pairs if spec.options.get("scheduler")}
    return [plots.get(run, no_update) for run in plot_ids]


def settings_from_controls(grouping) -> tuple[dict, dict]:
    """Settings from the controls' values (``ctx.args_grouping`` of ``_controls``), and the errors:
    ``{"setup": msg}``, ``{"compare_lrs": msg}`` or ``{run: msg}`` per bad run card."""
    value = lambda key: grouping[key]["value"]  # noqa: E731
    errors: dict = {}
    settings: dict = {"mode": value("mode") if value("mode") in MODES else "explore"}
    try:
        settings["surface"] = parse_surface(value("surface"), value("formula")).name
        settings["formula"] = value("formula") if settings["surface"] == CUSTOM else None
        settings["start"] = list(parse_start(value("x"), value("y")))
        settings["steps"] = parse_steps(value("steps"))
    except ValueError as error:
        errors["setup"] = str(error)
    settings["runs"], settings["compare"] = _parse_cards(grouping, errors)
    settings["compare_lrs"] = value("compare_lrs")
    try:
        parse_lr_list(settings["compare_lrs"])
    except ValueError as error:
        if settings["mode"] == "compare":
            errors["compare_lrs"] = str(error)
        else:  # the hidden box must not break a link or an export of what is shown
            settings["compare_lrs"] = DEFAULT_COMPARE_LRS
    settings["loss_log"] = bool(value("loss_log"))
    return settings, errors


def _error_outputs(errors: dict, error_ids: list) -> dict:
    return {
        "setup_error": errors.get("setup", ""),
        "compare_error": errors.get("compare_lrs", ""),
        "run_errors": [errors.get(r, "") for r in error_ids],
    }


def _run_of(component_id) -> int | str | None:
    """The run a pattern-matching id belongs to: a card's number or "compare"; ``None`` for an id no
    card of ours has (a hand-made request), so that control is ignored."""
    run = component_id.get("run") if isinstance(component_id, dict) else None
    if run == "compare" or (isinstance(run, int) and not isinstance(run, bool)):
        return run
    return None


def _explore_ids(grouping) -> list:
    runs = (_run_of(item["id"]) for item in grouping["optimizers"])
    return [run for run in runs if run not in (None, "compare")]


def _by_run(items) -> dict:
    """``{run: {name: value}}`` from the values of pattern-matching controls."""
    values = defaultdict(dict)
    for item in items:
        run, name = _run_of(item["id"]), item["id"].get("name")
        if run is not None and isinstance(name, str):
            values[run][name] = item["value"]
    return values


def _parse_cards(grouping, errors: dict) -> tuple[list[RunSpec], RunSpec | None]:
    """The explore runs (in card order) and the compare card's run; bad cards go into ``errors``."""
    values, options, schedule = (
        _by_run(grouping["hps"]),
        _by_run(grouping["options"]),
        _by_run(grouping["schedule"]),
    )
    colors = {_run_of(item["id"]): item["value"] for item in grouping["colors"]}
    runs, compare = [], None
    cards = [(_run_of(item["id"]), item["value"]) for item in grouping["optimizers"]]
    cards = [(run, name) for run, name in cards if run is not None]
    if sum(run != "compare" for run, _ in cards) > MAX_RUNS:
        errors["setup"] = f"At most {MAX_RUNS} runs at once: remove some run cards"
        return runs, compare
    for run, name in cards:
        try:
            spec = parse_run(name, values[run], colors.get(run))
            spec = replace(spec, options=parse_options(options[run], schedule[run]))
        except ValueError as error:
            errors[run] = str(error)
            continue
        if run == "compare":
            compare = spec
        else:
            runs.append(spec)
    return runs, compare


def _figures(outcome: views.Outcome, loss_log: bool, previous, present: bool) -> dict:
    """Whole figures if the surface, the mode or the window changed; else patches of the runs."""
    triggered = ctx.triggered_prop_ids
    data = views.runs_data(outcome)
    same_window = isinstance(previous, dict) and previous.get("window") == data["window"]
    whole = (
        outcome.mode == "compare"
        or not same_window
        or any(f"{key}.value" in triggered for key in (ids.SURFACE, ids.FORMULA, ids.MODE))
    )
    if whole:
        out = views.full_figures(outcome, loss_log, present)
    else:
        surface, contour = runs_patch(outcome.start, outcome.landscape, outcome.results)
        out = {
            "surface": surface,
            "contour": contour,
            "loss": loss_patch(outcome.landscape, outcome.results, loss_log),
        }
    messages = outcome.messages
    return {
        **out,
        "data": data,
        "frame_max": outcome.steps,
        "status": html.Ul([html.Li(m) for m in messages]) if messages else "",
    }


# ----------------------------------------------------------------------------------- share links


def _register_share(app) -> None:
    @app.callback(
        output={"query": Output(ids.SHARE_QUERY, "data"), "link": Output(ids.SHARE_LINK, "value")},
        inputs={
            "share": Input(ids.SHARE, "n_clicks"),
            "classroom": Input(ids.CLASSROOM, "value"),
            # New runs and play / pause: the address bar keeps the setup (assets/page.js)
            "runs": Input(ids.RUNS_DATA, "data"),
            "playing": Input(ids.PLAY, "children"),
        },
        state={
            "frame": State(ids.FRAME, "value"),
            "lesson": State(ids.LESSON, "value"),
            "present": State(ids.PRESENT, "value"),
            **_controls(State),
            **maps_view.link_states(),
        },
        prevent_initial_call=True,
    )
    def make_link(share, classroom, runs, playing, frame, lesson, present, **values):
        """The query string of a link that reopens this view (the page adds its own address)."""
        settings, errors = settings_from_controls(ctx.args_grouping)
        if errors:
            return {
                "query": None,
                "link": "Fix the settings marked in red first: a link holds only valid settings.",
            }
        try:
            settings["maps"] = maps_view.settings_of(values)
        except ValueError as error:
            return {
                "query": None,
                "link": f"Fix the Maps settings first ({error}): a link holds only valid ones.",
            }
        frame = frame if isinstance(frame, int) and 0 <= frame <= settings["steps"] else 0
        lesson = lesson if lesson in lessons.names() else None
        extra = {"step": frame, "lesson": lesson, "classroom": bool(classroom), "present": bool(present)}
        return {"query": encode_settings({**settings, **extra}), "link": no_update}


# ---------------------------------------------------------------------------------------- export

#: file extension -> (button, what goes in the file)
EXPORTS = {
    "csv": (ids.EXPORT_CSV, lambda outcome, settings: export.trajectories_csv(outcome)),
    "json": (ids.EXPORT_JSON, export.trajectories_json),
    "html": (ids.EXPORT_HTML, lambda outcome, settings: export.animation_html(outcome)),
}


def _register_export(app) -> None:
    @app.callback(
        output={
            "download": Output(ids.DOWNLOAD, "data"),
            "status": Output(ids.STATUS, "children", allow_duplicate=True),
        },
        inputs={ext: Input(button, "n_clicks") for ext, (button, _) in EXPORTS.items()},
        state=_controls(State),
        prevent_initial_call=True,
    )
    def download(**_):
        """The current runs as a file: trajectories as CSV or JSON, or the animation as one HTML file."""
        ext = next((ext for ext, (button, _) in EXPORTS.items() if button == ctx.triggered_id), None)
        if ext is None or not ctx.triggered[0]["value"]:
            return {"download": no_update, "status": no_update}
        settings, errors = settings_from_controls(ctx.args_grouping)
        if errors:
            return {
                "download": no_update,
                "status": "Fix the settings marked in red first: nothing to export.",
            }
        try:
            outcome = _outcome(settings)
        except ValueError as error:
            return {"download": no_update, "status": f"Nothing to export: {error}"}
        text = EXPORTS[ext][1](outcome, settings)
        return {"download": {"content": text, "filename": export.filename(outcome, ext)}, "status": no_update}


def _outcome(settings: dict) -> views.Outcome:
    landscape = parse_surface(settings["surface"], settings["formula"])
    return views.compute(
        landscape, settings["start"], settings["steps"], settings["mode"],
        settings["runs"], settings["compare"], settings["compare_lrs"],
    )  # fmt: skip


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
        ClientsideFunction("descent", "rootClass"),
        Output("root", "className"),
        Input(ids.MODE, "value"),
        Input(ids.PRESENT, "value"),
        Input(ids.VIEW_OPTIONS, "data"),
    )
    app.clientside_callback(
        ClientsideFunction("descent", "figureFonts"),
        [Output(ids.GRAPHS[name], "figure", allow_duplicate=True) for name in ids.GRAPHS],
        Input(ids.PRESENT, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("descent", "shareLink"),
        Output(ids.SHARE_LINK, "value", allow_duplicate=True),
        Input(ids.SHARE_QUERY, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("descent", "downloadPicture"),
        Output(ids.EXPORT_PNG, "title"),
        Input(ids.EXPORT_PNG, "n_clicks"),
        State(ids.MODE, "value"),
        State(ids.SURFACE, "value"),
        prevent_initial_call=True,
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
        Output(ids.PENDING_FRAME, "data", allow_duplicate=True),
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
        State(ids.PENDING_FRAME, "data"),
        prevent_initial_call="initial_duplicate",
    )
    app.clientside_callback(
        ClientsideFunction("descent", "render"),
        Output(ids.STEP_LABEL, "children"),
        Output(ids.INSPECTOR, "children"),
        Input(ids.FRAME, "value"),
        Input(ids.RUNS_DATA, "data"),
        Input(ids.INSPECT_RUN, "value"),
    )
    app.clientside_callback(
        ClientsideFunction("descent", "inspectChoices"),
        Output(ids.INSPECT_RUN, "options"),
        Output(ids.INSPECT_RUN, "value"),
        Input(ids.RUNS_DATA, "data"),
        State(ids.INSPECT_RUN, "value"),
        prevent_initial_call=True,
    )
