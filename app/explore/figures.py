"""Explore's figures: the 3D surface and the contour map with ``MAX_RUNS`` run slots each (filled from
the results), the step inspector's data and arrows, and the ``Patch`` that replaces only the runs.
Pure: landscapes and run results in, Plotly figures, patches and dicts out.
"""

from __future__ import annotations

import hashlib

import numpy as np
import plotly.graph_objects as go
from dash import Patch

from app.figures_common import (
    COLORSCALE,
    FONT,
    background,
    ball,
    display_grid,
    display_height,
    empty_trace,
    ghost,
    height_label,
    loss_hover,
    minima_trace,
    path,
    rounded,
    rounded_rows,
    start_trace,
    used_states,
)
from app.model import MAX_RUNS
from app.runs import RunResult
from landscapes.base import Landscape

SURFACE_GRID = 90
#: The 3D axes' titles, in both modes (Plotly places them in 3D: larger ones meet each other).
AXIS_TITLE_3D = 15
#: The step inspectors' update rules, as they show them (assets/playback.js, assets/networks.js): plain
#: gradient descent's, and that of an optimizer whose step comes from its state.
UPDATE_RULES = {"plain": "w ← w − α·∂L/∂w", "state": "w ← w + Δw   (Δw from the optimizer's state)"}
SUBSTEP_SIZE = 7  # px, the hollow dot of one evaluation within an L-BFGS step
#: Static traces before the run slots: 3D [surface, minima]; contour [minima, start] (the map itself
#: is a background image).
STATIC_3D = 2
STATIC_CONTOUR = 2
#: The contour map's sub-step slots (one per run: L-BFGS's evaluations within each step) come after
#: the run slots and the inspector's two arrows, so no earlier index moves; the hover layer stays last.
SUBSTEPS_CONTOUR = STATIC_CONTOUR + 3 * MAX_RUNS + 2


def surface_figure(landscape: Landscape, results: list[RunResult] = ()) -> go.Figure:
    """The 3D surface with its minima and ``MAX_RUNS`` run slots (filled from ``results``)."""
    xs, ys, z, (lo, hi) = display_grid(landscape, SURFACE_GRID)
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
        # its own size, so projector type leaves it: larger numbers overlap on the 3D axes
        tickfont={"size": FONT["size"] - 2},
        nticks=5,  # fewer ticks: at the default camera more of them overlap
    )

    def title(text: str) -> dict:  # its own size too: projector type made the z title meet the y's
        return {"text": text, "font": {"size": AXIS_TITLE_3D}}

    fig.update_layout(
        font=FONT,
        margin=dict(l=0, r=0, t=0, b=0),
        showlegend=False,
        uirevision=landscape.name,
        paper_bgcolor="rgba(0,0,0,0)",
        scene=dict(
            xaxis=dict(axis, title=title("x"), range=[x0, x1]),
            yaxis=dict(axis, title=title("y"), range=[y0, y1]),
            zaxis=dict(axis, title=title(height_label(landscape)), range=[lo, hi + 2 * lift], nticks=4),
            aspectmode="manual",
            aspectratio=dict(x=1, y=1, z=0.62),
            # far enough, and looking a little left of the middle, that the z title shows in a narrow panel
            camera=dict(eye=dict(x=-1.4, y=-1.74, z=1.51), center=dict(x=-0.1, y=0.08, z=0)),
        ),
    )
    return fig


def _slots_3d(landscape: Landscape, results, z_range) -> list[dict]:
    return [trace for slot in range(MAX_RUNS) for trace in _slot_3d(landscape, results, z_range, slot)]


def _slot_3d(landscape: Landscape, results, z_range, slot: int) -> list[dict]:
    """Run slot ``slot``'s [ghost, path, ball] on the 3D surface (empty traces if no run fills it)."""
    if slot >= len(results):
        return [empty_trace("scatter3d")] * 3
    lo, hi = z_range
    lift = 0.012 * (hi - lo)
    (x0, x1), (y0, y1) = landscape.bounds
    run = results[slot]
    x, y = run.points[:, 0], run.points[:, 1]
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    z = np.clip(display_height(landscape, run.losses), lo, hi) + lift
    x, y, z = (np.where(inside, v, np.nan) for v in (x, y, z))
    return [
        ghost("scatter3d", run, x=rounded(x), y=rounded(y), z=rounded(z)),
        path("scatter3d", run),
        ball("scatter3d", run, size=7),
    ]


