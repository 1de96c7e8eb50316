"""Descent, the Dash app. ``gunicorn app:server`` serves it; ``python -m app`` runs it locally."""

import os
from functools import cache

#: Threads a BLAS library may start, set before NumPy loads it (unless the environment says
#: otherwise). One: a server's workers already use every core, and on a busy machine a second BLAS
#: thread makes small products tens of times slower (they wait for a core); the budget also times
#: a request by its own thread's CPU, which would miss work done in BLAS threads. bench/README.md
#: has the figures.
BLAS_THREADS = "1"
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, BLAS_THREADS)


@cache
def _server():
    from app.main import create_app

    return create_app().server


def __getattr__(name):
    if name == "server":
        return _server()
    raise AttributeError(f"module 'app' has no attribute {name!r}")
