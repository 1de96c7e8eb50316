"""Components only, no logic: the page, the run cards and their hyperparameter controls."""

from __future__ import annotations

import math

from dash import dcc, html

import landscapes
import optimizers
from app import ids, lessons, maps_view
from app.state import COLOR_NAMES, CUSTOM, PALETTE, RunSpec, format_number, parse_surface
from optimizers import schedules
from optimizers.base import Hyperparameter

FORMULA_HELP = "x, y, numbers, + − × ÷ ^, ( ), sin cos tan exp log sqrt abs tanh; plotted over −3 … 3."
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False}
LR_SLIDER_RANGE = (-5.0, 1.0)  # log10 of the learning rate
SPEEDS = ((7.5, "¼×"), (15, "½×"), (30, "1×"), (60, "2×"), (120, "4×"), (480, "16×"))  # steps per second


def page(settings: dict, figures: dict, runs_data: dict) -> html.Div:
    """The whole page for ``settings`` (see ``app.state``) with its first figures already drawn."""
    return html.Div(
        id="root",
        className=f"mode-{settings['mode']}",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            _header(settings["mode"]),
            html.Main(
                className="workspace", children=[_sidebar(settings), _views(settings, figures, runs_data)]
            ),
            dcc.Store(id=ids.RUNS_DATA, data=runs_data),
            dcc.Store(id=ids.PENDING_FRAME, data=None),
            dcc.Store(id=ids.VIEW_OPTIONS, data={"classroom": False}),
            dcc.Store(id=ids.SHARE_QUERY, data=None),
            dcc.Interval(id=ids.TICKER, interval=33, disabled=True),
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
                id=ids.MODE,
                value=mode,
                className="mode-switch",
                inline=True,
                options=[
                    {"label": "Explore", "value": "explore"},
                    {"label": "Compare learning rates", "value": "compare"},
                    {"label": "Maps", "value": "maps"},
                ],
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
            _section(
                "Surface",
                [
                    dcc.Dropdown(
                        id=ids.SURFACE,
                        value=landscape.name,
                        clearable=False,
                        searchable=False,
                        maxHeight=420,
                        options=[{"label": landscapes.get(n).title, "value": n} for n in landscapes.names()]
                        + [{"label": "Custom formula…", "value": CUSTOM}],
                    ),
                    html.Div(id=ids.SURFACE_INFO, className="surface-info", children=surface_info(landscape)),
                    html.Details(
                        className="more formula-box",
                        open=settings.get("surface") == CUSTOM,
                        children=[
                            html.Summary("Type your own surface"),
                            dcc.Input(
                                id=ids.FORMULA,
                                type="text",
                                value=settings.get("formula") or "",
                                debounce=True,
                                className="text-input",
                                placeholder="e.g. x^2 + 3*sin(y), then Enter",
                                maxLength=200,
                            ),
                            html.Div(FORMULA_HELP, className="hint"),
                            html.Div(id=ids.FORMULA_ERROR, className="error", role="alert"),
                        ],
                    ),
                ],
            ),
            _section(
                "Start and steps",
                [
                    html.Div(
                        className="field-row",
                        children=[
                            _labelled("x", _number(ids.START_X, start_x)),
                            _labelled("y", _number(ids.START_Y, start_y)),
                            _labelled("steps", _number(ids.STEPS, settings["steps"], step=1)),
                        ],
                    ),
                    html.Div("Tip: click the contour map to start there.", className="hint"),
                    html.Div(id=ids.SETUP_ERROR, className="error", role="alert"),
                ],
            ),
            _section(
                "Runs",
                class_name="explore-only",
                children=[
                    html.Div(
                        id=ids.RUNS, children=[run_card(i, spec) for i, spec in enumerate(settings["runs"])]
                    ),
                    html.Button("+ Add a run", id=ids.ADD_RUN, className="add-run", n_clicks=0),
                ],
            ),
            _section(
                "One optimizer, several learning rates",
                class_name="compare-only",
                children=[
                    _labelled(
                        "learning rates",
                        dcc.Input(
                            id=ids.COMPARE_LRS,
                            type="text",
                            value=settings["compare_lrs"],
                            debounce=0.6,
                            className="text-input",
                            placeholder="0.001, 0.01, 0.1 or 0.001:1:4",
                        ),
                    ),
                    html.Div(
                        "Comma-separated, or low:high:count for log-spaced values (at most 8).",
                        className="hint",
                    ),
                    html.Div(id=ids.COMPARE_ERROR, className="error", role="alert"),
                    html.Div(
                        id=ids.COMPARE_CARD, children=run_card("compare", settings["compare"], with_lr=False)
                    ),
                ],
            ),
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
            html.Div(
                id=ids.EXPLORE_VIEW,
                className="explore-view explore-only",
                children=[
                    _graph(ids.SURFACE_3D, figures.get("surface"), "graph-3d"),
                    _graph(ids.CONTOUR, figures.get("contour"), "graph-contour"),
                ],
            ),
            html.Div(
                id=ids.COMPARE_VIEW,
                className="compare-view compare-only",
                children=[
                    _graph(ids.COMPARE, figures.get("compare"), "graph-compare"),
                ],
            ),
            html.Div(id="maps-view", className="maps-view maps-only", children=maps_view.panel()),
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
                            _graph(ids.LOSS, figures.get("loss"), "graph-loss"),
                        ],
                    ),
                    html.Div(
                        className="inspector-panel explore-only",
                        children=[
                            html.Div(
                                className="inspector-head",
                                children=[
                                    html.H2("Step inspector"),
                                    dcc.Dropdown(
                                        id=ids.INSPECT_RUN,
                                        className="inspect-run",
                                        value=0,
                                        clearable=False,
                                        searchable=False,
                                        options=_inspect_options(runs_data),
                                    ),
                                ],
                            ),
                            html.Div(id=ids.INSPECTOR, className="inspector"),
                        ],
                    ),
                ],
            ),
        ],
    )


