"""The classroom's figures and tables, pure: a class's challenge and attempts in, a ``go.Figure`` or
Dash table rows out. Sized for a projector (large type, thick lines); names are always text."""

from __future__ import annotations

from functools import lru_cache
from html import escape

import numpy as np
import plotly.graph_objects as go
from dash import html

import landscapes
from app.classroom import challenges, ids
from app.figures_common import log_ticks

GRID = 80
FONT = {"family": "system-ui, sans-serif", "size": 18, "color": "#1d2433"}
COLORS = {"reached": "#1a9850", "missed": "#f46d43", "diverged": "#7f7f7f"}
OUTCOME_LABELS = {"reached": "reached the target", "missed": "missed it", "diverged": "diverged"}
#: One colour per choice (colour-blind safe, Okabe–Ito), the right one is drawn thicker.
CHOICE_COLORS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9")
CORRECT = "#1a9850"
OTHER = "#9aa3b5"
GUESS = "#d55e00"
YOURS = "#6a1b9a"  # a student's own attempts on the revealed map


# ------------------------------------------------------------------------------------- maps


@lru_cache(maxsize=32)
def _grid(surface: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The surface's log-scaled loss on a ``GRID``×``GRID`` grid over its bounds: (xs, ys, z)."""
    land = landscapes.get(surface)
    (x0, x1), (y0, y1) = land.bounds
    xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        values = np.asarray(land.value(gx, gy), dtype=float)
        z = np.log10(values - float(np.nanmin(values)) + 1e-3)
    return xs, ys, z


def base_map(challenge: dict, key: str, font_size: int = FONT["size"]) -> go.Figure:
    """The challenge's contour map (log loss) with its start; ``key`` keeps the user's zoom."""
    xs, ys, z = _grid(challenge["surface"])
    figure = go.Figure(
        go.Contour(
            x=xs,
            y=ys,
            z=z,
            showscale=False,
            colorscale="Blues",
            reversescale=True,
            hoverinfo="none",
            name="loss",
            showlegend=False,
        )
    )
    start = challenge["start"]
    figure.add_scatter(
        x=[start[0]],
        y=[start[1]],
        mode="markers",
        name="start",
        marker={"size": 16, "color": "black", "symbol": "circle"},
        hoverinfo="skip",
    )
    figure.update_layout(
        font={**FONT, "size": font_size},
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        xaxis={"range": [xs[0], xs[-1]], "constrain": "domain"},
        yaxis={"range": [ys[0], ys[-1]]},
        legend={"orientation": "h", "y": -0.08, "bgcolor": "rgba(255,255,255,0.8)"},
        uirevision=key,
    )
    return figure


def attempts_map(found, attempts: list[dict]) -> go.Figure:
    """Reach the target: every attempt's path, coloured by its outcome (one legend entry each)."""
    figure = base_map(found.challenge, found.code)
    for outcome, color in COLORS.items():
        chosen = [a for a in attempts if outcome_of(a["result"]) == outcome]
        xs, ys = _joined([a["result"]["path"] for a in chosen])
        figure.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": color, "width": 3},
            opacity=0.85,
            name=f"{OUTCOME_LABELS[outcome]} ({len(chosen)})",
            hoverinfo="skip",
        )
    ends = [a for a in attempts if a["result"]["end"] is not None]
    figure.add_scatter(  # who ended where: one dot per attempt, its name on hover
        x=[a["result"]["end"][0] for a in ends],
        y=[a["result"]["end"][1] for a in ends],
        mode="markers",
        marker={"size": 9, "color": [COLORS[outcome_of(a["result"])] for a in ends]},
        # Plotly reads tags (<b>, <a>, <br>) in hover text: entities show a name as typed.
        text=[escape(shown_name(found, a)) for a in ends],
        hoverinfo="text",
        name="ends",
        showlegend=False,
    )
    return figure


def class_map(found, attempts: list[dict]) -> go.Figure:
    """The class's map as the projector shows it: every attempt (reach the target), the real runs
    (which choice) or every guess beside the real run (where it stops), these two once revealed."""
    kind = found.challenge["kind"]
    if kind == "target":
        return attempts_map(found, attempts)
    if kind == "choice":
        return choice_map(found, found.revealed)
    return point_map(found, attempts, found.revealed)


