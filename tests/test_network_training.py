"""Training a network with ``optimizers.run`` as torch.optim trains it: SGD (momentum, nesterov) and
Adam trajectories recorded with torch (tests/fixtures/make_torch_network.py), full batch and on the
mini-batches run's seeded sampling draws, replayed on ``landscapes.network``."""

import json
from pathlib import Path

import numpy as np
import pytest

import landscapes
import optimizers

FIXTURES = json.loads(Path(__file__).with_name("fixtures").joinpath("torch_network.json").read_text())
TRAJECTORIES = FIXTURES["trajectories"]


def problem_of(case):
    keys = ("data", "hidden", "activation", "n", "noise", "seed", "n_test")
    return landscapes.network(**{k: case[k] for k in keys})


def trajectory_id(case):
    batch = f"-batch{case['batch_size']}" if "batch_size" in case else ""
    return f"{case['data']}-{case['optimizer']}{batch}-lr{case['lr']}"


@pytest.mark.parametrize("case", TRAJECTORIES, ids=trajectory_id)
def test_training_follows_torch(case):
    problem = problem_of(case)
    w0 = np.array(case["points"][0])
    settings = ("data", "hidden", "activation", "optimizer", "n", "noise", "seed", "n_test", "steps", "every")
    hp = {
        k: v for k, v in case.items() if k not in (*settings, "losses", "points", "batch_size", "batch_seed")
    }
    if "batch_size" in case:  # the mini-batches run draws for this seed (torch trained on the same)
        hp.update(batch_size=case["batch_size"], seed=case["batch_seed"])
    t = optimizers.run(problem, case["optimizer"], start=w0, steps=case["steps"], **hp)
    path, losses = t.points, t.losses
    assert path.shape == (case["steps"] + 1, problem.n_params)
    np.testing.assert_allclose(losses, case["losses"], rtol=1e-10)
    recorded = np.array(case["points"])
    ours = path[:: case["every"]]
    assert ours.shape == recorded.shape
    scale = np.abs(recorded).max()
    np.testing.assert_allclose(ours, recorded, rtol=0, atol=1e-10 * scale)
    assert losses[-1] < 0.95 * losses[0]  # it learns: the fixture is not a trajectory that stands still


def test_the_fixtures_cover_every_torch_optimizer():
    torch_names = {"sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam", "radam", "adamax"}
    assert {case["optimizer"] for case in TRAJECTORIES} == torch_names
    assert torch_names <= set(optimizers.names())


def test_several_networks_train_together_as_each_alone():
    case = TRAJECTORIES[1]
    problem = problem_of(case)
    starts = np.stack([problem.init(s) for s in range(3)])
    together = optimizers.run(problem, "adam", start=starts, steps=15, lr=[0.001, 0.01, 0.1])
    assert together.points.shape == (3, 16, problem.n_params)
    for k, lr in enumerate([0.001, 0.01, 0.1]):
        alone = optimizers.run(problem, "adam", start=starts[k], steps=15, lr=lr)
        np.testing.assert_array_equal(together.points[k], alone.points)


def test_mini_batches_partition_each_epoch():
    """With lr = 0 the weights stay put, so one epoch's batch gradients average to the full gradient."""
    problem = problem_of(TRAJECTORIES[0])  # N = 40
    w0 = problem.init(2)
    t = optimizers.run(problem, "sgd", start=w0, steps=8, lr=0.0, batch_size=10, seed=3)
    full = problem.value_and_gradient(w0)[1]
    for epoch in (slice(0, 4), slice(4, 8)):
        np.testing.assert_allclose(t.gradients[epoch].mean(axis=0), full, rtol=0, atol=1e-15)
    assert not np.allclose(t.gradients[0], full)
    np.testing.assert_allclose(t.losses, problem.value(w0), rtol=1e-15)  # the full loss is reported
