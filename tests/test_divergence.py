"""Early divergence: a run whose loss grows without bound is reported as diverging as soon as that is
clear, with why, long before the engine stops it 100 window widths away."""

from __future__ import annotations

import math

import numpy as np
import pytest

import landscapes
from app import divergence
from app.compare import figures as compare_figures
from app.model import RunSpec
from app.outcome import compute
from app.runs import simulate


def first_clear_step(ratio: float) -> int:
    """For losses L0·ratioᵗ rising from step 0: the first step ≥ MIN_RISING_STEPS with ratioᵗ ≥ 10."""
    return max(divergence.MIN_RISING_STEPS, math.ceil(math.log(divergence.GROWTH_FACTOR) / math.log(ratio)))


@pytest.mark.parametrize("ratio", [1.05, 1.44, 2.0, 10.0])
def test_geometric_growth_is_clear_when_it_has_grown_tenfold(ratio):
    steps = first_clear_step(ratio) + 3
    losses = 3.0 * ratio ** np.arange(steps + 1)
    assert divergence.growth(losses) == (0, first_clear_step(ratio))


def test_sgd_above_two_over_lambda_max_on_the_bowl_is_diverging_from_step_seven():
    """x² + y² has λ_max = 2 everywhere; at lr 1.1 each step multiplies (x, y) by 1 − 2.2 = −1.2, so
    the loss by 1.44: ×10 first at step ⌈ln 10 / ln 1.44⌉ = 7, long before the engine's cut."""
    bowl = landscapes.get("bowl")
    (run,) = simulate(bowl, (2.5, 2.0), 20, [RunSpec("sgd", {"lr": 1.1})])
    assert run.diverged_at == -1, "20 steps stay inside the engine's 100 windows"
    np.testing.assert_allclose(run.losses, 10.25 * 1.44 ** np.arange(21), rtol=1e-12)
    assert run.diverging_at == first_clear_step(1.44) == 7
    assert run.message.startswith("SGD (lr 1.1) is diverging: its loss has grown at every step since step 0")
    assert "by step 7" in run.message and "above 2/λ_max = 1 " in run.message


def test_a_converging_run_and_a_rise_that_comes_back_down_are_not_diverging():
    bowl = landscapes.get("bowl")
    (fine,) = simulate(bowl, (2.5, 2.0), 40, [RunSpec("sgd", {"lr": 0.9})])
    assert fine.diverging_at == -1 and fine.message == ""
    overshoot = np.concatenate([np.geomspace(1, 1000, 12), np.geomspace(900, 1e-3, 30)])
    assert divergence.growth(overshoot) == (-1, -1)


@pytest.mark.parametrize(
    "losses",
    [
        np.geomspace(1.0, 1e6, divergence.MIN_RISING_STEPS),  # too few rising steps yet
        np.linspace(1.0, 5.0, 40),  # rising, but not tenfold
        np.concatenate([[100.0], np.geomspace(1e-3, 50.0, 30)]),  # tenfold, still below where it began
        [1.0, 2.0, np.nan, 4.0, 8.0, 16.0, 32.0, 64.0],
        [],
    ],
)
def test_no_clear_growth_is_reported_as_none(losses):
    assert divergence.growth(losses) == (-1, -1)


def test_noise_around_a_minimum_is_not_growth():
    rng = np.random.default_rng(0)
    for _ in range(200):
        losses = 1e-3 * np.abs(1 + 0.5 * rng.standard_normal(60)) + np.geomspace(10, 1e-4, 60)
        assert divergence.growth(losses) == (-1, -1)


def test_growth_from_a_negative_loss_counts_from_its_size():
    losses = -50 + 2.0 ** np.arange(20)
    since, clear = divergence.growth(losses)
    assert since == 0 and losses[clear] - losses[0] >= 9 * 50 > losses[clear - 1] - losses[0]


def test_the_compare_panel_says_diverging_from_the_step():
    bowl = landscapes.get("bowl")
    out = compute(bowl, (2.5, 2.0), 20, "compare", [], RunSpec("sgd"), "0.3, 1.1")
    fig = compare_figures.compare_figure(out.landscape, out.start, out.results)
    titles = [a.text for a in fig.layout.annotations]
    assert "diverging from step 7" in titles[1] and "final loss" in titles[0]
    assert any("lr 1.1) is diverging" in m or "lr 1.1 is diverging" in m for m in out.messages)
