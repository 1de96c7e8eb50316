"""``create_app() -> Dash``: the page for the default settings, its callbacks and assets."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import dash
import flask

from app import callbacks, client_config, figures, layout, requests, state, views

ASSETS = Path(__file__).resolve().parent.parent / "assets"


@lru_cache(maxsize=1)
def _first_view() -> tuple[dict, dict, dict]:
    """The default settings, their figures and the browser's data: the same for every visitor, so
    computed once (the figures are only read, never changed)."""
    settings = state.default_settings()
    outcome = views.compute(
        state.parse_surface(settings["surface"]), settings["start"], settings["steps"], "explore",
        settings["runs"], settings["compare"], settings["compare_lrs"],
    )  # fmt: skip
    return settings, views.full_figures(outcome, settings["loss_log"]), views.runs_data(outcome)


def initial_page():
    """The page as it opens: the default settings, already computed and drawn."""
    return layout.page(*_first_view())


def create_app() -> dash.Dash:
    app = dash.Dash(
        __name__,
        assets_folder=str(ASSETS),
        title="Descent — loss-landscape lab",
        update_title=None,
        serve_locally=True,
        eager_loading=True,  # dropdowns and sliders must not wait behind the animation for their code
        compress=True,  # flask-compress: brotli or gzip, ~10 MB of JavaScript becomes ~2 MB
    )
    client_config.install(app)  # the browser's configuration in the page; no unused scripts
    app.layout = initial_page
    # Every component id, without the first figures (Dash would otherwise embed them in every page).
    app.validation_layout = layout.page(state.default_settings(), {}, {})
    callbacks.register(app)
    app.server.before_request(lambda: _refuse_malformed(app))
    app.server.add_url_rule(f"{figures.IMAGE_ROUTE}/<name>.png", "surface_image", surface_image)
    return app


def _refuse_malformed(app: dash.Dash) -> flask.Response | None:
    """A 400 for a callback request of a shape Dash's own renderer never sends (see ``app.requests``)."""
    request = flask.request
    if request.path != requests.UPDATE_PATH or request.method != "POST":
        return None
    problem = requests.malformed(request.get_json(silent=True), app.callback_map)
    if problem is None:
        return None
    return flask.Response(f"Bad callback request: {problem}", status=400, mimetype="text/plain")


def surface_image(name: str) -> flask.Response:
    """The contour map of a surface as a PNG (cached by the browser for a day); 404 if unknown."""
    args = flask.request.args
    try:
        data = _contour_png(name, args.get("formula"), args.get("window"))
    except ValueError:
        flask.abort(404)
    response = flask.Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@lru_cache(maxsize=64)
def _contour_png(name: str, formula: str | None, window: str | None) -> bytes:
    landscape = state.parse_surface(name, formula)
    if window is not None:
        landscape = landscape.with_bounds(state.parse_window(window, landscape))
    return figures.contour_png(landscape)
