"""Maps: many runs at once, to see how an optimizer's outcome depends on its settings and its start.

Every function here makes one batched ``optimizers.run`` call per optimizer (the runs axis carries
the grid), so a 64 × 64 map of 300-step runs takes a fraction of a second:

- ``hyperparameter_map``: final (or best) loss over a grid of two hyperparameters.
- ``basins``: which minimum each start point of an n × n grid over the window ends in.
- ``tune_learning_rate``: a visible grid search over learning rates.
- ``race`` / ``fair_comparison``: optimizers, each with its own tuned lr, from the same starts.
- ``stable_learning_rate``: 2/λ_max, the largest lr plain gradient descent is stable with nearby.

Hyperparameters use the engine's (torch's) names; the two entries of a pair are addressed as
``"betas.0"`` (β₁) and ``"betas.1"`` (β₂). Out-of-range values raise the optimizer's own
``ValueError`` (``Invalid learning rate: -1 (0 ≤ lr)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np

import landscapes
from landscapes.base import Landscape
from optimizers import budget, registry
from optimizers.base import Hyperparameter, Optimizer, validate
from optimizers.run import run

#: Limits of one map (one engine call): points per grid axis, runs, steps, and runs × steps. The
#: engine keeps every point, gradient and loss (40 bytes per step-run), so the last one bounds memory
#: (≈ 340 MB) and time (≈ 1.5 s); it still allows a 128 × 128 map of 512 steps or 64 × 64 of 2000.
MAX_GRID = 128
MAX_RUNS = 16384
MAX_STEPS = 2000
MAX_STEP_RUNS = 128 * 128 * 512

#: Basin labels besides a minimum's index.
NOT_CONVERGED = -1
DIVERGED = -2
OTHER_MINIMUM = -3  # ended at a local minimum beyond the first MAX_BASIN_MINIMA (Rastrigin has 121)

#: At most this many minima get a basin (a colour) of their own: the global ones, then the lowest local.
MAX_BASIN_MINIMA = 8

#: ``basins``: a run converged to a minimum if its final point is within ``tol`` × the window's
#: longer side of it (0.02: one cell of a 50 × 50 grid).
BASIN_TOL = 0.02
TUNING_POINTS = 25
RACE_RANDOM_STARTS = 7

METRICS = ("final", "best")


# --------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class HyperparameterMap:
    """The loss of one run per cell of a grid of two hyperparameters (rows follow y).

    Attributes:
        x_param, y_param: the hyperparameters along x and y (``"lr"``, ``"betas.1"``, ...).
        x_values: ``(nx,)``; y_values: ``(ny,)``.
        loss: ``(ny, nx)``, the final or the best loss of each run (``metric``); NaN where it diverged.
        diverged: ``(ny, nx)`` bool; diverged_at: ``(ny, nx)`` ints, the step it diverged at (−1: never).
        x_log, y_log: whether the hyperparameter's slider is on a log scale (and its values > 0).
        hyperparameters: the fixed ones, as given (the rest are the optimizer's defaults).
        min_value: the landscape's global minimum value (``None`` if it has none).
    """

    landscape: str
    optimizer: str
    start: tuple[float, float]
    steps: int
    metric: str
    x_param: str
    x_values: np.ndarray
    y_param: str
    y_values: np.ndarray
    loss: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    x_log: bool
    y_log: bool
    hyperparameters: dict[str, Any]
    min_value: float | None

    def hyperparameters_at(self, x_value: float, y_value: float) -> dict[str, Any]:
        """The keyword arguments for ``optimizers.run`` that reproduce the run of one cell."""
        return cell_hyperparameters(
            self.optimizer, self.x_param, x_value, self.y_param, y_value, **self.hyperparameters
        )


@dataclass(frozen=True)
class BasinMap:
    """Where runs from an n × n grid of start points over the window end (rows follow y).

    Attributes:
        xs, ys: ``(n,)``, the start coordinates (``Landscape.grid``'s).
        labels: ``(n, n)`` ints: the index of the minimum in ``minima`` the run ended near,
            ``OTHER_MINIMUM`` (−3, a local minimum not in ``minima``), ``NOT_CONVERGED`` (−1) or
            ``DIVERGED`` (−2).
        final_points: ``(n, n, 2)`` (NaN where diverged); final_losses: ``(n, n)``.
        diverged_at: ``(n, n)`` ints (−1: never).
        minima: ``(m, 2)``: the landscape's global minima (the first ``n_global``), then its lowest
            local minima in the window (``Landscape.local_minima``), at most ``MAX_BASIN_MINIMA`` in all.
        more_minima: whether the window has local minima beyond ``minima`` (``OTHER_MINIMUM``).
        radius: the convergence radius in x/y units: ``tol`` × the window's longer side.
    """

    landscape: str
    optimizer: str
    steps: int
    hyperparameters: dict[str, Any]
    xs: np.ndarray
    ys: np.ndarray
    labels: np.ndarray
    final_points: np.ndarray
    final_losses: np.ndarray
    diverged_at: np.ndarray
    minima: np.ndarray
    tol: float
    radius: float
    n_global: int = 0
    more_minima: bool = False

    def kinds(self) -> list[int]:
        """Every label a cell can have here, in the order a legend lists them."""
        other = [OTHER_MINIMUM] if self.more_minima else []
        return [*range(len(self.minima)), *other, NOT_CONVERGED, DIVERGED]

    def counts(self) -> dict[int, int]:
        """Number of start points per label, for every minimum and the other labels (``kinds``)."""
        return {label: int(np.count_nonzero(self.labels == label)) for label in self.kinds()}


@dataclass(frozen=True)
class Tuning:
    """A grid search over learning rates from one start.

    Attributes:
        lrs: ``(n,)`` ascending; final_losses: ``(n,)`` (NaN where diverged); diverged: ``(n,)``
            bool; diverged_at: ``(n,)`` ints (−1: never).
        best_index, best_lr: the lr with the lowest final loss among the runs that did not diverge
            (ties: the smaller lr); ``None`` if every run diverged.
        hyperparameters: the other, fixed hyperparameters as given.
    """

    landscape: str
    optimizer: str
    start: tuple[float, float]
    steps: int
    hyperparameters: dict[str, Any]
    lrs: np.ndarray
    final_losses: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    best_index: int | None
    best_lr: float | None
    min_value: float | None


@dataclass(frozen=True)
class RaceEntry:
    """One optimizer's result over every start of a race.

    Attributes:
        hyperparameters: every hyperparameter as used (defaults filled in); ``lr`` is among them.
        steps_to_tol: ``(S,)``, the first step with loss − min_value ≤ tol (``inf``: never).
        median_steps: the median of ``steps_to_tol`` (``inf`` if half the runs or more never got there).
        final_losses: ``(S,)`` (NaN where diverged); median_final_loss: their median over the runs
            that did not diverge (NaN if all did).
        diverged: how many of the S runs diverged.
    """

    optimizer: str
    hyperparameters: dict[str, Any]
    steps_to_tol: np.ndarray
    median_steps: float
    final_losses: np.ndarray
    median_final_loss: float
    diverged: int

    @property
    def lr(self) -> float:
        return self.hyperparameters["lr"]


@dataclass(frozen=True)
class RaceTable:
    """Several optimizers from the same S starts; ``entries`` in the order they were given."""

    landscape: str
    steps: int
    tol: float
    starts: np.ndarray
    min_value: float | None
    entries: tuple[RaceEntry, ...]


class FairComparison(NamedTuple):
    """Each optimizer's learning-rate search, then the race with the lrs it found."""

    tunings: tuple[Tuning, ...]
    race: RaceTable


# ---------------------------------------------------------------------------- hyperparameter map


def mappable(optimizer: str | Optimizer) -> list[str]:
    """The names ``hyperparameter_map`` accepts for ``optimizer``: numeric ones and pair entries."""
    opt = _optimizer(optimizer)
    names = []
    for h in opt.hyperparameters:
        if h.kind == "float":
            names.append(h.name)
        elif h.kind == "pair":
            names += [f"{h.name}.0", f"{h.name}.1"]
    return names


def default_grid(optimizer: str | Optimizer, param: str, n: int) -> np.ndarray:
    """``n`` values over the UI range of ``param``: log-spaced if its slider is log, else even."""
    spec, _ = _param_spec(_optimizer(optimizer), param)
    n = _count(n, "n", 1, MAX_GRID)
    lo, hi = spec.ui
    if spec.log and lo > 0:
        return np.geomspace(lo, hi, n)
    return np.linspace(lo, hi, n)


def hyperparameter_map(
    landscape: str | Landscape,
    optimizer: str | Optimizer,
    start,
    steps: int,
    x_param: str,
    x_values,
    y_param: str,
    y_values,
    metric: str = "final",
    **fixed_hp: Any,
) -> HyperparameterMap:
    """Run ``optimizer`` once per cell of the grid ``y_values × x_values`` (one batched call).

    Every run starts at ``start`` (``(x, y)``; ``None``: the landscape's default start). Cell
    ``[i, j]`` is the run with ``y_param = y_values[i]`` and ``x_param = x_values[j]``; every
    other hyperparameter is taken from ``fixed_hp`` or the optimizer's defaults. ``metric``
    ``"final"`` maps the loss after the last step, ``"best"`` the lowest loss along the way.

    Example: ``hyperparameter_map("rosenbrock", "adam", (-1.5, 2), 300, "lr", default_grid("adam",
    "lr", 64), "betas.1", np.linspace(0.5, 0.999, 64))``.

    Raises:
        ValueError: an unknown landscape, optimizer, parameter or metric; a grid over ``MAX_GRID``
            per axis; too many steps; a value outside the hyperparameter's range (the optimizer's
            message, naming the value and the range).
    """
    land, opt = _landscape(landscape), _optimizer(optimizer)
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}; choose one of: {', '.join(METRICS)}")
    x_spec, _ = _param_spec(opt, x_param)
    y_spec, _ = _param_spec(opt, y_param)
    if x_param == y_param:
        raise ValueError(f"x_param and y_param are both {x_param!r}: choose two different ones")
    _check_fixed(opt, fixed_hp, (x_param, y_param))
    xs = _values(x_values, x_param)
    ys = _values(y_values, y_param)
    start = _point(land.start if start is None else start, "start")
    steps = _check_size(len(xs) * len(ys), steps)
    grid_hp = _assign(opt, fixed_hp, ((x_param, np.tile(xs, len(ys))), (y_param, np.repeat(ys, len(xs)))))
    trajectory = run(land, opt, start, steps, **grid_hp)
    diverged_at = trajectory.diverged_at
    diverged = diverged_at >= 0
    if metric == "final":
        loss = trajectory.losses[:, -1]
    else:
        loss = np.fmin.reduce(trajectory.losses, axis=1)  # fmin: skips NaN without a warning
    loss = np.where(diverged, np.nan, loss)
    shape = (len(ys), len(xs))
    return HyperparameterMap(
        landscape=land.name,
        optimizer=opt.name,
        start=start,
        steps=steps,
        metric=metric,
        x_param=x_param,
        x_values=xs,
        y_param=y_param,
        y_values=ys,
        loss=loss.reshape(shape),
        diverged=diverged.reshape(shape),
        diverged_at=diverged_at.reshape(shape),
        x_log=bool(x_spec.log and (xs > 0).all()),
        y_log=bool(y_spec.log and (ys > 0).all()),
        hyperparameters=dict(fixed_hp),
        min_value=land.min_value,
    )


def cell_hyperparameters(
    optimizer: str | Optimizer, x_param: str, x_value: float, y_param: str, y_value: float, **fixed_hp: Any
) -> dict[str, Any]:
    """The ``optimizers.run`` keyword arguments of one map cell (for "add this run" on a click)."""
    opt = _optimizer(optimizer)
    for param in (x_param, y_param):
        _param_spec(opt, param)
    return _assign(opt, fixed_hp, ((x_param, float(x_value)), (y_param, float(y_value))))


def _assign(opt: Optimizer, fixed: Mapping[str, Any], assignments) -> dict[str, Any]:
    """``fixed`` with each ``(param, values)`` set: values are K-arrays (one per run) or scalars.

    A pair entry (``"betas.1"``) replaces that entry of the pair and keeps the other one from
    ``fixed`` or the default: K pairs for arrays, a tuple for scalars.
    """
    hp = dict(fixed)
    for param, values in assignments:
        name, index = _split(param)
        if index is None:
            hp[name] = values
            continue
        current = hp.get(name, opt.spec(name).default)
        if np.ndim(values) == 0:
            pair = list(current)
            pair[index] = values
            hp[name] = tuple(pair)
        else:
            pairs = np.array(np.broadcast_to(np.asarray(current, dtype=np.float64), (len(values), 2)))
            pairs[:, index] = values
            hp[name] = pairs
    return hp


# ------------------------------------------------------------------------------------------ basins


def basins(
    landscape: str | Landscape,
    optimizer: str | Optimizer,
    steps: int,
    n: int = 60,
    tol: float = BASIN_TOL,
    **hp: Any,
) -> BasinMap:
    """Run ``optimizer`` from every point of an ``n × n`` grid over the window and label the ends.

    The minima are the landscape's global ones, then its local ones in the window, lowest first
    (``basin_minima``). A run is labelled with the index ``i`` of the minimum nearest its final point
    if that distance is at most ``tol`` × the window's longer side (default 0.02); ``OTHER_MINIMUM``
    (−3) if that minimum is a local one beyond the ``MAX_BASIN_MINIMA`` listed; ``NOT_CONVERGED``
    (−1) if it is farther from every minimum (or the surface has none), and ``DIVERGED`` (−2) if it
    left the valid region. The start grid is ``Landscape.grid(n)``'s: ``xs[j], ys[i]`` for cell
    ``[i, j]``, edges included.
    """
    land, opt = _landscape(landscape), _optimizer(optimizer)
    n = _count(n, "n", 2, MAX_GRID)
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, Real) or not 0 < tol < math.inf:
        raise ValueError(f"Invalid tol: {tol!r} (a fraction of the window's longer side: 0 < tol)")
    _check_fixed(opt, hp, ())
    steps = _check_size(n * n, steps)
    (x0, x1), (y0, y1) = land.bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    starts = np.column_stack([np.tile(xs, n), np.repeat(ys, n)])
    trajectory = run(land, opt, starts, steps, **hp)
    final = trajectory.points[:, -1]
    diverged_at = trajectory.diverged_at
    every = basin_minima(land)
    minima = every[:MAX_BASIN_MINIMA]
    radius = float(tol) * max(x1 - x0, y1 - y0)
    labels = np.full(n * n, NOT_CONVERGED)
    nearest = _nearest_within(final, every, radius)
    near = nearest >= 0
    labels[near] = np.where(nearest[near] < len(minima), nearest[near], OTHER_MINIMUM)
    labels[diverged_at >= 0] = DIVERGED
    return BasinMap(
        landscape=land.name,
        optimizer=opt.name,
        steps=steps,
        hyperparameters=dict(hp),
        xs=xs,
        ys=ys,
        labels=labels.reshape(n, n),
        final_points=final.reshape(n, n, 2),
        final_losses=trajectory.losses[:, -1].reshape(n, n),
        diverged_at=diverged_at.reshape(n, n),
        minima=minima,
        tol=float(tol),
        radius=radius,
        n_global=min(len(land.minima), len(minima)),
        more_minima=len(every) > len(minima),
    )


