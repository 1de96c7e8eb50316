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
