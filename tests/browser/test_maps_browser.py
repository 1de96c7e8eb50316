"""The Maps panel in a real headless Chromium: compute maps, click a cell, read the hint."""

from __future__ import annotations

import json

from app import ids, links, model
from app.components.run_card import RunCard
from app.explore import ids as explore_ids
from app.maps import ids as maps_ids
from app.maps import settings as maps_settings
from app.shell import ids as shell_ids

WAIT_MS = 60_000  # generous: a slow, busy CI machine

# The heatmap's cells: rows × columns of trace 0 (the loss layer) of the hyperparameter map.
CELLS_JS = """() => {
    const gd = document.querySelector('#map-graph .js-plotly-plot');
    if (!gd || !gd.data || !gd.data[0] || !Array.isArray(gd.data[0].customdata)) return null;
    const rows = gd.data[0].customdata;
    return [rows.length, rows[0].length];
}"""

# Where cell [i][j] of the map is on the page, and its customdata.
CELL_JS = """([i, j]) => {
    const gd = document.querySelector('#map-graph .js-plotly-plot');
    const cell = gd.data[0].customdata[i][j];
    const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
    const at = (axis, value) => {
        const [lo, hi] = axis.range;
        const v = axis.type === 'log' ? Math.log10(value) : value;
        return (v - lo) / (hi - lo);
    };
    const layout = gd._fullLayout;
    return {
        x: box.left + at(layout.xaxis, cell[0]) * box.width,
        y: box.bottom - at(layout.yaxis, cell[1]) * box.height,
        cell: cell,
    };
}"""


def by_id(page, component_id: dict):
    return page.locator(f"[id='{json.dumps(component_id, separators=(',', ':'), sort_keys=True)}']")


def choose(page, dropdown_id: str, option: str) -> None:
    page.click(f"#{dropdown_id}")
    page.get_by_role("option", name=option, exact=True).click()


def open_maps(page, tab: str = "Hyperparameter map") -> None:
    page.locator(f"#{ids.MODE}").get_by_text("Maps", exact=True).click()
    page.wait_for_selector(f"#{maps_ids.PANEL}", state="visible", timeout=WAIT_MS)
    page.locator(f"#{maps_ids.TAB}").get_by_text(tab, exact=True).click()


def wait_for_text(page, component_id: str, text: str) -> None:
    page.wait_for_function(
        "([id, text]) => (document.getElementById(id) || {}).innerText?.includes(text)",
        arg=[component_id, text],
        timeout=WAIT_MS,
    )


def run_cards(page):
    """Explore's run cards (not the Compare view's or the Networks view's card, which hold text ids)."""
    return page.locator(f'#{explore_ids.RUNS} [id*=\'"subcomponent":"run-card"\']')


def test_a_small_map_then_a_click_adds_that_run_to_explore(app_page):
    page = app_page
    open_maps(page)
    page.fill(f"#{maps_ids.MAP_GRID}", "12")
    page.click(f"#{maps_ids.MAP_COMPUTE}")
    wait_for_text(page, maps_ids.MAP_TIMING, "144 runs × 200 steps")
    assert page.evaluate(CELLS_JS) == [12, 12]
    assert page.locator(f"#{maps_ids.MAP_GRAPH} .hm").count() >= 1  # drawn, not only in the data

    # A bad grid size: a message next to the controls, and the map stays as it was.
    page.fill(f"#{maps_ids.MAP_GRID}", "100")
    page.click(f"#{maps_ids.MAP_COMPUTE}")
    wait_for_text(page, maps_ids.MAP_ERROR, "grid must be from 8 to 64, got '100'")
    assert page.evaluate(CELLS_JS) == [12, 12]

    cards_before = run_cards(page).count()
    target = page.evaluate(CELL_JS, [1, 2])  # small lr, small momentum: far from the ★
    page.mouse.click(target["x"], target["y"])
    page.wait_for_function(
        "() => document.getElementById('root').className.includes('mode-explore')", timeout=WAIT_MS
    )
    new = cards_before  # cards are numbered from 0: the new one takes the next index
    box = by_id(page, RunCard.ids.hp(new, "lr"))
    box.wait_for(state="visible", timeout=WAIT_MS)
    assert run_cards(page).count() == cards_before + 1
    assert float(box.input_value()) == target["cell"][0]
    momentum = by_id(page, RunCard.ids.hp(new, "momentum"))
    assert float(momentum.input_value()) == target["cell"][1]
    # Back in Explore, the new run is drawn: the loss chart has one more line.
    page.wait_for_function(
        f"() => document.querySelectorAll('#{shell_ids.LOSS} .legendtext').length === {cards_before + 1}",
        timeout=WAIT_MS,
    )


