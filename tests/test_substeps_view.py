"""Explore's L-BFGS sub-steps: the contour map's marks and the inspector's list hold exactly the
engine's ``Trajectory.substeps`` (rounded to 6 digits for the browser); other optimizers have none."""

from __future__ import annotations

import numpy as np

import optimizers
from app.explore import figures as explore_figures
from app.model import MAX_RUNS, RunSpec
from app.runs import simulate
from landscapes import registry

START, STEPS = (-1.5, 2.0), 12
LBFGS = {"max_iter": 5, "line_search_fn": "strong_wolfe"}
ROUNDED = 5e-6  # 6 significant digits: within half a unit of the 6th, relatively


def _results():
    specs = [RunSpec("lbfgs", LBFGS, "#00d5ff"), RunSpec("adam", {"lr": 0.05}, "#ff3b30")]
    return simulate(registry.get("rosenbrock"), START, STEPS, specs)


def test_inspector_lists_each_steps_evaluations_as_the_engine_records_them():
    trajectory = optimizers.run("rosenbrock", "lbfgs", START, STEPS, **LBFGS)
    lbfgs, adam = (explore_figures.inspector_data(r) for r in _results())
    assert "substeps" not in adam
    assert len(lbfgs["substeps"]) == STEPS
    for step, listed in enumerate(lbfgs["substeps"]):
        found = np.isfinite(trajectory.substeps[step, :, 0])
        expected = np.column_stack([trajectory.substeps[step][found], trajectory.substep_losses[step][found]])
        assert np.array(listed).reshape(-1, 3).shape == expected.shape
        np.testing.assert_allclose(np.array(listed).reshape(-1, 3), expected, rtol=ROUNDED, atol=1e-12)
    assert sum(map(len, lbfgs["substeps"])) > STEPS  # a line search: several evaluations per step


def test_contour_map_marks_every_evaluation_from_its_steps_point():
    results = _results()
    trajectory = optimizers.run("rosenbrock", "lbfgs", START, STEPS, **LBFGS)
    fig = explore_figures.contour_figure(registry.get("rosenbrock"), START, results)
    lbfgs = fig.data[explore_figures.SUBSTEPS_CONTOUR]
    assert [len(fig.data[explore_figures.SUBSTEPS_CONTOUR + i].x or ()) for i in range(1, MAX_RUNS)] == [
        0
    ] * 7
    assert lbfgs.marker.symbol == "circle-open" and lbfgs.line.dash == "dot"
    sizes = np.array(lbfgs.marker.size)
    x, y = (np.array([np.nan if v is None else v for v in a], dtype=float) for a in (lbfgs.x, lbfgs.y))
    marked = np.column_stack([x, y])[sizes > 0]
    expected = trajectory.substeps[np.isfinite(trajectory.substeps[..., 0])]
    np.testing.assert_allclose(marked, expected, rtol=ROUNDED, atol=1e-12)
    # Each step's marks start, unmarked, at the step's own point (its evaluation 0).
    anchors = np.flatnonzero((sizes == 0) & np.isfinite(x))
    steps = [lbfgs.customdata[i][0] for i in anchors]
    np.testing.assert_allclose(np.column_stack([x, y])[anchors], trajectory.points[steps], rtol=ROUNDED)
