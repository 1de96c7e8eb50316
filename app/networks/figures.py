"""The Networks view's figures, and the data views of the 2-D data losses and the recommender.

Pure: a ``Training`` (``app.networks.training``) or a model and its parameters in, Plotly figures,
strings and dicts out.

- ``boundary_figure``: one panel per network (same axes, synced): the probability of class 1 as
  shading, the decision boundary p = ½, the training points by class and the test points marked;
  for the ``curve`` data set, the points and the fitted curve.
- ``loss_figure``: train (solid) and test (dashed) loss against the step, one colour per network.
- ``plane_figure``: a 2-D slice of the loss (the random filter-normalised plane, or the PCA plane of
  the path with each axis' share of variance) as contours, with the path in it; ``plane_note`` says
  what a slice is and how far the path leaves it. ``interpolation_figure``: the 1-D line from the
  initial to the final weights.
- ``frames_data``: the snapshots the browser switches between (assets/networks.js) when the step
  slider moves, so that scrubbing never asks the server.
- ``ratings_figure`` (what ``boundary_figure`` draws for a recommender): the known ratings (unknown
  ones marked ?), the hidden tastes R* they were drawn from, and each model's U Vᵀ at the snapshot,
  the entries it filled in marked ○. ``recommender_figure``: the ratings beside U Vᵀ at given
  parameters. (The 2-D data losses' views are Explore's: ``app.explore.dataview``.)
"""

from __future__ import annotations

import base64
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.components.run_card import lr_plot_figure
from app.figures_common import (
    FONT,
    PRESENT_FONT,
    enlarge,
    link_panels,
    log_axis,
    on_white,
    panel_grid,
    rounded,
)
from app.model import PALETTE, format_number
from app.networks.training import Plane, Training
from app.runs import RunResult
from landscapes.recommender import Recommender

CLASS_COLORS = ("#2458c8", "#d9482b")  # class 0 blue, class 1 red, on the shading's light ends
#: P(class 1) from 0 (light blue) through ½ (white) to 1 (light red): the points stay readable on it.
SHADING = [[0.0, "#9db8ea"], [0.5, "#ffffff"], [1.0, "#f2a898"]]
LOSS_SCALE = "Viridis"
GRID_COLOR = "#e6e9f0"
#: Traces per boundary panel: shading, boundary, train 0, train 1, test 0, test 1 (classification);
#: train, test, fitted curve (regression). The browser updates the first two / the last one.
CLASS_TRACES = 6
CURVE_TRACES = 3
#: Traces per panel of the ratings figure: the heatmap (updated by the browser), the unknown entries'
#: marks. Its panels: the known ratings, the hidden tastes, then one U Vᵀ per model.
RATING_TRACES = 2
RATING_PANELS = 2
UNKNOWN_COLOR = "#e3e6ee"
#: Plane figure traces: contours, path, start, final weights, the current step's point (updated).
PLANE_MARKER = 4


def run_color(i: int) -> str:
    """Network i's colour as drawn on white (the run palette, light colours darkened)."""
    return on_white(PALETTE[i % len(PALETTE)])


def lr_label(lr: float) -> str:
    return f"lr {format_number(lr)}"


#: The figures' titles and panel titles: this much larger than their text, in points (here, in
#: projector mode: ``presented``, and in assets/networks.js when the projector switch flips).
TITLE_GAIN = {"title": 0, "annotations": -1}


def presented(fig: go.Figure) -> go.Figure:
    """``fig`` in projector-sized type: the text as ``enlarge`` makes it, titles and panel titles
    ``TITLE_GAIN`` from it (the figures give them their own sizes)."""
    enlarge(fig)
    size = PRESENT_FONT["font"]
    if fig.layout.title.text:
        fig.update_layout(title_font_size=size + TITLE_GAIN["title"])
    fig.update_annotations(font_size=size + TITLE_GAIN["annotations"])
    return fig


