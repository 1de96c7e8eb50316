"""``create_app() -> Dash``: the page for the default settings, its callbacks and assets."""

from __future__ import annotations

from pathlib import Path

import dash
import flask

from app import callbacks, figures, layout, state, views

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def initial_page():
    """The page as it opens: the default settings, already computed and drawn."""
    settings = state.default_settings()
    landscape = state.parse_surface(settings["surface"])
    outcome = views.compute(
        landscape,
        settings["start"],
        settings["steps"],
        "explore",
        settings["runs"],
        settings["compare"],
        settings["compare_lrs"],
    )
    figures = views.full_figures(outcome, settings["loss_log"])
    return layout.page(settings, figures, views.runs_data(outcome))


def create_app() -> dash.Dash:
    app = dash.Dash(
        __name__,
        assets_folder=str(ASSETS),
        title="Descent — loss-landscape lab",
        update_title=None,
        serve_locally=True,
        eager_loading=True,  # dropdowns and sliders must not wait behind the animation for their code
    )
    app.layout = initial_page
    callbacks.register(app)
    app.server.add_url_rule(f"{figures.IMAGE_ROUTE}/<name>.png", "surface_image", surface_image)
    return app


def surface_image(name: str) -> flask.Response:
    """The contour map of a registered surface as a PNG (cached by the browser for a day)."""
    try:
        landscape = state.parse_surface(name, flask.request.args.get("formula"))
        window = flask.request.args.get("window")
        if window is not None:
            landscape = landscape.with_bounds(state.parse_window(window, landscape))
    except ValueError:
        flask.abort(404)
    response = flask.Response(figures.contour_png(landscape), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