def _nearest_within(points: np.ndarray, minima: np.ndarray, radius: float) -> np.ndarray:
    """For each of ``points`` ``(k, 2)``, the index of the nearest of ``minima`` ``(m, 2)`` if it is
    within ``radius``, else −1.

    The minima are filed by their cell of a grid of side ``radius``, so only the 3 × 3 cells around a
    point can hold one that near: linear in k + m (all k × m distances took 4 s for 64 × 64 runs
    and the 2 500 minima of sin(60x) + sin(60y)).
    """
    nearest = np.full(len(points), -1)
    if not len(minima):
        return nearest
    cells: dict[tuple[int, int], list[int]] = {}
    for k, (ci, cj) in enumerate(np.floor(minima / radius).astype(np.int64).tolist()):
        cells.setdefault((ci, cj), []).append(k)
    with np.errstate(all="ignore"):
        scaled = np.floor(points / radius)
    filed = np.all(np.abs(scaled) < 2**62, axis=1)  # NaN and far-away (diverged) points are in no cell
    for index, (ci, cj) in zip(np.nonzero(filed)[0], scaled[filed].astype(np.int64).tolist(), strict=True):
        candidates = [k for di in (-1, 0, 1) for dj in (-1, 0, 1) for k in cells.get((ci + di, cj + dj), ())]
        if candidates:
            distance = np.hypot(*(minima[candidates] - points[index]).T)
            best = int(np.argmin(distance))
            if distance[best] <= radius:
                nearest[index] = candidates[best]
    return nearest