def _inspect_options(runs_data: dict) -> list[dict]:
    """The runs the step inspector can show (assets/playback.js keeps this list up to date)."""
    return [{"label": run["label"], "value": i} for i, run in enumerate(runs_data.get("inspector", []))]


def _graph(component_id: str, figure, class_name: str) -> dcc.Graph:
    return dcc.Graph(id=component_id, figure=figure or {}, config=GRAPH_CONFIG, className=class_name)


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
            html.Details(
                className="export",
                children=[
                    html.Summary("Export"),
                    html.Div(
                        className="export-panel",
                        children=[
                            html.Button("Picture (PNG)", id=ids.EXPORT_PNG, n_clicks=0),
                            html.Button("Trajectories (CSV)", id=ids.EXPORT_CSV, n_clicks=0),
                            html.Button("Trajectories (JSON)", id=ids.EXPORT_JSON, n_clicks=0),
                            html.Button("Animation (HTML, plays offline)", id=ids.EXPORT_HTML, n_clicks=0),
                        ],
                    ),
                ],
            ),
            dcc.Download(id=ids.DOWNLOAD),
        ],
    )


def _section(title: str, children: list, class_name: str = "") -> html.Section:
    return html.Section(className=f"panel {class_name}".strip(), children=[html.H2(title), *children])


def _labelled(label: str, control) -> html.Label:
    return html.Label(className="field", children=[html.Span(label, className="field-label"), control])


def _number(component_id, value, step="any", class_name="number-input") -> dcc.Input:
    """A number box. No min/max: the browser would send an out-of-range number as null (so the
    message would say "empty"); the server's check names the value and the allowed range instead."""
    return dcc.Input(
        id=component_id, type="number", value=value, step=step, debounce=0.6, className=class_name
    )


# ------------------------------------------------------------------------------------ run cards


def run_card(run, spec: RunSpec, with_lr: bool = True) -> html.Div:
    """One run's card: colour, optimizer, learning rate (log slider + exact box), the other settings."""
    optimizer = optimizers.get(spec.optimizer)
    header = [
        dcc.Dropdown(
            id=ids.run_optimizer(run),
            value=optimizer.name,
            clearable=False,
            searchable=False,
            className="optimizer",
            options=[{"label": optimizers.get(n).title, "value": n} for n in optimizers.names()],
        ),
    ]
    if with_lr:
        header.insert(
            0,
            dcc.Dropdown(
                id=ids.run_color(run),
                value=spec.color,
                clearable=False,
                searchable=False,
                className="color",
                options=[
                    {"label": html.Span(className="swatch", style={"background": c}, title=name), "value": c}
                    for c, name in zip(PALETTE, COLOR_NAMES, strict=True)
                ],
            ),
        )
        header.append(
            html.Button("✕", id=ids.run_remove(run), className="remove", n_clicks=0, title="Remove this run")
        )
    children = [html.Div(className="card-head", children=header)]
    if with_lr:
        children.append(lr_control(run, spec.hyperparameters.get("lr", optimizer.spec("lr").default)))
    children += [
        html.Details(
            className="more",
            children=[
                html.Summary("More settings"),
                html.Div(id=ids.run_hyperparameters(run), children=hyperparameter_controls(run, spec)),
                gradient_controls(run, spec.options),
                schedule_controls(run, spec.options),
            ],
        ),
        html.Div(id=ids.run_error(run), className="error", role="alert"),
    ]
    return html.Div(
        id=ids.run_card(run), className="run-card", style={"--run-color": spec.color}, children=children
    )


BATCH_HELP = "Examples per gradient on a data loss: 1 is stochastic, blank is the full batch."
NOISE_HELP = "Gaussian noise added to each gradient component (any surface)."
SEED_HELP = "Same seed, same batches and noise."


def gradient_controls(run, options: dict) -> html.Div:
    """Batch size (data losses), gradient noise and the seed of both."""
    return html.Div(
        className="hp-grid gradient",
        children=[
            html.Div("Gradient", className="subhead"),
            _option(run, "batch_size", options.get("batch_size"), "batch size", BATCH_HELP, step=1),
            _option(run, "noise", options.get("noise", 0.0), "noise σ", NOISE_HELP),
            _option(run, "seed", options.get("seed", 0), "seed", SEED_HELP, step=1),
        ],
    )  # fmt: skip


