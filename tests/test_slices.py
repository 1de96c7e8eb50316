"""Landscape slices: filter-normalised directions row by row, planes, the PCA plane against SVD facts,
projections, the 1-D interpolation and a plane as a 2-D surface the existing tools run on."""

import json
from pathlib import Path

import numpy as np
import pytest

import landscapes
import optimizers
from landscapes import slices

FIXTURES = json.loads(Path(__file__).with_name("fixtures").joinpath("torch_network.json").read_text())


@pytest.fixture(scope="module")
def net():
    return landscapes.network("moons", hidden=(6, 5), n=40)


@pytest.fixture(scope="module")
def weights(net):
    return net.init(0)


def test_filter_normalisation_row_by_row(net, weights):
    """Every neuron's row of the direction has that neuron's norm in the weights and keeps its own
    orientation; biases are 0 (Li et al. 2018)."""
    raw = np.random.default_rng(9).standard_normal(net.n_params)
    d = slices.filter_normalize(net, weights, raw)
    covered = np.zeros(net.n_params, dtype=bool)
    for layer in net.layers:
        w = weights[layer.weight : layer.bias].reshape(layer.out, layer.inp)
        r = raw[layer.weight : layer.bias].reshape(layer.out, layer.inp)
        rows = d[layer.weight : layer.bias].reshape(layer.out, layer.inp)
        for i in range(layer.out):
            assert np.linalg.norm(rows[i]) == pytest.approx(np.linalg.norm(w[i]), rel=1e-14)
            cosine = rows[i] @ r[i] / (np.linalg.norm(rows[i]) * np.linalg.norm(r[i]))
            assert cosine == pytest.approx(1.0, abs=1e-14)
        np.testing.assert_array_equal(d[layer.bias : layer.end], 0.0)
        covered[layer.weight : layer.end] = True
    assert covered.all()


def test_filter_normalisation_of_a_torch_initialised_network():
    """On the torch fixture's 2-16-16-1 parameters (torch's own layout), rows by torch's shapes."""
    case = FIXTURES["networks"][0]
    problem = landscapes.network(case["data"], hidden=tuple(case["hidden"]), n=case["n"])
    w = np.array(case["params"][0])
    d1, d2 = slices.random_directions(problem, w, seed=3)
    shapes = [(16, 2), (16,), (16, 16), (16,), (1, 16), (1,)]
    offset = 0
    for shape in shapes:
        size = int(np.prod(shape))
        for d in (d1, d2):
            block = d[offset : offset + size]
            if len(shape) == 1:
                np.testing.assert_array_equal(block, 0.0)
            else:
                np.testing.assert_allclose(
                    np.linalg.norm(block.reshape(shape), axis=1),
                    np.linalg.norm(w[offset : offset + size].reshape(shape), axis=1),
                    rtol=1e-14,
                )
        offset += size
    assert offset == problem.n_params


def test_random_directions_are_seeded_and_distinct(net, weights):
    a = slices.random_directions(net, weights, seed=1)
    assert a.shape == (2, net.n_params)
    np.testing.assert_array_equal(a, slices.random_directions(net, weights, seed=1))
    assert not np.allclose(a, slices.random_directions(net, weights, seed=2))
    assert abs(a[0] @ a[1]) < 0.5 * np.linalg.norm(a[0]) * np.linalg.norm(a[1])


def test_recommender_factors_are_rows_too():
    problem = landscapes.recommender(users=5, items=4, rank=3)
    w = problem.init(0)
    d = slices.random_directions(problem, w, seed=0)[0]
    for offset, rows, cols in problem.matrices:
        block = slice(offset, offset + rows * cols)
        np.testing.assert_allclose(
            np.linalg.norm(d[block].reshape(rows, cols), axis=1),
            np.linalg.norm(w[block].reshape(rows, cols), axis=1),
            rtol=1e-14,
        )


