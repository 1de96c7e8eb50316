"""Others are not stalled: against gunicorn with the production worker model (``bench.load``'s
``GUNICORN_OPTIONS``, 2 workers) on 127.0.0.1, light requests answer while two of the heaviest
requests a user can make (formulas SymPy takes ~30 s to differentiate) run, and finish before them.

Ordering, not milliseconds, is asserted: with one thread per worker (gunicorn's default) both
workers would be busy and the light requests would finish after the heavy ones.
"""

from __future__ import annotations

import threading
import time

import pytest

from app import ids
from app.explore import ids as explore_ids
from app.model import CUSTOM
from app.shell import ids as shell_ids
from bench.dash_client import DashClient
from bench.load import WORKERS, Server

SETTINGS = f"{shell_ids.NOTICE}.children"
COMPUTE = f"{explore_ids.SURFACE_3D}.figure"
#: Nested powers of hyperbolic functions of x^x: refused at the 2 s deadline (tests/test_formula.py).
HEAVY = [
    "cosh(sinh(sqrt((tanh(exp(tanh(x^x))))^(-1)))^(1/2)) + 2",
    "cosh(sinh(sqrt((tanh(exp(tanh(y^y))))^(-1)))^(1/2)) + 3",
]


@pytest.fixture(scope="module")
def server():
    server = Server(WORKERS)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def light(client: DashClient, k: int):
    """A page's callback map, or a short run: what other students send meanwhile."""
    if k % 2:
        return client.get("/_dash-dependencies")
    return client.call(COMPUTE, [(ids.STEPS, "value", 20 + k), (ids.SURFACE, "value", "bowl")])


def test_light_requests_finish_while_two_heavy_ones_run(server):
    client = DashClient(server.url, timeout=60)
    for k in range(4 * WORKERS):  # every worker has built the app and computed once
        assert light(client, k).status == 200
    heavy: dict[int, tuple[float, object]] = {}

    def send_heavy(i: int) -> None:
        own = DashClient(server.url, timeout=60)
        own.page, own.deps = client.page, client.deps
        changes = [(ids.SURFACE, "value", CUSTOM), (ids.FORMULA, "value", HEAVY[i])]
        reply = own.call(SETTINGS, changes)
        heavy[i] = (time.monotonic(), reply)
        own.close()

    threads = [threading.Thread(target=send_heavy, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # both heavy requests are in the server
    light_done = []
    for k in range(6):
        reply = light(client, k)
        assert reply.status == 200, reply.text(300)
        light_done.append(time.monotonic())
        assert not heavy, f"a heavy request finished before light request {k}"
    for thread in threads:
        thread.join(120)
    client.close()
    assert sorted(heavy) == [0, 1], "both heavy requests answered"
    for _, reply in heavy.values():
        assert reply.status == 200
        assert "takes too long to prepare" in reply.response[ids.FORMULA_ERROR]["children"]
    assert max(light_done) < min(done for done, _ in heavy.values())
