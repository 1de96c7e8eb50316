"""The shell's components, no logic: the page around the views (header, sidebar setup, player bar,
loss chart, export), with each view's own parts placed from ``app.shell.views.VIEWS``."""

from __future__ import annotations

from dash import dcc, html

import landscapes
from app import ids as setup_ids
from app import lessons
from app.components.controls import export_menu, graph, labelled, number, section
from app.model import CUSTOM
from app.parsing import parse_surface
from app.shell import ids
from app.shell.views import VIEWS

FORMULA_HELP = "x, y, numbers, + − × ÷ ^, ( ), sin cos tan exp log sqrt abs tanh; plotted over −3 … 3."
SPEEDS = ((7.5, "¼×"), (15, "½×"), (30, "1×"), (60, "2×"), (120, "4×"), (480, "16×"))  # steps per second


def page(settings: dict, figures: dict, runs_data: dict) -> html.Div:
    """The whole page for ``settings`` (see ``app.model``) with its first figures already drawn."""
    return html.Div(
        id=ids.ROOT,
        className=f"mode-{settings['mode']}",
        children=[
            dcc.Location(id=setup_ids.URL, refresh=False),
            _header(settings["mode"]),
            html.Main(
                className="workspace", children=[_sidebar(settings), _views(settings, figures, runs_data)]
            ),
            dcc.Store(id=ids.RUNS_DATA, data=runs_data),
            dcc.Store(id=ids.RUNS_KEY, data={"window": runs_data.get("window"), "version": 0}),
            dcc.Store(id=ids.PENDING_FRAME, data=None),
            dcc.Store(id=ids.VIEW_OPTIONS, data={"classroom": False}),
            dcc.Store(id=ids.SHARE_QUERY, data=None),
        ],
    )


def _header(mode: str) -> html.Header:
    return html.Header(
        className="topbar",
        children=[
            html.Div(
                className="brand",
                children=[
                    html.Span("Descent", className="logo"),
                    html.Span("watch gradient descent roll", className="tagline"),
                ],
            ),
            dcc.Dropdown(
                id=ids.LESSON,
                className="lesson-menu",
                placeholder="Lessons…",
                maxHeight=520,
                clearable=True,
                searchable=False,
                options=[{"label": lesson.title, "value": lesson.name} for lesson in lessons.LESSONS],
            ),
            dcc.RadioItems(
                id=setup_ids.MODE,
                value=mode,
                className="mode-switch",
                inline=True,
                options=[{"label": view.TITLE, "value": view.MODE} for view in VIEWS],
            ),
            _share(),
            dcc.Checklist(
                id=ids.PRESENT,
                className="present-toggle",
                options=[{"label": "Projector", "value": "on"}],
                value=[],
            ),
            html.Button(
                "◐", id=ids.THEME, className="theme-toggle", title="Dark theme", **{"aria-label": "theme"}
            ),
        ],
    )


def _share() -> html.Details:
    """A link that reopens exactly what is shown (and, as a classroom link, without the controls)."""
    return html.Details(
        className="share",
        children=[
            html.Summary("Share", id=ids.SHARE, n_clicks=0),
            html.Div(
                className="share-panel",
                id=ids.SHARE_PANEL,
                children=[
                    html.Div("A link to exactly this view, at this step:", className="hint"),
                    html.Div(
                        className="share-row",
                        children=[
                            dcc.Input(id=ids.SHARE_LINK, type="text", readOnly=True, className="text-input"),
                            dcc.Clipboard(target_id=ids.SHARE_LINK, id=ids.SHARE_COPY, className="copy"),
                        ],
                    ),
                    dcc.Checklist(
                        id=ids.CLASSROOM,
                        options=[{"label": " classroom link: hide the controls", "value": "on"}],
                        value=[],
                    ),
                ],
            ),
        ],
    )


