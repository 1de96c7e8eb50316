"""Explore's components: the run cards in the sidebar, the 3D surface and contour map, and the step
inspector beside the loss chart."""

from __future__ import annotations

from dash import dcc, html

from app.components.controls import GRAPH_CONFIG, graph, section
from app.components.run_card import RunCard
from app.explore import ids


def sidebar(settings: dict) -> list:
    return [
        section(
            "Runs",
            class_name="explore-only",
            children=[
                html.Div(id=ids.RUNS, children=[RunCard(i, spec) for i, spec in enumerate(settings["runs"])]),
                html.Button("+ Add a run", id=ids.ADD_RUN, className="add-run", n_clicks=0),
            ],
        )
    ]


def view_class(with_model: bool) -> str:
    """The views' classes: with the Model view (a data surface) or without (assets/dataview.css)."""
    return "explore-view explore-only" + (" with-model" if with_model else "")


def panel(figures: dict, runs_data: dict) -> html.Div:
    return html.Div(
        id=ids.EXPLORE_VIEW,
        className=view_class(False),
        children=[
            graph(ids.SURFACE_3D, figures.get("surface"), "graph-3d"),
            graph(ids.CONTOUR, figures.get("contour"), "graph-contour"),
            html.Div(
                id=ids.MODEL_PANEL,
                className="model-panel",
                children=[html.H2("Model"), _model_graph()],
            ),
        ],
    )


def _model_graph() -> dcc.Graph:
    """Empty until a data surface's runs arrive (the first page stays as light as before); no mode
    bar: it would cover the small panel's top."""
    model = graph(ids.MODEL, None, "graph-model")
    model.config = {**GRAPH_CONFIG, "displayModeBar": False}
    return model


def bottom(runs_data: dict) -> list:
    """The step inspector, beside the loss chart."""
    return [
        html.Div(
            className="inspector-panel explore-only",
            children=[
                html.Div(
                    className="inspector-head",
                    children=[
                        html.H2("Step inspector"),
                        # Closed at first: a compute then sends no per-step details (app.shell.compute).
                        dcc.Checklist(
                            id=ids.INSPECT_OPEN,
                            className="inspect-open",
                            options=[{"label": " show", "value": "on"}],
                            value=[],
                        ),
                        dcc.Dropdown(
                            id=ids.INSPECT_RUN,
                            className="inspect-run",
                            value=0,
                            clearable=False,
                            searchable=False,
                            options=_inspect_options(runs_data),
                        ),
                    ],
                ),
                html.Div(id=ids.INSPECTOR, className="inspector"),
                dcc.Store(id=ids.INSPECT_REQUEST),
                dcc.Store(id=ids.INSPECT_DATA),
            ],
        )
    ]


def _inspect_options(runs_data: dict) -> list[dict]:
    """The runs the step inspector can show (assets/playback.js keeps this list up to date)."""
    return [{"label": run["label"], "value": i} for i, run in enumerate(runs_data.get("inspector", []))]
