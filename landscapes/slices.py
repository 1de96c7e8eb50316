"""Low-dimensional slices of a P-parameter loss: planes, principal directions of a path, interpolation.

A network's loss lives in P dimensions; these functions look at it through a plane (or a line) of
parameter space and return plain arrays (the figures are drawn elsewhere):

- ``random_directions``: two filter-normalised random directions (Li et al., "Visualizing the Loss
  Landscape of Neural Nets", NeurIPS 2018, §4): a Gaussian direction whose every row of every weight
  matrix (a neuron's incoming weights; for a recommender a user's or an item's factors) is rescaled to
  the norm of that row in the weights, dᵢ ← dᵢ ‖wᵢ‖ / ‖dᵢ‖, and whose biases are 0;
- ``plane``: the loss L(w + α d₁ + β d₂) on a grid of (α, β), evaluated as K networks at once in chunks;
- ``pca_plane``: the plane of a training path's two principal directions (the SVD of path − final
  weights, as Li et al. §7), with the share of variance each explains and the path's coordinates;
- ``project`` and ``distance_from_plane``: where any path sits in any plane, and how far it leaves it;
- ``interpolation``: the loss along the line (1 − t) w₀ + t w₁ (Goodfellow, Vinyals & Saxe, "Qualitatively
  characterizing neural network optimization problems", ICLR 2015);
- ``PlaneSurface``: a plane as a 2-D ``Landscape``, so every 2-D tool works on a slice of a real network.

A problem here is anything with ``n_params``, ``value(params (K, P)) -> (K,)`` and (for gradients)
``value_and_gradient``; filter normalisation also needs ``matrices``, the ``(offset, rows, cols)`` of
every weight matrix in the flat parameter vector (``landscapes.network`` and ``recommender`` have it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from landscapes.base import Bounds, Landscape, as_arrays

#: Elements of the widest (networks, examples, width) temporary a chunk of a plane may make (≈ 8 MB).
CHUNK_ELEMENTS = 1 << 20


# --- directions -----------------------------------------------------------------------------------


def filter_normalize(problem, weights, direction):
    """``direction`` ``(P,)`` with each weight-matrix row scaled to that row's norm in ``weights``, biases 0.

    Row i of a matrix becomes dᵢ ‖wᵢ‖ / ‖dᵢ‖ (a zero row of either stays zero); every parameter
    outside ``problem.matrices`` (the biases) is set to 0.
    """
    weights = _vector(weights, problem.n_params, "weights")
    direction = _vector(direction, problem.n_params, "direction")
    out = np.zeros(problem.n_params)
    for offset, rows, cols in _matrices(problem):
        block = slice(offset, offset + rows * cols)
        w = weights[block].reshape(rows, cols)
        d = direction[block].reshape(rows, cols)
        w_norm = np.linalg.norm(w, axis=1, keepdims=True)
        d_norm = np.linalg.norm(d, axis=1, keepdims=True)
        scale = np.divide(w_norm, d_norm, out=np.zeros_like(d_norm), where=d_norm > 0)
        out[block] = (d * scale).ravel()
    return out


def random_directions(problem, weights, seed: int = 0):
    """Two filter-normalised Gaussian directions around ``weights`` ``(P,)``: ``(2, P)``.

    Both come from ``numpy.random.default_rng(seed)`` (d₁ first), so a seed names a plane.
    """
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((2, problem.n_params))
    return np.stack([filter_normalize(problem, weights, d) for d in raw])


# --- planes ---------------------------------------------------------------------------------------


def plane(problem, centre, d1, d2, alphas, betas, value=None, chunk: int | None = None):
    """The loss on a grid through ``centre`` along ``d1`` and ``d2``: ``(len(betas), len(alphas))``.

    z[i, j] = L(centre + alphas[j] d1 + betas[i] d2): rows follow β, as a contour plot expects (and
    as ``Landscape.grid``). ``value`` is the loss to evaluate (default ``problem.value``, the training
    loss; ``problem.test_value`` for the test loss). The grid is evaluated as networks in chunks of
    ``chunk`` (default: as many as keep each temporary under ``CHUNK_ELEMENTS`` numbers).
    """
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    betas = np.asarray(betas, dtype=np.float64).ravel()
    a, b = np.meshgrid(alphas, betas)
    coords = np.column_stack([a.ravel(), b.ravel()])
    z = evaluate(problem, centre, np.stack([d1, d2]), coords, value=value, chunk=chunk)
    return z.reshape(betas.size, alphas.size)


def evaluate(problem, centre, directions, coords, value=None, chunk: int | None = None):
    """L(centre + coords @ directions) for ``coords`` ``(M, m)`` and ``directions`` ``(m, P)``: ``(M,)``."""
    centre, directions, coords = _plane_arrays(problem, centre, directions, coords)
    value = problem.value if value is None else value
    chunk = default_chunk(problem) if chunk is None else int(chunk)
    out = np.empty(coords.shape[0])
    for lo in range(0, coords.shape[0], chunk):
        hi = min(lo + chunk, coords.shape[0])
        out[lo:hi] = value(centre + coords[lo:hi] @ directions)
    return out


def evaluate_with_gradient(problem, centre, directions, coords, chunk: int | None = None):
    """(L ``(M,)``, its gradient in the plane's coordinates ``(M, m)``: ∂L/∂cᵢ = ∇L · dᵢ)."""
    centre, directions, coords = _plane_arrays(problem, centre, directions, coords)
    chunk = default_chunk(problem) if chunk is None else int(chunk)
    loss = np.empty(coords.shape[0])
    grad = np.empty(coords.shape)
    for lo in range(0, coords.shape[0], chunk):
        hi = min(lo + chunk, coords.shape[0])
        loss[lo:hi], g = problem.value_and_gradient(centre + coords[lo:hi] @ directions)
        grad[lo:hi] = g @ directions.T
    return loss, grad


def default_chunk(problem) -> int:
    """Networks per chunk: about ``CHUNK_ELEMENTS`` numbers in the widest (K, N, width) temporary."""
    width = max(getattr(problem, "sizes", (1,)))
    examples = getattr(problem, "n_examples", 1)
    return max(16, CHUNK_ELEMENTS // max(1, examples * width))


# --- paths ----------------------------------------------------------------------------------------


class PCAPlane(NamedTuple):
    """The plane of a path's two principal directions.

    Attributes:
        centre: ``(P,)`` the path's last point (the final weights): the plane's origin.
        directions: ``(2, P)`` orthonormal, the top two right singular vectors of path − centre,
            signed so that the path's first point has coordinates ≤ 0.
        explained: ``(2,)`` the share of Σ‖pathₖ − centre‖² each direction explains (sums to ≤ 1).
        coords: ``(K, 2)`` the path's coordinates in the plane.
    """

    centre: np.ndarray
    directions: np.ndarray
    explained: np.ndarray
    coords: np.ndarray


def pca_plane(path) -> PCAPlane:
    """The PCA plane of ``path`` ``(K, P)`` (K ≥ 2 points, the final one last), after Li et al. §7."""
    path = np.asarray(path, dtype=np.float64)
    if path.ndim != 2 or path.shape[0] < 2 or path.shape[1] < 2:
        raise ValueError(f"path must be (K, P) with K ≥ 2 points and P ≥ 2, got shape {path.shape}")
    if not np.isfinite(path).all():
        raise ValueError("path must be finite (a diverged run has no principal directions)")
    centre = path[-1].copy()
    offsets = path - centre
    _, s, vt = np.linalg.svd(offsets, full_matrices=False)
    directions = vt[:2].copy()
    total = np.sum(s * s)
    explained = (s[:2] ** 2 / total) if total > 0 else np.zeros(2)
    coords = offsets @ directions.T
    flip = coords[0] > 0
    directions[flip] *= -1.0
    coords[:, flip] *= -1.0
    return PCAPlane(centre, directions, explained, coords)


def project(path, centre, d1, d2):
    """Coordinates ``(K, 2)`` of the points of ``path`` ``(K, P)`` in the plane centre + α d1 + β d2.

    The least-squares (α, β) of each point: the orthogonal projection onto the plane, for directions
    that need not be orthogonal or of unit length (filter-normalised ones are neither).
    """
    path = np.atleast_2d(np.asarray(path, dtype=np.float64))
    directions = np.stack([d1, d2]).astype(np.float64)
    gram = directions @ directions.T
    return np.linalg.solve(gram, directions @ (path - centre).T).T


def distance_from_plane(path, centre, d1, d2):
    """``(K,)``: how far each point of ``path`` is from the plane (0 for a point in it)."""
    path = np.atleast_2d(np.asarray(path, dtype=np.float64))
    coords = project(path, centre, d1, d2)
    return np.linalg.norm(path - centre - coords @ np.stack([d1, d2]), axis=1)


def interpolation(problem, w0, w1, ts=None, value=None):
    """L((1 − t) w0 + t w1) for each t of ``ts`` (default 101 points on [−0.5, 1.5]): ``(len(ts),)``.

    t = 0 is ``w0`` (the initial weights), t = 1 ``w1`` (the final ones): Goodfellow et al.'s test of
    whether the straight line between them runs downhill.
    """
    ts = np.linspace(-0.5, 1.5, 101) if ts is None else np.asarray(ts, dtype=np.float64).ravel()
    w0 = _vector(w0, problem.n_params, "w0")
    w1 = _vector(w1, problem.n_params, "w1")
    return evaluate(problem, w0, (w1 - w0)[None, :], ts[:, None], value=value)


# --- a plane as a 2-D surface ---------------------------------------------------------------------


class PlaneSurface(Landscape):
    """A plane of a P-parameter problem as a 2-D ``Landscape``: L(x, y) = L(w + x d₁ + y d₂).

    The gradient is the chain rule, (∇L · d₁, ∇L · d₂), at K points at once; the Hessian is central
    differences of that gradient (step ``hessian_step`` in x and y). It is built at run time from a
    problem (a network, a recommender) and is not in the registry (tests/test_registries.py lists it
    among the wrappers).

    Attributes (besides ``Landscape``'s): problem, centre ``(P,)``, directions ``(2, P)``.
    """

    def __init__(
        self,
        problem,
        centre,
        d1,
        d2,
        bounds: Bounds = ((-1.0, 1.0), (-1.0, 1.0)),
        start=None,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        chunk: int | None = None,
    ):
        self.problem = problem
        self.centre = _vector(centre, problem.n_params, "centre").copy()
        self.directions = np.stack(
            [_vector(d1, problem.n_params, "d1"), _vector(d2, problem.n_params, "d2")]
        ).copy()
        self.bounds = tuple(tuple(float(v) for v in axis) for axis in bounds)
        (x0, x1), (y0, y1) = self.bounds
        if not (x0 < x1 and y0 < y1):
            raise ValueError(f"bounds must be ((xmin, xmax), (ymin, ymax)) with min < max, got {bounds!r}")
        self.start = (0.5 * (x0 + x1), 0.5 * (y0 + y1)) if start is None else tuple(map(float, start))
        self.name = name or f"{problem.name}_plane"
        self.title = title or f"A plane through the {_title(problem)}"
        self.formula = "L(w + x·d₁ + y·d₂)"
        self.description = description or (
            f"A 2-D slice of the {problem.n_params}-dimensional loss: the loss at w + x·d₁ + y·d₂. "
            "A run in this plane stays in it; a run of the full problem leaves it."
        )
        self.hessian_step = 1e-4 * max(x1 - x0, y1 - y0)
        self._chunk = chunk

    def value(self, x, y):
        x, y = as_arrays(x, y)
        coords = np.column_stack([x.ravel(), y.ravel()])
        return evaluate(self.problem, self.centre, self.directions, coords, chunk=self._chunk).reshape(
            x.shape
        )

    def value_and_gradient(self, x, y):
        x, y = as_arrays(x, y)
        coords = np.column_stack([x.ravel(), y.ravel()])
        loss, grad = evaluate_with_gradient(self.problem, self.centre, self.directions, coords, self._chunk)
        return loss.reshape(x.shape), (grad[:, 0].reshape(x.shape), grad[:, 1].reshape(x.shape))

    def gradient(self, x, y):
        return self.value_and_gradient(x, y)[1]

    def hessian(self, x, y):
        x, y = as_arrays(x, y)
        h = self.hessian_step
        (gxx_p, gxy_p), (gxx_m, gxy_m) = self.gradient(x + h, y), self.gradient(x - h, y)
        (gyx_p, gyy_p), (gyx_m, gyy_m) = self.gradient(x, y + h), self.gradient(x, y - h)
        hxx = (gxx_p - gxx_m) / (2 * h)
        hyy = (gyy_p - gyy_m) / (2 * h)
        hxy = 0.5 * ((gxy_p - gxy_m) + (gyx_p - gyx_m)) / (2 * h)
        return hxx, hxy, hyy


class SampledPlane(Landscape):
    """A plane of a P-parameter problem as a cheap 2-D surface: the exact loss and gradient of the
    plane (``PlaneSurface``) at the nodes of an ``n × n`` grid over its window, joined in each cell by
    the bicubic Hermite patch that matches the value, both slopes and the cross slope at its four
    corners (the cross slope from central differences of the exact slopes).

    Exact at the nodes (value and gradient), C¹ everywhere, O(h⁴) from the plane between the nodes;
    a contour image of 640 × 640 points costs what 640² cubic polynomials cost, not 640² networks.
    Outside the window the border cells' patches go on (an extrapolation: the network is not
    evaluated there). Value, gradient and Hessian are those of one piecewise polynomial, so they agree
    with each other everywhere.

    Attributes (besides ``Landscape``'s): problem, centre ``(P,)``, directions ``(2, P)``, xs ``(n,)``,
    ys ``(n,)``, nodes ``(n, n)`` (the exact loss at the nodes, rows following y).
    """

    def __init__(self, problem, centre, d1, d2, bounds: Bounds, n: int = 31, start=None, **names):
        if not 2 <= int(n) <= 201:
            raise ValueError(f"a sampled plane needs 2 to 201 nodes a side, got {n}")
        exact = PlaneSurface(problem, centre, d1, d2, bounds=bounds, start=start, **names)
        for key in ("problem", "centre", "directions", "bounds", "start", "name", "title", "formula"):
            setattr(self, key, getattr(exact, key))
        self.description = names.get("description") or (
            f"A 2-D slice of the {problem.n_params}-dimensional loss, L(w + x·d₁ + y·d₂), computed "
            f"exactly at {n} × {n} points of this window and smoothly joined between them. A run in "
            "this plane stays in it; the network's own training leaves it."
        )
        (x0, x1), (y0, y1) = self.bounds
        self.xs, self.ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        self._steps = (self.xs[1] - self.xs[0], self.ys[1] - self.ys[0])
        nodes, (gx, gy) = exact.value_and_gradient(*np.meshgrid(self.xs, self.ys))
        self.nodes = nodes
        gxy = 0.5 * (np.gradient(gx, self.ys, axis=0) + np.gradient(gy, self.xs, axis=1))
        self._cells = _hermite_cells(nodes, gx, gy, gxy, *self._steps)

    def _patch(self, x, y, dx: int, dy: int):
        """∂^(dx + dy) / ∂x^dx ∂y^dy of the surface at (x, y) (each derivative order 0, 1 or 2)."""
        x, y = as_arrays(x, y)
        shape = x.shape
        x, y = x.ravel(), y.ravel()
        ok = np.isfinite(x) & np.isfinite(y)
        hx, hy = self._steps
        n = self.xs.size
        with np.errstate(all="ignore"):
            sx = np.where(ok, (x - self.xs[0]) / hx, 0.0)
            sy = np.where(ok, (y - self.ys[0]) / hy, 0.0)
            j = np.clip(np.floor(np.clip(sx, -1.0, n)), 0, n - 2).astype(np.intp)
            i = np.clip(np.floor(np.clip(sy, -1.0, n)), 0, n - 2).astype(np.intp)
            t, u = _powers(sx - j, dx) / hx**dx, _powers(sy - i, dy) / hy**dy
            out = np.einsum("mk,mkl,ml->m", t, self._cells[i, j], u)
        out[~ok] = np.nan
        return out.reshape(shape)

    def value(self, x, y):
        return self._patch(x, y, 0, 0)

    def gradient(self, x, y):
        return self._patch(x, y, 1, 0), self._patch(x, y, 0, 1)

    def hessian(self, x, y):
        return self._patch(x, y, 2, 0), self._patch(x, y, 1, 1), self._patch(x, y, 0, 2)


#: The cubic Hermite basis: p(t) = [1, t, t², t³] · HERMITE · [p(0), p(1), p′(0), p′(1)].
HERMITE = np.array([[1.0, 0, 0, 0], [0, 0, 1, 0], [-3, 3, -2, -1], [2, -2, 1, 1]])


def _hermite_cells(f, fx, fy, fxy, hx, hy):
    """Each cell's bicubic coefficients ``(n − 1, n − 1, 4, 4)``: p(t, u) = Σ a[k, l] tᵏ uˡ with t, u in
    [0, 1] across the cell, from the nodes' values and slopes ``(n, n)`` (rows following y)."""

    def corners(a):  # [t][u]: t = 0 on the cell's left column, u = 0 on its lower row
        return np.stack([np.stack([a[:-1, :-1], a[1:, :-1]], -1), np.stack([a[:-1, 1:], a[1:, 1:]], -1)], -2)

    value, slope_t, slope_u, cross = corners(f), corners(fx * hx), corners(fy * hy), corners(fxy * hx * hy)
    top = np.concatenate([value, slope_u], axis=-1)  # rows: t = 0, 1; columns: u = 0, 1, ∂u at 0, 1
    bottom = np.concatenate([slope_t, cross], axis=-1)  # the same, differentiated in t
    return HERMITE @ np.concatenate([top, bottom], axis=-2) @ HERMITE.T


def _powers(t, order: int):
    """``(M, 4)``: the ``order``-th derivative of [1, t, t², t³] at each t."""
    one, zero = np.ones_like(t), np.zeros_like(t)
    rows = {
        0: (one, t, t * t, t * t * t),
        1: (zero, one, 2 * t, 3 * t * t),
        2: (zero, zero, 2 * one, 6 * t),
    }[order]
    return np.stack(rows, axis=-1)


def random_plane_surface(problem, weights, seed: int = 0, span: float = 1.0, **options) -> PlaneSurface:
    """The Li et al. plane through ``weights`` along ``random_directions(seed)``, over [−span, span]²."""
    d1, d2 = random_directions(problem, weights, seed)
    options.setdefault("name", f"{problem.name}_random_plane_{seed}")
    options.setdefault("title", f"Random plane {seed} (filter-normalised) of the {_title(problem)}")
    return PlaneSurface(problem, weights, d1, d2, bounds=((-span, span), (-span, span)), **options)


def pca_plane_surface(problem, path, margin: float = 0.25, **options) -> PlaneSurface:
    """The PCA plane of ``path`` as a surface, its window the path's extent plus ``margin`` on each side.

    The default start is the path's first point in the plane.
    """
    pca = pca_plane(path)
    low, high = pca.coords.min(axis=0), pca.coords.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-12)
    bounds = tuple((float(lo - p), float(hi + p)) for lo, hi, p in zip(low, high, pad, strict=True))
    options.setdefault("start", tuple(float(c) for c in pca.coords[0]))
    options.setdefault("name", f"{problem.name}_pca_plane")
    first, second = 100 * pca.explained
    options.setdefault(
        "title", f"PCA plane of the path ({first:.0f} % + {second:.0f} % of its variance), {_title(problem)}"
    )
    return PlaneSurface(problem, pca.centre, *pca.directions, bounds=bounds, **options)


def _title(problem) -> str:
    return getattr(problem, "title", problem.name)


# --- helpers --------------------------------------------------------------------------------------


def _vector(v, n: int, what: str):
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (n,):
        raise ValueError(f"{what} must be ({n},), one value per parameter, got shape {v.shape}")
    return v


def _matrices(problem):
    matrices = getattr(problem, "matrices", None)
    if matrices is None:
        raise ValueError(
            f"{getattr(problem, 'name', problem)!r} has no weight matrices (a `matrices` attribute) "
            "to filter-normalise"
        )
    return matrices


def _plane_arrays(problem, centre, directions, coords):
    centre = _vector(centre, problem.n_params, "centre")
    directions = np.atleast_2d(np.asarray(directions, dtype=np.float64))
    coords = np.asarray(coords, dtype=np.float64).reshape(-1, directions.shape[0])
    if directions.shape[1] != problem.n_params:
        raise ValueError(f"directions must be (m, {problem.n_params}), got shape {directions.shape}")
    return centre, directions, coords
