"""Settings in, runs out: what Explore or Compare shows, run through the engine (figures are drawn
from an ``Outcome`` by ``app.shell.figures`` and the views' ``figures`` modules)."""

from __future__ import annotations

from dataclasses import dataclass

from app.model import PALETTE, RunSpec
from app.parsing import parse_lr_list
from app.runs import RunResult, simulate, simulate_learning_rates
from landscapes.base import Landscape
from optimizers import budget


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
    view = view_landscape(landscape, start)
    if mode == "compare":
        lrs = parse_lr_list(compare_lrs)
        check_time(landscape, start, steps, [(compare, len(lrs))])
        colors = [PALETTE[i % len(PALETTE)] for i in range(len(lrs))]
        results = simulate_learning_rates(landscape, start, steps, compare, lrs, colors)
    else:
        check_time(landscape, start, steps, [(spec, 1) for spec in runs], record_state=True)
        results = simulate(landscape, start, steps, runs)
    return Outcome(mode, view, tuple(start), steps, results)


def check_time(landscape: Landscape, start, steps: int, jobs: list[tuple[RunSpec, int]], **settings) -> None:
    """Refuse, before they start, runs that would take over ``budget.LIMIT_SECONDS`` of CPU: ``jobs``
    lists ``(spec, runs)`` (Newton on a nested formula can take 30 s for 8 × 1000 steps)."""
    seconds = 0.0
    for spec, count in jobs:
        try:
            options = {**spec.options, **spec.hyperparameters, **settings}
            seconds += budget.estimate_seconds(landscape, spec.optimizer, count, steps, start, **options)
        except ValueError:
            continue  # a setting the engine refuses: the run itself says which, with its card
    budget.refuse_over(seconds, steps, more="or fewer runs")


#: A start further than this many windows from the surface's own window is not zoomed out to.
MAX_ZOOM_OUT = 20.0


def view_landscape(landscape: Landscape, start) -> Landscape:
    """The surface over a window that shows the start: its own window, widened (with a margin) when
    the start lies outside it, unless the start is absurdly far away."""
    (x0, x1), (y0, y1) = landscape.bounds
    x, y = start
    if x0 <= x <= x1 and y0 <= y <= y1:
        return landscape
    span = max(x1 - x0, y1 - y0)
    if max(abs(x - (x0 + x1) / 2), abs(y - (y0 + y1) / 2)) > MAX_ZOOM_OUT * span:
        return landscape
    lo_x, hi_x, lo_y, hi_y = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
    mx, my = 0.08 * (hi_x - lo_x), 0.08 * (hi_y - lo_y)
    return landscape.with_bounds(((lo_x - mx, hi_x + mx), (lo_y - my, hi_y + my)))
