"""Pure figure builders: landscapes and run results in, Plotly figures (and patches) out.

Every figure that shows runs has, for each run, three traces: a faint *ghost* with the whole path
(and a ✕ where a run diverged), the *path* so far and the *ball*. The server sends ghosts with their
data; the browser (assets/playback.js) fills path and ball for the current step by slicing the
ghost. ``views_index`` tells the browser which traces those are. The surface and contour traces are
static: when only the runs change, the server sends a ``Patch`` of the run traces alone.
"""

from __future__ import annotations

import math
from dataclasses import replace
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go
from dash import Patch
from plotly.subplots import make_subplots

from app import images
from app.runs import RunResult
from app.state import MAX_RUNS, format_number
from landscapes.base import Landscape

SURFACE_GRID = 90
IMAGE_ROUTE = "/surface-image"
CUSTOM = "custom"  # the surface a teacher types as a formula (landscapes.formula)
COLORSCALE = "Viridis"
FONT = dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size=15, color="#1d2433")
LEGEND_SIZE = 13  # the loss chart's legend
#: Projector mode: the figures' type and their legends' (sent to the browser by app/client_config.py).
PRESENT_FONT = {"font": 20, "legend": 17}
GHOST_OPACITY = 0.35
#: Static traces before the run slots: 3D [surface, minima]; contour [minima, start] (the map itself
#: is a background image).
STATIC_3D = 2
STATIC_CONTOUR = 2
PANEL_TRACES = 5  # per compare panel: minima, start, ghost, path, ball


def display_height(landscape: Landscape, loss):
    """What the colours and the 3D height show: the loss, or log₁₀(1 + loss − minimum) for surfaces
    whose range spans many orders of magnitude (their valleys would otherwise look flat)."""
    loss = np.asarray(loss, dtype=np.float64)
    if landscape.log_color and landscape.min_value is not None:
        return np.log10(1.0 + np.maximum(loss - landscape.min_value, 0.0))
    return loss


def height_label(landscape: Landscape) -> str:
    return "log₁₀(1 + L − L*)" if landscape.log_color and landscape.min_value is not None else "loss"


def height_range(landscape: Landscape, z: np.ndarray) -> tuple[float, float]:
    """The plotted height range: the grid's range, within the landscape's ``z_clip``."""
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    if landscape.z_clip is not None:
        clip = display_height(landscape, np.array(landscape.z_clip))
        lo, hi = max(lo, float(clip[0])), min(hi, float(clip[1]))
    if hi <= lo:
        hi = lo + 1.0
    return lo, hi


def _rounded(values) -> list:
    """Floats with 6 significant digits as a plain list (None for NaN): small, exact enough to draw."""
    out = []
    for v in np.asarray(values, dtype=np.float64).tolist():
        out.append(float(f"{v:.6g}") if math.isfinite(v) else None)
    return out


def _display_grid(landscape: Landscape, n: int):
    xs, ys, loss = landscape.grid(n)
    z = display_height(landscape, loss)
    lo, hi = height_range(landscape, z)
    return xs, ys, np.clip(z, lo, hi), (lo, hi)


# ---------------------------------------------------------------------------------------- 3D view