def _title(text: str) -> dict:
    return {"text": text, "font": {"size": FONT["size"] + TITLE_GAIN["title"]}, "x": 0.01, "y": 0.98}


def _layout(fig: go.Figure, **extra) -> go.Figure:
    fig.update_layout(
        font=FONT, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="#ffffff", hovermode="closest", **extra
    )
    return fig


# --- the decision boundary / fitted curve ------------------------------------------------------------


def _grid_shape(count: int) -> tuple[int, int]:
    cols = min(count, 4)
    return math.ceil(count / cols), cols


def boundary_figure(training: Training, frame: int | None = None) -> go.Figure:
    """One panel per network at snapshot ``frame`` (default the last): see the module docstring."""
    frame = len(training.frames) - 1 if frame is None else frame
    if is_recommender(training):
        return ratings_figure(training, frame)
    lrs = training.setup.lrs
    rows, cols = _grid_shape(len(lrs))
    titles = [_panel_title(training, i) for i in range(len(lrs))]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        horizontal_spacing=0.03,
        vertical_spacing=0.2,  # room for a second row's three-line titles
    )
    net = training.network
    for i in range(len(lrs)):
        row, col = i // cols + 1, i % cols + 1
        traces = (
            _class_panel(training, i, frame)
            if net.task == "classification"
            else _curve_panel(training, i, frame)
        )
        for trace in traces:
            fig.add_trace(trace, row=row, col=col)
    window = net.input_window()
    fig.update_xaxes(range=list(window[0]), showgrid=False, zeroline=False, constrain="domain")
    if net.task == "classification":
        fig.update_yaxes(range=list(window[1]), showgrid=False, zeroline=False, constrain="domain")
    else:
        fig.update_yaxes(gridcolor=GRID_COLOR, zeroline=False)
    # a classifier's panels square (the data's shape as it is); a curve's share their y range
    link_panels(fig, len(lrs), rows * cols, square=net.task == "classification")
    fig.update_annotations(font={"size": FONT["size"] + TITLE_GAIN["annotations"]})
    return _layout(
        fig,
        margin=dict(l=36, r=8, t=70, b=28),
        showlegend=False,
        uirevision=_revision(training),
        meta={"grid": _boundary_grid(len(lrs), net.task)},
    )


def _boundary_grid(count: int, task: str) -> dict:
    """The panels laid out for the graph's width in the browser (assets/grid.js): two columns on a
    phone; room above each row for its titles' three lines as drawn (their size is projector
    mode's); a classifier's panels square, a curve's 3:4."""
    return panel_grid(count, tickRoom=30, **({} if task == "classification" else {"aspect": 0.75}))


def is_recommender(training: Training) -> bool:
    return isinstance(training.network, Recommender)


