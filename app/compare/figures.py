"""Compare's figure: one small contour panel per learning rate, same surface and axes, each titled
with its rate and how it ended. Pure: landscape and run results in, a Plotly figure out.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.figures_common import (
    FONT,
    background,
    ball,
    ghost,
    link_panels,
    loss_hover,
    minima_trace,
    panel_axis,
    panel_grid,
    path,
    rounded,
    start_trace,
)
from app.model import format_number
from app.runs import RunResult
from landscapes.base import Landscape

PANEL_TRACES = 5  # per compare panel: minima, start, ghost, path, ball; then one hover per panel
TITLE_SIZE = 16


def compare_figure(landscape: Landscape, start, results: list[RunResult]) -> go.Figure:
    """One small contour panel per run (one learning rate each), same surface and axes."""
    count = max(1, len(results))
    cols = min(count, 4)
    rows = math.ceil(count / cols)
    titles = [_panel_title(run) for run in results]
    fig = make_subplots(  # a second row leaves room for its two-line titles under the first row's ticks
        rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.04, vertical_spacing=0.25
    )
    for i, run in enumerate(results):
        row, col = i // cols + 1, i % cols + 1
        for trace in (
            minima_trace(landscape),
            start_trace(start),
            ghost("scatter", run, x=rounded(run.points[:, 0]), y=rounded(run.points[:, 1])),
            path("scatter", run),
            ball("scatter", run, size=14),
        ):
            fig.add_trace(trace, row=row, col=col)
    for i in range(len(results)):  # after every panel's runs, so the player's trace indices stay put
        fig.add_trace(loss_hover(landscape, xaxis=panel_axis("x", i), yaxis=panel_axis("y", i)))
    (x0, x1), (y0, y1) = landscape.bounds
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(  # a width-bound panel sits at the top of its row, under its title
        range=[y0, y1], showgrid=False, zeroline=False, constrain="domain", constraintoward="top"
    )
    link_panels(fig, count, rows * cols, square=True)  # each panel keeps the map's aspect ratio
    fig.update_annotations(font={"size": TITLE_SIZE})
    fig.update_layout(
        images=[background(landscape, panel_axis("x", i), panel_axis("y", i)) for i in range(len(results))]
    )
    fig.update_layout(
        font=FONT,
        margin=dict(l=40, r=10, t=62, b=30),
        showlegend=False,
        hovermode="closest",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
        uirevision=landscape.name,
        meta={"grid": panel_grid(len(results), title=TITLE_SIZE, minTitle=12)},
    )
    return fig


def _panel_title(run: RunResult) -> str:
    lr = run.label.rsplit("lr ", 1)[-1]
    if run.diverged_at >= 0:
        return f"<b>lr {lr}</b><br><span style='color:#c62828'>diverged at step {run.diverged_at}</span>"
    if run.diverging_at >= 0:
        return f"<b>lr {lr}</b><br><span style='color:#c62828'>diverging from step {run.diverging_at}</span>"
    return f"<b>lr {lr}</b><br>final loss {format_number(run.losses[-1])}"


def views_index(results: list[RunResult]) -> dict:
    """For assets/playback.js: each panel's [ghost, path, ball] trace indices."""
    return {"compare": [[PANEL_TRACES * i + k for k in (2, 3, 4)] for i in range(len(results))]}
