"""The largest real request is far under ``MAX_REQUEST_BYTES``: the page is driven to its largest
settings through the real app (Flask's test client, requests built as dash-renderer builds them), then
every server callback's request is built from that page, for each of its inputs as the trigger, and
sent. No callback may read the runs' data or a figure back from the browser: that is what once made a
request ≈ 1 MB (8 runs × 1000 steps with optimizer states), and what would again.
"""

from __future__ import annotations

import copy
import json

import pytest
from test_fuzz_requests import for_component, request_body

import optimizers
from app import ids
from app.components.run_card import RunCard
from app.explore import ids as explore_ids
from app.links import MAX_LINK_CHARS, decode_settings, encode_settings
from app.main import MAX_REQUEST_BYTES
from app.maps import ids as maps_ids
from app.maps.settings import MAP_GRID_RANGE
from app.model import MAX_RUNS, MAX_STEPS, PALETTE, RunSpec, default_settings
from app.networks import ids as networks_ids
from app.shell import ids as shell_ids
from bench.dash_client import DashClient, Page, parse_id
from landscapes.formula import MAX_LENGTH as FORMULA_LENGTH

#: Props that hold data the server sent: none of them may come back in a request.
SENT_BY_THE_SERVER = {
    (shell_ids.RUNS_DATA, "data"),
    (networks_ids.FRAMES, "data"),
    (shell_ids.COMPOSED, "data"),
}
MARGIN = 8  # the largest real request (≈ 25 KB, the compute) must be this many times under the limit


def largest_settings() -> dict:
    """8 run cards with every option a surface without data takes (noise, seed, a schedule with 50
    milestones), 1000 steps, 8 learning rates to compare, every optimizer in the Maps race."""
    runs = [
        RunSpec(
            "adam",
            {"lr": 0.001 * (i + 1), "amsgrad": True, "weight_decay": 0.0012345, "eps": 1.2345e-8},
            PALETTE[i],
            {
                "noise": 0.123456789,
                "seed": 2**31 - 1 - i,
                "scheduler": "multisteplr",
                "scheduler_options": {"milestones": list(range(10, 510, 10)), "gamma": 0.987654321},
            },
        )
        for i in range(MAX_RUNS)
    ]
    settings = default_settings()
    settings.update(
        runs=runs,
        steps=MAX_STEPS,
        compare_lrs="0.000123, 0.000456, 0.00123, 0.00456, 0.0123, 0.0456, 0.123, 0.456",
        maps={"racers": optimizers.names(), "tol": "1.23456789e-6"},
    )
    return settings


def longest_formula() -> str:
    """A formula of nearly ``MAX_LENGTH`` characters: the formula box is sent with every compute, also
    after the user typed one and went back to a built-in surface (whose runs cost less: the test
    stays far from the 2 s budget)."""
    formula = "0.5*x^2 + 0.25*y^2"
    for k in range(1, 10):
        formula += f" + 0.01*sin({k}*x)*cos({k}*y)" if len(formula) <= FORMULA_LENGTH - 29 else ""
    assert FORMULA_LENGTH - 30 <= len(formula) <= FORMULA_LENGTH, len(formula)
    return formula


@pytest.fixture(scope="module")
def largest(client) -> Page:
    """The page after opening the largest link, computing its runs and a 64 × 64 map."""
    page = Page(copy.deepcopy(client.page.layout))
    search = encode_settings(largest_settings())
    assert len(search) <= MAX_LINK_CHARS
    page.set([(ids.URL, "search", search)])
    reply = client.call(f"{shell_ids.NOTICE}.children", [(ids.URL, "search", search)], page)
    assert reply.status == 200 and not reply.response[shell_ids.NOTICE]["children"], reply.text(500)
    page.apply(reply.response)
    reply = client.call(f"{maps_ids.TAB}.value", [(ids.URL, "search", search)], page)  # its own part
    assert reply.status == 200 and not reply.response[maps_ids.MAP_ERROR]["children"], reply.text(500)
    page.apply(reply.response)
    page.set([(ids.FORMULA, "value", longest_formula())])
    reply = client.call(f"{explore_ids.SURFACE_3D}.figure", [(ids.STEPS, "value", MAX_STEPS)], page)
    assert reply.status == 200 and shell_ids.RUNS_DATA in reply.response, reply.text(500)
    page.apply(reply.response)
    runs_data = page.value(shell_ids.RUNS_DATA, "data")[1]
    assert runs_data["steps"] == MAX_STEPS and len(runs_data["inspector"]) == MAX_RUNS
    held = len(json.dumps(runs_data))
    page.set([(explore_ids.INSPECT_OPEN, "value", ["on"])])
    for run, choice in enumerate(runs_data["inspector"]):  # the open inspector shows each run in turn
        request = {"run": run, **choice}
        page.set([(explore_ids.INSPECT_REQUEST, "data", request)])
        reply = client.call(
            f"{explore_ids.INSPECT_DATA}.data", [(explore_ids.INSPECT_REQUEST, "data", request)], page
        )
        assert reply.status == 200 and reply.response[explore_ids.INSPECT_DATA]["data"]["id"] == choice["id"]
        page.apply(reply.response)
        held += len(json.dumps(reply.response))
    assert held > MAX_REQUEST_BYTES, "what the page holds of the runs is over the limit"
    grid = MAP_GRID_RANGE[1]
    reply = client.call(
        f"{maps_ids.MAP_GRAPH}.figure",
        [(maps_ids.MAP_COMPUTE, "n_clicks", 1)],
        page,
        values=[(maps_ids.MAP_GRID, "value", grid), (ids.STEPS, "value", 20)],
    )
    assert reply.status == 200 and not reply.response[maps_ids.MAP_ERROR]["children"], reply.text(500)
    page.apply(reply.response)
    assert len(page.value(maps_ids.MAP_META, "data")[1]["x_values"]) == grid
    page.set([(networks_ids.DONE, "data", True), (maps_ids.BASIN_DONE, "data", True)])
    return page


