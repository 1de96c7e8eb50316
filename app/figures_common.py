"""Figure helpers every view draws with: fonts and colours, the height a surface is shown at, the
contour image, and the traces of a run (ghost, path, ball), of the minima and of the start.

Every figure that shows runs has, for each run, three traces: a faint *ghost* with the whole path
(and a ✕ where a run diverged), the *path* so far and the *ball*. The server sends ghosts with their
data; the browser (assets/playback.js) fills path and ball for the current step by slicing the
ghost. Pure functions: data in, Plotly figures or trace dicts out.
"""

from __future__ import annotations

import math
from functools import lru_cache
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go

from app import images
from app.model import CUSTOM
from app.runs import RunResult
from landscapes.base import Landscape

IMAGE_ROUTE = "/surface-image"
COLORSCALE = "Viridis"

FONT = dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size=15, color="#1d2433")

LEGEND_SIZE = 13  # the loss chart's legend
#: Projector mode: the figures' type and their legends' (sent to the browser by app/client_config.py).
PRESENT_FONT = {"font": 20, "legend": 17}

GHOST_OPACITY = 0.35
#: The contour maps' hover: the loss at the centres of a coarse grid (a map is an image, which has no
#: hover of its own), drawn transparent over it. 61² float32 values: ≈ 20 KB in the figure.
HOVER_GRID = 61


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


def rounded(values) -> list:
    """Floats with 6 significant digits as a plain list (None for NaN): small, exact enough to draw.

    Each value is ``float(f"{v:.6g}")``, computed for the whole array at once (a compute sends tens
    of thousands of them): v · 10ᵉ rounded to a whole number k, then k / 10ᵉ, which is the double
    nearest to that decimal since 10ᵉ is exact for |e| ≤ 22 and IEEE division rounds correctly.
    The few values where that product lands within 10⁻⁶ of a tie, or whose exponent is out of that
    range, are formatted one by one.
    """
    a = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(a)
    nonzero = finite & (a != 0)
    magnitude = np.zeros(a.shape)
    magnitude[nonzero] = np.floor(np.log10(np.abs(a[nonzero])))
    e = _SIGNIFICANT - 1 - magnitude.astype(np.int64)
    with np.errstate(all="ignore"):  # values out of the exact range overflow here: done one by one
        k, scale = _scaled(a, e)
        e = np.where(np.abs(k) >= 10.0**_SIGNIFICANT, e - 1, e)  # log10 was one short
        k, scale = _scaled(a, e)
        out = np.where(e >= 0, np.rint(k) / scale, np.rint(k) * scale)
        near_tie = ~(np.abs(np.abs(k - np.trunc(k)) - 0.5) >= 1e-6)  # NaN (overflow) counts too
    out = np.where(nonzero, out, np.copysign(0.0, a)).tolist()
    for i in np.flatnonzero(nonzero & (near_tie | (np.abs(e) > _EXACT_POWERS))).tolist():
        out[i] = float(f"{a[i]:.6g}")
    for i in np.flatnonzero(~finite).tolist():
        out[i] = None
    return out


_SIGNIFICANT = 6
_EXACT_POWERS = 22  # 10**22 is the largest power of ten a double holds exactly
_POWERS = 10.0 ** np.arange(_EXACT_POWERS + 1)


