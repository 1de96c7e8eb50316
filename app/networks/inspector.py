"""The Networks view's step inspector, precomputed with the training: for each network and each
snapshot step k, the update from wₖ to wₖ₊₁ in numbers (the learning rate, the loss L(wₖ), ‖∇L‖,
the step length ‖Δw‖ = ‖wₖ₊₁ − wₖ‖) and the ``TOP`` parameters that moved most, named as torch names
them, each with the optimizer's state this step made for it (torch's names: ``exp_avg``, ...). The
browser shows the snapshot the slider is at (assets/networks.js), no request per step.

Pure: a ``Training`` in, plain lists and strings out. A network's parameters are laid out as torch
lays out an ``nn.Sequential`` of ``nn.Linear`` layers with an activation module between them (so the
linear layers are modules 0, 2, 4, …): each layer's weight ``(out, in)`` row-major, then its bias,
and ``parameter_name`` gives the name ``named_parameters()`` would (``2.weight[3,1]``, ``4.bias[0]``).
A recommender's are U ``(users, rank)`` then V ``(items, rank)``, each row-major (``U[3,1]``).
"""

from __future__ import annotations

import numpy as np

from app.figures_common import rounded, rounded_rows, used_states
from app.networks.figures import lr_label
from app.networks.training import Training
from landscapes.network import Network
from landscapes.recommender import Recommender
from optimizers import registry, schedules

#: How many parameters the inspector lists per step: those with the largest |Δw|.
TOP = 5


def parameter_name(problem: Network | Recommender, index: int) -> str:
    """The torch name of flat parameter ``index`` of ``problem`` (see the module docstring)."""
    if not 0 <= index < problem.n_params:
        raise ValueError(f"parameter index {index} is outside 0 to {problem.n_params - 1}")
    if isinstance(problem, Recommender):
        split = problem.users * problem.rank
        matrix, offset = ("U", 0) if index < split else ("V", split)
        row, col = divmod(index - offset, problem.rank)
        return f"{matrix}[{row},{col}]"
    for i, layer in enumerate(problem.layers):
        if index < layer.bias:
            row, col = divmod(index - layer.weight, layer.inp)
            return f"{2 * i}.weight[{row},{col}]"
        if index < layer.end:
            return f"{2 * i}.bias[{index - layer.bias}]"
    raise AssertionError("the layers cover every parameter")  # n_params is the last layer's end


def top_moves(deltas: np.ndarray, top: int = TOP) -> list[np.ndarray]:
    """For each step's change ``deltas`` ``(F, P)``: the indices of its ``top`` largest |Δw|, largest
    first (the lower index first among equal ones); none for a step that is not finite (the run
    diverged there). One sort for all the steps."""
    deltas = np.atleast_2d(np.asarray(deltas, dtype=np.float64))
    order = np.argsort(-np.abs(np.nan_to_num(deltas)), axis=1, kind="stable")[:, :top]
    finite = np.isfinite(deltas).all(axis=1)
    return [row if ok else row[:0] for row, ok in zip(order, finite, strict=True)]


