"""The problem protocol (landscapes/problem.py) as a contract suite over the networks and the recommender:
adding a configuration here needs no new test code."""

import numpy as np
import pytest

import landscapes
from landscapes.problem import as_problem

PROBLEMS = {
    "moons-16-16-tanh": lambda: landscapes.network("moons", hidden=(16, 16), n=30),
    "spiral-32-32-32-relu": lambda: landscapes.network(
        "spiral", hidden=(32, 32, 32), activation="relu", n=30
    ),
    "xor-5-sigmoid": lambda: landscapes.network("xor", hidden=5, activation="sigmoid", n=30),
    "curve-8-8-tanh": lambda: landscapes.network("curve", hidden=(8, 8), n=30),
    "recommender": lambda: landscapes.recommender(users=6, items=7, rank=2, l2=0.01),
}


@pytest.fixture(params=list(PROBLEMS), scope="module")
def problem(request):
    return PROBLEMS[request.param]()


def test_the_protocol_members(problem):
    assert as_problem(problem) is problem
    assert isinstance(problem.name, str) and isinstance(problem.title, str)
    assert isinstance(problem.n_params, int) and problem.n_params > 0
    w = problem.init(0)
    assert w.shape == (problem.n_params,) and w.dtype == np.float64 and np.isfinite(w).all()
    assert isinstance(problem.n_examples, int) and problem.n_examples > 0


def test_value_and_gradient_shapes_and_agreement(problem):
    params = np.stack([problem.init(s) for s in range(3)])
    loss, grad = problem.value_and_gradient(params)
    assert loss.shape == (3,) and grad.shape == (3, problem.n_params)
    assert loss.dtype == grad.dtype == np.float64
    np.testing.assert_array_equal(problem.value(params), loss)


def test_each_row_is_computed_from_its_own_params_alone(problem):
    """The same bits alone or inside any batch: a run does not depend on the runs beside it."""
    params = np.stack([problem.init(s) for s in range(5)])
    loss, grad = problem.value_and_gradient(params)
    for k in (0, 3):
        alone_loss, alone_grad = problem.value_and_gradient(params[k : k + 1])
        assert alone_loss[0] == loss[k]
        np.testing.assert_array_equal(alone_grad[0], grad[k])
    idx = np.tile(np.arange(problem.n_examples), (5, 1))
    batch = problem.batch_gradient(params, idx)
    np.testing.assert_array_equal(problem.batch_gradient(params[2:3], idx[2:3])[0], batch[2])


def test_a_batch_of_every_example_is_the_full_gradient(problem):
    params = np.stack([problem.init(s) for s in range(2)])
    idx = np.stack([np.arange(problem.n_examples), np.arange(problem.n_examples)[::-1]])
    full = problem.value_and_gradient(params)[1]
    np.testing.assert_allclose(
        problem.batch_gradient(params, idx), full, rtol=0, atol=1e-14 * np.abs(full).max()
    )


def test_gradient_along_a_random_direction_matches_the_loss(problem):
    """∇L · d = dL/dε at ε = 0 (a central difference along one random direction per run)."""
    rng = np.random.default_rng(0)
    params = np.stack([problem.init(s) for s in range(2)])
    d = rng.standard_normal(params.shape)
    h = 1e-6
    slope = (problem.value(params + h * d) - problem.value(params - h * d)) / (2 * h)
    grad = problem.value_and_gradient(params)[1]
    np.testing.assert_allclose(np.sum(grad * d, axis=1), slope, rtol=1e-6)
