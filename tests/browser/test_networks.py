"""The Networks view in a real headless Chromium: it trains on its first showing, the step slider
switches snapshots in the browser (the decision boundary changes), the planes are drawn at their
containers' size, a share link reopens the same setup at the same snapshot, and projector mode
enlarges the figures' type. The console must stay clean (conftest)."""

from __future__ import annotations

from urllib.parse import urljoin

from app import ids
from app.explore import ids as explore_ids
from app.networks import figures, training
from app.networks import ids as net_ids
from app.shell import ids as shell_ids

WAIT_MS = 120_000  # generous: a slow, busy CI machine (a networks lesson took over 60 s there)

# The boundary panels' traces, once drawn: their count and the first panel's shading (lists: the
# figure builder sends plain lists, so gd.data holds the values themselves).
BOUNDARY_JS = f"""() => {{
    const gd = document.querySelector('#{net_ids.BOUNDARY} .js-plotly-plot');
    if (!gd || !gd.data || !gd.data.length) return null;
    return {{traces: gd.data.length, z: JSON.stringify(gd.data[0].z)}};
}}"""

# A graph's drawn size against its container's.
SIZE_JS = """(id) => {
    const box = document.getElementById(id);
    const gd = box && box.querySelector('.js-plotly-plot');
    if (!gd || !gd._fullLayout || !gd.data || !gd.data.length) return null;
    return {width: gd._fullLayout.width, height: gd._fullLayout.height,
            boxWidth: box.clientWidth, boxHeight: box.clientHeight};
}"""


# The share box's link carries this training (learning rates ``lrs``) at the slider's snapshot, its
# step inspector on network ``inspect``.
LINK_OF_JS = f"""([lrs, inspect]) => {{
    const text = document.getElementById('{shell_ids.SHARE_LINK}').value;
    const at = text.indexOf('?state=');
    if (at < 0) return false;
    const state = JSON.parse(atob(text.slice(at + 7).replace(/-/g, '+').replace(/_/g, '/')));
    const slider = document.querySelector('#{net_ids.FRAME} [role=slider]');
    return !!state.networks && state.networks.lrs === lrs && state.networks.inspect === inspect
        && state.networks.frame === Number(slider.getAttribute('aria-valuenow'));
}}"""


def open_networks(page) -> None:
    page.locator(f"#{ids.MODE}").get_by_text("Networks", exact=True).click()
    wait_for_traces(page, figures.CLASS_TRACES * 3)  # the first showing trains three networks


def wait_for_traces(page, count: int) -> dict:
    page.wait_for_function(
        f"(n) => {{ const b = ({BOUNDARY_JS})(); return b && b.traces === n; }}", arg=count
    )
    return page.evaluate(BOUNDARY_JS)


def step_label(page) -> str:
    return page.inner_text(f"#{net_ids.STEP_LABEL}").strip()


def scrub_to(page, frame: int) -> None:
    """The step slider to snapshot ``frame``, by keyboard as a user would (Home, then → steps)."""
    handle = page.locator(f"#{net_ids.FRAME} [role=slider]")
    handle.focus()
    handle.press("Home")
    for _ in range(frame):
        handle.press("ArrowRight")


def test_train_scrub_and_planes_at_their_size(app_page):
    page = app_page
    open_networks(page)
    last = page.evaluate(BOUNDARY_JS)["z"]
    final_label = step_label(page)
    assert final_label == "step 200", final_label
    scrub_to(page, 0)
    page.wait_for_function(
        f"() => document.getElementById('{net_ids.STEP_LABEL}').innerText.trim() === 'step 0'"
    )
    page.wait_for_function(f"(last) => ({BOUNDARY_JS})().z !== last", arg=last)
    for graph in (net_ids.RANDOM_PLANE, net_ids.PCA_PLANE, net_ids.LOSS):
        page.wait_for_function(f"(id) => ({SIZE_JS})(id) !== null", arg=graph)
        size = page.evaluate(SIZE_JS, graph)
        assert abs(size["width"] - size["boxWidth"]) <= 3, (graph, size)
        assert abs(size["height"] - size["boxHeight"]) <= 3, (graph, size)
        assert size["width"] > 300, (graph, size)


