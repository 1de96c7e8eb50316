"""The step inspector over HTTP (Flask's test client, requests built as dash-renderer builds them):
closed, a compute sends no per-step details; open, the page asks for the one run it shows and gets
that run's every step, checked against the engine run directly; and a run kept from an earlier
request (``app.shell.compute.explore_results``) is the engine's run, not another one's.
"""

from __future__ import annotations

import numpy as np
import pytest

import landscapes
import optimizers
from app import ids, model
from app.components.run_card import RunCard
from app.explore import ids as explore_ids
from app.shell import ids as shell_ids
from bench.dash_client import DashClient, Page

COMPUTE = f"{explore_ids.SURFACE_3D}.figure"
INSPECT = f"{explore_ids.INSPECT_DATA}.data"
LR0 = RunCard.ids.hp(0, "lr")


def answer(client: DashClient, output: str, changed: list, page: Page) -> dict:
    reply = client.call(output, changed, page)
    assert reply.status == 200, reply.text(2000)
    return reply.response


def compute(client: DashClient, page: Page, lr: float) -> dict:
    """The compute after run 0's learning rate became ``lr``, folded into ``page``."""
    page.set([(LR0, "value", lr)])
    response = answer(client, COMPUTE, [(LR0, "value", lr)], page)
    page.apply(response)
    return response[shell_ids.RUNS_DATA]["data"]


def engine_run(spec: model.RunSpec, steps: int) -> optimizers.Trajectory:
    """The run as the engine makes it, without the app."""
    s = model.default_settings()
    surface = landscapes.get(s["surface"])
    hp = spec.hyperparameters
    return optimizers.run(surface, spec.optimizer, s["start"], steps, record_state=True, **hp)


def close(sent, exact) -> bool:
    """``sent`` (6 significant digits, None for NaN) is ``exact`` to that precision: half a unit
    of the 6th digit is at most 5e-6 of the value."""
    sent = np.array(sent, dtype=float)
    return sent.shape == np.shape(exact) and np.allclose(
        sent, exact, rtol=5.01e-6, atol=1e-300, equal_nan=True
    )


def test_a_compute_sends_no_step_details_while_the_inspector_is_closed(client, page):
    assert page.value(explore_ids.INSPECT_OPEN, "value")[1] == []  # the page opens with it closed
    data = compute(client, page, 0.0015)
    runs = model.default_settings()["runs"]
    assert [set(run) for run in data["inspector"]] == [{"label", "id"}] * len(runs)
    assert data["inspector"][1]["label"] == runs[1].label()
    assert len({run["id"] for run in data["inspector"]}) == len(runs)


@pytest.mark.parametrize("run", [0, 1])
def test_the_open_inspector_gets_every_step_of_the_run_it_shows_as_the_engine_makes_it(client, page, run):
    data = compute(client, page, 0.0015)
    chosen = data["inspector"][run]
    details = answer(client, INSPECT, [(explore_ids.INSPECT_REQUEST, "data", {"run": run, **chosen})], page)
    details = details[explore_ids.INSPECT_DATA]["data"]
    assert details["run"] == run and details["id"] == chosen["id"] and details["label"] == chosen["label"]
    spec = model.default_settings()["runs"][run]
    if run == 0:
        spec = model.RunSpec(spec.optimizer, {**spec.hyperparameters, "lr": 0.0015}, spec.color)
    steps = page.value(ids.STEPS, "value")[1]
    t = engine_run(spec, steps)
    assert close(details["points"], t.points) and close(details["losses"], t.losses)
    assert close(details["gradients"], t.gradients) and close(details["lrs"], np.reshape(t.lrs, -1)[:steps])
    assert set(details["states"]) and set(details["states"]) <= set(t.states)
    for name, values in details["states"].items():
        assert close(values, t.states[name]), name


def test_details_computed_for_other_settings_carry_another_fingerprint(client, page):
    """Details fetched after the settings changed again are of other runs: their fingerprint differs,
    so the page (which shows details only under the fingerprint of its runs) does not show them."""
    first = compute(client, page, 0.0015)["inspector"]
    request = {"run": 0, **first[0]}
    page.set([(LR0, "value", 0.0012)])  # a change whose compute has not come back yet
    details = answer(client, INSPECT, [(explore_ids.INSPECT_REQUEST, "data", request)], page)
    details = details[explore_ids.INSPECT_DATA]["data"]
    assert details["id"] != first[0]["id"]
    assert details["id"] == compute(client, page, 0.0012)["inspector"][0]["id"]
    # Run 1 did not change, nor did its fingerprint.
    assert compute(client, page, 0.0012)["inspector"][1]["id"] == first[1]["id"]


def test_a_run_kept_from_an_earlier_request_is_the_engine_run(client, page):
    """Run 1 is kept while run 0's learning rate changes: its loss curve in each answer is the
    engine's, and the answer to the first settings, sent again, is the same."""
    changed = [(LR0, "value", 0.0015)]
    page.set(changed)
    first = answer(client, COMPUTE, changed, page)
    for lr in (0.0011, 0.0013):
        page.set([(LR0, "value", lr)])
        answer(client, COMPUTE, [(LR0, "value", lr)], page)
    page.set(changed)
    again = answer(client, COMPUTE, changed, page)
    first.pop(shell_ids.RUNS_KEY), again.pop(shell_ids.RUNS_KEY)  # its version counts the requests
    assert again == first
    operations = again[shell_ids.LOSS]["figure"]["operations"]
    traces = next(op["params"]["value"] for op in operations if op["location"] == ["data"])
    steps = page.value(ids.STEPS, "value")[1]
    adam = engine_run(model.default_settings()["runs"][1], steps)
    assert close(traces[2]["y"], adam.losses)  # [line, ball] per run: run 1's line


NO_RUN = [None, {}, {"run": 9}, {"run": -1}, {"run": True}, {"run": "0"}, [0]]


@pytest.mark.parametrize("request_data", NO_RUN)
def test_a_request_for_no_run_changes_nothing(client, page, request_data):
    reply = client.call(INSPECT, [(explore_ids.INSPECT_REQUEST, "data", request_data)], page)
    assert reply.status in (200, 204), reply.text(500)
    assert reply.status == 204 or explore_ids.INSPECT_DATA not in reply.response, reply.text(500)