def ratings_figure(training: Training, frame: int) -> go.Figure:
    """The known ratings, the hidden tastes R* and each model's U Vᵀ at snapshot ``frame``, on one
    colour scale (the ratings' and the tastes' reach), the unknown entries marked in every panel."""
    rec = training.network
    k = len(training.setup.lrs)
    count = RATING_PANELS + k
    cols = min(count, 5)
    rows = math.ceil(count / cols)
    known = int(rec.mask.sum())
    small = "<span style='font-size:12px'>{}</span>"
    titles = [
        "<b>Known ratings</b><br>" + small.format(f"{known} of {rec.mask.size}<br>? unknown"),
        "<b>Hidden tastes R*</b><br>" + small.format("never seen<br>in training"),
        *(_ratings_title(training, i) for i in range(k)),
    ]
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.025, vertical_spacing=0.16,
        shared_xaxes="all", shared_yaxes="all",
    )  # fmt: skip
    limit = rating_limit(rec)
    (full,) = training.grid
    matrices = [rec.ratings, rec.truth, *(full[i, frame] for i in range(k))]
    unknown_i, unknown_j = np.nonzero(~rec.mask)
    for n, z in enumerate(matrices):
        row, col = n // cols + 1, n % cols + 1
        fig.add_trace(_ratings_heatmap(z, limit, show_scale=n == 0), row=row, col=col)
        fig.add_trace(_unknown_marks(unknown_i, unknown_j, first=n == 0), row=row, col=col)
    fig.update_xaxes(
        range=[0.5, rec.items + 0.5],
        showgrid=False,
        zeroline=False,
        dtick=_tick(rec.items),
        constrain="domain",
    )
    fig.update_yaxes(
        range=[rec.users + 0.5, 0.5],
        showgrid=False,
        zeroline=False,
        dtick=_tick(rec.users),
        constrain="domain",
    )
    fig.update_xaxes(title_text="item", row=rows, col=1)
    fig.update_yaxes(title_text="user", row=1, col=1)
    fig.update_annotations(font={"size": FONT["size"] + TITLE_GAIN["annotations"]})
    _layout(fig, margin=dict(l=48, r=8, t=84, b=40), showlegend=False, uirevision=_revision(training))
    return fig.update_layout(plot_bgcolor=UNKNOWN_COLOR)  # an unknown rating is a gap: this shows through


def rating_limit(rec) -> float:
    """The reach of the ratings' colour scale, ±limit: the known ratings' and the tastes' largest."""
    return float(max(np.nanmax(np.abs(rec.ratings)), np.max(np.abs(rec.truth)), 1e-9))


def _tick(side: int) -> int:
    """Every entry's number while they fit under a panel a fifth of the view wide, else every few."""
    return 1 if side <= 8 else 2 if side <= 16 else 5


def _ratings_heatmap(z: np.ndarray, limit: float, show_scale: bool) -> go.Heatmap:
    return go.Heatmap(
        z=rows(z), x=list(range(1, z.shape[1] + 1)), y=list(range(1, z.shape[0] + 1)),
        zmin=-limit, zmax=limit, colorscale="RdBu", reversescale=True, showscale=show_scale, xgap=1, ygap=1,
        colorbar={"title": {"text": "rating", "side": "right"}, "thickness": 12, "len": 0.9},
        hovertemplate="user %{y}, item %{x}: %{z:.2f}<extra></extra>",
    )  # fmt: skip


def _unknown_marks(rows: np.ndarray, cols: np.ndarray, first: bool) -> go.Scatter:
    """The unknown entries: ? where the known ratings have none, ○ where a model filled one in."""
    if first:
        return go.Scatter(
            x=(cols + 1).tolist(), y=(rows + 1).tolist(), mode="text", text=["?"] * len(rows),
            textfont={"color": "#7a8396", "size": 10}, name="unknown", hoverinfo="skip",
        )  # fmt: skip
    return _markers(
        cols + 1, rows + 1, "unknown",
        {"symbol": "circle-open", "size": 5, "color": "rgba(20,24,36,0.55)", "line": {"width": 1.2}},
    )  # fmt: skip


def _ratings_title(training: Training, i: int) -> str:
    head = f"<span style='color:{run_color(i)}'>●</span> <b>{lr_label(training.setup.lrs[i])}: U Vᵀ</b>"
    diverged = int(training.diverged_at[i])
    if diverged >= 0:
        return f"{head}<br><span style='color:#c62828'>diverged at step {diverged}</span>"
    train, test = training.train_loss[i, -1], training.test_loss[i, -1]
    # Three short lines: five panels side by side leave about 180 px for each.
    return f"{head}<br><span style='font-size:12px'>known {train:.2g}<br>○ unknown {test:.2g}</span>"


def _revision(training: Training) -> str:
    s = training.setup
    if s.model == "recommender":
        return f"ratings-{s.users}-{s.items}-{s.rank}-{s.known}-{s.rating_seed}-{len(s.lrs)}"
    return f"{s.data}-{s.n}-{s.noise}-{s.data_seed}-{len(s.lrs)}"


