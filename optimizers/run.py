"""Run an optimizer on a landscape: K runs advance together in one vectorised loop.

Besides the update rule, a run can have stochastic gradients (mini-batches of a data loss, Gaussian
noise) and a learning-rate schedule. Randomness is per run: run k draws from its own generators,
seeded by its seed alone, so a run gives the same path alone or inside any batch of runs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

import landscapes
from landscapes.base import Landscape
from landscapes.problem import SurfaceProblem, as_problem
from optimizers import registry, schedules
from optimizers.base import Optimizer, UnsupportedProblemError, validate
from optimizers.schedules import whole_number

#: A run has diverged once it is this many plot-window half-widths from the window's centre.
ESCAPE_FACTOR = 100.0


@dataclass(frozen=True)
class Trajectory:
    """What a run (or K runs) did.

    Shapes are for K runs of a problem with P parameters (P = 2 for a surface); a single run (one
    start ``(P,)``, scalar hyperparameters and one seed) drops the leading K axis.

    Attributes:
        landscape: the problem's name.
        points: ``(K, steps + 1, P)``, the start first.
        losses: ``(K, steps + 1)``.
        gradients: ``(K, steps + 1, P)``, the gradient at each point (the one step k used).
        diverged_at: ``(K,)`` ints, the first step whose point left the valid region (−1: never).
            From that step on, points, losses and gradients are NaN.
        states: with ``record_state=True``, each optimizer state field as ``(K, steps + 1, P)``
            (index 0 is the initial state, index k the state after step k); with ``record_state``
            a list of S steps, ``(K, S, P)``, index i the state at point ``state_steps[i]``; else
            ``None``.
        state_steps: the points whose state ``states`` holds (``(S,)`` ints), or ``None``.
        lrs: ``(K, steps)``, the learning rate of each update (index k: the step from point k to
            point k + 1), scheduled or constant. Kept after a divergence (it is an input). A
            read-only broadcast view where runs share it.
        momenta: ``(steps,)``, the momentum (SGD, RMSprop) or β₁ (Adam family) of each update when
            the scheduler cycles it (OneCycleLR); else ``None``.
        batch_size, noise, seed: the stochastic-gradient settings (``batch_size`` ``None``: full batch).
        scheduler, scheduler_options: the schedule's name and every option as used (``None``: none).
        substeps: for an optimizer that evaluates the loss within a step (L-BFGS), ``(K, steps, E,
            P)``: step k's evaluations in order (on the way from point k to point k + 1), NaN after
            its last; E is the most any step used. ``None`` for the others.
        substep_losses: ``(K, steps, E)``, the loss at each sub-step.

    With stochastic gradients, ``gradients`` holds the gradient the update used (at the last point,
    the one a next step would use) and ``losses`` the full loss.
    """

    landscape: str
    optimizer: str
    hyperparameters: dict[str, Any]
    points: np.ndarray
    losses: np.ndarray
    gradients: np.ndarray
    diverged_at: np.ndarray | int
    states: dict[str, np.ndarray] | None = None
    state_steps: np.ndarray | None = None
    lrs: np.ndarray | None = None
    momenta: np.ndarray | None = None
    batch_size: int | None = None
    noise: float = 0.0
    seed: int | list[int] = 0
    scheduler: str | None = None
    scheduler_options: dict[str, Any] | None = None
    substeps: np.ndarray | None = None
    substep_losses: np.ndarray | None = None

    @property
    def steps(self) -> int:
        return self.points.shape[-2] - 1

    @property
    def batched(self) -> bool:
        return self.points.ndim == 3


def run(
    landscape: str | Landscape,
    optimizer: str | Optimizer,
    start=None,
    steps: int = 100,
    *,
    batch_size: int | None = None,
    noise: float = 0.0,
    seed: int | Sequence[int] = 0,
    scheduler: str | None = None,
    scheduler_options: dict[str, Any] | None = None,
    record_state: bool | Sequence[int] = False,
    **hyperparameters: Any,
) -> Trajectory:
    """Run ``optimizer`` on ``landscape`` for ``steps`` steps from ``start``.

    Args:
        landscape: a registered surface name, a ``Landscape``, or any problem with P parameters
            (the protocol is in ``landscapes/problem.py``).
        optimizer: a registered name or an ``Optimizer``.
        start: ``(P,)`` (``(x, y)`` on a surface), or ``(K, P)`` for K runs; ``None`` uses the
            problem's default start (a surface's ``start``, a problem's ``init(seed)``).
        steps: number of updates (the trajectory has ``steps + 1`` points).
        batch_size: for a data loss (``landscapes.data.DataLoss``) only: B examples per gradient.
            1 is SGD, 1 < B < N mini-batch, N or ``None`` the full batch (the exact gradient).
            Each epoch shuffles the N examples afresh and takes consecutive batches of B; when B does
            not divide N the last batch of an epoch is smaller (torch DataLoader's default,
            ``drop_last=False``), so every example is used exactly once per epoch.
        noise: σ ≥ 0: add N(0, σ²) noise to each gradient component (any problem).
        seed: a whole number ≥ 0, or one per run: the randomness of batches and noise. Run k draws
            from generators seeded by its own seed alone (``SeedSequence(seed).spawn(2)``: one for
            the batch order, one for the noise, so turning noise on keeps the batches), so it gets
            the same path alone or in any batch. Without batches or noise it has no effect.
        scheduler: a learning-rate schedule's name (``optimizers.schedules.names()``), or ``None``.
        scheduler_options: the schedule's options, torch's names (``{"step_size": 30}``).
        record_state: keep the optimizer state after every step (for a step inspector), or, given
            increasing whole numbers within 0..``steps``, only the state at those points (a large
            model's inspector: the memory of a few steps, not of every one).
        **hyperparameters: torch's names (``lr``, ``momentum``, ``betas``, ...). Any numeric one may
            be a sequence of K values (``betas`` K pairs): one per run. A schedule scales each
            run's ``lr``.

    Raises:
        ValueError: an unknown name, a bad start or step count, or a hyperparameter, stochastic
            setting or scheduler option outside its range (the message names it, its value and the
            allowed range).
        UnsupportedProblemError: (a ``ValueError``) the optimizer needs something the problem lacks
            (Newton: an exact Hessian); ``supports`` asks beforehand.
    """
    problem, opt = _supported(optimizer, landscape)
    steps = _check_steps(steps)
    hp, k_hp = validate(opt, hyperparameters)
    seeds, k_seed = _parse_seed(seed)
    p = problem.n_params
    starts, k_start = _parse_start(_default_start(problem, seeds) if start is None else start, p)
    noise = _check_noise(noise)
    batch_size = _check_batch_size(batch_size, problem)
    k = _count_runs((k_start, "start points"), (k_hp, "hyperparameter values"), (k_seed, "seeds"))
    kept = _check_state_steps(record_state, steps)
    schedule, options = _resolve_schedule(scheduler, scheduler_options, steps)
    lrs, momenta, step_hp = _scheduled(schedule, options, opt, hp, steps)
    params = np.broadcast_to(starts, (k, p)).copy()
    evaluate = _gradient_source(problem, seeds, k, batch_size, noise)
    points, losses, gradients, diverged_at, states, substeps = _loop(
        problem, opt, params, hp, steps, kept, evaluate, step_hp
    )
    lrs = np.broadcast_to(lrs, (k, steps))  # a read-only view: a shared lr costs no memory per run
    if k_start is None and k_hp is None and k_seed is None:
        points, losses, gradients, diverged_at = points[0], losses[0], gradients[0], int(diverged_at[0])
        states = None if states is None else {name: v[0] for name, v in states.items()}
        substeps = None if substeps is None else tuple(v[0] for v in substeps)
        lrs = lrs[0]
    return Trajectory(
        landscape=problem.name,
        optimizer=opt.name,
        hyperparameters=_plain(hp),
        points=points,
        losses=losses,
        gradients=gradients,
        diverged_at=diverged_at,
        states=states,
        state_steps=kept,
        lrs=lrs,
        momenta=momenta,
        batch_size=batch_size,
        noise=noise,
        seed=seeds[0] if k_seed is None else seeds,
        scheduler=None if schedule is None else schedule.name,
        scheduler_options=None if schedule is None else _plain(options),
        substeps=None if substeps is None else substeps[0],
        substep_losses=None if substeps is None else substeps[1],
    )


def supports(optimizer: str | Optimizer, problem) -> bool:
    """Whether ``optimizer`` can run on ``problem`` (a surface name, ``Landscape`` or problem): False
    where it needs what the problem lacks (Newton on a network, which has no exact Hessian)."""
    return unsupported(optimizer, problem) is None


def unsupported(optimizer: str | Optimizer, problem) -> str | None:
    """Why ``optimizer`` cannot run on ``problem``, in words for the user, or ``None`` if it can
    (the message ``run`` raises)."""
    try:
        _supported(optimizer, problem)
    except UnsupportedProblemError as error:
        return str(error)
    return None


def _supported(optimizer, landscape):
    """``(problem, optimizer)`` looked up, or ``UnsupportedProblemError`` naming what the problem lacks."""
    problem = as_problem(landscape)
    opt = registry.get(optimizer) if isinstance(optimizer, str) else optimizer
    missing = opt.missing(problem)
    if missing:
        raise UnsupportedProblemError(opt, problem, missing)
    return problem, opt


def _default_start(problem, seeds: list[int]):
    """The problem's own start: ``init(seed)`` for each seed given (one start if one seed, and
    always one on a surface, whose start does not depend on the seed)."""
    if not hasattr(problem, "init"):
        raise ValueError(f"{problem.name} has no default start (no init(seed)): give a start")
    if len(seeds) == 1 or isinstance(problem, SurfaceProblem):
        return problem.init(seeds[0])
    return np.stack([problem.init(s) for s in seeds])


def _loop(problem, opt, params, hp, steps, kept, evaluate, step_hp):
    """The hot loop. Buffers are time-major so each step writes one contiguous block.

    ``kept``: the points whose optimizer state is recorded (``_check_state_steps``), or ``None``.

    ``evaluate(params, out)`` writes the gradient into ``out`` (``(K, P)``) and returns the loss: the
    problem's own or a stochastic one (``_gradient_source``); ``step_hp``, if not ``None``, holds each
    step's scheduled hyperparameters (``_scheduled``).
    """
    k, p = params.shape
    points = np.empty((steps + 1, k, p))
    losses = np.empty((steps + 1, k))
    gradients = np.empty((steps + 1, k, p))
    diverged_at = np.full(k, -1)
    region = _ValidRegion.of(problem)
    every = _check_every(max(1, k * p // 2))
    if step_hp is not None:
        hp = dict(hp)  # the loop's own copy: each step's values are written into it
    closure = (
        _Closure(problem, k, getattr(evaluate, "inner", problem.value_and_gradient))
        if opt.needs_closure
        else None
    )
    # Diverging runs overflow and turn NaN, also in the few steps they take before a check sees them.
    with np.errstate(all="ignore"):
        state = opt.init(params, hp)
        keep = None if kept is None else np.isin(np.arange(steps + 1), kept)
        recorded = [state] if keep is not None and keep[0] else []
        written = None  # the next point, where an optimizer with ``writes_out`` put it
        for step in range(steps + 1):
            if params is not written:
                points[step] = params
            losses[step] = evaluate(params, gradients[step])
            if step % every == every - 1 or step == steps:
                block = slice(step - step % every, step + 1)  # the steps since the last check
                params = _stop_diverged(region, points, losses, block, diverged_at, params)
            if step == steps:
                break
            if step_hp is not None:
                hp.update(step_hp[step])
            hessian = problem.hessian(params) if opt.needs_hessian else None
            if opt.writes_out:
                written = points[step + 1]
                params, state = opt.update(gradients[step], state, params, hp, step + 1, hessian, out=written)
            elif closure is None:
                params, state = opt.update(gradients[step], state, params, hp, step + 1, hessian)
            else:
                closure.next_step()
                params, state = opt.update(
                    gradients[step], state, params, hp, step + 1, hessian, loss=losses[step], closure=closure
                )
            if keep is not None and keep[step + 1]:
                recorded.append(state)  # a new state each step (the protocol's update is pure)
    states = None
    if kept is not None:
        hidden = getattr(type(state), "unrecorded", ())
        states = {
            name: np.stack([getattr(s, name) for s in recorded], axis=1)
            for name in type(state)._fields
            if name not in hidden
        }
    substeps = None if closure is None else closure.arrays(steps)
    if (diverged_at >= 0).any():
        _blank_after_divergence(diverged_at, points, losses, gradients, states, substeps, kept)
    return points.swapaxes(0, 1), losses.T, gradients.swapaxes(0, 1), diverged_at, states, substeps


class _Closure:
    """What an optimizer with ``needs_closure`` calls for more evaluations within a step.

    ``closure(points, runs)``: points ``(n, P)`` of the runs ``runs`` (``(n,)`` ints) -> ``(loss (n,),
    gradient (n, P))``: the loss, and the gradient of the step's own mini-batch and noise (as a torch
    closure over one batch gives), exact without them. Every evaluation is kept as a sub-step of its
    run and step, in order, for the path and the step inspector (``arrays``).
    """

    def __init__(self, problem, k: int, value_and_gradient):
        self.problem, self.k, self.value_and_gradient = problem, k, value_and_gradient
        self.log: list[list[tuple[int, np.ndarray, np.ndarray]]] = []

    def next_step(self) -> None:
        self.log.append([])

    def __call__(self, points, runs):
        points = np.asarray(points, dtype=np.float64).reshape(len(runs), -1)
        loss, gradient = self.value_and_gradient(points, np.asarray(runs))
        self.log[-1].append((np.asarray(runs), points.copy(), np.asarray(loss, dtype=np.float64)))
        return loss, gradient

    def arrays(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """``(points (K, steps, E, P), losses (K, steps, E))``: each step's evaluations in order, NaN
        after a run's last one (E is the most any run and step used)."""
        counts = np.zeros((steps, self.k), dtype=int)
        for step, calls in enumerate(self.log):
            for runs, _, _ in calls:
                np.add.at(counts[step], runs, 1)
        e = int(counts.max(initial=0))
        p = self.problem.n_params
        points = np.full((self.k, steps, e, p), np.nan)
        losses = np.full((self.k, steps, e), np.nan)
        for step, calls in enumerate(self.log):
            filled = np.zeros(self.k, dtype=int)
            for runs, at, loss in calls:
                points[runs, step, filled[runs]] = at
                losses[runs, step, filled[runs]] = loss
                filled[runs] += 1
        return points, losses