def student_overlay(found, attempts: list[dict], mine: set[int]) -> go.Figure:
    """The revealed class map on a student's phone: the projector's map (``class_map``, names as
    the teacher shows them) with the student's own attempts (ids in ``mine``) drawn over it."""
    figure = class_map(found, attempts)
    own = [a for a in attempts if a["id"] in mine]
    kind = found.challenge["kind"]
    if kind == "target" and own:
        xs, ys = _joined([a["result"]["path"] for a in own])
        figure.add_scatter(
            x=xs, y=ys, mode="lines", line={"color": YOURS, "width": 5}, name="yours", hoverinfo="skip"
        )
    elif kind == "point" and own:
        figure.add_scatter(
            x=[a["answer"]["point"][0] for a in own],
            y=[a["answer"]["point"][1] for a in own],
            mode="markers",
            marker={"size": 22, "color": YOURS, "symbol": "x", "line": {"width": 2, "color": "white"}},
            name="your guess",
            hoverinfo="skip",
        )
    elif kind == "choice":
        chosen = {a["answer"]["choice"] for a in own}
        for trace in figure.data[2:]:  # the runs, in the order of the choices
            i = int(trace.meta)
            if i in chosen:
                trace.name = f"{trace.name} (yours)"
    return phone(figure)


def phone(figure: go.Figure) -> go.Figure:
    """A map for a phone: smaller type and margins, the legend under it, no drag (the page scrolls)."""
    figure.update_layout(
        font={"size": 14},
        dragmode=False,
        margin={"l": 36, "r": 6, "t": 6, "b": 30},
        legend={"orientation": "h", "y": -0.12, "x": 0},
        hovermode="closest",
    )
    figure.update_xaxes(fixedrange=True)
    figure.update_yaxes(fixedrange=True)
    return figure


def choice_map(found, revealed: bool) -> go.Figure:
    """Predict by choosing: once revealed, each choice's real run (the right one thicker)."""
    figure = base_map(found.challenge, found.code)
    if not revealed:
        return figure
    reveal = found.challenge["reveal"]
    for i, (label, run) in enumerate(zip(found.challenge["choices"], reveal["runs"], strict=True)):
        if run is None:
            continue
        path = run["path"]
        ending = (
            f"diverged at step {run['diverged_at']}" if run["diverged"] else f"loss {run['final_loss']:.3g}"
        )
        right = reveal["answer"] == i
        figure.add_scatter(
            x=[p[0] for p in path],
            y=[p[1] for p in path],
            mode="lines",
            line={"color": CHOICE_COLORS[i % len(CHOICE_COLORS)], "width": 6 if right else 3},
            name=f"{'✓ ' if right else ''}{label}: {ending}",
            meta=i,
        )
    return figure


def point_map(found, attempts: list[dict], revealed: bool) -> go.Figure:
    """Predict by a click: once revealed, every click beside the real run and where it stopped."""
    figure = base_map(found.challenge, found.code)
    if not revealed:
        return figure
    points = [a["answer"]["point"] for a in attempts]
    figure.add_scatter(
        x=[p[0] for p in points],
        y=[p[1] for p in points],
        mode="markers",
        marker={"size": 14, "color": GUESS, "opacity": 0.75, "line": {"width": 1, "color": "white"}},
        name=f"the class's guesses ({len(points)})",
        # Plotly reads tags (<b>, <a>, <br>) in hover text: entities show a name as typed.
        text=[escape(shown_name(found, a)) for a in attempts],
        hoverinfo="text",
    )
    run = found.challenge["reveal"]["run"]
    path = run["path"]
    figure.add_scatter(
        x=[p[0] for p in path],
        y=[p[1] for p in path],
        mode="lines",
        line={"color": "black", "width": 4},
        name=f"the real run ({run['optimizer']})",
    )
    if run["end"] is not None:
        figure.add_scatter(
            x=[run["end"][0]],
            y=[run["end"][1]],
            mode="markers",
            name="where it stopped",
            marker={"size": 28, "color": "#ffd700", "symbol": "star", "line": {"width": 2, "color": "black"}},
        )
    return figure