def _panel_title(training: Training, i: int) -> str:
    color = run_color(i)
    head = f"<span style='color:{color}'>●</span> <b>{lr_label(training.setup.lrs[i])}</b>"
    diverged = int(training.diverged_at[i])
    if diverged >= 0:
        return f"{head}<br><span style='color:#c62828'>diverged at step {diverged}</span>"
    train, test = training.train_loss[i, -1], training.test_loss[i, -1]
    # Two short lines: four panels side by side on a 1024 px screen leave about 150 px for each.
    text = f"train {train:.3g} · test {test:.3g}"
    if training.network.task == "classification":
        accuracy = training.network.accuracy(training.trajectory.points[i, -1], test=True)
        text += f"<br>test accuracy {100 * float(accuracy):.0f}%"
    return f"{head}<br><span style='font-size:12px'>{text}</span>"


def _class_panel(training: Training, i: int, frame: int) -> list[go.BaseTraceType]:
    xs, ys, p = training.grid
    net = training.network
    z = p[i, frame].astype(np.float32)
    traces = probability_traces(xs, ys, z)
    for inputs, targets, test in (
        (net.inputs, net.targets, False),
        (net.test_inputs, net.test_targets, True),
    ):
        for label in (0, 1):
            pts = inputs[targets == label]
            traces.append(_points(pts, label, test))
    return traces


def probability_traces(xs, ys, p: np.ndarray) -> list[go.BaseTraceType]:
    """P(class 1) ``p (len(ys), len(xs))`` as shading, and the decision boundary p = ½ over it."""
    z = rows(p)
    shading = go.Heatmap(
        x=rounded(xs), y=rounded(ys), z=z, zmin=0.0, zmax=1.0, colorscale=SHADING, showscale=False,
        hovertemplate="(%{x:.2f}, %{y:.2f})<br>P(class 1) %{z:.2f}<extra></extra>",
    )  # fmt: skip
    boundary = go.Contour(
        x=rounded(xs), y=rounded(ys), z=z, contours={"start": 0.5, "end": 0.5, "size": 1, "coloring": "none"},
        line={"color": "#1d2433", "width": 2.5}, showscale=False, hoverinfo="skip", name="p = ½",
    )  # fmt: skip
    return [shading, boundary]


def rows(z: np.ndarray) -> list[list]:
    """``z`` as nested lists rounded to 3 decimals, ``None`` where not finite."""
    return [[None if not math.isfinite(v) else round(float(v), 3) for v in row] for row in z]


def _points(pts: np.ndarray, label: int, test: bool) -> go.Scatter:
    color = CLASS_COLORS[label]
    marker = (
        {"symbol": "diamond", "size": 9, "color": "#ffffff", "line": {"color": color, "width": 2.2}}
        if test
        else {"symbol": "circle", "size": 7, "color": color, "line": {"color": "#ffffff", "width": 0.8}}
    )
    kind = "test" if test else "train"
    return _markers(pts[:, 0], pts[:, 1], f"class {label} ({kind})", marker, f"class {label}, {kind}")


def _markers(x, y, name: str, marker: dict, hover: str | None = None) -> go.Scatter:
    """Points with ``marker``; ``hover`` their hover text (``None``: no hover)."""
    hovering = {"hovertemplate": f"{hover}<extra></extra>"} if hover else {"hoverinfo": "skip"}
    return go.Scatter(x=rounded(x), y=rounded(y), mode="markers", name=name, marker=marker, **hovering)


def _curve_panel(training: Training, i: int, frame: int) -> list[go.Scatter]:
    xs, fit = training.grid
    net = training.network
    return [
        _markers(net.inputs[:, 0], net.targets, "train", {"size": 6, "color": "#5a6478"}, "train"),
        _markers(
            net.test_inputs[:, 0],
            net.test_targets,
            "test",
            {"symbol": "diamond", "size": 8, "color": "#ffffff", "line": {"color": "#5a6478", "width": 2}},
            "test",
        ),
        go.Scatter(
            x=rounded(xs),
            y=rounded(fit[i, frame]),
            mode="lines",
            name="fit",
            line={"color": run_color(i), "width": 3.5},
            hoverinfo="skip",
        ),
    ]