def _scaled(a: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(a · 10ᵉ, 10^|e|)`` with the exact power of ten (clipped to the exact ones)."""
    scale = _POWERS[np.minimum(np.abs(e), _EXACT_POWERS)]
    return np.where(e >= 0, a * scale, a / scale), scale


def used_states(states: dict | None) -> dict:
    """The optimizer state fields a run used: a buffer an option leaves unused (Adam's
    ``max_exp_avg_sq`` without ``amsgrad``, SGD's ``momentum_buffer`` at momentum 0) stays all
    zero, and an inspector hides it."""
    return {name: value for name, value in (states or {}).items() if np.any(np.nan_to_num(value))}


def rounded_rows(values) -> list[list]:
    """``rounded`` of a 2-D array, as a list of its rows (one rounding for the whole array)."""
    a = np.asarray(values, dtype=np.float64)
    flat, width = rounded(a), a.shape[1] if a.ndim == 2 else 1
    return [flat[i : i + width] for i in range(0, len(flat), width)]


def display_grid(landscape: Landscape, n: int):
    xs, ys, loss = landscape.grid(n)
    z = display_height(landscape, loss)
    lo, hi = height_range(landscape, z)
    return xs, ys, np.clip(z, lo, hi), (lo, hi)


def empty_trace(kind: str) -> dict:
    trace = {"type": kind, "x": [], "y": [], "showlegend": False, "hoverinfo": "skip"}
    if kind == "scatter3d":
        trace["z"] = []
    return trace


def end_marker(run: RunResult, n: int, size: int) -> dict:
    """A ✕ at the end of a diverged run; nothing on the other points."""
    sizes = [0] * n
    if run.diverged_at >= 0 and n:
        sizes[-1] = size
    return {"size": sizes, "symbol": "x", "color": run.color, "line": {"width": 0}}


def ghost(kind: str, run: RunResult, **data) -> dict:
    n = len(data["x"])
    trace = {
        "type": kind,
        "name": run.label,
        "mode": "lines+markers",
        "opacity": GHOST_OPACITY,
        "line": {"color": run.color, "width": 3},
        "marker": end_marker(run, n, 9 if kind == "scatter3d" else 16),
        "showlegend": False,
        "hoverinfo": "skip",
        **data,
    }
    if run.diverged_at >= 0:
        trace["opacity"] = 0.6
    return trace


def path(kind: str, run: RunResult) -> dict:
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


def ball(kind: str, run: RunResult, size: int) -> dict:
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


def panel_grid(count: int, **rules) -> dict:
    """How assets/grid.js lays a figure's ``count`` panels out for the graph's size (px), sent as
    ``layout.meta.grid``: at most ``maxColumns`` a row, fewer while a panel would be narrower than
    ``minPanel`` (a phone: two columns); ``gap`` between columns (the next panel's y ticks),
    ``rowGap`` between rows (this row's x ticks, the next row's titles), each title ``titlePad`` over
    its panel (clear of the top y tick label); with ``title`` (their size), titles shrink to fit
    their column, never below ``minTitle`` (default: ``title``, no shrinking). A panel is as tall
    as its axes' ranges make it (square data units), or ``aspect`` × its width. With ``tickRoom``
    (px for a row's x tick labels), the top margin and the gaps between rows grow to hold the titles
    as drawn (projector type: taller). ``rules`` override these.
    """
    grid = {"maxColumns": 4, "minPanel": 140, "gap": 30, "rowGap": 90, "titlePad": 8}
    unknown = set(rules) - set(grid) - {"title", "minTitle", "aspect", "tickRoom"}
    if unknown:
        raise ValueError(f"unknown grid rules: {sorted(unknown)}")
    if "title" in rules:
        grid["minTitle"] = rules["title"]
    return {**grid, **rules, "count": count}


def panel_axis(letter: str, i: int) -> str:
    """Plotly's name for the i-th subplot's axis: ``x``, ``x2``, ... (``letter`` "xaxis": ``xaxis2``)."""
    return letter if i == 0 else f"{letter}{i + 1}"


def link_panels(fig: go.Figure, count: int, cells: int, square: bool) -> None:
    """The ``count`` panels of ``fig``'s ``cells`` subplots zoom together: the others match the first's
    axes and, with ``square``, the first keeps one data unit as long on both (so all do); every panel
    keeps its tick labels, as the browser lays them out anew (``panel_grid``); the unused cells are
    hidden. (Plotly ignores, with a console warning, a scale anchor on a matching axis and a
    self-match: there are none.)"""
    if square:
        fig.update_layout(yaxis_scaleanchor="x")
    for i in range(1, cells):
        fig.update_layout(
            {panel_axis("xaxis", i): {"matches": "x"}, panel_axis("yaxis", i): {"matches": "y"}}
        )
    for i in range(count, cells):  # e.g. 5 to 7 panels in a 2 × 4 grid: no empty frames
        fig.update_layout(
            {panel_axis("xaxis", i): {"visible": False}, panel_axis("yaxis", i): {"visible": False}}
        )


def contour_png(landscape: Landscape) -> bytes:
    """The contour map of ``landscape`` over its window as PNG bytes (served at ``image_url``), made
    once per surface and window: the map the browser fetches is the one an HTML export embeds (on a
    data surface a map costs ~1 s of CPU, half an export's budget)."""
    return _cached_png(_MapKey(landscape))


class _MapKey:
    """A landscape, equal to another with the same ``image_url`` (name, formula and window)."""

    def __init__(self, landscape: Landscape):
        self.landscape, self.url = landscape, image_url(landscape)

    def __hash__(self) -> int:
        return hash(self.url)

    def __eq__(self, other) -> bool:
        return isinstance(other, _MapKey) and other.url == self.url


@lru_cache(maxsize=64)
def _cached_png(key: _MapKey) -> bytes:
    return _drawn_png(key.landscape)


def _drawn_png(landscape: Landscape) -> bytes:
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


def background(landscape: Landscape, xref: str = "x", yref: str = "y") -> dict:
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


def minima_trace(landscape: Landscape, **extra) -> go.Scatter:
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


def start_trace(start, **extra) -> dict:
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


def on_white(color: str) -> str:
    """A run's colour as drawn on a white chart: very light colours (white, yellow) darkened to about
    half their brightness, so the line shows; the others as they are."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    if 0.2126 * r + 0.7152 * g + 0.0722 * b < 200:
        return color
    return "#{:02x}{:02x}{:02x}".format(*(int(v * 0.62) for v in (r, g, b)))


def enlarge(fig: go.Figure) -> go.Figure:
    """The figure with projector-sized type (``PRESENT_FONT``), as ``figureFonts`` patches it."""
    return fig.update_layout(font_size=PRESENT_FONT["font"], legend_font_size=PRESENT_FONT["legend"])


def loss_hover(landscape: Landscape, **axes) -> go.Heatmap:
    """A transparent heatmap of the loss on a ``HOVER_GRID``² grid over the bounds: hovering a contour
    map (Explore's, or a Compare panel on the subplot ``axes``) shows x, y and the loss there (at the
    nearest grid point; the exact loss of that point)."""
    (x0, x1), (y0, y1) = landscape.bounds
    xs, ys = np.linspace(x0, x1, HOVER_GRID), np.linspace(y0, y1, HOVER_GRID)
    with np.errstate(all="ignore"):
        loss = np.asarray(landscape.value(*np.meshgrid(xs, ys)), dtype=float)
    loss = np.where(np.isfinite(loss), loss, np.nan).astype(np.float32)
    return go.Heatmap(
        x=rounded(xs),
        y=rounded(ys),
        z=loss,
        opacity=0,
        showscale=False,
        hoverongaps=False,
        name="loss",
        hovertemplate="x %{x:.3g}<br>y %{y:.3g}<br>loss %{z:.4g}<extra></extra>",
        **axes,
    )


#: A linear axis' ticks: Plotly's own (the keys reset what a log axis set, when a patch switches).
AUTO_TICKS = {"tickmode": "auto", "tick0": None, "dtick": None, "tickvals": None, "ticktext": None}
#: At most this many labelled ticks on the log axis.
MAX_LOG_TICKS = 6


def log_ticks(low: float, high: float) -> dict:
    """Ticks of a log axis over [10^low, 10^high], each label a whole number, never Plotly's bare
    minor digits ("10, 5, 2, 1, 5, 2"): over two decades or more, only powers of ten (every
    ``dtick``-th), else 1, 2 and 5 times the powers of ten inside, written out (0.02, 5e-05)."""
    decades = high - low
    if decades >= 2:
        step = max(1, math.ceil(decades / MAX_LOG_TICKS))
        return {**AUTO_TICKS, "tickmode": "linear", "tick0": 0, "dtick": step}
    values = [
        m * 10.0**k
        for k in range(math.floor(low) - 1, math.ceil(high) + 1)
        for m in (1, 2, 5)
        if low <= math.log10(m) + k <= high
    ]
    if len(values) < 2:  # less than a factor 2 shown: let Plotly place finer ticks
        return AUTO_TICKS
    return {**AUTO_TICKS, "tickmode": "array", "tickvals": values, "ticktext": [f"{v:.3g}" for v in values]}


def padded_range(low: float, high: float) -> list[float]:
    """``[low, high]`` widened by 6 % each side, as Plotly's autorange pads lines with markers."""
    span = high - low if high > low else max(abs(low), 1.0)
    return [low - 0.06 * span, high + 0.06 * span]


def log_axis(values) -> dict:
    """A log axis over the positive finite ``values``: its type, padded range and ``log_ticks``
    (a range set here, not by Plotly's autorange, so the ticks are known)."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    low, high = (float(np.log10(v.min())), float(np.log10(v.max()))) if v.size else (-1.0, 1.0)
    y_range = padded_range(low, high)
    return {"type": "log", "range": y_range, **log_ticks(*y_range)}
