"""L-BFGS's sub-steps in a real Chromium: the contour map marks every function evaluation within a
step, and the step inspector lists them, both matching the engine's ``Trajectory.substeps``."""

from __future__ import annotations

import re

import numpy as np

import optimizers
from app import lessons, links
from app.explore import figures as explore_figures
from app.explore import ids as explore_ids
from app.shell import ids as shell_ids
from tests.browser.test_classroom import WAIT_MS, open_lesson, wait_for_step

LBFGS_RUN = 1  # the lesson's second run: L-BFGS with the strong-Wolfe line search
NUMBER = r"(-?[0-9.]+(?:e[-+]?[0-9]+)?)"
LISTED = re.compile(rf"^\s*(\d+)\.\s+w = \({NUMBER}, {NUMBER}\)\s+L = {NUMBER}$")
# Whether the inspector lists exactly the evaluations ``expected`` ([x, y, loss] each), as shown.
LISTS_JS = """([id, pattern, expected]) => {
    const node = document.getElementById(id);
    const row = new RegExp(pattern);
    const lines = node ? node.innerText.replace(/\\u00a0/g, ' ').split('\\n') : [];
    const rows = lines.map((t) => t.match(row)).filter(Boolean);
    const close = (a, b) => Math.abs(a - b) <= 6e-5 + 1e-3 * Math.abs(b);
    return rows.length === expected.length
        && rows.every((m, i) => [2, 3, 4].every((j) => close(parseFloat(m[j]), expected[i][j - 2])));
}"""


def _engine_substeps():
    """The lesson's L-BFGS run as the engine computes it: ``(points, losses)`` of its sub-steps."""
    settings = links.settings_from_json(lessons.get("lbfgs").settings)
    spec = settings["runs"][LBFGS_RUN]
    assert spec.optimizer == "lbfgs" and spec.hyperparameters["line_search_fn"] == "strong_wolfe"
    trajectory = optimizers.run(
        settings["surface"], "lbfgs", settings["start"], settings["steps"], **spec.hyperparameters
    )
    return trajectory.substeps, trajectory.substep_losses


def _close(shown, expected):
    """Numbers as the page shows them (4 decimals, or 4 significant digits in exponent form)."""
    shown, expected = np.asarray(shown, dtype=float), np.asarray(expected, dtype=float)
    return np.allclose(shown, expected, rtol=1e-3, atol=6e-5)


def test_lbfgs_substeps_are_marked_on_the_map_and_listed_by_the_inspector(app_page):
    substeps, losses = _engine_substeps()
    first = substeps[0][np.isfinite(substeps[0, :, 0])]
    assert len(first) >= 2  # a line search: several evaluations in the first step
    open_lesson(app_page, lessons.get("lbfgs"))
    slot = explore_figures.SUBSTEPS_CONTOUR + LBFGS_RUN

    # The map: the sub-step trace holds every evaluation, and Plotly draws a hollow dot for each.
    app_page.wait_for_function(
        "([c, i]) => { const gd = document.querySelector('#' + c + ' .js-plotly-plot');"
        " return gd && gd.data[i] && Array.isArray(gd.data[i].x) && gd.data[i].x.length > 0; }",
        arg=[explore_ids.CONTOUR, slot],
        timeout=WAIT_MS,
    )
    drawn = app_page.evaluate(
        """([c, i]) => {
            const gd = document.querySelector('#' + c + ' .js-plotly-plot');
            const t = gd.data[i];
            const marked = t.x.map((x, k) => [x, t.y[k], t.marker.size[k]]).filter((p) => p[2] > 0);
            const group = gd.calcdata[i][0].node3.node();
            return {
                marked: marked.map((p) => [p[0], p[1]]),
                symbol: t.marker.symbol,
                dots: group ? group.querySelectorAll('path.point').length : -1,
                dash: group ? getComputedStyle(group.querySelector('path.js-line')).strokeDasharray : '',
            };
        }""",
        [explore_ids.CONTOUR, slot],
    )
    expected = substeps[np.isfinite(substeps[..., 0])]
    assert drawn["symbol"] == "circle-open"
    assert len(drawn["marked"]) == len(expected)
    assert _close(drawn["marked"], expected)
    assert drawn["dots"] >= len(expected), drawn  # drawn as SVG points (the step's own points too)
    assert drawn["dash"] not in ("", "none"), drawn  # the thin dotted line between them

    # The inspector: pick the L-BFGS run, go back to step 0 and read its evaluations, then step 1's.
    label = links.settings_from_json(lessons.get("lbfgs").settings)["runs"][LBFGS_RUN].label()
    app_page.click(f"#{explore_ids.INSPECT_RUN}")
    app_page.get_by_role("option", name=label, exact=True).click()
    app_page.click(f"#{shell_ids.RESET}")  # pauses at step 0
    wait_for_step(app_page, "s === 0")
    for step in (0, 1):
        if step:
            app_page.click(f"#{shell_ids.FORWARD}")
            wait_for_step(app_page, f"s === {step}")
        found = np.isfinite(substeps[step, :, 0])
        expected = np.column_stack([substeps[step][found], losses[step][found]])
        assert len(expected) > 0
        app_page.wait_for_function(
            LISTS_JS, arg=[explore_ids.INSPECTOR, LISTED.pattern, expected.tolist()], timeout=WAIT_MS
        )
        text = app_page.inner_text(f"#{explore_ids.INSPECTOR}").replace("\u00a0", " ")
        assert f"evaluations in this step: {len(expected)} " in text, text
        rows = [m for m in map(LISTED.match, text.splitlines()) if m]
        assert [int(m[1]) for m in rows] == list(range(1, len(expected) + 1)), text
        assert _close([[float(m[2]), float(m[3]), float(m[4])] for m in rows], expected), text
