"""Pure figure builders for maps (``optimizers.maps``): results in, Plotly figures or table rows out.

Same look as ``app.figures_common``: its font, Viridis for losses, the cached contour image as the
background of maps over the window, and red for what diverged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

import optimizers
from app.figures_common import COLORSCALE, FONT, background, minima_trace
from app.model import RunSpec, format_number
from landscapes.base import Landscape
from optimizers.maps import (
    DIVERGED,
    NOT_CONVERGED,
    OTHER_MINIMUM,
    BasinMap,
    HyperparameterMap,
    RaceTable,
    Tuning,
)

DIVERGED_COLOR = "#c62828"
NOT_CONVERGED_COLOR = "#8a93a6"
OTHER_MINIMUM_COLOR = "#c8a27a"
#: One colour per minimum's basin: distinct from each other, from the diverged red and from grey.
BASIN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#e377c2", "#17becf", "#bcbd22", "#8c564b")
#: Lines of the learning-rate search, one per optimizer.
LINE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
BASIN_OPACITY = 0.6
#: log₁₀ of what a log axis shows for a loss exactly at the minimum.
FLOOR = 1e-16

#: How the engine's names read on an axis.
PARAM_LABELS = {"lr": "learning rate (lr)", "betas.0": "β₁ (betas[0])", "betas.1": "β₂ (betas[1])"}
_LAYOUT = dict(font=FONT, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="#ffffff", hovermode="closest")


def param_label(param: str) -> str:
    return PARAM_LABELS.get(param, param.replace("_", " "))


def _short(param: str) -> str:
    return {"betas.0": "β₁", "betas.1": "β₂"}.get(param, param)


# ---------------------------------------------------------------------------- hyperparameter map


def hyperparameter_map_figure(m: HyperparameterMap) -> go.Figure:
    """Heatmap of log₁₀ of the loss over the two hyperparameters.

    Traces: ``[loss, diverged, best, diverged legend key]``. The loss layer shows
    log₁₀(loss − minimum) (the loss itself, on a linear colour scale, for a surface without a
    minimum). Diverged cells are a solid red layer of their own; a star marks the lowest loss.
    Every cell's ``customdata`` is ``[x value, y value, loss, diverged_at]`` with the exact
    hyperparameter values (``m.hyperparameters_at(x, y)`` turns a click into a run).
    """
    x_edges, y_edges = _edges(m.x_values, m.x_log), _edges(m.y_values, m.y_log)
    colour, colour_title = _map_colour(m)
    custom = _cell_data(m)
    sx, sy = _short(m.x_param), _short(m.y_param)
    what = "best loss" if m.metric == "best" else "final loss"
    loss = go.Heatmap(
        x=x_edges,
        y=y_edges,
        z=_rounded_grid(colour),
        customdata=custom,
        colorscale=COLORSCALE,
        colorbar=dict(title=dict(text=colour_title, side="right"), thickness=14),
        hoverongaps=False,
        name=what,
        hovertemplate=(
            f"{sx} %{{customdata[0]:.4g}}<br>{sy} %{{customdata[1]:.4g}}<br>"
            f"{what} %{{customdata[2]:.4g}}<extra></extra>"
        ),
    )
    diverged = go.Heatmap(
        x=x_edges,
        y=y_edges,
        z=np.where(m.diverged, 1.0, np.nan).tolist(),
        customdata=custom,
        colorscale=[[0, DIVERGED_COLOR], [1, DIVERGED_COLOR]],
        zmin=0,
        zmax=1,
        showscale=False,
        hoverongaps=False,
        name="diverged",
        legendgroup="diverged",
        hovertemplate=(
            f"{sx} %{{customdata[0]:.4g}}<br>{sy} %{{customdata[1]:.4g}}<br>"
            "diverged at step %{customdata[3]}<extra></extra>"
        ),
    )
    key = _legend_key("diverged", DIVERGED_COLOR, opacity=1.0)
    fig = go.Figure([loss, diverged, _best_cell(m, sx, sy, what), key])
    optimizer = optimizers.get(m.optimizer).title
    fig.update_layout(
        **_LAYOUT,
        margin=dict(l=72, r=12, t=40, b=56),
        title=dict(text=f"{optimizer}: {what} after {m.steps} steps", font={"size": 16}, x=0.01),
        xaxis=dict(title=param_label(m.x_param), type="log" if m.x_log else "linear", showgrid=False),
        yaxis=dict(title=param_label(m.y_param), type="log" if m.y_log else "linear", showgrid=False),
        showlegend=True,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        uirevision=f"{m.landscape}/{m.optimizer}/{m.x_param}/{m.y_param}",
    )
    return fig


def _map_colour(m: HyperparameterMap) -> tuple[np.ndarray, str]:
    """What the colours show: log₁₀(loss − min) (floored at ``FLOOR``), or the loss itself."""
    if m.min_value is None:
        return m.loss, "loss"
    gap = np.maximum(m.loss - m.min_value, FLOOR)  # NaN (diverged) stays NaN
    return np.log10(gap), "log₁₀(loss − min)"


def _cell_data(m: HyperparameterMap) -> list:
    """``(ny, nx, 4)`` as nested lists: exact x and y values, the loss (None if diverged), the step."""
    ny, nx = m.loss.shape
    xs = m.x_values.tolist()
    ys = m.y_values.tolist()
    losses = m.loss.tolist()
    steps = m.diverged_at.tolist()
    return [[[xs[j], ys[i], _finite(losses[i][j]), steps[i][j]] for j in range(nx)] for i in range(ny)]


def _best_cell(m: HyperparameterMap, sx: str, sy: str, what: str) -> go.Scatter:
    """A star on the cell with the lowest loss (no marker if every run diverged)."""
    ranked = np.where(np.isnan(m.loss), np.inf, m.loss)
    if not np.isfinite(ranked).any():
        x, y, custom = [], [], []
    else:
        i, j = np.unravel_index(np.argmin(ranked), ranked.shape)
        x, y = [float(m.x_values[j])], [float(m.y_values[i])]
        custom = [[x[0], y[0], float(m.loss[i, j]), -1]]
    return go.Scatter(
        x=x,
        y=y,
        customdata=custom,
        mode="markers",
        name="lowest loss",
        marker={"symbol": "star", "size": 16, "color": "white", "line": {"color": "#1d2433", "width": 1.5}},
        hovertemplate=(
            f"lowest {what}<br>{sx} %{{customdata[0]:.4g}}<br>{sy} %{{customdata[1]:.4g}}<br>"
            "loss %{customdata[2]:.4g}<extra></extra>"
        ),
    )


def _edges(values: np.ndarray, log: bool) -> list[float]:
    """Cell edges around sorted-or-not grid values: midpoints (geometric on a log axis), the ends
    mirrored, so every cell is centred on its value and the exact values stay in ``customdata``."""
    v = np.log10(values) if log else np.asarray(values, dtype=np.float64)
    if len(v) == 1:
        half = 0.5 if log else max(abs(float(v[0])) * 0.1, 0.5)
        edges = np.array([v[0] - half, v[0] + half])
    else:
        mid = (v[1:] + v[:-1]) / 2
        edges = np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])
    return (10.0**edges if log else edges).tolist()


# ------------------------------------------------------------------------------------------ basins


def basin_label(b: BasinMap, label: int) -> str:
    """``minimum (3, 2)``, ``local minimum (0.96, 0)``, ``another local minimum``, ``not converged``
    or ``diverged``."""
    words = {DIVERGED: "diverged", NOT_CONVERGED: "not converged", OTHER_MINIMUM: "another local minimum"}
    if label in words:
        return words[label]
    x, y = b.minima[label]
    return f"{'minimum' if label < b.n_global else 'local minimum'} ({x:.3g}, {y:.3g})"


def basin_color(label: int) -> str:
    """A basin's colour: one per listed minimum, then fixed ones for the other labels."""
    fixed = {DIVERGED: DIVERGED_COLOR, NOT_CONVERGED: NOT_CONVERGED_COLOR, OTHER_MINIMUM: OTHER_MINIMUM_COLOR}
    return fixed.get(label) or BASIN_COLORS[label % len(BASIN_COLORS)]


