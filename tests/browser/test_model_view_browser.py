"""The Model view in the browser: open the line lesson, step with the player, and check that the line
drawn at each step is the trajectory's w·a + b there (the engine's run, computed here), on the axes'
own pixels, with the engine's mini-batch of that step ringed; a clean console (the fixture)."""

from __future__ import annotations

import json

import numpy as np

import landscapes
import optimizers
from app import lessons
from app.explore import dataview
from app.explore import ids as explore_ids
from app.figures_common import PRESENT_FONT, rounded
from app.shell import ids as shell_ids

WAIT_MS = 60_000
LESSON = lessons.get("fitting-a-line")

# What the Model layer drew, with its line's end points read back through the axes' own scales.
DRAWN_JS = f"""() => {{
    const s = window.descent && window.descent.dataview && window.descent.dataview.state();
    const gd = document.getElementById('{explore_ids.MODEL}')?.querySelector('.js-plotly-plot');
    const node = gd && gd.querySelector('svg.descent-overlay line');
    if (!s || !node || !s.lines[0]) return null;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const at = (name) => Number(node.getAttribute(name));
    return {{
        step: s.step, player: window.descent.player.state().step, line: s.lines[0], batch: s.batch,
        back: [xa.p2d(at('x1') - xa._offset), ya.p2d(at('y1') - ya._offset),
               xa.p2d(at('x2') - xa._offset), ya.p2d(at('y2') - ya._offset)],
        visible: node.getAttribute('visibility'),
    }};
}}"""


def _open_lesson(page) -> None:
    page.click(f"#{shell_ids.LESSON}")
    page.get_by_role("option", name=LESSON.title, exact=True).click()
    title = json.dumps(LESSON.title)
    page.wait_for_function(
        f"() => document.getElementById('{shell_ids.LESSON_PANEL}')?.innerText.startsWith({title})",
        timeout=WAIT_MS,
    )


def _drawn_at(page, step: int) -> dict:
    page.wait_for_function(
        f"() => {{ const d = ({DRAWN_JS})(); return d && d.step === {step} && d.player === {step}; }}",
        timeout=WAIT_MS,
    )
    return page.evaluate(DRAWN_JS)


def test_the_drawn_line_follows_the_trajectory_step_by_step(app_page):
    _open_lesson(app_page)
    surface = landscapes.get(LESSON.settings["surface"])
    (run,) = LESSON.settings["runs"]
    options = run["options"]
    trajectory = optimizers.run(
        surface, run["optimizer"], start=surface.start, steps=LESSON.settings["steps"], **run["hp"], **options
    )
    xs = dataview.line_window(surface)
    for step in range(0, 6):
        if step > 0:
            app_page.click(f"#{shell_ids.FORWARD}")
        drawn = _drawn_at(app_page, step)
        w, b = trajectory.points[step]
        expected = [xs[0], w * xs[0] + b, xs[1], w * xs[1] + b]
        line = drawn["line"]
        np.testing.assert_allclose([line["x0"], line["y0"], line["x1"], line["y1"]], expected, rtol=1e-4)
        np.testing.assert_allclose(drawn["back"], expected, rtol=2e-2, atol=2e-2)  # on screen, to a pixel
        assert drawn["visible"] == "visible"
        members = np.array(drawn["batch"]["members"])
        assert len(members) == options["batch_size"]
        gx, gy = surface.batch_gradient(np.array([w]), np.array([b]), members[None])
        np.testing.assert_allclose(trajectory.gradients[step], [gx[0], gy[0]], rtol=1e-12)


BOUNDARY_JS = f"""() => {{
    const s = window.descent && window.descent.dataview && window.descent.dataview.state();
    const gd = document.getElementById('{explore_ids.MODEL}')?.querySelector('.js-plotly-plot');
    if (!s || s.kind !== 'boundary' || !gd) return null;
    return {{ step: s.step, player: window.descent.player.state().step, lines: s.lines, shading: s.shading,
              z: gd._fullData[0].z.map((row) => Array.from(row)), xs: Array.from(gd._fullData[0].x),
              ys: Array.from(gd._fullData[0].y) }};
}}"""