def step_norms(points: np.ndarray, gradients: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(‖∇L(wₖ)‖, ‖wₖ₊₁ − wₖ‖)`` at each of ``steps`` ``(F,)`` of one run (``points``,
    ``gradients`` ``(steps + 1, P)``); the step length is NaN at the last point (no step from it)."""
    last = len(points) - 1
    grad = np.linalg.norm(gradients[steps], axis=1)
    after = np.minimum(steps + 1, last)
    move = np.linalg.norm(points[after] - points[steps], axis=1)
    return grad, np.where(steps < last, move, np.nan)


def schedule_text(trajectory) -> str:
    """The learning rate's schedule as torch writes it: ``StepLR(step_size=50, gamma=0.3)``, or
    ``constant``."""
    if not trajectory.scheduler:
        return "constant"
    options = trajectory.scheduler_options or {}
    given = ", ".join(f"{name}={_option(value)}" for name, value in options.items())
    return f"{schedules.get(trajectory.scheduler).title}({given})"


def _option(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_option(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def plain_descent(points: np.ndarray, gradients: np.ndarray, lrs: np.ndarray, steps: np.ndarray) -> bool:
    """Whether the steps from each of ``steps`` (snapshot steps of one run: ``points``, ``gradients``
    ``(steps + 1, P)``, ``lrs`` ``(steps,)``) were w ← w − α·∇L (plain SGD: no momentum, no decay,
    no scaling), to rounding; those of a diverged run's after it are not judged. Only the snapshot
    steps are looked at (cheap: the view shows no others): momentum differs from step 1 on, which is
    one of them."""
    steps = np.asarray(steps)
    steps = steps[steps < len(points) - 1]
    before, after = points[steps], points[steps + 1]
    moved, down = after - before, -np.asarray(lrs, dtype=np.float64)[steps, None] * gradients[steps]
    ok = np.isfinite(moved).all(axis=1) & np.isfinite(down).all(axis=1)
    if not ok.any():
        return False
    slack = 1e-9 * (np.abs(before) + np.abs(after)) + 1e-7 * np.abs(down) + 1e-300
    return bool(np.all(np.abs(moved[ok] - down[ok]) <= slack[ok]))


def run_details(training: Training, run: int, states: dict | None = None, shared: dict | None = None) -> dict:
    """Network ``run``'s numbers at each snapshot step (columns of ``(F,)``; ``top`` per step: the
    ``TOP`` rows ``[name, w before, ∂L/∂w, Δw, *state]``: after Δw, the state the step made, of
    each of ``states`` (fields of the trajectory's kept states, ``(K, S, P)`` at its
    ``state_steps``, which must hold each snapshot's next point: ``training.state_points``);
    ``shared`` per step: the fields of ``shared``, one number per network (Prodigy's ``d``),
    empty where no step was taken)."""
    trajectory, steps = training.trajectory, training.frames
    points, gradients = trajectory.points[run], trajectory.gradients[run]
    last = len(points) - 1
    states, shared = states or {}, shared or {}
    lrs = np.broadcast_to(np.asarray(trajectory.lrs, dtype=np.float64), (len(training.setup.lrs), last))[run]
    grad, move = step_norms(points, gradients, steps)
    taken = steps[steps < last]  # the last point has no step from it
    deltas = points[taken + 1] - points[taken]
    after, once = None, [[] for _ in taken]
    if states or shared:
        kept = _positions(trajectory.state_steps, taken + 1)  # the state each step made
    if states:
        after = np.stack([value[run, kept] for value in states.values()], axis=1)
    if shared:
        once = rounded_rows(np.stack([value[run, kept, 0] for value in shared.values()], axis=1))
    once += [[]] * (len(steps) - len(taken))
    moves = zip(taken, deltas, top_moves(deltas), strict=True)
    top = [_rows(training.network, points[k], gradients[k], d, chosen, None if after is None else after[i])
           for i, (k, d, chosen) in enumerate(moves)]  # fmt: skip
    top += [[]] * (len(steps) - len(taken))
    step_lrs = np.where(steps < last, lrs[np.minimum(steps, last - 1)], np.nan)
    return {
        "label": lr_label(training.setup.lrs[run]),
        "plain": plain_descent(points, gradients, lrs, steps),
        "lr": rounded(step_lrs),
        "loss": rounded(trajectory.losses[run, steps]),
        "grad": rounded(grad),
        "move": rounded(move),
        "top": top,
        "shared": once,
    }


def _positions(kept: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Where each of ``points`` is in the increasing ``kept``; ``ValueError`` if one is missing."""
    at = np.minimum(np.searchsorted(kept, points), len(kept) - 1)
    if not np.array_equal(kept[at], points):
        raise ValueError(f"the optimizer state was not kept at steps {sorted(set(points) - set(kept))}")
    return at


def _rows(problem, before, gradient, delta, chosen: np.ndarray, state: np.ndarray | None) -> list:
    """``[name, w before, ∂L/∂w, Δw, *state]`` of the parameters ``chosen`` (``state``: ``(fields,
    P)`` or ``None``), rounded for the browser."""
    columns = [before[chosen], gradient[chosen], delta[chosen], *([] if state is None else state[:, chosen])]
    values = rounded_rows(np.stack(columns, axis=1))
    return [[parameter_name(problem, int(i)), *row] for i, row in zip(chosen, values, strict=True)]


def inspector_data(training: Training) -> dict:
    """What the Networks view's step inspector shows, for every network at every snapshot step."""
    trajectory = training.trajectory
    optimizer = registry.get(training.setup.optimizer)
    states = used_states(trajectory.states)
    shared = {name: value for name, value in states.items() if _one_per_network(value)}
    columns = {name: value for name, value in states.items() if name not in shared}
    return {
        "steps": training.frames.tolist(),
        "optimizer": optimizer.title,
        "description": optimizer.description,
        "schedule": schedule_text(trajectory),
        "batch": trajectory.batch_size,
        "params": training.network.n_params,
        "state": list(columns),  # the moves' columns after Δw
        "shared": list(shared),  # one number per network and step, written once
        "runs": [run_details(training, run, columns, shared) for run in range(len(training.setup.lrs))],
    }


def _one_per_network(value: np.ndarray) -> bool:
    """Whether a kept state field ``(K, S, P)`` is one number per network at each step, the same for
    every parameter (Prodigy's ``d``, NAdam's ``mu_product``, ASGD's ``eta``): written once, not as
    a column of equal numbers."""
    return bool(np.array_equal(value, np.broadcast_to(value[..., :1], value.shape), equal_nan=True))


def choices(data: dict) -> list[dict]:
    """The inspector's menu of networks, from ``inspector_data``."""
    return [{"label": run["label"], "value": i} for i, run in enumerate(data["runs"])]


def kept_choice(chosen, count: int) -> int:
    """The network the inspector shows after a training of ``count``: the one chosen before if it
    is still there, else the first (``chosen`` is whatever the browser sent)."""
    ok = isinstance(chosen, int) and not isinstance(chosen, bool) and 0 <= chosen < count
    return chosen if ok else 0
