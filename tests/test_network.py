"""``landscapes.network``: loss and gradient against torch-recorded fixtures and finite differences,
torch's parameter layout and initialisation, mini-batches, and the validation messages.

The fixtures come from tests/fixtures/make_torch_network.py (torch in a side virtualenv); this module
only reads the JSON.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

import landscapes
from landscapes.network import Network

FIXTURES = json.loads(Path(__file__).with_name("fixtures").joinpath("torch_network.json").read_text())
CASES = FIXTURES["networks"]


def problem_of(case) -> Network:
    keys = ("data", "hidden", "activation", "n", "noise", "seed", "n_test")
    return landscapes.network(**{k: case[k] for k in keys})


def case_id(case):
    return f"{case['data']}-{'-'.join(map(str, case['hidden']))}-{case['activation']}"


def close(ours, torch_values, rtol=1e-12):
    """Each entry within rtol of the largest entry's size (a relative error of the whole vector)."""
    torch_values = np.asarray(torch_values)
    scale = np.abs(torch_values).max()
    np.testing.assert_allclose(ours, torch_values, rtol=0, atol=rtol * scale)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_data_regenerate(case):
    """The same numbers on every machine, up to the last bit of sin and cos (NumPy's SIMD kernels
    differ by an ulp between CPUs)."""
    problem = problem_of(case)
    np.testing.assert_allclose(problem.inputs, case["inputs"], rtol=0, atol=1e-14)
    if problem.task == "classification":  # labels are exact
        np.testing.assert_array_equal(problem.targets, case["targets"])
    np.testing.assert_allclose(problem.targets, case["targets"], rtol=0, atol=1e-14)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_loss_and_gradient_match_torch(case):
    problem = problem_of(case)
    params = np.array(case["params"])
    assert params.shape == (2, problem.n_params)  # torch's parameters_to_vector has our length
    loss, grad = problem.value_and_gradient(params)
    assert loss.shape == (2,) and grad.shape == params.shape
    np.testing.assert_allclose(loss, case["loss"], rtol=1e-13)
    for k in range(2):
        close(grad[k], case["gradient"][k])
    np.testing.assert_allclose(problem.value(params), case["loss"], rtol=1e-13)
    np.testing.assert_allclose(problem.test_value(params), case["test_loss"], rtol=1e-13)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_one_parameter_vector_alone_gives_the_same_numbers(case):
    problem = problem_of(case)
    params = np.array(case["params"])
    loss, grad = problem.value_and_gradient(params[1])
    assert np.shape(loss) == () and grad.shape == (problem.n_params,)
    batched_loss, batched_grad = problem.value_and_gradient(params)
    assert loss == batched_loss[1]
    np.testing.assert_array_equal(grad, batched_grad[1])


