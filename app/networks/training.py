"""Train K networks (or K recommenders) at once and keep what the Networks view draws: the paths'
snapshots, the train and test losses, the prediction over the input window (a recommender's U Vᵀ) at
each snapshot, and the landscape planes of the first model (a filter-normalised random plane through
its final weights and the PCA plane of its path) with its 1-D interpolation. Pure: settings in, arrays
out (``app.networks.figures`` draws them).

The work is bounded before anything runs, twice: a forward and backward pass costs about N · P
multiply-adds per network and step, so ``work(setup)`` = K · steps · N · P must stay under ``MAX_WORK``
(a quick cap, with the steps that fit); then the training and what is drawn of it (the planes, the
snapshots) are measured on this machine (``check_seconds``, ``optimizers.budget``) and refused past
2 s of CPU: the planes alone can be over it for a large model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

import landscapes
import optimizers
from landscapes import slices
from landscapes.network import Network
from landscapes.recommender import Recommender
from optimizers import budget

#: The models the view trains: a key per model, what its menu says.
MODELS = {"network": "neural network (MLP)", "recommender": "recommender (U Vᵀ)"}

#: K · steps · N · P multiply-adds a request may train (≈ 0.7 s of CPU on these machines).
MAX_WORK = 6e8
MAX_NETWORKS = 8
MAX_STEPS = 2000
#: Snapshots kept for the browser to scrub through (the steps between are on the loss curve only).
FRAMES = 30
#: The prediction grid's side (n × n inputs) of the decision-boundary shading.
GRID = 32
#: The landscape planes' side (n × n networks evaluated per plane).
PLANE_GRID = 31
#: Points of the loss curves (train and test) against the step.
CURVE_POINTS = 201


@dataclass(frozen=True)
class Setup:
    """One Networks view setup (already checked by ``app.networks.settings``): the model, the
    network's data set and architecture or the recommender's rating matrix, and the training."""

    model: str = "network"  # a key of MODELS
    data: str = "moons"
    n: int = 200
    noise: float = 0.1
    test_share: float = 0.25
    data_seed: int = 0
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "tanh"
    optimizer: str = "adam"
    hyperparameters: dict[str, Any] = field(default_factory=dict)  # torch names; lr excluded
    lrs: tuple[float, ...] = (0.003, 0.01, 0.03)
    #: ``optimizers.run``'s options: batch_size, noise, seed (of the batches), scheduler(_options).
    options: dict[str, Any] = field(default_factory=dict)
    init_seed: int = 0
    steps: int = 300
    # The recommender's rating matrix (``landscapes.recommender``): known is the share of entries known.
    users: int = 8
    items: int = 10
    rank: int = 2
    known: float = 0.5
    rating_noise: float = 0.1
    l2: float = 0.0
    rating_seed: int = 0

    def network(self) -> Network | Recommender:
        """The problem trained: the network on its data set, or the recommender's rating matrix."""
        if self.model == "recommender":
            return landscapes.recommender(
                users=self.users, items=self.items, rank=self.rank, density=self.known,
                noise=self.rating_noise, l2=self.l2, seed=self.rating_seed,
            )  # fmt: skip
        n_test = max(1, round(self.n * self.test_share / (1.0 - self.test_share)))
        return landscapes.network(
            data=self.data, hidden=self.hidden, activation=self.activation, n=self.n, noise=self.noise,
            seed=self.data_seed, n_test=n_test,
        )  # fmt: skip


def examples(setup: Setup) -> int:
    """N, what one loss costs per parameter: the training points, or every entry of the rating matrix
    (U Vᵀ is computed in full, known entries or not)."""
    return setup.users * setup.items if setup.model == "recommender" else setup.n


def work(setup: Setup, n_params: int) -> float:
    """K · steps · N · P: what a training request costs, in multiply-adds (about)."""
    return len(setup.lrs) * setup.steps * examples(setup) * n_params