def basin_minima(landscape: str | Landscape) -> np.ndarray:
    """``(m, 2)``: the landscape's global minima, then its other local minima in the window, lowest
    first (``Landscape.local_minima``). A surface whose minima form a curve keeps its listed ones."""
    land = _landscape(landscape)
    listed = np.array(land.minima, dtype=np.float64).reshape(-1, 2)
    if not getattr(land, "minima_are_isolated", True):
        return listed
    (x0, x1), (y0, y1) = land.bounds
    apart = 1e-3 * max(x1 - x0, y1 - y0)
    local = [p for p in land.local_minima() if not len(listed) or np.hypot(*(listed - p).T).min() > apart]
    return np.vstack([listed, np.array(local).reshape(-1, 2)])


# ------------------------------------------------------------------------- learning-rate search


def tune_learning_rate(
    landscape: str | Landscape,
    optimizer: str | Optimizer,
    start,
    steps: int,
    lrs=None,
    **hp: Any,
) -> Tuning:
    """Run ``optimizer`` from ``start`` once per learning rate (one batched call) and pick the best.

    ``lrs`` defaults to ``TUNING_POINTS`` (25) values over the lr slider's range (log-spaced where it
    is log); they are sorted ascending. The best lr has the lowest final loss among the runs that
    did not diverge; on a tie (two runs both at exactly the minimum, say) the smaller lr wins, as
    the safer choice.
    """
    land, opt = _landscape(landscape), _optimizer(optimizer)
    if "lr" in hp:
        raise ValueError("lr is what tune_learning_rate searches over: give the candidates as lrs")
    _check_fixed(opt, hp, ())
    lrs = default_grid(opt, "lr", TUNING_POINTS) if lrs is None else np.sort(_values(lrs, "lrs"))
    start = _point(land.start if start is None else start, "start")
    steps = _check_size(len(lrs), steps)
    trajectory = run(land, opt, start, steps, lr=lrs, **hp)
    diverged_at = trajectory.diverged_at
    diverged = diverged_at >= 0
    final = np.where(diverged, np.nan, trajectory.losses[:, -1])
    ranked = np.where(np.isnan(final), np.inf, final)
    best = int(np.argmin(ranked)) if np.isfinite(ranked).any() else None  # argmin: first of ties
    return Tuning(
        landscape=land.name,
        optimizer=opt.name,
        start=start,
        steps=steps,
        hyperparameters=dict(hp),
        lrs=lrs,
        final_losses=final,
        diverged=diverged,
        diverged_at=diverged_at,
        best_index=best,
        best_lr=None if best is None else float(lrs[best]),
        min_value=land.min_value,
    )


