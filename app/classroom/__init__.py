"""The live classroom: a teacher's challenge, every student's attempt, stored in a real database.

``register(app)`` adds the JSON API (``app.classroom.api``) to a Dash app or a Flask server, and to a
Dash app the teacher's and students' pages (``app.classroom.pages``, at ``/class/``).
``store`` keeps classes, students and attempts (SQLite by default, PostgreSQL with
``DESCENT_DATABASE_URL``); ``challenges`` checks challenges and attempts and computes results.
"""

from __future__ import annotations

import flask


def register(app, store=None) -> None:
    """Serve the classroom API from ``app`` (a ``dash.Dash`` or a ``flask.Flask``); ``store`` (a
    ``store.Store``) overrides the database chosen from the environment."""
    from app.classroom import api, pages

    server = app if isinstance(app, flask.Flask) else app.server
    server.register_blueprint(api.blueprint)
    if store is not None:
        server.config[api.STORE_KEY] = store
    if not isinstance(app, flask.Flask):
        pages.create(server)  # the teacher's and students' pages at /class/
