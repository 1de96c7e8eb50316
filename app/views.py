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
    view = view_landscape(landscape, start)
    if mode == "compare":
        lrs = parse_lr_list(compare_lrs)
        colors = [PALETTE[i % len(PALETTE)] for i in range(len(lrs))]
        results = simulate_learning_rates(landscape, start, steps, compare, lrs, colors)
    else:
        results = simulate(landscape, start, steps, runs)
    return Outcome(mode, view, tuple(start), steps, results)


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


def full_figures(outcome: Outcome, loss_log: bool, present: bool = False) -> dict:
    """Every figure of the outcome's mode, built whole (used when the surface or the mode changes);
    with ``present``, in projector-sized type."""
    land, start, results = outcome.landscape, outcome.start, outcome.results
    out = {"loss": figures.loss_figure(land, results, loss_log)}
    if outcome.mode == "compare":
        out["compare"] = figures.compare_figure(land, start, results)
    else:
        out["surface"] = figures.surface_figure(land, results)
        out["contour"] = figures.contour_figure(land, start, results)
    return {name: figures.enlarge(fig) for name, fig in out.items()} if present else out


def runs_data(outcome: Outcome) -> dict:
    """What assets/playback.js needs: which traces to animate, and the number of steps."""
    data = {
        "mode": outcome.mode,
        "steps": outcome.steps,
        "window": [list(axis) for axis in outcome.landscape.bounds],
        "views": figures.views_index(outcome.mode, outcome.results),
    }
    if outcome.mode == "explore" and all(r.gradients is not None for r in outcome.results):
        data["inspector"] = [figures.inspector_data(r) for r in outcome.results]  # the page picks one
    return data
