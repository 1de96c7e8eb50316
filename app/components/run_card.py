"""The run card, a Dash All-in-One component: one run's colour, optimizer, learning rate (log slider
and exact box, with the stability hint 2/λ_max), its other hyperparameters, gradient options and
learning-rate schedule. ``RunCard(run, spec)`` places one; ``RunCard.ids`` are its pattern-matching ids
(``aio_id`` is the run's index, or "compare" for the card of the Compare view) and ``RunCard.register``
attaches its MATCH callbacks, all in this file.
"""

# ruff: noqa: E731  (the ids are lambdas, as in Dash's All-in-One pattern)

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from dash import ALL, MATCH, Input, Output, ctx, dcc, html, no_update

import optimizers
from app import ids
from app.components.controls import blank_figure, number
from app.figures_common import FONT, rounded
from app.model import COLOR_NAMES, PALETTE, RunSpec, format_number
from app.parsing import NONE_CHOICE, parse_start, parse_surface
from app.runs import RunResult
from landscapes.base import Landscape
from optimizers import maps, schedules
from optimizers.base import Hyperparameter

LR_SLIDER_RANGE = (-5.0, 1.0)  # log10 of the learning rate

#: The card's boxes send their value on Enter or on leaving the box (Dash's ``debounce=True``), not
#: after a pause in typing: a value typed just before pressing Play, exporting or switching view is
#: the one used (a pause timer would still be pending), and keystrokes do not recompute.
COMMIT = True


def _box(component_id, value, **options) -> dcc.Input:
    return number(component_id, value, debounce=COMMIT, **options)


#: The learning-rate slider (log10) and the exact box stay in step, in the browser. The box is a text
#: box (``app.components.controls.number``), so it holds what was typed: a string.
SYNC_LEARNING_RATE = """function (position, lr) {
  const noUpdate = window.dash_clientside.no_update;
  const triggered = (window.dash_clientside.callback_context || {}).triggered || [];
  if (triggered.some((t) => (t.prop_id || "").includes('"lr-slider"'))) {
    return typeof position === "number" ? [noUpdate, Number(Math.pow(10, position).toPrecision(3))]
                                        : [noUpdate, noUpdate];
  }
  const value = typeof lr === "string" && lr.trim() !== "" ? Number(lr) : lr;
  if (typeof value !== "number" || !(value > 0) || !isFinite(value)) {
    return [noUpdate, noUpdate];
  }
  return [Math.round(Math.log10(value) * 100) / 100, noUpdate];
}"""


def _id(subcomponent: str, run, **keys) -> dict:
    return {"component": "RunCard", "subcomponent": subcomponent, "aio_id": run, **keys}


class RunCard(html.Div):
    """One run's card: colour, optimizer, learning rate (log slider + exact box), the other settings.

    ``with_lr=False`` (the Compare view's card) leaves out the colour, the remove button and the
    learning rate, which the Compare view sets for each panel.
    """

    class ids:  # noqa: N801  (Dash's All-in-One convention: RunCard.ids.hp(run, name))
        card = lambda run: _id("run-card", run)
        optimizer = lambda run: _id("run-optimizer", run)
        color = lambda run: _id("run-color", run)
        remove = lambda run: _id("run-remove", run)
        hyperparameters = lambda run: _id("run-hyperparameters", run)
        error = lambda run: _id("run-error", run)
        #: A hyperparameter's number box / switch; ``name`` is torch's (``betas.0`` for β₁).
        hp = lambda run, name: _id("hp", run, name=name)
        lr_slider = lambda run: _id("lr-slider", run)
        lr_hint = lambda run: _id("lr-hint", run)  # the stability hint under the learning rate
        #: A run-level engine option: ``batch_size``, ``noise``, ``seed`` or ``scheduler``.
        option = lambda run, name: _id("run-option", run, name=name)
        #: An option of the run's learning-rate schedule (torch's keyword).
        schedule_option = lambda run, name: _id("schedule-option", run, name=name)
        schedule_options = lambda run: _id("schedule-options", run)
        lr_plot = lambda run: _id("lr-plot", run)

    @staticmethod
    def run_of(component_id) -> int | str | None:
        """The run one of these ids belongs to: a card's number or "compare"; ``None`` for an id no
        card has (a hand-made request), so that control is ignored."""
        run = component_id.get("aio_id") if isinstance(component_id, dict) else None
        if run == "compare" or (isinstance(run, int) and not isinstance(run, bool)):
            return run
        return None

    @staticmethod
    def register(app) -> None:
        """Attach the cards' MATCH callbacks (and the stability hints') to ``app``."""
        _register_switches(app)
        _register_hint(app)

    def __init__(self, run, spec: RunSpec, with_lr: bool = True):
        optimizer = optimizers.get(spec.optimizer)
        header = [
            dcc.Dropdown(
                id=RunCard.ids.optimizer(run),
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
                    id=RunCard.ids.color(run),
                    value=spec.color,
                    clearable=False,
                    searchable=False,
                    className="color",
                    options=[
                        {
                            "label": html.Span(className="swatch", style={"background": c}, title=name),
                            "value": c,
                        }
                        for c, name in zip(PALETTE, COLOR_NAMES, strict=True)
                    ],
                ),
            )
            header.append(
                html.Button(
                    "✕", id=RunCard.ids.remove(run), className="remove", n_clicks=0, title="Remove this run"
                )
            )
        children = [html.Div(className="card-head", children=header)]
        if with_lr:
            children.append(lr_control(run, spec.hyperparameters.get("lr", optimizer.spec("lr").default)))
        children += [
            html.Details(
                className="more",
                children=[
                    html.Summary("More settings"),
                    html.Div(
                        id=RunCard.ids.hyperparameters(run), children=hyperparameter_controls(run, spec)
                    ),
                    gradient_controls(run, spec.options),
                    schedule_controls(run, spec.options),
                ],
            ),
            html.Div(id=RunCard.ids.error(run), className="error", role="alert"),
        ]
        super().__init__(
            id=RunCard.ids.card(run),
            className="run-card",
            style={"--run-color": spec.color},
            children=children,
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
            _option(run, "batch_size", options.get("batch_size"), "batch size", BATCH_HELP),
            _option(run, "noise", options.get("noise", 0.0), "noise σ", NOISE_HELP),
            _option(run, "seed", options.get("seed", 0), "seed", SEED_HELP),
        ],
    )  # fmt: skip


