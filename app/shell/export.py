"""Downloads of an outcome: its trajectories as CSV or JSON, and an animation as one offline HTML file.

Pure functions, outcome in, text out; the callbacks wrap them in ``dcc.send_string``. The numbers
are the engine's float64 values written exactly (Python's shortest round-trip ``repr``), and a
diverged run ends at its last valid point, as in the app. No GIF: that would need a rasteriser such
as kaleido (a browser in a package) or a hand-written frame renderer and encoder.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
import re

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from app.explore import dataview
from app.explore import figures as explore_figures
from app.figures_common import FONT, contour_png
from app.links import settings_to_json
from app.model import CUSTOM, format_number
from app.outcome import Outcome
from app.parsing import parse_lr_list
from app.shell.figures import loss_figure
from optimizers import budget

CSV_COLUMNS = ("run", "label", "step", "x", "y", "loss", "diverged_at")
#: Longer runs are subsampled to this many frames (first and last step kept): a light file.
MAX_FRAMES = 200
#: A whole animation plays in about this long, with each frame shown for 20 to 100 ms.
PLAY_MS = 8000
#: The Model view's P(class 1) shading in the animation: cells a side (each frame carries it).
HTML_SHADING_CELLS = 24


def trajectories_csv(outcome: Outcome) -> str:
    """One row per run per valid step: ``run`` (0-based), ``label``, ``step``, ``x``, ``y``, ``loss``,
    ``diverged_at`` (the engine's step of divergence, −1 if never)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for i, run in enumerate(outcome.results):
        # Python floats: csv writes str(float), which is the exact round-trip repr.
        for step, ((x, y), loss) in enumerate(zip(run.points.tolist(), run.losses.tolist(), strict=True)):
            writer.writerow((i, run.label, step, x, y, loss, run.diverged_at))
    return out.getvalue()


def trajectories_json(outcome: Outcome, settings: dict | None = None) -> str:
    """The outcome as JSON: surface, start, steps, mode, each run with its points ``[[x, y], ...]`` and
    losses, and the settings that made it (``null`` if not given). Non-finite numbers become ``null``."""
    data = {
        "surface": outcome.landscape.name,
        "mode": outcome.mode,
        "start": _finite(list(outcome.start)),
        "steps": int(outcome.steps),
        "runs": [
            {
                "label": run.label,
                "color": run.color,
                "diverged_at": int(run.diverged_at),
                "message": run.message,
                "points": _finite(run.points.tolist()),
                "losses": _finite(run.losses.tolist()),
            }
            for run in outcome.results
        ],
        "settings": settings_to_json(settings) if settings is not None else None,
    }
    return json.dumps(data, allow_nan=False)


def _finite(values):
    """Nested lists of floats with NaN and ±inf replaced by ``None`` (JSON has no such numbers)."""
    if isinstance(values, list):
        return [_finite(v) for v in values]
    return values if not isinstance(values, float) or math.isfinite(values) else None


def filename(outcome: Outcome, ext: str) -> str:
    """A safe, descriptive name: ``descent-rosenbrock-2-runs.csv``."""
    count = len(outcome.results)
    what = "learning-rates" if outcome.mode == "compare" else ("run" if count == 1 else "runs")
    stem = _slug(f"descent-{outcome.landscape.name}-{count}-{what}") or "descent"
    suffix = _slug(ext)
    return f"{stem}.{suffix}" if suffix else stem


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


# --------------------------------------------------------------------------------- the animation


def frame_steps(steps: int) -> list[int]:
    """The steps the animation shows: every step, or ``MAX_FRAMES`` evenly spread ones (0 and the last
    always among them)."""
    if steps + 1 <= MAX_FRAMES:
        return list(range(steps + 1))
    return np.round(np.linspace(0, steps, MAX_FRAMES)).astype(int).tolist()


def animation_figure(outcome: Outcome, cpu: budget.CpuBudget | None = None) -> dict:
    """The contour map and the 3D surface with the runs' paths and balls, above the loss curves, with
    one Plotly frame per shown step, a play/pause button and a step slider, as a figure dict.
    Self-contained: the map is a data-URI image, the surface its own data.

    Traces: the contour's, the loss chart's, then the 3D view's. Frames are plain dicts: Plotly's
    validation of a few hundred frames would take seconds.

    The frames are most of the work (each holds its runs' paths so far): once the rest is built, the
    last and longest frame is built and written as JSON, timed, and scaled to all of them by their
    points; ``budget.WorkTooLargeError`` if that and what ``cpu`` has spent exceed its limit.
    """
    cpu = budget.CpuBudget() if cpu is None else cpu
    land, results = outcome.landscape, outcome.results
    contour = explore_figures.contour_figure(land, outcome.start, results)
    surface = explore_figures.surface_figure(land, results)
    loss = loss_figure(land, results, log=True)
    # contour_figure and surface_figure have MAX_RUNS slots; keep the static traces and the filled ones.
    contour_traces = contour.data[: explore_figures.STATIC_CONTOUR + 3 * len(results)]
    surface_traces = surface.data[: explore_figures.STATIC_3D + 3 * len(results)]
    if _model_shown(outcome):  # the Model view under the 3D view, beside the loss chart
        fig = make_subplots(
            rows=2, cols=3, row_heights=[0.6, 0.4], column_widths=[0.36, 0.28, 0.36],
            horizontal_spacing=0.06, vertical_spacing=0.1,
            specs=[[{"type": "xy"}, {"type": "scene", "colspan": 2}, None],
                   [{"type": "xy", "colspan": 2}, None, {"type": "xy"}]],
        )  # fmt: skip
    else:
        fig = make_subplots(
            rows=2, cols=2, row_heights=[0.6, 0.4], horizontal_spacing=0.06, vertical_spacing=0.1,
            specs=[[{"type": "xy"}, {"type": "scene"}], [{"type": "xy", "colspan": 2}, None]],
        )  # fmt: skip
    fig.add_traces(list(contour_traces), rows=1, cols=1)
    fig.add_traces(list(loss.data), rows=2, cols=1)
    fig.add_traces(list(surface_traces), rows=1, cols=2)
    _layout(fig, outcome, contour, loss)
    fig.update_layout(scene=surface.layout.scene.to_plotly_json())
    if _model_shown(outcome):
        model = dataview.model_figure(land, results, step=0, cells=HTML_SHADING_CELLS)
        _add_model(fig, model, row=2, col=3, axis=3)
    steps = frame_steps(outcome.steps)
    duration = min(100, max(20, PLAY_MS // len(steps)))
    fig.update_layout(updatemenus=[_buttons(duration)], sliders=[_slider(steps)])
    out = fig.to_dict()
    loss_ys = [list(loss.data[2 * i].y) for i in range(len(results))]
    ghosts_3d = [out["data"][_first_3d(outcome) + 3 * i] for i in range(len(results))]
    paths = [(_short(run.points[:, 0]), _short(run.points[:, 1])) for run in results]
    began = cpu.spent()
    _page(out, outcome)  # the page without its frames, written once more below: timed, counted
    written = cpu.spent()
    last = _frame(outcome, steps[-1], paths, loss_ys, ghosts_3d)
    pio.to_json(last, validate=False)
    sample = cpu.spent() - written
    points = [sum(min(step, len(run.points) - 1) + 1 for run in results) for step in steps]
    cpu.refuse_over(
        written - began + sample * sum(points) / max(points[-1], 1),
        "export fewer steps or runs as an animation, or the trajectories as CSV or JSON",
    )
    out["frames"] = [_frame(outcome, step, paths, loss_ys, ghosts_3d) for step in steps[:-1]] + [last]
    for index, trace in zip(_moving_traces(outcome), out["frames"][0]["data"], strict=True):
        out["data"][index].update({k: v for k, v in trace.items() if k in ("x", "y", "z")})
    return out


def animation_html(outcome: Outcome, cpu: budget.CpuBudget | None = None) -> str:
    """``animation_figure`` as a whole HTML page that plays offline: plotly.js is inlined, the map is
    embedded, nothing is fetched (5 MB of plotly.js, and up to 15 MB of frames at 8 runs × 1000
    steps). ``cpu``: the request's budget (``budget.WorkTooLargeError`` past it, before the frames)."""
    return _page(animation_figure(outcome, cpu), outcome)


def _page(figure: dict, outcome: Outcome) -> str:
    page = pio.to_html(
        figure,
        validate=False,
        include_plotlyjs=True,
        include_mathjax=False,
        full_html=True,
        auto_play=False,
        div_id="descent-animation",
        default_height="92vh",
        config={"displaylogo": False, "responsive": True},
    )
    title = f"<title>Descent — {html.escape(_title_text(outcome))}</title>"
    return page.replace("</head>", f"{title}\n</head>", 1)


def _title_text(outcome: Outcome) -> str:
    return f"{outcome.landscape.title}: {_labels(outcome)}"


def _labels(outcome: Outcome) -> str:
    return ", ".join(run.label for run in outcome.results)


def _first_3d(outcome: Outcome) -> int:
    """The index of the first run trace of the 3D view (after the contour's and the loss chart's)."""
    n = len(outcome.results)
    return explore_figures.STATIC_CONTOUR + 3 * n + 2 * n + explore_figures.STATIC_3D


def _moving_traces(outcome: Outcome) -> list[int]:
    """Trace indices each frame updates: per run, its contour path and ball, then its loss ball, then
    its 3D ball (the 3D view shows the whole path faintly: a growing 3D path in every frame would
    make the file and its writing half as large again)."""
    n = len(outcome.results)
    first_loss = explore_figures.STATIC_CONTOUR + 3 * n
    contour = [explore_figures.STATIC_CONTOUR + 3 * i + k for i in range(n) for k in (1, 2)]
    surface = [_first_3d(outcome) + 3 * i + 2 for i in range(n)]
    return contour + [first_loss + 2 * i + 1 for i in range(n)] + surface + _model_traces(outcome)


def _model_shown(outcome: Outcome) -> bool:
    """Whether the app shows the Model view beside these runs (Explore on a data surface)."""
    return outcome.mode == "explore" and dataview.has_model(outcome.landscape)


def _model_traces(outcome: Outcome) -> list[int]:
    """The Model view's traces each frame updates (after the 3D view's): each run's line or decision
    boundary, and first the shading of run 1's P(class 1) for logistic regression."""
    if not _model_shown(outcome):
        return []
    n = len(outcome.results)
    first = _first_3d(outcome) + 3 * n  # the Model view's first trace
    kind = dataview.model_kind(outcome.landscape)
    runs = [first + dataview.MODEL_FIRST_RUN[kind] + i for i in range(n)]
    return runs if kind == "line" else [first, *runs]


def _model_frame(outcome: Outcome, step: int) -> list[dict]:
    """The Model view's moving traces at ``step``, in ``_model_traces``'s order."""
    if not _model_shown(outcome):
        return []
    land, results = outcome.landscape, outcome.results
    points = np.array([run.points[min(step, len(run.points) - 1)] for run in results])
    if dataview.model_kind(land) == "line":
        xs = list(dataview.line_window(land))
        return [{"type": "scatter", "x": xs, "y": _short(ends)} for ends in dataview.line_ends(points, xs)]
    segments = dataview.boundary_segments(points, dataview.data_window(land))
    lines = [{"type": "scatter", "x": _short(seg[[0, 2]]), "y": _short(seg[[1, 3]])} for seg in segments]
    xs, ys = dataview.shading_grid(land, HTML_SHADING_CELLS)
    shade = np.round(dataview.probabilities(*points[0], xs, ys), 3).tolist()
    return [{"type": "heatmap", "z": shade}, *lines]


def _add_model(fig: go.Figure, model: go.Figure, row: int, col: int, axis: int) -> None:
    """``model`` (``dataview.model_figure``) in subplot (``row``, ``col``), whose axes are
    ``xaxis{axis}`` and ``yaxis{axis}``: its traces, its axes' ranges and titles."""
    fig.add_traces([trace.update(showlegend=False) for trace in model.data], rows=row, cols=col)
    xaxis = model.layout.xaxis.to_plotly_json()
    yaxis = model.layout.yaxis.to_plotly_json()
    if "scaleanchor" in yaxis:
        yaxis["scaleanchor"] = f"x{axis}"
    fig.update_layout({f"xaxis{axis}": xaxis, f"yaxis{axis}": yaxis})


def _frame(outcome: Outcome, step: int, shorts: list, loss_ys: list[list], ghosts_3d: list[dict]) -> dict:
    """Paths up to ``step`` and the balls at ``step`` (a diverged run stays at its last point).

    ``shorts``: per run, its whole path's x and y as ``_short`` lists (rounded once, sliced here);
    ``loss_ys``: per run, the loss chart's y values (log or not), where the loss ball sits;
    ``ghosts_3d``: per run, its whole path on the 3D view, where the 3D ball sits.
    """
    paths, loss_balls, paths_3d = [], [], []
    for run, (xs, ys), loss_y, ghost in zip(outcome.results, shorts, loss_ys, ghosts_3d, strict=True):
        end = min(step, len(run.points) - 1)
        x, y = run.points[end].tolist()
        paths += [
            {"type": "scatter", "x": xs[: end + 1], "y": ys[: end + 1]},
            {"type": "scatter", "x": [x], "y": [y]},
        ]
        loss_balls.append({"type": "scatter", "x": [end], "y": [loss_y[end]]})
        paths_3d.append({"type": "scatter3d", **{axis: [ghost[axis][end]] for axis in ("x", "y", "z")}})
    data = paths + loss_balls + paths_3d + _model_frame(outcome, step)
    return {"name": str(step), "data": data, "traces": _moving_traces(outcome)}


def _short(values) -> list:
    """6 significant digits, enough to draw a path, and frames with long paths stay small."""
    return [float(f"{v:.6g}") if math.isfinite(v) else None for v in np.asarray(values).tolist()]


def _layout(
    fig: go.Figure, outcome: Outcome, contour: go.Figure, loss: go.Figure, loss_axis: int = 2
) -> None:
    land = outcome.landscape
    png = base64.b64encode(contour_png(land)).decode("ascii")
    image = contour.layout.images[0].to_plotly_json() | {"source": f"data:image/png;base64,{png}"}
    title = f"<b>{html.escape(land.title)}</b><br><sup>{html.escape(_labels(outcome))}</sup>"
    fig.update_layout(
        font=FONT,
        title=dict(text=title, x=0.01),
        margin=dict(l=60, r=20, t=80, b=40),
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        hovermode="closest",
        images=[image],
        legend=loss.layout.legend.to_plotly_json()
        | {"y": fig.layout[f"yaxis{loss_axis}"].domain[1], "yanchor": "top"},
        xaxis=contour.layout.xaxis.to_plotly_json(),
        yaxis=contour.layout.yaxis.to_plotly_json(),
    )
    fig.update_layout(
        {
            f"xaxis{loss_axis}": dict(loss.layout.xaxis.to_plotly_json(), range=[0, outcome.steps]),
            f"yaxis{loss_axis}": loss.layout.yaxis.to_plotly_json(),
        }
    )


def _buttons(duration: int) -> dict:
    # redraw: the 3D view (scatter3d) changes only with a redraw; the 2D traces would not need one.
    play = {
        "frame": {"duration": duration, "redraw": True},
        "fromcurrent": True,
        "transition": {"duration": 0},
    }
    pause = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    return dict(
        type="buttons",
        direction="left",
        showactive=False,
        x=0.0,
        y=-0.1,
        xanchor="left",
        yanchor="top",
        pad={"r": 10, "t": 10},
        buttons=[
            dict(label="▶ Play", method="animate", args=[None, play]),
            dict(label="❚❚ Pause", method="animate", args=[[None], pause]),
        ],
    )


def _slider(steps: list[int]) -> dict:
    jump = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    return dict(
        active=0,
        x=0.2,
        len=0.8,
        y=-0.1,
        yanchor="top",
        pad={"t": 10},
        currentvalue={"prefix": "step ", "font": {"size": 14, "color": FONT["color"]}},
        # A label under every one of up to 200 ticks would be a smudge: hide them on long runs.
        font={"size": 11, "color": FONT["color"] if len(steps) <= 40 else "rgba(0,0,0,0)"},
        steps=[dict(label=str(s), method="animate", args=[[str(s)], jump]) for s in steps],
    )


# --------------------------------------------------------------------------- one composed picture

#: The composed picture's size in pixels (the browser renders it with Plotly.toImage).
COMPOSED_SIZE = (1600, 900)
#: What the composed picture may take of a request's CPU once its runs are there: at the caps (8 runs
#: × 1000 steps, a new surface's map) it took 0.24–0.47 s on a quiet 2-CPU machine and 0.9 s with a
#: test run beside it. A recompute that leaves less than this of the 2 s is refused before the figure.
COMPOSED_SECONDS = 1.0


def composed_within(outcome: Outcome, settings: dict | None, step: int, cpu: budget.CpuBudget) -> go.Figure:
    """``composed_figure``, after a refusal (``budget.WorkTooLargeError``) if what ``cpu`` has spent
    (the runs recomputed for it) leaves less than ``COMPOSED_SECONDS`` of its limit."""
    cpu.refuse_over(COMPOSED_SECONDS, "export fewer steps or runs as a picture, or the trajectories as CSV")
    return composed_figure(outcome, settings, step)


def composed_figure(outcome: Outcome, settings: dict | None, step: int) -> go.Figure:
    """One picture of what the views show at ``step``: a title, the contour map with each run's path so
    far and its ball, the loss chart with its legend and a ball at the step, and under them the
    settings and the messages about the runs, in words. Self-contained (the map is a data-URI image),
    so the browser can turn it into a PNG without fetching anything."""
    land, results = outcome.landscape, outcome.results
    step = min(max(int(step), 0), outcome.steps) if isinstance(step, int) else 0
    loss_log = bool(settings.get("loss_log", True)) if settings else True
    contour = explore_figures.contour_figure(land, outcome.start, results)
    loss = loss_figure(land, results, log=loss_log)
    first = explore_figures.STATIC_CONTOUR
    contour_traces = list(contour.data[: first + 3 * len(results)])
    for i, run in enumerate(results):
        end = min(step, len(run.points) - 1)
        contour_traces[first + 3 * i + 1].update(
            x=_short(run.points[: end + 1, 0]), y=_short(run.points[: end + 1, 1])
        )
        contour_traces[first + 3 * i + 2].update(x=[run.points[end, 0]], y=[run.points[end, 1]])
        ball = loss.data[2 * i + 1]
        ball.update(x=[end], y=[loss.data[2 * i].y[end]])
    with_model = _model_shown(outcome)
    widths = [0.32, 0.3, 0.38] if with_model else [0.46, 0.54]
    fig = make_subplots(rows=1, cols=len(widths), column_widths=widths, horizontal_spacing=0.07)
    fig.add_traces(contour_traces, rows=1, cols=1)
    loss_axis = len(widths)  # the loss chart is the last panel, its legend at the right
    fig.add_traces(list(loss.data), rows=1, cols=loss_axis)
    if with_model:  # the Model view between them, as in the app
        specs = settings.get("runs", []) if settings else []
        batch = dataview.ringed_batch(land, results, specs, step)
        _add_model(fig, dataview.model_figure(land, results, step=step, batch=batch), row=1, col=2, axis=2)
    lines = _settings_lines(outcome, settings, step)
    width, height = COMPOSED_SIZE
    _layout(fig, outcome, contour, loss, loss_axis)
    fig.update_layout(
        width=width,
        height=height,
        margin=dict(l=70, r=30, t=90, b=60 + 24 * len(lines)),
        title=dict(text=_composed_title(outcome, step), x=0.01, y=0.97, yanchor="top", font={"size": 24}),
        legend=loss.layout.legend.to_plotly_json() | {"y": 1.0},
        annotations=[
            dict(
                text="<br>".join(html.escape(line) for line in lines),
                xref="paper", yref="paper", x=0, y=-0.09, xanchor="left", yanchor="top",
                align="left", showarrow=False, font={"size": 15, "color": FONT["color"]},
            )
        ],
    )  # fmt: skip
    fig.update_layout({f"xaxis{loss_axis}": dict(title="step")})
    return fig


def _composed_title(outcome: Outcome, step: int) -> str:
    what = "one optimizer at several learning rates" if outcome.mode == "compare" else "Explore"
    return f"<b>{html.escape(outcome.landscape.title)}</b> — {what}, step {step} of {outcome.steps}"


def _settings_lines(outcome: Outcome, settings: dict | None, step: int) -> list[str]:
    """The settings behind the picture, in a few lines (the legend names each run's own settings)."""
    land = outcome.landscape
    x, y = outcome.start
    surface = f"{land.title} ({land.source})" if land.name == CUSTOM else land.title
    lines = [f"Surface {surface}, start ({format_number(x)}, {format_number(y)}), {outcome.steps} steps."]
    if outcome.mode == "compare" and settings and settings.get("compare") is not None:
        rates = ", ".join(format_number(lr) for lr in parse_lr_list(settings["compare_lrs"]))
        lines.append(f"{settings['compare'].label()} at learning rates {rates}.")
    else:
        lines += [f"Run {i + 1}: {run.label}" for i, run in enumerate(outcome.results)]
    lines += outcome.messages
    return lines
