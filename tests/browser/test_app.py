"""The app in a real headless Chromium: what a person does, and what they must see."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import plotly.io as pio
import pytest

import landscapes
from app import ids, model
from app import outcome as outcomes
from app.compare import ids as compare_ids
from app.components.run_card import RunCard
from app.explore import figures as explore_figures
from app.explore import ids as explore_ids
from app.shell import figures as shell_figures
from app.shell import ids as shell_ids

# Generous: what takes a second on a quiet machine can take tens of seconds on a slow, busy one.
WAIT_MS = 60_000

# The data of trace `index` of the Plotly graph inside component `component_id`.
TRACE_JS = """([componentId, index]) => {
    const gd = document.querySelector('#' + componentId + ' .js-plotly-plot');
    if (!gd || !gd.data || !gd.data[index]) return null;
    const t = gd.data[index];
    const list = (v) => (Array.isArray(v) ? v : null);
    return {x: list(t.x), y: list(t.y), z: list(t.z)};
}"""


def trace(page, component_id: str, index: int):
    return page.evaluate(TRACE_JS, [component_id, index])


def ball(page, component_id: str, index: int):
    """The ball of a 3D view's trace ``index`` as Plotly drew it (the 3D view is restyled)."""
    data = trace(page, component_id, index)
    return None if data is None or not data["x"] else (data["x"][0], data["y"][0])


def player(page) -> dict:
    """What the player has drawn: ``window.descent.player.state()`` (see assets/player.js)."""
    return page.evaluate("() => window.descent.player.state()")


def drawn_ball(page, view: str, run: int):
    """Run ``run``'s ball on a 2D view's overlay, in data coordinates, and its path's point count."""
    balls = player(page)["views"].get(view) or []
    found = balls[run] if run < len(balls) else None
    return None if found is None else ((found["x"], found["y"]), found["path"])


def by_id(page, component_id: dict):
    """A pattern-matching component, by the JSON id Dash renders."""
    return page.locator(f"[id='{json.dumps(component_id, separators=(',', ':'), sort_keys=True)}']")


def pause(page) -> None:
    if "Pause" in page.inner_text(f"#{shell_ids.PLAY}"):
        page.click(f"#{shell_ids.PLAY}")
    page.wait_for_function(f"() => document.getElementById('{shell_ids.PLAY}').innerText.includes('Play')")


def step_label(page) -> str:
    return page.inner_text(f"#{shell_ids.STEP_LABEL}")


def choose(page, dropdown_id: str, option: str) -> None:
    page.click(f"#{dropdown_id}")
    page.get_by_role("option", name=option, exact=True).click()


def wait_for_first_frame(page) -> None:
    """The views are drawn and the player has drawn a ball on the contour map."""
    page.wait_for_function(
        "() => { const s = window.descent && window.descent.player && window.descent.player.state();"
        " return !!(s && s.ready && s.views.contour && s.views.contour[0]); }",
        timeout=WAIT_MS,
    )


def wait_until_drawn_still(page) -> int:
    """Paused: wait until the 3D view has drawn the player's step too; returns the step."""
    page.wait_for_function(
        "() => { const s = window.descent.player.state(); return !s.playing && s.surfaceStep === s.step; }",
        timeout=WAIT_MS,
    )
    return player(page)["step"]


def test_page_shows_surface_runs_and_loss(app_page):
    wait_for_first_frame(app_page)
    assert app_page.locator("#surface-3d .gl-container canvas, #surface-3d canvas").count() > 0
    assert app_page.locator(f"#{shell_ids.LOSS} .legendtext").all_text_contents() == [
        "SGD (lr 0.002, momentum 0.9)",
        "Adam (lr 0.1)",
    ]
    assert app_page.inner_text(f"#{ids.SURFACE_INFO}").startswith("(1 − x)² + 100 (y − x²)²")


