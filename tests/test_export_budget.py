"""Exports are bounded like every compute: the largest one the caps allow finishes within the CPU
budget as the app itself measures it (``budget.CpuBudget``), or is refused with what to change; the
refusal is driven by the measured cost, shown with a tiny budget on the real functions.

(No clock is read here: the CPU counted is the one the app counts to refuse work.)
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import landscapes
from app import outcome as outcomes
from app.model import MAX_RUNS, MAX_STEPS, PALETTE, RunSpec
from app.networks import export as networks_export
from app.networks import figures as networks_figures
from app.networks import training as trainer
from app.networks.training import Setup
from app.runs import simulate
from app.shell import export
from app.shell import ids as shell_ids
from optimizers import budget

REFUSED = "export fewer steps or runs as an animation, or the trajectories as CSV or JSON"


@pytest.fixture(scope="module")
def largest():
    """The heaviest Explore export the caps allow: 8 runs × 1000 steps on logistic regression (its
    Model view is animated too), no run diverging, so every frame carries every path. Computed
    without the compute's own time check: on a slow, busy machine that check refuses these runs
    (2.8 s was measured there), and the exports' budget is what is tested here."""
    land = landscapes.get("logistic_regression")
    runs = [RunSpec("adam", {"lr": 0.005 * (i + 1)}, PALETTE[i % len(PALETTE)]) for i in range(MAX_RUNS)]
    view = outcomes.view_landscape(land, land.start)
    results = simulate(land, land.start, MAX_STEPS, runs)
    out = outcomes.Outcome("explore", view, tuple(land.start), MAX_STEPS, results)
    assert all(r.diverged_at == -1 and len(r.points) == MAX_STEPS + 1 for r in out.results)
    return out


def test_the_largest_animation_is_written_within_the_budget_or_refused_in_words(largest):
    cpu = budget.CpuBudget()
    try:
        page = export.animation_html(largest, cpu)
    except budget.WorkTooLargeError as error:  # a slow machine: refused, with what to change
        assert REFUSED in str(error) and "the limit is 2 s" in str(error)
        return
    assert cpu.spent() <= budget.LIMIT_SECONDS
    assert page.count('"name":') >= export.MAX_FRAMES  # the whole animation, not a cut one


def test_csv_and_json_of_the_largest_outcome_take_a_small_share_of_the_budget(largest):
    """No check of their own: at the caps they write 8 × 1001 points, a sliver of the budget."""
    cpu = budget.CpuBudget()
    export.trajectories_csv(largest)
    export.trajectories_json(largest)
    assert cpu.spent() < budget.LIMIT_SECONDS / 4


def test_an_animation_over_its_budget_is_refused_before_its_frames_with_the_measured_cost(largest):
    cpu = budget.CpuBudget(limit=0.01)
    with pytest.raises(budget.WorkTooLargeError, match=REFUSED) as refused:
        export.animation_html(largest, cpu)
    projected = float(str(refused.value).split("about ")[1].split(" s")[0])
    assert projected > 0.01
    # A shorter outcome projects less: the estimate follows the frames' points, not a constant.
    land, runs = largest.landscape, [RunSpec("adam", {"lr": 0.005}, PALETTE[0])]
    short = outcomes.compute(land, largest.start, 20, "explore", runs, RunSpec("sgd"), "0.01")
    with pytest.raises(budget.WorkTooLargeError) as small:
        export.animation_html(short, budget.CpuBudget(limit=1e-6))
    assert float(str(small.value).split("about ")[1].split(" s")[0]) < projected


def test_the_cpu_budget_counts_what_was_spent_before():
    cpu = budget.CpuBudget(limit=1.0)
    np.sin(np.linspace(0, 1, 3_000_000)).sum()  # some real CPU
    spent = cpu.spent()
    assert spent > 0
    assert spent < 1.0
    cpu.refuse_over(0.0, "nothing")  # under the limit: no refusal
    # Under the limit alone, over it with what was spent: the spent CPU counts.
    with pytest.raises(budget.WorkTooLargeError, match=r"the limit is 1 s\): do less\.$"):
        cpu.refuse_over(1.0 - spent / 2, "do less")


# ------------------------------------------------------------------------------------- Networks

NETWORK_CASES = {
    "classification": Setup(lrs=(0.01, 0.03), steps=40, n=60),
    "curve": Setup(data="curve", lrs=(0.01, 0.1), steps=40, n=40, hidden=(8,)),
    "recommender": Setup(model="recommender", lrs=(0.05, 0.2), steps=40),
}


