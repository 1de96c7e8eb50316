"""The data views (app/explore/dataview.py) as pure functions, against the engine's own runs and the
mathematics of the models: the line at step t is w_t·a + b_t, the boundary is where w·a = 0, the
ringed mini-batch is the one whose gradient the step took."""

from __future__ import annotations

import numpy as np
import pytest

import landscapes
import optimizers
from app.explore import dataview
from app.model import RunSpec
from app.runs import simulate

LINE = landscapes.get("linear_regression")
LOGISTIC = landscapes.get("logistic_regression")


@pytest.mark.parametrize("batch_size, seed", [(1, 0), (8, 1), (7, 3), (16, 2)])
def test_the_batches_are_the_ones_whose_gradient_each_step_took(batch_size, seed):
    t = optimizers.run(LINE, "sgd", start=LINE.start, steps=30, lr=0.05, batch_size=batch_size, seed=seed)
    idx = dataview.batch_indices(LINE, batch_size, seed, len(t.points))
    assert idx.shape == (31, batch_size)
    for step in range(31):
        row = idx[step][idx[step] >= 0]
        gx, gy = LINE.batch_gradient(t.points[step, :1], t.points[step, 1:], row[None])
        np.testing.assert_array_equal(t.gradients[step], [gx[0], gy[0]])
        other = idx[(step + 1) % 31][idx[(step + 1) % 31] >= 0]
        assert not np.array_equal(row, other) or batch_size >= 40  # a different batch each step


def test_an_epoch_visits_every_example_once():
    idx = dataview.batch_indices(LINE, 8, 1, 5)
    assert sorted(idx.ravel().tolist()) == list(range(40))


def test_the_full_batch_has_no_batches():
    assert dataview.batch_indices(LINE, None, 0, 10) is None
    assert dataview.batch_indices(LINE, 40, 0, 10) is None


def test_the_line_at_each_step_is_that_steps_w_a_plus_b():
    (result,) = simulate(LINE, LINE.start, 20, [RunSpec("sgd", {"lr": 0.1})])
    xs = dataview.line_window(LINE)
    ends = dataview.line_ends(result.points, xs)
    w, b = result.points[:, 0], result.points[:, 1]
    np.testing.assert_allclose(ends, np.stack([w * xs[0] + b, w * xs[1] + b], axis=1), rtol=1e-15)
    fig = dataview.model_figure(LINE, [result], step=7, batch=[0, 3, 7])
    line = fig.data[2]
    np.testing.assert_allclose(line.y, w[7] * np.array(line.x) + b[7], rtol=1e-5, atol=1e-9)
    inputs, targets = LINE.examples
    np.testing.assert_allclose(fig.data[1].x, inputs[[0, 3, 7]], rtol=1e-5)
    np.testing.assert_allclose(fig.data[1].y, targets[[0, 3, 7]], rtol=1e-5)
    assert len(fig.data[0].x) == 40


def test_the_shipped_data_is_the_trajectory_and_its_batches():
    specs = [RunSpec("sgd", {"lr": 0.1}), RunSpec("sgd", {"lr": 0.1}, options={"batch_size": 8, "seed": 1})]
    results = simulate(LINE, LINE.start, 25, specs)
    data = dataview.model_data(LINE, results, specs)
    assert data["kind"] == "line" and data["runs"][0]["batch"] is None
    xs = data["xs"]
    for run, result in zip(data["runs"], results, strict=True):
        w, b = result.points[:, 0], result.points[:, 1]
        np.testing.assert_allclose(
            np.array(run["ys"]), np.stack([w * xs[0] + b, w * xs[1] + b], 1), rtol=1e-5
        )
    t = optimizers.run(LINE, "sgd", start=LINE.start, steps=25, lr=0.1, batch_size=8, seed=1)
    for step, mask in enumerate(data["runs"][1]["batch"]):
        bits = int(mask, 16)
        members = np.array([i for i in range(40) if bits >> i & 1])
        assert len(members) == 8
        gx, gy = LINE.batch_gradient(t.points[step, :1], t.points[step, 1:], members[None])
        np.testing.assert_allclose(t.gradients[step], [gx[0], gy[0]], rtol=1e-12)
    # the figure the browser draws on: the runs' traces are there, empty, in the runs' colours
    fig = dataview.model_figure(LINE, results)
    assert [len(tr.x) for tr in fig.data[data["first"] :]] == [0, 0]


@pytest.mark.parametrize("w", [(2.0, -1.0), (-1.5, 2.5), (0.0, 3.0), (4.0, 0.0), (1e-9, -2.0), (0.3, 0.31)])
def test_the_boundary_is_where_the_margin_is_zero_and_ends_on_the_box(w):
    window = dataview.data_window(LOGISTIC)
    (seg,) = dataview.boundary_segments(np.array([w]), window)
    (x0, x1), (y0, y1) = window
    ends = seg.reshape(2, 2)
    np.testing.assert_allclose(ends @ np.array(w), 0.0, atol=1e-12 * max(1.0, abs(w[0]) + abs(w[1])) * 10)
    tol = 1e-9
    for x, y in ends:
        assert x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol
        assert min(abs(x - x0), abs(x - x1), abs(y - y0), abs(y - y1)) < 1e-9  # on the box's edge
    assert np.hypot(*(ends[1] - ends[0])) > 1.0  # through the origin inside the box: a long chord


def test_no_weights_no_boundary():
    (seg,) = dataview.boundary_segments(np.zeros((1, 2)), dataview.data_window(LOGISTIC))
    assert np.isnan(seg).all()


def test_a_boundary_that_misses_the_box_is_not_drawn():
    (seg,) = dataview.boundary_segments(np.array([[1.0, 1.0]]), ((1.0, 2.0), (1.0, 2.0)))
    assert np.isnan(seg).all()


def test_the_shading_is_the_models_probability_and_the_classes_are_the_labels():
    xs, ys = dataview.shading_grid(LOGISTIC)
    gx, gy = np.meshgrid(xs, ys)
    np.testing.assert_allclose(dataview.probabilities(2.0, -1.0, xs, ys), 1 / (1 + np.exp(-(2 * gx - gy))))
    results = simulate(
        LOGISTIC, LOGISTIC.start, 30, [RunSpec("sgd", {"lr": 2.0}), RunSpec("adam", {"lr": 0.1})]
    )
    fig = dataview.model_figure(LOGISTIC, results, step=12, inspected=1)
    w = results[1].points[12]
    np.testing.assert_allclose(np.array(fig.data[0].z), dataview.probabilities(*w, xs, ys), atol=6e-6)
    _, _, signs = LOGISTIC.examples
    assert len(fig.data[1].x) == np.sum(signs < 0) and len(fig.data[2].x) == np.sum(signs > 0)
    for trace, result in zip(fig.data[3:], results, strict=True):
        ends = np.column_stack([trace.x, trace.y])
        np.testing.assert_allclose(ends @ result.points[12], 0.0, atol=1e-4)
    data = dataview.model_data(LOGISTIC, results, [None, None])
    assert data["kind"] == "boundary" and len(data["runs"][0]["segments"]) == 31
    np.testing.assert_allclose(data["runs"][1]["weights"], results[1].points, rtol=1e-5)
