"""A recommender as a P-parameter problem: factorise a small rating matrix with missing entries as U Vᵀ.

``landscapes.recommender(users=8, items=10, rank=2)`` makes a rating matrix R (users × items) from
hidden tastes, R* = U* V*ᵀ with U*, V* entries N(0, 1/√rank) (so R* entries have variance 1), plus
N(0, noise²) noise, and keeps a random share ``density`` of its entries (every user and every item
keeps at least one). The ratings are centred scores (> 0: likes, < 0: dislikes), not stars: the model
has no bias terms. The model predicts r̂ᵢⱼ = uᵢ · vⱼ, with parameters U (users × rank) then V
(items × rank), each row-major, and trains on the known entries Ω:

    L(U, V) = (1/|Ω|) Σ_{(i,j) ∈ Ω} (uᵢ · vⱼ − rᵢⱼ)²  +  l2 (‖U‖² + ‖V‖²)

    ∂L/∂U = (2/|Ω|) E V + 2 l2 U,   ∂L/∂V = (2/|Ω|) Eᵀ U + 2 l2 V,   E = mask ⊙ (U Vᵀ − R)

A mini-batch is a set of known entries (``n_examples`` = |Ω|, examples in row-major order of the
matrix); the L2 term belongs to every batch in full. Everything is vectorised over K parameter vectors.
"""

from __future__ import annotations

import numpy as np

from landscapes import datasets

MAX_SIDE = 50
MAX_RANK = 8


class Recommender:
    """Matrix factorisation of a generated rating matrix (see the module docstring).

    Attributes:
        name, title, settings: a key, what a UI shows, the arguments that rebuild it.
        users, items, rank: the shapes; n_params: P = (users + items) · rank.
        ratings: ``(users, items)`` with NaN where unknown; mask: ``(users, items)`` bool, True where known.
        truth: ``(users, items)`` the noiseless R* = U* V*ᵀ, the known and the unknown entries.
        rows, cols: ``(|Ω|,)`` the known entries' positions (the examples), row-major order.
        matrices: ``(offset, rows, cols)`` of U and V in the parameter vector (each user's and each
            item's factor vector is a row: what filter normalisation scales).
    """

    def __init__(self, users=8, items=10, rank=2, density=0.5, noise=0.1, l2=0.0, seed=0):
        self.users = _side(users, "users")
        self.items = _side(items, "items")
        self.rank = _check(rank, "rank", 1, MAX_RANK)
        density = _unit(density, "density")
        noise = datasets._noise(noise)
        self.l2 = _nonnegative(l2, "l2")
        seed = datasets._whole(seed, "seed", 0)
        self.settings = dict(
            users=self.users, items=self.items, rank=self.rank, density=density, noise=noise, l2=self.l2,
            seed=seed,
        )  # fmt: skip
        rng = np.random.default_rng(seed)
        scale = self.rank**-0.25
        true_u = scale * rng.standard_normal((self.users, self.rank))
        true_v = scale * rng.standard_normal((self.items, self.rank))
        self.truth = true_u @ true_v.T
        observed = self.truth + noise * rng.standard_normal(self.truth.shape)
        self.mask = _known(rng, self.users, self.items, density)
        self.ratings = np.where(self.mask, observed, np.nan)
        self.rows, self.cols = np.nonzero(self.mask)
        self.n_examples = self.rows.size
        self._filled = np.where(self.mask, observed, 0.0)
        self.n_params = (self.users + self.items) * self.rank
        self.matrices = ((0, self.users, self.rank), (self.users * self.rank, self.items, self.rank))
        self.name = f"recommender_{self.users}x{self.items}_rank{self.rank}"
        self.title = f"Recommender: {self.users} users × {self.items} items, rank {self.rank}"

    def __repr__(self) -> str:
        return f"Recommender({', '.join(f'{k}={v!r}' for k, v in self.settings.items())})"

    def factors(self, params):
        """``(U (K, users, rank), V (K, items, rank))``, views into ``params`` ``(K, P)``."""
        params = np.asarray(params, dtype=np.float64)
        k, split = params.shape[0], self.users * self.rank
        return (
            params[:, :split].reshape(k, self.users, self.rank),
            params[:, split:].reshape(k, self.items, self.rank),
        )

    def reconstruction(self, params):
        """The predicted ratings U Vᵀ: ``(K, P)`` -> ``(K, users, items)``, ``(P,)`` -> ``(users, items)``."""
        params, one = self._check_params(params)
        u, v = self.factors(params)
        full = np.matmul(u, v.transpose(0, 2, 1))
        return full[0] if one else full

    def unknown_error(self, params):
        """How well the factors guess the ratings nobody gave: the RMSE of U Vᵀ against the noiseless
        R* on the unknown entries, ``(K,)`` (NaN when every entry is known)."""
        params, one = self._check_params(params)
        unknown = ~self.mask
        if not unknown.any():
            error = np.full(params.shape[0], np.nan)
        else:
            residual = self.reconstruction(params) - self.truth
            error = np.sqrt(np.mean(residual[:, unknown] ** 2, axis=-1))
        return error[0] if one else error

    def value(self, params):
        """``(K, P)`` -> L ``(K,)`` over every known entry."""
        params, one = self._check_params(params)
        u, v = self.factors(params)
        residual = np.matmul(u, v.transpose(0, 2, 1)) - self._filled
        loss = np.sum((self.mask / self.n_examples) * residual * residual, axis=(1, 2))
        if self.l2:
            loss = loss + self.l2 * np.sum(params * params, axis=1)
        return loss[0] if one else loss

    def value_and_gradient(self, params):
        """``(K, P)`` -> (L ``(K,)``, ∇L ``(K, P)``), over every known entry."""
        params, one = self._check_params(params)
        weights = self.mask / self.n_examples
        loss, grad = self._loss_and_gradient(params, weights)
        return (loss[0], grad[0]) if one else (loss, grad)

    def batch_gradient(self, params, idx):
        """``(K, P)``, idx ``(K, B)`` indices of known entries -> the gradient over each batch ``(K, P)``."""
        params, one = self._check_params(params)
        idx = np.asarray(idx)
        if idx.ndim == 1 and params.shape[0] == 1:
            idx = idx[None, :]
        if (
            idx.ndim != 2
            or idx.shape[0] != params.shape[0]
            or idx.shape[1] == 0
            or idx.dtype.kind not in "iu"
        ):
            raise ValueError(f"idx must be (K, B) whole numbers with K = {params.shape[0]}, got {idx.shape}")
        if idx.min() < 0 or idx.max() >= self.n_examples:
            raise ValueError(f"idx must be known-entry indices, 0 ≤ idx < {self.n_examples}")
        k = params.shape[0]
        weights = np.zeros((k, self.users * self.items))
        flat = (self.rows * self.items + self.cols)[idx]
        np.add.at(weights, (np.arange(k)[:, None], flat), 1.0 / idx.shape[1])  # a repeated entry counts twice
        _, grad = self._loss_and_gradient(params, weights.reshape(k, self.users, self.items))
        return grad[0] if one else grad

    def init(self, seed: int = 0):
        """``(P,)`` small random factors, N(0, 0.3²) from ``default_rng(seed)``: near the saddle at 0."""
        rng = np.random.default_rng(datasets._whole(seed, "seed", 0))
        return 0.3 * rng.standard_normal(self.n_params)

    def _loss_and_gradient(self, params, weights):
        """Weighted squared errors; ``weights`` ``(users, items)`` or ``(K, users, items)``, sum 1 per run."""
        u, v = self.factors(params)
        residual = np.matmul(u, v.transpose(0, 2, 1)) - self._filled
        weighted = weights * residual
        loss = np.sum(weighted * residual, axis=(1, 2))
        grad_u = 2.0 * np.matmul(weighted, v)
        grad_v = 2.0 * np.matmul(weighted.transpose(0, 2, 1), u)
        grad = np.concatenate([grad_u.reshape(len(params), -1), grad_v.reshape(len(params), -1)], axis=1)
        if self.l2:
            loss = loss + self.l2 * np.sum(params * params, axis=1)
            grad += 2.0 * self.l2 * params
        return loss, grad

    def _check_params(self, params):
        params = np.asarray(params, dtype=np.float64)
        if params.ndim == 1 and params.shape[0] == self.n_params:
            return params[None, :], True
        if params.ndim != 2 or params.shape[1] != self.n_params or params.shape[0] == 0:
            raise ValueError(
                f"params must be (P,) or (K, P) with P = {self.n_params} for {self.name}, "
                f"got shape {params.shape}"
            )
        return params, False


