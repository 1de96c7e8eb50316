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
