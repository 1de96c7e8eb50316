"""The shell's callbacks, thin: open a link or a lesson (every control at once), make a share link,
export, and the browser-only ones (playback, projector, step label). Per-frame animation lives in
assets/playback.js, not here; the runs themselves are computed by ``app.shell.compute``.
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from app import clientside, lessons
from app import ids as setup_ids
from app.clientside import Clientside
from app.compare import ids as compare_ids
from app.components.run_card import RunCard
from app.explore import ids as explore_ids
from app.links import decode_settings, encode_settings, settings_from_json
from app.maps import callbacks as maps_callbacks
from app.maps import settings as maps_settings
from app.model import CUSTOM
from app.networks import callbacks as networks_callbacks
from app.networks import export as networks_export
from app.parsing import parse_surface
from app.shell import compute, export, layout
from app.shell import ids as shell_ids
from app.shell.compute import INSPECTED, RecentRuns, controls, outcome_of, settings_from_controls
from optimizers import budget


def register(app, recent: RecentRuns) -> None:
    """Attach the shell's callbacks, the compute of Explore and Compare, and the run cards' to
    ``app`` (each view attaches its own: ``app.main``). The compute, the step inspector and the
    exports keep and reuse Explore's runs in ``recent``."""
    _register_settings(app)
    compute.register(app, recent)
    RunCard.register(app)
    _register_share(app)
    _register_export(app, recent)
    _register_composed(app, recent)
    _register_browser(app)


def _register_settings(app) -> None:
    @app.callback(
        output={
            "surface": Output(setup_ids.SURFACE, "value"),
            "formula": Output(setup_ids.FORMULA, "value"),
            "formula_error": Output(setup_ids.FORMULA_ERROR, "children"),
            "x": Output(setup_ids.START_X, "value"),
            "y": Output(setup_ids.START_Y, "value"),
            "steps": Output(setup_ids.STEPS, "value"),
            "mode": Output(setup_ids.MODE, "value"),
            "runs": Output(explore_ids.RUNS, "children", allow_duplicate=True),
            "compare": Output(compare_ids.COMPARE_CARD, "children"),
            "compare_lrs": Output(compare_ids.COMPARE_LRS, "value"),
            "loss_log": Output(shell_ids.LOSS_LOG, "value"),
            "info": Output(setup_ids.SURFACE_INFO, "children"),
            "lesson_panel": Output(shell_ids.LESSON_PANEL, "children"),
            "pending_frame": Output(shell_ids.PENDING_FRAME, "data"),
            "view": Output(shell_ids.VIEW_OPTIONS, "data"),
            "present": Output(shell_ids.PRESENT, "value"),
            "inspect": Output(explore_ids.INSPECT_OPEN, "value"),
            "notice": Output(shell_ids.NOTICE, "children"),
        },
        inputs={
            "search": Input(setup_ids.URL, "search"),
            "lesson": Input(shell_ids.LESSON, "value"),
            "surface": Input(setup_ids.SURFACE, "value"),
            "formula": Input(setup_ids.FORMULA, "value"),
        },
        prevent_initial_call="initial_duplicate",
    )
    def apply_settings(search, lesson, surface, formula):
        """Open a share link or a lesson (every control at once), or start a new surface (or a newly
        typed formula) at its default point."""
        nothing = dict.fromkeys(apply_settings_keys, no_update)
        trigger = ctx.triggered_id
        if trigger in (setup_ids.SURFACE, setup_ids.FORMULA):
            if trigger == setup_ids.FORMULA:
                surface = CUSTOM
            try:
                landscape = parse_surface(surface, formula)
            except ValueError as error:
                return {**nothing, "formula_error": str(error) if surface == CUSTOM else ""}
            return {
                **nothing,
                "surface": landscape.name if trigger == setup_ids.FORMULA else no_update,
                "x": landscape.start[0],
                "y": landscape.start[1],
                "info": layout.surface_info(landscape),
                "formula_error": "",
            }
        try:
            if trigger == shell_ids.LESSON:
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
        "lesson_panel", "pending_frame", "view", "present", "inspect", "notice", "formula_error",
    )  # fmt: skip


def _controls_for(settings: dict) -> dict:
    """Every control's value for ``settings`` (validated by ``app.links``)."""
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
        "runs": [RunCard(i, spec) for i, spec in enumerate(settings["runs"])],
        "compare": RunCard("compare", settings["compare"], with_lr=False),
        "compare_lrs": settings["compare_lrs"],
        "loss_log": ["log"] if settings["loss_log"] else [],
        "info": layout.surface_info(landscape),
        "lesson_panel": layout.lesson_panel(lessons.get(lesson) if lesson in lessons.names() else None),
        "pending_frame": settings.get("step"),
        "view": {"classroom": settings.get("classroom", False)},
        "present": ["on"] if settings.get("present") else [],
        "inspect": ["on"] if settings.get("inspect") else [],
        "notice": "",
    }