def test_play_moves_the_ball_on_both_views(app_page):
    wait_for_first_frame(app_page)
    pause(app_page)
    app_page.click(f"#{explore_ids.INSPECT_OPEN} input")  # it opens closed
    app_page.click(f"#{shell_ids.RESET}")
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.STEP_LABEL}').innerText.startsWith('step 0 ')"
    )
    assert wait_until_drawn_still(app_page) == 0
    at_start_2d = drawn_ball(app_page, "contour", 0)
    at_start_3d = ball(app_page, explore_ids.SURFACE_3D, 4)
    app_page.click(f"#{shell_ids.PLAY}")
    app_page.wait_for_function(
        f"() => parseInt(document.getElementById('{shell_ids.STEP_LABEL}').innerText.split(' ')[1]) >= 5",
        timeout=WAIT_MS,
    )
    pause(app_page)
    step = wait_until_drawn_still(app_page)
    assert step >= 5
    app_page.wait_for_function(
        f"(s) => document.getElementById('{shell_ids.STEP_LABEL}').innerText.startsWith('step ' + s + ' ')",
        arg=step,
        timeout=WAIT_MS,
    )
    assert drawn_ball(app_page, "contour", 0) != at_start_2d
    assert ball(app_page, explore_ids.SURFACE_3D, 4) != at_start_3d
    # Each ball sits on its run's trajectory at the current step, its path drawn up to it, in both views.
    for run in (0, 1):
        ghost = trace(app_page, explore_ids.CONTOUR, 2 + 3 * run)
        assert drawn_ball(app_page, "contour", run) == ((ghost["x"][step], ghost["y"][step]), step + 1)
        ghost_3d = trace(app_page, explore_ids.SURFACE_3D, 2 + 3 * run)
        assert ball(app_page, explore_ids.SURFACE_3D, 4 + 3 * run) == (
            ghost_3d["x"][step],
            ghost_3d["y"][step],
        )
    # The loss chart's cursor is at the same step on each run's loss curve.
    for run in (0, 1):
        line = trace(app_page, shell_ids.LOSS, 2 * run)
        assert drawn_ball(app_page, "loss", run)[0] == (step, line["y"][step])


def test_step_buttons_move_one_step(app_page):
    wait_for_first_frame(app_page)
    pause(app_page)
    app_page.click(f"#{shell_ids.RESET}")
    app_page.click(f"#{shell_ids.FORWARD}")
    app_page.click(f"#{shell_ids.FORWARD}")
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.STEP_LABEL}').innerText.startsWith('step 2 ')"
    )
    app_page.click(f"#{shell_ids.BACK}")
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.STEP_LABEL}').innerText.startsWith('step 1 ')"
    )
    assert wait_until_drawn_still(app_page) == 1
    ghost = trace(app_page, explore_ids.CONTOUR, 2)
    assert drawn_ball(app_page, "contour", 0) == ((ghost["x"][1], ghost["y"][1]), 2)


def test_changing_the_surface_changes_the_plot(app_page):
    wait_for_first_frame(app_page)
    image_js = "() => document.querySelector('#contour .js-plotly-plot').layout.images[0].source"
    before = app_page.evaluate(image_js)
    choose(app_page, ids.SURFACE, "Himmelblau")
    app_page.wait_for_function(f"() => ({image_js})().includes('himmelblau')", timeout=WAIT_MS)
    assert "rosenbrock" in before
    assert app_page.input_value(f"#{ids.START_X}") == "0"
    minima = trace(app_page, explore_ids.CONTOUR, 0)
    assert len(minima["x"]) == 4  # Himmelblau's four minima are marked


def test_clicking_the_contour_moves_the_start(app_page):
    wait_for_first_frame(app_page)
    box = app_page.locator("#contour .nsewdrag").bounding_box()
    app_page.mouse.click(box["x"] + 0.75 * box["width"], box["y"] + 0.25 * box["height"])
    # Rosenbrock's window is x in [-2, 2], y in [-1, 3]: three quarters across, a quarter down.
    app_page.wait_for_function(
        f"() => document.getElementById('{ids.START_X}').value !== '-1.5'", timeout=WAIT_MS
    )
    x, y = float(app_page.input_value(f"#{ids.START_X}")), float(app_page.input_value(f"#{ids.START_Y}"))
    assert x == pytest.approx(1.0, abs=0.05)
    assert y == pytest.approx(2.0, abs=0.05)
    app_page.wait_for_function(
        "([x, y]) => { const gd = document.querySelector('#contour .js-plotly-plot');"
        " const g = gd.data[2]; return g.x[0] === x && g.y[0] === y; }",
        arg=[x, y],
        timeout=WAIT_MS,
    )


