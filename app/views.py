"""Settings in, everything the views show out: run the engine, build figures and the browser's data."""

from __future__ import annotations

from dataclasses import dataclass

from app import figures
from app.runs import RunResult, simulate, simulate_learning_rates
from app.state import PALETTE, parse_lr_list
from landscapes.base import Landscape


@dataclass(frozen=True)
class Outcome:
    """The runs of one setup and the plain-language messages about them."""

    mode: str
    landscape: Landscape
    start: tuple[float, float]
    steps: int
    results: list[RunResult]

    @property
    def messages(self) -> list[str]:
        return [r.message for r in self.results if r.message]


def compute(landscape: Landscape, start, steps: int, mode: str, runs, compare, compare_lrs: str) -> Outcome:
    """Run what the current mode shows: the explore runs, or one optimizer at several learning rates."""
    if mode == "compare":
        lrs = parse_lr_list(compare_lrs)
        colors = [PALETTE[i % len(PALETTE)] for i in range(len(lrs))]
        results = simulate_learning_rates(landscape, start, steps, compare, lrs, colors)
    else:
        results = simulate(landscape, start, steps, runs)
    return Outcome(mode, landscape, tuple(start), steps, results)


def full_figures(outcome: Outcome, loss_log: bool) -> dict:
    """Every figure of the outcome's mode, built whole (used when the surface or the mode changes)."""
    land, start, results = outcome.landscape, outcome.start, outcome.results
    out = {"loss": figures.loss_figure(land, results, loss_log)}
    if outcome.mode == "compare":
        out["compare"] = figures.compare_figure(land, start, results)
    else:
        out["surface"] = figures.surface_figure(land, results)
        out["contour"] = figures.contour_figure(land, start, results)
    return out


def runs_data(outcome: Outcome) -> dict:
    """What assets/playback.js needs: which traces to animate, and the number of steps."""
    return {
        "mode": outcome.mode,
        "steps": outcome.steps,
        "views": figures.views_index(outcome.mode, outcome.results),
    }
