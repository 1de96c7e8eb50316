"""The model beside its loss: for a data surface (``landscapes.data``), what the model looks like at
each step of each run. Pure: a surface and runs in, a Plotly figure and plain data out.

- linear regression (``LinearRegression``, parameters (w, b)): the examples, each run's line
  t = w·a + b, and the step's mini-batch ringed;
- logistic regression (``LogisticRegression``, parameters (w₁, w₂)): the examples by class, each run's
  decision boundary w₁a₁ + w₂a₂ = 0 clipped to the axes, and the inspected run's P(class 1) shading.

``model_figure`` draws the static parts once (the moving traces empty, styled: the browser's layer,
assets/dataview.js, draws them at the player's step), or everything at one step for a picture or a
notebook. ``model_data`` is what moves, per run and step, shipped with the runs data.
"""

from __future__ import annotations

import itertools

import numpy as np
import plotly.graph_objects as go

from app.figures_common import FONT, on_white, rounded
from landscapes.data import LinearRegression, LogisticRegression
from optimizers.run import _batch_indices  # the engine's own sampler: the batches it used, exactly

GRID_COLOR = "#e6e9f0"
POINT_COLOR = "#8a93a6"
CLASS_COLORS = ("#2458c8", "#d9482b")  # class 0 blue, class 1 red
#: P(class 1) from 0 (light blue) through ½ (white) to 1 (light red): the points stay readable on it.
SHADING = [[0.0, "#9db8ea"], [0.5, "#ffffff"], [1.0, "#f2a898"]]
SHADING_CELLS = 48
#: The mini-batch's rings: as large as this, in the run's colour.
BATCH_RING = 15
#: The view's type (a small panel: smaller than the other figures'; projector mode sets ``PRESENT_FONT``).
FONT_SIZE = 13
#: ``model_figure``'s first run trace, after the static ones, per kind of model.
MODEL_FIRST_RUN = {"line": 2, "boundary": 3}


def has_model(landscape) -> bool:
    """Whether the surface has a data view."""
    return isinstance(landscape, (LinearRegression, LogisticRegression))


def model_kind(landscape) -> str:
    """``"line"`` (linear regression) or ``"boundary"`` (logistic regression)."""
    return "line" if isinstance(landscape, LinearRegression) else "boundary"


# --- what moves, as arrays -----------------------------------------------------------------------


def batch_indices(surface, batch_size: int | None, seed: int, count: int) -> np.ndarray | None:
    """``(count, B)``: the examples of the mini-batch whose gradient step t took (row t: at point t),
    as ``optimizers.run`` drew them for a run with this batch size and seed; ``None`` for the full
    batch. (The last batch of an epoch is smaller when B does not divide N: rows are then padded
    with −1.)"""
    if batch_size is None or batch_size >= surface.n_examples:
        return None
    rows = itertools.islice(_batch_indices(surface.n_examples, batch_size, [seed]), count)
    out = np.full((count, batch_size), -1, dtype=int)
    for t, row in enumerate(rows):
        out[t, : row.shape[1]] = row[0]
    return out


def line_window(surface) -> tuple[float, float]:
    """The inputs' range with a margin: where the lines are drawn."""
    inputs = surface.examples[0]
    lo, hi = float(inputs.min()), float(inputs.max())
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def line_ends(points: np.ndarray, xs: tuple[float, float]) -> np.ndarray:
    """``(n, 2)``: the line t = w·a + b of each point (w, b) of ``points`` ``(n, 2)`` at a = xs."""
    w, b = points[:, :1], points[:, 1:2]
    return w * np.asarray(xs, dtype=np.float64) + b


