"""Browser tests: the app on a free local port, one headless Chromium, a fresh page per test.

Every test that uses ``page`` fails if the browser console shows an error or a warning, or the page
throws; ``@pytest.mark.allow_console`` turns the check off, ``@pytest.mark.allow_console("text", ...)``
only ignores messages that contain one of the texts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import launch  # tests/browser/chromium.py: the flags shared with docs/ and bench/
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

VIEWPORT = {"width": 1400, "height": 900}
# Every wait and action may take this long: what takes a second on a quiet machine can take tens of
# seconds on a slow CI machine with both cores busy. Tests wait on drawn state, never a fixed time.
DEFAULT_TIMEOUT_MS = 60_000
# DESCENT_CPU_THROTTLE=4 runs every page on a CPU four times slower (Chromium's own throttling, as
# DevTools does it): a check that the tests pass on a slow, busy machine.
CPU_THROTTLE = float(os.environ.get("DESCENT_CPU_THROTTLE", "1"))
HERE = Path(__file__).resolve().parent

# Rendered: the layout has arrived (no "Loading..." placeholder) and no callback is pending.
DASH_READY_JS = """(callbacks) => {
    const root = document.querySelector('#react-entry-point');
    return root !== null && root.children.length > 0
        && !document.querySelector('._dash-loading')
        && !(callbacks && document.querySelector('._dash-loading-callback'));
}"""


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "allow_console(*texts): skip the clean-console check of a browser test, "
        "or ignore only the messages containing one of the texts",
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


class ConsoleLog:
    """Console errors and warnings and uncaught exceptions of one page, one line each. Plotly writes
    its warnings with ``console.trace`` ("WARN: ..."): a trace counts as a warning."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def attach(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error.name}: {error.message}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning", "trace"):
            where = message.location.get("url", "")
            self.messages.append(f"console.{message.type}: {message.text}" + (f" ({where})" if where else ""))

    def problems(self, ignore: tuple[str, ...] = ()) -> list[str]:
        return [m for m in self.messages if not any(text in m for text in ignore)]

    def report(self, ignore: tuple[str, ...] = ()) -> str:
        """Empty if clean, else the problems (minus the ignored ones) as a message."""
        problems = self.problems(ignore)
        return "browser console is not clean:\n  " + "\n  ".join(problems) if problems else ""

    def assert_clean(self, ignore: tuple[str, ...] = ()) -> None:
        __tracebackhide__ = True
        assert not (report := self.report(ignore)), report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    # Checked here rather than in a fixture teardown so a dirty console is a test failure, not an error.
    console = item.funcargs.get("console")
    if console is None:
        return (yield)
    try:
        result = yield
    finally:
        _flush_events(item.funcargs.get("page"))
        if console.messages:
            item.add_report_section("call", "browser console", "\n".join(console.messages))
    marker = item.get_closest_marker("allow_console")
    if (marker is None or marker.args) and (report := console.report(ignore=marker.args if marker else ())):
        pytest.fail(report, pytrace=False)
    return result


def _flush_events(page: Page | None) -> None:
    """One round trip to the page, so every console event it sent before has been delivered."""
    if page is not None and not page.is_closed():
        try:
            page.evaluate("0")
        except PlaywrightError:
            pass  # navigating or crashed: nothing more to wait for


class QuietRequestHandler(WSGIRequestHandler):
    """No access log (failed requests still show in the browser console); server errors still logged."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture(scope="session")
def app_server() -> Iterator[BaseWSGIServer]:
    """The app from ``create_app()``, served by werkzeug in a background thread; yields the server."""
    from app.main import create_app  # here, so a broken app fails the browser tests, not collection

    # Port 0: the OS picks a free port, so there is no race between finding one and binding it.
    server = make_server(
        "127.0.0.1", 0, create_app().server, threaded=True, request_handler=QuietRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="dash-app", daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def base_url(app_server) -> str:
    return f"http://127.0.0.1:{app_server.server_port}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        try:
            browser = launch(playwright)
        except FileNotFoundError as missing:
            pytest.fail(str(missing))
        yield browser
        browser.close()


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser, console) -> Iterator[Page]:
    """A blank page in its own browser context (1400×900); its console is recorded in ``console``."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    throttle(page)
    console.attach(page)
    yield page
    context.close()


def throttle(page: Page) -> None:
    """Slow the page's CPU by ``DESCENT_CPU_THROTTLE`` (nothing if unset)."""
    if CPU_THROTTLE > 1:
        session = page.context.new_cdp_session(page)
        session.send("Emulation.setCPUThrottlingRate", {"rate": CPU_THROTTLE})


def wait_for_dash(page: Page, timeout: float = DEFAULT_TIMEOUT_MS, callbacks: bool = True) -> None:
    """Wait until Dash has rendered the layout and, if ``callbacks``, no callback is pending."""
    page.wait_for_function(DASH_READY_JS, arg=callbacks, timeout=timeout)


@pytest.fixture(name="wait_for_dash")
def wait_for_dash_fixture():
    """``wait_for_dash(page, timeout=60_000, callbacks=True)``, for tests (they cannot import conftest)."""
    return wait_for_dash


@pytest.fixture
def app_page(page, base_url) -> Page:
    """``page`` with the app loaded and rendered."""
    page.goto(base_url)
    wait_for_dash(page)
    return page
