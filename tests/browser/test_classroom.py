"""Lessons, share links, the step inspector, keyboard shortcuts and exports, in a real Chromium."""

from __future__ import annotations

import csv
import io
import json
import struct
import time

import pytest
from page_state import LINK_STATE_JS, LINK_STEP_JS

from app import ids, lessons, links, model, parsing
from app.explore import ids as explore_ids
from app.networks import ids as networks_ids
from app.shell import export
from app.shell import ids as shell_ids

WAIT_MS = 120_000  # generous: a slow, busy CI machine (a networks lesson took over 60 s there)


def step_of(page) -> int:
    return int(page.inner_text(f"#{shell_ids.STEP_LABEL}").split()[1])


def wait_for_step(page, condition: str) -> None:
    page.wait_for_function(
        f"() => {{ const s = parseInt("
        f"document.getElementById('{shell_ids.STEP_LABEL}')?.innerText.split(' ')[1]);"
        f" return {condition}; }}",
        timeout=WAIT_MS,
    )


def open_lesson(page, lesson) -> None:
    page.click(f"#{shell_ids.LESSON}")
    page.get_by_role("option", name=lesson.title, exact=True).click()
    title = json.dumps(lesson.title)
    page.wait_for_function(
        f"() => document.getElementById('{shell_ids.LESSON_PANEL}')?.innerText.startsWith({title})",
        timeout=WAIT_MS,
    )


def ghost(page, component_id: str, index: int):
    script = "([c, i]) => document.querySelector('#' + c + ' .js-plotly-plot').data[i].x"
    return page.evaluate(script, [component_id, index])


@pytest.mark.parametrize("name", lessons.names())
def test_every_lesson_loads_and_plays(app_page, name):
    lesson = lessons.get(name)
    open_lesson(app_page, lesson)
    settings = links.settings_from_json(lesson.settings)
    if settings["mode"] == "networks":  # its own view: the networks train and their figures draw
        for graph in (networks_ids.BOUNDARY, networks_ids.LOSS, networks_ids.PCA_PLANE):
            app_page.wait_for_function(
                f"() => document.querySelectorAll('#{graph} .js-plotly-plot .trace').length > 0",
                timeout=WAIT_MS,
            )
        return
    explore = settings["mode"] == "explore"
    runs = len(settings["runs"]) if explore else len(parsing.parse_lr_list(settings["compare_lrs"]))
    app_page.wait_for_function(
        f"() => document.querySelectorAll('#{shell_ids.LOSS} .legendtext').length === {runs}", timeout=WAIT_MS
    )
    assert app_page.input_value(f"#{ids.STEPS}") == str(settings["steps"])
    if settings["step"] is None:
        wait_for_step(app_page, "s >= 3")  # plays by itself
    else:
        app_page.click(f"#{shell_ids.FORWARD}")  # opens paused: step through it
        wait_for_step(app_page, f"s === {settings['step'] + 1}")
    legend = app_page.locator(f"#{shell_ids.LOSS} .legendtext").all_text_contents()
    expected = [spec.label() for spec in settings["runs"]] if explore else None
    assert expected is None or legend == expected


def wait_for_open_inspector(app_page) -> None:
    """Wait for the step inspector a lesson opens (it opens closed elsewhere): "show" ticked, and the
    numbers of the run it shows (fetched from the server)."""
    app_page.wait_for_function(
        f"() => document.querySelector('#{explore_ids.INSPECT_OPEN} input').checked"
        f" && document.getElementById('{explore_ids.INSPECTOR}').innerText.includes('L(w)')",
        timeout=WAIT_MS,
    )


def test_update_rule_lesson_shows_the_numbers_plugged_in(app_page):
    open_lesson(app_page, lessons.get("update-rule"))
    wait_for_step(app_page, "s === 0")
    wait_for_open_inspector(app_page)
    app_page.keyboard.press("ArrowRight")
    wait_for_step(app_page, "s === 1")
    text = app_page.inner_text(f"#{explore_ids.INSPECTOR}")
    assert "w ← w − α·∂L/∂w" in text
    assert "= (4, 0) − 0.1 × (8, 0)" in text  # from x = 4: slope 8, next x = 3.2
    assert "= (3.2, 0)" in text