def test_the_parameter_layout_is_torch_sequential():
    """Weight (out, in) row-major then bias, layer by layer: the layer-1 weight row j is unit j's."""
    problem = landscapes.network("moons", hidden=(3, 2), n=10)
    assert problem.sizes == (2, 3, 2, 1)
    assert problem.n_params == 2 * 3 + 3 + 3 * 2 + 2 + 2 * 1 + 1
    params = np.arange(problem.n_params, dtype=float)[None, :]
    (w1, b1), (w2, b2), (w3, b3) = problem.unpack(params)
    np.testing.assert_array_equal(w1[0], [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(b1[0], [6, 7, 8])
    np.testing.assert_array_equal(w2[0], [[9, 10, 11], [12, 13, 14]])
    np.testing.assert_array_equal(b2[0], [15, 16])
    np.testing.assert_array_equal(w3[0], [[17, 18]])
    np.testing.assert_array_equal(b3[0], [19])
    assert problem.matrices == ((0, 3, 2), (9, 2, 3), (17, 1, 2))


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("data", ["spiral", "curve"])
def test_gradient_against_central_differences(data, activation):
    problem = landscapes.network(data, hidden=(6, 5, 4), activation=activation, n=25)
    params = np.stack([problem.init(s) for s in range(3)])
    _, grad = problem.value_and_gradient(params)
    h = 1e-6
    eye = np.eye(problem.n_params) * h
    numeric = np.stack(
        [(problem.value(w + eye) - problem.value(w - eye)) / (2 * h) for w in params]
    )  # each row of w ± eye is one perturbed network: P networks evaluated at once
    close(grad, numeric, rtol=1e-7)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("data", ["moons", "curve"])
def test_the_drawn_loss_is_the_loss_in_single_precision(data, activation):
    problem = landscapes.network(data, hidden=(16, 16), activation=activation, n=120)
    rng = np.random.default_rng(5)
    params = np.stack([problem.init(s) for s in range(4)]) + rng.normal(0, 0.5, (4, problem.n_params))
    exact, drawn = problem.value(params), problem.drawn_value(params)
    assert drawn.dtype == np.float64 and drawn.shape == exact.shape
    close(drawn, exact, rtol=2e-6)
    assert not np.array_equal(drawn, exact)  # computed in float32 indeed, not a copy of value
    assert problem.drawn_value(params[0]) == pytest.approx(float(exact[0]), rel=2e-6)


def test_the_drawn_loss_falls_back_to_double_precision_where_single_overflows():
    """A ReLU network with huge weights: its loss (~1e40) is past float32's 3.4e38, not float64's."""
    problem = landscapes.network("curve", hidden=(4,), activation="relu", n=40)
    params = np.stack([problem.init(0), problem.init(1) * 1e10])
    exact = problem.value(params)
    assert np.all(np.isfinite(exact)) and exact[1] > np.finfo(np.float32).max
    drawn = problem.drawn_value(params)
    close(drawn[0], exact[0], rtol=2e-6)
    assert drawn[1] == exact[1]


def test_output_and_prediction():
    problem = landscapes.network("moons", hidden=(4,), n=20)
    params = problem.init(3)
    (w1, b1), (w2, b2) = problem.unpack(params[None, :])
    x = np.array([[0.3, -0.2], [1.0, 0.5]])
    z = np.tanh(x @ w1[0].T + b1[0]) @ w2[0].T + b2[0]
    np.testing.assert_allclose(problem.outputs(params, x), z[:, 0], rtol=1e-14)
    np.testing.assert_allclose(problem.predict(params, x), 1 / (1 + np.exp(-z[:, 0])), rtol=1e-14)
    curve = landscapes.network("curve", hidden=(4,), n=20)
    w = curve.init(0)
    np.testing.assert_array_equal(curve.predict(w, [[0.5]]), curve.outputs(w, [[0.5]]))


def test_bce_is_stable_for_huge_logits():
    """A confident network (|z| ≫ 700) gives finite losses and gradients, as torch's does."""
    problem = landscapes.network("xor", hidden=(2,), n=20)
    params = 1e4 * problem.init(1)
    loss, grad = problem.value_and_gradient(params)
    assert np.isfinite(loss) and np.isfinite(grad).all() and loss > 100


def test_sigmoid_network_is_stable_for_huge_pre_activations():
    problem = landscapes.network("moons", hidden=(3,), activation="sigmoid", n=20)
    loss, grad = problem.value_and_gradient(1e5 * problem.init(0))
    assert np.isfinite(loss) and np.isfinite(grad).all()


def test_batch_gradient_is_the_mean_over_the_batch():
    problem = landscapes.network("circles", hidden=(5,), n=30)
    params = np.stack([problem.init(s) for s in range(2)])
    idx = np.array([[0, 4, 9, 9], [29, 1, 2, 3]])
    batch = problem.batch_gradient(params, idx)
    for k in range(2):  # the same network on a data set of just those examples
        sub = landscapes.network("circles", hidden=(5,), n=30)
        sub.inputs, sub.targets = problem.inputs[idx[k]], problem.targets[idx[k]]
        close(batch[k], sub.value_and_gradient(params[k])[1], rtol=1e-14)
    # batches that partition the data average to the full gradient
    order = np.random.default_rng(0).permutation(30).reshape(3, 10)
    parts = [problem.batch_gradient(params[:1], order[i][None, :]) for i in range(3)]
    close(np.mean(parts, axis=0), problem.value_and_gradient(params[:1])[1], rtol=1e-14)


@pytest.mark.parametrize("sizes", FIXTURES["init"], ids=lambda s: "-".join(map(str, s["sizes"])))
def test_init_has_torch_nn_linear_distribution(sizes):
    """Same bounds and variances as torch's ``reset_parameters`` over as many draws (not the same numbers)."""
    sizes_ = sizes["sizes"]
    problem = landscapes.network("curve" if sizes_[0] == 1 else "moons", hidden=tuple(sizes_[1:-1]))
    draws = np.stack([problem.init(s) for s in range(sizes["draws"])])
    blocks = []
    for layer in problem.layers:
        blocks += [draws[:, layer.weight : layer.bias], draws[:, layer.bias : layer.end]]
    assert len(blocks) == len(sizes["tensors"])
    for block, torch_stats in zip(blocks, sizes["tensors"], strict=True):
        m = block.size
        # the largest of m uniform draws on [−b, b] is within b·(a few / m) of b: both sides agree
        assert abs(np.abs(block).max() - torch_stats["max_abs"]) < 8 * torch_stats["max_abs"] / m
        # sample variances of m uniform draws: relative standard error ≈ 0.9/√m each
        assert abs(block.var(ddof=1) / torch_stats["var"] - 1) < 5 * 1.3 / np.sqrt(m)
    assert not np.array_equal(problem.init(0), problem.init(1))
    np.testing.assert_array_equal(problem.init(4), problem.init(4))


def test_protocol_attributes():
    problem = landscapes.network()
    assert problem.name == "network_moons_2-16-16-1_tanh"
    assert problem.n_params == 337 and problem.n_examples == 200
    assert problem.inputs.shape == (200, 2) and problem.targets.shape == (200,)
    assert problem.test_inputs.shape == (50, 2)
    assert "2-16-16-1 tanh network" in problem.title
    rebuilt = Network(**problem.settings)
    np.testing.assert_array_equal(rebuilt.inputs, problem.inputs)
    assert rebuilt.name == problem.name


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"data": "moon"}, "Unknown data set 'moon'; choose one of: moons, circles, spiral"),
        ({"hidden": (16, 33)}, "Invalid hidden: (16, 33) (1 to 3 hidden layers, each a whole number"),
        ({"hidden": (0,)}, "Invalid hidden: (0,)"),
        ({"hidden": ()}, "Invalid hidden: ()"),
        ({"hidden": (4, 4, 4, 4)}, "Invalid hidden: (4, 4, 4, 4)"),
        ({"hidden": (4.5,)}, "Invalid hidden: (4.5,)"),
        ({"hidden": "16"}, "Invalid hidden: '16'"),
        ({"activation": "gelu"}, "Unknown activation 'gelu'; choose one of: tanh, relu, sigmoid"),
        ({"n": 0}, "Invalid n: 0 (a whole number ≥ 2)"),
        ({"noise": -1}, "Invalid noise: -1"),
    ],
)
def test_bad_settings_raise_clear_messages(kwargs, words):
    with pytest.raises(ValueError, match="^" + re.escape(words)):
        landscapes.network(**kwargs)