def data_window(surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """The logistic examples' box with a margin of 0.3: the axes of the view."""
    a1, a2, _ = surface.examples
    return (float(a1.min()) - 0.3, float(a1.max()) + 0.3), (float(a2.min()) - 0.3, float(a2.max()) + 0.3)


def boundary_segments(points: np.ndarray, window) -> np.ndarray:
    """``(n, 4)``: (x₀, y₀, x₁, y₁), the line w₁a₁ + w₂a₂ = 0 of each point (w₁, w₂) clipped to the
    box ``window`` ((a₁ lo, hi), (a₂ lo, hi)); NaN where w = 0 (no boundary) or it misses the box.

    The line is s·(−w₂, w₁) for real s; the box keeps the s of every slab lo ≤ s·dᵢ ≤ hi
    (Liang–Barsky on a line through the origin)."""
    d = np.stack([-points[:, 1], points[:, 0]], axis=1)  # (n, 2) directions
    lo = np.full(len(points), -np.inf)
    hi = np.full(len(points), np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        for axis, (a, b) in enumerate(window):
            s1, s2 = a / d[:, axis], b / d[:, axis]
            moving = d[:, axis] != 0
            inside = (a <= 0) & (0 <= b)  # a coordinate that never changes is 0: inside or never
            lo = np.where(moving, np.maximum(lo, np.minimum(s1, s2)), np.where(inside, lo, np.inf))
            hi = np.where(moving, np.minimum(hi, np.maximum(s1, s2)), np.where(inside, hi, -np.inf))
    ok = (lo < hi) & np.isfinite(lo) & np.isfinite(hi) & (np.abs(d).sum(axis=1) > 0)
    lo, hi = np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
    return np.concatenate([lo[:, None] * d, hi[:, None] * d], axis=1)


def probabilities(w1: float, w2: float, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """``(len(ys), len(xs))``: σ(w₁a₁ + w₂a₂) over the grid, rows following a₂."""
    gx, gy = np.meshgrid(xs, ys)
    return 0.5 * (1.0 + np.tanh(0.5 * (w1 * gx + w2 * gy)))


def shading_grid(surface, cells: int = SHADING_CELLS) -> tuple[np.ndarray, np.ndarray]:
    (x0, x1), (y0, y1) = data_window(surface)
    return np.linspace(x0, x1, cells), np.linspace(y0, y1, cells)


def ringed_batch(surface, results, specs, step: int, which: int = 0) -> np.ndarray | None:
    """The examples ringed at ``step``, as assets/dataview.js rings them: the mini-batch of run
    ``which`` if it has batches, else of the first run that has; ``None`` if none has."""
    if not isinstance(surface, LinearRegression):
        return None
    order = [which] + [i for i in range(len(results)) if i != which]
    for i in order[: len(specs)]:
        options = specs[i].options
        count = len(results[i].points)
        batch = batch_indices(surface, options.get("batch_size"), options.get("seed", 0), count)
        if batch is not None:
            return batch[min(step, count - 1)]
    return None


# --- the figure -----------------------------------------------------------------------------------


def model_figure(
    surface, results, step: int | None = None, batch=None, inspected: int = 0, cells: int = SHADING_CELLS
) -> go.Figure:
    """The model view of ``results`` (``app.runs.RunResult``, one trace each in its colour).

    With ``step`` None the runs' traces are empty (the browser draws them); else each run is drawn at
    ``step`` (its last point if it stopped earlier), with ``batch`` (example indices) ringed for
    linear regression and the inspected run's shading (``cells`` × ``cells``) for logistic
    regression."""
    if isinstance(surface, LinearRegression):
        return _line_figure(surface, results, step, batch)
    return _boundary_figure(surface, results, step, inspected, cells)


def _at(result, step: int) -> np.ndarray:
    return result.points[min(step, len(result.points) - 1)]


def _run_line(result, xs=(), ys=()) -> go.Scatter:
    return go.Scatter(
        x=list(xs), y=list(ys), mode="lines", name=result.label, hoverinfo="skip",
        line={"color": on_white(result.color), "width": 3},
    )  # fmt: skip


def _line_figure(surface, results, step, batch) -> go.Figure:
    inputs, targets = surface.examples
    xs = line_window(surface)
    picked = np.zeros(inputs.shape[0], dtype=bool)
    if batch is not None:
        chosen = np.asarray(batch, dtype=int)
        picked[chosen[chosen >= 0]] = True
    traces = [
        go.Scatter(
            x=rounded(inputs), y=rounded(targets), mode="markers", name="examples",
            marker={"size": 8, "color": POINT_COLOR}, hovertemplate="a %{x:.2f}, t %{y:.2f}<extra></extra>",
        ),
        go.Scatter(
            x=rounded(inputs[picked]), y=rounded(targets[picked]), mode="markers", name="mini-batch",
            marker={"size": BATCH_RING, "color": "rgba(0,0,0,0)", "line": {"color": "#ff9f0a", "width": 2.5}},
            hoverinfo="skip",
        ),
    ]  # fmt: skip
    for result in results:
        ends = line_ends(_at(result, step)[None], xs)[0] if step is not None else None
        traces.append(
            _run_line(result, xs if step is not None else (), rounded(ends) if ends is not None else ())
        )
    return _layout(
        go.Figure(traces),
        xaxis=dict(title="input a", range=list(xs), gridcolor=GRID_COLOR, zeroline=False),
        yaxis=dict(title="target t", gridcolor=GRID_COLOR, zeroline=False, range=_target_range(targets)),
        uirevision="line",
    )


def _target_range(targets) -> list[float]:
    lo, hi = float(targets.min()), float(targets.max())
    pad = 0.1 * (hi - lo)
    return [lo - pad, hi + pad]


def _boundary_figure(surface, results, step, inspected, cells) -> go.Figure:
    a1, a2, signs = surface.examples
    (x0, x1), (y0, y1) = window = data_window(surface)
    xs, ys = shading_grid(surface, cells)
    shown = results[min(inspected, len(results) - 1)] if results else None
    w = _at(shown, step or 0) if shown is not None else (0.0, 0.0)
    traces = [
        go.Heatmap(
            x=rounded(xs), y=rounded(ys), z=[rounded(row) for row in probabilities(*w, xs, ys)],
            zmin=0, zmax=1, colorscale=SHADING, showscale=False, zsmooth="fast",
            hovertemplate="P(class 1) %{z:.2f}<extra></extra>",
        ),
    ]  # fmt: skip
    for label, sign in ((0, -1.0), (1, 1.0)):
        mask = signs == sign
        traces.append(
            go.Scatter(
                x=rounded(a1[mask]), y=rounded(a2[mask]), mode="markers", name=f"class {label}",
                marker={"size": 8, "color": CLASS_COLORS[label], "line": {"color": "#ffffff", "width": 1}},
                hovertemplate=f"class {label}<extra></extra>",
            )
        )  # fmt: skip
    for result in results:
        if step is None:
            traces.append(_run_line(result))
            continue
        seg = boundary_segments(_at(result, step)[None], window)[0]
        traces.append(_run_line(result, rounded(seg[[0, 2]]), rounded(seg[[1, 3]])))
    return _layout(
        go.Figure(traces),
        xaxis=dict(title="a₁", range=[x0, x1], showgrid=False, zeroline=False, constrain="domain"),
        yaxis=dict(
            title="a₂", range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", constrain="domain"
        ),
        uirevision="boundary",
    )


def _layout(fig: go.Figure, **axes) -> go.Figure:
    fig.update_layout(
        font={**FONT, "size": FONT_SIZE}, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="#ffffff",
        margin=dict(l=52, r=10, t=10, b=44), showlegend=False, hovermode="closest", **axes,
    )  # fmt: skip
    return fig


# --- what the browser moves -----------------------------------------------------------------------


def model_data(surface, results, specs) -> dict:
    """For assets/dataview.js: per run (in ``results`` order, ``specs`` their ``RunSpec``) and step,
    what moves on ``model_figure``'s traces.

    ``{"kind": "line", "first": trace of run 0, "xs": [a₀, a₁], "runs": [{"ys": [[t₀, t₁] per step],
    "batch": [hex mask per step] | None, "ring": colour}]}`` for linear regression (the mask's bit i
    is example i); ``{"kind": "boundary", "first": …, "shading": 0, "runs": [{"segments": [[x₀, y₀,
    x₁, y₁] | None per step], "weights": [[w₁, w₂] per step]}]}`` for logistic regression."""
    if isinstance(surface, LinearRegression):
        xs = line_window(surface)
        runs = []
        for result, spec in zip(results, specs, strict=True):
            options = spec.options
            batch = batch_indices(
                surface, options.get("batch_size"), options.get("seed", 0), len(result.points)
            )
            runs.append(
                {
                    "ys": [rounded(row) for row in line_ends(result.points, xs)],
                    "batch": None if batch is None else [_mask(row) for row in batch],
                    "ring": on_white(result.color),
                }
            )
        return {"kind": "line", "first": MODEL_FIRST_RUN["line"], "xs": list(xs), "runs": runs}
    window = data_window(surface)
    runs = [
        {
            "segments": [
                None if np.isnan(s).any() else rounded(s) for s in boundary_segments(r.points, window)
            ],
            "weights": [rounded(p) for p in r.points],
        }
        for r in results
    ]
    return {"kind": "boundary", "first": MODEL_FIRST_RUN["boundary"], "shading": 0, "runs": runs}


def _mask(indices: np.ndarray) -> str:
    """Example indices as a hexadecimal bit mask (bit i: example i), short whatever the batch size."""
    return format(sum(1 << int(i) for i in indices if i >= 0), "x")
