"""The recommender in the Networks view, in a real headless Chromium: pick it, train it, and the drawn
U Vᵀ panels are the engine's reconstructions at the slider's snapshot (the browser switches them, no
server); a share link carries the model and reopens it at the same snapshot; projector mode enlarges
the ratings figure's type. The console must stay clean (conftest)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.networks import figures, settings, training
from app.networks import ids as net_ids
from app.shell import ids as shell_ids
from tests.browser.test_networks import WAIT_MS, open_networks, scrub_to

# The ratings figure's heatmaps, once drawn (plain lists: gd.data holds the values themselves).
HEATMAPS_JS = f"""() => {{
    const gd = document.querySelector('#{net_ids.BOUNDARY} .js-plotly-plot');
    if (!gd || !gd.data) return null;
    const maps = gd.data.filter((t) => t.type === 'heatmap');
    return maps.length ? maps.map((t) => t.z) : null;
}}"""
STEP_IS_JS = f"""(label) => {{
    const shown = document.getElementById('{net_ids.STEP_LABEL}');
    return !!shown && shown.innerText.trim() === label;
}}"""


def setup_shown(**changes) -> training.Setup:
    return replace(settings.DEFAULT, model="recommender", **changes)


def pick_recommender_and_train(page, steps: int) -> None:
    open_networks(page)
    page.locator(f"#{net_ids.MODEL}").get_by_text("recommender", exact=False).click()
    page.wait_for_selector(f"#{net_ids.USERS}", state="visible")
    assert not page.locator(f"#{net_ids.HIDDEN}").is_visible()  # the network's controls step aside
    page.fill(f"#{net_ids.USERS}", "6")
    page.fill(f"#{net_ids.STEPS}", str(steps))
    page.click(f"#{net_ids.TRAIN}")
    page.wait_for_function(
        f"(n) => {{ const m = ({HEATMAPS_JS})(); return m && m.length === n; }}",
        arg=figures.RATING_PANELS + len(settings.DEFAULT.lrs),
    )


def drawn(page) -> list[np.ndarray]:
    return [np.array(z, dtype=float) for z in page.evaluate(HEATMAPS_JS)]


# Whether panel ``k`` draws ``z`` (to ``tol``): what to wait for after a scrub.
DRAWS_JS = f"""([k, z, tol]) => {{
    const maps = ({HEATMAPS_JS})();
    return !!maps && maps[k].every((row, i) => row.every((v, j) => Math.abs(v - z[i][j]) <= tol));
}}"""
TOL = 5e-4  # the figure rounds to 3 decimals


def expected_panels(result, frame: int) -> list[np.ndarray]:
    step = int(result.frames[frame])
    points = result.trajectory.points
    return [result.network.reconstruction(points[i, step]) for i in range(points.shape[0])]


def test_the_recommender_trains_and_its_drawn_u_v_is_the_engines_at_each_snapshot(app_page):
    page = app_page
    pick_recommender_and_train(page, 150)
    result = training.train(setup_shown(users=6, steps=150))
    rec = result.network
    page.wait_for_function(STEP_IS_JS, arg="step 150")
    maps = drawn(page)
    np.testing.assert_array_equal(np.isnan(maps[0]), ~rec.mask)  # the unknown ratings are gaps
    np.testing.assert_allclose(maps[0][rec.mask], rec.ratings[rec.mask], atol=TOL)
    np.testing.assert_allclose(maps[1], rec.truth, atol=TOL)
    # The browser switches the U Vᵀ panels from bytes (also to the last snapshot, where the slider
    # lands): their place on the colour scale [−limit, limit] in 254 steps, what the panels colour.
    limit = figures.rating_limit(rec)
    tol = limit / 254 + 1e-9
    for frame in (len(result.frames) - 1, 0, 7):
        if frame != len(result.frames) - 1:
            scrub_to(page, frame)
        page.wait_for_function(STEP_IS_JS, arg=f"step {result.frames[frame]}")
        first = figures.RATING_PANELS
        panels = [np.clip(p, -limit, limit) for p in expected_panels(result, frame)]
        page.wait_for_function(DRAWS_JS, arg=[first, panels[0].tolist(), tol])
        maps = drawn(page)
        for i, expected in enumerate(panels):
            np.testing.assert_allclose(maps[first + i], expected, atol=tol)
    # The first and the last snapshot differ: training filled the matrix in.
    assert np.abs(expected_panels(result, 0)[0] - expected_panels(result, -1)[0]).max() > 0.3


def test_a_share_link_reopens_the_recommender_at_its_snapshot(app_page, browser, console):
    page = app_page
    pick_recommender_and_train(page, 90)
    result = training.train(setup_shown(users=6, steps=90))
    scrub_to(page, 4)
    page.wait_for_function(STEP_IS_JS, arg=f"step {result.frames[4]}")
    page.click(f"#{shell_ids.SHARE}")
    page.wait_for_function(
        f"""() => {{
            const text = document.getElementById('{shell_ids.SHARE_LINK}').value;
            const at = text.indexOf('?state=');
            if (at < 0) return false;
            const state = JSON.parse(atob(text.slice(at + 7).replace(/-/g, '+').replace(/_/g, '/')));
            return !!state.networks && state.networks.model === 'recommender' && state.networks.frame === 4;
        }}"""
    )
    link = page.input_value(f"#{shell_ids.SHARE_LINK}")
    fresh = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    fresh.set_default_timeout(WAIT_MS)
    console.attach(fresh)
    fresh.goto(link)
    fresh.wait_for_function(STEP_IS_JS, arg=f"step {result.frames[4]}")
    limit = figures.rating_limit(result.network)  # drawn by the server or switched to from bytes
    panel = np.clip(expected_panels(result, 4)[0], -limit, limit)
    fresh.wait_for_function(DRAWS_JS, arg=[figures.RATING_PANELS, panel.tolist(), limit / 254])
    assert fresh.input_value(f"#{net_ids.USERS}") == "6"
    assert (
        fresh.locator(f"#{net_ids.USERS}").is_visible()
        and not fresh.locator(f"#{net_ids.HIDDEN}").is_visible()
    )
    fresh.context.close()


def test_projector_mode_enlarges_the_ratings_figure(app_page):
    page = app_page
    pick_recommender_and_train(page, 60)
    font = f"() => document.querySelector('#{net_ids.BOUNDARY} .js-plotly-plot')._fullLayout.font.size"
    normal = page.evaluate(font)
    page.locator(f"#{shell_ids.PRESENT}").get_by_text("Projector").click()
    page.wait_for_function(f"(normal) => ({font})() > normal", arg=normal)