def _option(run, name: str, value, label: str, help_text: str, step="any") -> html.Label:
    placeholder = "full batch" if name == "batch_size" else ""
    control = dcc.Input(id=ids.run_option(run, name), type="number", value=value, step=step,
                        debounce=0.6, className="number-input", placeholder=placeholder)  # fmt: skip
    return html.Label(
        className="field", title=help_text, children=[html.Span(label, className="field-label"), control]
    )


def schedule_controls(run, options: dict) -> html.Div:
    """A learning-rate schedule (torch.optim.lr_scheduler) with its options and a small lr-vs-step plot."""
    name = options.get("scheduler")
    return html.Div(
        className="schedule",
        children=[
            html.Div("Learning-rate schedule", className="subhead"),
            dcc.Dropdown(
                id=ids.run_option(run, "scheduler"), value=name, clearable=True, searchable=False,
                placeholder="constant (no schedule)",
                options=[{"label": schedules.get(n).title, "value": n} for n in schedules.names()],
            ),
            html.Div(id=ids.schedule_options(run), children=schedule_option_controls(run, name, options)),
            dcc.Graph(id=ids.lr_plot(run), figure={}, config={"staticPlot": True}, className="lr-plot",
                      style={"display": "block" if name else "none"}),
        ],
    )  # fmt: skip


def schedule_option_controls(run, name, options: dict) -> list:
    if not name:
        return []
    schedule = schedules.get(name)
    given = options.get("scheduler_options") or {}
    rows = []
    for option in schedule.options:
        value = given.get(
            option.name, option.example if option.default in (None, schedules.REQUIRED) else option.default
        )
        rows.append(_schedule_option(run, option, value))
    return [html.Div(schedule.description, className="hint"), html.Div(className="hp-grid", children=rows)]


def _schedule_option(run, option, value) -> html.Label:
    component_id = ids.schedule_option(run, option.name)
    if option.kind == "bool":
        control = dcc.Checklist(
            id=component_id, options=[{"label": " on", "value": "on"}], value=["on"] if value else []
        )
    elif option.kind == "choice":
        control = dcc.Dropdown(id=component_id, value=value, clearable=False, searchable=False,
                               options=[{"label": c, "value": c} for c in option.choices])  # fmt: skip
    elif option.kind == "ints":
        text = ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value
        control = dcc.Input(id=component_id, type="text", value=text, debounce=0.6, className="text-input")
    else:
        step = 1 if option.kind == "int" else "any"
        control = dcc.Input(id=component_id, type="number", value=value, step=step,
                            debounce=0.6, className="number-input", placeholder="auto")  # fmt: skip
    return html.Label(className="field", title=option.help,
                      children=[html.Span(option.name, className="field-label"), control])  # fmt: skip


def lr_control(run, lr: float) -> html.Div:
    lo, hi = LR_SLIDER_RANGE
    position = min(max(math.log10(lr), lo), hi) if lr > 0 else lo
    marks = {v: {"label": format_number(10**v)} for v in range(int(lo), int(hi) + 1, 2)}
    return html.Div(
        className="lr-row",
        children=[
            html.Span("learning rate", className="field-label"),
            html.Div(
                className="lr-slider",
                children=dcc.Slider(
                    id=ids.lr_slider(run),
                    min=lo,
                    max=hi,
                    step=0.01,
                    value=round(position, 2),
                    marks=marks,
                    updatemode="mouseup",
                ),
            ),
            _number(ids.hp(run, "lr"), lr, class_name="number-input lr-box"),
            html.Div(id=maps_view.lr_hint(run), className="hint lr-hint"),
        ],
    )


def hyperparameter_controls(run, spec: RunSpec) -> list:
    """Controls for every hyperparameter but the learning rate, from the optimizer's spec."""
    optimizer = optimizers.get(spec.optimizer)
    values = {**optimizer.defaults, **spec.hyperparameters}
    rows = [_control(run, h, values[h.name]) for h in optimizer.hyperparameters if h.name != "lr"]
    return [html.Div(optimizer.description, className="hint"), html.Div(className="hp-grid", children=rows)]


def _control(run, h: Hyperparameter, value) -> html.Label:
    if h.kind == "bool":
        control = dcc.Checklist(
            id=ids.hp(run, h.name),
            options=[{"label": " on", "value": "on"}],
            value=["on"] if value else [],
            className="switch",
        )
        return html.Label(
            className="field", title=h.help, children=[html.Span(h.name, className="field-label"), control]
        )
    if h.kind == "pair":
        boxes = [_number(ids.hp(run, f"{h.name}.{i}"), value[i]) for i in range(2)]
        return html.Label(
            className="field",
            title=h.help,
            children=[html.Span(h.name, className="field-label"), html.Div(boxes, className="pair")],
        )
    return html.Label(
        className="field",
        title=h.help,
        children=[html.Span(h.name, className="field-label"), _number(ids.hp(run, h.name), value)],
    )