def _sidebar(settings: dict) -> html.Aside:
    landscape = parse_surface(settings["surface"], settings.get("formula"))
    start_x, start_y = settings["start"]
    return html.Aside(
        className="sidebar",
        children=[
            section(
                "Surface",
                [
                    dcc.Dropdown(
                        id=setup_ids.SURFACE,
                        value=landscape.name,
                        clearable=False,
                        searchable=False,
                        maxHeight=420,
                        options=[{"label": landscapes.get(n).title, "value": n} for n in landscapes.names()]
                        + [{"label": "Custom formula…", "value": CUSTOM}],
                    ),
                    html.Div(
                        id=setup_ids.SURFACE_INFO, className="surface-info", children=surface_info(landscape)
                    ),
                    html.Details(
                        className="more formula-box",
                        open=settings.get("surface") == CUSTOM,
                        children=[
                            html.Summary("Type your own surface"),
                            dcc.Input(
                                id=setup_ids.FORMULA,
                                type="text",
                                value=settings.get("formula") or "",
                                debounce=True,
                                className="text-input",
                                placeholder="e.g. x^2 + 3*sin(y), then Enter",
                                maxLength=200,
                            ),
                            html.Div(FORMULA_HELP, className="hint"),
                            html.Div(id=setup_ids.FORMULA_ERROR, className="error", role="alert"),
                        ],
                    ),
                ],
            ),
            section(
                "Start and steps",
                [
                    html.Div(
                        className="field-row",
                        children=[
                            labelled("x", number(setup_ids.START_X, start_x)),
                            labelled("y", number(setup_ids.START_Y, start_y)),
                            labelled("steps", number(setup_ids.STEPS, settings["steps"])),
                        ],
                    ),
                    html.Div("Tip: click the contour map to start there.", className="hint"),
                    html.Div(id=setup_ids.SETUP_ERROR, className="error", role="alert"),
                ],
            ),
            *[part for view in VIEWS for part in view.sidebar(settings)],
        ],
    )


def surface_info(landscape) -> list:
    return [html.Div(landscape.formula, className="formula"), html.P(landscape.description)]


def lesson_panel(lesson) -> list:
    if lesson is None:
        return []
    return [
        html.H2(lesson.title),
        html.P(lesson.text),
        html.P([html.Strong("Notice: "), lesson.notice], className="notice-line"),
    ]


def _views(settings: dict, figures: dict, runs_data: dict) -> html.Section:
    return html.Section(
        className="views",
        children=[
            html.Div(id=ids.NOTICE, className="error notice", role="alert"),
            html.Div(id=ids.LESSON_PANEL, className="lesson-panel", children=[]),
            *[view.panel(figures, runs_data) for view in VIEWS],
            _playback(settings["steps"]),
            html.Div(id=ids.STATUS, className="status", role="status"),
            html.Div(
                className="bottom-row",
                children=[
                    html.Div(
                        className="loss-panel",
                        children=[
                            dcc.Checklist(
                                id=ids.LOSS_LOG,
                                options=[{"label": " log scale", "value": "log"}],
                                value=["log"] if settings["loss_log"] else [],
                                className="loss-log",
                            ),
                            graph(ids.LOSS, figures.get("loss"), "graph-loss"),
                        ],
                    ),
                    *[part for view in VIEWS for part in view.bottom(runs_data)],
                ],
            ),
        ],
    )


def _playback(steps: int) -> html.Div:
    return html.Div(
        className="playback",
        children=[
            html.Button("‖ Pause", id=ids.PLAY, className="play", n_clicks=0, title="Play / pause (space)"),
            html.Button("◀", id=ids.BACK, className="step-button", n_clicks=0, title="Step back (←)"),
            html.Button("▶", id=ids.FORWARD, className="step-button", n_clicks=0, title="Step forward (→)"),
            html.Button(
                "⟲", id=ids.RESET, className="step-button", n_clicks=0, title="Back to the start (r)"
            ),
            html.Div(
                className="scrubber",
                children=dcc.Slider(
                    id=ids.FRAME,
                    min=0,
                    max=steps,
                    step=1,
                    value=0,
                    marks=None,
                    updatemode="drag",
                    tooltip={"placement": "top", "always_visible": False},
                    allow_direct_input=False,  # the step label beside it says the step
                ),
            ),
            html.Span("step 0", id=ids.STEP_LABEL, className="step-label"),
            dcc.Dropdown(
                id=ids.SPEED,
                value=30,
                clearable=False,
                searchable=False,
                className="speed",
                options=[{"label": label, "value": v} for v, label in SPEEDS],
            ),
            export_menu(
                [
                    ("Picture (PNG)", ids.EXPORT_PNG),
                    ("Picture with legend and settings (PNG)", ids.EXPORT_COMPOSED),
                    ("Trajectories (CSV)", ids.EXPORT_CSV),
                    ("Trajectories (JSON)", ids.EXPORT_JSON),
                    ("Animation (HTML, plays offline)", ids.EXPORT_HTML),
                ]
            ),
            dcc.Download(id=ids.DOWNLOAD),
            dcc.Store(id=ids.COMPOSED, data=None),
        ],
    )