def _without(states: dict, inputs: dict) -> dict:
    """``states`` but those that are ``inputs`` too (a value is an input or a state, not both)."""
    return {key: dep for key, dep in states.items() if key not in inputs}


def _register_share(app) -> None:
    @app.callback(
        output={
            "query": Output(shell_ids.SHARE_QUERY, "data"),
            "link": Output(shell_ids.SHARE_LINK, "value"),
        },
        inputs={
            "share": Input(shell_ids.SHARE, "n_clicks"),
            "classroom": Input(shell_ids.CLASSROOM, "value"),
            # New runs and play / pause: the address bar keeps the setup (assets/page.js). The runs'
            # small key, not their data: that would send ~1 MB back with every link.
            "runs": Input(shell_ids.RUNS_KEY, "data"),
            "playing": Input(shell_ids.PLAY, "children"),
            **networks_callbacks.link_triggers(),
        },
        state={
            "frame": State(shell_ids.FRAME, "value"),
            "lesson": State(shell_ids.LESSON, "value"),
            "present": State(shell_ids.PRESENT, "value"),
            "inspect": State(explore_ids.INSPECT_OPEN, "value"),
            **controls(State),
            **maps_callbacks.link_states(),
            **_without(networks_callbacks.link_states(), networks_callbacks.link_triggers()),
        },
        prevent_initial_call=True,
    )
    def make_link(share, classroom, runs, playing, frame, lesson, present, inspect, **values):
        """The query string of a link that reopens this view (the page adds its own address)."""
        settings, errors = settings_from_controls(ctx.args_grouping)
        if errors:
            return {
                "query": None,
                "link": "Fix the settings marked in red first: a link holds only valid settings.",
            }
        try:
            settings["maps"] = maps_settings.settings_of(values)
        except ValueError as error:
            return {
                "query": None,
                "link": f"Fix the Maps settings first ({error}): a link holds only valid ones.",
            }
        try:
            settings["networks"] = networks_callbacks.link_of(values, settings["mode"])
        except ValueError as error:
            return {
                "query": None,
                "link": f"Fix the Networks settings first ({error}): a link holds only valid ones.",
            }
        if settings.get("compare") is None or None in settings.get("runs", [None]):
            return {"query": None, "link": "This page's run cards could not be read: reload the page."}
        frame = frame if isinstance(frame, int) and 0 <= frame <= settings["steps"] else 0
        lesson = lesson if lesson in lessons.names() else None
        extra = {
            "step": frame,
            "lesson": lesson,
            "classroom": bool(classroom),
            "present": bool(present),
            "inspect": bool(inspect),
        }
        return {"query": encode_settings({**settings, **extra}), "link": no_update}


#: file extension -> (button, what goes in the file, from the outcome, its settings and the request's
#: CPU budget). CSV and JSON write at most 8 × 1001 points (≈ 0.02 s); the animation measures itself.
EXPORTS = {
    "csv": (shell_ids.EXPORT_CSV, lambda outcome, settings, _: export.trajectories_csv(outcome)),
    "json": (shell_ids.EXPORT_JSON, lambda outcome, settings, _: export.trajectories_json(outcome, settings)),
    "html": (shell_ids.EXPORT_HTML, lambda outcome, settings, cpu: export.animation_html(outcome, cpu)),
}


def _register_export(app, recent: RecentRuns) -> None:
    @app.callback(
        output={
            "download": Output(shell_ids.DOWNLOAD, "data"),
            "status": Output(shell_ids.STATUS, "children", allow_duplicate=True),
        },
        inputs={ext: Input(button, "n_clicks") for ext, (button, _) in EXPORTS.items()},
        state={**controls(State), **networks_callbacks.link_states()},
        prevent_initial_call=True,
    )
    def download(**values):
        """The current runs as a file: trajectories as CSV or JSON, or the animation as one HTML file.
        The runs (if not just computed) and the file share one CPU budget: past it, the status says
        what to change and nothing is downloaded."""
        cpu = budget.CpuBudget()
        ext = next((ext for ext, (button, _) in EXPORTS.items() if button == ctx.triggered_id), None)
        if ext is None or not ctx.triggered[0]["value"]:
            return {"download": no_update, "status": no_update}
        if values.get("mode") == "networks":  # the view's own files (its trainings' curves)
            return networks_export.download(ext, values)
        settings, errors = settings_from_controls(ctx.args_grouping)
        if errors:
            return {
                "download": no_update,
                "status": "Fix the settings marked in red first: nothing to export.",
            }
        try:
            outcome = outcome_of(settings, recent)
            text = EXPORTS[ext][1](outcome, settings, cpu)
        except ValueError as error:  # budget.WorkTooLargeError too
            return {"download": no_update, "status": f"Nothing to export: {error}"}
        return {"download": {"content": text, "filename": export.filename(outcome, ext)}, "status": no_update}