def test_plane_is_the_loss_at_each_grid_point(net, weights):
    d1, d2 = slices.random_directions(net, weights, seed=0)
    alphas, betas = np.linspace(-1, 1, 7), np.linspace(-0.5, 0.8, 5)
    z = slices.plane(net, weights, d1, d2, alphas, betas)
    assert z.shape == (5, 7)
    for i, j in [(0, 0), (2, 3), (4, 6), (1, 5)]:
        expected = net.value(weights + alphas[j] * d1 + betas[i] * d2)
        assert z[i, j] == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(slices.plane(net, weights, d1, d2, alphas, betas, chunk=4), z, rtol=1e-14)
    test = slices.plane(net, weights, d1, d2, [0.0], [0.0], value=net.test_value)
    assert test[0, 0] == pytest.approx(net.test_value(weights), rel=1e-14)


def test_pca_plane_against_svd_facts():
    rng = np.random.default_rng(0)
    path = np.cumsum(rng.standard_normal((30, 12)) * np.linspace(3, 0.1, 12), axis=0)
    pca = slices.pca_plane(path)
    np.testing.assert_allclose(pca.directions @ pca.directions.T, np.eye(2), atol=1e-14)
    assert pca.explained.shape == (2,) and pca.explained[0] >= pca.explained[1] > 0
    assert pca.explained.sum() <= 1.0
    offsets = path - path[-1]
    eigen = np.sort(np.linalg.eigvalsh(offsets @ offsets.T))[::-1]  # another route to σ²
    np.testing.assert_allclose(pca.explained, eigen[:2] / eigen.sum(), rtol=1e-10)
    np.testing.assert_allclose(pca.coords, offsets @ pca.directions.T, atol=1e-12)
    np.testing.assert_array_equal(pca.centre, path[-1])
    assert (pca.coords[0] <= 0).all()
    np.testing.assert_allclose(pca.coords[-1], 0.0, atol=1e-12)


def test_a_path_in_a_plane_is_reconstructed_exactly():
    rng = np.random.default_rng(1)
    u, v, centre = rng.standard_normal((3, 50))
    t = np.linspace(0, 1, 40)
    path = centre + np.outer(np.cos(3 * t), u) + np.outer(t**2, v)
    path = path - path[-1] + centre  # the final point is the centre
    pca = slices.pca_plane(path)
    assert pca.explained.sum() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(pca.centre + pca.coords @ pca.directions, path, atol=1e-12)
    np.testing.assert_allclose(slices.distance_from_plane(path, pca.centre, *pca.directions), 0, atol=1e-12)
    np.testing.assert_allclose(slices.project(path, pca.centre, *pca.directions), pca.coords, atol=1e-12)


def test_projection_onto_a_skew_plane():
    rng = np.random.default_rng(2)
    centre, d1, d2, off = rng.standard_normal((4, 9))
    d2 = d2 + 0.8 * d1  # far from orthogonal
    basis, _ = np.linalg.qr(np.column_stack([d1, d2]))
    off -= basis @ (basis.T @ off)  # orthogonal to the plane
    points = centre + np.outer([0.3, -1.2, 2.0], d1) + np.outer([-0.7, 0.1, 0.0], d2) + off
    np.testing.assert_allclose(
        slices.project(points, centre, d1, d2), [[0.3, -0.7], [-1.2, 0.1], [2.0, 0.0]], atol=1e-12
    )
    np.testing.assert_allclose(slices.distance_from_plane(points, centre, d1, d2), np.linalg.norm(off))


def test_pca_of_a_real_training_path(net, weights):
    path = [weights]
    w = weights
    for _ in range(60):
        w = w - 0.5 * net.value_and_gradient(w)[1]
        path.append(w)
    pca = slices.pca_plane(np.array(path))
    assert pca.explained.sum() > 0.9  # gradient descent paths are nearly planar (Li et al. §7)
    surface = slices.pca_plane_surface(net, np.array(path))
    assert surface.value(*surface.start) == pytest.approx(
        net.value(pca.centre + pca.coords[0] @ pca.directions), rel=1e-14
    )


def test_interpolation_ends_at_the_two_weights(net, weights):
    w1 = net.init(1)
    ts = np.array([0.0, 0.25, 1.0, 1.5])
    losses = slices.interpolation(net, weights, w1, ts)
    assert losses.shape == (4,)
    for t, loss in zip(ts, losses, strict=True):
        assert loss == pytest.approx(net.value((1 - t) * weights + t * w1), rel=1e-13)
    assert slices.interpolation(net, weights, w1).shape == (101,)