def _option(run, name: str, value, label: str, help_text: str) -> html.Label:
    placeholder = "full batch" if name == "batch_size" else ""
    control = _box(RunCard.ids.option(run, name), value, placeholder=placeholder)
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
                id=RunCard.ids.option(run, "scheduler"), value=name, clearable=True, searchable=False,
                placeholder="constant (no schedule)",
                options=[{"label": schedules.get(n).title, "value": n} for n in schedules.names()],
            ),
            html.Div(id=RunCard.ids.schedule_options(run),
                     children=schedule_option_controls(run, name, options)),
            dcc.Graph(id=RunCard.ids.lr_plot(run), figure=blank_figure(), config={"staticPlot": True},
                      className="lr-plot", style={"display": "block" if name else "none"}),
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
    component_id = RunCard.ids.schedule_option(run, option.name)
    if option.kind == "bool":
        control = dcc.Checklist(
            id=component_id, options=[{"label": " on", "value": "on"}], value=["on"] if value else []
        )
    elif option.kind == "choice":
        control = dcc.Dropdown(id=component_id, value=value, clearable=False, searchable=False,
                               options=[{"label": c, "value": c} for c in option.choices])  # fmt: skip
    elif option.kind == "ints":
        text = ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value
        control = dcc.Input(id=component_id, type="text", value=text, debounce=COMMIT, className="text-input")
    else:
        control = _box(component_id, value, placeholder="auto")
    return html.Label(className="field", title=option.help,
                      children=[html.Span(option.name, className="field-label"), control])  # fmt: skip


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(exponent: int) -> str:
    """A short label for 10^exponent, as a log axis writes it: ``"10⁻⁵"``, ``"0.1"``, ``"1"``, ``"10"``
    (a narrow slider's marks must not run together: ``"1e-05"`` beside ``"0.001"`` did)."""
    if -1 <= exponent <= 1:
        return format_number(10.0**exponent)
    return "10" + str(exponent).translate(_SUPERSCRIPT)