def _register_composed(app, recent: RecentRuns) -> None:
    @app.callback(
        output={
            "figure": Output(shell_ids.COMPOSED, "data"),
            "status": Output(shell_ids.STATUS, "children", allow_duplicate=True),
        },
        inputs={"clicks": Input(shell_ids.EXPORT_COMPOSED, "n_clicks")},
        state={"frame": State(shell_ids.FRAME, "value"), **controls(State)},
        prevent_initial_call=True,
    )
    def compose_picture(clicks, frame, **_):
        """One picture of the current step (``export.composed_figure``), for the browser to render as
        a PNG (assets/export_compose.js) and download."""
        if not clicks:
            return {"figure": no_update, "status": no_update}
        settings, errors = settings_from_controls(ctx.args_grouping)
        if errors:
            return {"figure": no_update, "status": "Fix the settings marked in red first: nothing to export."}
        cpu = budget.CpuBudget()  # the runs (if not just computed) and the picture share it
        step = frame if isinstance(frame, int) and not isinstance(frame, bool) else 0
        try:
            outcome = outcome_of(settings, recent)
            figure = export.composed_within(outcome, settings, step, cpu).to_plotly_json()
        except ValueError as error:  # budget.WorkTooLargeError too
            return {"figure": no_update, "status": f"Nothing to export: {error}"}
        width, height = export.COMPOSED_SIZE
        data = {
            "figure": figure,
            "filename": export.filename(outcome, "png"),
            "width": width,
            "height": height,
        }
        return {"figure": data, "status": no_update}


#: The shell's browser-only callbacks (assets/playback.js and export_compose.js), registered
#: in this order by ``_register_browser``.
BROWSER = (
    Clientside(
        "descent_export.downloadComposed",
        (Output(shell_ids.EXPORT_COMPOSED, "title"),),
        (Input(shell_ids.COMPOSED, "data"),),
        prevent_initial_call=True,
    ),
    Clientside(
        "descent.rootClass",
        (Output(shell_ids.ROOT, "className"),),
        (
            Input(setup_ids.MODE, "value"),
            Input(shell_ids.PRESENT, "value"),
            Input(shell_ids.VIEW_OPTIONS, "data"),
        ),
    ),
    Clientside(
        "descent.figureFonts",
        tuple(Output(shell_ids.GRAPHS[name], "figure", allow_duplicate=True) for name in shell_ids.GRAPHS),
        (Input(shell_ids.PRESENT, "value"),),
        prevent_initial_call=True,
    ),
    Clientside(
        "descent_model.fonts",
        (Output(explore_ids.MODEL, "figure", allow_duplicate=True),),
        (Input(shell_ids.PRESENT, "value"),),
        (State(explore_ids.MODEL, "figure"),),
        prevent_initial_call=True,
    ),
    Clientside(
        "descent.shareLink",
        (Output(shell_ids.SHARE_LINK, "value", allow_duplicate=True),),
        (Input(shell_ids.SHARE_QUERY, "data"),),
        prevent_initial_call=True,
    ),
    Clientside(
        "descent.downloadPicture",
        (Output(shell_ids.EXPORT_PNG, "title"),),
        (Input(shell_ids.EXPORT_PNG, "n_clicks"),),
        (State(setup_ids.MODE, "value"), State(setup_ids.SURFACE, "value")),
        prevent_initial_call=True,
    ),
    Clientside("descent.speed", (Output(shell_ids.SPEED, "title"),), (Input(shell_ids.SPEED, "value"),)),
    Clientside(
        "descent.playback",
        (
            Output(shell_ids.FRAME, "value"),
            Output(shell_ids.PLAY, "children"),
            Output(shell_ids.PENDING_FRAME, "data", allow_duplicate=True),
        ),
        (
            Input(shell_ids.PLAY, "n_clicks"),
            Input(shell_ids.BACK, "n_clicks"),
            Input(shell_ids.FORWARD, "n_clicks"),
            Input(shell_ids.RESET, "n_clicks"),
            Input(shell_ids.RUNS_DATA, "data"),
        ),
        (State(shell_ids.PENDING_FRAME, "data"),),
        prevent_initial_call="initial_duplicate",
    ),
    Clientside(
        "descent.render",
        (Output(shell_ids.STEP_LABEL, "children"), Output(explore_ids.INSPECTOR, "children")),
        (Input(shell_ids.FRAME, "value"), *INSPECTED, Input(explore_ids.INSPECT_DATA, "data")),
    ),
    Clientside(
        "descent.inspectChoices",
        (Output(explore_ids.INSPECT_RUN, "options"), Output(explore_ids.INSPECT_RUN, "value")),
        (Input(shell_ids.RUNS_DATA, "data"),),
        (State(explore_ids.INSPECT_RUN, "value"),),
        prevent_initial_call=True,
    ),
)


def _register_browser(app) -> None:
    clientside.register(app, BROWSER)
