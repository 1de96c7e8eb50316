"""Small controls every part of the page builds the same way: number boxes, labelled fields, graphs."""

from __future__ import annotations

from dash import dcc, html

#: ``plotGlPixelRatio`` 1 (Plotly's default is 2): a 3D view at twice the screen's resolution has four
#: times the pixels to draw and composite, which on software WebGL (a school PC, a VM) slowed every
#: frame of the whole page to a third (bench/frames.py). Screens of a higher pixel ratio get 2 in the
#: browser (assets/surface.js).
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False, "plotGlPixelRatio": 1}


def number(component_id, value, class_name="number-input", placeholder="", debounce=0.6) -> dcc.Input:
    """A number box: a text box with the numeric keyboard (``inputMode``). Not ``type="number"``: for
    "abc", "1e309" or "2.5" in a whole-number box the browser sends null, as for an empty box, so the
    message could only say "is empty"; the server gets the text and says what is wrong with it."""
    return dcc.Input(
        id=component_id, type="text", inputMode="decimal", value=value, debounce=debounce,
        className=class_name, placeholder=placeholder, autoComplete="off", spellCheck=False,
    )  # fmt: skip


def labelled(label: str, control) -> html.Label:
    return html.Label(className="field", children=[html.Span(label, className="field-label"), control])


def blank_figure() -> dict:
    """A graph's figure until its first drawing: no traces, no layout. (``{}`` has neither key, and
    Plotly warned "Calling _doPlot as if redrawing but this container doesn't yet have a plot" for
    each such graph on the page.)"""
    return {"data": [], "layout": {}}


def graph(component_id: str, figure, class_name: str) -> dcc.Graph:
    return dcc.Graph(
        id=component_id, figure=figure or blank_figure(), config=GRAPH_CONFIG, className=class_name
    )


def section(title: str, children: list, class_name: str = "") -> html.Section:
    """A sidebar section with its heading."""
    return html.Section(className=f"panel {class_name}".strip(), children=[html.H2(title), *children])


def export_menu(choices: list[tuple[str, str]], class_name: str = "") -> html.Details:
    """The Export menu: a ``<details>`` whose panel holds one button per ``(label, component_id)``."""
    return html.Details(
        className=f"export {class_name}".strip(),
        children=[
            html.Summary("Export"),
            html.Div(
                className="export-panel",
                children=[html.Button(label, id=component_id, n_clicks=0) for label, component_id in choices],
            ),
        ],
    )
