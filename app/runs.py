"""From what the user set up to what the views show: run the engine, explain divergence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import optimizers
from app import divergence
from app.model import RunSpec, format_number
from landscapes.base import Landscape


@dataclass(frozen=True)
class RunResult:
    """One finished run, cut at divergence.

    Attributes:
        points: ``(n, 2)``, the valid points only (n = steps + 1, or the divergence step).
        losses: ``(n,)``.
        diverged_at: the step where the run left the valid region, −1 if never.
        message: a plain sentence about the divergence (empty if none).
    """

    label: str
    color: str
    points: np.ndarray
    losses: np.ndarray
    diverged_at: int
    message: str
    optimizer: str = ""
    gradients: np.ndarray | None = None  # (n, 2): the gradient each step used
    lrs: np.ndarray | None = None  # (n - 1,) or more: the learning rate of each step
    states: dict | None = None  # optimizer state after each step: name -> (n, 2)
    diverging_at: int = -1  # the step from which its loss clearly grows without bound (app.divergence)
    substeps: np.ndarray | None = None  # (n - 1, E, 2): L-BFGS's evaluations within each step, NaN-padded
    substep_losses: np.ndarray | None = None  # (n - 1, E): the loss at each


class RunError(ValueError):
    """A run's settings were refused by the engine (e.g. a batch size on a surface without data)."""

    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index


def simulate(landscape: Landscape, start, steps: int, runs: list[RunSpec]) -> list[RunResult]:
    """Run each ``RunSpec`` from ``start`` for ``steps`` steps; ``RunError`` names a refused run."""
    results = []
    for index, spec in enumerate(runs):
        try:
            trajectory = optimizers.run(
                landscape,
                spec.optimizer,
                start,
                steps,
                record_state=True,
                **spec.options,
                **spec.hyperparameters,
            )
        except ValueError as error:
            raise RunError(index, str(error)) from None
        results.append(_result(landscape, start, spec.label(), spec.color, trajectory, spec.hyperparameters))
    return results


def simulate_learning_rates(
    landscape: Landscape, start, steps: int, spec: RunSpec, lrs: list[float], colors: list[str]
) -> list[RunResult]:
    """One optimizer at several learning rates: a single batched engine call, one result per rate."""
    hp = {**spec.hyperparameters, "lr": lrs}
    trajectory = optimizers.run(landscape, spec.optimizer, start, steps, **spec.options, **hp)
    title = optimizers.get(spec.optimizer).title
    results = []
    for i, lr in enumerate(lrs):
        single = _Single(
            trajectory.points[i], trajectory.losses[i], int(trajectory.diverged_at[i]), trajectory.optimizer
        )
        results.append(
            _result(landscape, start, f"{title} lr {format_number(lr)}", colors[i], single, {"lr": lr})
        )
    return results


@dataclass(frozen=True)
class _Single:
    points: np.ndarray
    losses: np.ndarray
    diverged_at: int
    optimizer: str
    gradients: np.ndarray | None = None
    lrs: np.ndarray | None = None
    states: dict | None = None


def _result(landscape, start, label, color, trajectory, hyperparameters) -> RunResult:
    end = trajectory.diverged_at if trajectory.diverged_at >= 0 else len(trajectory.losses)
    message, lr = "", hyperparameters.get("lr")
    if trajectory.diverged_at >= 0:
        message = divergence_message(landscape, start, label, lr, trajectory.diverged_at)
    else:
        message = divergence.diverging_message(landscape, start, label, lr, trajectory.losses[:end])
    return RunResult(
        label=label,
        color=color,
        points=trajectory.points[:end],
        losses=trajectory.losses[:end],
        diverged_at=int(trajectory.diverged_at),
        message=message,
        diverging_at=divergence.growth(trajectory.losses[:end])[1],
        optimizer=trajectory.optimizer,
        gradients=None if trajectory.gradients is None else trajectory.gradients[:end],
        lrs=None if trajectory.lrs is None else np.asarray(trajectory.lrs).reshape(-1)[: max(end - 1, 0)],
        states=None if trajectory.states is None else {k: v[:end] for k, v in trajectory.states.items()},
        **_substeps(trajectory, max(end - 1, 0)),
    )


def _substeps(trajectory, steps: int) -> dict:
    """The sub-steps of the first ``steps`` steps, for an optimizer that records them (L-BFGS)."""
    if getattr(trajectory, "substeps", None) is None:
        return {}
    return {"substeps": trajectory.substeps[:steps], "substep_losses": trajectory.substep_losses[:steps]}


def divergence_message(landscape: Landscape, start, label: str, lr, step: int) -> str:
    """Why a run blew up, in plain words, with the stability limit 2/λ_max at the start point."""
    head = f"{label} diverged at step {step}"
    if not landscape.minima:
        return f"{head}: this surface has no minimum, so the run slides away for ever."
    curvature = float(landscape.max_curvature(*start))
    if lr is None or curvature <= 0:
        return f"{head}."
    limit = 2.0 / curvature
    if lr > limit:
        return (
            f"{head} — learning rate {format_number(lr)} is above 2/λ_max = {format_number(limit)} "
            "for this surface at the start."
        )
    return (
        f"{head}, although learning rate {format_number(lr)} is below 2/λ_max = {format_number(limit)} "
        "at the start: the curvature grows along the way."
    )