# --- losses against the step -------------------------------------------------------------------------


def loss_figure(training: Training, log: bool = True) -> go.Figure:
    """Train (solid) and test (dashed) loss per network; a dot per network at the current step (the
    last K traces, moved by the browser)."""
    steps = training.curve_steps.tolist()
    traces = []
    for i, lr in enumerate(training.setup.lrs):
        color = run_color(i)
        traces.append(
            go.Scatter(
                x=steps,
                y=rounded(training.train_loss[i]),
                mode="lines",
                name=lr_label(lr),
                line={"color": color, "width": 2.5},
                legendgroup=str(i),
            )
        )
        traces.append(
            go.Scatter(
                x=steps,
                y=rounded(training.test_loss[i]),
                mode="lines",
                name=f"{lr_label(lr)} test",
                line={"color": color, "width": 2, "dash": "dash"},
                legendgroup=str(i),
                showlegend=False,  # the title says dashed is test: one legend entry per network
            )
        )
    last = training.frames[-1]
    for i in range(len(training.setup.lrs)):
        y = training.trajectory.losses[i, last]
        traces.append(
            go.Scatter(
                x=[int(last)],
                y=rounded([y]),
                mode="markers",
                showlegend=False,
                hoverinfo="skip",
                marker={"size": 11, "color": run_color(i), "line": {"color": "#111111", "width": 1.5}},
            )
        )
    fig = go.Figure(traces)
    return _layout(
        fig,
        margin=dict(l=60, r=12, t=36, b=44),
        title=_title(
            "Loss: known ratings ——, unknown vs R* - - -"
            if is_recommender(training)
            else "Loss: train ——, test - - -"
        ),
        xaxis=dict(title="step", gridcolor=GRID_COLOR, zeroline=False, range=[0, max(steps[-1], 1)]),
        yaxis=dict(
            title="loss (log)" if log else "loss",
            gridcolor=GRID_COLOR,
            exponentformat="power",
            # whole-number ticks, never Plotly's bare minor digits ("5, 2, 10⁻¹, 5, 2")
            **(log_axis([training.train_loss, training.test_loss]) if log else {"type": "linear"}),
        ),
        legend=dict(font={"size": 12}, x=1.01, xanchor="left", y=1.0, tracegroupgap=2),
        uirevision=_revision(training),
    )


def loss_markers(training: Training) -> tuple[int, list[list]]:
    """The loss chart's first marker trace and each network's train loss at every snapshot."""
    k = len(training.setup.lrs)
    return 2 * k, [rounded(training.trajectory.losses[i, training.frames]) for i in range(k)]


# --- landscape planes --------------------------------------------------------------------------------


def plane_axes(plane: Plane) -> tuple[str, str]:
    """The axis titles: filter-normalised directions, or the principal ones with their variance."""
    if plane.explained is None:
        return "α along d₁ (filter-normalised)", "β along d₂"
    first, second = 100 * plane.explained
    return f"PC 1 ({first:.1f}% of the path's variance)", f"PC 2 ({second:.1f}%)"


def plane_title(plane: Plane) -> str:
    if plane.explained is None:
        return "Random plane through the final weights"
    return "PCA plane of the path"


