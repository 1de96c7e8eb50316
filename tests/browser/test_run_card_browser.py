"""The run card's number boxes in the browser: a value typed just before an action (an export, Play)
is the value that action uses, with nothing else done to commit it (the boxes send their value when
left or on Enter, not after a pause in typing); a clean console (the fixture)."""

from __future__ import annotations

import json

from app.components.run_card import RunCard
from app.shell import ids as shell_ids

WAIT_MS = 60_000


def _lr_box(page, run: int = 0):
    box = page.locator(
        f"[id='{json.dumps(RunCard.ids.hp(run, 'lr'), separators=(',', ':'), sort_keys=True)}']"
    )
    box.wait_for(state="visible", timeout=WAIT_MS)
    return box


def test_a_learning_rate_typed_just_before_an_export_is_exported(app_page, tmp_path):
    app_page.click(".export summary:visible")  # the menu open first: the export is the next click
    _lr_box(app_page).fill("0.0123")
    with app_page.expect_download(timeout=WAIT_MS) as info:
        app_page.click(f"#{shell_ids.EXPORT_JSON}")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    runs = json.loads(path.read_text())["runs"]
    assert "lr 0.0123" in runs[0]["label"], runs[0]["label"]


def test_a_learning_rate_typed_just_before_play_is_the_one_played(app_page):
    if "Pause" in app_page.inner_text(f"#{shell_ids.PLAY}"):
        app_page.click(f"#{shell_ids.PLAY}")
    _lr_box(app_page).fill("0.0125")
    app_page.click(f"#{shell_ids.PLAY}")
    app_page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('#{shell_ids.LOSS} .legendtext'))
                 .some((node) => node.textContent.includes('lr 0.0125'))""",
        timeout=WAIT_MS,
    )
    app_page.wait_for_function(
        f"() => document.getElementById('{shell_ids.PLAY}').innerText.includes('Pause')", timeout=WAIT_MS
    )


LEGEND_HAS_JS = f"""(text) => Array.from(document.querySelectorAll('#{shell_ids.LOSS} .legendtext'))
    .some((node) => node.textContent.includes(text))"""


def test_a_pause_in_typing_sends_nothing_and_enter_sends_the_value(app_page, wait_for_dash):
    if "Pause" in app_page.inner_text(f"#{shell_ids.PLAY}"):
        app_page.click(f"#{shell_ids.PLAY}")
    # The pause's own callbacks done before typing: in a full run under load the box once read
    # "0.1370" after typing "0.0137" (not reproduced alone; an answer landing mid-typing is suspected).
    wait_for_dash(app_page)
    box = _lr_box(app_page)
    box.click()
    box.fill("")
    box.press_sequentially("0.0137")
    # A pause in typing, the box still focused: a pause timer (the old 0.6 s debounce) would have sent
    # the value and recomputed by now; nothing is sent. (A wait for nothing to happen must be a time:
    # on a slow machine the old timer might fire later and this check pass wrongly, never fail wrongly.)
    app_page.wait_for_timeout(3000)
    assert app_page.evaluate("() => document.activeElement && document.activeElement.value") == "0.0137"
    assert not app_page.evaluate(LEGEND_HAS_JS, "lr 0.0137")
    assert not app_page.locator("._dash-loading-callback").count()
    box.press("Enter")
    app_page.wait_for_function(LEGEND_HAS_JS, arg="lr 0.0137", timeout=WAIT_MS)