def check_work(setup: Setup, n_params: int) -> None:
    """``ValueError`` with the most steps that fit, if training ``setup`` would take too long."""
    if work(setup, n_params) <= MAX_WORK:
        return
    n = examples(setup)
    fit = int(MAX_WORK // (len(setup.lrs) * n * n_params))
    what, smaller = _smaller(setup)
    raise ValueError(
        f"Too much to train in one go: {len(setup.lrs)} models × {setup.steps} steps × {n} {what} "
        f"× {n_params} parameters. Use at most {fit} steps, or fewer learning rates, {smaller}."
    )


def _smaller(setup: Setup) -> tuple[str, str]:
    if setup.model == "recommender":
        return "entries", "users, items or rank"
    return "points", "points or units"


#: ``summary_seconds`` times this many losses (and half as many prediction grids).
PROBE_MODELS = 8


def summary_seconds(setup: Setup, net) -> float:
    """CPU seconds of what ``summarise`` adds to the training, measured: the two planes
    (2 × ``PLANE_GRID``² losses, drawn in single precision: ``_drawn``), the line (81) and the test
    losses (a loss each), and the snapshots' prediction grids. A batch of ``PROBE_MODELS`` losses
    of each kind and a few grids are timed and scaled (the steps do not change it: a large model
    alone can be over the limit, 2 × 961 losses of 2000 points × 2241 parameters took 12 s)."""
    rng = np.random.default_rng(0)
    params = net.init(setup.init_seed) + 0.01 * rng.standard_normal((PROBE_MODELS, net.n_params))
    exact = 81 + len(setup.lrs) * CURVE_POINTS  # the line and the test losses
    drawn = 2 * PLANE_GRID * PLANE_GRID  # the planes, with the loss they are drawn with
    grids = max(1, PROBE_MODELS // 2)
    if _drawn(net) == net.value:  # one kind of loss (a recommender's): one probe
        exact, drawn = exact + drawn, 0
    seconds = budget.measured(lambda: _quiet(net.value, params), exact / PROBE_MODELS)
    if drawn:
        seconds += budget.measured(lambda: _quiet(_drawn(net), params), drawn / PROBE_MODELS)
    snapshots = len(setup.lrs) * FRAMES / grids
    return seconds + budget.measured(lambda: _grid(net, params[None, :grids]), snapshots)


def _quiet(value, params) -> None:
    """``value(params)`` with NumPy's floating-point warnings off (a probe: its numbers are unused)."""
    with np.errstate(all="ignore"):
        value(params)


def check_seconds(setup: Setup, net, limit: float | None = None) -> None:
    """``budget.WorkTooLargeError`` if training ``setup`` and drawing it would take over ``limit``
    (default ``budget.LIMIT_SECONDS``) of CPU, both measured on this machine (``optimizers.budget``),
    with the steps that fit."""
    fixed = summary_seconds(setup, net)
    options = {**setup.options, **setup.hyperparameters}
    k, start = len(setup.lrs), net.init(setup.init_seed)
    steps = budget.estimate_seconds(net, setup.optimizer, k, setup.steps, start, lr=setup.lrs[0], **options)
    _, smaller = _smaller(setup)
    limit = budget.LIMIT_SECONDS if limit is None else limit
    more = f"or fewer learning rates, {smaller}"
    budget.refuse_over(steps + fixed, setup.steps, limit, fixed=fixed, more=more)


@dataclass(frozen=True)
class Plane:
    """A 2-D slice of the loss: ``z (len(ys), len(xs))`` at centre + x d₁ + y d₂, and the first
    network's path in it (``path (C, 2)``, at the loss curve's steps); ``explained`` is the PCA
    plane's share of variance per axis (``None`` for a random plane); ``leaves`` ``(C,)`` is how far
    each point of the path is from the plane."""

    kind: str
    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    path: np.ndarray
    explained: np.ndarray | None
    leaves: np.ndarray


@dataclass(frozen=True)
class Training:
    """What K networks did, ready to draw.

    Attributes:
        network: the problem; setup: what was trained.
        trajectory: ``optimizers.run``'s result, points ``(K, steps + 1, P)``.
        curve_steps: ``(C,)`` the steps of the loss curves; train_loss, test_loss: ``(K, C)``.
        frames: ``(F,)`` the snapshot steps.
        grid: the prediction at each snapshot: two inputs ``(xs (G,), ys (G,), p (K, F, G, G))``
            (P(class 1)), one input ``(xs (G,), fit (K, F, G))``, a recommender
            ``(U Vᵀ (K, F, users, items),)``.
        (A recommender's test loss is the mean squared error of U Vᵀ on the unknown entries against
        the noiseless tastes R*: how well it guesses the ratings nobody gave.)
        planes: the random and PCA planes of network 0 (``None`` if it diverged).
        interpolation: ``(ts, loss)`` from its initial to its final weights, or ``None``.
    """

    network: Network | Recommender
    setup: Setup
    trajectory: optimizers.Trajectory
    curve_steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    frames: np.ndarray
    grid: tuple
    planes: tuple[Plane, ...] | None
    interpolation: tuple[np.ndarray, np.ndarray] | None

    @property
    def diverged_at(self) -> np.ndarray:
        return np.asarray(self.trajectory.diverged_at)


def snapshot_steps(steps: int, frames: int = FRAMES) -> np.ndarray:
    """At most ``frames`` steps from 0 to ``steps`` (every step if there are few), denser early on,
    where a network changes most: the square of an even spacing."""
    if steps + 1 <= frames:
        return np.arange(steps + 1)
    return np.unique(np.rint(np.linspace(0.0, 1.0, frames) ** 2 * steps).astype(int))


def state_points(steps: int) -> np.ndarray:
    """The points whose optimizer state a training keeps (``optimizers.run``'s ``record_state``):
    each snapshot's next point, the state its step made (the step inspector shows it; the last
    snapshot has no step); the memory of < ``FRAMES`` states, not of every step's."""
    frames = snapshot_steps(steps)
    return frames[frames < steps] + 1


def train(setup: Setup) -> Training:
    """Train ``len(setup.lrs)`` networks from the same initial weights, one learning rate each."""
    net, trajectory = run(setup)
    return summarise(setup, net, trajectory)


def run(setup: Setup) -> tuple[Network, optimizers.Trajectory]:
    """The network of ``setup`` and its K trainings (refused first if they would take too long)."""
    net = setup.network()
    check_work(setup, net.n_params)
    check_seconds(setup, net)
    k = len(setup.lrs)
    trajectory = optimizers.run(
        net, setup.optimizer, start=np.tile(net.init(setup.init_seed), (k, 1)), steps=setup.steps,
        lr=list(setup.lrs), record_state=list(state_points(setup.steps)) or False,
        **setup.options, **setup.hyperparameters,
    )  # fmt: skip
    return net, trajectory


def curve_steps_of(steps: int) -> np.ndarray:
    """The steps of the loss curves (and of the path the planes are made of): ≤ ``CURVE_POINTS``."""
    return np.unique(np.linspace(0, steps, CURVE_POINTS).astype(int))


def summarise(setup: Setup, net: Network, trajectory: optimizers.Trajectory) -> Training:
    """What the view draws of ``trajectory`` (K runs of ``net``): losses, snapshots, planes."""
    points = trajectory.points  # (K, steps + 1, P)
    steps = points.shape[1] - 1
    curve_steps = curve_steps_of(steps)
    train_loss = trajectory.losses[:, curve_steps]
    test_loss = test_losses(net, points[:, curve_steps])
    frames = snapshot_steps(steps)
    grid = _grid(net, points[:, frames])
    planes, line = None, None
    if trajectory.diverged_at[0] < 0:
        path = points[0, curve_steps]  # ≤ CURVE_POINTS points, the final weights last
        planes = (random_plane(net, path), pca_plane(net, path))
        ts = np.linspace(-0.5, 1.5, 81)
        line = (ts, slices.interpolation(net, path[0], path[-1], ts))
    return Training(net, setup, trajectory, curve_steps, train_loss, test_loss, frames, grid, planes, line)


def test_value(problem, params: np.ndarray) -> np.ndarray:
    """The test loss at ``params`` ``(K, P)``: a network's on its test points, a recommender's mean
    squared error on the unknown entries against the true tastes (NaN if every entry is known)."""
    if isinstance(problem, Recommender):
        return problem.unknown_error(params) ** 2
    return problem.test_value(params)


def test_losses(net, points: np.ndarray) -> np.ndarray:
    """The test loss at ``points`` ``(K, C, P)``: ``(K, C)``, NaN where a run had diverged."""
    k, c, p = points.shape
    flat = points.reshape(k * c, p)
    out = np.full(k * c, np.nan)
    ok = np.isfinite(flat).all(axis=1)
    if ok.any():
        with np.errstate(all="ignore"):
            out[ok] = test_value(net, flat[ok])
    return out.reshape(k, c)


def _grid(net, points: np.ndarray) -> tuple:
    """The prediction over the input window (a recommender's U Vᵀ) for every snapshot ``points``
    ``(K, F, P)``."""
    k, f, p = points.shape
    flat = np.nan_to_num(points.reshape(k * f, p), nan=0.0)  # a diverged snapshot shows as blank below
    bad = ~np.isfinite(points.reshape(k * f, p)).all(axis=1)
    with np.errstate(all="ignore"):
        if isinstance(net, Recommender):
            axes, values = (), net.reconstruction(flat)
        else:
            *axes, values = net.prediction_grid(flat, n=GRID)
    values = np.array(values, dtype=np.float64)
    values[bad] = np.nan
    return (*axes, values.reshape(k, f, *values.shape[1:]))


def _drawn(net):
    """The loss a plane's picture is drawn with: the problem's single-precision one if it has one
    (``Network.drawn_value``: relative error ~2e-6, ~4× faster here), else its own."""
    return getattr(net, "drawn_value", net.value)


def random_plane(net: Network, path: np.ndarray, seed: int = 0, span: float = 1.0) -> Plane:
    """Li et al.'s plane through the final weights along two filter-normalised random directions,
    over [−span, span]², wide enough to hold the path's shadow."""
    centre = path[-1]
    d1, d2 = slices.random_directions(net, centre, seed)
    shadow = slices.project(path, centre, d1, d2)
    (x0, x1), (y0, y1) = random_window(shadow, span)
    xs, ys = np.linspace(x0, x1, PLANE_GRID), np.linspace(y0, y1, PLANE_GRID)
    z = slices.plane(net, centre, d1, d2, xs, ys, value=_drawn(net))
    return Plane("random", xs, ys, z, shadow, None, slices.distance_from_plane(path, centre, d1, d2))


def random_window(shadow: np.ndarray, span: float = 1.0) -> tuple:
    """The random plane's window: [−r, r]², r the larger of ``span`` and 1.15 × the path's reach."""
    reach = max(span, 1.15 * float(np.max(np.abs(shadow))))
    return ((-reach, reach), (-reach, reach))


def pca_plane(net: Network, path: np.ndarray, margin: float = 0.25) -> Plane:
    """The plane of the path's two principal directions, over the path's extent and a margin."""
    pca = slices.pca_plane(path)
    (x0, x1), (y0, y1) = pca_window(pca.coords, margin)
    xs, ys = np.linspace(x0, x1, PLANE_GRID), np.linspace(y0, y1, PLANE_GRID)
    z = slices.plane(net, pca.centre, *pca.directions, xs, ys, value=_drawn(net))
    leaves = slices.distance_from_plane(path, pca.centre, *pca.directions)
    return Plane("pca", xs, ys, z, pca.coords, pca.explained, leaves)


def pca_window(coords: np.ndarray, margin: float = 0.25) -> tuple:
    """The PCA plane's window: the path's extent ``coords (C, 2)`` and ``margin`` of it each side."""
    low, high = coords.min(axis=0), coords.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-6)
    return tuple((float(lo - p), float(hi + p)) for lo, hi, p in zip(low, high, pad, strict=True))
