"""Every screen: graphs drawn at their containers' size, the header and the page at four window sizes,
the dark theme, and the setup kept in the address bar across a reload."""

from __future__ import annotations

import json

import pytest
from page_state import LINK_STEP_JS

from app import client_config, ids, lessons
from app.compare import ids as compare_ids
from app.explore import ids as explore_ids
from app.networks import ids as networks_ids
from app.shell import ids as shell_ids
from app.shell.views import VIEWS

WAIT_MS = 60_000  # generous: a slow, busy CI machine
SLACK_PX = 3

# Each visible graph: its id, its container's inner size, and the size Plotly drew it at (a figure
# with its own width or height is compared on the other side only).
SIZES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .filter((gd) => gd.offsetParent !== null && gd.parentElement.clientWidth > 0 && gd._fullLayout)
    .map((gd) => ({
        id: gd.closest('.dash-graph').id,
        box: [gd.parentElement.clientWidth, gd.parentElement.clientHeight],
        drawn: [gd._fullLayout.width, gd._fullLayout.height],
        fixed: [gd.layout.width !== undefined, gd.layout.height !== undefined],
    }))"""

MISFITS_JS = f"""() => ({SIZES_JS})().filter((g) =>
    [0, 1].some((i) => !g.fixed[i] && Math.abs(g.box[i] - g.drawn[i]) > {SLACK_PX}))"""

READY_JS = "() => !!(window.descent && window.descent.player && window.descent.player.state().ready)"


def wait_for_views(page) -> None:
    page.wait_for_function(READY_JS, timeout=WAIT_MS)


def wait_until_graphs_fit(page, what: str) -> None:
    try:
        page.wait_for_function(f"() => ({MISFITS_JS})().length === 0", timeout=WAIT_MS)
    except Exception as error:  # say which graphs, then fail
        pytest.fail(
            f"{what}: graphs not drawn at their container's size: {page.evaluate(MISFITS_JS)} ({error})"
        )


def test_every_lesson_draws_every_visible_graph_at_its_container_size(app_page):
    wait_for_views(app_page)
    wait_until_graphs_fit(app_page, "the first view")
    for lesson in lessons.LESSONS:
        app_page.click(f"#{shell_ids.LESSON}")
        app_page.get_by_role("option", name=lesson.title, exact=True).click()
        title = json.dumps(lesson.title)
        app_page.wait_for_function(
            f"() => document.getElementById('{shell_ids.LESSON_PANEL}')?.innerText.startsWith({title})",
            timeout=WAIT_MS,
        )
        wait_for_views(app_page)
        wait_until_graphs_fit(app_page, lesson.title)
        visible = {g["id"] for g in app_page.evaluate(SIZES_JS)}
        if lesson.settings.get("mode") == "networks":  # its own view, its own figures
            assert {networks_ids.BOUNDARY, networks_ids.LOSS} <= visible, (lesson.title, visible)
            continue
        assert shell_ids.LOSS in visible, (lesson.title, visible)
        assert {compare_ids.COMPARE} <= visible or {explore_ids.CONTOUR, explore_ids.SURFACE_3D} <= visible, (
            lesson.title,
            visible,
        )


@pytest.mark.parametrize("width, height", [(1024, 768), (1400, 900), (1920, 1080), (390, 844)])
def test_the_page_fits_the_window(page, base_url, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url)
    wait_for_views(page)
    wait_until_graphs_fit(page, f"{width}×{height}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # no sideways scrolling
    for selector in (
        ".share summary",
        f"#{shell_ids.PRESENT}",
        f"#{shell_ids.THEME}",
        f"#{shell_ids.LESSON}",
    ):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box)
    # the loss chart's legend never takes the curves' width (on a phone it goes below the plot)
    plot_share = f"""() => {{
        const gd = document.querySelector('#{shell_ids.LOSS} .js-plotly-plot');
        const full = gd && gd._fullLayout;
        const shown = full && full.showlegend && gd.data.some((t) => t.showlegend);
        return shown ? [full._size.w, full.width] : null;
    }}"""
    page.wait_for_function(f"() => ({plot_share})() !== null", timeout=WAIT_MS)
    # a narrow chart (a phone, the projector's side column) keeps most of its width for the curves
    page.wait_for_function(
        f"() => {{ const [w, width] = ({plot_share})(); return w >= (width < 560 ? 0.6 : 1 / 3) * width; }}",
        timeout=WAIT_MS,
    )
    sidebar = page.locator(".sidebar").bounding_box()
    contour = page.locator(f"#{explore_ids.CONTOUR}").bounding_box()
    if width < 700:  # a phone: the controls stack above the views, which keep a readable size
        assert sidebar["y"] + sidebar["height"] <= contour["y"] + 1
        assert contour["width"] >= 0.9 * (width - 40) and contour["height"] >= 300
    else:
        assert sidebar["x"] + sidebar["width"] <= contour["x"]
        assert contour["height"] >= 250


def test_dark_theme_follows_the_system_and_the_toggle_is_kept(browser, base_url, console):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, color_scheme="dark")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    console.attach(page)
    dark = client_config.THEMES["dark"]
    light = client_config.THEMES["light"]
    font = f"() => document.querySelector('#{shell_ids.LOSS} .js-plotly-plot')._fullLayout.font.color"
    page.goto(base_url)
    wait_for_views(page)
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    page.wait_for_function(f"(c) => ({font})() === c", arg=dark["font"], timeout=WAIT_MS)
    background = "() => getComputedStyle(document.body).backgroundColor"
    dark_page = page.evaluate(background)
    page.click(f"#{shell_ids.THEME}")
    page.wait_for_function(f"(c) => ({font})() === c", arg=light["font"], timeout=WAIT_MS)
    assert page.evaluate(background) != dark_page
    page.reload()
    wait_for_views(page)
    assert page.evaluate("() => document.documentElement.dataset.theme") == "light"  # the choice is kept
    page.wait_for_function(f"(c) => ({font})() === c", arg=light["font"], timeout=WAIT_MS)
    context.close()


def test_reload_keeps_the_setup_and_the_step(app_page):
    wait_for_views(app_page)
    app_page.fill(f"#{ids.STEPS}", "120")
    app_page.press(f"#{ids.STEPS}", "Enter")
    app_page.wait_for_function("() => window.descent.player.state().last === 120", timeout=WAIT_MS)
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.PLAY}').innerText.includes('Pause')"
    )
    app_page.click(f"#{shell_ids.PLAY}")  # pause: the address now holds this step
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.PLAY}').innerText.includes('Play')"
    )
    step = app_page.evaluate("() => window.descent.player.state().step")
    # the address held earlier steps while playing: wait until it holds the paused one
    app_page.wait_for_function(
        f"(s) => ({LINK_STEP_JS})(window.location.search) === s", arg=step, timeout=WAIT_MS
    )
    length = app_page.evaluate("() => window.history.length")
    app_page.reload()
    wait_for_views(app_page)
    app_page.wait_for_function(
        "(s) => { const p = window.descent.player.state();"
        " return p.last === 120 && p.step === s && !p.playing; }",
        arg=step,
        timeout=WAIT_MS,
    )
    assert app_page.input_value(f"#{ids.STEPS}") == "120"
    assert app_page.evaluate("() => window.history.length") == length  # replaced, never pushed


# What sticks out of the window sideways: the page's scroll width over the window's (the phone layout
# hides a sideways overflow of the page, so this alone misses one), every header control (buttons, the
# share and lessons menus, the mode switch's and the projector's labels) whose box is not inside the
# window, and every element of the views (the player bars and their sliders too) that reaches past the
# window's edge where nothing clips it.
OVERFLOW_JS = """() => {
    const outside = (box) => box.width > 0 && (box.left < -0.5 || box.right > window.innerWidth + 0.5);
    const describe = (el) => ({what: el.id || String(el.className.baseVal ?? el.className) || el.tagName,
                               text: (el.innerText || el.textContent || '').trim().slice(0, 30),
                               box: el.getBoundingClientRect().toJSON()});
    // cut off by an ancestor inside the window (a graph's box): not seen outside (an ancestor that
    // scrolls does not count: its content scrolls sideways, reported below)
    const clipped = (el) => {
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
            const overflow = getComputedStyle(up).overflowX;
            if ((overflow === 'hidden' || overflow === 'clip') && !outside(up.getBoundingClientRect())) {
                return true;
            }
        }
        return false;
    };
    // (a closed menu's content has boxes in Chromium, yet is not shown: checkVisibility knows)
    const shown = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: false});
    return {
        scroll: document.scrollingElement.scrollWidth - window.innerWidth,
        outside: [...document.querySelectorAll(
            '.topbar button, .topbar summary, .topbar label, .topbar .dash-dropdown, .topbar .Select')]
            .filter((el) => el.offsetParent !== null).map(describe).filter(({box}) => outside(box)),
        views: [...document.querySelectorAll('.views *')]
            .filter((el) => shown(el) && outside(el.getBoundingClientRect()) && !clipped(el))
            .slice(0, 10).map(describe),
        // a part of the views that scrolls sideways
        scrolls: [...document.querySelectorAll('.views, .views *')]
            .filter((el) => shown(el) && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
                && el.scrollWidth > el.clientWidth + 1)
            .map((el) => ({...describe(el), by: el.scrollWidth - el.clientWidth})),
    };
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width, height", [(390, 844), (1024, 768)])
def test_every_view_fits_sideways_and_keeps_the_header_in_the_window(
    browser, base_url, console, theme, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    console.attach(page)
    page.goto(base_url)
    wait_for_views(page)
    assert page.evaluate("() => document.documentElement.dataset.theme") == theme
    for view in VIEWS:
        page.locator(".mode-switch label", has_text=view.TITLE).click()
        page.wait_for_function(
            f"() => document.getElementById('{shell_ids.ROOT}').classList.contains('mode-{view.MODE}')"
        )
        wait_until_graphs_fit(page, f"{view.TITLE} at {width}×{height}")
        found = page.evaluate(OVERFLOW_JS)
        assert found["scroll"] <= 0, (view.MODE, theme, f"scrolls sideways by {found['scroll']} px")
        assert found["outside"] == [], (view.MODE, theme, found["outside"])
        assert found["views"] == [], (view.MODE, theme, "past the window's edge", found["views"])
        assert found["scrolls"] == [], (view.MODE, theme, "scrolls sideways", found["scrolls"])
        for menu in page.locator(".views details.export").all():  # an open Export menu stays in sight
            if menu.is_visible():
                menu.locator("summary").click()
                box = menu.locator(".export-panel").bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (view.MODE, "export", box)
                assert box["y"] >= 0 and box["y"] + box["height"] <= height, (view.MODE, "export", box)
                menu.locator("summary").click()
    context.close()


# The loss chart's y tick labels as drawn: [top, bottom] of each, top to bottom.
Y_TICKS_JS = f"""() => [...document.querySelectorAll('#{shell_ids.LOSS} .ytick text')]
    .map((t) => t.getBoundingClientRect()).filter((r) => r.height > 0)
    .map((r) => [r.top, r.bottom]).sort((a, b) => a[0] - b[0])"""
OVERLAPS_JS = f"() => ({Y_TICKS_JS})().some((r, i, all) => i > 0 && r[0] < all[i - 1][1])"


def test_a_1024_by_768_projector_keeps_the_player_on_one_row_and_the_loss_ticks_apart(page, base_url):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(base_url)
    wait_for_views(page)
    for present in (False, True):
        if present:
            page.locator(f"#{shell_ids.PRESENT}").get_by_text("Projector").click()
            page.wait_for_function(
                f"""() => document.querySelector('#{shell_ids.LOSS} .js-plotly-plot')
                    ?._fullLayout.font.size === {client_config.PRESENT_FONT["font"]}""",
                timeout=WAIT_MS,
            )
        wait_until_graphs_fit(page, f"1024×768, projector {present}")
        # the loss chart's log axis labels never sit on each other, at normal and projector type
        page.wait_for_function(f"() => ({Y_TICKS_JS})().length >= 2 && !({OVERLAPS_JS})()", timeout=WAIT_MS)
        # one row of player controls: Export beside Play, not below it (a second row takes the chart's height)
        play, export = (page.locator(f".playback {s}").bounding_box() for s in (".play", ".export summary"))
        middle = [box["y"] + box["height"] / 2 for box in (play, export)]
        assert abs(middle[0] - middle[1]) < 8, (play, export)
        plot_height = page.evaluate(
            f"() => document.querySelector('#{shell_ids.LOSS} .js-plotly-plot')._fullLayout._size.h"
        )
        assert plot_height >= 100, plot_height  # the curves keep a readable height


TITLE_GAP_PX = 24  # a title sits this close over its map
MIN_PANEL_PX = 120  # a map this wide at least (four of 80 px on a phone are not readable)
BELOW_PX = 60  # under the last row: its x tick labels and the figure's margin, no empty band
# A grid of panels as drawn (Compare's maps, the Networks view's boundaries), in px from the graph's
# top left: each panel's plot area (from its axes) and its title's box, and what is wrong with them
# (empty list: laid out well).
PANEL_PROBLEMS_JS = f"""(graph) => {{
    const gd = document.querySelector('#' + graph + ' .js-plotly-plot');
    const full = gd && gd._fullLayout;
    if (!full || !gd.querySelector('.main-svg')) return ['not drawn'];
    const origin = gd.getBoundingClientRect();
    const order = (a, b) => a.top - b.top || a.left - b.left;
    const panels = Object.keys(full).filter((k) => /^yaxis\\d*$/.test(k) && full[k].visible).map((k) => {{
        const y = full[k], x = full['xaxis' + y.anchor.slice(1)];
        return {{top: y._offset, bottom: y._offset + y._length,
                 left: x._offset, right: x._offset + x._length}};
    }}).sort(order);
    const titles = [...gd.querySelectorAll('.infolayer .annotation')].map((note) => {{
        const r = note.getBoundingClientRect();
        return {{top: r.top - origin.top, bottom: r.bottom - origin.top,
                 left: r.left - origin.left, right: r.right - origin.left}};
    }}).sort(order);
    const problems = [];
    if (panels.length !== titles.length) {{
        problems.push(`${{panels.length}} panels, ${{titles.length}} titles`);
    }}
    const apart = (a, b) => a.right <= b.left + 1 || b.right <= a.left + 1
        || a.bottom <= b.top + 1 || b.bottom <= a.top + 1;
    titles.forEach((t, i) => {{
        if (t.left < -1 || t.right > full.width + 1 || t.top < -1) {{
            problems.push(`title ${{i}} leaves the graph`);
        }}
        titles.slice(i + 1).forEach((u, j) => apart(t, u)
            || problems.push(`titles ${{i}}, ${{i + j + 1}} overlap`));
        // over its own panel, with no band between them
        const p = panels.find((p) => t.right > p.left && t.left < p.right && t.bottom <= p.top + 1);
        if (!p) problems.push(`title ${{i}} is over no panel`);
        else if (p.top - t.bottom > {TITLE_GAP_PX}) {{
            problems.push(`title ${{i}}: ${{p.top - t.bottom}} px over its map`);
        }}
    }});
    panels.forEach((p, i) => p.right - p.left < {MIN_PANEL_PX}
        && problems.push(`panel ${{i}} is ${{p.right - p.left}} px wide`));
    const below = full.height - Math.max(...panels.map((p) => p.bottom));
    if (below > {BELOW_PX}) problems.push(`${{below}} px empty under the panels`);
    return problems;
}}"""


def wait_until_laid_out(page, graph: str, what: str) -> None:
    try:
        page.wait_for_function(
            f"(graph) => ({PANEL_PROBLEMS_JS})(graph).length === 0", arg=graph, timeout=WAIT_MS
        )
    except Exception as error:  # say what is wrong, then fail
        pytest.fail(f"{what}: {page.evaluate(PANEL_PROBLEMS_JS, graph)} ({error})")


@pytest.mark.parametrize(
    "width, height, rates",
    [
        (390, 844, ""),
        (390, 844, "0.0003, 0.001, 0.002, 0.003, 0.004"),
        (1024, 768, ""),
        (1400, 900, ""),
        (1920, 1080, ""),
    ],
)
def test_the_compare_panels_are_readable_and_take_the_height_they_need(page, base_url, width, height, rates):
    """The default rates, and five on a phone (two columns, three rows; the 2 × 4 grid's unused cells
    hidden)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url)
    wait_for_views(page)
    page.locator(".mode-switch label", has_text="Compare").click()
    if rates:
        page.fill(f"#{compare_ids.COMPARE_LRS}", rates)
        page.press(f"#{compare_ids.COMPARE_LRS}", "Enter")
        page.wait_for_function(
            "(graph) => document.querySelectorAll('#' + graph + ' .infolayer .annotation').length === 5",
            arg=compare_ids.COMPARE,
            timeout=WAIT_MS,
        )
    wait_until_graphs_fit(page, f"Compare at {width}×{height}")
    wait_until_laid_out(page, compare_ids.COMPARE, f"Compare at {width}×{height}")
    wait_until_graphs_fit(page, f"Compare at {width}×{height}, laid out")
    loss = page.locator(f"#{shell_ids.LOSS}").bounding_box()
    assert loss["height"] >= 200, loss  # the loss chart keeps (or gets) a readable height


@pytest.mark.parametrize("width, height, present", [(390, 844, False), (1024, 768, True), (1400, 900, False)])
def test_the_networks_boundaries_are_readable_and_take_the_height_they_need(
    page, base_url, width, height, present
):
    """Three networks' panels: two columns on a phone, titles apart and whole (projector type is
    taller), no empty band; the paired graphs under them stack on a phone."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url)
    wait_for_views(page)
    if present:
        page.locator(f"#{shell_ids.PRESENT}").get_by_text("Projector").click()
    page.locator(".mode-switch label", has_text="Networks").click()
    graph = networks_ids.BOUNDARY
    if present:
        page.wait_for_function(
            f"""() => document.querySelector('#{graph} .js-plotly-plot')
                ?._fullLayout?.font.size === {client_config.PRESENT_FONT["font"]}""",
            timeout=WAIT_MS,
        )
    wait_until_laid_out(page, graph, f"Networks at {width}×{height}")
    wait_until_graphs_fit(page, f"Networks at {width}×{height}, laid out")
    tops = page.evaluate(
        f"""() => ['{networks_ids.LOSS}', '{networks_ids.INTERPOLATION}']
            .map((id) => document.getElementById(id).getBoundingClientRect().top)"""
    )
    assert (tops[1] > tops[0] + 100) == (width <= client_config.PHONE_PX), tops  # stacked on a phone only
