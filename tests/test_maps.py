"""Maps (``optimizers.maps``) against the same runs done one at a time, and their figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

import landscapes
import optimizers
from app.maps import figures as maps_figures
from optimizers import maps

ROSENBROCK_START = (-1.5, 2.0)


def single(landscape, optimizer, start, steps, **hp):
    """One run, alone: the reference every map cell must equal."""
    return optimizers.run(landscape, optimizer, start, steps, **hp)


def nearest_label(landscape, point, radius) -> int:
    """The basin label of one final point, computed the slow way."""
    if not np.isfinite(point).all():
        return maps.DIVERGED
    best, label = math.inf, maps.NOT_CONVERGED
    for i, minimum in enumerate(landscape.minima):
        d = math.dist(point, minimum)
        if d <= radius and d < best:
            best, label = d, i
    return label


# ---------------------------------------------------------------------------- hyperparameter map


@pytest.mark.parametrize("metric", ["final", "best"])
def test_adam_map_equals_each_cell_run_alone(metric):
    xs = [0.001, 0.05, 0.3, 8.0]
    ys = [0.5, 0.9, 0.999]
    m = maps.hyperparameter_map(
        "rosenbrock", "adam", ROSENBROCK_START, 60, "lr", xs, "betas.1", ys, metric=metric, eps=1e-6
    )
    assert m.loss.shape == m.diverged.shape == m.diverged_at.shape == (3, 4)
    for i, beta2 in enumerate(ys):
        for j, lr in enumerate(xs):
            run = single("rosenbrock", "adam", ROSENBROCK_START, 60, lr=lr, betas=(0.9, beta2), eps=1e-6)
            expected = run.losses[-1] if metric == "final" else np.nanmin(run.losses)
            if run.diverged_at >= 0:
                expected = np.nan
            np.testing.assert_array_equal(m.loss[i, j], expected)
            assert m.diverged_at[i, j] == run.diverged_at
            assert m.hyperparameters_at(lr, beta2) == {"lr": lr, "betas": (0.9, beta2), "eps": 1e-6}


def test_sgd_map_flags_the_cells_that_diverged():
    lrs = [0.01, 0.3, 0.9, 1.1, 2.5]
    momenta = [0.0, 0.5, 0.9]
    m = maps.hyperparameter_map("bowl", "sgd", (2.5, 2.0), 80, "lr", lrs, "momentum", momenta)
    for i, momentum in enumerate(momenta):
        for j, lr in enumerate(lrs):
            run = single("bowl", "sgd", (2.5, 2.0), 80, lr=lr, momentum=momentum)
            assert m.diverged[i, j] == (run.diverged_at >= 0)
            assert m.diverged_at[i, j] == run.diverged_at
            np.testing.assert_array_equal(m.loss[i, j], run.losses[-1])
    # Heavy-ball momentum μ is stable for lr·λ_max < 2(1 + μ): lr 1.1 diverges without momentum only,
    # lr 2.5 with every momentum.
    np.testing.assert_array_equal(m.diverged[:, 3], [True, False, False])
    assert m.diverged[:, -1].all()
    assert not m.diverged[:, 0].any()
    assert np.isnan(m.loss[m.diverged]).all() and np.isfinite(m.loss[~m.diverged]).all()
    assert m.x_log and not m.y_log


def test_map_over_both_betas_keeps_the_other_fixed_values():
    m = maps.hyperparameter_map(
        "booth", "adam", None, 40, "betas.0", [0.0, 0.5, 0.95], "betas.1", [0.9, 0.99], lr=0.2
    )
    for i, beta2 in enumerate([0.9, 0.99]):
        for j, beta1 in enumerate([0.0, 0.5, 0.95]):
            run = single("booth", "adam", landscapes.get("booth").start, 40, lr=0.2, betas=(beta1, beta2))
            np.testing.assert_array_equal(m.loss[i, j], run.losses[-1])
    # A fixed pair keeps the entry the map does not vary.
    kept = maps.hyperparameter_map("booth", "adam", None, 20, "lr", [0.1], "betas.1", [0.5], betas=(0.3, 0.9))
    run = single("booth", "adam", landscapes.get("booth").start, 20, lr=0.1, betas=(0.3, 0.5))
    np.testing.assert_array_equal(kept.loss[0, 0], run.losses[-1])
    assert kept.hyperparameters_at(0.1, 0.5)["betas"] == (0.3, 0.5)


def test_cross_checks_see_the_varied_values():
    # nesterov needs momentum > 0: fixed alone (default momentum 0) it would fail, with the map's
    # momenta it is fine; a momentum of 0 in the grid gets the optimizer's own message.
    m = maps.hyperparameter_map(
        "bowl", "sgd", None, 10, "lr", [0.01, 0.1], "momentum", [0.5, 0.9], nesterov=True
    )
    run = single("bowl", "sgd", landscapes.get("bowl").start, 10, lr=0.1, momentum=0.9, nesterov=True)
    np.testing.assert_array_equal(m.loss[1, 1], run.losses[-1])
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum"):
        maps.hyperparameter_map("bowl", "sgd", None, 10, "lr", [0.1], "momentum", [0.0, 0.9], nesterov=True)


def test_default_grid_follows_the_ui_range_and_scale():
    np.testing.assert_allclose(maps.default_grid("adam", "lr", 6), np.geomspace(1e-4, 10.0, 6))
    np.testing.assert_allclose(maps.default_grid("sgd", "momentum", 4), np.linspace(0.0, 0.99, 4))
    np.testing.assert_allclose(maps.default_grid("adam", "betas.1", 3), [0.0, 0.4995, 0.999])
    assert maps.mappable("adam") == ["lr", "betas.0", "betas.1", "eps", "weight_decay"]
    with pytest.raises(ValueError, match=r"no numeric hyperparameter 'nesterov'.*lr, momentum"):
        maps.default_grid("sgd", "nesterov", 5)
    with pytest.raises(ValueError, match="n must be a whole number from 1 to 128"):
        maps.default_grid("sgd", "lr", 129)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            dict(x_param="momentum"),
            r"adam has no numeric hyperparameter 'momentum'; choose one of: lr, betas\.0",
        ),
        (dict(x_param="betas"), r"map one entry, e\.g\. betas\.0 or betas\.1"),
        (dict(x_values=[0.1, -1.0]), r"Invalid learning rate: -1 \(0 ≤ lr\)"),
        (dict(y_values=[0.9, 1.0]), r"Invalid beta parameter at index 1: 1 \(0 ≤ each of betas < 1\)"),
        (dict(x_values=np.linspace(0.01, 1, 129)), "lr needs a list of 1 to 128 values, got 129"),
        (dict(x_values=[]), "lr needs a list of 1 to 128 values, got 0"),
        (dict(x_values="0.1"), "lr values must be numbers"),
        (dict(steps=2001), "steps must be a whole number from 1 to 2000, got 2001"),
        (dict(steps=0), "steps must be a whole number from 1 to 2000"),
        (dict(y_param="lr"), "x_param and y_param are both 'lr'"),
        (dict(metric="mean"), "Unknown metric 'mean'; choose one of: final, best"),
        (dict(optimizer="adamm"), r"Unknown optimizer 'adamm'; choose one of: sgd, .*adam"),
        (dict(landscape="nope"), "Unknown landscape 'nope'"),
        (dict(lr=0.1), "lr is varied by the map: do not also fix it"),
        (dict(eps=[1e-8, 1e-7]), "fixed hyperparameters take one value each"),
        (dict(foo=1.0), r"adam has no hyperparameter 'foo'"),
        (dict(eps=-1.0), r"Invalid epsilon value: -1"),
    ],
)
def test_map_rejects_bad_input_with_a_clear_message(kwargs, message):
    args = dict(
        landscape="rosenbrock",
        optimizer="adam",
        start=ROSENBROCK_START,
        steps=10,
        x_param="lr",
        x_values=[0.01, 0.1],
        y_param="betas.1",
        y_values=[0.9, 0.99],
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        maps.hyperparameter_map(**args)


def test_map_caps_runs_times_steps():
    lrs = maps.default_grid("sgd", "lr", 128)
    momenta = maps.default_grid("sgd", "momentum", 128)
    with pytest.raises(ValueError, match=r"16384 runs × 2000 steps is too much .* at most 512 steps"):
        maps.hyperparameter_map("bowl", "sgd", None, 2000, "lr", lrs, "momentum", momenta)


# ------------------------------------------------------------------------------------------ basins


def test_basins_on_the_bowl_all_end_in_the_one_minimum():
    b = maps.basins("bowl", "sgd", 100, n=9, lr=0.1)
    assert b.labels.shape == (9, 9)
    assert (b.labels == 0).all()
    assert b.counts() == {0: 81, maps.NOT_CONVERGED: 0, maps.DIVERGED: 0}
    np.testing.assert_allclose(b.xs, np.linspace(-3, 3, 9))
    assert b.radius == pytest.approx(0.02 * 6)


def test_himmelblau_basins_have_four_labels_each_the_nearest_minimum_of_its_own_run():
    land = landscapes.get("himmelblau")
    b = maps.basins(land, "adam", 150, n=12, lr=0.1)
    assert {0, 1, 2, 3} <= set(np.unique(b.labels).tolist())
    for i, y in enumerate(b.ys):
        for j, x in enumerate(b.xs):
            run = single(land, "adam", (x, y), 150, lr=0.1)
            np.testing.assert_array_equal(b.final_points[i, j], run.points[-1])
            assert b.labels[i, j] == nearest_label(land, run.points[-1], b.radius)


def test_basins_mark_divergence_and_no_convergence():
    diverged = maps.basins("bowl", "sgd", 50, n=6, lr=1.5)
    assert (diverged.labels == maps.DIVERGED).all()
    assert (diverged.diverged_at >= 0).all()
    slow = maps.basins("rosenbrock", "sgd", 5, n=6, lr=1e-5)
    assert (slow.labels == maps.NOT_CONVERGED).all()
    # No minimum at all: only the two failure labels exist.
    saddle = maps.basins("saddle", "sgd", 100, n=8, lr=0.1)
    assert set(np.unique(saddle.labels).tolist()) <= {maps.NOT_CONVERGED, maps.DIVERGED}
    assert set(saddle.counts()) == {maps.NOT_CONVERGED, maps.DIVERGED}
    assert saddle.minima.shape == (0, 2)


def test_basin_tolerance_is_relative_to_the_window():
    tight = maps.basins("rosenbrock", "adam", 200, n=8, tol=0.001, lr=0.05)
    loose = maps.basins("rosenbrock", "adam", 200, n=8, tol=0.2, lr=0.05)
    assert loose.radius == pytest.approx(0.2 * 4.0)
    assert (loose.labels == 0).sum() > (tight.labels == 0).sum()
    with pytest.raises(ValueError, match="Invalid tol: 0"):
        maps.basins("bowl", "sgd", 10, tol=0)
    with pytest.raises(ValueError, match="n must be a whole number from 2 to 128, got 200"):
        maps.basins("bowl", "sgd", 10, n=200)
    with pytest.raises(ValueError, match="Unknown optimizer"):
        maps.basins("bowl", "sgdd", 10)


# ------------------------------------------------------------------------- learning-rate search


def test_tuning_on_the_bowl_finds_the_one_step_learning_rate():
    t = maps.tune_learning_rate("bowl", "sgd", (2.5, 2.0), 40)
    assert len(t.lrs) == maps.TUNING_POINTS
    np.testing.assert_allclose(t.lrs, np.geomspace(1e-4, 10, 25))
    assert 0.35 < t.best_lr < 0.75  # 0.5 is exact: curvature 2, one step to the bottom
    for lr, loss, diverged in zip(t.lrs, t.final_losses, t.diverged, strict=True):
        run = single("bowl", "sgd", (2.5, 2.0), 40, lr=lr)
        assert diverged == (run.diverged_at >= 0)
        np.testing.assert_array_equal(loss, np.nan if diverged else run.losses[-1])
    assert t.diverged[t.lrs > 1.0].all() and not t.diverged[t.lrs < 1.0].any()


def test_tuning_with_given_lrs_sorts_them_and_breaks_ties_towards_the_smaller():
    t = maps.tune_learning_rate("bowl", "sgd", (2.5, 2.0), 20, lrs=[1.2, 0.5, 0.1, 0.9])
    np.testing.assert_array_equal(t.lrs, [0.1, 0.5, 0.9, 1.2])
    assert t.best_lr == 0.5 and t.best_index == 1
    assert t.final_losses[1] == 0.0
    # After 400 steps, lrs 0.45, 0.5 and 0.55 all reach exactly 0 (0.1⁴⁰⁰ underflows): a tie.
    tie = maps.tune_learning_rate("bowl", "sgd", (2.5, 2.0), 400, lrs=[0.55, 0.5, 0.45])
    assert (tie.final_losses == 0).all()
    assert tie.best_lr == 0.45


def test_tuning_when_every_lr_diverges_and_bad_input():
    t = maps.tune_learning_rate("bowl", "sgd", (2.5, 2.0), 30, lrs=[2.0, 5.0], momentum=0.5)
    assert t.diverged.all() and t.best_lr is None and t.best_index is None
    with pytest.raises(ValueError, match="lr is what tune_learning_rate searches over"):
        maps.tune_learning_rate("bowl", "sgd", None, 30, lr=0.1)
    with pytest.raises(ValueError, match=r"Invalid learning rate: -0\.1"):
        maps.tune_learning_rate("bowl", "sgd", None, 30, lrs=[-0.1, 0.1])


# -------------------------------------------------------------------------------------------- race


def test_race_reports_steps_to_tolerance_against_single_runs():
    starts = np.array([[2.5, 2.0], [-1.0, 0.5], [0.3, -2.9]])
    table = maps.race("bowl", [("sgd", {"lr": 0.3}), ("adam", {"lr": 0.5}), ("sgd", {"lr": 1.2})], starts, 60)
    assert [e.optimizer for e in table.entries] == ["sgd", "adam", "sgd"]
    for entry in table.entries:
        expected_steps, expected_final = [], []
        for start in starts:
            run = single("bowl", entry.optimizer, start, 60, lr=entry.lr)
            hits = np.flatnonzero(run.losses <= 1e-6)
            expected_steps.append(hits[0] if hits.size else np.inf)
            expected_final.append(np.nan if run.diverged_at >= 0 else run.losses[-1])
        np.testing.assert_array_equal(entry.steps_to_tol, expected_steps)
        np.testing.assert_array_equal(entry.final_losses, expected_final)
        assert entry.median_steps == np.median(expected_steps)
    sgd, _, too_big = table.entries
    assert sgd.diverged == 0 and math.isfinite(sgd.median_steps)
    assert (
        too_big.diverged == 3 and math.isinf(too_big.median_steps) and math.isnan(too_big.median_final_loss)
    )
    assert too_big.hyperparameters["momentum"] == 0.0  # defaults filled in


def test_race_without_a_minimum_and_bad_input():
    table = maps.race("saddle", [("sgd", {"lr": 0.01})], [(0.5, 0.1)], 20)
    assert math.isinf(table.entries[0].median_steps)
    with pytest.raises(ValueError, match=r"Unknown optimizer 'sgdd'; choose one of"):
        maps.race("bowl", [("sgd", {}), ("sgdd", {})], [(1.0, 1.0)], 10)
    with pytest.raises(ValueError, match="starts must be a non-empty list"):
        maps.race("bowl", [("sgd", {})], [1.0, 1.0], 10)
    with pytest.raises(ValueError, match="each racer is a pair"):
        maps.race("bowl", ["sgd"], [(1.0, 1.0)], 10)
    with pytest.raises(ValueError, match=r"Invalid momentum value: -1"):
        maps.race("bowl", [("sgd", {"momentum": -1})], [(1.0, 1.0)], 10)


def test_fair_comparison_races_each_optimizer_with_its_tuned_lr():
    result = maps.fair_comparison("rosenbrock", ["sgd", "adam"], ROSENBROCK_START, 200, tol=1e-3)
    tunings, table = result
    assert [t.optimizer for t in tunings] == ["sgd", "adam"]
    assert table.starts.shape == (1 + maps.RACE_RANDOM_STARTS, 2)
    np.testing.assert_array_equal(table.starts[0], ROSENBROCK_START)
    (x0, x1), (y0, y1) = landscapes.get("rosenbrock").bounds
    assert ((table.starts[:, 0] >= x0) & (table.starts[:, 0] <= x1)).all()
    assert ((table.starts[:, 1] >= y0) & (table.starts[:, 1] <= y1)).all()
    for tuning, entry in zip(tunings, table.entries, strict=True):
        assert entry.lr == tuning.best_lr
    again = maps.fair_comparison("rosenbrock", ["sgd", "adam"], ROSENBROCK_START, 200, tol=1e-3)
    np.testing.assert_array_equal(again.race.starts, table.starts)
    given = maps.fair_comparison("bowl", ["sgd"], (1.0, 1.0), 30, starts=[(1.0, 1.0), (2.0, -1.0)])
    assert len(given.race.starts) == 2


# ---------------------------------------------------------------------------------- stability


def test_stable_learning_rate_is_two_over_the_largest_curvature():
    assert maps.stable_learning_rate("bowl", (0.3, -1.0)) == 1.0
    ravine = landscapes.get("ravine")
    for point in [(0.0, 0.0), (-4.0, 1.5)]:
        hxx, hxy, hyy = (float(h) for h in ravine.hessian(*point))
        largest = np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]]).max()
        assert maps.stable_learning_rate(ravine, point) == pytest.approx(2.0 / largest, rel=1e-12)
    assert maps.stable_learning_rate("monkey_saddle", (0, 0)) == math.inf  # a flat Hessian
    with pytest.raises(ValueError, match="point must be"):
        maps.stable_learning_rate("bowl", (1.0,))


def test_gradient_descent_is_stable_just_below_the_stable_lr_and_not_above():
    lr = maps.stable_learning_rate("ravine", (-4.5, 0.0))
    t = maps.tune_learning_rate("ravine", "sgd", (-4.5, 0.0), 500, lrs=[0.98 * lr, 1.02 * lr])
    np.testing.assert_array_equal(t.diverged, [False, True])


# ----------------------------------------------------------------------------------------- figures


def test_hyperparameter_map_figure_layers_and_customdata():
    lrs = [0.01, 0.3, 2.5]
    momenta = [0.0, 0.5]
    m = maps.hyperparameter_map("bowl", "sgd", (2.5, 2.0), 50, "lr", lrs, "momentum", momenta)
    fig = maps_figures.hyperparameter_map_figure(m)
    assert [t.type for t in fig.data] == ["heatmap", "heatmap", "scatter", "scatter"]
    loss, diverged, best, key = fig.data
    z = np.array(loss.z, dtype=float)
    assert z.shape == (2, 3)
    assert len(loss.x) == 4 and len(loss.y) == 3  # cell edges around the values
    np.testing.assert_allclose(loss.x[1], math.sqrt(0.01 * 0.3))  # geometric midpoint on the log axis
    np.testing.assert_array_equal(np.isnan(z), m.diverged)
    marked = np.array(diverged.z, dtype=float) == 1
    np.testing.assert_array_equal(marked, m.diverged)
    assert marked[:, 2].all()
    custom = loss.customdata
    for i, momentum in enumerate(momenta):
        for j, lr in enumerate(lrs):
            assert custom[i][j][0] == lr and custom[i][j][1] == momentum
            assert custom[i][j][3] == m.diverged_at[i, j]
    assert diverged.customdata == custom
    assert key.name == "diverged" and key.showlegend is not False
    i, j = np.unravel_index(np.nanargmin(m.loss), m.loss.shape)
    assert (best.x[0], best.y[0]) == (lrs[j], momenta[i])
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "linear"
    assert loss.colorbar.title.text == "log₁₀(loss − min)"


def test_hyperparameter_map_figure_without_a_minimum_or_any_survivor():
    m = maps.hyperparameter_map("saddle", "sgd", (0.5, 0.1), 20, "lr", [0.01, 0.1], "momentum", [0.0, 0.5])
    fig = maps_figures.hyperparameter_map_figure(m)
    assert fig.data[0].colorbar.title.text == "loss"
    gone = maps.hyperparameter_map("bowl", "sgd", (2.5, 2.0), 40, "lr", [2.0, 3.0], "momentum", [0.0])
    fig = maps_figures.hyperparameter_map_figure(gone)
    assert len(fig.data[2].x) == 0  # no best cell
    assert len(fig.data[0].x) == 3 and len(fig.data[0].y) == 2  # a single row still has a height


def test_basin_figure_names_each_basin_and_sits_on_the_contour_image():
    land = landscapes.get("himmelblau")
    b = maps.basins(land, "adam", 150, n=10, lr=0.1)
    fig = maps_figures.basin_figure(land, b)
    names = [t.name for t in fig.data]
    assert names[:6] == [
        "minimum (3, 2)",
        "minimum (-2.81, 3.13)",
        "minimum (-3.78, -3.28)",
        "minimum (3.58, -1.85)",
        "not converged",
        "diverged",
    ]
    assert names[6:12] == names[:6]  # legend keys, present even when a layer is empty
    layers = fig.data[:6]
    for label, layer in zip([0, 1, 2, 3, maps.NOT_CONVERGED, maps.DIVERGED], layers, strict=True):
        assert layer.type == "heatmap"
        np.testing.assert_array_equal(np.array(layer.z, dtype=float) == 1, b.labels == label)
        assert layer.customdata[2][5][:2] == [b.xs[5], b.ys[2]]
    assert len(fig.data[-1].x) == 4  # the minima
    assert fig.layout.images[0].source.endswith("/himmelblau.png")


def test_tuning_figure_marks_the_best_lr_and_the_divergences():
    tunings = [
        maps.tune_learning_rate("bowl", "sgd", (2.5, 2.0), 30),
        maps.tune_learning_rate("bowl", "adam", (2.5, 2.0), 30),
    ]
    fig = maps_figures.tuning_figure(tunings)
    assert len(fig.data) == 3 * 2 + 1
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    for k, t in enumerate(tunings):
        line, marks, best = fig.data[3 * k : 3 * k + 3]
        assert list(line.x) == t.lrs.tolist()
        assert len(marks.x) == int(t.diverged.sum())
        assert best.x[0] == t.best_lr
    assert fig.data[0].name == "SGD" and fig.data[-1].name == "diverged"
    by_name = maps_figures.tuning_figure({"sgd": tunings[0]})
    assert len(by_name.data) == 4
    no_min = maps_figures.tuning_figure([maps.tune_learning_rate("saddle", "sgd", (0.5, 0.1), 10)])
    assert no_min.layout.yaxis.type == "linear"


def test_race_table_rows_are_formatted_strings():
    table = maps.race("bowl", [("sgd", {"lr": 0.3}), ("sgd", {"lr": 1.5})], [(2.5, 2.0), (1.0, -1.0)], 40)
    rows = maps_figures.race_table_rows(table)
    assert rows[0] == {
        "optimizer": "SGD",
        "lr": "0.3",
        "steps": rows[0]["steps"],
        "final_loss": rows[0]["final_loss"],
        "diverged": "0 of 2",
    }
    assert rows[0]["steps"].isdigit() or "." in rows[0]["steps"]
    assert rows[1]["steps"] == "never" and rows[1]["final_loss"] == "—" and rows[1]["diverged"] == "2 of 2"
    columns = maps_figures.race_table_columns(table)
    assert [c["id"] for c in columns] == list(rows[0])
    assert "1e-06" in columns[2]["name"]


# ----------------------------------------------------------------------------------- local minima

#: Six-hump camel's six minima as published (Molga & Smutnicki 2005; Surjanovic & Bingham, VLSE),
#: lowest first: two global, then two pairs of local ones (values to the printed digits).
CAMEL_MINIMA = [
    ((0.0898, -0.7126), -1.0316), ((-0.0898, 0.7126), -1.0316),
    ((1.7036, -0.7961), -0.2155), ((-1.7036, 0.7961), -0.2155),
    ((1.6071, 0.5687), 2.1043), ((-1.6071, -0.5687), 2.1043),
]  # fmt: skip


def test_the_local_minima_search_finds_six_hump_camels_published_six():
    camel = landscapes.get("six_hump_camel")
    found = camel.local_minima()
    assert len(found) == 6
    values = sorted(value for _, value in CAMEL_MINIMA)
    np.testing.assert_allclose(camel.value(found[:, 0], found[:, 1]), values, atol=1e-4)  # lowest first
    for (px, py), _ in CAMEL_MINIMA:
        assert np.hypot(*(found - (px, py)).T).min() < 1e-3, (px, py)


def test_two_valleys_local_minimum_is_the_root_of_its_cubic():
    """∂L/∂x = 4x³ − 4x + 0.3 = 0: the largest root is the local minimum (the middle one a ridge)."""
    roots = np.sort(np.roots([4.0, 0.0, -4.0, 0.3]).real)
    found = landscapes.get("two_valleys").local_minima()
    np.testing.assert_allclose(found, [[roots[0], 0.0], [roots[2], 0.0]], atol=1e-12)


def test_basins_on_two_valleys_label_the_local_valley_too():
    land = landscapes.get("two_valleys")
    b = maps.basins(land, "sgd", 300, n=21, lr=0.05)
    assert b.n_global == 1 and len(b.minima) == 2 and not b.more_minima
    counts = b.counts()
    assert counts[0] > 0 and counts[1] > 0  # both valleys hold starts
    # Every start right of the ridge (x ≈ 0.0754) rolls into the local valley with plain SGD.
    right = b.xs > 0.2
    assert (b.labels[:, right] == 1).all()


def test_rastrigin_lists_eight_minima_and_marks_the_others():
    b = maps.basins("rastrigin", "sgd", 200, n=30, lr=0.002)
    assert len(b.minima) == maps.MAX_BASIN_MINIMA and b.more_minima
    assert maps.OTHER_MINIMUM in b.kinds() and b.counts()[maps.OTHER_MINIMUM] > 0
    for i, j in zip(*np.nonzero(b.labels == maps.OTHER_MINIMUM), strict=True):
        end = b.final_points[i, j]
        assert np.hypot(*(b.minima - end).T).min() > b.radius  # not one of the listed eight