def basin_figure(landscape: Landscape, b: BasinMap) -> go.Figure:
    """Which minimum each start point ends in, over the contour map.

    Traces: one translucent heatmap layer per minimum's basin (in ``landscape.minima`` order), then
    "not converged" and "diverged"; then a legend key for each of them, in the same order; then
    the minima as stars. A cell's ``customdata`` is ``[start x, start y, final x, final y,
    diverged_at]`` (a click can start a run there).
    """
    labels = b.kinds()
    colors = [basin_color(label) for label in labels]
    custom = _basin_data(b)
    names = [basin_label(b, label) for label in labels]
    layers = [
        _basin_layer(b, label, name, color, custom)
        for label, name, color in zip(labels, names, colors, strict=True)
    ]
    keys = [_legend_key(name, color) for name, color in zip(names, colors, strict=True)]
    fig = go.Figure([*layers, *keys, minima_trace(landscape)])
    (x0, x1), (y0, y1) = landscape.bounds
    optimizer = RunSpec(b.optimizer, dict(b.hyperparameters)).label()
    fig.update_layout(
        **_LAYOUT,
        margin=dict(l=56, r=12, t=40, b=48),
        title=dict(text=f"{optimizer}: where each start ends after {b.steps} steps", font={"size": 16}),
        images=[background(landscape)],
        showlegend=True,
        legend=dict(yanchor="top", y=1.0, xanchor="left", x=1.02, font={"size": 13}),
        xaxis=dict(title="x", range=[x0, x1], constrain="domain", showgrid=False, zeroline=False),
        yaxis=dict(
            title="y",
            range=[y0, y1],
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
            showgrid=False,
            zeroline=False,
        ),
        uirevision=landscape.name,
    )
    return fig