def test_compare_mode_shows_one_panel_per_learning_rate(app_page):
    wait_for_first_frame(app_page)
    app_page.click("text=Compare learning rates")
    app_page.fill(f"#{compare_ids.COMPARE_LRS}", "0.0003, 0.001, 0.002")
    app_page.press(f"#{compare_ids.COMPARE_LRS}", "Enter")
    app_page.wait_for_function(
        "() => document.querySelectorAll('#compare .cartesianlayer .subplot').length === 3", timeout=WAIT_MS
    )
    titles = app_page.locator("#compare .annotation-text").all_text_contents()
    assert [t.split("final loss")[0] for t in titles] == ["lr 0.0003", "lr 0.001", "lr 0.002"]
    # Every panel is a square map of its own, side by side, none squeezed (they once were slivers).
    boxes = [b.bounding_box() for b in app_page.locator("#compare .bglayer .bg").all()]
    assert len(boxes) == 3
    for box in boxes:
        assert box["width"] > 150 and abs(box["width"] - box["height"]) < 0.05 * box["width"], boxes
    lefts = [b["x"] for b in boxes]
    assert all(b - a > boxes[0]["width"] for a, b in itertools.pairwise(lefts)), boxes
    legend = app_page.locator(f"#{shell_ids.LOSS} .legendtext").all_text_contents()
    assert legend == ["SGD lr 0.0003", "SGD lr 0.001", "SGD lr 0.002"]
    assert app_page.locator("#surface-3d").is_hidden()


def test_a_diverging_run_says_so_and_the_others_play_on(app_page):
    wait_for_first_frame(app_page)
    by_id(app_page, RunCard.ids.hp(0, "lr")).fill("0.01")
    by_id(app_page, RunCard.ids.hp(0, "lr")).press("Enter")
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.STATUS}').innerText.includes('diverged at step')",
        timeout=WAIT_MS,
    )
    assert "learning rate 0.01" in app_page.inner_text(f"#{shell_ids.STATUS}")
    # The other run still has its whole path and plays on.
    app_page.wait_for_function(
        f"() => parseInt(document.getElementById('{shell_ids.STEP_LABEL}').innerText.split(' ')[1]) >= 10",
        timeout=WAIT_MS,
    )
    assert len(trace(app_page, explore_ids.CONTOUR, 5)["x"]) == 201


def drawn_traces(page, component_id: str, indices: list[int]) -> list[dict]:
    return [trace(page, component_id, i) for i in indices]


def test_runs_only_answers_keep_every_drawn_run_exact(app_page):
    """A runs-only answer re-sends only the runs that changed (``app.shell.compute``): after two
    changes of run 0, every run on the maps and the loss chart is exactly the whole figures' run."""
    wait_for_first_frame(app_page)
    box = by_id(app_page, RunCard.ids.hp(0, "lr"))
    for lr in ("0.0015", "0.0012"):
        box.fill(lr)
        box.press("Enter")
        app_page.wait_for_function(
            f"""() => [...document.querySelectorAll('#{shell_ids.LOSS} .legendtext')]
                .some((e) => e.textContent.includes('lr {lr},'))""",
            timeout=WAIT_MS,
        )
    settings = model.default_settings()
    first = settings["runs"][0]
    runs = [replace(first, hyperparameters={**first.hyperparameters, "lr": 0.0012}), *settings["runs"][1:]]
    out = outcomes.compute(
        landscapes.get(settings["surface"]), settings["start"], settings["steps"], "explore", runs, None, ""
    )
    ghosts_2d = [explore_figures.STATIC_CONTOUR + 3 * i for i in range(len(runs))]
    ghosts_3d = [explore_figures.STATIC_3D + 3 * i for i in range(len(runs))]
    lines = [2 * i for i in range(len(runs))]
    expected = {
        explore_ids.CONTOUR: (
            explore_figures.contour_figure(out.landscape, out.start, out.results),
            ghosts_2d,
        ),
        explore_ids.SURFACE_3D: (explore_figures.surface_figure(out.landscape, out.results), ghosts_3d),
        shell_ids.LOSS: (shell_figures.loss_figure(out.landscape, out.results, settings["loss_log"]), lines),
    }
    for component_id, (figure, indices) in expected.items():
        data = json.loads(pio.to_json(figure))["data"]
        want = [{k: data[i].get(k) for k in ("x", "y", "z")} for i in indices]
        assert drawn_traces(app_page, component_id, indices) == want, component_id