def student_map(challenge: dict, code: str) -> go.Figure:
    """The student's map to click on: the contour, the start and their guess (trace 2, empty yet)."""
    figure = base_map(challenge, f"student-{code}", font_size=14)
    figure.add_scatter(
        x=[],
        y=[],
        mode="markers",
        name="your guess",
        marker={"size": 22, "color": GUESS, "symbol": "x", "line": {"width": 2, "color": "white"}},
    )
    figure.update_layout(showlegend=False)
    return phone(figure)


def _joined(paths: list[list[list[float]]]) -> tuple[list, list]:
    """Many paths as one trace's x and y, separated by gaps (one trace per colour draws fast)."""
    xs: list = []
    ys: list = []
    for path in paths:
        xs += [p[0] for p in path] + [None]
        ys += [p[1] for p in path] + [None]
    return xs, ys


# ------------------------------------------------------------------------------------- spreads


def lr_figure(found, attempts: list[dict]) -> go.Figure:
    """The spread of the chosen learning rates (log scale), one dot per attempt coloured by its
    outcome, against the stable limit 2/λ_max of plain gradient descent at the start."""
    figure = go.Figure()
    for outcome, color in COLORS.items():
        chosen = [a for a in attempts if outcome_of(a["result"]) == outcome]
        figure.add_scatter(
            x=[a["answer"]["hyperparameters"]["lr"] for a in chosen],
            y=[a["answer"]["optimizer"] for a in chosen],
            mode="markers",
            marker={"color": color, "size": 16, "opacity": 0.8},
            name=OUTCOME_LABELS[outcome],
        )
    limit = found.challenge.get("lr_limit")
    # The range is set, not left to Plotly (its autorange pads by the markers' pixels, and reached
    # for the misplaced label below): the rates and the limit, half a decade around.
    shown = [a["answer"]["hyperparameters"]["lr"] for a in attempts] + ([limit] if limit else [])
    shown = [v for v in shown if v > 0]
    xaxis = {"type": "log", "title": "learning rate"}
    if shown:  # labelled as the app's log axes are: not Plotly's bare minor digits ("4 5 6 … 2 3")
        xaxis["range"] = [np.log10(min(shown)) - 0.5, np.log10(max(shown)) + 0.5]
        xaxis.update(log_ticks(*xaxis["range"]))
    if limit is not None:
        figure.add_vline(x=limit, line={"dash": "dash", "width": 3})
    if limit is not None and limit > 0:
        # An annotation on a log axis is placed in log10 units (add_vline's own label is not: it
        # stood at 10**limit, near 1, and the autorange stretched to reach it).
        # Centred over the line near the middle, else reaching into the plot (from the edge it
        # ran past the figure's edge, cut off: "2/λ_max = 0.000" at 1024 px).
        low, high = xaxis.get("range", (0.0, 1.0))
        where = (np.log10(limit) - low) / (high - low) if high > low else 0.5
        figure.add_annotation(
            x=np.log10(limit),
            y=1,
            yref="paper",
            yanchor="bottom",
            xanchor="center" if 0.3 <= where <= 0.7 else "right" if where > 0.7 else "left",
            text=f"2/λ_max = {limit:.3g}",
            showarrow=False,
            font={"size": FONT["size"]},
        )
    figure.update_layout(
        font=FONT,
        xaxis=xaxis,
        yaxis={"type": "category"},
        margin={"l": 90, "r": 10, "t": 40, "b": 50},
        legend={"orientation": "h", "y": -0.25},
        uirevision=found.code,
    )
    return figure


