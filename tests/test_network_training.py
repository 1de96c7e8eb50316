"""Training a network as torch.optim does: full-batch SGD (momentum, nesterov) and Adam trajectories
recorded with torch (tests/fixtures/make_torch_network.py), replayed on ``landscapes.network``.

The updates here are plain NumPy loops written from torch's single-tensor code (``torch/optim/sgd.py``,
``adam.py``), so these tests check the network's gradients along a whole training run.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import landscapes

FIXTURES = json.loads(Path(__file__).with_name("fixtures").joinpath("torch_network.json").read_text())
TRAJECTORIES = FIXTURES["trajectories"]


def problem_of(case):
    keys = ("data", "hidden", "activation", "n", "noise", "seed", "n_test")
    return landscapes.network(**{k: case[k] for k in keys})


def sgd(problem, w, steps, lr, momentum=0.0, nesterov=False):
    path, losses, buf = [w.copy()], [], None
    for step in range(steps + 1):
        loss, g = problem.value_and_gradient(w)
        losses.append(loss)
        if step == steps:
            break
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
        path.append(w)
    return np.array(path), np.array(losses)


def adam(problem, w, steps, lr, betas=(0.9, 0.999), eps=1e-8):
    path, losses = [w.copy()], []
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(steps + 1):
        loss, g = problem.value_and_gradient(w)
        losses.append(loss)
        if step == steps:
            break
        t = step + 1
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        denom = np.sqrt(v) / np.sqrt(1 - betas[1] ** t) + eps
        w = w - (lr / (1 - betas[0] ** t)) * m / denom
        path.append(w)
    return np.array(path), np.array(losses)


def trajectory_id(case):
    return f"{case['data']}-{case['optimizer']}"


@pytest.mark.parametrize("case", TRAJECTORIES, ids=trajectory_id)
def test_training_follows_torch(case):
    problem = problem_of(case)
    w0 = np.array(case["points"][0])
    hp = {k: case[k] for k in ("lr", "momentum", "nesterov", "betas") if k in case}
    train = sgd if case["optimizer"] == "sgd" else adam
    path, losses = train(problem, w0, case["steps"], **hp)
    np.testing.assert_allclose(losses, case["losses"], rtol=1e-10)
    recorded = np.array(case["points"])
    ours = path[:: case["every"]]
    assert ours.shape == recorded.shape
    scale = np.abs(recorded).max()
    np.testing.assert_allclose(ours, recorded, rtol=0, atol=1e-10 * scale)
    assert losses[-1] < 0.9 * losses[0]  # it learns: the fixture is not a trajectory that stands still