def lr_control(run, lr: float) -> html.Div:
    lo, hi = LR_SLIDER_RANGE
    position = min(max(math.log10(lr), lo), hi) if lr > 0 else lo
    marks = {v: {"label": power_of_ten(v)} for v in range(int(lo), int(hi) + 1, 2)}
    return html.Div(
        className="lr-row",
        children=[
            html.Span("learning rate", className="field-label"),
            html.Div(
                className="lr-slider",
                children=dcc.Slider(
                    id=RunCard.ids.lr_slider(run),
                    min=lo,
                    max=hi,
                    step=0.01,
                    value=round(position, 2),
                    marks=marks,
                    updatemode="mouseup",
                ),
            ),
            _box(RunCard.ids.hp(run, "lr"), lr, class_name="number-input lr-box"),
            html.Div(id=RunCard.ids.lr_hint(run), className="hint lr-hint"),
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
            id=RunCard.ids.hp(run, h.name),
            options=[{"label": " on", "value": "on"}],
            value=["on"] if value else [],
            className="switch",
        )
        return html.Label(
            className="field", title=h.help, children=[html.Span(h.name, className="field-label"), control]
        )
    if h.kind == "choice":
        control = dcc.Dropdown(
            id=RunCard.ids.hp(run, h.name),
            value=NONE_CHOICE if value is None else value,
            clearable=False,
            searchable=False,
            options=[{"label": str(c), "value": NONE_CHOICE if c is None else c} for c in h.choices],
        )
        return html.Label(
            className="field", title=h.help, children=[html.Span(h.name, className="field-label"), control]
        )
    placeholder = h.none or ""  # an empty box means None: say what that is
    if h.kind == "pair":
        boxes = [
            _box(
                RunCard.ids.hp(run, f"{h.name}.{i}"),
                _shown(value[i]),
                placeholder=placeholder if i == 0 else "",
            )
            for i in range(2)
        ]
        return html.Label(
            className="field",
            title=h.help,
            children=[html.Span(h.name, className="field-label"), html.Div(boxes, className="pair")],
        )
    return html.Label(
        className="field",
        title=h.help,
        children=[
            html.Span(h.name, className="field-label"),
            _box(RunCard.ids.hp(run, h.name), _shown(value), placeholder=placeholder),
        ],
    )


def _shown(value):
    """A hyperparameter's value as its box shows it: None empty, an infinity as text (JSON has none)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isinf(value):
        return str(value)
    return value


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


def _register_hint(app) -> None:
    @app.callback(
        Output(RunCard.ids.lr_hint(ALL), "children"),
        Output(RunCard.ids.lr_hint(ALL), "title"),
        Input(ids.SURFACE, "value"),
        Input(ids.FORMULA, "value"),
        Input(ids.START_X, "value"),
        Input(ids.START_Y, "value"),
        Input(RunCard.ids.lr_hint(ALL), "id"),
    )
    def show_stability(surface, formula, x, y, hint_ids):
        """Every run card's hint: 2/λ_max at the start (empty while the start is not valid)."""
        try:
            text = stability_hint(parse_surface(surface, formula), parse_start(x, y))
        except ValueError:
            text = ""
        return [text] * len(hint_ids), [STABILITY_HELP if text else ""] * len(hint_ids)


def _triggering_card():
    """The run card whose control triggered this callback, or None for a request without one (a forged
    or malformed request: answered with no change, never a 500)."""
    trigger = ctx.triggered_id
    return trigger.get("aio_id") if isinstance(trigger, dict) else None


def _register_switches(app) -> None:
    @app.callback(
        Output(RunCard.ids.schedule_options(MATCH), "children"),
        Output(RunCard.ids.lr_plot(MATCH), "style"),
        Input(RunCard.ids.option(MATCH, "scheduler"), "value"),
        prevent_initial_call=True,
    )
    def switch_schedule(name):
        """A schedule brings its options (torch's defaults) and its lr-vs-step plot."""
        card = _triggering_card()
        if card is None:
            return no_update, no_update
        try:
            controls = schedule_option_controls(card, name, {})
        except ValueError:
            return no_update, no_update
        return controls, {"display": "block" if name else "none"}

    @app.callback(
        Output(RunCard.ids.hyperparameters(MATCH), "children"),
        Input(RunCard.ids.optimizer(MATCH), "value"),
        prevent_initial_call=True,
    )
    def switch_optimizer(name):
        """A new optimizer brings its own settings, at torch's defaults."""
        card = _triggering_card()
        if card is None:
            return no_update
        try:
            return hyperparameter_controls(card, RunSpec(name))
        except ValueError:
            return no_update

    app.clientside_callback(
        SYNC_LEARNING_RATE,
        Output(RunCard.ids.lr_slider(MATCH), "value"),
        Output(RunCard.ids.hp(MATCH, "lr"), "value"),
        Input(RunCard.ids.lr_slider(MATCH), "value"),
        Input(RunCard.ids.hp(MATCH, "lr"), "value"),
        prevent_initial_call=True,
    )


def lr_plot_figure(run: RunResult) -> go.Figure:
    """A small learning-rate-vs-step plot for a run card (the schedule as the engine applied it)."""
    lrs = np.asarray(run.lrs if run.lrs is not None else [], dtype=float)
    fig = go.Figure(
        go.Scatter(
            x=list(range(len(lrs))), y=rounded(lrs), mode="lines", line={"color": run.color, "width": 2}
        )
    )
    fig.update_layout(
        height=90, margin=dict(l=44, r=6, t=4, b=20), font=dict(FONT, size=11), showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="#ffffff",
        xaxis=dict(showgrid=False, zeroline=False),
        yaxis=dict(gridcolor="#e6e9f0", exponentformat="power", nticks=3),
    )  # fmt: skip
    return fig