def test_plane_surface_value_gradient_hessian(net, weights):
    d1, d2 = slices.random_directions(net, weights, seed=0)
    surface = slices.PlaneSurface(net, weights, d1, d2, bounds=((-1, 1), (-1, 1)))
    x, y = np.array([[0.1, -0.4], [0.7, 0.0]]), np.array([[0.2, 0.3], [-0.6, 0.0]])
    z = surface.value(x, y)
    assert z.shape == (2, 2)
    assert z[0, 1] == pytest.approx(net.value(weights - 0.4 * d1 + 0.3 * d2), rel=1e-14)
    gx, gy = surface.gradient(x, y)
    h = 1e-6
    np.testing.assert_allclose(gx, (surface.value(x + h, y) - surface.value(x - h, y)) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(gy, (surface.value(x, y + h) - surface.value(x, y - h)) / (2 * h), rtol=1e-6)
    hxx, hxy, hyy = surface.hessian(x, y)
    h = 1e-3  # second differences of the value: an independent route to the curvature
    f = surface.value
    np.testing.assert_allclose(hxx, (f(x + h, y) - 2 * f(x, y) + f(x - h, y)) / h**2, rtol=1e-4)
    np.testing.assert_allclose(hyy, (f(x, y + h) - 2 * f(x, y) + f(x, y - h)) / h**2, rtol=1e-4)
    mixed = (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h * h)
    np.testing.assert_allclose(hxy, mixed, rtol=1e-4, atol=1e-6)


def test_plane_surface_works_with_the_2d_tools(net, weights):
    d1, d2 = slices.random_directions(net, weights, seed=4)
    surface = slices.random_plane_surface(net, weights, seed=4, span=0.8)
    xs, ys, z = surface.grid(9)
    np.testing.assert_allclose(z, slices.plane(net, weights, d1, d2, xs, ys), rtol=1e-14)
    t = optimizers.run(surface, "sgd", start=(0.5, -0.5), steps=20, lr=0.3)
    # the same 20 steps written out in the plane's coordinates
    c = np.array([0.5, -0.5])
    for _ in range(20):
        _, g = net.value_and_gradient(weights + c[0] * d1 + c[1] * d2)
        c = c - 0.3 * np.array([g @ d1, g @ d2])
    np.testing.assert_allclose(t.points[-1], c, rtol=1e-12)
    wide = surface.with_bounds(((-2, 2), (-2, 2)))
    assert wide.value(0.0, 0.0) == pytest.approx(net.value(weights), rel=1e-14)
    assert np.isfinite(surface.max_curvature(0.0, 0.0))


def test_plane_surfaces_are_wrappers_not_registered_surfaces(net, weights):
    surface = slices.random_plane_surface(net, weights)
    assert isinstance(surface, landscapes.Landscape)
    assert surface.name not in landscapes.names()
    assert not any(type(landscapes.get(n)) is slices.PlaneSurface for n in landscapes.names())


def test_bad_inputs_are_refused(net, weights):
    with pytest.raises(ValueError, match=r"path must be \(K, P\) with K ≥ 2"):
        slices.pca_plane(weights[None, :])
    with pytest.raises(ValueError, match=rf"weights must be \({net.n_params},\)"):
        slices.random_directions(net, weights[:-1])
    with pytest.raises(ValueError, match="bounds must be"):
        slices.PlaneSurface(net, weights, weights, weights, bounds=((1, -1), (0, 1)))


def test_plane_surfaces_are_named_for_their_plane(net, weights):
    random = slices.random_plane_surface(net, weights, seed=7)
    assert random.name == f"{net.name}_random_plane_7" and "Random plane 7" in random.title
    path = np.stack([weights, weights + 0.1 * net.init(1), weights + 0.3 * net.init(2)])
    pca = slices.pca_plane_surface(net, path)
    explained = slices.pca_plane(path).explained
    assert pca.name == f"{net.name}_pca_plane"
    assert f"({100 * explained[0]:.0f} % + {100 * explained[1]:.0f} %" in pca.title
