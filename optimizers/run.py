"""Run an optimizer on a landscape: K runs advance together in one vectorised loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import landscapes
from landscapes.base import Landscape
from optimizers import registry
from optimizers.base import Optimizer, validate

#: A run has diverged once it is this many plot-window half-widths from the window's centre.
ESCAPE_FACTOR = 100.0


@dataclass(frozen=True)
class Trajectory:
    """What a run (or K runs) did.

    Shapes are for K runs; a single run (a start ``(x, y)`` and scalar hyperparameters) drops the
    leading K axis.

    Attributes:
        points: ``(K, steps + 1, 2)``, the start first.
        losses: ``(K, steps + 1)``.
        gradients: ``(K, steps + 1, 2)``, the gradient at each point (the one step k used).
        diverged_at: ``(K,)`` ints, the first step whose point left the valid region (−1: never).
            From that step on, points, losses and gradients are NaN.
        states: with ``record_state=True``, each optimizer state field as ``(K, steps + 1, 2)``
            (index 0 is the initial state, index k the state after step k); else ``None``.
    """

    landscape: str
    optimizer: str
    hyperparameters: dict[str, Any]
    points: np.ndarray
    losses: np.ndarray
    gradients: np.ndarray
    diverged_at: np.ndarray | int
    states: dict[str, np.ndarray] | None = None

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
    record_state: bool = False,
    **hyperparameters: Any,
) -> Trajectory:
    """Run ``optimizer`` on ``landscape`` for ``steps`` steps from ``start``.

    Args:
        landscape: a registered name or a ``Landscape``.
        optimizer: a registered name or an ``Optimizer``.
        start: ``(x, y)``, or ``(K, 2)`` for K runs; ``None`` uses the landscape's default start.
        steps: number of updates (the trajectory has ``steps + 1`` points).
        record_state: keep the optimizer state after every step (for a step inspector).
        **hyperparameters: torch's names (``lr``, ``momentum``, ``betas``, ...). Any numeric one may
            be a sequence of K values (``betas`` K pairs): one per run.

    Raises:
        ValueError: an unknown name, a bad start or step count, or a hyperparameter outside its
            range (the message names it, its value and the allowed range).
    """
    land = landscapes.get(landscape) if isinstance(landscape, str) else landscape
    opt = registry.get(optimizer) if isinstance(optimizer, str) else optimizer
    steps = _check_steps(steps)
    hp, k_hp = validate(opt, hyperparameters)
    starts, k_start = _parse_start(land.start if start is None else start)
    if k_hp is not None and k_start is not None and k_hp != k_start:
        raise ValueError(f"{k_start} start points but {k_hp} hyperparameter values: give one per run")
    k = k_start or k_hp or 1
    params = np.broadcast_to(starts, (k, 2)).copy()
    points, losses, gradients, diverged_at, states = _loop(land, opt, params, hp, steps, record_state)
    batched = k_start is not None or k_hp is not None
    if not batched:
        points, losses, gradients, diverged_at = points[0], losses[0], gradients[0], int(diverged_at[0])
        states = None if states is None else {name: v[0] for name, v in states.items()}
    return Trajectory(
        landscape=land.name,
        optimizer=opt.name,
        hyperparameters=_plain(hp),
        points=points,
        losses=losses,
        gradients=gradients,
        diverged_at=diverged_at,
        states=states,
    )


def _loop(land, opt, params, hp, steps, record_state):
    """The hot loop. Buffers are time-major so each step writes one contiguous block."""
    k = params.shape[0]
    points = np.empty((steps + 1, k, 2))
    losses = np.empty((steps + 1, k))
    gradients = np.empty((steps + 1, k, 2))
    diverged_at = np.full(k, -1)
    (x0, x1), (y0, y1) = land.bounds
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    radius = ESCAPE_FACTOR * max(x1 - x0, y1 - y0) / 2
    with np.errstate(all="ignore"):
        state = opt.init(params, hp)
        recorded = [state] if record_state else None
        for step in range(steps + 1):
            x, y = params[:, 0], params[:, 1]
            loss, (gx, gy) = land.value_and_gradient(x, y)
            points[step] = params
            losses[step] = loss
            gradients[step, :, 0] = gx
            gradients[step, :, 1] = gy
            if not (np.isfinite(loss).all() and (np.abs(params - centre) <= radius).all()):
                params = _stop_diverged(params, loss, centre, radius, diverged_at, step)
            if step == steps:
                break
            hessian = land.hessian(x, y) if opt.needs_hessian else None
            params, state = opt.update(gradients[step], state, params, hp, step + 1, hessian)
            if record_state:
                recorded.append(state)
    after = np.arange(steps + 1)[:, None] >= np.where(diverged_at < 0, steps + 1, diverged_at)[None, :]
    points[after] = np.nan
    losses[after] = np.nan
    gradients[after] = np.nan
    states = None
    if record_state:
        states = {
            name: np.stack([getattr(s, name) for s in recorded], axis=1) for name in recorded[0]._fields
        }
        for value in states.values():
            value[after.T] = np.nan
    return points.swapaxes(0, 1), losses.T, gradients.swapaxes(0, 1), diverged_at, states


def _stop_diverged(params, loss, centre, radius, diverged_at, step):
    """Mark runs that just left the valid region; their parameters become NaN from here on."""
    bad = ~(np.isfinite(loss) & (np.abs(params - centre) <= radius).all(axis=1))
    diverged_at[bad & (diverged_at < 0)] = step
    params = params.copy()
    params[bad] = np.nan
    return params


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        if isinstance(steps, float) and steps.is_integer():
            steps = int(steps)
        else:
            raise ValueError(f"steps must be a whole number, got {steps!r}")
    if steps < 0:
        raise ValueError(f"steps must be ≥ 0, got {steps}")
    return int(steps)


def _parse_start(start) -> tuple[np.ndarray, int | None]:
    try:
        arr = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"start must be (x, y) or a list of (x, y) points, got {start!r}") from None
    if arr.shape == (2,):
        k = None
    elif arr.ndim == 2 and arr.shape[1] == 2 and arr.shape[0] > 0:
        k = arr.shape[0]
    else:
        raise ValueError(f"start must be (x, y) or a list of (x, y) points, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("start must be finite numbers")
    return arr.reshape(-1, 2), k


def _plain(hp: dict[str, Any]) -> dict[str, Any]:
    """Hyperparameters as plain Python values (lists for per-run values), for display and JSON."""

    def plain(v):
        if isinstance(v, tuple):
            return [plain(u) for u in v]
        if isinstance(v, np.ndarray):
            return v.reshape(-1).tolist()
        return v

    return {name: plain(v) for name, v in hp.items()}