def test_the_inspector_shows_the_run_picked_and_keeps_the_step(app_page):
    open_lesson(app_page, lessons.get("momentum"))
    wait_for_step(app_page, "s >= 3")
    app_page.click(f"#{shell_ids.PLAY}")  # pause
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.PLAY}').innerText.includes('Play')"
    )
    step = step_of(app_page)
    wait_for_open_inspector(app_page)
    plain = app_page.inner_text(f"#{explore_ids.INSPECTOR}")  # plain SGD first: the rule with its numbers
    assert "w ← w − α·∂L/∂w" in plain and "momentum_buffer" not in plain, plain
    runs = lessons.get("momentum").settings["runs"]
    label = links.run_from_json(runs[1]).label()
    app_page.click(f"#{explore_ids.INSPECT_RUN}")
    app_page.get_by_role("option", name=label, exact=True).click()
    app_page.wait_for_function(
        f"() => document.getElementById('{explore_ids.INSPECTOR}').innerText.includes('momentum_buffer')",
        timeout=WAIT_MS,
    )
    text = app_page.inner_text(f"#{explore_ids.INSPECTOR}")
    assert text.startswith(label) and step_of(app_page) == step


def test_keyboard_space_plays_and_r_resets(app_page):
    open_lesson(app_page, lessons.get("update-rule"))
    wait_for_step(app_page, "s === 0")
    app_page.keyboard.press(" ")
    wait_for_step(app_page, "s >= 2")
    app_page.keyboard.press(" ")
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.PLAY}').innerText.includes('Play')"
    )
    app_page.keyboard.press("r")
    wait_for_step(app_page, "s === 0")


def test_share_link_reopens_the_same_view(app_page, browser, console):
    open_lesson(app_page, lessons.get("momentum"))
    wait_for_step(app_page, "s >= 5")
    app_page.click(f"#{shell_ids.PLAY}")  # pause
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.PLAY}').innerText.includes('Play')"
    )
    # paused: the step label (set through Dash) catches up with the player's step, and so does the link
    step = app_page.evaluate("() => window.descent.player.state().step")
    wait_for_step(app_page, f"s === {step}")
    app_page.click(f"#{shell_ids.SHARE}")
    app_page.wait_for_function(
        f"(s) => ({LINK_STEP_JS})(document.getElementById('{shell_ids.SHARE_LINK}').value) === s",
        arg=step,
        timeout=WAIT_MS,
    )
    link = app_page.input_value(f"#{shell_ids.SHARE_LINK}")
    paths = [ghost(app_page, explore_ids.CONTOUR, 2 + 3 * i) for i in range(3)]

    fresh = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    console.attach(fresh)
    fresh.goto(link)
    fresh.wait_for_function(
        f"() => document.getElementById('{shell_ids.LESSON_PANEL}')?.innerText.startsWith('Momentum')",
        timeout=WAIT_MS,
    )
    wait_for_step(fresh, f"s === {step}")
    assert fresh.inner_text(f"#{shell_ids.PLAY}").strip().endswith("Play")  # opens paused at the shared step
    fresh.wait_for_function(
        "() => { const gd = document.querySelector('#contour .js-plotly-plot');"
        " return gd && gd.data[8] && gd.data[8].x.length > 0; }",
        timeout=WAIT_MS,
    )
    assert [ghost(fresh, explore_ids.CONTOUR, 2 + 3 * i) for i in range(3)] == paths
    assert fresh.input_value(f"#{ids.STEPS}") == "100"
    fresh.context.close()