@pytest.mark.parametrize("case", NETWORK_CASES)
def test_the_networks_animation_frames_are_what_the_view_draws_at_each_snapshot(case):
    """Frames carry only the changing values (not a validated figure per snapshot), and they are the
    values ``boundary_figure`` draws at that snapshot."""
    training = trainer.train(NETWORK_CASES[case])
    fig = networks_export.animated_boundary(training)
    patched = fig["frames"][0]["traces"]
    assert [f["name"] for f in fig["frames"]] == [str(s) for s in training.frames]
    for f in (0, len(training.frames) // 2, len(training.frames) - 1):
        drawn = networks_figures.boundary_figure(training, frame=f).to_plotly_json()["data"]
        for index, trace in zip(patched, fig["frames"][f]["data"], strict=True):
            assert trace["type"] == drawn[index]["type"]
            key = "y" if case == "curve" else "z"
            assert json.dumps(trace[key]) == json.dumps(_plain(drawn[index][key]))
    assert fig["data"][patched[0]]["type"] == fig["frames"][0]["data"][0]["type"]


def _plain(values):
    """A figure's array as plain lists (Plotly may hold a tuple or an array)."""
    if isinstance(values, np.ndarray):
        return values.tolist()
    return [_plain(v) for v in values] if isinstance(values, list | tuple) else values


def test_the_networks_page_is_refused_past_its_budget_and_written_within_it():
    training = trainer.train(NETWORK_CASES["classification"])
    with pytest.raises(budget.WorkTooLargeError, match="train fewer steps or learning rates"):
        networks_export.offline_html(training, budget.CpuBudget(limit=1e-6))
    cpu = budget.CpuBudget()
    page = networks_export.offline_html(training, cpu)
    assert cpu.spent() <= budget.LIMIT_SECONDS and page.count("plotly-graph-div") >= 4


def test_a_network_too_large_to_draw_is_refused_before_training_with_what_to_change():
    """2 × 961 losses of 2000 points × 2241 parameters for its planes took 12 s, whatever the steps
    (the multiply-add cap counts the training only)."""
    setup = Setup(n=2000, hidden=(32, 32, 32), lrs=(0.01,) * 8, steps=5)
    assert trainer.work(setup, setup.network().n_params) <= trainer.MAX_WORK  # the old cap let it in
    with pytest.raises(budget.WorkTooLargeError, match="fewer learning rates, points or units"):
        trainer.train(setup)


@pytest.mark.parametrize("case", ["classification", "recommender"])
def test_the_networks_training_check_is_the_measured_one(case):
    setup = NETWORK_CASES[case]
    net = setup.network()
    trainer.check_seconds(setup, net)  # the default budget: a small setup fits
    with pytest.raises(budget.WorkTooLargeError, match=r"steps fit|one step does not fit"):
        trainer.check_seconds(setup, net, limit=1e-7)
    assert trainer.summary_seconds(setup, net) > 0


# ---------------------------------------------------------------------------- through the app


def test_the_export_callback_shows_the_refusal_and_downloads_nothing(client, page, monkeypatch):
    """A request's budget is read when it starts: with a tiny one (a slower server, in effect) the
    animation is refused in the status line, and no file is sent."""
    monkeypatch.setattr(budget, "LIMIT_SECONDS", 1e-4)
    output = f"{shell_ids.DOWNLOAD}.data...{shell_ids.STATUS}.children"  # the shell's, not the Networks'
    reply = client.update(json.dumps(client.body(output, [(shell_ids.EXPORT_HTML, "n_clicks", 1)], page)))
    assert reply.status == 200, reply.text(2000)
    status = reply.response[shell_ids.STATUS]["children"]
    assert status.startswith("Nothing to export: That is about") and REFUSED in status
    assert shell_ids.DOWNLOAD not in reply.response


def test_the_composed_picture_is_refused_when_the_runs_leave_too_little_of_the_budget(largest):
    step = MAX_STEPS // 2
    with pytest.raises(budget.WorkTooLargeError, match="export fewer steps or runs as a picture"):
        export.composed_within(largest, None, step, budget.CpuBudget(limit=export.COMPOSED_SECONDS / 2))
    spent = budget.CpuBudget(limit=export.COMPOSED_SECONDS + 1.0)
    fig = export.composed_within(largest, None, step, spent)  # room left: the picture as composed_figure
    assert fig.to_plotly_json() == export.composed_figure(largest, None, step).to_plotly_json()