# -------------------------------------------------------------------------------------------- race


def race(
    landscape: str | Landscape,
    optimizers_with_hp: Sequence[tuple[str | Optimizer, Mapping[str, Any] | None]],
    starts,
    steps: int,
    tol: float = 1e-6,
) -> RaceTable:
    """Each optimizer, with its own hyperparameters, from all S ``starts`` (one batched call each).

    Per optimizer: the steps each run needed to get within ``tol`` of the landscape's minimum value
    (loss − min_value ≤ tol; ``inf`` if never, and always on a surface without a minimum), their
    median, the median final loss of the runs that did not diverge, and how many diverged.
    """
    land = _landscape(landscape)
    entries = [_race_entry(item) for item in optimizers_with_hp]
    if not entries:
        raise ValueError("race needs at least one optimizer")
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, Real) or not 0 <= tol < math.inf:
        raise ValueError(f"Invalid tol: {tol!r} (a finite number, 0 ≤ tol)")
    points = _points(starts)
    steps = _check_size(len(points), steps)
    for opt, hp in entries:
        _check_fixed(opt, hp, ())
    return RaceTable(
        landscape=land.name,
        steps=steps,
        tol=float(tol),
        starts=points,
        min_value=land.min_value,
        entries=tuple(_race_one(land, opt, hp, points, steps, float(tol)) for opt, hp in entries),
    )