@dataclass(frozen=True)
class _ValidRegion:
    """Where a run must stay: within ``radius`` of the centre in every coordinate, with a finite loss.

    A 2-D surface's region is its plot window widened ``ESCAPE_FACTOR`` times; another problem's is
    everything finite. Each coordinate of a 2-D point is compared with scalars: a ``(2,)`` centre
    against ``(K, 2)`` points would make NumPy run K inner loops of length 2, about 10× slower.
    """

    centre: tuple[float, ...] | None
    radius: float

    @classmethod
    def of(cls, problem) -> _ValidRegion:
        if not isinstance(problem, SurfaceProblem):
            return cls(None, math.inf)
        (x0, x1), (y0, y1) = problem.landscape.bounds
        return cls(((x0 + x1) / 2, (y0 + y1) / 2), ESCAPE_FACTOR * max(x1 - x0, y1 - y0) / 2)

    def holds(self, points, losses) -> bool:
        """Whether every point (``(..., P)``) is inside and every loss finite; NaN fails (its max does)."""
        if not np.isfinite(losses).all():
            return False
        if self.centre is None:
            return bool(np.isfinite(points).all())
        cx, cy = self.centre
        return bool(
            np.abs(points[..., 0] - cx).max() <= self.radius
            and np.abs(points[..., 1] - cy).max() <= self.radius
        )

    def left(self, points, losses):
        """Boolean, the shape of ``losses``: where a point is outside or its loss not finite."""
        if self.centre is None:
            return ~(np.isfinite(points).all(axis=-1) & np.isfinite(losses))
        cx, cy = self.centre
        inside = np.abs(points[..., 0] - cx) <= self.radius
        inside &= np.abs(points[..., 1] - cy) <= self.radius
        inside &= np.isfinite(losses)
        return ~inside


