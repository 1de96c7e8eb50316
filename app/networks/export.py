"""Downloads of the Networks view: the trainings' curves as CSV or JSON, and the view as one offline
HTML file (the boundary panels animated over the snapshots, the losses and the planes beside them).

Pure but for ``download``: a ``Training`` in, text out. The server keeps no training, so an export
trains the shown setup again (seeded, so it is the same training, under the same work cap).
"""

from __future__ import annotations

import csv
import html
import io
import json
import math

import numpy as np
import plotly.io as pio

from app.figures_common import rounded
from app.networks import figures
from app.networks import training as trainer
from app.networks.settings import inspected_network, to_link
from app.networks.training import Training
from optimizers import budget

CSV_COLUMNS = ("network", "lr", "step", "train_loss", "test_loss", "diverged_at")


def test_losses(training: Training) -> np.ndarray:
    """The test loss at every step ``(K, steps + 1)`` (NaN after a divergence)."""
    return trainer.test_losses(training.network, training.trajectory.points)


def curves_csv(training: Training) -> str:
    """One row per network per step until it diverged: ``network`` (0-based), ``lr``, ``step``,
    ``train_loss``, ``test_loss``, ``diverged_at`` (−1 if never); floats written exactly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    test = test_losses(training)
    for i, lr in enumerate(training.setup.lrs):
        diverged = int(training.diverged_at[i])
        last = diverged if diverged >= 0 else training.trajectory.losses.shape[1]
        rows = zip(training.trajectory.losses[i, :last].tolist(), test[i, :last].tolist(), strict=True)
        for step, (train_loss, test_loss) in enumerate(rows):
            writer.writerow((i, float(lr), step, train_loss, test_loss, diverged))
    return out.getvalue()


def curves_json(training: Training, frame: int | None = None, inspect: int | None = None) -> str:
    """The networks (or recommenders) as JSON: the model, each one's learning rate, losses at every step,
    final weights (torch's order) and divergence, and the settings a link carries (``networks``: with
    the snapshot ``frame`` and the network the step inspector shows, ``inspect``)."""
    test = test_losses(training)
    runs = [
        {
            "lr": float(lr),
            "diverged_at": int(training.diverged_at[i]),
            "train_loss": _finite(training.trajectory.losses[i].tolist()),
            "test_loss": _finite(test[i].tolist()),
            "final_weights": _finite(training.trajectory.points[i, -1].tolist()),
        }
        for i, lr in enumerate(training.setup.lrs)
    ]
    data = {
        "mode": "networks",
        **_model_json(training),
        "runs": runs,
        "networks": to_link(training.setup, frame, inspect),
    }
    return json.dumps(data, allow_nan=False)


def _model_json(training: Training) -> dict:
    """What was trained: a network's architecture, or a recommender's shapes and its rating matrix
    (``null`` where a rating is unknown; final weights are U then V, each row-major)."""
    net = training.network
    if figures.is_recommender(training):
        return {
            "recommender": {
                "users": net.users, "items": net.items, "rank": net.rank, "n_params": int(net.n_params),
                "ratings": [_finite(row) for row in net.ratings.tolist()],
                "truth": net.truth.tolist(),
            },
            "task": "recommender",
        }  # fmt: skip
    return {
        "network": {"sizes": list(net.sizes), "activation": net.activation, "n_params": int(net.n_params)},
        "task": net.task,
    }


def _finite(values: list) -> list:
    return [v if math.isfinite(v) else None for v in values]


def offline_html(training: Training, cpu: budget.CpuBudget | None = None) -> str:
    """The view as one page that works offline (plotly.js inlined, about 5 MB): the boundary panels
    with a slider and Play over the snapshots, then the losses, the two planes and the line.

    ``cpu``: the request's budget (its training included). Once the figures are built, writing them
    is measured on one snapshot's frame and scaled; ``budget.WorkTooLargeError`` if that is past it.
    """
    cpu = budget.CpuBudget() if cpu is None else cpu
    boundary = animated_boundary(training)
    parts = [boundary, figures.loss_figure(training), figures.interpolation_figure(training)]
    if training.planes:
        parts += [figures.plane_figure(plane) for plane in training.planes]
    began = cpu.spent()
    pio.to_json(boundary["frames"][-1], validate=False)
    per_frame = cpu.spent() - began
    advice = "train fewer steps or learning rates, or export CSV or JSON"
    cpu.refuse_over(per_frame * (len(boundary["frames"]) + 1), advice)
    divs = [
        pio.to_html(
            fig,
            validate=False,
            include_plotlyjs=i == 0,
            include_mathjax=False,
            full_html=False,
            auto_play=False,
            default_height="560px" if i == 0 else "380px",
            config={"displaylogo": False},
        )
        for i, fig in enumerate(parts)
    ]
    title = html.escape(filename(training, "html").removesuffix(".html"))
    note = html.escape(figures.plane_note(training))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body style='font-family: system-ui, sans-serif; max-width: 1200px; margin: auto'>"
        f"{''.join(divs)}<p>{note}</p></body></html>"
    )


def animated_boundary(training: Training) -> dict:
    """``figures.boundary_figure`` with one Plotly frame per snapshot (the shading, the boundary or
    the fitted curve change) and a slider with Play, as a figure dict.

    A frame holds only what changes (the patched traces' ``z`` or ``y``), as plain dicts, the way
    assets/networks.js patches the view: a whole validated figure per snapshot took seconds.
    """
    fig = figures.boundary_figure(training, frame=0)
    data = figures.frames_data(training)
    patched = [t for traces in data["boundary"]["traces"] for t in traces]
    frames = [
        {"name": str(step), "data": _frame_traces(training, f), "traces": patched}
        for f, step in enumerate(data["steps"])
    ]
    slider = {
        "active": 0,
        "currentvalue": {"prefix": "step "},
        "pad": {"t": 30},
        "steps": [
            {"label": str(step), "method": "animate", "args": [[str(step)], {"mode": "immediate"}]}
            for step in data["steps"]
        ],
    }
    play = {
        "type": "buttons",
        "showactive": False,
        "x": 0,
        "y": -0.08,
        "xanchor": "left",
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, {"frame": {"duration": 150}}]},
            {"label": "‖ Pause", "method": "animate", "args": [[None], {"mode": "immediate"}]},
        ],
    }
    out = fig.update_layout(sliders=[slider], updatemenus=[play], margin={"b": 110}).to_dict()
    out["frames"] = frames
    return out


def _frame_traces(training: Training, frame: int) -> list[dict]:
    """The boundary panels' changing traces at snapshot ``frame``, in ``frames_data``'s order: per
    model its shading and boundary (``z``), its fitted curve (``y``) or its U Vᵀ (``z``)."""
    k = len(training.setup.lrs)
    if figures.is_recommender(training):
        (full,) = training.grid
        return [{"type": "heatmap", "z": figures.rows(full[i, frame])} for i in range(k)]
    if training.network.task == "classification":
        _, _, p = training.grid
        out = []
        for i in range(k):
            z = figures.rows(p[i, frame].astype(np.float32))  # as ``boundary_figure`` draws it
            out += [{"type": "heatmap", "z": z}, {"type": "contour", "z": z}]
        return out
    _, fit = training.grid
    return [{"type": "scatter", "y": rounded(fit[i, frame])} for i in range(k)]


def filename(training: Training, ext: str) -> str:
    """E.g. ``descent-network-moons-3-learning-rates.csv``, ``descent-recommender-8x10-rank2-…``."""
    s = training.setup
    k = len(s.lrs)
    what = (
        f"recommender-{s.users}x{s.items}-rank{s.rank}" if s.model == "recommender" else f"network-{s.data}"
    )
    return f"descent-{what}-{k}-learning-rate{'s' if k > 1 else ''}.{ext}"


def download(ext: str, values: dict) -> dict:
    """A download callback's outputs for this view: ``{"download", "status"}`` (the status says what
    went wrong, "" when nothing did; the view's Export menu shows it at the top of the view)."""
    from dash import no_update

    from app.networks.callbacks import setup_of_states

    cpu = budget.CpuBudget()
    try:
        setup, frame = setup_of_states(values)
        inspect = inspected_network(values.get("net_inspect"), setup)
        training = trainer.train(setup)  # refused past the budget on its own
        text = {
            "csv": lambda: curves_csv(training),
            "json": lambda: curves_json(training, frame, inspect),
            "html": lambda: offline_html(training, cpu),
        }[ext]()
    except ValueError as error:  # budget.WorkTooLargeError too
        return {"download": no_update, "status": f"Nothing to export: {error}"}
    return {"download": {"content": text, "filename": filename(training, ext)}, "status": ""}