def _race_entry(item) -> tuple[Optimizer, dict[str, Any]]:
    try:
        name, hp = item
    except (TypeError, ValueError):
        raise ValueError(f"each racer is a pair (optimizer name, hyperparameters), got {item!r}") from None
    if hp is not None and not isinstance(hp, Mapping):
        raise ValueError(f"the hyperparameters of {name!r} must be a dict, got {hp!r}")
    return _optimizer(name), dict(hp or {})


def _race_one(land, opt, hp, starts, steps, tol) -> RaceEntry:
    trajectory = run(land, opt, starts, steps, **hp)
    diverged = trajectory.diverged_at >= 0
    if land.min_value is None:
        steps_to_tol = np.full(len(starts), np.inf)
    else:
        reached = trajectory.losses - land.min_value <= tol  # NaN (diverged) compares False
        steps_to_tol = np.where(reached.any(axis=1), np.argmax(reached, axis=1), np.inf)
    final = np.where(diverged, np.nan, trajectory.losses[:, -1])
    kept = final[~diverged]
    return RaceEntry(
        optimizer=opt.name,
        hyperparameters=trajectory.hyperparameters,
        steps_to_tol=steps_to_tol,
        median_steps=float(np.median(steps_to_tol)),
        final_losses=final,
        median_final_loss=float(np.median(kept)) if kept.size else math.nan,
        diverged=int(np.count_nonzero(diverged)),
    )


