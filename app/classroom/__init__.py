"""The live classroom: a teacher's challenge, every student's attempt, stored in a real database.

``register(app)`` adds the JSON API (``app.classroom.api``) to a Dash app or a Flask server, and to a
Dash app the teacher's and students' pages (``app.classroom.pages``, at ``/class/``).
``store`` keeps classes, students and attempts (SQLite by default, PostgreSQL with
``DESCENT_DATABASE_URL``); ``challenges`` checks challenges and attempts and computes results.
"""

from __future__ import annotations

import os

import flask
from werkzeug.middleware.proxy_fix import ProxyFix

#: How many reverse proxies (a load balancer, nginx) stand in front of the server: the client
#: address is then read from the n-th ``X-Forwarded-For`` entry from the right, the one the proxy
#: nearest us added. Unset or 0: the direct peer's address, and the header is ignored.
TRUSTED_PROXIES_ENV = "DESCENT_TRUSTED_PROXIES"


def trusted_proxies() -> int:
    value = os.environ.get(TRUSTED_PROXIES_ENV, "").strip() or "0"
    if not value.isdigit() or int(value) > 10:
        raise ValueError(f"{TRUSTED_PROXIES_ENV} must be a number of proxies from 0 to 10, not {value!r}")
    return int(value)


def register(app, store=None) -> None:
    """Serve the classroom API from ``app`` (a ``dash.Dash`` or a ``flask.Flask``); ``store`` (a
    ``store.Store``) overrides the database chosen from the environment."""
    from app.classroom import api, pages

    server = app if isinstance(app, flask.Flask) else app.server
    hops = trusted_proxies()
    if hops and not isinstance(server.wsgi_app, ProxyFix):
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops)
    server.register_blueprint(api.blueprint)
    if store is not None:
        server.config[api.STORE_KEY] = store
    if not isinstance(app, flask.Flask):
        pages.create(server)  # the teacher's and students' pages at /class/
