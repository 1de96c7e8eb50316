"""The classroom pages end to end in headless Chromium: a teacher and three students, each in a
browser context of their own (separate cookies and storage), against the real app on a free port
with its own SQLite database."""

from __future__ import annotations

import os
import re
import socket
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app.classroom import store as store_module

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('class') / 'descent.sqlite3'}"
    previous = os.environ.get(store_module.DATABASE_URL_ENV)
    os.environ[store_module.DATABASE_URL_ENV] = url
    from app.main import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, create_app().server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)
    store_module.store_for(url).engine.dispose()
    if previous is None:
        os.environ.pop(store_module.DATABASE_URL_ENV, None)
    else:
        os.environ[store_module.DATABASE_URL_ENV] = previous


def watched(browser, problems: list):
    """A page in a fresh context whose console errors and page errors are collected."""
    page = browser.new_context().new_page()
    page.set_default_timeout(WAIT_MS)
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return page


def submit(page, lr: str) -> None:
    before = page.locator("#s-message").inner_text()
    page.fill("#s-lr", lr)
    page.click("#s-submit")
    expect(page.locator("#s-message")).not_to_have_text(before)


def test_a_teacher_and_three_students(browser, base_url):
    problems: list[str] = []
    teacher = watched(browser, problems)
    teacher.goto(f"{base_url}/class/")
    teacher.click("#t-start")
    code_box = teacher.locator("#t-code-text")
    expect(code_box).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
    code = code_box.inner_text()
    expect(teacher.locator("#t-link")).to_contain_text(f"{base_url}/class/join?code={code}")
    qr = teacher.locator("#t-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.complete && img.naturalWidth") >= 200  # scannable from afar

    names = ["Ann", "<b>Bob</b>", "=cmd()"]
    rates = ["0.0005", "0.001", "0.5"]  # the last one diverges on Rosenbrock from (-1.5, 2)
    students = []
    for name, lr in zip(names, rates, strict=True):
        page = watched(browser, problems)
        page.goto(f"{base_url}/class/join?code={code}")
        expect(page.locator("#s-code")).to_have_value(code)
        page.fill("#s-name", name)
        submit(page, lr)
        expect(page.locator("#s-message")).to_contain_text("Attempt #")
        students.append(page)
    expect(students[2].locator("#s-message")).to_contain_text("diverged")

    rows = teacher.locator("#t-board tr.attempt")
    expect(rows).to_have_count(3)
    board = teacher.locator("#t-board")
    for name in names:
        expect(board).to_contain_text(name)  # as typed: text, never markup
    assert teacher.locator("#t-board b").count() == 0
    expect(teacher.locator("#t-board tr.diverged")).to_have_count(1)
    teacher.wait_for_function(
        "() => document.querySelector('#t-map .js-plotly-plot')?.data?.length === 5"
    )  # contour, start, three paths
    teacher.wait_for_function(  # the spread of learning rates: one dot per attempt
        """() => {
            const data = document.querySelector('#t-lrs .js-plotly-plot')?.data;
            return data && data.reduce((n, trace) => n + (trace.x || []).length, 0) === 3;
        }"""
    )

    # each student sees only their own attempts
    for page in students:
        expect(page.locator("#s-mine li")).to_have_count(1)

    teacher.click("#t-names")
    expect(board).not_to_contain_text("Ann")
    expect(teacher.locator("#t-board td", has_text="(hidden)")).to_have_count(3)

    teacher.click("#t-lock")
    expect(teacher.locator("#t-status")).to_contain_text("locked")
    submit(students[0], "0.0002")
    expect(students[0].locator("#s-message")).to_contain_text("locked")

    teacher.click("#t-lock")  # unlock: the second attempt of student 0 goes in
    expect(teacher.locator("#t-status")).to_contain_text("open")
    submit(students[0], "0.0003")
    expect(students[0].locator("#s-mine li")).to_have_count(2)
    expect(rows).to_have_count(4)

    teacher.click("#t-end")
    expect(teacher.locator("#t-status")).to_contain_text("ended")
    submit(students[1], "0.0004")
    expect(students[1].locator("#s-message")).to_contain_text("ended")
    assert problems == [], "\n".join(problems)
