"""The Networks view's figures and training summary, as pure functions: against hand-made weights,
NumPy's own SVD, the network's own loss, and the data views' closed forms."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import landscapes
import optimizers
from app.networks import figures, training
from app.networks.training import Setup

SMALL = Setup(n=60, hidden=(8,), lrs=(0.01, 0.1), steps=60)


@pytest.fixture(scope="module")
def trained() -> training.Training:
    return training.train(SMALL)


def frozen(setup: Setup, weights) -> training.Training:
    """A 'training' that stays at ``weights`` (SGD with lr 0): what the figures show at known weights."""
    net = setup.network()
    weights = np.atleast_2d(weights)
    run = optimizers.run(net, "sgd", start=weights, steps=4, lr=[0.0] * weights.shape[0])
    return training.summarise(setup, net, run)


def test_the_boundary_at_known_weights_is_that_half_plane_and_separates_a_separable_set():
    # One tanh unit: z = 3·tanh(2a₁ − a₂), so P(class 1) > ½ exactly where 2a₁ − a₂ > 0.
    setup = Setup(data="blobs", n=80, hidden=(1,), lrs=(0.1,), steps=4)
    t = frozen(setup, [2.0, -1.0, 0.0, 3.0, 0.0])
    fig = figures.boundary_figure(t)
    shading, boundary = fig.data[0], fig.data[1]
    xs, ys, z = np.array(shading.x), np.array(shading.y), np.array(shading.z, dtype=float)
    gx, gy = np.meshgrid(xs, ys)
    side = 2 * gx - gy
    clear = np.abs(side) > 0.05  # cells on the line itself are ½ up to rounding
    np.testing.assert_array_equal((z > 0.5)[clear], (side > 0)[clear])
    assert boundary.contours.start == boundary.contours.end == 0.5
    # Label the data by that line (a separable set): the shading puts each class on its own side.
    net = t.network
    labels = (2 * net.inputs[:, 0] - net.inputs[:, 1] > 0).astype(float)
    j = np.abs(xs[None, :] - net.inputs[:, :1]).argmin(axis=1)
    i = np.abs(ys[None, :] - net.inputs[:, 1:]).argmin(axis=1)
    far = np.abs(2 * net.inputs[:, 0] - net.inputs[:, 1]) > 0.2
    np.testing.assert_array_equal((z[i, j] > 0.5)[far], labels[far] == 1.0)


def test_boundary_panels_one_per_network_with_points_by_class_and_test_points_marked(trained):
    fig = figures.boundary_figure(trained)
    net = trained.network
    assert len(fig.data) == figures.CLASS_TRACES * len(SMALL.lrs)
    for i in range(len(SMALL.lrs)):
        panel = fig.data[figures.CLASS_TRACES * i : figures.CLASS_TRACES * (i + 1)]
        assert np.array(panel[0].z, dtype=float).shape == (training.GRID, training.GRID)
        assert len(panel[2].x) + len(panel[3].x) == net.inputs.shape[0]
        assert len(panel[4].x) + len(panel[5].x) == net.test_inputs.shape[0]
        assert panel[4].marker.symbol == panel[5].marker.symbol == "diamond"
        assert panel[2].marker.symbol == "circle"
        np.testing.assert_allclose(panel[3].x, net.inputs[net.targets == 1, 0], rtol=1e-5)
    assert "lr 0.01" in fig.layout.annotations[0].text and "lr 0.1" in fig.layout.annotations[1].text
    # square panels: the first's y axis is anchored to its x, the others match the first's axes (an
    # anchor on a matching axis Plotly ignores with a console warning)
    assert fig.layout.yaxis.scaleanchor == "x"
    for i in range(2, len(SMALL.lrs) + 1):
        x, y = fig.layout[f"xaxis{i}"], fig.layout[f"yaxis{i}"]
        assert (x.matches, y.matches, y.scaleanchor) == ("x", "y", None)
    assert fig.layout.meta["grid"]["count"] == len(SMALL.lrs)  # laid out in the browser (assets/grid.js)


def test_five_networks_fill_five_cells_of_a_two_by_four_grid_each_with_its_tick_labels():
    """The browser moves the panels (two columns on a phone): each keeps its tick labels, and the three
    unused cells draw nothing that would sit over them."""
    five = training.train(replace(SMALL, lrs=(0.01, 0.02, 0.05, 0.1, 0.2), steps=10))
    fig = figures.boundary_figure(five)
    assert fig.layout.meta["grid"]["count"] == 5
    for i in range(1, 9):
        x, y = fig.layout[f"xaxis{i if i > 1 else ''}"], fig.layout[f"yaxis{i if i > 1 else ''}"]
        shown = i <= 5
        assert (x.visible is not False, y.visible is not False) == (shown, shown), i
        assert x.showticklabels is not False and y.showticklabels is not False, i


def test_the_shading_is_the_networks_probability_at_each_snapshot(trained):
    data = figures.frames_data(trained)
    net, points = trained.network, trained.trajectory.points
    xs, ys, _ = trained.grid
    gx, gy = np.meshgrid(xs, ys)
    inputs = np.column_stack([gx.ravel(), gy.ravel()])
    for f in (0, len(trained.frames) // 2, len(trained.frames) - 1):
        step = trained.frames[f]
        expected = net.predict(points[1, step], inputs).reshape(xs.size, ys.size)
        decoded = figures.decode_probabilities(data["boundary"]["z"][1][f], data["boundary"]["side"])
        np.testing.assert_allclose(decoded, expected, atol=0.5 / 254 + 1e-12)
    assert data["steps"] == trained.frames.tolist()
    assert data["steps"][0] == 0 and data["steps"][-1] == SMALL.steps
    assert data["boundary"]["traces"][1] == [figures.CLASS_TRACES, figures.CLASS_TRACES + 1]


def test_the_fitted_curve_for_regression_is_the_networks_output():
    setup = Setup(data="curve", n=50, hidden=(8,), lrs=(0.05,), steps=30)
    t = training.train(setup)
    fig = figures.boundary_figure(t)
    assert len(fig.data) == figures.CURVE_TRACES
    fit = fig.data[2]
    expected = t.network.predict(t.trajectory.points[0, -1], t.grid[0][:, None])
    np.testing.assert_allclose(fit.x, t.grid[0], rtol=1e-5)
    np.testing.assert_allclose(fit.y, expected, rtol=1e-5, atol=1e-9)
    data = figures.frames_data(t)
    np.testing.assert_allclose(data["boundary"]["y"][0][-1], expected, rtol=1e-5, atol=1e-9)


def test_loss_figure_overlays_train_and_test_per_network(trained):
    fig = figures.loss_figure(trained)
    k = len(SMALL.lrs)
    assert len(fig.data) == 3 * k  # train, test per network, then one marker each
    net = trained.network
    for i in range(k):
        train, test = fig.data[2 * i], fig.data[2 * i + 1]
        assert train.line.color == test.line.color == figures.run_color(i)
        assert test.line.dash == "dash"
        steps = np.array(train.x)
        np.testing.assert_allclose(train.y, net.value(trained.trajectory.points[i, steps]), rtol=1e-5)
        np.testing.assert_allclose(test.y, net.test_value(trained.trajectory.points[i, steps]), rtol=1e-5)
    first, ys = figures.loss_markers(trained)
    assert first == 2 * k and len(ys[0]) == len(trained.frames)
    assert fig.layout.yaxis.type == "log"


@pytest.mark.parametrize("build", [figures.loss_figure, figures.interpolation_figure], ids=["loss", "line"])
def test_log_loss_axes_hold_every_value_and_label_whole_numbers_not_bare_digits(trained, build):
    fig = build(trained)
    axis = fig.layout.yaxis
    assert axis.type == "log"
    values = np.concatenate([np.asarray(t.y, dtype=float) for t in fig.data])
    low, high = axis.range
    assert low <= np.log10(values.min()) and np.log10(values.max()) <= high  # nothing drawn off the axis
    if axis.tickmode == "array":  # under two decades: 1, 2 and 5 times powers of ten, written out
        labels = zip(axis.tickvals, axis.ticktext, strict=True)
        assert all(float(text) == pytest.approx(v) for v, text in labels)
    elif axis.tickmode == "linear":
        assert isinstance(axis.dtick, int) and axis.tick0 == 0  # powers of ten only
    else:  # fewer than two of 1, 2, 5 × 10^k in range: Plotly's finer ticks, which it writes out
        assert axis.tickmode == "auto" and high - low < 1


def test_pca_axes_say_the_variance_each_explains(trained):
    pca = trained.planes[1]
    path = trained.trajectory.points[0, trained.curve_steps]
    s = np.linalg.svd(path - path[-1], compute_uv=False)
    share = s**2 / np.sum(s**2)
    x_title, y_title = figures.plane_axes(pca)
    assert f"{100 * share[0]:.1f}%" in x_title and "variance" in x_title
    assert f"{100 * share[1]:.1f}%" in y_title
    fig = figures.plane_figure(pca)
    assert fig.layout.xaxis.title.text == x_title
    assert figures.plane_axes(trained.planes[0])[0].startswith("α along d₁")


def test_planes_are_the_loss_around_the_final_weights_with_the_path_in_them(trained):
    net, final = trained.network, trained.trajectory.points[0, -1]
    for plane in trained.planes:
        fig = figures.plane_figure(plane)
        contour, path, start, end = fig.data[:4]
        z = np.array(contour.z, dtype=float)
        assert z.shape == (training.PLANE_GRID, training.PLANE_GRID)
        # The final weights are the plane's origin (0, 0): the path ends there, at the final loss.
        np.testing.assert_allclose([end.x[0], end.y[0]], [0.0, 0.0], atol=1e-9)
        i, j = np.abs(plane.ys).argmin(), np.abs(plane.xs).argmin()
        if abs(plane.xs[j]) < 1e-12 and abs(plane.ys[i]) < 1e-12:
            assert z[i, j] == pytest.approx(np.log10(net.value(final)), abs=2e-3)
        assert len(path.x) == len(trained.curve_steps)
        assert (start.x[0], start.y[0]) == (path.x[0], path.y[0])
        assert fig.data[figures.PLANE_MARKER].name == "now"
        assert plane.leaves[-1] == pytest.approx(0.0, abs=1e-9)
    random = trained.planes[0]
    assert random.leaves.max() > 0  # a random plane does not hold a training path
    note = figures.plane_note(trained)
    assert f"{net.n_params}-dimensional" in note and "leaves" in note


def test_interpolation_runs_from_the_initial_to_the_final_loss(trained):
    fig = figures.interpolation_figure(trained)
    line, ends = fig.data
    net, points = trained.network, trained.trajectory.points[0]
    np.testing.assert_allclose(ends.y, [net.value(points[0]), net.value(points[-1])], rtol=1e-3)
    assert list(ends.text) == ["initial", "final"]
    assert line.x[0] == -0.5 and line.x[-1] == 1.5


def test_snapshots_cover_the_run_once_each():
    frames = training.snapshot_steps(500)
    assert frames[0] == 0 and frames[-1] == 500 and np.all(np.diff(frames) > 0)
    assert len(frames) <= training.FRAMES
    np.testing.assert_array_equal(training.snapshot_steps(5), np.arange(6))


def test_too_much_work_is_refused_with_the_steps_that_fit():
    setup = Setup(n=1000, hidden=(32, 32, 32), lrs=(0.1,) * 8, steps=2000)
    with pytest.raises(ValueError, match=r"at most (\d+) steps") as caught:
        training.train(setup)
    fit = int(caught.value.args[0].split("at most ")[1].split(" ")[0])
    p = setup.network().n_params
    assert (
        training.work(Setup(n=1000, hidden=(32, 32, 32), lrs=(0.1,) * 8, steps=fit), p) <= training.MAX_WORK
    )
    assert (
        training.work(Setup(n=1000, hidden=(32, 32, 32), lrs=(0.1,) * 8, steps=fit + 1), p)
        > training.MAX_WORK
    )


def test_a_diverged_first_network_has_no_planes_and_says_so():
    t = training.train(
        Setup(data="curve", n=60, hidden=(8,), activation="relu", optimizer="sgd", lrs=(10.0,), steps=20)
    )
    assert t.diverged_at[0] >= 0 and t.planes is None
    assert "diverged at step" in figures.boundary_figure(t).layout.annotations[0].text
    assert "planes" not in figures.frames_data(t)


# --- data views ---------------------------------------------------------------------------------------


def test_recommender_view_shows_gaps_where_unknown_and_the_reconstruction_beside():
    rec = landscapes.recommender(users=5, items=6, rank=2, density=0.5)
    params = rec.init(0)
    fig = figures.recommender_figure(rec, params)
    ratings, full = (np.array(t.z, dtype=float) for t in fig.data)
    np.testing.assert_array_equal(np.isnan(ratings), ~rec.mask)
    np.testing.assert_allclose(ratings[rec.mask], rec.ratings[rec.mask], atol=5e-4)
    u, v = params[:10].reshape(5, 2), params[10:].reshape(6, 2)
    np.testing.assert_allclose(full, u @ v.T, atol=5e-4)
    assert not np.isnan(full).any()
