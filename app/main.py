"""``create_app() -> Dash``: the page for the default settings, the shell's and each view's callbacks,
the assets and the contour-image route."""

from __future__ import annotations

import io
import os
import reprlib
import traceback
from functools import lru_cache
from pathlib import Path

import dash
import flask
from werkzeug.exceptions import HTTPException

from app import classroom, client_config
from app.figures_common import IMAGE_ROUTE, contour_png
from app.model import default_settings
from app.outcome import compute
from app.parsing import parse_surface, parse_window
from app.shell import callbacks, layout
from app.shell.compute import RecentRuns
from app.shell.figures import full_figures, runs_data
from app.shell.views import VIEWS

ASSETS = Path(__file__).resolve().parent.parent / "assets"

#: The largest request body accepted; larger ones get a 413 before they are read. No callback receives
#: the runs' data or a figure back from the browser (they trigger on ``shell_ids.RUNS_KEY`` and
#: recompute from the settings), so the largest real request, measured at the largest settings (8 run
#: cards with every option and a 50-step schedule, 1000 steps, a 200-character formula), is ≈ 25 KB:
#: the compute, most of it the cards' control ids; a link opened from the address bar is at most
#: ``links.MAX_LINK_CHARS``. ``tests/test_http_request_sizes.py`` keeps it 8 times under the limit.
#: A 39 MB body once kept a worker busy for 27 s.
MAX_REQUEST_BYTES = 256 * 1024


@lru_cache(maxsize=1)
def _first_view() -> tuple[dict, dict, dict]:
    """The default settings, their figures and the browser's data: the same for every visitor, so
    computed once (the figures are only read, never changed)."""
    settings = default_settings()
    outcome = compute(
        parse_surface(settings["surface"]), settings["start"], settings["steps"], "explore",
        settings["runs"], settings["compare"], settings["compare_lrs"],
    )  # fmt: skip
    return settings, full_figures(outcome, settings["loss_log"]), runs_data(outcome)


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
    app.validation_layout = layout.page(default_settings(), {}, {})
    # the shell's, the compute of Explore and Compare (with this app's recent runs), the run cards'
    callbacks.register(app, RecentRuns())
    for view in VIEWS:
        view.register(app)
    classroom.register(app)  # the live classroom: its JSON API and its pages under /class/
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES  # bodies streamed without a length
    app.server.before_request(_refuse_large)  # first: before anything reads the body
    app.server.register_error_handler(Exception, _unhandled)
    app.server.add_url_rule(f"{IMAGE_ROUTE}/<name>.png", "surface_image", surface_image)
    return app


def _refuse_large() -> flask.Response | None:
    """A 413 for a body larger than ``MAX_REQUEST_BYTES``, before anything parses it.

    A declared length is checked as it is; a body streamed without one (chunked) is read up to one
    byte past the limit and, if it fits, handed on as read. (Flask's ``MAX_CONTENT_LENGTH`` alone
    cuts such a stream at the limit without an error, so the callback would see a truncated body.)
    """
    request = flask.request
    length = request.content_length
    if length is None and "wsgi.input_terminated" in request.environ:
        body = request.environ["wsgi.input"].read(MAX_REQUEST_BYTES + 1)
        request.environ["wsgi.input"] = io.BytesIO(body)
        length = len(body)
    if length is None or length <= MAX_REQUEST_BYTES:
        return None
    return flask.Response(
        f"Request body too large: over {MAX_REQUEST_BYTES} bytes (the limit).",
        status=413,
        mimetype="text/plain",
    )


UPDATE_PATH = "/_dash-update-component"
#: Where our own code lives: an exception raised there is a bug of ours, not a malformed request.
DASH_CODE = str(Path(dash.__file__).resolve().parent) + os.sep
OUR_CODE = tuple(str(ASSETS.parent / package) + os.sep for package in ("app", "landscapes", "optimizers"))


def _unhandled(error: Exception):
    """No traceback in any response: a callback request that Dash's dispatch cannot read (missing or
    extra outputs, ids of the wrong type, a body nested too deeply) is a 400 with a short reason; an
    exception raised in our own code is logged with its traceback and answered a plain 500.

    Nothing checks the shape of dash-renderer's private request format up front: the request is
    refused where Dash fails to read it, so a Dash upgrade that changes the format refuses nobody.
    """
    if isinstance(error, HTTPException):
        return error
    if flask.request.path.endswith(UPDATE_PATH) and not _raised_in_our_code(error):  # /class/ too
        reason = reprlib.repr(str(error)) if str(error) else "unreadable"
        return flask.Response(
            f"Bad callback request ({type(error).__name__}: {reason[:120]}).",
            status=400,
            mimetype="text/plain",
        )
    flask.current_app.logger.error(
        "Unhandled %s on %s", type(error).__name__, flask.request.path, exc_info=error
    )
    return flask.Response("Internal error: it has been logged.", status=500, mimetype="text/plain")


def _raised_in_our_code(error: BaseException) -> bool:
    """Whether our code raised ``error``: it passed through our code and was not raised by Dash itself
    (Dash reading a malformed request's parts, e.g. ``ctx.triggered_id`` of a forged trigger list)."""
    files = [frame.f_code.co_filename for frame, _ in traceback.walk_tb(error.__traceback__)]
    if files and files[-1].startswith(DASH_CODE):
        return False
    return any(name.startswith(OUR_CODE) for name in files)


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


@lru_cache(maxsize=64)  # before the surface is built: a network plane's may have to be trained again
def _contour_png(name: str, formula: str | None, window: str | None) -> bytes:
    landscape = parse_surface(name, formula)
    if window is not None:
        landscape = landscape.with_bounds(parse_window(window, landscape))
    return contour_png(landscape)