def test_a_share_link_reopens_the_networks_setup_at_its_snapshot(app_page, browser, console):
    page = app_page
    open_networks(page)
    page.fill(f"#{net_ids.LRS}", "0.02, 0.2")
    page.fill(f"#{net_ids.HIDDEN}", "8")
    page.fill(f"#{net_ids.STEPS}", "120")
    page.click(f"#{net_ids.TRAIN}")
    wait_for_traces(page, figures.CLASS_TRACES * 2)
    scrub_to(page, 5)
    label = f"step {training.snapshot_steps(120)[5]}"  # wait for the last key press, not an earlier one
    page.wait_for_function(
        f"(label) => document.getElementById('{net_ids.STEP_LABEL}').innerText.trim() === label", arg=label
    )
    shown = page.evaluate(BOUNDARY_JS)["z"]
    page.click(f"#{net_ids.INSPECT_RUN}")  # the step inspector shows the second network
    page.get_by_role("option", name="lr 0.2", exact=True).click()
    page.wait_for_function(
        f"() => document.getElementById('{net_ids.INSPECTOR}').innerText.startsWith('lr 0.2 ·')"
    )
    page.click(f"#{shell_ids.SHARE}")
    page.wait_for_function(LINK_OF_JS, arg=["0.02, 0.2", 1])  # the box may first hold an older link
    link = page.input_value(f"#{shell_ids.SHARE_LINK}")

    fresh = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    fresh.set_default_timeout(WAIT_MS)
    console.attach(fresh)
    fresh.goto(link)
    assert wait_for_traces(fresh, figures.CLASS_TRACES * 2)["traces"] == figures.CLASS_TRACES * 2
    fresh.wait_for_function(
        f"(label) => document.getElementById('{net_ids.STEP_LABEL}').innerText.trim() === label", arg=label
    )
    assert fresh.input_value(f"#{net_ids.LRS}") == "0.02, 0.2"
    assert fresh.input_value(f"#{net_ids.HIDDEN}") == "8"
    assert fresh.input_value(f"#{net_ids.STEPS}") == "120"
    assert fresh.evaluate(BOUNDARY_JS)["z"] == shown  # the same training, at the same snapshot
    fresh.wait_for_function(  # and the step inspector on the network it showed
        f"() => document.getElementById('{net_ids.INSPECTOR}').innerText.startsWith('lr 0.2 ·')"
    )
    fresh.context.close()


def test_projector_mode_enlarges_the_network_figures(app_page):
    page = app_page
    open_networks(page)
    font = f"() => document.querySelector('#{net_ids.LOSS} .js-plotly-plot')._fullLayout.font.size"
    normal = page.evaluate(font)
    page.locator(f"#{shell_ids.PRESENT}").get_by_text("Projector").click()
    page.wait_for_function(f"(normal) => ({font})() > normal", arg=normal)


# Explore's contour map, once drawn over a network plane's image: that image's address.
PLANE_CONTOUR_JS = f"""() => {{
    const gd = document.querySelector('#{explore_ids.CONTOUR} .js-plotly-plot');
    const image = gd && gd.querySelector('image');
    const href = image && (image.getAttribute('href') || image.getAttribute('xlink:href'));
    return href && href.includes('net-plane') ? href : null;
}}"""


def test_explore_this_plane_opens_explore_with_the_planes_contour(app_page):
    page = app_page
    open_networks(page)
    page.click(f"#{net_ids.EXPLORE_PCA}")
    page.wait_for_function(f"() => document.querySelector('#{ids.MODE} input[value=explore]').checked")
    href = page.wait_for_function(PLANE_CONTOUR_JS).json_value()
    assert page.request.get(urljoin(page.url, href)).headers["content-type"] == "image/png"
    page.wait_for_function(
        f"() => document.getElementById('{ids.SURFACE}').innerText.includes('PCA plane: 2-16-16-1 tanh')"
    )
    assert page.locator(f"#{explore_ids.CONTOUR}").is_visible()
    assert page.inner_text(f"#{net_ids.PLANE_ERROR}") == ""


def test_an_export_that_fails_says_why_in_the_view(app_page):
    page = app_page
    open_networks(page)
    page.fill(f"#{net_ids.HIDDEN}", "99")
    page.locator(".net-export summary").click()
    page.click(f"#{net_ids.EXPORT_CSV}")
    alert = page.locator(f"#{net_ids.EXPORT_ERROR}")
    alert.wait_for(state="visible")
    assert "Nothing to export" in alert.inner_text() and "each width must be 1 to 32" in alert.inner_text()
