"""The browser's configuration (app/client_config.py): every id the scripts read is on the page, the
scripts type none themselves, and the page carries the configuration as built in Python."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app import client_config
from app import ids as setup_ids
from app.figures_common import enlarge
from app.main import create_app, initial_page
from app.shell import ids as shell_ids
from app.shell.figures import loss_figure

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def layout_ids() -> set:
    page = initial_page()
    return {
        c.id if isinstance(c.id, str) else json.dumps(c.id, sort_keys=True)
        for c in [page, *page._traverse_ids()]
    }


def test_every_id_the_scripts_read_is_an_id_of_the_layout():
    config = client_config.client_config()
    present = layout_ids()
    wanted = {**config["ids"], **{f"graph {k}": v for k, v in config["graphs"].items()}}
    missing = {key: value for key, value in wanted.items() if value not in present}
    assert not missing, missing
    assert config["graphs"] == shell_ids.GRAPHS


def test_the_modes_are_the_mode_switchs():
    """The root class names the mode for every view of the registry (none typed in the scripts)."""
    page = initial_page()
    switch = next(c for c in page._traverse() if getattr(c, "id", None) == setup_ids.MODE)
    assert client_config.client_config()["modes"] == [option["value"] for option in switch.options]


def test_the_scripts_type_no_component_id():
    """Ids reach the scripts through the configuration only: no literal id in a DOM lookup."""
    literal = re.compile(
        r"""(getElementById|set_props)\(\s*["'`]([^"'`]+)|querySelector(All)?\(\s*["'`]#([\w-]+)"""
    )
    found = []
    for script in sorted(ASSETS.glob("*.js")):
        for match in literal.finditer(script.read_text()):
            name = match.group(2) or match.group(4)
            if name != client_config.CONFIG_ELEMENT:
                found.append(f"{script.name}: {match.group(0)}")
    assert not found, found


def test_the_page_embeds_the_configuration():
    response = create_app().server.test_client().get("/")
    page = response.get_data(as_text=True)
    match = re.search(
        rf'<script id="{client_config.CONFIG_ELEMENT}" type="application/json">(.*?)</script>', page, re.S
    )
    assert match, "no configuration element in the page"
    assert json.loads(match.group(1)) == client_config.client_config()


def test_fonts_are_the_figures():
    fonts = client_config.client_config()["fonts"]
    fig = enlarge(loss_figure(*_loss_inputs()))
    assert (fig.layout.font.size, fig.layout.legend.font.size) == (
        fonts["present"]["font"],
        fonts["present"]["legend"],
    )
    normal = loss_figure(*_loss_inputs())
    assert (normal.layout.font.size, normal.layout.legend.font.size) == (
        fonts["normal"]["font"],
        fonts["normal"]["legend"],
    )


def test_a_closing_script_tag_cannot_end_the_element_early():
    text = client_config.index_string("<body>{%app_entry%}</body>")
    body = text.split('type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(body) == client_config.client_config()


def _loss_inputs():
    import landscapes

    return landscapes.get("bowl"), [], False


def test_the_page_is_compressed_and_leaves_out_unused_bundles():
    client = create_app().server.test_client()
    response = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers.get("Content-Encoding") in ("br", "gzip")
    page = client.get("/").get_data(as_text=True)
    assert "plotly/package_data/plotly" in page and "dcc/async-graph" in page
    assert "async-mathjax" not in page and "dash_table/async-" not in page


def test_the_page_loads_each_script_once():
    page = create_app().server.test_client().get("/").get_data(as_text=True)
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources and len(sources) == len(set(sources)), sorted(s for s in sources if sources.count(s) > 1)


MEDIA_QUERY = re.compile(r"@media([^{]*)\{")
WIDTH_FEATURE = re.compile(r"\((max|min)-width:\s*(\d+)px\)")
#: The narrowest screen laid out as more than a phone (a 1024×768 projector): a width query below it
#: is the phone breakpoint.
NARROWEST_WIDE_PX = 1024


def test_the_stylesheets_phone_breakpoint_is_the_configs():
    """CSS cannot read the configuration: its phone media queries must hold PHONE_PX themselves."""
    phone = client_config.PHONE_PX
    found = [
        (sheet.name, kind, int(px))
        for sheet in sorted(ASSETS.glob("*.css"))
        for query in MEDIA_QUERY.findall(sheet.read_text())
        for kind, px in WIDTH_FEATURE.findall(query)
        if int(px) < NARROWEST_WIDE_PX
    ]
    assert ("style.css", "max", phone) in found, found  # the phone layout itself
    wrong = [f for f in found if f[2] != (phone if f[1] == "max" else phone + 1)]
    assert not wrong, f"phone breakpoints other than max-width {phone}px / min-width {phone + 1}px: {wrong}"
    assert client_config.client_config()["screens"]["phonePx"] == phone


def test_the_scripts_type_no_breakpoint():
    """assets/*.js read the phone breakpoint from the configuration, never as a number of their own."""
    number = re.compile(rf"\b{client_config.PHONE_PX}\b")
    found = [script.name for script in sorted(ASSETS.glob("*.js")) if number.search(script.read_text())]
    assert not found, found