def test_a_bad_value_shows_a_message_and_keeps_the_figures(app_page):
    wait_for_first_frame(app_page)
    ghost_before = trace(app_page, explore_ids.CONTOUR, 2)
    app_page.fill(f"#{ids.STEPS}", "5000")
    app_page.press(f"#{ids.STEPS}", "Enter")
    app_page.wait_for_function(
        f"() => document.getElementById('{ids.SETUP_ERROR}').innerText.includes('steps')", timeout=WAIT_MS
    )
    assert "1 to 1000" in app_page.inner_text(f"#{ids.SETUP_ERROR}")
    assert trace(app_page, explore_ids.CONTOUR, 2) == ghost_before


# Plotly's hover event on the contour map: the point it reports and the label it drew.
HOVER_JS = """() => {
    const gd = document.querySelector('#contour .js-plotly-plot');
    window.descentHovered = null;
    gd.on('plotly_hover', (event) => {
        const p = event.points[0];
        requestAnimationFrame(() => { window.descentHovered = {x: p.x, y: p.y, z: p.z, type: p.data.type,
            text: (gd.querySelector('.hoverlayer .hovertext') || {}).textContent || ''}; });
    });
}"""


def test_hovering_the_contour_map_shows_x_y_and_the_loss(app_page):
    wait_for_first_frame(app_page)
    pause(app_page)
    box = app_page.locator("#contour .nsewdrag").bounding_box()
    app_page.evaluate(HOVER_JS)
    # Rosenbrock's window is x in [-2, 2], y in [-1, 3]: away from the paths, minima and start.
    app_page.mouse.move(box["x"] + 0.15 * box["width"], box["y"] + 0.85 * box["height"])
    app_page.mouse.move(box["x"] + 0.16 * box["width"], box["y"] + 0.86 * box["height"])
    app_page.wait_for_function("() => window.descentHovered !== null", timeout=WAIT_MS)
    point = app_page.evaluate("() => window.descentHovered")
    assert point["type"] == "heatmap"
    x, y = point["x"], point["y"]
    assert x == pytest.approx(-1.4, abs=0.1) and y == pytest.approx(-0.4, abs=0.1)
    assert point["z"] == pytest.approx((1 - x) ** 2 + 100 * (y - x**2) ** 2, rel=1e-5)
    assert f"x {x:.3g}" in point["text"] and f"y {y:.3g}" in point["text"]
    assert f"loss {point['z']:.4g}" in point["text"]