def fair_comparison(
    landscape: str | Landscape,
    optimizer_names: Iterable[str],
    start,
    steps: int,
    starts=None,
    tol: float = 1e-6,
    lrs=None,
    seed: int = 0,
) -> FairComparison:
    """Tune each optimizer's lr on ``start`` (``tune_learning_rate``), then race them with it.

    ``starts`` defaults to ``start`` plus ``RACE_RANDOM_STARTS`` (7) points drawn uniformly over the
    window with ``seed``. An optimizer whose every lr diverged races with the smallest candidate.
    Other hyperparameters are the optimizers' defaults.
    """
    land = _landscape(landscape)
    opts = [_optimizer(name) for name in optimizer_names]
    if not opts:
        raise ValueError("fair_comparison needs at least one optimizer")
    start = _point(land.start if start is None else start, "start")
    if starts is None:
        starts = np.vstack([start, _random_starts(land, RACE_RANDOM_STARTS, seed)])
    tunings = tuple(tune_learning_rate(land, opt, start, steps, lrs) for opt in opts)
    racers = [
        (opt, {"lr": t.lrs[0] if t.best_lr is None else t.best_lr})
        for opt, t in zip(opts, tunings, strict=True)
    ]
    return FairComparison(tunings, race(land, racers, starts, steps, tol))


def _random_starts(land: Landscape, count: int, seed: int) -> np.ndarray:
    (x0, x1), (y0, y1) = land.bounds
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)])


# ---------------------------------------------------------------------------------- cost


#: How long ``runs`` runs of ``steps`` steps take here, measured by a probe (see ``optimizers.budget``).
estimate_seconds = budget.estimate_seconds


# ---------------------------------------------------------------------------------- stability