def test_basins_on_himmelblau_show_four_basins(app_page):
    page = app_page
    choose(page, ids.SURFACE, "Himmelblau")
    open_maps(page, "Basins")
    page.fill(f"#{maps_ids.BASIN_LR}", "0.01")
    page.fill(f"#{maps_ids.BASIN_GRID}", "20")
    page.click(f"#{maps_ids.BASIN_COMPUTE}")
    wait_for_text(page, maps_ids.BASIN_TIMING, "400 runs × 200 steps")
    wait_for_text(page, maps_ids.BASIN_TIMING, "Himmelblau")
    rows = page.locator(f"#{maps_ids.BASIN_COUNTS} .basin-count")
    names = rows.locator(".basin-name").all_inner_texts()
    counts = [int(n.replace(",", "")) for n in rows.locator(".basin-number").all_inner_texts()]
    basins = [c for name, c in zip(names, counts, strict=True) if name.startswith("minimum")]
    assert len(basins) == 4 and all(c > 0 for c in basins)
    assert sum(counts) == 400


def test_fair_comparison_shows_a_row_per_optimizer(app_page):
    page = app_page
    open_maps(page, "Fair comparison")
    page.wait_for_selector(f"#{maps_ids.RACE_TABLE} table tbody tr", timeout=WAIT_MS)
    rows = page.locator(f"#{maps_ids.RACE_TABLE} tbody tr")
    assert rows.count() == 3
    assert [r.split("\t")[0].strip() for r in rows.all_inner_texts()] == ["SGD", "Adam", "RMSprop"]
    # One line per optimizer in the learning-rate search (plus its ✕ and ★ traces).
    assert page.locator(f"#{maps_ids.RACE_GRAPH} .legendtext").all_text_contents()[:3] == [
        "SGD",
        "Adam",
        "RMSprop",
    ]

    page.fill(f"#{maps_ids.RACE_TOL}", "-1")
    page.click(f"#{maps_ids.RACE_COMPUTE}")
    wait_for_text(page, maps_ids.RACE_ERROR, "Invalid tol: -1")
    assert rows.count() == 3


def test_the_stability_hint_on_the_bowl_is_one(app_page):
    page = app_page
    choose(page, ids.SURFACE, "Bowl")
    hint = by_id(page, RunCard.ids.lr_hint(0))
    page.wait_for_function(
        "(id) => (document.getElementById(id) || {}).innerText === 'Plain GD stable for lr < 2/λ_max = 1'",
        arg=json.dumps(RunCard.ids.lr_hint(0), separators=(",", ":"), sort_keys=True),
        timeout=WAIT_MS,
    )
    assert hint.is_visible()
    assert by_id(page, RunCard.ids.lr_hint(1)).inner_text() == hint.inner_text()


def test_maps_mode_and_back_keeps_explore_working(app_page):
    page = app_page
    open_maps(page)
    wait_for_text(page, maps_ids.MAP_TIMING, "runs ×")  # computed on the first visit
    assert not page.locator(f"#{explore_ids.EXPLORE_VIEW}").is_visible()
    assert not page.locator(f"#{shell_ids.PLAY}").is_visible()
    page.locator(f"#{ids.MODE}").get_by_text("Explore", exact=True).click()
    page.wait_for_selector(f"#{explore_ids.EXPLORE_VIEW}", state="visible", timeout=WAIT_MS)
    assert not page.locator("#maps-view").is_visible()
    page.wait_for_function(
        f"() => document.querySelectorAll('#{shell_ids.LOSS} .legendtext').length === 2", timeout=WAIT_MS
    )
    assert page.inner_text(f"#{ids.SETUP_ERROR}") == ""


def test_a_maps_link_reopens_the_basins_tab_as_it_was_and_computes_it(page, base_url, wait_for_dash):

    maps_part = {**maps_settings.default_link_settings(), "tab": "basins", "basin_optimizer": "adam"}
    maps_part.update(basin_lr=0.05, basin_momentum=0.5, basin_grid=24)
    settings = {**model.default_settings(), "surface": "himmelblau", "mode": "maps", "maps": maps_part}
    settings["start"] = [0.0, 0.0]
    page.goto(base_url + "/" + links.encode_settings(settings))
    wait_for_dash(page, callbacks=False)
    page.wait_for_selector(f"#{maps_ids.BASIN_GRAPH}", state="visible", timeout=WAIT_MS)
    title = "document.querySelector('#basin-graph .js-plotly-plot')?.layout?.title?.text || ''"
    page.wait_for_function(f"() => ({title}).startsWith('Adam (lr 0.05, betas (0.5')", timeout=WAIT_MS)
    assert page.input_value(f"#{maps_ids.BASIN_LR}") == "0.05"
    assert page.input_value(f"#{maps_ids.BASIN_MOMENTUM}") == "0.5"
    wait_for_text(page, maps_ids.BASIN_TIMING, "576 runs")