def test_one_hidden_layer_as_an_int():
    assert landscapes.network(hidden=7).sizes == (2, 7, 1)


def test_bad_params_and_batches_are_refused():
    problem = landscapes.network(hidden=(3,), n=10)
    with pytest.raises(ValueError, match=r"params must be \(P,\) or \(K, P\) with P = 13"):
        problem.value(np.zeros((2, 12)))
    with pytest.raises(ValueError, match="idx must be example indices, 0 ≤ idx < 10"):
        problem.batch_gradient(np.zeros((1, 13)), np.array([[10]]))
    with pytest.raises(ValueError, match=r"idx must be \(K, B\) whole numbers with K = 2"):
        problem.batch_gradient(np.zeros((2, 13)), np.array([[1, 2]]))


def test_accuracy_counts_the_right_side_of_the_boundary():
    problem = landscapes.network("blobs", hidden=(3,), n=40)
    params = np.stack([problem.init(0), problem.init(1)])
    z = problem.outputs(params, problem.inputs)
    expected = [np.mean((z[k] > 0) == (problem.targets == 1)) for k in range(2)]
    np.testing.assert_array_equal(problem.accuracy(params), expected)
    zt = problem.outputs(params[0], problem.test_inputs)
    assert problem.accuracy(params[0], test=True) == np.mean((zt > 0) == (problem.test_targets == 1))
    with pytest.raises(ValueError, match="accuracy needs a classification data set; curve"):
        landscapes.network("curve", hidden=(2,)).accuracy(np.zeros(7))


def test_prediction_grid_rows_follow_y():
    problem = landscapes.network("moons", hidden=(4,), n=30)
    params = np.stack([problem.init(0), problem.init(1)])
    (x0, x1), (y0, y1) = problem.input_window()
    both = np.concatenate([problem.inputs, problem.test_inputs])
    assert x0 < both[:, 0].min() and x1 > both[:, 0].max()
    assert y0 < both[:, 1].min() and y1 > both[:, 1].max()
    xs, ys, p = problem.prediction_grid(params, n=7)
    assert xs.shape == ys.shape == (7,) and p.shape == (2, 7, 7)
    assert p[1, 5, 2] == pytest.approx(problem.predict(params[1], [[xs[2], ys[5]]])[0], rel=1e-14)
    assert problem.prediction_grid(params[0], n=5)[2].shape == (5, 5)
    curve = landscapes.network("curve", hidden=(4,), n=30)
    a, fit = curve.prediction_grid(curve.init(0), n=9)
    assert fit.shape == (9,) and fit[4] == pytest.approx(curve.predict(curve.init(0), [[a[4]]])[0], rel=1e-14)