def _basin_layer(b: BasinMap, label: int, name: str, color: str, custom: list) -> go.Heatmap:
    ends = "diverged at step %{customdata[4]}" if label == DIVERGED else f"ends: {name}"
    return go.Heatmap(
        x=b.xs.tolist(),
        y=b.ys.tolist(),
        z=np.where(b.labels == label, 1.0, np.nan).tolist(),
        customdata=custom,
        colorscale=[[0, color], [1, color]],
        zmin=0,
        zmax=1,
        opacity=BASIN_OPACITY,
        showscale=False,
        hoverongaps=False,
        name=name,
        legendgroup=name,
        hovertemplate=f"start (%{{customdata[0]:.3g}}, %{{customdata[1]:.3g}})<br>{ends}<extra></extra>",
    )


def _legend_key(name: str, color: str, opacity: float = BASIN_OPACITY + 0.2) -> go.Scatter:
    """A legend entry without data that shows and hides the layer of the same ``legendgroup``.

    Plotly leaves a heatmap with no cells out of the legend; the key should not depend on the data.
    """
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        name=name,
        legendgroup=name,
        marker={"symbol": "square", "size": 14, "color": color, "opacity": opacity},
        hoverinfo="skip",
    )


def _basin_data(b: BasinMap) -> list:
    n = len(b.xs)
    xs, ys = b.xs.tolist(), b.ys.tolist()
    final = b.final_points.tolist()
    steps = b.diverged_at.tolist()
    return [
        [[xs[j], ys[i], _finite(final[i][j][0]), _finite(final[i][j][1]), steps[i][j]] for j in range(n)]
        for i in range(n)
    ]


# ----------------------------------------------------------------------------- learning rates


def tuning_figure(tunings: Sequence[Tuning] | Mapping[str, Tuning]) -> go.Figure:
    """Final loss against learning rate, one line per optimizer, on log–log axes.

    Per optimizer, traces ``[line, diverged, best]``: the line (gaps where runs diverged), ✕ marks
    in the optimizer's colour on a row of its own above the lines for the lrs that diverged, and a
    star on the best lr; last, the legend key for the ✕. The y axis shows loss − minimum; if some
    surface has no minimum, the loss on a linear axis.
    """
    items = list(tunings.values()) if isinstance(tunings, Mapping) else list(tunings)
    log = all(t.min_value is not None for t in items)
    heights = [_tuning_height(t, log) for t in items]
    rows = _diverged_rows(
        np.concatenate([h[np.isfinite(h)] for h in heights] + [np.array([])]), log, len(items)
    )
    traces = []
    for i, (t, y, row) in enumerate(zip(items, heights, rows, strict=True)):
        traces += _tuning_traces(t, y, row, LINE_COLORS[i % len(LINE_COLORS)])
    traces.append(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name="diverged",
            marker={"symbol": "x", "size": 11, "color": NOT_CONVERGED_COLOR},
            hoverinfo="skip",
        )
    )
    fig = go.Figure(traces)
    fig.update_layout(
        **_LAYOUT,
        margin=dict(l=72, r=12, t=8, b=56),
        xaxis=dict(title="learning rate (lr)", type="log", gridcolor="#e6e9f0", exponentformat="power"),
        yaxis=dict(
            title="final loss − minimum" if log else "final loss (no minimum: linear scale)",
            type="log" if log else "linear",
            gridcolor="#e6e9f0",
            exponentformat="power",
        ),
        showlegend=True,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font={"size": 14}),
    )
    return fig