def recommender(users=8, items=10, rank=2, density=0.5, noise=0.1, l2=0.0, seed=0) -> Recommender:
    """A generated rating matrix to factorise as U Vᵀ, as a P-parameter problem (see ``Recommender``).

    Args:
        users, items: the matrix's shape, each 2 to 50.
        rank: the factors' width (the true tastes have the same rank), 1 to 8.
        density: the share of entries known, 0 < density ≤ 1 (each user and item keeps one at least).
        noise: the standard deviation of the noise on the known ratings.
        l2: the weight of the L2 penalty l2 (‖U‖² + ‖V‖²), ≥ 0.
        seed: the data's seed.

    Raises:
        ValueError: a setting outside its range, with the range.
    """
    return Recommender(users, items, rank, density, noise, l2, seed)


def _known(rng, users, items, density):
    """A random mask with about ``density`` of the entries, each row and column keeping one at least."""
    mask = rng.random((users, items)) < density
    mask[np.arange(users), rng.integers(0, items, users)] = True
    mask[rng.integers(0, users, items), np.arange(items)] = True
    return mask


def _check(value, what, low, high) -> int:
    value = datasets._whole(value, what, low)
    if value > high:
        raise ValueError(f"Invalid {what}: {value!r} (a whole number, {low} ≤ {what} ≤ {high})")
    return value


def _side(value, what):
    try:
        return _check(value, what, 2, MAX_SIDE)
    except ValueError:
        raise ValueError(f"Invalid {what}: {value!r} (a whole number, 2 ≤ {what} ≤ {MAX_SIDE})") from None


def _unit(value, what) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 < value <= 1:
        raise ValueError(f"Invalid {what}: {value!r} (0 < {what} ≤ 1)")
    return float(value)


def _nonnegative(value, what) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 <= value < np.inf:
        raise ValueError(f"Invalid {what}: {value!r} (a finite number ≥ 0)")
    return float(value)