def test_classroom_link_hides_the_controls_and_projector_mode_enlarges(app_page, browser, console):
    app_page.click(f"#{shell_ids.SHARE}")
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.SHARE_LINK}').value.includes('?state=')"
    )
    app_page.get_by_text("classroom link: hide the controls").click()
    # The link also changes as the player moves, so wait on what it holds, not on any change.
    app_page.wait_for_function(
        f"() => ({LINK_STATE_JS})(document.getElementById('{shell_ids.SHARE_LINK}').value)"
        "?.classroom === true",
        timeout=WAIT_MS,
    )
    link = app_page.input_value(f"#{shell_ids.SHARE_LINK}")
    assert links.decode_settings("?" + link.split("?", 1)[1])["classroom"] is True
    fresh = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    console.attach(fresh)
    fresh.goto(link)
    fresh.wait_for_function(
        "() => document.getElementById('root')?.className.includes('classroom')", timeout=WAIT_MS
    )
    assert fresh.locator(".sidebar").is_hidden()
    assert fresh.locator(f"#{explore_ids.CONTOUR}").is_visible()
    before = fresh.evaluate("() => parseFloat(getComputedStyle(document.getElementById('root')).fontSize)")
    fresh.get_by_text("Projector").click()
    fresh.wait_for_function("() => document.getElementById('root')?.className.includes('present')")
    after = fresh.evaluate("() => parseFloat(getComputedStyle(document.getElementById('root')).fontSize)")
    assert after > before
    # The charts' type grows too (read back from what Plotly drew), and shrinks again.
    tick = f"() => parseFloat(document.querySelector('#{shell_ids.LOSS} .xtick text').style.fontSize)"
    fresh.wait_for_function(f"() => ({tick})() >= 20", timeout=WAIT_MS)
    fresh.get_by_text("Projector").click()
    fresh.wait_for_function(f"() => ({tick})() === 15", timeout=WAIT_MS)
    fresh.context.close()


@pytest.mark.allow_console("Failed to load resource")  # none expected; a broken link must not break the page
def test_a_damaged_link_says_so_and_keeps_the_default_view(page, base_url, wait_for_dash):
    page.goto(base_url + "/?state=bm90IGpzb24")
    wait_for_dash(page, callbacks=False)
    page.wait_for_function(
        f"() => document.getElementById('{shell_ids.NOTICE}').innerText.includes('could not be opened')",
        timeout=WAIT_MS,
    )
    assert page.input_value(f"#{ids.STEPS}") == str(model.DEFAULT_STEPS)


@pytest.mark.parametrize(
    "button, ext",
    [(shell_ids.EXPORT_CSV, "csv"), (shell_ids.EXPORT_JSON, "json"), (shell_ids.EXPORT_HTML, "html")],
)
def test_exports_download_valid_files(app_page, tmp_path, button, ext):
    app_page.click(".export summary:visible")  # the shown view's menu (Networks has its own)
    with app_page.expect_download(timeout=WAIT_MS) as info:
        app_page.click(f"#{button}")
    download = info.value
    assert download.suggested_filename == f"descent-rosenbrock-2-runs.{ext}"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = path.read_text()
    if ext == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 2 * (model.DEFAULT_STEPS + 1)
        assert (float(rows[0]["x"]), float(rows[0]["y"])) == (-1.5, 2.0)
    elif ext == "json":
        data = json.loads(text)
        assert [len(run["points"]) for run in data["runs"]] == [model.DEFAULT_STEPS + 1] * 2
    else:
        assert text.lstrip().lower().startswith("<html") or text.lstrip().lower().startswith("<!doctype")
        assert "Plotly" in text and len(text) > 1_000_000
        assert_plays_offline(app_page.context.browser, path)