def _wait_shaded(page, step: int, runs: int) -> None:
    """Wait until the Model view, paused at ``step``, shows every run's boundary and run 0's shading
    there; on a timeout, fail with what the page holds instead."""
    shaded = (
        f"() => {{ const d = ({BOUNDARY_JS})(); return d && d.step === {step} && !d.lines.includes(null)"
        f" && d.player === {step} && d.shading === '0:{step}:{runs}'; }}"
    )
    try:
        page.wait_for_function(shaded, timeout=WAIT_MS)
    except Exception as error:
        held = page.evaluate(
            f"() => {{ const d = ({BOUNDARY_JS})();"
            " return [d && d.step, d && d.player, d && d.shading, d && d.lines.length,"
            " window.descent.player.state()]; }"
        )
        raise AssertionError(
            f"the Model view never showed step {step} shaded: (step, player, shading, lines, player) = {held}"
        ) from error


def _holds_the_lesson(page, lesson) -> None:
    """Wait until the player and the Model view hold the lesson's runs: a pause and a seek before
    they arrive would be undone by the lesson's own start (it plays from step 0)."""
    runs, steps = len(lesson.settings["runs"]), lesson.settings["steps"]
    page.wait_for_function(
        f"() => {{ const d = ({BOUNDARY_JS})();"
        f" return d && d.lines.length === {runs} && window.descent.player.state().last === {steps}; }}",
        timeout=WAIT_MS,
    )


def test_the_decision_boundaries_and_the_shading_follow_the_weights(app_page):
    lesson = lessons.get("logistic-regression")
    app_page.click(f"#{shell_ids.LESSON}")
    app_page.get_by_role("option", name=lesson.title, exact=True).click()
    surface = landscapes.get(lesson.settings["surface"])
    steps = lesson.settings["steps"]
    runs = [
        optimizers.run(surface, r["optimizer"], start=surface.start, steps=steps, **r["hp"])
        for r in lesson.settings["runs"]
    ]
    _holds_the_lesson(app_page, lesson)
    for step in (3, 4):  # the lesson plays as it opens: pause, then scrub
        _pause_at(app_page, step)
        _wait_shaded(app_page, step, len(runs))
        drawn = app_page.evaluate(BOUNDARY_JS)
        for line, trajectory in zip(drawn["lines"], runs, strict=True):
            w = trajectory.points[step]
            ends = np.array([[line["x0"], line["y0"]], [line["x1"], line["y1"]]])
            np.testing.assert_allclose(ends @ w, 0.0, atol=1e-4)  # on the line w·a = 0
            assert np.hypot(*(ends[1] - ends[0])) > 1.0
        expected = dataview.probabilities(*runs[0].points[step], np.array(drawn["xs"]), np.array(drawn["ys"]))
        np.testing.assert_allclose(
            np.array(drawn["z"]), expected, atol=1e-6
        )  # the inspected run's P(class 1)


def _pause_at(page, step: int) -> None:
    page.evaluate(f"() => {{ window.descent.player.pause(); window.descent.player.seek({step}); }}")