def test_the_step_label_shows_the_drawn_step_when_paused(app_page):
    """After playing and pausing, the label, the scrubber and the inspector show the drawn step."""
    wait_for_first_frame(app_page)
    pause(app_page)
    app_page.click(f"#{explore_ids.INSPECT_OPEN} input")  # it opens closed
    app_page.click(f"#{shell_ids.RESET}")
    app_page.wait_for_function("() => window.descent.player.state().step === 0", timeout=WAIT_MS)
    app_page.click(f"#{shell_ids.PLAY}")
    app_page.wait_for_function("() => window.descent.player.state().playing", timeout=WAIT_MS)
    samples = app_page.evaluate(
        """(labelId) => new Promise((done) => {
            const out = [];
            function sample() {
                const s = window.descent.player.state();
                const drawn = s.views.contour && s.views.contour[0] && s.views.contour[0].step;
                out.push([document.getElementById(labelId).innerText, drawn]);
                if (out.length < 40 && s.playing) { requestAnimationFrame(sample); } else { done(out); }
            }
            requestAnimationFrame(sample);
        })""",
        shell_ids.STEP_LABEL,
    )
    moving = [(label, drawn) for label, drawn in samples if drawn]
    assert len({drawn for _, drawn in moving}) >= 3, samples  # it played
    # Not yet asserted: that every frame's label is the overlay's step (one run in three saw one frame
    # differ; under investigation). Paused, it must be exact:
    pause(app_page)
    step = wait_until_drawn_still(app_page)
    app_page.wait_for_function(
        "([label, inspector, s]) => document.getElementById(label).innerText.startsWith('step ' + s + ' ')"
        " && document.getElementById(inspector).innerText.includes('L(w)')",
        arg=[shell_ids.STEP_LABEL, explore_ids.INSPECTOR, step],
        timeout=WAIT_MS,
    )
    # Paused, the scrubber and the inspector show that step too: w in the inspector is the ball's point.
    slider = app_page.locator(f"#{shell_ids.FRAME} [role=slider]")
    assert slider.get_attribute("aria-valuenow") == str(step)
    (x, y), _ = drawn_ball(app_page, "contour", 0)
    inspector = app_page.inner_text(f"#{explore_ids.INSPECTOR}").replace("\u00a0", " ")
    assert f"w      = ({_four_places(x)}, {_four_places(y)})" in inspector, (x, y, inspector)


def _four_places(v: float) -> str:
    """A number as the inspector writes it (assets/playback.js ``fmt``, for 1e-3 ≤ |v| < 1e5)."""
    return f"{v:.4f}".rstrip("0").rstrip(".")


def _theme_colours(page) -> dict:
    return page.evaluate(
        """() => {
            const gd = document.querySelector('#contour .js-plotly-plot');
            const body = getComputedStyle(document.body);
            return {theme: document.documentElement.dataset.theme, font: gd._fullLayout.font.color,
                    page: body.backgroundColor, ink: body.color};
        }"""
    )


def _luminance(css: str) -> float:
    r, g, b = (int(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_the_theme_follows_the_system_and_the_toggle(app_page):
    from app.client_config import THEMES

    wait_for_first_frame(app_page)
    light = _theme_colours(app_page)
    assert light["theme"] == "light" and light["font"] == THEMES["light"]["font"]
    assert _luminance(light["page"]) > 200 and _luminance(light["ink"]) < 80
    app_page.emulate_media(color_scheme="dark")  # the system setting changes: the page follows
    app_page.wait_for_function(
        "(font) => document.documentElement.dataset.theme === 'dark'"
        " && document.querySelector('#contour .js-plotly-plot')._fullLayout.font.color === font",
        arg=THEMES["dark"]["font"],
        timeout=WAIT_MS,
    )
    dark = _theme_colours(app_page)
    assert _luminance(dark["page"]) < 50 and _luminance(dark["ink"]) > 180
    # An open dropdown menu is readable in dark: light text on a dark menu.
    app_page.click(f"#{ids.SURFACE}")
    option = app_page.get_by_role("option", name="Himmelblau", exact=True)
    colours = option.evaluate(
        """(el) => { let bg = 'rgba(0, 0, 0, 0)', node = el;
            while (node && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) {
                bg = getComputedStyle(node).backgroundColor; node = node.parentElement; }
            return [getComputedStyle(el).color, bg]; }"""
    )
    assert _luminance(colours[0]) > 150 and _luminance(colours[1]) < 80, colours
    app_page.keyboard.press("Escape")
    app_page.click(f"#{shell_ids.THEME}")  # the toggle overrides the system
    app_page.wait_for_function(
        "(font) => document.documentElement.dataset.theme === 'light'"
        " && document.querySelector('#contour .js-plotly-plot')._fullLayout.font.color === font",
        arg=THEMES["light"]["font"],
        timeout=WAIT_MS,
    )
    assert _luminance(_theme_colours(app_page)["page"]) > 200
