"""Telling, from a run's losses alone, that it is diverging: as soon as the growth is clear, long before
the engine stops it (100 window widths away), and why.

Pure functions, losses in, a step and plain sentences out.
"""

from __future__ import annotations

import numpy as np

from app.model import format_number
from landscapes.base import Landscape

#: Growth is clear once the loss has risen at every one of at least this many steps ...
MIN_RISING_STEPS = 5
#: ... and has grown at least this many times over since the rise began.
GROWTH_FACTOR = 10.0


def growth(losses) -> tuple[int, int]:
    """``(since, clear)``: the run's loss rises at every step from step ``since`` to its last one, and
    that is clear at step ``clear`` (the first step at least ``MIN_RISING_STEPS`` into the rise with
    the loss ``GROWTH_FACTOR`` times what it was at ``since`` and higher than at any step before);
    ``(-1, -1)`` if it does not grow so.

    Only a rise that lasts to the end counts: a loss that climbs for a while and comes back down (a
    momentum run overshooting) is not diverging. ``losses``: ``(n,)``, the valid steps of one run.
    """
    y = np.asarray(losses, dtype=np.float64)
    if y.size < MIN_RISING_STEPS + 1 or not np.isfinite(y).all():
        return -1, -1
    rising = np.diff(y) > 0
    if not rising[-1]:
        return -1, -1
    falls = np.flatnonzero(~rising)
    since = int(falls[-1]) + 1 if falls.size else 0
    base, highest = y[since], y[: since + 1].max()
    for step in range(since + MIN_RISING_STEPS, y.size):
        # GROWTH_FACTOR times over (measured from |base|, as some losses are negative), and above
        # every loss before the rise: noise around a minimum never climbs past where the run began.
        if y[step] - base >= (GROWTH_FACTOR - 1) * abs(base) and y[step] > highest:
            return since, step
    return -1, -1


def why(landscape: Landscape, start, lr) -> str:
    """The reason, if one is known: the learning rate against plain gradient descent's stability limit
    2/λ_max at the start (λ_max the largest curvature there); empty if there is no such limit."""
    if not landscape.minima:
        return "this surface has no minimum, so the run slides away for ever"
    curvature = float(landscape.max_curvature(*start))
    if lr is None or curvature <= 0:
        return ""
    limit = 2.0 / curvature
    if lr > limit:
        return (
            f"learning rate {format_number(lr)} is above 2/λ_max = {format_number(limit)} "
            "for this surface at the start"
        )
    return (
        f"although learning rate {format_number(lr)} is below 2/λ_max = {format_number(limit)} "
        "at the start: the curvature grows along the way"
    )


def diverging_message(landscape: Landscape, start, label: str, lr, losses) -> str:
    """E.g. ``SGD (lr 1.1) is diverging: its loss has grown at every step since step 0 (×12 by step
    7) — learning rate 1.1 is above 2/λ_max = 1 for this surface at the start.``; empty if it is not."""
    since, clear = growth(losses)
    if clear < 0:
        return ""
    y = np.asarray(losses, dtype=np.float64)
    factor = y[clear] / y[since] if y[since] > 0 else float("inf")
    by = f"×{format_number(factor)} by step {clear}" if np.isfinite(factor) else f"by step {clear}"
    text = f"{label} is diverging: its loss has grown at every step since step {since} ({by})"
    reason = why(landscape, start, lr)
    if not reason:
        return f"{text}."
    return f"{text}, {reason}." if reason.startswith("although") else f"{text} — {reason}."