def surface_figure(landscape: Landscape, results: list[RunResult] = ()) -> go.Figure:
    """The 3D surface with its minima and ``MAX_RUNS`` run slots (filled from ``results``)."""
    xs, ys, z, (lo, hi) = _display_grid(landscape, SURFACE_GRID)
    surface = go.Surface(
        x=xs,
        y=ys,
        z=z.astype(np.float32),
        colorscale=COLORSCALE,
        showscale=False,
        opacity=0.92,
        cmin=lo,
        cmax=hi,
        hovertemplate="x %{x:.2f}<br>y %{y:.2f}<extra></extra>",
        contours={"z": {"show": True, "usecolormap": True, "width": 1, "project": {"z": False}}},
        lighting={"ambient": 0.75, "diffuse": 0.5, "specular": 0.08},
    )
    lift = 0.012 * (hi - lo)
    minima = np.array(landscape.minima).reshape(-1, 2)
    minima_z = np.clip(display_height(landscape, landscape.value(minima[:, 0], minima[:, 1])), lo, hi) + lift
    minima_trace = go.Scatter3d(
        x=minima[:, 0],
        y=minima[:, 1],
        z=minima_z,
        mode="markers",
        name="minimum",
        marker={"symbol": "diamond", "size": 5, "color": "white", "line": {"color": "#1d2433", "width": 2}},
        hovertemplate="minimum (%{x:.3f}, %{y:.3f})<extra></extra>",
        showlegend=False,
    )
    fig = go.Figure([surface, minima_trace, *_slots_3d(landscape, results, (lo, hi))])
    (x0, x1), (y0, y1) = landscape.bounds
    axis = dict(
        showbackground=False,
        gridcolor="#c9cfdb",
        zerolinecolor="#9aa3b5",
        title_font={"size": 14},
        nticks=5,  # fewer ticks: at the default camera more of them overlap
    )
    fig.update_layout(
        font=FONT,
        margin=dict(l=0, r=0, t=0, b=0),
        showlegend=False,
        uirevision=landscape.name,
        paper_bgcolor="rgba(0,0,0,0)",
        scene=dict(
            xaxis=dict(axis, title="x", range=[x0, x1]),
            yaxis=dict(axis, title="y", range=[y0, y1]),
            zaxis=dict(axis, title=height_label(landscape), range=[lo, hi + 2 * lift], nticks=4),
            aspectmode="manual",
            aspectratio=dict(x=1, y=1, z=0.62),
            camera=dict(eye=dict(x=-1.25, y=-1.55, z=1.35)),
        ),
    )
    return fig


def _slots_3d(landscape: Landscape, results, z_range) -> list[dict]:
    lo, hi = z_range
    lift = 0.012 * (hi - lo)
    (x0, x1), (y0, y1) = landscape.bounds
    traces = []
    for slot in range(MAX_RUNS):
        if slot >= len(results):
            traces += [_empty("scatter3d")] * 3
            continue
        run = results[slot]
        x, y = run.points[:, 0], run.points[:, 1]
        inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        z = np.clip(display_height(landscape, run.losses), lo, hi) + lift
        x, y, z = (np.where(inside, v, np.nan) for v in (x, y, z))
        traces += [
            _ghost("scatter3d", run, x=_rounded(x), y=_rounded(y), z=_rounded(z)),
            _path("scatter3d", run),
            _ball("scatter3d", run, size=7),
        ]
    return traces


def _empty(kind: str) -> dict:
    trace = {"type": kind, "x": [], "y": [], "showlegend": False, "hoverinfo": "skip"}
    if kind == "scatter3d":
        trace["z"] = []
    return trace


def _end_marker(run: RunResult, n: int, size: int) -> dict:
    """A ✕ at the end of a diverged run; nothing on the other points."""
    sizes = [0] * n
    if run.diverged_at >= 0 and n:
        sizes[-1] = size
    return {"size": sizes, "symbol": "x", "color": run.color, "line": {"width": 0}}


def _ghost(kind: str, run: RunResult, **data) -> dict:
    n = len(data["x"])
    trace = {
        "type": kind,
        "name": run.label,
        "mode": "lines+markers",
        "opacity": GHOST_OPACITY,
        "line": {"color": run.color, "width": 3},
        "marker": _end_marker(run, n, 9 if kind == "scatter3d" else 16),
        "showlegend": False,
        "hoverinfo": "skip",
        **data,
    }
    if run.diverged_at >= 0:
        trace["opacity"] = 0.6
    return trace


def _path(kind: str, run: RunResult) -> dict:
    trace = {
        "type": kind,
        "name": run.label,
        "mode": "lines",
        "line": {"color": run.color, "width": 5},
        "showlegend": False,
        "hoverinfo": "skip",
        "x": [],
        "y": [],
    }
    if kind == "scatter3d":
        trace["z"] = []
    return trace