def assert_plays_offline(browser, path) -> None:
    """The exported page, opened from disk with every network request refused, draws its animation:
    its frames are there, and pressing its Play button moves the ball."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    fetched = []

    def refuse(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            fetched.append(route.request.url)
            route.abort()

    context.route("**/*", refuse)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    gd = "document.getElementById('descent-animation')"
    page.wait_for_function(f"() => {gd}?._transitionData?._frames?.length > 0", timeout=WAIT_MS)
    frames = page.evaluate(f"() => {gd}._transitionData._frames.length")
    assert frames == len(export.frame_steps(model.DEFAULT_STEPS))
    ball = f"() => JSON.stringify({gd}.data.filter(t => t.mode === 'markers').map(t => t.x))"
    before = page.evaluate(ball)
    page.locator(".updatemenu-button").first.click()  # ▶ Play
    page.wait_for_function(f"() => ({ball})() !== {json.dumps(before)}", timeout=WAIT_MS)
    assert not fetched and not errors, (fetched, errors)
    context.close()


def test_the_picture_export_downloads_a_png_of_each_view(app_page, tmp_path):
    downloads = []
    app_page.on("download", lambda download: downloads.append(download))
    drawn = " && ".join(
        f"document.querySelector('#{name} .js-plotly-plot')?._fullLayout"
        for name in (explore_ids.SURFACE_3D, explore_ids.CONTOUR, shell_ids.LOSS)
    )
    app_page.wait_for_function(f"() => !!({drawn})", timeout=WAIT_MS)
    app_page.click(".export summary:visible")  # the shown view's menu (Networks has its own)
    app_page.click(f"#{shell_ids.EXPORT_PNG}")
    deadline = time.monotonic() + WAIT_MS / 1000
    while len(downloads) < 3 and time.monotonic() < deadline:
        app_page.wait_for_timeout(200)
    names = sorted(d.suggested_filename for d in downloads)
    assert names == sorted(f"descent-rosenbrock-{v}.png" for v in ("surface-3d", "contour", "loss"))
    for download in downloads:
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, download.suggested_filename


def test_a_typed_formula_becomes_the_surface_and_injection_is_refused(app_page):
    app_page.click("text=Type your own surface")
    app_page.fill(f"#{ids.FORMULA}", "__import__('os').system('ls')")
    app_page.press(f"#{ids.FORMULA}", "Enter")
    app_page.wait_for_function(
        f"() => document.getElementById('{ids.FORMULA_ERROR}').innerText.includes('__import__')",
        timeout=WAIT_MS,
    )
    assert app_page.inner_text(f"#{ids.SURFACE_INFO}").startswith("(1 − x)²")  # nothing changed
    app_page.fill(f"#{ids.FORMULA}", "x^2 + 3*sin(y)")
    app_page.press(f"#{ids.FORMULA}", "Enter")
    app_page.wait_for_function(
        f"() => document.getElementById('{ids.SURFACE_INFO}').innerText.startsWith('x² + 3·sin(y)')",
        timeout=WAIT_MS,
    )
    image = "document.querySelector('#contour .js-plotly-plot').layout.images[0].source"
    app_page.wait_for_function(f"() => {image}.includes('custom.png')", timeout=WAIT_MS)
    assert app_page.inner_text(f"#{ids.FORMULA_ERROR}") == ""
    # The ghost path starts at the custom surface's default start.
    path = app_page.evaluate("() => document.querySelector('#contour .js-plotly-plot').data[2]")
    assert (path["x"][0], path["y"][0]) == (
        float(app_page.input_value(f"#{ids.START_X}")),
        float(app_page.input_value(f"#{ids.START_Y}")),
    )


def test_the_composed_picture_downloads_one_png_of_the_step_shown(app_page, tmp_path):
    pause_at = f"() => document.getElementById('{shell_ids.PLAY}').innerText.includes('Play')"
    if "Pause" in app_page.inner_text(f"#{shell_ids.PLAY}"):
        app_page.click(f"#{shell_ids.PLAY}")
    app_page.wait_for_function(pause_at, timeout=WAIT_MS)
    app_page.click(".export summary:visible")  # the shown view's menu (Networks has its own)
    with app_page.expect_download(timeout=WAIT_MS) as info:
        app_page.click(f"#{shell_ids.EXPORT_COMPOSED}")
    download = info.value
    assert download.suggested_filename == "descent-rosenbrock-2-runs.png"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == export.COMPOSED_SIZE and len(data) > 50_000