def plane_figure(plane: Plane, frame_index: int | None = None) -> go.Figure:
    """The loss over the plane as filled contours (log₁₀ of the loss: its range spans decades), the
    path projected onto it from ○ (start) to ★ (the final weights), and the current step's point."""
    x_title, y_title = plane_axes(plane)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.maximum(plane.z, 1e-12))
    path = plane.path
    current = path[-1] if frame_index is None else path[frame_index]
    fig = go.Figure(
        [
            go.Contour(
                x=rounded(plane.xs),
                y=rounded(plane.ys),
                z=rows(z),
                colorscale=LOSS_SCALE,
                ncontours=22,
                colorbar={"title": {"text": "log₁₀ loss", "side": "right"}, "thickness": 12, "len": 0.9},
                line={"width": 0.5, "color": "rgba(255,255,255,0.4)"},
                hovertemplate="(%{x:.3g}, %{y:.3g})<br>log₁₀ loss %{z:.2f}<extra></extra>",
            ),
            go.Scatter(
                x=rounded(path[:, 0]),
                y=rounded(path[:, 1]),
                mode="lines",
                name="path",
                line={"color": "#ffffff", "width": 3},
                hoverinfo="skip",
            ),
            _markers(
                path[:1, 0],
                path[:1, 1],
                "start",
                {"symbol": "circle-open", "size": 13, "color": "#ffffff", "line": {"width": 3}},
                "initial weights",
            ),
            _markers(
                path[-1:, 0],
                path[-1:, 1],
                "final",
                {"symbol": "star", "size": 16, "color": "#ffe600", "line": {"color": "#111111", "width": 1}},
                "final weights",
            ),
            _markers(
                current[:1],
                current[1:2],
                "now",
                {"size": 13, "color": PALETTE[0], "line": {"color": "#111111", "width": 2}},
            ),
        ]
    )
    return _layout(
        fig,
        margin=dict(l=60, r=8, t=34, b=48),
        showlegend=False,
        title=_title(plane_title(plane)),
        xaxis=dict(
            title=x_title, range=[float(plane.xs[0]), float(plane.xs[-1])], showgrid=False, zeroline=False
        ),
        yaxis=dict(
            title=y_title, range=[float(plane.ys[0]), float(plane.ys[-1])], showgrid=False, zeroline=False
        ),
    )


def plane_note(training: Training) -> str:
    """What a plane is, and how far the path leaves the two drawn here."""
    p = training.network.n_params
    has = f"U and V have {p} entries" if is_recommender(training) else f"the network has {p} weights"
    text = (
        f"Each plane is a 2-D slice of a {p}-dimensional landscape: {has}, and a "
        "plane fixes all but two directions. The path is projected onto it; it leaves the plane."
    )
    if training.planes is None:
        return text
    random, pca = training.planes
    travelled = float(np.linalg.norm(training.trajectory.points[0, -1] - training.trajectory.points[0, 0]))
    explained = 100 * float(np.sum(pca.explained))
    return (
        f"{text} From start to end the weights move {travelled:.3g}; the path is up to "
        f"{float(random.leaves.max()):.3g} away from the random plane and {float(pca.leaves.max()):.3g} "
        f"from the PCA plane, whose two axes hold {explained:.1f}% of its variance."
    )


def interpolation_figure(training: Training) -> go.Figure:
    """The loss along (1 − t) w₀ + t w₁ (Goodfellow et al. 2015), t = 0 the initial weights, 1 the final."""
    fig = go.Figure()
    if training.interpolation is not None:
        ts, loss = training.interpolation
        fig.add_trace(
            go.Scatter(
                x=rounded(ts),
                y=rounded(loss),
                mode="lines",
                line={"color": run_color(0), "width": 3},
                hovertemplate="t %{x:.2f}<br>loss %{y:.4g}<extra></extra>",
                name="loss",
            )
        )
        ends = np.interp([0.0, 1.0], ts, loss)
        fig.add_trace(
            go.Scatter(
                x=[0.0, 1.0],
                y=rounded(ends),
                mode="markers+text",
                text=["initial", "final"],
                textposition="middle right",
                # white with a dark ring: seen on the light and the dark theme's chart
                marker={"size": 11, "color": "#ffffff", "line": {"color": "#1d2433", "width": 2}},
                hoverinfo="skip",
            )
        )
    return _layout(
        fig,
        margin=dict(l=60, r=12, t=34, b=44),
        showlegend=False,
        title=_title("From the initial to the final weights"),
        xaxis=dict(title="t in (1 − t)·w₀ + t·w₁", gridcolor=GRID_COLOR, zeroline=False),
        yaxis=dict(
            title="loss (log)",
            gridcolor=GRID_COLOR,
            exponentformat="power",
            **log_axis(training.interpolation[1] if training.interpolation is not None else []),
        ),
    )


