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
from sqlalchemy import select
from werkzeug.serving import make_server

from app.classroom import pages
from app.classroom import store as store_module

pytestmark = pytest.mark.browser

WAIT_MS = 60_000


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('class') / 'descent.sqlite3'}"


@pytest.fixture(scope="module")
def base_url(database_url):
    previous = os.environ.get(store_module.DATABASE_URL_ENV)
    os.environ[store_module.DATABASE_URL_ENV] = database_url
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
    store_module.store_for(database_url).engine.dispose()
    if previous is None:
        os.environ.pop(store_module.DATABASE_URL_ENV, None)
    else:
        os.environ[store_module.DATABASE_URL_ENV] = previous


@pytest.fixture(autouse=True)
def patient_expect():
    """Every ``expect`` here waits as long as a page action may (a slow, busy CI machine)."""
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for the other modules


def class_codes(database_url) -> list[str]:
    """The join codes of every class in the database, oldest first."""
    with store_module.store_for(database_url).engine.begin() as c:
        return list(
            c.execute(select(store_module.classes.c.code).order_by(store_module.classes.c.id)).scalars()
        )


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


def test_a_teacher_and_three_students(browser, base_url, database_url, wait_for_dash):
    problems: list[str] = []
    teacher = watched(browser, problems)
    teacher.goto(f"{base_url}/class/")
    expect(teacher.locator("#t-lrs-typed")).not_to_have_value("")  # the form's own callbacks are done
    wait_for_dash(teacher)
    assert class_codes(database_url) == []  # opening the page starts no class
    teacher.click("#t-start")
    code_box = teacher.locator("#t-code-text")
    expect(code_box).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
    code = code_box.inner_text()
    expect(teacher).to_have_url(f"{base_url}/class/?teach={code}")  # the code in the address, no key
    wait_for_dash(teacher)
    assert class_codes(database_url) == [code]  # one click, one class
    teacher.reload()  # the projector survives a reload: the key is in this browser's localStorage
    expect(code_box).to_have_text(code)
    expect(teacher.locator("#t-setup")).to_be_hidden()
    wait_for_dash(teacher)
    assert class_codes(database_url) == [code]
    expect(teacher.locator("#t-link")).to_contain_text(f"127.0.0.1:{base_url.rsplit(':', 1)[1]}/class/{code}")
    qr = teacher.locator("#t-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.complete && img.naturalWidth") >= 200  # scannable from afar

    names = ["Ann", "<b>Bob</b>", "=cmd()"]
    rates = ["0.0005", "0.001", "0.5"]  # the last one diverges on Rosenbrock from (-1.5, 2)
    students = []
    for name, lr in zip(names, rates, strict=True):
        page = watched(browser, problems)
        page.goto(f"{base_url}/class/{code}")
        expect(page.locator("#s-code")).to_have_value(code)
        # the learning-rate box shows what is typed: wider than its − and + steppers together
        expect(page.locator("#s-lr")).to_be_visible()  # the challenge's fields show once it is read
        box, field = (page.locator(sel).bounding_box() for sel in ("#s-lr", "label:has(#s-lr)"))
        assert box["width"] >= field["width"] / 2, (box, field)
        page.fill("#s-name", name)
        submit(page, lr)
        expect(page.locator("#s-message")).to_contain_text("Sent (#")
        students.append(page)
    expect(students[2].locator("#s-message")).to_contain_text("diverged")

    rows = teacher.locator("#t-board tr.attempt")
    expect(rows).to_have_count(3)
    board = teacher.locator("#t-board")
    for name in names:
        expect(board).to_contain_text(name)  # as typed: text, never markup
    assert teacher.locator("#t-board b").count() == 0
    expect(teacher.locator("#t-board tr.diverged")).to_have_count(1)
    teacher.wait_for_function(  # contour, start, one trace per outcome: three paths in all
        """() => (document.querySelector('#t-map .js-plotly-plot')?.data || []).slice(2)
            .reduce((n, t) => n + (t.x || []).filter(v => v === null).length, 0) === 3"""
    )
    teacher.wait_for_function(  # the spread of learning rates: one dot per attempt
        """() => {
            const data = document.querySelector('#t-side .js-plotly-plot')?.data;
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
    for page in students:  # Submit is disabled, and the page says why
        expect(page.locator("#s-submit")).to_be_disabled()
        expect(page.locator("#s-state")).to_contain_text("locked")

    teacher.click("#t-lock")  # unlock: the second attempt of student 0 goes in
    expect(teacher.locator("#t-status")).to_contain_text("open")
    expect(students[0].locator("#s-state")).to_be_hidden()
    submit(students[0], "0.0003")
    expect(students[0].locator("#s-mine li")).to_have_count(2)
    expect(rows).to_have_count(4)

    teacher.click("#t-end")
    expect(teacher.locator("#t-status")).to_contain_text("ended")
    expect(students[1].locator("#s-submit")).to_be_disabled()
    expect(students[1].locator("#s-state")).to_contain_text("ended")
    assert problems == [], "\n".join(problems)


def start_class(teacher, base_url, kind: str) -> str:
    """Start a class of ``kind`` (its label on the form) from the teacher's page; its code."""
    teacher.goto(f"{base_url}/class/")
    expect(teacher.locator("#t-lrs-typed")).not_to_have_value("")
    teacher.get_by_label(kind).check()
    teacher.click("#t-start")
    code_box = teacher.locator("#t-code-text")
    expect(code_box).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
    expect(teacher.locator("#t-setup")).to_be_hidden()
    return code_box.inner_text()


def joined(browser, problems, base_url, code, name):
    page = watched(browser, problems)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{base_url}/class/{code}")
    expect(page.locator("#s-submit")).to_be_enabled()  # the challenge is read
    page.fill("#s-name", name)
    return page


def send(page) -> None:
    before = page.locator("#s-message").inner_text()
    page.click("#s-submit")
    expect(page.locator("#s-message")).not_to_have_text(before)
    expect(page.locator("#s-message")).to_contain_text("Sent (#")


def test_predict_which_rate_diverges_then_reveal(browser, base_url, wait_for_dash):
    problems: list[str] = []
    teacher = watched(browser, problems)
    code = start_class(teacher, base_url, "Predict: which learning rate diverges?")
    expect(teacher.locator("#t-question-text")).to_have_text("Which learning rate diverges?")
    students = [joined(browser, problems, base_url, code, name) for name in ("Ann", "Bob")]
    choices = students[0].locator("#s-choice input")
    expect(choices).to_have_count(4)  # the suggested rates: ½, 1, 2 and 3 times 2/λ_max
    for page, i in zip(students, (0, 3), strict=True):
        page.locator("#s-choice input").nth(i).check()
        send(page)
    rows = teacher.locator("#t-board tr.attempt")
    expect(rows).to_have_count(2)
    expect(teacher.locator("#t-board")).to_contain_text("hidden until revealed")
    teacher.click("#t-reveal")
    expect(teacher.locator("#t-status")).to_contain_text("revealed")
    expect(teacher.locator("#t-board")).to_contain_text("✓")  # Bob chose the diverging one
    expect(students[1].locator("#s-reveal")).to_contain_text("you got it right")
    expect(students[0].locator("#s-reveal")).to_contain_text("you said otherwise")
    assert problems == [], "\n".join(problems)


def test_predict_where_the_ball_stops_by_a_tap_on_the_map_then_reveal(browser, base_url, wait_for_dash):
    problems: list[str] = []
    teacher = watched(browser, problems)
    code = start_class(teacher, base_url, "Predict: where will the ball stop?")
    page = joined(browser, problems, base_url, code, "Ann")
    expect(page.locator("#s-point-map .nsewdrag")).to_be_visible()
    send_before = page.locator("#s-message").inner_text()
    page.click("#s-submit")  # no tap yet: asked for one
    expect(page.locator("#s-message")).not_to_have_text(send_before)
    expect(page.locator("#s-message")).to_contain_text("tap the map")
    box = page.locator("#s-point-map .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5)
    page.wait_for_function(
        "() => (document.querySelector('#s-point-map .js-plotly-plot')?.data?.[2]?.x || []).length === 1"
    )
    send(page)
    expect(page.locator("#s-message")).to_contain_text("you guessed (")
    expect(teacher.locator("#t-board tr.attempt")).to_have_count(1)
    teacher.click("#t-reveal")
    expect(teacher.locator("#t-board")).to_contain_text("(")  # the guess, now shown
    teacher.wait_for_function(  # the guesses, the real run and where it stopped are drawn
        """() => (document.querySelector('#t-map .js-plotly-plot')?.data || []).length >= 4"""
    )
    expect(page.locator("#s-reveal")).to_contain_text("away")
    assert problems == [], "\n".join(problems)


# Everything a student's page shows or holds: its text and every graph's data and layout.
PAGE_TEXT_JS = """() => document.body.innerText + JSON.stringify(
    [...document.querySelectorAll('.js-plotly-plot')].map(gd => [gd.data, gd.layout]))"""
OVERLAY_JS = "() => document.querySelector('#s-overlay .js-plotly-plot')?.data || []"


def overlay_trace(page, name: str) -> dict:
    """The revealed overlay's trace called ``name`` (waits for it to be drawn)."""
    page.wait_for_function(f"() => ({OVERLAY_JS})().some(t => t.name === {name!r})")
    return next(t for t in page.evaluate(OVERLAY_JS) if t["name"] == name)


def test_students_see_the_class_overlay_only_once_revealed_names_hidden_if_hidden(browser, base_url):
    problems: list[str] = []
    teacher = watched(browser, problems)
    code = start_class(teacher, base_url, "Reach the target")
    names = ["Zelda", "Quincy", "Xavier"]
    students = [joined(browser, problems, base_url, code, name) for name in names]
    for page, lr in zip(students, ("0.0005", "0.001", "0.5"), strict=True):
        page.fill("#s-lr", lr)
        send(page)
    expect(teacher.locator("#t-board tr.attempt")).to_have_count(3)

    # before the reveal: nothing of the others (the page polls every few seconds: give it two polls)
    for page in students:
        expect(page.locator("#s-reveal")).to_contain_text("when the teacher reveals")
    students[0].wait_for_timeout(2 * pages.STUDENT_REFRESH_MS)
    for i, page in enumerate(students):
        expect(page.locator("#s-overlay-box")).to_be_hidden()
        expect(page.locator("#s-submit")).to_be_enabled()
        shown = page.evaluate(PAGE_TEXT_JS)
        assert not [n for j, n in enumerate(names) if j != i and n in shown], shown[:300]

    teacher.click("#t-reveal")
    expect(teacher.locator("#t-status")).to_contain_text("revealed")
    for page in students:
        expect(page.locator("#s-overlay-box")).to_be_visible()
        ends = overlay_trace(page, "ends")  # every attempt's end point, named on hover
        assert sorted(ends["text"]) == sorted(names)
        yours = overlay_trace(page, "yours")  # the student's own path, over the class's
        assert yours["x"].count(None) == 1
        assert [v for v in yours["x"] if v is not None] != []
        expect(page.locator("#s-submit")).to_be_disabled()  # no more attempts once revealed
        expect(page.locator("#s-state")).to_contain_text("revealed")
    if shot := os.environ.get("DESCENT_CLASS_SHOT"):  # a look at the phone layout, on request
        students[0].screenshot(path=shot, full_page=True)

    teacher.click("#t-names")
    expect(teacher.locator("#t-board")).not_to_contain_text("Zelda")
    for page in students:
        page.wait_for_function(
            f"() => ({OVERLAY_JS})().some(t => t.name === 'ends' && t.text.every(n => n === '(hidden)'))"
        )
        shown = page.evaluate(PAGE_TEXT_JS)
        assert not [n for n in names if n in shown], shown[:300]
    assert problems == [], "\n".join(problems)


def test_a_student_sets_the_optimizers_other_hyperparameters(browser, base_url):
    problems: list[str] = []
    teacher = watched(browser, problems)
    code = start_class(teacher, base_url, "Reach the target")
    page = joined(browser, problems, base_url, code, "Ann")
    page.locator("#s-target-fields summary").click()  # More settings: sgd's, at torch's defaults
    momentum = page.locator('input[id*=\'"name":"momentum"\']')
    expect(momentum).to_have_value("0")
    page.fill("#s-lr", "0.0005")
    momentum.fill("0.9")
    momentum.press("Enter")
    send(page)
    expect(page.locator("#s-message")).to_contain_text("sgd, lr 0.0005, momentum 0.9:")
    momentum.fill("-1")  # out of range: the registry's words, nothing sent
    momentum.press("Enter")
    sent = page.locator("#s-message").inner_text()
    page.click("#s-submit")
    expect(page.locator("#s-message")).not_to_have_text(sent)
    expect(page.locator("#s-message")).to_contain_text("Invalid momentum")
    expect(page.locator("#s-mine li")).to_have_count(1)
    page.locator("#s-optimizer").click()  # another optimizer brings its own settings
    page.get_by_role("option", name="adam", exact=True).click()
    expect(page.locator('input[id*=\'"name":"betas.0"\']')).to_have_value("0.9")
    expect(momentum).to_have_count(0)
    if shot := os.environ.get("DESCENT_CLASS_SHOT_MORE"):
        page.screenshot(path=shot, full_page=True)
    expect(teacher.locator("#t-board tr.attempt")).to_have_count(1)
    assert problems == [], "\n".join(problems)
