"""The runs of Explore and Compare, computed: the controls in, every figure those views show out
(whole, or a ``Patch`` of the runs when only they changed), with the messages about the runs.

Thin: ``settings_from_controls`` checks what the browser sent (``app.parsing``), ``app.outcome`` runs
the engine, the views' ``figures`` modules and ``app.shell.figures`` draw. A bad value never reaches
the engine: it gets a message next to its control, and every figure keeps what it showed.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from dataclasses import replace

import numpy as np
from dash import ALL, Input, Output, State, ctx, html, no_update

from app import clientside
from app import ids as setup_ids
from app import outcome as outcomes
from app.clientside import Clientside
from app.compare import ids as compare_ids
from app.components.controls import blank_figure
from app.components.run_card import RunCard, lr_plot_figure
from app.explore import dataview
from app.explore import ids as explore_ids
from app.explore.figures import inspector_data, runs_patch, slot_fingerprints
from app.explore.layout import view_class
from app.figures_common import enlarge
from app.model import CUSTOM, DEFAULT_COMPARE_LRS, MAX_RUNS, MODES, RunSpec
from app.parsing import parse_lr_list, parse_options, parse_run, parse_start, parse_steps, parse_surface
from app.runs import RunError, RunResult
from app.shell import figures
from app.shell import ids as shell_ids


def register(app, recent: RecentRuns) -> None:
    """Attach the compute callback and the step inspector's to ``app``; both keep and reuse Explore's
    runs in ``recent`` (the app's)."""
    _register_compute(app, recent)
    _register_inspect(app, recent)


def controls(kind) -> dict:
    """Every control that defines the runs, as ``Input`` or ``State`` dependencies."""
    return {
        "surface": kind(setup_ids.SURFACE, "value"),
        "formula": kind(setup_ids.FORMULA, "value"),
        "x": kind(setup_ids.START_X, "value"),
        "y": kind(setup_ids.START_Y, "value"),
        "steps": kind(setup_ids.STEPS, "value"),
        "mode": kind(setup_ids.MODE, "value"),
        "loss_log": kind(shell_ids.LOSS_LOG, "value"),
        "optimizers": kind(RunCard.ids.optimizer(ALL), "value"),
        "colors": kind(RunCard.ids.color(ALL), "value"),
        "hps": kind(RunCard.ids.hp(ALL, ALL), "value"),
        "compare_lrs": kind(compare_ids.COMPARE_LRS, "value"),
        "options": kind(RunCard.ids.option(ALL, ALL), "value"),
        "schedule": kind(RunCard.ids.schedule_option(ALL, ALL), "value"),
    }


#: What the step inspector follows, in the order assets/playback.js's ``inspectRequest`` and ``render``
#: take it: whether it is open, the run chosen, and the runs drawn.
INSPECTED = (
    Input(explore_ids.INSPECT_OPEN, "value"),
    Input(explore_ids.INSPECT_RUN, "value"),
    Input(shell_ids.RUNS_DATA, "data"),
)


def _register_compute(app, recent: RecentRuns) -> None:
    @app.callback(
        output={
            "surface": Output(explore_ids.SURFACE_3D, "figure"),
            "contour": Output(explore_ids.CONTOUR, "figure"),
            "compare": Output(compare_ids.COMPARE, "figure"),
            "loss": Output(shell_ids.LOSS, "figure"),
            "data": Output(shell_ids.RUNS_DATA, "data"),
            "key": Output(shell_ids.RUNS_KEY, "data"),
            "frame_max": Output(shell_ids.FRAME, "max"),
            "status": Output(shell_ids.STATUS, "children"),
            "setup_error": Output(setup_ids.SETUP_ERROR, "children"),
            "compare_error": Output(compare_ids.COMPARE_ERROR, "children"),
            "run_errors": Output(RunCard.ids.error(ALL), "children"),
            "lr_plots": Output(RunCard.ids.lr_plot(ALL), "figure"),
            "model": Output(explore_ids.MODEL, "figure"),
            "model_view": Output(explore_ids.EXPLORE_VIEW, "className"),
        },
        inputs=controls(Input),
        # The previous runs' small key (their window), never their data: the request stays small.
        state={"previous": State(shell_ids.RUNS_KEY, "data"), "present": State(shell_ids.PRESENT, "value")},
        prevent_initial_call=True,
    )
    def compute_runs(previous, present, **_):
        """Validate everything, run the engine, and send figures: whole if the surface or the mode
        changed, else only the run traces."""
        error_ids = [RunCard.run_of(o["id"]) for o in ctx.outputs_grouping["run_errors"]]
        plot_ids = [RunCard.run_of(o["id"]) for o in ctx.outputs_grouping["lr_plots"]]
        figure_keys = (
            "surface",
            "contour",
            "compare",
            "loss",
            "data",
            "key",
            "frame_max",
            "status",
            "model",
            "model_view",
        )
        out = dict.fromkeys(figure_keys, no_update)
        out.update(setup_error="", compare_error="", run_errors=[""] * len(error_ids))
        out["lr_plots"] = [no_update] * len(plot_ids)
        settings, errors = settings_from_controls(ctx.args_grouping)
        if errors:
            return {**out, **_error_outputs(errors, error_ids)}
        try:
            outcome = outcome_of(settings, recent)
        except RunError as error:
            run = "compare" if settings["mode"] == "compare" else _explore_ids(ctx.args_grouping)[error.index]
            return {**out, **_error_outputs({run: str(error)}, error_ids)}
        except ValueError as error:
            key = "compare_error" if settings["mode"] == "compare" else "setup_error"
            return {**out, key: str(error)}
        out["lr_plots"] = _lr_plots(outcome, settings, _explore_ids(ctx.args_grouping), plot_ids)
        out.update(_figures(outcome, settings["loss_log"], previous, present == ["on"]))
        return {**out, **_model_view(outcome, settings["runs"], out["data"], present == ["on"])}


def _model_view(outcome: outcomes.Outcome, specs: list[RunSpec], data: dict, present: bool) -> dict:
    """Explore's Model view of a data surface (``app.explore.dataview``): its figure, shown or not,
    and what moves on it, added to the runs data ``data``."""
    if outcome.mode != "explore":
        return {}
    if not dataview.has_model(outcome.landscape):
        return {"model": blank_figure(), "model_view": view_class(False)}
    data["model"] = dataview.model_data(outcome.landscape, outcome.results, specs)
    figure = dataview.model_figure(outcome.landscape, outcome.results)
    return {"model": enlarge(figure) if present else figure, "model_view": view_class(True)}


def _lr_plots(outcome: outcomes.Outcome, settings: dict, run_ids: list, plot_ids: list) -> list:
    """Each card's learning-rate-vs-step plot (the compare card shows its first learning rate's).

    Only cards with a schedule get one: the others keep their plot hidden, so it is not rebuilt.
    """
    if outcome.mode == "compare":
        scheduled = outcome.results and settings["compare"].options.get("scheduler")
        plots = {"compare": lr_plot_figure(outcome.results[0])} if scheduled else {}
    else:
        pairs = zip(run_ids, settings["runs"], outcome.results, strict=True)
        plots = {run: lr_plot_figure(result) for run, spec, result in pairs if spec.options.get("scheduler")}
    return [plots.get(run, no_update) for run in plot_ids]


def settings_from_controls(grouping) -> tuple[dict, dict]:
    """Settings from the controls' values (``ctx.args_grouping`` of ``controls``), and the errors:
    ``{"setup": msg}``, ``{"formula": msg}`` (shown by the formula box itself), ``{"compare_lrs":
    msg}`` or ``{run: msg}`` per bad run card."""
    value = lambda key: grouping[key]["value"]  # noqa: E731
    errors: dict = {}
    settings: dict = {"mode": value("mode") if value("mode") in MODES else "explore"}
    try:
        settings["surface"] = parse_surface(value("surface"), value("formula")).name
    except ValueError as error:
        # A formula's error is shown once, under the formula box (``apply_settings``), not here too.
        errors["formula" if value("surface") == CUSTOM else "setup"] = str(error)
    try:
        settings["formula"] = value("formula") if settings.get("surface") == CUSTOM else None
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


def _explore_ids(grouping) -> list:
    runs = (RunCard.run_of(item["id"]) for item in grouping["optimizers"])
    return [run for run in runs if run not in (None, "compare")]


def _by_run(items) -> dict:
    """``{run: {name: value}}`` from the values of pattern-matching controls."""
    values = defaultdict(dict)
    for item in items:
        run = RunCard.run_of(item["id"])  # None for an id of the wrong type (a forged request)
        name = item["id"].get("name") if run is not None else None
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
    colors = {RunCard.run_of(item["id"]): item["value"] for item in grouping["colors"]}
    runs, compare = [], None
    cards = [(RunCard.run_of(item["id"]), item["value"]) for item in grouping["optimizers"]]
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


def _figures(outcome: outcomes.Outcome, loss_log: bool, previous, present: bool) -> dict:
    """Whole figures if the surface, the mode or the window changed (``previous``: the shown runs'
    ``RUNS_KEY``); else patches of the runs."""
    triggered = ctx.triggered_prop_ids
    data = figures.runs_data(outcome)
    key = runs_key(data, previous)
    same_window = isinstance(previous, dict) and previous.get("window") == key["window"]
    whole = (
        outcome.mode == "compare"
        or not same_window
        or any(f"{key}.value" in triggered for key in (setup_ids.SURFACE, setup_ids.FORMULA, setup_ids.MODE))
    )
    if outcome.mode == "explore":
        key.update(slots=slot_fingerprints(outcome.landscape, outcome.results), log=bool(loss_log))
    if whole:
        out = figures.full_figures(outcome, loss_log, present)
    else:
        unchanged, unchanged_losses = _unchanged_slots(previous, key, len(outcome.results))
        surface, contour = runs_patch(outcome.start, outcome.landscape, outcome.results, unchanged)
        out = {
            "surface": surface,
            "contour": contour,
            "loss": figures.loss_patch(outcome.landscape, outcome.results, loss_log, unchanged_losses),
        }
    messages = outcome.messages
    return {
        **out,
        "data": data,
        "key": key,
        "frame_max": outcome.steps,
        "status": html.Ul([html.Li(m) for m in messages]) if messages else "",
    }


def _unchanged_slots(previous: dict, key: dict, runs: int) -> tuple[frozenset[int], frozenset[int]]:
    """The run slots whose traces the browser's figures already hold (``previous``: the key it sent,
    ``key``: the new one): on the maps, and of the first ``runs``, on the loss chart (only if it draws
    as many runs, on the same scale)."""
    shown = previous.get("slots")
    if not isinstance(shown, list) or "slots" not in key:
        return frozenset(), frozenset()
    unchanged = frozenset(i for i, (a, b) in enumerate(zip(key["slots"], shown, strict=False)) if a == b)
    drawn = sum(1 for slot in shown if slot)
    same_chart = drawn == runs and all(shown[:runs]) and previous.get("log") == key["log"]
    return unchanged, (frozenset(i for i in unchanged if i < runs) if same_chart else frozenset())


def runs_key(data: dict, previous=None) -> dict:
    """The ``RUNS_KEY`` of new runs data: its window, and the version after ``previous``'s (in
    Explore ``_figures`` adds each run slot's fingerprint, ``slots``: the traces the figures hold)."""
    version = previous.get("version") if isinstance(previous, dict) else None
    version = version + 1 if isinstance(version, int) and 0 <= version < 2**31 else 1
    return {"window": data["window"], "version": version}


def outcome_of(settings: dict, recent: RecentRuns) -> outcomes.Outcome:
    landscape = parse_surface(settings["surface"], settings["formula"])
    if settings["mode"] != "explore":
        return outcomes.compute(
            landscape, settings["start"], settings["steps"], settings["mode"],
            settings["runs"], settings["compare"], settings["compare_lrs"],
        )  # fmt: skip
    results = explore_results(landscape, settings, settings["runs"], recent)
    start, view = tuple(settings["start"]), outcomes.view_landscape(landscape, settings["start"])
    return outcomes.Outcome("explore", view, start, settings["steps"], results)


#: How many runs a worker keeps (``RecentRuns``).
RECENT_RUNS = 256


class RecentRuns:
    """Explore's last ``size`` runs by everything that defines one (surface, start, steps, its card),
    shared by a worker's threads: a change to one card leaves the other runs as they were, so they are
    not run again, and the step inspector's details of a run just drawn cost no engine time. At most
    8 × 1000 steps a run: ≲ 100 KB each. One per app (``app.main.create_app``)."""

    def __init__(self, size: int = RECENT_RUNS):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _run_key(settings: dict, spec: RunSpec) -> str:
    what = [settings["surface"], settings["formula"], settings["start"], settings["steps"]]
    return json.dumps([*what, spec.optimizer, spec.hyperparameters, spec.options, spec.color], default=repr)


def explore_results(landscape, settings: dict, specs: list[RunSpec], recent: RecentRuns) -> list[RunResult]:
    """The runs ``specs`` on ``landscape`` from ``settings``' start and steps: those in ``recent`` as
    they were, the others through ``outcomes.compute`` (its time check covers only those), then kept."""
    keys = [_run_key(settings, spec) for spec in specs]
    results = [recent.get(key) for key in keys]
    missing = [i for i, result in enumerate(results) if result is None]
    if missing:
        start, steps, todo = settings["start"], settings["steps"], [specs[i] for i in missing]
        try:
            fresh = outcomes.compute(landscape, start, steps, "explore", todo, None, "").results
        except RunError as error:
            raise RunError(missing[error.index], str(error)) from None
        for i, result in zip(missing, fresh, strict=True):
            results[i] = _read_only(result)
            recent.put(keys[i], results[i])
    return results


def _read_only(result: RunResult) -> RunResult:
    """``result`` with its arrays made read-only: a kept run is shared by later requests."""
    arrays = (result.points, result.losses, result.gradients, result.lrs, *(result.states or {}).values())
    for value in arrays:
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return result


def _register_inspect(app, recent: RecentRuns) -> None:
    """The step inspector's details (every step of the one run it shows), fetched only while it is
    open: a compute sends each run's label and fingerprint alone (``figures.runs_data``)."""
    request = Clientside(
        "descent.inspectRequest",
        (Output(explore_ids.INSPECT_REQUEST, "data"),),
        INSPECTED,
        prevent_initial_call=True,
    )
    clientside.register(app, [request])

    @app.callback(
        output=Output(explore_ids.INSPECT_DATA, "data"),
        inputs={"request": Input(explore_ids.INSPECT_REQUEST, "data")},
        state=controls(State),
        prevent_initial_call=True,
    )
    def inspect(request, **_):
        """The details of run ``request["run"]`` as the controls set it up now, with its fingerprint:
        the page shows them only while its runs data holds that same run."""
        run = request.get("run") if isinstance(request, dict) else None
        if not isinstance(run, int) or isinstance(run, bool):
            return no_update
        settings, errors = settings_from_controls(ctx.args_grouping)
        if errors or settings["mode"] != "explore" or not 0 <= run < len(settings["runs"]):
            return no_update
        try:
            landscape = parse_surface(settings["surface"], settings["formula"])
            (result,) = explore_results(landscape, settings, [settings["runs"][run]], recent)
        except ValueError:  # refused (its card says why, from the compute)
            return no_update
        return {"run": run, **inspector_data(result)}