def choice_figure(found, attempts: list[dict], revealed: bool) -> go.Figure:
    """How many chose each choice, the right one marked; before the reveal only how many answered."""
    labels = found.challenge["choices"]
    figure = go.Figure()
    figure.update_layout(font=FONT, margin={"l": 50, "r": 10, "t": 50, "b": 60}, uirevision=found.code)
    if not revealed:
        figure.add_annotation(
            text=f"{len(attempts)} answers in<br>hidden until you reveal them",
            showarrow=False,
            font={"size": 30},
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        return figure
    counts = [sum(a["answer"]["choice"] == i for a in attempts) for i in range(len(labels))]
    answer = found.challenge["reveal"]["answer"]
    figure.add_bar(
        x=[("✓ " if i == answer else "") + label for i, label in enumerate(labels)],
        y=counts,
        marker={"color": [CORRECT if i == answer else OTHER for i in range(len(labels))]},
        text=counts,
        textposition="outside",
        name="answers",
        hoverinfo="skip",
    )
    title = "the class's answers" + ("" if answer is None else f": {counts[answer]} of {len(attempts)} right")
    figure.update_layout(
        title={"text": title, "x": 0.02},
        yaxis={"title": "students", "rangemode": "tozero", "range": [0, max([*counts, 1]) * 1.2]},
        showlegend=False,
    )
    return figure


# ------------------------------------------------------------------------------------- the board


def board(found, attempts: list[dict], revealed: bool) -> list:
    """The board's rows (a header first), each with a remove button: the leaderboard for reach the
    target (reached first, fewest steps, then lowest final loss; diverged last); for a prediction the
    answers, shown once revealed (right ones / nearest clicks first)."""
    kind = found.challenge["kind"]
    if kind == "target":
        head = ("#", "name", "optimizer", "learning rate", "steps to target", "final loss")
        rows = [(a, _run_cells(a), outcome_of(a["result"])) for a in sorted(attempts, key=_run_rank)]
    elif not revealed:
        head = ("#", "name", "answer")
        rows = [(a, ["hidden until revealed"], "answered") for a in attempts]
    else:
        scored = [(a, challenges.score(found.challenge, a["answer"])) for a in attempts]
        if kind == "choice":
            head = ("#", "name", "answer", "right?")
            scored.sort(key=lambda pair: not pair[1].get("correct", False))
            rows = [(a, _choice_cells(found, a, s), _right(s)) for a, s in scored]
        else:
            head = ("#", "name", "guess", "distance to where it stopped")
            scored.sort(key=lambda pair: _distance_rank(pair[1]))
            rows = [(a, _point_cells(a, s), "answered") for a, s in scored]
    header = html.Tr([html.Th(t) for t in (*head, "")])
    return [header] + [
        html.Tr(
            [html.Td(a["id"]), html.Td(shown_name(found, a)), *[html.Td(c) for c in cells], _remove(a)],
            className=f"attempt {css}",
        )
        for a, cells, css in rows
    ]


def _remove(attempt: dict) -> html.Td:
    return html.Td(
        html.Button(
            "remove",
            id={"type": ids.REMOVE, "index": attempt["id"]},
            className="remove",
            title=f"remove attempt #{attempt['id']}",
        )
    )


def _run_rank(a: dict) -> tuple:
    r = a["result"]
    return (
        not r["reached"],
        r["steps_to_target"] or 0,
        np.inf if r["final_loss"] is None else r["final_loss"],
    )


def _run_cells(a: dict) -> list:
    r, answer = a["result"], a["answer"]
    return [
        answer["optimizer"],
        f"{answer['hyperparameters']['lr']:.4g}",
        "—" if r["steps_to_target"] is None else r["steps_to_target"],
        f"diverged (step {r['diverged_at']})" if r["diverged"] else f"{r['final_loss']:.4g}",
    ]


def _choice_cells(found, a: dict, score: dict) -> list:
    label = found.challenge["choices"][a["answer"]["choice"]]
    return [label, "—" if "correct" not in score else ("✓" if score["correct"] else "✗")]


def _right(score: dict) -> str:
    return "answered" if "correct" not in score else "reached" if score["correct"] else "missed"


def _point_cells(a: dict, score: dict) -> list:
    x, y = a["answer"]["point"]
    distance = score.get("distance")
    return [f"({x:.3g}, {y:.3g})", "—" if distance is None else f"{distance:.3g}"]


def _distance_rank(score: dict) -> float:
    return np.inf if score.get("distance") is None else score["distance"]


def outcome_of(result: dict) -> str:
    return "diverged" if result["diverged"] else "reached" if result["reached"] else "missed"


def shown_name(found, a: dict) -> str:
    return "(hidden)" if found.names_hidden else a["name"] or "anonymous"
