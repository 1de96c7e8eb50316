"""How much CPU a computation will take, measured before it runs, and the refusal past the limit.

One server serves a whole class, so every request's work is bounded: ``LIMIT_SECONDS`` of CPU,
estimated from a short probe of the same work on this machine (the cost of a step differs 50-fold
between surfaces, optimizers and machines, so it is measured, not guessed). The probes time the
calling thread's CPU (``time.thread_time``), not the clock: a busy server does not refuse work that
an idle one accepts.

    >>> seconds = estimate_seconds("rosenbrock", "adam", runs=8, steps=1000)
    >>> refuse_over(seconds, steps=1000)  # raises WorkTooLargeError past 2 s: "at most N steps fit"
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

import landscapes
from landscapes.base import Landscape
from optimizers import registry
from optimizers.base import Optimizer
from optimizers.run import run

#: The most one request may compute for, in CPU seconds.
LIMIT_SECONDS = 2.0
#: ``estimate_seconds`` times a probe of at most this many runs × ``PROBE_STEPS`` steps.
PROBE_RUNS = 1024
PROBE_STEPS = 8
#: An estimate over ``REPROBE_OVER`` × the limit is measured up to ``REPROBES`` more times (the lowest
#: counts): a refusal must not come from one hiccup (see ``measured``).
REPROBE_OVER = 0.25
REPROBES = 2
#: ... unless the probe alone took longer than this many CPU seconds.
REPROBE_UNDER = 0.5
#: ``minima_search_seconds`` times one Newton iteration on at most this many points.
PROBE_POINTS = 256


class WorkTooLargeError(ValueError):
    """A computation refused before it started; the message says what to change."""


def estimate_seconds(
    landscape: str | Landscape, optimizer: str | Optimizer, runs: int, steps: int, start=None, **settings: Any
) -> float:
    """CPU seconds of ``runs`` runs of ``steps`` steps of ``optimizer`` on this machine.

    A probe of ``min(runs, PROBE_RUNS)`` runs × ``PROBE_STEPS`` steps is timed and scaled. It starts
    from ``start`` (one point for every probe run: 2 coordinates, or a network's P weights) or else
    from random points over the window, with
    ``settings`` (``optimizers.run``'s keywords: hyperparameters, batch size, noise, ``record_state``;
    a schedule is left out, its cost is negligible; no per-run lists, their length is the runs').
    A probe smaller than the real call over-estimates (fixed costs per step weigh more), which errs
    on the safe side.
    """
    land, opt = _landscape(landscape), _optimizer(optimizer)
    k = max(1, min(int(runs), PROBE_RUNS))
    if start is None:
        (x0, x1), (y0, y1) = land.bounds
        rng = np.random.default_rng(0)
        starts = np.column_stack([rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)])
    else:  # one point of any size (a network's P weights too)
        start = np.asarray(start, dtype=np.float64)
        starts = np.broadcast_to(start, (k, start.shape[-1]))
    # A schedule only scales the learning rate (its cost is negligible), and its options are checked
    # against the real step count, so the probe runs without it.
    options = {k: v for k, v in settings.items() if k not in ("scheduler", "scheduler_options")}
    return measured(lambda: run(land, opt, starts, PROBE_STEPS, **options), runs * steps / (k * PROBE_STEPS))


def measured(probe: Callable[[], Any], scale: float) -> float:
    """The CPU seconds (``time.thread_time``) that ``probe()`` takes, times ``scale``.

    A probe is short and scaled up many times, so a one-off cost charged to it (a garbage collection
    of the whole heap, which a busy server's thread may happen to run) would refuse light work: an
    estimate worth a refusal is measured again, and the lowest is taken, as timeit does; unless the
    probe itself was long (that is the work's own cost, not a hiccup's).
    """

    def once() -> float:
        began = time.thread_time()
        probe()
        return time.thread_time() - began

    took = once()
    for _ in range(REPROBES):
        if took * scale <= REPROBE_OVER * LIMIT_SECONDS or took > REPROBE_UNDER:
            break
        took = min(took, once())
    return took * scale


def minima_search_seconds(landscape: str | Landscape, n: int = 121, iterations: int = 40) -> float:
    """CPU seconds of ``landscape.local_minima(n, iterations)`` on this machine.

    The search evaluates an ``n × n`` grid, then polishes each of its discrete local minima with
    ``iterations`` Newton steps (a gradient and a Hessian each): the grid is evaluated here (the
    count of minima is known only then), and one Newton step is timed on a sample of them.
    """
    land = _landscape(landscape)
    began = time.thread_time()
    x, y = land.grid_minima(n)
    m = len(x)
    if m == 0:
        return time.thread_time() - began
    grid_seconds = time.thread_time() - began
    sample = slice(0, min(m, PROBE_POINTS))

    def newton_step():
        with np.errstate(all="ignore"):
            land.gradient(x[sample], y[sample])
            land.hessian(x[sample], y[sample])

    newton = measured(newton_step, m / len(x[sample]) * (iterations + 1))
    return grid_seconds * 2 + newton  # the grid again, and the final check


def refuse_over(
    seconds: float, steps: int, limit: float = LIMIT_SECONDS, fixed: float = 0.0, more: str = ""
) -> None:
    """``WorkTooLargeError`` if ``seconds`` (of which ``fixed`` do not depend on ``steps``) exceed ``limit``.

    The message says how many steps would fit (``more``: what else would help, e.g. "or a smaller
    grid").
    """
    if seconds <= limit:
        return
    per_step = max(seconds - fixed, 1e-12) / max(int(steps), 1)
    fit = int(max(limit - fixed, 0.0) / per_step)
    if fit >= 1:
        advice = f"at most {fit} steps fit{', ' + more if more else ''}"
    else:
        advice = f"even one step does not fit{': use ' + more.removeprefix('or ') if more else ''}"
    raise WorkTooLargeError(
        f"That is about {seconds:.1f} s of work on this server (the limit is {limit:g} s): {advice}."
    )


def _landscape(landscape) -> Landscape:
    return landscapes.get(landscape) if isinstance(landscape, str) else landscape


def _optimizer(optimizer) -> Optimizer:
    return registry.get(optimizer) if isinstance(optimizer, str) else optimizer


class CpuBudget:
    """A request's CPU budget, from when it was made: what is spent so far (``time.thread_time``) and a
    refusal, before the rest starts, when what is spent plus what the rest is measured to cost would
    exceed ``limit``. For work measured as it goes (an export: its first part is built, a sample of
    the rest is timed and scaled).

        >>> cpu = CpuBudget()
        >>> cpu.refuse_over(projected=0.5, advice="export fewer steps")  # raises past 2 s in all
    """

    def __init__(self, limit: float | None = None):
        self.limit = float(LIMIT_SECONDS if limit is None else limit)
        self.began = time.thread_time()

    def spent(self) -> float:
        return time.thread_time() - self.began

    def refuse_over(self, projected: float, advice: str) -> None:
        """``WorkTooLargeError`` if the seconds spent plus ``projected`` exceed the limit; ``advice``
        says what to change."""
        seconds = self.spent() + projected
        if seconds > self.limit:
            raise WorkTooLargeError(
                f"That is about {seconds:.1f} s of work on this server (the limit is {self.limit:g} s): "
                f"{advice}."
            )
