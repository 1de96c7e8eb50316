"""Descent, the Dash app. ``gunicorn app:server`` serves it; ``python -m app`` runs it locally."""

from functools import cache


@cache
def _server():
    from app.main import create_app

    return create_app().server


def __getattr__(name):
    if name == "server":
        return _server()
    raise AttributeError(f"module 'app' has no attribute {name!r}")