def _tuning_height(t: Tuning, log: bool) -> np.ndarray:
    if not log:
        return t.final_losses
    return np.maximum(t.final_losses - t.min_value, FLOOR)


def _diverged_rows(finite: np.ndarray, log: bool, count: int) -> list[float]:
    """Heights of each optimizer's row of diverged marks: above every finite point, a row apart."""
    if log:
        top = float(finite.max()) if finite.size else 1.0
        return [top * 10.0 * 2.0**i for i in range(count)]
    hi, lo = (float(finite.max()), float(finite.min())) if finite.size else (1.0, 0.0)
    gap = 0.06 * max(hi - lo, 1.0)
    return [hi + gap * (i + 2) for i in range(count)]


def _tuning_traces(t: Tuning, y: np.ndarray, row: float, color: str) -> list[go.Scatter]:
    name = optimizers.get(t.optimizer).title
    lrs = t.lrs.tolist()
    diverged = np.flatnonzero(t.diverged)
    line = go.Scatter(
        x=lrs,
        y=[_finite(v) for v in y.tolist()],
        mode="lines+markers",
        name=name,
        legendgroup=t.optimizer,
        line={"color": color, "width": 3},
        marker={"size": 6, "color": color},
        customdata=[_finite(v) for v in t.final_losses.tolist()],
        hovertemplate=f"{name}<br>lr %{{x:.4g}}<br>final loss %{{customdata:.4g}}<extra></extra>",
    )
    marks = go.Scatter(
        x=[lrs[i] for i in diverged],
        y=[row] * len(diverged),
        customdata=t.diverged_at[diverged].tolist(),
        mode="markers",
        name=f"{name}: diverged",
        legendgroup=t.optimizer,
        showlegend=False,
        marker={"symbol": "x", "size": 11, "color": color},
        hovertemplate=f"{name}<br>lr %{{x:.4g}}<br>diverged at step %{{customdata}}<extra></extra>",
    )
    best_x, best_y = ([], []) if t.best_index is None else ([t.best_lr], [float(y[t.best_index])])
    best = go.Scatter(
        x=best_x,
        y=best_y,
        mode="markers",
        name=f"{name}: best lr",
        legendgroup=t.optimizer,
        showlegend=False,
        marker={"symbol": "star", "size": 18, "color": color, "line": {"color": "#1d2433", "width": 1.5}},
        hovertemplate=f"{name}: best lr %{{x:.4g}}<extra></extra>",
    )
    return [line, marks, best]


# -------------------------------------------------------------------------------------------- race


def race_table_columns(table: RaceTable) -> list[dict[str, str]]:
    """Column ids and headers for ``race_table_rows`` (a ``dash_table.DataTable``'s ``columns``)."""
    return [
        {"id": "optimizer", "name": "optimizer"},
        {"id": "lr", "name": "tuned lr"},
        {"id": "steps", "name": f"median steps to loss − min ≤ {format_number(table.tol)}"},
        {"id": "final_loss", "name": "median final loss"},
        {"id": "diverged", "name": "diverged"},
    ]


def race_table_rows(table: RaceTable) -> list[dict[str, str]]:
    """One row of formatted strings per optimizer, in race order (see ``race_table_columns``)."""
    runs = len(table.starts)
    return [
        {
            "optimizer": optimizers.get(entry.optimizer).title,
            "lr": format_number(entry.lr),
            "steps": "never" if math.isinf(entry.median_steps) else format_number(entry.median_steps),
            "final_loss": "—"
            if math.isnan(entry.median_final_loss)
            else format_number(entry.median_final_loss),
            "diverged": f"{entry.diverged} of {runs}",
        }
        for entry in table.entries
    ]


# --------------------------------------------------------------------------------------- helpers


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _rounded_grid(values: np.ndarray) -> list:
    """A 2D grid as nested lists with 6 significant digits (None for NaN): a small JSON payload."""
    return [[float(f"{v:.6g}") if math.isfinite(v) else None for v in row] for row in values.tolist()]


def placeholder_figure(text: str) -> go.Figure:
    """An empty figure with one line of text in the middle (before the first map)."""
    fig = go.Figure()
    fig.update_layout(
        font=FONT,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis={"visible": False},
        yaxis={"visible": False},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        annotations=[{"text": text, "showarrow": False, "font": {"size": 18, "color": "#5b6478"}}],
    )
    return fig
