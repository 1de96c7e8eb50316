"""Compare's components: one optimizer's card and the learning rates in the sidebar, the panels in the
view."""

from __future__ import annotations

from dash import dcc, html

from app.compare import ids
from app.components.controls import graph, labelled, section
from app.components.run_card import RunCard


def sidebar(settings: dict) -> list:
    return [
        section(
            "One optimizer, several learning rates",
            class_name="compare-only",
            children=[
                labelled(
                    "learning rates",
                    dcc.Input(
                        id=ids.COMPARE_LRS,
                        type="text",
                        value=settings["compare_lrs"],
                        debounce=0.6,
                        className="text-input",
                        placeholder="0.001, 0.01, 0.1 or 0.001:1:4",
                    ),
                ),
                html.Div(
                    "Comma-separated, or low:high:count for log-spaced values (at most 8).",
                    className="hint",
                ),
                html.Div(id=ids.COMPARE_ERROR, className="error", role="alert"),
                html.Div(
                    id=ids.COMPARE_CARD, children=RunCard("compare", settings["compare"], with_lr=False)
                ),
            ],
        )
    ]


def panel(figures: dict, runs_data: dict) -> html.Div:
    return html.Div(
        id=ids.COMPARE_VIEW,
        className="compare-view compare-only",
        children=[graph(ids.COMPARE, figures.get("compare"), "graph-compare")],
    )


def bottom(runs_data: dict) -> list:
    """Nothing beside the loss chart: the panels' titles say how each rate ended."""
    return []
