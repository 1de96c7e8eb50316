"""``landscapes.recommender``: the rating matrix, the loss over the known entries, its gradient against
finite differences, mini-batches, and the reconstruction."""

import re

import numpy as np
import pytest

import landscapes


def test_rating_matrix_and_mask():
    problem = landscapes.recommender(users=9, items=12, rank=3, density=0.4, seed=1)
    assert problem.n_params == (9 + 12) * 3
    assert problem.ratings.shape == problem.mask.shape == problem.truth.shape == (9, 12)
    assert problem.mask.any(axis=0).all() and problem.mask.any(axis=1).all()
    np.testing.assert_array_equal(np.isnan(problem.ratings), ~problem.mask)
    assert problem.n_examples == problem.mask.sum()
    assert 0.3 < problem.mask.mean() < 0.6
    assert np.linalg.matrix_rank(problem.truth) == 3
    dense = landscapes.recommender(users=40, items=50, density=1.0, noise=0.0)
    assert dense.mask.all() and abs(dense.truth.var() - 1) < 0.2
    np.testing.assert_array_equal(dense.ratings, dense.truth)


def test_loss_is_the_mean_squared_error_over_known_entries_plus_l2():
    problem = landscapes.recommender(users=5, items=6, rank=2, density=0.5, l2=0.01, seed=2)
    params = np.stack([problem.init(s) for s in range(3)])
    loss = problem.value(params)
    for k in range(3):
        u = params[k, :10].reshape(5, 2)
        v = params[k, 10:].reshape(6, 2)
        errors = [
            (u[i] @ v[j] - problem.ratings[i, j]) ** 2
            for i in range(5)
            for j in range(6)
            if problem.mask[i, j]
        ]
        expected = np.mean(errors) + 0.01 * (np.sum(u * u) + np.sum(v * v))
        assert loss[k] == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(problem.value_and_gradient(params)[0], loss, rtol=1e-14)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_gradient_against_central_differences(l2):
    problem = landscapes.recommender(users=6, items=7, rank=2, density=0.6, l2=l2, seed=3)
    params = np.stack([problem.init(s) for s in range(2)])
    _, grad = problem.value_and_gradient(params)
    h = 1e-6
    eye = np.eye(problem.n_params) * h
    numeric = np.stack([(problem.value(w + eye) - problem.value(w - eye)) / (2 * h) for w in params])
    np.testing.assert_allclose(grad, numeric, rtol=0, atol=1e-8 * np.abs(numeric).max())


def test_batch_gradient_averages_the_batch_entries():
    problem = landscapes.recommender(users=5, items=5, rank=2, density=0.7, l2=0.02, seed=4)
    params = np.stack([problem.init(s) for s in range(2)])
    everything = np.tile(np.arange(problem.n_examples), (2, 1))
    np.testing.assert_allclose(
        problem.batch_gradient(params, everything), problem.value_and_gradient(params)[1], rtol=1e-13
    )
    idx = np.array([[0, 3], [1, 1]])
    batch = problem.batch_gradient(params, idx)
    for k in range(2):
        u = params[k, :10].reshape(5, 2)
        v = params[k, 10:].reshape(5, 2)
        gu, gv = 2 * 0.02 * u, 2 * 0.02 * v
        for e in idx[k]:
            i, j = problem.rows[e], problem.cols[e]
            r = u[i] @ v[j] - problem.ratings[i, j]
            gu[i] += 2 * r * v[j] / 2
            gv[j] += 2 * r * u[i] / 2
        np.testing.assert_allclose(batch[k], np.concatenate([gu.ravel(), gv.ravel()]), rtol=1e-13)


def test_the_true_factors_reconstruct_the_noiseless_matrix_at_zero_loss():
    problem = landscapes.recommender(users=8, items=10, rank=2, noise=0.0, seed=5)
    left, s, right = np.linalg.svd(problem.truth)
    u = left[:, :2] * np.sqrt(s[:2])
    v = right[:2].T * np.sqrt(s[:2])
    params = np.concatenate([u.ravel(), v.ravel()])
    np.testing.assert_allclose(problem.reconstruction(params), problem.truth, atol=1e-13)
    loss, grad = problem.value_and_gradient(params)
    assert loss < 1e-26 and np.abs(grad).max() < 1e-13
    both = problem.reconstruction(np.stack([params, problem.init(0)]))
    assert both.shape == (2, 8, 10)


def test_init_is_seeded_and_small():
    problem = landscapes.recommender()
    assert problem.init(1).shape == (problem.n_params,)
    np.testing.assert_array_equal(problem.init(1), problem.init(1))
    assert not np.array_equal(problem.init(1), problem.init(2))
    assert abs(problem.init(0).std() - 0.3) < 0.1


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"users": 1}, "Invalid users: 1 (a whole number, 2 ≤ users ≤ 50)"),
        ({"items": 51}, "Invalid items: 51 (a whole number, 2 ≤ items ≤ 50)"),
        ({"rank": 0}, "Invalid rank: 0"),
        ({"rank": 9}, "Invalid rank: 9 (a whole number, 1 ≤ rank ≤ 8)"),
        ({"density": 0}, "Invalid density: 0 (0 < density ≤ 1)"),
        ({"density": 1.5}, "Invalid density: 1.5"),
        ({"l2": -1}, "Invalid l2: -1 (a finite number ≥ 0)"),
        ({"noise": -0.5}, "Invalid noise: -0.5"),
    ],
)
def test_bad_settings_are_refused(kwargs, words):
    with pytest.raises(ValueError, match="^" + re.escape(words)):
        landscapes.recommender(**kwargs)


def test_unknown_error_is_the_rmse_on_the_entries_nobody_rated():
    problem = landscapes.recommender(users=6, items=6, rank=2, density=0.5, seed=6)
    params = np.stack([problem.init(0), problem.init(1)])
    full = problem.reconstruction(params)
    for k in range(2):
        residual = [
            full[k, i, j] - problem.truth[i, j] for i in range(6) for j in range(6) if not problem.mask[i, j]
        ]
        assert problem.unknown_error(params)[k] == pytest.approx(np.sqrt(np.mean(np.square(residual))))
    assert np.isnan(landscapes.recommender(density=1.0).unknown_error(np.zeros(36)))