def requests(client: DashClient, page: Page) -> list[tuple[str, str, bytes]]:
    """``(callback output, trigger, body)`` for every server callback and each input as trigger."""
    out = []
    for dep in client.deps:
        if dep.get("clientside_function"):
            continue
        dep = for_component(dep, page)
        for spec in dep["inputs"]:
            pattern = parse_id(spec["id"])
            for cid in page.matching(pattern)[:1] if isinstance(pattern, dict) else [pattern]:
                value = page.value(cid, spec["property"])[1]
                body = request_body(dep, page, [(cid, spec["property"], value)])
                out.append((dep["output"], f"{spec['id']}.{spec['property']}", json.dumps(body).encode()))
    return out


def test_no_server_callback_receives_data_the_server_sent(client):
    received = [
        (dep["output"][:60], spec["id"], spec["property"])
        for dep in client.deps
        if not dep.get("clientside_function")
        for kind in ("inputs", "state")
        for spec in dep.get(kind, [])
        if (spec["id"], spec["property"]) in SENT_BY_THE_SERVER or spec["property"] == "figure"
    ]
    assert not received, received


def test_the_largest_real_request_is_far_under_the_limit(client, largest):
    found = requests(client, largest)
    outputs = " ".join(output for output, _, _ in found)
    for part in ("share-query", "download", "map-graph", "basin-graph", "race-graph", "net-boundary"):
        assert part in outputs, f"{part}: every view's callbacks are measured"
    size, output, trigger = max((len(body), output, trigger) for output, trigger, body in found)
    assert size * MARGIN <= MAX_REQUEST_BYTES, f"{size} bytes: {output[:60]} fired by {trigger}"
    compute = max(len(b) for o, _, b in found if f"{shell_ids.RUNS_DATA}.data" in o)
    assert compute > 1000 * MAX_RUNS, "the compute request holds the 8 cards' settings"


#: The shell's export (the Networks view has its own, into the same download).
SHELL_EXPORT = f"{shell_ids.DOWNLOAD}.data...{shell_ids.STATUS}.children"


@pytest.mark.parametrize(
    "output",
    [f"{shell_ids.SHARE_QUERY}.data", f"{explore_ids.SURFACE_3D}.figure", SHELL_EXPORT],
)
def test_the_largest_share_compute_and_export_requests_are_answered(client, largest, output):
    """Sent, not only measured: the link holds the settings; the export recomputes them (the runs'
    data is not sent) within the CPU budget."""
    trigger = {
        f"{shell_ids.SHARE_QUERY}.data": (shell_ids.SHARE, "n_clicks", 1),
        f"{explore_ids.SURFACE_3D}.figure": (RunCard.ids.hp(3, "lr"), "value", 0.0099),
        SHELL_EXPORT: (shell_ids.EXPORT_JSON, "n_clicks", 1),
    }[output]
    reply = client.call(output, [trigger], largest)
    assert reply.status == 200, reply.text(500)
    if output.startswith(shell_ids.SHARE_QUERY):
        shared = decode_settings(reply.response[shell_ids.SHARE_QUERY]["data"])
        assert len(shared["runs"]) == MAX_RUNS and shared["maps"]["racers"] == optimizers.names()
    elif output.startswith(shell_ids.DOWNLOAD):
        exported = json.loads(reply.response[shell_ids.DOWNLOAD]["data"]["content"])
        assert exported["steps"] == MAX_STEPS and len(exported["runs"]) == MAX_RUNS
        assert all(len(run["points"]) == MAX_STEPS + 1 for run in exported["runs"])
        gammas = {r["options"]["scheduler_options"]["gamma"] for r in exported["settings"]["runs"]}
        assert gammas == {0.987654321}, "the page's settings, recomputed on the server"
    else:
        assert reply.response[shell_ids.FRAME]["max"] == MAX_STEPS