# --- what the browser switches between ---------------------------------------------------------------


def encode_probabilities(p: np.ndarray) -> str:
    """P(class 1) ``(G, G)`` as base64 bytes, round(255 p) each (255 stands for blank: NaN)."""
    q = np.where(np.isfinite(p), np.rint(np.clip(p, 0.0, 1.0) * 254), 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def decode_probabilities(text: str, side: int) -> np.ndarray:
    """The inverse of ``encode_probabilities`` (what assets/networks.js does), for tests."""
    q = np.frombuffer(base64.b64decode(text), dtype=np.uint8).reshape(side, side).astype(np.float64)
    return np.where(q == 255, np.nan, q / 254)


def encode_ratings(z: np.ndarray, limit: float) -> str:
    """U Vᵀ ``(users, items)`` as ``encode_probabilities`` of its place on the colour scale [−limit,
    limit]: what the panel draws (a value past the scale has its end's colour), 254 steps of it."""
    return encode_probabilities((np.asarray(z, dtype=np.float64) + limit) / (2.0 * limit))


def decode_ratings(text: str, shape: tuple[int, int], limit: float) -> np.ndarray:
    """The inverse of ``encode_ratings`` (what assets/networks.js does), for tests."""
    q = np.frombuffer(base64.b64decode(text), dtype=np.uint8).reshape(shape).astype(np.float64)
    return np.where(q == 255, np.nan, q / 254 * 2.0 * limit - limit)


def frames_data(training: Training) -> dict:
    """Everything assets/networks.js needs to show snapshot f without the server."""
    k = len(training.setup.lrs)
    task = "recommender" if is_recommender(training) else training.network.task
    data: dict = {"steps": training.frames.tolist(), "task": task}
    if task == "recommender":
        # As bytes, not numbers: at 8 models × 30 snapshots × 50 × 50 entries, numbers were 3.6 MB.
        (full,) = training.grid
        limit = rating_limit(training.network)
        data["boundary"] = {
            "traces": [[RATING_TRACES * (RATING_PANELS + i)] for i in range(k)],
            "shape": list(full.shape[2:]),
            "range": [-limit, limit],
            "z": [[encode_ratings(full[i, f], limit) for f in range(full.shape[1])] for i in range(k)],
        }
    elif task == "classification":
        _, _, p = training.grid
        data["boundary"] = {
            "traces": [[CLASS_TRACES * i, CLASS_TRACES * i + 1] for i in range(k)],
            "side": int(p.shape[-1]),
            "z": [[encode_probabilities(p[i, f]) for f in range(p.shape[1])] for i in range(k)],
        }
    else:
        _, fit = training.grid
        data["boundary"] = {
            "traces": [[CURVE_TRACES * i + 2] for i in range(k)],
            "y": [[rounded(fit[i, f]) for f in range(fit.shape[1])] for i in range(k)],
        }
    first, losses = loss_markers(training)
    data["loss"] = {"first": first, "x": training.frames.tolist(), "y": losses}
    if training.planes is not None:
        # The planes' paths are at the loss curve's steps: each snapshot's nearest one.
        at = np.searchsorted(training.curve_steps, training.frames).clip(0, len(training.curve_steps) - 1)
        data["planes"] = {
            plane.kind: {"trace": PLANE_MARKER, "xy": [rounded(plane.path[j]) for j in at]}
            for plane in training.planes
        }
    return data


# --- the recommender's data view ---------------------------------------------------------------


def recommender_figure(recommender, params) -> go.Figure:
    """The known ratings (unknown ones are gaps) beside the reconstruction U Vᵀ at ``params`` ``(P,)``."""
    ratings = recommender.ratings
    full = recommender.reconstruction(params)
    limit = float(max(np.nanmax(np.abs(ratings)), np.max(np.abs(full)), 1e-9))
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["Ratings (gaps: unknown)", "Reconstruction U Vᵀ"],
        horizontal_spacing=0.08,
    )
    for col, z in ((1, ratings), (2, full)):
        fig.add_trace(
            go.Heatmap(
                z=rows(z),
                x=list(range(1, z.shape[1] + 1)),
                y=list(range(1, z.shape[0] + 1)),
                zmin=-limit,
                zmax=limit,
                colorscale="RdBu",
                reversescale=True,
                showscale=col == 2,
                xgap=2,
                ygap=2,
                hovertemplate="user %{y}, item %{x}: %{z:.2f}<extra></extra>",
                colorbar={"title": {"text": "rating"}, "thickness": 12},
            ),
            row=1,
            col=col,
        )
    fig.update_xaxes(title="item", showgrid=False, zeroline=False, dtick=1)
    fig.update_yaxes(title="user", showgrid=False, zeroline=False, autorange="reversed", dtick=1)
    return _layout(fig, margin=dict(l=50, r=10, t=40, b=44), showlegend=False)