def test_the_picture_export_adds_the_model_view_at_the_step_shown(app_page, tmp_path):
    _open_lesson(app_page)
    surface_name = LESSON.settings["surface"]
    surface = landscapes.get(surface_name)
    (run,) = LESSON.settings["runs"]
    trajectory = optimizers.run(
        surface,
        run["optimizer"],
        start=surface.start,
        steps=LESSON.settings["steps"],
        **run["hp"],
        **run["options"],
    )
    step = 4
    _drawn_at(app_page, 0)  # the lesson's runs are drawn (it opens paused at step 0)
    _pause_at(app_page, step)
    drawn = _drawn_at(app_page, step)
    picture = app_page.evaluate(
        f"() => window.descent.dataview.picture(window.descent.player.data, {step}, 0)"
    )
    w, b = trajectory.points[step]
    xs = dataview.line_window(surface)
    line = picture["data"][dataview.MODEL_FIRST_RUN["line"]]
    np.testing.assert_allclose(line["x"] + line["y"], [*xs, w * xs[0] + b, w * xs[1] + b], rtol=1e-4)
    inputs, targets = surface.examples
    members = drawn["batch"]["members"]
    rings = picture["data"][1]
    np.testing.assert_allclose(rings["x"], inputs[members], rtol=1e-5)  # this step's mini-batch ringed
    np.testing.assert_allclose(rings["y"], targets[members], rtol=1e-5)

    downloads = []
    app_page.on("download", lambda download: downloads.append(download))
    app_page.click(".export summary:visible")
    app_page.click(f"#{shell_ids.EXPORT_PNG}")
    views = ("surface-3d", "contour", "loss", explore_ids.MODEL)
    for _ in range(WAIT_MS // 200):  # the downloads arrive as events: wait for all four
        if len(downloads) >= len(views):
            break
        app_page.wait_for_timeout(200)
    names = sorted(d.suggested_filename for d in downloads)
    assert names == sorted(f"descent-{surface_name}-{v}.png" for v in views)
    model_png = next(d for d in downloads if d.suggested_filename.endswith(f"-{explore_ids.MODEL}.png"))
    path = tmp_path / model_png.suggested_filename
    model_png.save_as(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


FONT_JS = f"() => document.querySelector('#{explore_ids.MODEL} .js-plotly-plot')?._fullLayout?.font.size"


def test_projector_mode_enlarges_the_model_view_at_once_and_keeps_its_shading(app_page):
    lesson = lessons.get("logistic-regression")
    app_page.click(f"#{shell_ids.LESSON}")
    app_page.get_by_role("option", name=lesson.title, exact=True).click()
    surface = landscapes.get(lesson.settings["surface"])
    first = lesson.settings["runs"][0]
    trajectory = optimizers.run(
        surface, first["optimizer"], start=surface.start, steps=lesson.settings["steps"], **first["hp"]
    )
    _holds_the_lesson(app_page, lesson)
    step = 5
    _pause_at(app_page, step)
    _wait_shaded(app_page, step, len(lesson.settings["runs"]))
    assert app_page.evaluate(FONT_JS) == dataview.FONT_SIZE
    # The browser shades with the weights as the server sends them (6 significant digits): the same
    # numbers here, so the shading drawn must match to rounding error, while step 0's is far from it.
    weights = rounded(trajectory.points[step])
    for size in (PRESENT_FONT["font"], dataview.FONT_SIZE):  # on, then off again
        app_page.locator(f"#{shell_ids.PRESENT}").get_by_text("Projector").click()
        app_page.wait_for_function(f"() => ({FONT_JS})() === {size}", timeout=WAIT_MS)
        # Redrawn from Dash's copy of the figure, it shows the paused step's shading (again).
        xs, ys = app_page.evaluate(f"() => {{ const d = ({BOUNDARY_JS})(); return [d.xs, d.ys]; }}")
        want = dataview.probabilities(*weights, np.array(xs), np.array(ys))
        at_start = dataview.probabilities(*rounded(trajectory.points[0]), np.array(xs), np.array(ys))
        assert np.abs(at_start - want).max() > 1e-2  # a reset to step 0 would be caught
        app_page.wait_for_function(
            f"""(want) => {{
                const d = ({BOUNDARY_JS})();
                return d && d.z.every((row, i) => row.every((v, j) => Math.abs(v - want[i][j]) < 1e-9));
            }}""",
            arg=want.tolist(),
            timeout=WAIT_MS,
        )
        drawn = app_page.evaluate(BOUNDARY_JS)
        np.testing.assert_allclose(np.array(drawn["z"]), want, atol=1e-9)