def _ball(kind: str, run: RunResult, size: int) -> dict:
    trace = {
        "type": kind,
        "name": run.label,
        "mode": "markers",
        "showlegend": False,
        "x": [],
        "y": [],
        "marker": {"size": size, "color": run.color, "line": {"color": "#111111", "width": 2}},
        "hovertemplate": f"{run.label}<br>x %{{x:.4f}}<br>y %{{y:.4f}}<extra></extra>",
    }
    if kind == "scatter3d":
        trace["z"] = []
    return trace


# ----------------------------------------------------------------------------------- contour view


def contour_png(landscape: Landscape) -> bytes:
    """The contour map of ``landscape`` over its window as PNG bytes (served at ``image_url``)."""
    cols, rows = images.pixel_size(landscape)
    (x0, x1), (y0, y1) = landscape.bounds
    xs, ys = np.linspace(x0, x1, cols), np.linspace(y0, y1, rows)
    heights = display_height(landscape, landscape.value(xs[None, :], ys[:, None]))
    return images.encode_png(images.contour_rgb(landscape, heights, height_range(landscape, heights)))


def image_url(landscape: Landscape) -> str:
    """Where the browser gets the contour image; a widened window travels in the query."""
    query = {}
    if landscape.name == CUSTOM:
        query["formula"] = landscape.source
    if landscape.bounds != landscape.own_bounds:
        (x0, x1), (y0, y1) = landscape.bounds
        query["window"] = ",".join(f"{v:.6g}" for v in (x0, x1, y0, y1))
    url = f"{IMAGE_ROUTE}/{landscape.name}.png"
    return f"{url}?{urlencode(query)}" if query else url


def _background(landscape: Landscape, xref: str = "x", yref: str = "y") -> dict:
    (x0, x1), (y0, y1) = landscape.bounds
    return dict(
        source=image_url(landscape),
        xref=xref,
        yref=yref,
        x=x0,
        y=y1,
        sizex=x1 - x0,
        sizey=y1 - y0,
        sizing="stretch",
        layer="below",
        xanchor="left",
        yanchor="top",
    )


def _minima_trace(landscape: Landscape, **extra) -> go.Scatter:
    minima = np.array(landscape.minima).reshape(-1, 2)
    return go.Scatter(
        x=minima[:, 0].tolist(),
        y=minima[:, 1].tolist(),
        mode="markers",
        showlegend=False,
        name="minimum",
        marker={"symbol": "star", "size": 15, "color": "white", "line": {"color": "#1d2433", "width": 1.5}},
        hovertemplate="minimum (%{x:.3f}, %{y:.3f})<extra></extra>",
        **extra,
    )


def _start_trace(start, **extra) -> dict:
    return {
        "type": "scatter",
        "x": [start[0]],
        "y": [start[1]],
        "mode": "markers",
        "showlegend": False,
        "name": "start",
        "hovertemplate": "start (%{x:.3f}, %{y:.3f})<extra></extra>",
        "marker": {"symbol": "circle-open", "size": 16, "color": "white", "line": {"width": 3}},
        **extra,
    }


def contour_figure(landscape: Landscape, start, results: list[RunResult] = ()) -> go.Figure:
    """The contour map with minima, the start point and ``MAX_RUNS`` run slots. Click sets the start."""
    fig = go.Figure(
        [_minima_trace(landscape), _start_trace(start), *_slots_contour(results), *_inspector_arrows()]
    )
    (x0, x1), (y0, y1) = landscape.bounds
    fig.update_layout(
        font=FONT,
        margin=dict(l=56, r=12, t=8, b=48),
        showlegend=False,
        uirevision=landscape.name,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
        hovermode="closest",
        images=[_background(landscape)],
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
    )
    return fig