def lr_figure(training: Training) -> go.Figure:
    """The run card's learning-rate-vs-step plot: each network's schedule as the engine applied it."""
    lrs = np.asarray(training.trajectory.lrs, dtype=float)  # (K, steps)
    fig = lr_plot_figure(_schedule_run(training, 0, lrs))
    for i in range(1, lrs.shape[0]):
        fig.add_trace(lr_plot_figure(_schedule_run(training, i, lrs)).data[0])
    return fig.update_yaxes(type="log")


def _schedule_run(training: Training, i: int, lrs: np.ndarray) -> RunResult:
    trajectory = training.trajectory
    return RunResult(
        label=lr_label(training.setup.lrs[i]), color=run_color(i), points=trajectory.points[i],
        losses=trajectory.losses[i], diverged_at=int(trajectory.diverged_at[i]), message="", lrs=lrs[i],
    )  # fmt: skip


def no_plane() -> go.Figure:
    """What a plane panel shows when the first network diverged: no final weights to centre on."""
    fig = go.Figure()
    fig.add_annotation(
        text="The first network diverged: no final weights to slice the landscape around.",
        showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14},
    )  # fmt: skip
    return _layout(
        fig, xaxis={"visible": False}, yaxis={"visible": False}, margin=dict(l=10, r=10, t=10, b=10)
    )


def timing_text(training: Training, seconds: float) -> str:
    """E.g. ``3 networks × 300 steps of 2-16-16-1 tanh (337 parameters) on 200 points in 0.41 s``."""
    net, setup = training.network, training.setup
    k = len(setup.lrs)
    if is_recommender(training):
        return (
            f"{k} recommender{'s' if k > 1 else ''} × {setup.steps:,} steps of U Vᵀ, rank {net.rank}, on "
            f"{net.users} users × {net.items} items ({net.n_examples:,} ratings known; {net.n_params:,} "
            f"parameters) in {seconds:.2f} s · the planes and the line are those of the first "
            f"({lr_label(setup.lrs[0])})"
        )
    arch = "-".join(map(str, net.sizes))
    return (
        f"{k} network{'s' if k > 1 else ''} × {setup.steps:,} steps of a {arch} {net.activation} MLP "
        f"({net.n_params:,} parameters) on {net.n_examples:,} points in {seconds:.2f} s · "
        f"the planes and the line are those of the first network ({lr_label(setup.lrs[0])})"
    )
