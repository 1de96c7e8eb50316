"""Bounded computes (``optimizers.budget``): measured estimates, refusals that say what fits, and the
near-linear searches that the estimates cover (local minima, nearest minimum of each basin run)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import outcome as views
from app.maps import settings as maps_view
from app.model import RunSpec
from landscapes.base import Landscape, _distinct
from landscapes.formula import parse_formula
from optimizers import budget, maps
from optimizers.maps import _nearest_within


class Sluggish(Landscape):
    """A bowl whose every evaluation also sums the sines of a million numbers: ~10 ms of real CPU,
    as a data loss over a million examples would cost (no sleeping: the budget counts CPU)."""

    name = "sluggish"
    title = "Sluggish bowl"
    formula = "x² + y²"
    description = "A bowl that is slow to evaluate."
    bounds = ((-3.0, 3.0), (-3.0, 3.0))
    minima = ((0.0, 0.0),)
    min_value = 0.0
    start = (2.0, 1.5)
    work = np.linspace(0.0, 1.0, 1_000_000)

    def _burn(self):
        return 0.0 * float(np.sin(self.work).sum())

    def value(self, x, y):
        return np.asarray(x) ** 2 + np.asarray(y) ** 2 + self._burn()

    def gradient(self, x, y):
        self._burn()
        return 2 * np.asarray(x, dtype=float), 2 * np.asarray(y, dtype=float)

    def hessian(self, x, y):
        shape = np.broadcast(x, y).shape
        return np.full(shape, 2.0), np.zeros(shape), np.full(shape, 2.0)


def test_refusal_says_how_many_steps_fit():
    with pytest.raises(budget.WorkTooLargeError, match=r"8\.0 s .* 2 s\): at most 250 steps fit"):
        budget.refuse_over(8.0, 1000)
    with pytest.raises(ValueError, match=r"at most 50 steps fit, or a smaller grid\."):
        budget.refuse_over(3.5, 200, fixed=1.5, more="or a smaller grid")  # 0.5 s left for steps of 10 ms
    with pytest.raises(ValueError, match="even one step does not fit"):
        budget.refuse_over(5.0, 10, fixed=2.5)
    budget.refuse_over(2.0, 1000)  # at the limit: accepted


def test_explore_runs_over_the_limit_are_refused_before_they_start_with_what_fits():
    land = Sluggish()
    runs = [RunSpec("newton", {"lr": 1.0})] * 8
    with pytest.raises(ValueError, match=r"limit is 2 s\): at most (\d+) steps fit, or fewer runs") as info:
        views.compute(land, land.start, 1000, "explore", runs, runs[0], "0.1")
    fit = int(re.search(r"at most (\d+) steps", str(info.value)).group(1))
    assert 1 <= fit < 1000
    outcome = views.compute(land, land.start, max(1, fit // 4), "explore", runs[:1], runs[0], "0.1")
    assert len(outcome.results) == 1, "well within what fits, it runs"


def test_compare_runs_over_the_limit_are_refused_too():
    land = Sluggish()
    spec = RunSpec("sgd", {"lr": 0.1})
    with pytest.raises(ValueError, match=r"at most \d+ steps fit"):
        views.compute(land, land.start, 1000, "compare", [spec], spec, "0.001:1:8")


def test_the_default_explore_and_compare_computes_fit():
    for name, mode in (("rosenbrock", "explore"), ("himmelblau", "compare")):
        land = maps._landscape(name)
        spec = RunSpec("adam", {"lr": 0.05})
        views.compute(land, land.start, 1000, mode, [spec] * 8, spec, "0.001:1:8")


def test_the_estimate_counts_cpu_and_grows_with_the_work():
    small = budget.estimate_seconds(Sluggish(), "sgd", 1, 10)
    large = budget.estimate_seconds(Sluggish(), "sgd", 1, 1000)
    assert 0 < small and large == pytest.approx(100 * small, rel=0.5)  # measured twice: noisy


class Hiccup(Sluggish):
    """A bowl whose first evaluation alone burns ~0.1 s of CPU (as a garbage collection of a busy
    server's heap can, charged to whichever thread runs it), and every later one nothing."""

    def __init__(self):
        self.hiccups = 1

    def _burn(self):
        if self.hiccups:
            self.hiccups -= 1
            for _ in range(10):
                super()._burn()
        return 0.0


def test_one_hiccup_in_the_probe_does_not_refuse_light_work():
    land = Hiccup()
    spec = RunSpec("sgd", {"lr": 0.1})
    outcome = views.compute(land, land.start, 1000, "explore", [spec], spec, "0.1")  # 12 s at first sight
    assert land.hiccups == 0 and len(outcome.results) == 1
    assert budget.estimate_seconds(Sluggish(), "sgd", 1, 1000) > budget.LIMIT_SECONDS  # slow is still slow


# --- the search for local minima ------------------------------------------------------------------

MANY_MINIMA = "sin(60x) + sin(60y)"


def test_many_local_minima_are_each_a_true_minimum_and_distinct():
    land = parse_formula(MANY_MINIMA)
    found = land.local_minima()
    assert len(found) > 1000  # sin(60x) has 57 minima in (-3, 3); the grid finds many of the 57²
    np.testing.assert_allclose(land.value(found[:, 0], found[:, 1]), -2.0, atol=1e-9)
    np.testing.assert_allclose(np.cos(60 * found) * 60, 0.0, atol=1e-6)  # ∂L/∂x = 60 cos(60x)
    assert len(_distinct(found, 1e-6 * 6)) == len(found)


def test_the_basins_estimate_includes_the_minima_search():
    land = parse_formula(MANY_MINIMA)
    search = budget.minima_search_seconds(land)
    assert search > budget.minima_search_seconds(parse_formula("x^2 + y^2"))
    maps_view.check_time(land, [("sgd", 20 * 20)], 100, minima=True)  # 19 s before, now fits
    result = maps.basins(land, "sgd", 100, 20, lr=0.001)
    assert result.more_minima and (result.labels != maps.NOT_CONVERGED).any()


POINTS = st.lists(
    st.tuples(st.integers(-40, 40), st.integers(-40, 40), st.floats(-0.6, 0.6), st.floats(-0.6, 0.6)),
    max_size=80,
).map(lambda rows: np.array([(i + dx, j + dy) for i, j, dx, dy in rows], dtype=float).reshape(-1, 2) * 0.01)


@settings(max_examples=200, deadline=None)
@given(POINTS)
def test_distinct_keeps_what_the_pairwise_rule_keeps(points):
    radius = 0.01
    kept = []
    for p in points:  # the quadratic rule it replaces
        if all(np.hypot(*(p - q)) > radius for q in kept):
            kept.append(p)
    np.testing.assert_array_equal(_distinct(points, radius), np.array(kept).reshape(-1, 2))


@settings(max_examples=200, deadline=None)
@given(POINTS, POINTS, st.sampled_from([0.005, 0.01, 0.03]))
def test_nearest_within_agrees_with_all_distances(points, minima, radius):
    points = np.vstack([points, [[np.nan, 0.0], [1e300, -1e300]]])
    nearest = _nearest_within(points, minima, radius)
    for k, p in enumerate(points):
        distance = np.hypot(*(minima - p).T) if len(minima) else np.array([])
        close = np.nonzero(distance <= radius)[0]
        if not len(close):
            assert nearest[k] == -1
        else:
            assert nearest[k] in close and distance[nearest[k]] == distance[close].min()


def test_a_measure_worth_a_refusal_is_taken_again_and_the_lowest_counts():
    land, calls = Sluggish(), []

    def once_slow():  # ~0.1 s of CPU the first time, ~1 ms after
        calls.append(1)
        for _ in range(10 if len(calls) == 1 else 0):
            land._burn()

    assert budget.measured(once_slow, 1000) < budget.LIMIT_SECONDS and len(calls) == 2
    slow = budget.measured(lambda: [land._burn() for _ in range(3)], 1000)  # ~30 ms every time
    assert slow > budget.LIMIT_SECONDS
    cheap = []
    budget.measured(lambda: cheap.append(1), 1000)
    assert len(cheap) == 1  # nothing worth a refusal: measured once