def stable_learning_rate(landscape: str | Landscape, point) -> float:
    """2/λ_max at ``point``: plain gradient descent with a smaller lr is stable near there.

    λ_max is the Hessian's largest eigenvalue (``Landscape.max_curvature``). Where it is ≤ 0 the
    surface does not curve up in any direction, so no lr is too large for stability: ``inf``;
    where the Hessian is undefined (NaN), NaN.
    """
    land = _landscape(landscape)
    x, y = _point(point, "point")
    curvature = float(land.max_curvature(x, y))
    if math.isnan(curvature):
        return math.nan  # no curvature defined there (a kink)
    return 2.0 / curvature if curvature > 0 else math.inf


# ---------------------------------------------------------------------------------- validation


def _landscape(landscape) -> Landscape:
    return landscapes.get(landscape) if isinstance(landscape, str) else landscape


def _optimizer(optimizer) -> Optimizer:
    return optimizer if isinstance(optimizer, Optimizer) else registry.get(optimizer)


def _split(param: str) -> tuple[str, int | None]:
    name, dot, index = param.partition(".")
    return (name, int(index)) if dot else (name, None)


def _param_spec(opt: Optimizer, param) -> tuple[Hyperparameter, int | None]:
    """The spec of a mappable parameter and its pair index; anything else raises listing them."""
    if not isinstance(param, str) or param not in mappable(opt):
        hint = " (a pair: map one entry, e.g. betas.0 or betas.1)" if param == "betas" else ""
        raise ValueError(
            f"{opt.name} has no numeric hyperparameter {param!r}{hint}; choose one of: "
            + ", ".join(mappable(opt))
        )
    name, index = _split(param)
    return opt.spec(name), index


def _check_fixed(opt: Optimizer, fixed: Mapping[str, Any], varied: Iterable[str]) -> None:
    """Fixed hyperparameters: known names, allowed values, one value each, none that is varied.

    Checked before the engine runs, so a mistake is reported before any work. The checks between
    hyperparameters (``Optimizer.check``: nesterov needs momentum) wait for the engine, which sees
    the varied values too.
    """
    _, k = validate(replace(opt, check=None), fixed)
    if k is not None:
        raise ValueError("fixed hyperparameters take one value each (the map varies its own two)")
    for param in varied:
        name, index = _split(param)
        if name in fixed and index is None:
            raise ValueError(f"{name} is varied by the map: do not also fix it")


def _values(values, name: str) -> np.ndarray:
    """A grid axis: 1 to ``MAX_GRID`` numbers (their range is the optimizer's to check)."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name} values must be numbers, got {values!r}")
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} values must be numbers, got {values!r}") from None
    if arr.ndim != 1 or not 1 <= arr.size <= MAX_GRID:
        raise ValueError(
            f"{name} needs a list of 1 to {MAX_GRID} values, got "
            + (f"{arr.size}" if arr.ndim == 1 else f"shape {arr.shape}")
        )
    return arr


def _count(value, name: str, low: int, high: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return int(value)


def _check_size(runs: int, steps) -> int:
    """The step count, checked with the number of runs against the caps of one engine call."""
    steps = _count(steps, "steps", 1, MAX_STEPS)
    if runs > MAX_RUNS:
        raise ValueError(f"{runs} runs in one map; at most {MAX_RUNS}")
    if runs * steps > MAX_STEP_RUNS:
        raise ValueError(
            f"{runs} runs × {steps} steps is too much for one map (at most {MAX_STEP_RUNS:,} run-steps): "
            f"use at most {MAX_STEP_RUNS // runs} steps or a smaller grid"
        )
    return steps


def _point(point, name: str) -> tuple[float, float]:
    try:
        arr = np.asarray(point, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be (x, y), got {point!r}") from None
    if arr.shape != (2,) or not np.isfinite(arr).all():
        raise ValueError(f"{name} must be (x, y) with finite numbers, got {point!r}")
    return float(arr[0]), float(arr[1])


def _points(points) -> np.ndarray:
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"starts must be a list of (x, y) points, got {points!r}") from None
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0 or not np.isfinite(arr).all():
        raise ValueError(f"starts must be a non-empty list of finite (x, y) points, got shape {arr.shape}")
    return arr
