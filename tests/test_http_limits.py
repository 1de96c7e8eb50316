"""Bounded requests: bodies over ``MAX_REQUEST_BYTES`` get a 413 before they are parsed (with a length
and streamed without one), and ``python -m app`` never serves the debugger beyond loopback unless
forced."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from werkzeug.serving import make_server

from app import ids
from app.__main__ import is_loopback, main
from app.explore import ids as explore_ids
from app.main import MAX_REQUEST_BYTES, create_app
from app.shell import ids as shell_ids
from bench.dash_client import UPDATE_URL, DashClient

COMPUTE_LIKE = {"output": "surface-3d.figure", "inputs": [], "changedPropIds": []}


def huge_body(size: int) -> bytes:
    """A JSON callback body of about ``size`` bytes (150 000 extra run-card items, as once sent)."""
    items = [{"id": {"type": "run-card", "run": k}, "property": "id"} for k in range(size // 40)]
    return json.dumps({**COMPUTE_LIKE, "state": items}).encode()[: max(size, 1)]


@pytest.fixture(scope="module")
def app():
    return create_app()


@pytest.fixture(scope="module")
def server(app):
    """The app on werkzeug's threaded server on loopback (a real socket, so a chunked body is real)."""
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(10)


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(app):
    client = app.server.test_client()
    body = huge_body(MAX_REQUEST_BYTES + 1)
    assert len(body) == MAX_REQUEST_BYTES + 1
    reply = client.post(UPDATE_URL, data=body, content_type="application/json")
    assert reply.status_code == 413
    text = reply.get_data(as_text=True)
    assert "too large" in text and "Traceback" not in text and len(text) < 200


def test_a_body_at_the_limit_is_read(app):
    client = app.server.test_client()
    reply = client.post(
        UPDATE_URL, data=b" " * (MAX_REQUEST_BYTES - 2) + b"{}", content_type="application/json"
    )
    assert reply.status_code == 400, "read and refused for what it says, not for its size"


@pytest.mark.parametrize("path", [UPDATE_URL, "/", "/_dash-layout", "/no-such-page"])
def test_a_chunked_body_without_a_length_is_cut_at_the_limit(server, path):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    chunk = b"[" + b"1," * (64 * 1024)
    sent = 0
    try:
        while sent <= 2 * MAX_REQUEST_BYTES:
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        connection.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before the end: fine
    reply = connection.getresponse()
    text = reply.read().decode()
    connection.close()
    assert reply.status == 413, (reply.status, text[:200])
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.org", False),
        ("", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "classroom.local"])
def test_debug_with_a_network_host_is_refused_with_the_reason(host, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--debug", "--host", host])
    assert info.value.code == 2
    error = capsys.readouterr().err
    assert "interactive debugger" in error and "--allow-remote-debug" in error and host in error


def test_a_chunked_body_under_the_limit_reaches_its_callback(app, server):
    body = json.dumps(
        DashClient(app).body(f"{explore_ids.SURFACE_3D}.figure", [(ids.STEPS, "value", 40)])
    ).encode()
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
    connection.putrequest("POST", UPDATE_URL)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    for start in range(0, len(body), 1000):
        piece = body[start : start + 1000]
        connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
    connection.send(b"0\r\n\r\n")
    reply = connection.getresponse()
    answer = json.loads(reply.read())
    connection.close()
    assert reply.status == 200 and answer["response"][shell_ids.FRAME]["max"] == 40