def contour_figure(landscape: Landscape, start, results: list[RunResult] = ()) -> go.Figure:
    """The contour map with minima, the start point and ``MAX_RUNS`` run slots. Click sets the start."""
    fig = go.Figure(
        [
            minima_trace(landscape),
            start_trace(start),
            *_slots_contour(results),
            *_inspector_arrows(),
            *_substep_slots(results),
            loss_hover(landscape),
        ]
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
        images=[background(landscape)],
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


def inspector_choice(result: RunResult) -> dict:
    """A run as the step inspector's menu lists it: its label, and the fingerprint of the run that
    its details (``inspector_data``) must carry to be shown with it."""
    return {"label": result.label, "id": run_fingerprint(result)}


def run_fingerprint(result: RunResult) -> str:
    """16 hex digits of a hash of the run's label, points, losses and gradients."""
    digest = hashlib.blake2b(result.label.encode(), digest_size=8)
    for values in (result.points, result.losses, result.gradients):
        if values is not None:
            digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return digest.hexdigest()


def inspector_data(result: RunResult) -> dict:
    """What the step inspector shows for one run, step by step (rounded for the browser), with the
    run's fingerprint (``inspector_choice``)."""
    points = np.asarray(result.points)
    states = {name: rounded_rows(value) for name, value in used_states(result.states).items()}
    return {
        **inspector_choice(result),
        "points": rounded_rows(points),
        "gradients": rounded_rows(result.gradients),
        "lrs": rounded(result.lrs),
        "losses": rounded(result.losses),
        "states": states,
        **_substeps_data(result),
    }


def _substeps_data(result: RunResult) -> dict:
    """For an optimizer that evaluates within a step (L-BFGS): ``substeps``, per step, its evaluations
    in order as ``[x, y, loss]`` (the step inspector lists them)."""
    if result.substeps is None:
        return {}
    return {"substeps": [[[*xy, loss] for xy, loss in step] for step in _evaluations(result)]}


def _evaluations(result: RunResult) -> list[list[tuple[list, float]]]:
    """Each step's recorded evaluations, rounded: ``[[(xy, loss), ...], ...]`` (NaN padding dropped)."""
    found = np.isfinite(result.substeps[..., 0])
    xy, losses = rounded_rows(result.substeps[found]), rounded(result.substep_losses[found])
    counts, out, i = found.sum(axis=1).tolist(), [], 0
    for count in counts:
        out.append(list(zip(xy[i : i + count], losses[i : i + count], strict=True)))
        i += count
    return out


def substeps_trace(run: RunResult) -> dict:
    """A run's sub-steps on the contour map: small hollow dots at each evaluation within a step,
    joined by a thin dotted line from the step's own point (hover: step, evaluation and loss).
    Drawn whole, as the ghost path is."""
    if run.substeps is None or not np.isfinite(run.substeps[..., 0]).any():
        return empty_trace("scatter")
    # Evaluation 0 is the step's own point (torch's .step(closure) evaluates there first).
    starts, start_losses = (
        rounded_rows(run.points[: len(run.substeps)]),
        rounded(run.losses[: len(run.substeps)]),
    )
    xs, ys, sizes, custom = [], [], [], []
    for step, evaluations in enumerate(_evaluations(run)):
        if not evaluations:
            continue
        xs += [starts[step][0], *(xy[0] for xy, _ in evaluations), None]
        ys += [starts[step][1], *(xy[1] for xy, _ in evaluations), None]
        sizes += [0, *[SUBSTEP_SIZE] * len(evaluations), 0]
        custom += [
            [step, 0, start_losses[step]],
            *([step, i + 1, loss] for i, (_, loss) in enumerate(evaluations)),
            [None] * 3,
        ]
    return {
        "type": "scatter",
        "name": f"{run.label} evaluations",
        "mode": "lines+markers",
        "x": xs,
        "y": ys,
        "customdata": custom,
        "line": {"color": run.color, "width": 1, "dash": "dot"},
        "marker": {"symbol": "circle-open", "size": sizes, "color": run.color, "line": {"width": 1.5}},
        "opacity": 0.85,
        "showlegend": False,
        "hovertemplate": (
            f"{run.label}<br>step %{{customdata[0]}}, evaluation %{{customdata[1]}}"
            "<br>x %{x:.4f}<br>y %{y:.4f}<br>loss %{customdata[2]:.4g}<extra></extra>"
        ),
    }


def _substep_slots(results) -> list[dict]:
    return [_substep_slot(results, slot) for slot in range(MAX_RUNS)]


def _substep_slot(results, slot: int) -> dict:
    return substeps_trace(results[slot]) if slot < len(results) else empty_trace("scatter")


def _slots_contour(results) -> list[dict]:
    return [trace for slot in range(MAX_RUNS) for trace in _slot_contour(results, slot)]


def _slot_contour(results, slot: int) -> list[dict]:
    """Run slot ``slot``'s [ghost, path, ball] on the contour map (empty traces if no run fills it)."""
    if slot >= len(results):
        return [empty_trace("scatter")] * 3
    run = results[slot]
    return [
        ghost("scatter", run, x=rounded(run.points[:, 0]), y=rounded(run.points[:, 1])),
        path("scatter", run),
        ball("scatter", run, size=17),
    ]


def slot_fingerprints(landscape: Landscape, results: list[RunResult]) -> list[str]:
    """Per run slot (``MAX_RUNS``), 16 hex digits that change whenever the slot's traces would: the
    run's label, colour, path, losses and sub-steps, on this surface over this window; "" if empty.
    ``runs_patch`` leaves out the slots whose fingerprint the browser's figures already have."""
    surface = repr((landscape.name, landscape.formula, landscape.bounds)).encode()
    prints = []
    for slot in range(MAX_RUNS):
        if slot >= len(results):
            prints.append("")
            continue
        run = results[slot]
        digest = hashlib.blake2b(surface, digest_size=8)  # the run itself: its inspector fingerprint
        digest.update(repr((run_fingerprint(run), run.color, run.diverged_at)).encode())
        for values in (run.substeps, run.substep_losses):
            if values is not None:
                digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
        prints.append(digest.hexdigest())
    return prints


def runs_patch(
    start, landscape: Landscape, results: list[RunResult], unchanged: frozenset[int] = frozenset()
) -> tuple[Patch, Patch]:
    """Patches of the 3D and contour figures that replace the run traces only (not the surface), of
    every run slot but those in ``unchanged`` (their traces are as the browser has them)."""
    _, _, _, z_range = display_grid(landscape, SURFACE_GRID)
    patch_3d, patch_contour = Patch(), Patch()
    data_3d, data_contour = patch_3d["data"], patch_contour["data"]  # each index costs a Patch
    data_contour[1] = start_trace(start)
    for slot in range(MAX_RUNS):
        if slot in unchanged:
            continue
        for k, trace in enumerate(_slot_3d(landscape, results, z_range, slot)):
            data_3d[STATIC_3D + 3 * slot + k] = trace
        for k, trace in enumerate(_slot_contour(results, slot)):
            data_contour[STATIC_CONTOUR + 3 * slot + k] = trace
        data_contour[SUBSTEPS_CONTOUR + slot] = _substep_slot(results, slot)
    return patch_3d, patch_contour


def views_index(results: list[RunResult]) -> dict:
    """For assets/playback.js: per figure, each run's [ghost, path, ball] trace indices, and the
    inspector's two arrows on the contour map."""
    n = len(results)
    arrows = STATIC_CONTOUR + 3 * MAX_RUNS
    return {
        "surface": [[STATIC_3D + 3 * i + k for k in range(3)] for i in range(n)],
        "contour": [[STATIC_CONTOUR + 3 * i + k for k in range(3)] for i in range(n)],
        "arrows": [arrows, arrows + 1],
    }
