"""The shell's figures: the loss chart under Explore and Compare, every figure of a mode built whole,
and the data the browser's player needs. Pure: an outcome in, Plotly figures, patches and dicts out.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
from dash import Patch

from app.compare import figures as compare_figures
from app.explore import figures as explore_figures
from app.figures_common import (
    AUTO_TICKS,
    FONT,
    LEGEND_SIZE,
    ball,
    enlarge,
    ghost,
    log_ticks,
    on_white,
    padded_range,
    rounded,
)
from app.outcome import Outcome
from app.runs import RunResult
from landscapes.base import Landscape


def loss_figure(landscape: Landscape, results: list[RunResult], log: bool) -> go.Figure:
    """Loss against step for every run (a ✕ where one diverged), with a ball at the current step.

    On a log scale it shows loss − minimum (a log axis needs positive values); on a surface with no
    minimum the axis stays linear and its title says why.
    """
    traces, x_axis, y_axis = _loss_parts(landscape, results, log)
    fig = go.Figure(traces)
    fig.update_layout(
        font=FONT,
        margin=dict(l=64, r=12, t=30, b=44),  # the top margin holds the log-scale switch
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
        xaxis=dict(x_axis, title="step", gridcolor="#e6e9f0", zeroline=False),
        yaxis=dict(y_axis, gridcolor="#e6e9f0", exponentformat="power"),
        legend=LEGEND,
        hovermode="closest",
    )
    return fig


#: The legend sits right of the plot, never on the curves: one compact line per run (eight fit in the
#: chart's height; more scroll), and the plot area gives up the width it needs.
LEGEND = dict(
    x=1.01,
    xanchor="left",
    y=1.0,
    yanchor="top",
    font={"size": LEGEND_SIZE},
    itemwidth=30,
    tracegroupgap=0,
    bgcolor="rgba(0,0,0,0)",
)


def loss_patch(
    landscape: Landscape, results: list[RunResult], log: bool, unchanged: frozenset[int] = frozenset()
) -> Patch:
    """The loss chart's runs and axes only, as a ``Patch`` of ``loss_figure`` (same surface). The
    runs in ``unchanged`` are left out: the chart already draws them, on this scale, among as many
    runs."""
    ys = [_loss_values(landscape, run, log) for run in results]
    x_axis, y_axis = _loss_axes(landscape, ys, log)
    patch = Patch()
    if unchanged:
        data = patch["data"]
        for i, (run, y) in enumerate(zip(results, ys, strict=True)):
            if i not in unchanged:
                data[2 * i], data[2 * i + 1] = _loss_traces([run], [y])
    else:
        patch["data"] = _loss_traces(results, ys)
    patch["layout"]["xaxis"].update(x_axis)
    patch["layout"]["yaxis"].update(y_axis)
    return patch


def _can_log(landscape: Landscape, log: bool) -> bool:
    return log and landscape.min_value is not None


def _loss_parts(landscape: Landscape, results: list[RunResult], log: bool) -> tuple[list[dict], dict, dict]:
    """The loss chart's traces and its x and y axes, from each run's plotted values computed once."""
    ys = [_loss_values(landscape, run, log) for run in results]
    return _loss_traces(results, ys), *_loss_axes(landscape, ys, log)


def _loss_axes(landscape: Landscape, ys: list[np.ndarray], log: bool) -> tuple[dict, dict]:
    """The x and y axes' ranges (and the y axis' type and title) for the plotted values ``ys``.

    Ranges are computed here, not left to Plotly's autorange: a later update of the layout alone
    (projector fonts) while the balls are animating could leave Plotly with its empty-axis default.
    """
    steps = max((len(y) for y in ys), default=2) - 1
    x_axis = {"range": padded_range(0.0, max(steps, 1))}
    finite = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.empty(0)
    if _can_log(landscape, log):
        y_axis = {"title": {"text": "loss − min"}, "type": "log"}  # the box over it says "log scale"
        low, high = (np.log10(finite.min()), np.log10(finite.max())) if finite.size else (-1.0, 1.0)
        y_range = padded_range(float(low), float(high))
        return x_axis, {**y_axis, "range": y_range, **log_ticks(*y_range)}
    y_axis = {"title": {"text": "loss (no known minimum)" if log else "loss"}, "type": "linear"}
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return x_axis, {**y_axis, "range": padded_range(float(low), float(high)), **AUTO_TICKS}


def _loss_values(landscape: Landscape, run: RunResult, log: bool) -> np.ndarray:
    """What the loss chart plots for a run: the loss, or on a log scale loss − minimum (≥ 1e-16)."""
    if _can_log(landscape, log):
        return np.maximum(run.losses - landscape.min_value, 1e-16)
    return np.asarray(run.losses, dtype=float)


def _loss_traces(results: list[RunResult], ys: list[np.ndarray]) -> list[dict]:
    """Per run a line (``_ghost`` with the run's legend entry) and a ball; plain dicts, unvalidated."""
    traces = []
    for run, y in zip(results, ys, strict=True):
        run = replace(run, color=on_white(run.color))  # the chart is white: a white run drawn grey
        line = ghost("scatter", run, x=list(range(len(y))), y=rounded(y))
        line.update(
            opacity=1.0, name=run.label, showlegend=True, hovertemplate="step %{x}: %{y:.4g}<extra></extra>"
        )
        line["line"]["width"] = 3
        traces += [line, ball("scatter", run, size=12)]
    return traces


def full_figures(outcome: Outcome, loss_log: bool, present: bool = False) -> dict:
    """Every figure of the outcome's mode, built whole (used when the surface or the mode changes);
    with ``present``, in projector-sized type."""
    land, start, results = outcome.landscape, outcome.start, outcome.results
    out = {"loss": loss_figure(land, results, loss_log)}
    if outcome.mode == "compare":
        out["compare"] = compare_figures.compare_figure(land, start, results)
    else:
        out["surface"] = explore_figures.surface_figure(land, results)
        out["contour"] = explore_figures.contour_figure(land, start, results)
    return {name: enlarge(fig) for name, fig in out.items()} if present else out


def views_index(mode: str, results: list[RunResult]) -> dict:
    """For assets/playback.js: per figure, each run's [ghost, path, ball] trace indices (the loss
    chart has no path: [line, None, ball])."""
    view = compare_figures if mode == "compare" else explore_figures
    return {**view.views_index(results), "loss": [[2 * i, None, 2 * i + 1] for i in range(len(results))]}


def runs_data(outcome: Outcome) -> dict:
    """What assets/playback.js needs: which traces to animate, and the number of steps."""
    data = {
        "mode": outcome.mode,
        "steps": outcome.steps,
        "window": [list(axis) for axis in outcome.landscape.bounds],
        "views": views_index(outcome.mode, outcome.results),
    }
    if outcome.mode == "explore" and all(r.gradients is not None for r in outcome.results):
        # The runs the inspector can show; their details come only while it is open (app.shell.compute).
        data["inspector"] = [explore_figures.inspector_choice(r) for r in outcome.results]
    return data