def _inspector_arrows() -> list[dict]:
    """The step inspector's arrows at the ball (filled by the browser): the step actually taken,
    and −α·∂L/∂w, the step plain gradient descent would take."""

    def arrow(name: str, color: str, dash: str) -> dict:
        return {
            "type": "scatter", "name": name, "x": [], "y": [], "mode": "lines+markers", "showlegend": False,
            "line": {"color": color, "width": 3, "dash": dash}, "hoverinfo": "skip",
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 16], "color": color},
        }  # fmt: skip

    return [arrow("step taken", "#ffffff", "solid"), arrow("−α·gradient", "#111111", "dot")]


def inspector_data(result: RunResult) -> dict:
    """What the step inspector shows for one run, step by step (rounded for the browser)."""
    points = np.asarray(result.points)
    states = {
        name: [_rounded(row) for row in value]
        for name, value in (result.states or {}).items()
        if np.any(np.nan_to_num(value))  # a buffer an option leaves unused stays all zero: hide it
    }
    return {
        "label": result.label,
        "points": [_rounded(p) for p in points],
        "gradients": [_rounded(g) for g in np.asarray(result.gradients)],
        "lrs": _rounded(result.lrs),
        "losses": _rounded(result.losses),
        "states": states,
    }


def _slots_contour(results) -> list[dict]:
    traces = []
    for slot in range(MAX_RUNS):
        if slot >= len(results):
            traces += [_empty("scatter")] * 3
            continue
        run = results[slot]
        traces += [
            _ghost("scatter", run, x=_rounded(run.points[:, 0]), y=_rounded(run.points[:, 1])),
            _path("scatter", run),
            _ball("scatter", run, size=17),
        ]
    return traces


def runs_patch(start, landscape: Landscape, results: list[RunResult]) -> tuple[Patch, Patch]:
    """Patches of the 3D and contour figures that replace the run traces only (not the surface)."""
    _, _, _, z_range = _display_grid(landscape, SURFACE_GRID)
    patch_3d, patch_contour = Patch(), Patch()
    for i, trace in enumerate(_slots_3d(landscape, results, z_range)):
        patch_3d["data"][STATIC_3D + i] = trace
    patch_contour["data"][1] = _start_trace(start)
    for i, trace in enumerate(_slots_contour(results)):
        patch_contour["data"][STATIC_CONTOUR + i] = trace
    return patch_3d, patch_contour


# -------------------------------------------------------------------------------------- loss chart


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
        legend=dict(
            yanchor="top",
            y=0.98,
            xanchor="right",
            x=0.99,
            font={"size": LEGEND_SIZE},
            bgcolor="rgba(255,255,255,0.85)",
        ),
        hovermode="closest",
    )
    return fig


def loss_patch(landscape: Landscape, results: list[RunResult], log: bool) -> Patch:
    """The loss chart's runs and axes only, as a ``Patch`` of ``loss_figure`` (same surface)."""
    patch = Patch()
    patch["data"], x_axis, y_axis = _loss_parts(landscape, results, log)
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
    x_axis = {"range": _padded(0.0, max(steps, 1))}
    finite = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.empty(0)
    if _can_log(landscape, log):
        y_axis = {"title": {"text": "loss − min (log)"}, "type": "log"}
        low, high = (np.log10(finite.min()), np.log10(finite.max())) if finite.size else (-1.0, 1.0)
    else:
        y_axis = {"title": {"text": "loss (no known minimum)" if log else "loss"}, "type": "linear"}
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return x_axis, {**y_axis, "range": _padded(float(low), float(high))}


def _padded(low: float, high: float) -> list[float]:
    """``[low, high]`` widened by 6 % each side, as Plotly's autorange pads lines with markers."""
    span = high - low if high > low else max(abs(low), 1.0)
    return [low - 0.06 * span, high + 0.06 * span]