def _check_every(k: int) -> int:
    """Steps between divergence checks: each check looks at the block of points just recorded.

    One check per step costs about 7 NumPy calls, a fifth of a step at K=1; a block of up to 16384
    point-runs stays in cache.
    """
    return max(1, min(16, 16384 // k))


def _stop_diverged(region, points, losses, block, diverged_at, params):
    """Check the recorded steps ``block`` (a slice); runs that first left the valid region there get
    their ``diverged_at`` and NaN parameters from now on.

    A run that left at step s went on for the rest of the block: its values from s on are blanked
    after the loop (``_blank_after_divergence``), so the result is the same as checking every step.
    """
    if region.holds(points[block], losses[block]):
        return params
    left = region.left(points[block], losses[block])  # (steps in the block, K)
    new = left.any(axis=0) & (diverged_at < 0)  # runs that diverged earlier are NaN, so left too
    if not new.any():
        return params
    diverged_at[new] = block.start + left.argmax(axis=0)[new]
    params = params.copy()
    params[new] = np.nan  # so a diverged run does not overflow further
    return params


def _blank_after_divergence(diverged_at, points, losses, gradients, states, substeps, kept):
    """NaN from each run's ``diverged_at`` on, in the time-major buffers and in ``states`` (at the
    points ``kept``) and the sub-steps of the steps from there on (both run-major)."""
    n_points = losses.shape[0]
    after = np.arange(n_points)[:, None] >= np.where(diverged_at < 0, n_points, diverged_at)[None, :]
    points[after] = np.nan
    losses[after] = np.nan
    gradients[after] = np.nan
    for value in (states or {}).values():
        value[after.T[:, kept]] = np.nan
    for value in substeps or ():
        value[after.T[:, :-1]] = np.nan


def _check_state_steps(record_state, steps: int) -> np.ndarray | None:
    """The points whose state ``run`` records: every one for ``True``, none (``None``) for ``False``,
    or the increasing whole numbers within 0..``steps`` given."""
    if isinstance(record_state, (bool, np.bool_)):
        return np.arange(steps + 1) if record_state else None
    wanted = f"record_state must be True, False or increasing whole numbers within 0..{steps}"
    try:
        kept = np.asarray(record_state)
    except (TypeError, ValueError):
        raise ValueError(f"{wanted}, got {record_state!r}") from None
    whole = kept.ndim == 1 and kept.dtype.kind in "iu"
    if not whole or not kept.size or kept[0] < 0 or kept[-1] > steps or np.any(np.diff(kept) <= 0):
        raise ValueError(f"{wanted}, got {record_state!r}")
    return kept.astype(np.intp)


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        if isinstance(steps, float) and steps.is_integer():
            steps = int(steps)
        else:
            raise ValueError(f"steps must be a whole number, got {steps!r}")
    if steps < 0:
        raise ValueError(f"steps must be ≥ 0, got {steps}")
    return int(steps)


def _parse_start(start, p: int = 2) -> tuple[np.ndarray, int | None]:
    """``(starts (K, P), k)``: one start (``k`` ``None``) or k of them."""
    words = "(x, y) or a list of (x, y) points" if p == 2 else f"{p} numbers or a list of them, one per run"
    try:
        arr = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"start must be {words}, got {start!r}") from None
    if arr.shape == (p,):
        k = None
    elif arr.ndim == 2 and arr.shape[1] == p and arr.shape[0] > 0:
        k = arr.shape[0]
    else:
        raise ValueError(f"start must be {words}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("start must be finite numbers")
    return arr.reshape(-1, p), k


def _plain(hp: dict[str, Any]) -> dict[str, Any]:
    """Hyperparameters as plain Python values (lists for per-run values), for display and JSON."""

    def plain(v):
        if isinstance(v, tuple):
            return [plain(u) for u in v]
        if isinstance(v, np.ndarray):
            return v.reshape(-1).tolist()
        return v

    return {name: plain(v) for name, v in hp.items()}


# --- stochastic gradients ------------------------------------------------------------------------

#: Draws per generator call: noise for this many steps, batch orders for this many examples' worth
#: of epochs. Fixed numbers (not scaled by K or steps), so a run's random stream never depends on them.
NOISE_BLOCK = 256
ORDER_BLOCK = 512


def _gradient_source(problem, seeds: list[int], k: int, batch_size: int | None, noise: float):
    """The loop's ``evaluate(params, out)``: writes the gradient into ``out`` and returns the loss.

    Without batches or noise it is the problem's exact gradient (a 2-D surface's own
    ``value_and_gradient(x, y)``, called on the two columns as the hot loop always has). The
    stochastic one returns the full loss and, at each call (one per point of the trajectory), the mean
    gradient of the next mini-batch plus N(0, σ²) noise, for every run. ``seeds`` has one seed per
    run or one for all k runs.
    """
    exact = _exact_source(problem)
    if batch_size is None and noise == 0:
        exact.inner = lambda points, runs: problem.value_and_gradient(points)
        return exact
    seeds = seeds * k if len(seeds) == 1 else seeds
    batches = None if batch_size is None else _batch_indices(problem.n_examples, batch_size, seeds)
    noises = None if noise == 0 else _standard_normals(seeds, problem.n_params)

    step = {}  # this step's batch and noise, for evaluations within the step (``inner``)

    def evaluate(params, out):
        if batches is None:
            loss = exact(params, out)
        else:
            loss = problem.value(params)
            step["idx"] = next(batches)
            out[...] = problem.batch_gradient(params, step["idx"])
        if noises is not None:
            step["z"] = next(noises)
            out += noise * step["z"]
        return loss

    def inner(points, runs):
        """The loss and the gradient of this step's batch and noise, at other points of some runs."""
        if batches is None:
            loss, gradient = problem.value_and_gradient(points)
        else:
            loss, gradient = problem.value(points), problem.batch_gradient(points, step["idx"][runs])
        if noises is not None:
            gradient = gradient + noise * step["z"][runs]
        return loss, gradient

    evaluate.inner = inner
    return evaluate


def _exact_source(problem):
    if isinstance(problem, SurfaceProblem):
        surface_value_and_gradient = problem.landscape.value_and_gradient

        def evaluate(params, out):
            loss, (gx, gy) = surface_value_and_gradient(params[:, 0], params[:, 1])
            out[:, 0] = gx
            out[:, 1] = gy
            return loss

        return evaluate

    value_and_gradient = problem.value_and_gradient

    def evaluate(params, out):
        loss, out[...] = value_and_gradient(params)
        return loss

    return evaluate


def _generators(seeds: list[int], stream: int):
    """One generator per distinct seed (``stream`` 0: batch order, 1: noise) and each run's index."""
    distinct = sorted(set(seeds))
    generators = [np.random.default_rng(np.random.SeedSequence(s).spawn(2)[stream]) for s in distinct]
    position = {s: i for i, s in enumerate(distinct)}
    return generators, np.array([position[s] for s in seeds])


def _standard_normals(seeds: list[int], p: int = 2) -> Iterator[np.ndarray]:
    """``(K, P)`` standard normal draws, P per run and step, each run from its own generator."""
    generators, runs = _generators(seeds, 1)
    while True:
        block = np.stack([g.standard_normal((NOISE_BLOCK, p)) for g in generators], axis=1)
        yield from block[:, runs]


def _batch_indices(n: int, batch_size: int, seeds: list[int]) -> Iterator[np.ndarray]:
    """``(K, B)`` example indices per step: each epoch a fresh shuffle per run, cut into batches of B.

    A shuffle is the argsort of N uniform keys from the run's generator: one call draws the keys of
    many epochs, and one argsort orders every run's epochs at once.
    """
    generators, runs = _generators(seeds, 0)
    epochs = max(1, ORDER_BLOCK // n)
    while True:
        keys = np.stack([g.random((epochs, n)) for g in generators], axis=1)  # (epochs, runs, N)
        for order in np.argsort(keys, axis=-1, kind="stable")[:, runs]:
            for lo in range(0, n, batch_size):
                yield order[:, lo : lo + batch_size]


def _check_batch_size(batch_size, land) -> int | None:
    """The batch size, or ``None`` for the full batch (given as ``None`` or N)."""
    if batch_size is None:
        return None
    if not hasattr(land, "n_examples"):
        data = [name for name in landscapes.names() if hasattr(landscapes.get(name), "n_examples")]
        raise ValueError(
            f"batch_size needs a loss over a data set ({', '.join(data)}); {land.name} has no examples "
            "to batch: use noise for stochastic gradients"
        )
    n = land.n_examples
    size = whole_number(batch_size)
    if size is None or not 1 <= size <= n:
        raise ValueError(
            f"Invalid batch_size: {batch_size!r} (a whole number, 1 ≤ batch_size ≤ {n}, "
            f"the number of examples of {land.name})"
        )
    return None if size == n else size


def _check_noise(noise) -> float:
    if isinstance(noise, (bool, np.bool_)) or not isinstance(noise, Real) or not 0 <= noise < math.inf:
        raise ValueError(
            f"Invalid noise: {noise!r} (the standard deviation of the gradient noise: a finite number, "
            "0 ≤ noise)"
        )
    return float(noise)


def _parse_seed(seed) -> tuple[list[int], int | None]:
    """``(seeds, k)``: one seed for every run (``k`` ``None``) or a list of k seeds, one per run."""
    allowed = "a whole number, 0 ≤ seed, or a list of them, one per run"
    if isinstance(seed, np.ndarray) and seed.ndim == 0:
        seed = seed.item()
    if whole_number(seed) is not None:
        values, k = [seed], None
    elif isinstance(seed, (list, tuple, np.ndarray)) and len(seed) > 0:
        values, k = list(seed), len(seed)
    else:
        raise ValueError(f"Invalid seed: {seed!r} ({allowed})")
    seeds = [whole_number(value) for value in values]
    for s, value in zip(seeds, values, strict=True):
        if s is None or s < 0:
            raise ValueError(f"Invalid seed: {value!r} ({allowed})")
    return seeds, k


def _count_runs(*counts: tuple[int | None, str]) -> int:
    """K, the common length of every per-run input (1 if none); disagreeing lengths raise."""
    given = [(n, what) for n, what in counts if n is not None]
    for (n, what), (m, other) in itertools.pairwise(given):
        if n != m:
            raise ValueError(f"{n} {what} but {m} {other}: give one per run")
    return given[0][0] if given else 1


# --- learning-rate schedules ---------------------------------------------------------------------


def _resolve_schedule(scheduler, scheduler_options, steps):
    """``(schedule, options)`` with every option checked and filled in, or ``(None, None)``."""
    if scheduler is None:
        if scheduler_options:
            raise ValueError("scheduler_options were given without a scheduler")
        return None, None
    schedule = schedules.get(scheduler)
    return schedule, schedule.resolve(scheduler_options, steps=steps)


def _scheduled(schedule, options, opt, hp, steps):
    """``(lrs, momenta, step_hp)``: the lr of every step (broadcastable to ``(K, steps)``), the cycled
    momentum (``(steps,)`` or ``None``) and each step's hyperparameters for the loop (``None``
    without a schedule, so the loop does nothing extra).

    Per-run learning rates are ``(K, 1)`` columns, as ``validate`` gives them, so that every run
    computes with its own lr exactly as it would alone.
    """
    lr = hp["lr"]
    if schedule is None:
        return np.asarray(lr), None, None  # a constant: a number or a (K, 1) column
    with np.errstate(all="ignore"):  # extreme options the specs allow can overflow: refused below
        lrs = schedule.formula(np.arange(steps), lr, **options)
    if not np.isfinite(lrs).all():
        raise ValueError(
            f"Invalid options for {schedule.name}: its learning rate overflows "
            "(use a smaller lr or less extreme schedule options)"
        )
    per_step = lrs.tolist() if lrs.ndim == 1 else list(np.ascontiguousarray(lrs.T)[:, :, None])
    step_hp = [{"lr": value} for value in per_step]
    momenta = None
    if schedule.cycles_momentum(options):
        momenta = schedule.momentum(np.arange(steps), **options)
        name = _momentum_name(opt)
        for hp_t, m in zip(step_hp, momenta.tolist(), strict=True):
            hp_t[name] = (m, hp["betas"][1]) if name == "betas" else m
    return lrs, momenta, step_hp


def _momentum_name(opt) -> str:
    """The hyperparameter OneCycleLR cycles: ``betas`` (its β₁) if the optimizer has it, else ``momentum``."""
    for name in ("betas", "momentum"):
        if name in opt.defaults:
            return name
    raise ValueError(
        "optimizer must support momentum or beta1 with `cycle_momentum` option enabled "
        f"({opt.name} has neither): set cycle_momentum to False"
    )
