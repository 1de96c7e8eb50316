"""The Networks view's step inspector (app/networks/inspector.py) against the mathematics: torch's
parameter names map to the flat index the issue's layout gives (each layer's weight (out, in)
row-major, then its bias, the linear layers being modules 0, 2, 4 of the nn.Sequential); ‖Δw‖ is the
norm of the difference of the engine's consecutive points; the listed parameters are the true
largest |Δw|; and the store the training answer carries stays small for the largest networks."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace

import numpy as np
import pytest

import landscapes
import optimizers
from app.networks import ids as net_ids
from app.networks import inspector
from app.networks import training as trainer
from app.networks.settings import DEFAULT
from optimizers import schedules

SMALL = replace(DEFAULT, n=60, hidden=(6, 5), steps=40, lrs=(0.01, 0.1))


@pytest.fixture(scope="module")
def small():
    return trainer.train(SMALL)


def torch_names(sizes) -> list[str]:
    """``named_parameters()`` of nn.Sequential(Linear, act, Linear, …) flattened, written out."""
    names = []
    for i, (inp, out) in enumerate(itertools.pairwise(sizes)):
        module = 2 * i  # an activation module sits between two linear layers
        names += [f"{module}.weight[{r},{c}]" for r in range(out) for c in range(inp)]
        names += [f"{module}.bias[{r}]" for r in range(out)]
    return names


@pytest.mark.parametrize(("data", "hidden"), [("moons", (3, 4)), ("curve", (5,)), ("xor", (2, 3, 2))])
def test_each_flat_index_has_torchs_name_for_it(data, hidden):
    net = landscapes.network(data=data, hidden=hidden, n=20)
    names = [inspector.parameter_name(net, i) for i in range(net.n_params)]
    assert names == torch_names(net.sizes)
    assert len(set(names)) == net.n_params
    # And the name reads back to the index through the network's own unpacking.
    flat = np.arange(net.n_params, dtype=float)[None]
    for i, (weight, bias) in enumerate(net.unpack(flat)):
        out, inp = weight.shape[1:]
        for r, c in itertools.product(range(out), range(inp)):
            assert names[int(weight[0, r, c])] == f"{2 * i}.weight[{r},{c}]"
        for r in range(out):
            assert names[int(bias[0, r])] == f"{2 * i}.bias[{r}]"


def test_a_recommenders_names_are_u_then_v_row_major():
    rec = landscapes.recommender(users=3, items=4, rank=2)
    names = [inspector.parameter_name(rec, i) for i in range(rec.n_params)]
    u, v = rec.factors(np.arange(rec.n_params, dtype=float)[None])
    assert names[int(u[0, 2, 1])] == "U[2,1]" and names[int(v[0, 3, 0])] == "V[3,0]"
    assert names[:2] == ["U[0,0]", "U[0,1]"] and names[6] == "V[0,0]"


@pytest.mark.parametrize("index", [-1, 10**6])
def test_an_index_outside_the_parameters_is_refused(index):
    with pytest.raises(ValueError, match="outside"):
        inspector.parameter_name(landscapes.network(hidden=(3,), n=20), index)


def test_top_moves_are_the_largest_absolute_changes():
    rng = np.random.default_rng(3)
    deltas = rng.standard_normal((3, 200))
    for delta, chosen in zip(deltas, inspector.top_moves(deltas), strict=True):
        assert len(chosen) == 5
        assert list(chosen) == sorted(range(200), key=lambda i: -abs(delta[i]))[:5]
        assert np.abs(delta[chosen]).min() >= np.abs(np.delete(delta, chosen)).max()
    (tied,) = inspector.top_moves(np.array([[0.0, -2.0, 2.0, 1.0]]), top=2)
    assert list(tied) == [1, 2]  # equal |Δw|: the lower index first
    finite, diverged = inspector.top_moves(np.array([[1.0, 2.0], [1.0, np.nan]]))
    assert list(finite) == [1, 0] and len(diverged) == 0


def test_the_numbers_at_each_snapshot_are_the_engines(small):
    trajectory = small.trajectory
    last = trajectory.points.shape[1] - 1
    for run in range(len(SMALL.lrs)):
        details = inspector.run_details(small, run)
        points, gradients = trajectory.points[run], trajectory.gradients[run]
        for f, k in enumerate(small.frames):
            np.testing.assert_allclose(details["loss"][f], trajectory.losses[run, k], rtol=1e-5)
            np.testing.assert_allclose(details["grad"][f], np.linalg.norm(gradients[k]), rtol=1e-5)
            if k == last:
                assert details["move"][f] is None and details["lr"][f] is None and details["top"][f] == []
                continue
            delta = points[k + 1] - points[k]
            np.testing.assert_allclose(details["move"][f], np.sqrt(np.sum(delta**2)), rtol=1e-5)
            np.testing.assert_allclose(details["lr"][f], SMALL.lrs[run], rtol=1e-12)
            order = np.argsort(-np.abs(delta))
            names = [row[0] for row in details["top"][f]]
            assert names == [inspector.parameter_name(small.network, int(i)) for i in order[:5]]
            for (_, before, grad, change), i in zip(details["top"][f], order[:5], strict=True):
                np.testing.assert_allclose(
                    [before, grad, change], [points[k, i], gradients[k, i], delta[i]], rtol=1e-5
                )
                assert change == pytest.approx(points[k + 1, i] - before, rel=1e-4, abs=1e-12)


@pytest.mark.parametrize(
    ("optimizer", "hp", "state", "shared"),
    [
        ("adam", {}, ["exp_avg", "exp_avg_sq"], []),
        ("adam", {"amsgrad": True}, ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], []),
        ("sgd", {"momentum": 0.9}, ["momentum_buffer"], []),
        ("sgd", {}, [], []),
        ("prodigy", {}, ["exp_avg", "exp_avg_sq", "s"], ["d"]),
        ("nadam", {}, ["exp_avg", "exp_avg_sq"], ["mu_product"]),
    ],
)
def test_each_move_has_the_state_its_step_made(optimizer, hp, state, shared):
    """The columns after Δw: the optimizer's state after the step from wₖ (torch's names), as the
    engine's full record has it at point k + 1; a buffer the options leave unused is left out, and
    a field that is one number per network (Prodigy's d) is written once per step, not as a column.
    The same numbers come from a training that kept every step's state."""
    training = trainer.train(replace(SMALL, optimizer=optimizer, hyperparameters=hp))
    data = inspector.inspector_data(training)
    assert (data["state"], data["shared"]) == (state, shared)
    full = optimizers.run(
        training.network, optimizer, start=training.trajectory.points[:, 0], steps=SMALL.steps,
        lr=list(SMALL.lrs), record_state=True, **hp,
    )  # fmt: skip
    np.testing.assert_array_equal(full.points, training.trajectory.points)
    taken = training.frames[training.frames < SMALL.steps]
    for run, details in enumerate(data["runs"]):
        for f, k in enumerate(taken):
            np.testing.assert_allclose(
                details["shared"][f], [full.states[n][run, k + 1, 0] for n in shared], rtol=1e-5
            )
            for row in details["top"][f]:
                i = _index(training.network, row[0])
                assert len(row) == 4 + len(state)
                expected = [full.states[name][run, k + 1, i] for name in state]
                np.testing.assert_allclose(row[4:], expected, rtol=1e-5, atol=1e-300)
        assert details["shared"][len(taken) :] == [[]] * (len(training.frames) - len(taken))
    every = replace(training, trajectory=full)  # every step's state kept: looked up by its steps
    assert inspector.inspector_data(every) == data


def test_a_trajectory_without_the_state_of_a_snapshots_step_is_refused():
    training = trainer.train(replace(SMALL, optimizer="adam"))
    fewer = optimizers.run(
        training.network, "adam", start=training.trajectory.points[:, 0], steps=SMALL.steps,
        lr=list(SMALL.lrs), record_state=[0, SMALL.steps],
    )  # fmt: skip
    with pytest.raises(ValueError, match="the optimizer state was not kept at steps"):
        inspector.inspector_data(replace(training, trajectory=fewer))


def _index(net, name: str) -> int:
    return [inspector.parameter_name(net, i) for i in range(net.n_params)].index(name)


def test_a_schedules_learning_rate_at_each_step_and_its_name():
    options = {"scheduler": "steplr", "scheduler_options": {"step_size": 10, "gamma": 0.5}}
    training = trainer.train(replace(SMALL, options=options, lrs=(0.05,)))
    details = inspector.run_details(training, 0)
    steps = training.frames[training.frames < SMALL.steps]
    np.testing.assert_allclose(details["lr"][: len(steps)], 0.05 * 0.5 ** (steps // 10), rtol=1e-9)
    text = inspector.schedule_text(training.trajectory)
    assert text.startswith("StepLR(") and "step_size=10" in text and "gamma=0.5" in text
    assert schedules.get("steplr").title == "StepLR"
    assert inspector.schedule_text(trainer.train(SMALL).trajectory) == "constant"


@pytest.mark.parametrize(
    ("optimizer", "hp", "plain"),
    [
        ("sgd", {}, True),
        ("sgd", {"momentum": 0.9}, False),
        ("sgd", {"weight_decay": 0.01}, False),
        ("adam", {}, False),
    ],
)
def test_plain_descent_is_told_from_the_steps(optimizer, hp, plain):
    net = landscapes.network(hidden=(4,), n=30)
    run = optimizers.run(net, optimizer, start=net.init(0), steps=12, lr=0.1, **hp)
    steps = trainer.snapshot_steps(12)
    assert inspector.plain_descent(run.points, run.gradients, run.lrs, steps) is plain


def test_a_diverged_network_has_no_nan_in_the_store():
    training = trainer.train(replace(SMALL, data="curve", optimizer="sgd", lrs=(0.01, 1e4), steps=40))
    assert training.diverged_at[1] >= 0
    data = inspector.inspector_data(training)
    json.dumps(data, allow_nan=False)  # NaN is not JSON: it must be null
    after = [f for f, k in enumerate(training.frames) if k > training.diverged_at[1]]
    assert after and all(data["runs"][1]["loss"][f] is None for f in after)
    assert all(data["runs"][1]["top"][f] == [] for f in after)


def test_the_store_says_the_optimizer_its_rule_kind_and_the_batches(small):
    batched = trainer.train(replace(SMALL, optimizer="sgd", options={"batch_size": 16, "seed": 1}))
    data = inspector.inspector_data(batched)
    assert data["optimizer"] == "SGD" and data["description"] == optimizers.get("sgd").description
    assert data["batch"] == 16 and data["params"] == batched.network.n_params
    assert all(run["plain"] for run in data["runs"])  # plain SGD on a mini-batch is still w − α·g
    assert inspector.inspector_data(small)["batch"] is None
    assert [c["label"] for c in inspector.choices(data)] == ["lr 0.01", "lr 0.1"]


@pytest.mark.parametrize(
    ("chosen", "kept"), [(1, 1), (2, 0), (-1, 0), (True, 0), ("1", 0), (None, 0), ([1], 0)]
)
def test_the_chosen_network_is_kept_while_it_exists(chosen, kept):
    assert inspector.kept_choice(chosen, 2) == kept


EIGHT = "0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05"
#: The smallest number of steps with the most snapshots: the store's size depends on the networks, the
#: snapshots and the parameters' names, not on the steps between.
FULL = next(
    steps for steps in range(1, trainer.MAX_STEPS + 1) if len(trainer.snapshot_steps(steps)) == trainer.FRAMES
)


def test_the_store_is_small_for_the_largest_networks():
    """Eight of the widest, deepest networks (the longest names) at every snapshot, past the work
    caps (which on a busy machine refuse some of them): under 120 KB as JSON."""
    setup = replace(DEFAULT, n=10, hidden=(32, 32, 32), steps=FULL, lrs=tuple(map(float, EIGHT.split(","))))
    net, trajectory = setup.network(), None
    trajectory = optimizers.run(  # Prodigy: the most state fields (3 columns and d)
        net, "prodigy", start=np.tile(net.init(0), (8, 1)), steps=FULL, lr=list(setup.lrs),
        record_state=trainer.state_points(FULL),
    )  # fmt: skip
    frames = trainer.snapshot_steps(FULL)
    training = trainer.Training(net, setup, trajectory, frames, None, None, frames, (), None, None)
    data = inspector.inspector_data(training)
    assert len(data["runs"]) == trainer.MAX_NETWORKS and len(data["steps"]) == trainer.FRAMES
    assert data["params"] == 2241 and all(len(top) == 5 for run in data["runs"] for top in run["top"][:-1])
    size = len(json.dumps(data, separators=(",", ":")))
    assert size < 120_000, size


def test_the_training_answer_carries_the_store(client, page):
    """The real answer of Train, for eight networks at every snapshot (one hidden layer of 32: wider
    ones can be over the 2 s cap on a busy machine; the test above measures those): the store, small."""
    page.set(
        [
            (net_ids.LRS, "value", EIGHT),
            (net_ids.HIDDEN, "value", "32"),
            (net_ids.SIZE, "value", 10),
            (net_ids.STEPS, "value", FULL),
        ]
    )
    reply = client.call(f"{net_ids.BOUNDARY}.figure", [(net_ids.TRAIN, "n_clicks", 1)], page)
    assert reply.status == 200, reply.text(1000)
    assert reply.response[net_ids.ERROR]["children"] == ""
    data = reply.response[net_ids.INSPECT_DATA]["data"]
    assert len(data["runs"]) == 8 and len(data["steps"]) == trainer.FRAMES and data["params"] == 129
    assert reply.response[net_ids.INSPECT_RUN]["options"][7] == {"label": "lr 0.05", "value": 7}
    assert reply.response[net_ids.INSPECT_RUN]["value"] == 0
    size = len(json.dumps(data, separators=(",", ":")))
    assert size < 120_000, size


def test_a_recommenders_store_names_its_factors():
    training = trainer.train(replace(DEFAULT, model="recommender", users=6, items=7, rank=2, steps=30))
    data = inspector.inspector_data(training)
    names = {row[0] for run in data["runs"] for top in run["top"] for row in top}
    assert names and all(re.fullmatch(r"[UV]\[\d+,[01]\]", name) for name in names)
    trajectory = training.trajectory
    for f, k in enumerate(training.frames[:-1]):
        move = np.linalg.norm(trajectory.points[0, k + 1] - trajectory.points[0, k])
        np.testing.assert_allclose(data["runs"][0]["move"][f], move, rtol=1e-5)