def on_white(color: str) -> str:
    """A run's colour as drawn on a white chart: very light colours (white, yellow) darkened to about
    half their brightness, so the line shows; the others as they are."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    if 0.2126 * r + 0.7152 * g + 0.0722 * b < 200:
        return color
    return "#{:02x}{:02x}{:02x}".format(*(int(v * 0.62) for v in (r, g, b)))


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
        line = _ghost("scatter", run, x=list(range(len(y))), y=_rounded(y))
        line.update(
            opacity=1.0, name=run.label, showlegend=True, hovertemplate="step %{x}: %{y:.4g}<extra></extra>"
        )
        line["line"]["width"] = 3
        traces += [line, _ball("scatter", run, size=12)]
    return traces


# -------------------------------------------------------------------------- learning rates compared


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
            _minima_trace(landscape),
            _start_trace(start),
            _ghost("scatter", run, x=_rounded(run.points[:, 0]), y=_rounded(run.points[:, 1])),
            _path("scatter", run),
            _ball("scatter", run, size=14),
        ):
            fig.add_trace(trace, row=row, col=col)
    (x0, x1), (y0, y1) = landscape.bounds
    fig.update_xaxes(range=[x0, x1], matches="x", showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(range=[y0, y1], matches="y", showgrid=False, zeroline=False, constrain="domain")
    for i in range(count):  # each panel keeps the map's aspect ratio against its own x axis
        fig.update_layout({_axis("yaxis", i): {"scaleanchor": _axis("x", i)}})
    fig.update_annotations(font={"size": 16})
    fig.update_layout(
        images=[_background(landscape, _axis("x", i), _axis("y", i)) for i in range(len(results))]
    )
    fig.update_layout(
        font=FONT,
        margin=dict(l=40, r=10, t=62, b=30),
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
        uirevision=landscape.name,
    )
    return fig


def lr_plot_figure(run: RunResult) -> go.Figure:
    """A small learning-rate-vs-step plot for a run card (the schedule as the engine applied it)."""
    lrs = np.asarray(run.lrs if run.lrs is not None else [], dtype=float)
    fig = go.Figure(
        go.Scatter(
            x=list(range(len(lrs))), y=_rounded(lrs), mode="lines", line={"color": run.color, "width": 2}
        )
    )
    fig.update_layout(
        height=90, margin=dict(l=44, r=6, t=4, b=20), font=dict(FONT, size=11), showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="#ffffff",
        xaxis=dict(showgrid=False, zeroline=False),
        yaxis=dict(gridcolor="#e6e9f0", exponentformat="power", nticks=3),
    )  # fmt: skip
    return fig


def _axis(letter: str, i: int) -> str:
    """Plotly's name for the i-th subplot's axis: x, x2, x3, ..."""
    return letter if i == 0 else f"{letter}{i + 1}"


def _panel_title(run: RunResult) -> str:
    lr = run.label.rsplit("lr ", 1)[-1]
    if run.diverged_at >= 0:
        return f"<b>lr {lr}</b><br><span style='color:#c62828'>diverged at step {run.diverged_at}</span>"
    return f"<b>lr {lr}</b><br>final loss {format_number(run.losses[-1])}"


# ----------------------------------------------------------------------------------------- browser


def views_index(mode: str, results: list[RunResult]) -> dict:
    """For assets/playback.js: per figure, each run's [ghost, path, ball] trace indices."""
    n = len(results)
    loss = [[2 * i, None, 2 * i + 1] for i in range(n)]
    if mode == "compare":
        panels = [[PANEL_TRACES * i + k for k in (2, 3, 4)] for i in range(n)]
        return {"compare": panels, "loss": loss}
    arrows = STATIC_CONTOUR + 3 * MAX_RUNS
    return {
        "surface": [[STATIC_3D + 3 * i + k for k in range(3)] for i in range(n)],
        "contour": [[STATIC_CONTOUR + 3 * i + k for k in range(3)] for i in range(n)],
        "loss": loss,
        "arrows": [arrows, arrows + 1],
    }


def enlarge(fig: go.Figure) -> go.Figure:
    """The figure with projector-sized type (``PRESENT_FONT``), as ``figureFonts`` patches it."""
    return fig.update_layout(font_size=PRESENT_FONT["font"], legend_font_size=PRESENT_FONT["legend"])
