"""Small controls every part of the page builds the same way: number boxes, labelled fields, graphs."""

from __future__ import annotations

from dash import dcc, html

GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False}


def number(component_id, value, step="any", class_name="number-input") -> dcc.Input:
    """A number box. No min/max: the browser would send an out-of-range number as null (so the
    message would say "empty"); the server's check names the value and the allowed range instead."""
    return dcc.Input(
        id=component_id, type="number", value=value, step=step, debounce=0.6, className=class_name
    )


def labelled(label: str, control) -> html.Label:
    return html.Label(className="field", children=[html.Span(label, className="field-label"), control])


def graph(component_id: str, figure, class_name: str) -> dcc.Graph:
    return dcc.Graph(id=component_id, figure=figure or {}, config=GRAPH_CONFIG, className=class_name)


def section(title: str, children: list, class_name: str = "") -> html.Section:
    """A sidebar section with its heading."""
    return html.Section(className=f"panel {class_name}".strip(), children=[html.H2(title), *children])
