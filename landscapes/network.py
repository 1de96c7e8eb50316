"""Small neural networks on generated data, as P-parameter problems (``landscapes/problem.py``'s protocol).

``landscapes.network(data="moons", hidden=(16, 16), activation="tanh")`` is a multilayer perceptron
``d → h₁ → … → 1`` (d = 2 inputs, or 1 for the ``curve`` data set) with 1–3 hidden layers of width
≤ 32, the same activation after each hidden layer and none after the output. Its P parameters are laid
out as torch lays out an ``nn.Sequential`` of ``nn.Linear`` layers (``parameters_to_vector``): each
layer's weight, shape (out, in), row-major, then its bias. The loss over N examples is torch's

- classification (targets 0 / 1), ``BCEWithLogitsLoss()`` of the output logit z:
  ℓ = max(z, 0) − z t + log(1 + e^−|z|),  ∂ℓ/∂z = σ(z) − t;
- regression, ``MSELoss()``: ℓ = (z − t)²,  ∂ℓ/∂z = 2 (z − t);

each the mean over the examples, so a torch model loaded with the same numbers gives the same loss and
gradient (to rounding: tests/test_network.py compares with torch-recorded fixtures).

Every method takes K parameter vectors ``(K, P)`` at once (or one ``(P,)``) and evaluates them
together: a forward pass is one batched matmul per layer over a ``(K, N, width)`` array, and the
backward pass is the chain rule written out (the activations' derivatives from their outputs:
tanh′ = 1 − a², σ′ = a (1 − a), relu′ = [a > 0], as torch's autograd computes them). There is no
Python loop over examples or networks, only over the ≤ 4 layers.
"""

from __future__ import annotations

import itertools
import reprlib
from dataclasses import dataclass

import numpy as np

from landscapes import datasets

ACTIVATIONS = ("tanh", "relu", "sigmoid")
MAX_HIDDEN_LAYERS = 3
MAX_WIDTH = 32


@dataclass(frozen=True)
class Layer:
    """One ``nn.Linear`` layer's place in the flat parameter vector.

    Attributes:
        weight: offset of the weight, ``(out, in)`` row-major, ``out · in`` entries.
        bias: offset of the bias, ``out`` entries (right after the weight).
        out, inp: the weight's shape.
    """

    weight: int
    bias: int
    out: int
    inp: int

    @property
    def end(self) -> int:
        return self.bias + self.out


def _sigmoid(h):
    """σ(h) = (1 + tanh(h / 2)) / 2: one ufunc and no overflow for any h."""
    a = np.tanh(0.5 * h)
    a += 1.0
    a *= 0.5
    return a


def _relu(h):
    return np.maximum(h, 0.0, out=h)


_FORWARD = {"tanh": np.tanh, "relu": _relu, "sigmoid": _sigmoid}


class Network:
    """An MLP on a generated data set: the problem ``optimizers.run`` trains (see the module docstring).

    Attributes:
        name, title: a key (``"network_moons_2-16-16-1_tanh"``) and what a UI shows.
        settings: the arguments that rebuild it (``Network(**settings)``).
        task: ``"classification"`` or ``"regression"``.
        sizes: the layer widths, input and output included (``(2, 16, 16, 1)``).
        layers: each layer's ``Layer`` (offsets in the parameter vector).
        matrices: ``(offset, rows, cols)`` of every weight matrix: what filter normalisation scales
            row by row (``landscapes.slices``); every other parameter is a bias.
        n_params: P.
        inputs: ``(N, d)`` training inputs; targets: ``(N,)``; n_examples: N.
        test_inputs, test_targets: the held-out test set.
    """

    def __init__(
        self,
        data: str = "moons",
        hidden=(16, 16),
        activation: str = "tanh",
        n: int = 200,
        noise: float = 0.1,
        seed: int = 0,
        n_test: int | None = None,
    ):
        hidden = _check_hidden(hidden)
        activation = _check_activation(activation)
        self.dataset = datasets.make(data, n=n, noise=noise, seed=seed, n_test=n_test)
        self.settings = {
            "data": data,
            "hidden": hidden,
            "activation": activation,
            "n": self.dataset.inputs.shape[0],
            "noise": self.dataset.noise,
            "seed": self.dataset.seed,
            "n_test": self.dataset.test_inputs.shape[0],
        }
        self.task = self.dataset.task
        self.activation = activation
        self.sizes = (self.dataset.n_inputs, *hidden, 1)
        layers, offset = [], 0
        for inp, out in itertools.pairwise(self.sizes):
            layers.append(Layer(offset, offset + out * inp, out, inp))
            offset = layers[-1].end
        self.layers = tuple(layers)
        self.n_params = offset
        self.matrices = tuple((layer.weight, layer.out, layer.inp) for layer in self.layers)
        arch = "-".join(map(str, self.sizes))
        self.name = f"network_{data}_{arch}_{activation}"
        self.title = f"{arch} {activation} network on {datasets.GENERATORS[data][2]}"
        self.inputs = self.dataset.inputs
        self.targets = self.dataset.targets
        self.test_inputs = self.dataset.test_inputs
        self.test_targets = self.dataset.test_targets
        self.n_examples = self.inputs.shape[0]
        self._act = _FORWARD[activation]

    def __repr__(self) -> str:
        return f"Network({', '.join(f'{k}={v!r}' for k, v in self.settings.items())})"

    # --- the protocol -----------------------------------------------------------------------------

    def value(self, params):
        """The mean training loss: ``(K, P)`` -> ``(K,)`` (``(P,)`` -> a 0-d array)."""
        params, one = self._check_params(params)
        loss = self._loss(self._forward(params, self.inputs)[-1], self.targets)
        return loss[0] if one else loss

    def drawn_value(self, params):
        """``value`` in single precision, for pictures only (a plane's contour map): within ~2e-6 of
        the loss, far below what a colour shows, and several times faster (NumPy's float32 tanh is
        vectorised on every x86-64 CPU, its float64 tanh only with AVX-512). Where single precision
        overflows (a loss past 3.4e38) the loss is computed in double. ``(K, P)`` -> ``(K,)``."""
        params, one = self._check_params(params)
        single = params.astype(np.float32)
        inputs, targets = self.inputs.astype(np.float32), self.targets.astype(np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self._loss(self._forward(single, inputs)[-1], targets).astype(np.float64)
        lost = ~np.isfinite(loss)
        if lost.any():
            loss[lost] = self.value(params[lost])
        return loss[0] if one else loss

    def value_and_gradient(self, params):
        """``(K, P)`` -> (mean training loss ``(K,)``, its gradient ``(K, P)``)."""
        params, one = self._check_params(params)
        loss, grad = self._loss_and_gradient(params, self.inputs, self.targets)
        return (loss[0], grad[0]) if one else (loss, grad)

    def gradient(self, params):
        """The gradient of the mean training loss, ``(K, P)``."""
        return self.value_and_gradient(params)[1]

    def batch_gradient(self, params, idx):
        """The gradient of the mean loss over a mini-batch per network.

        Args:
            params: ``(K, P)``.
            idx: ``(K, B)`` integer indices into the training set, network k's batch in row k.

        Returns:
            ``(K, P)``: network k's gradient of (1/B) Σ_{i ∈ idx[k]} ℓᵢ.
        """
        params, one = self._check_params(params)
        idx = self._check_idx(idx, params.shape[0])
        _, grad = self._loss_and_gradient(params, self.inputs[idx], self.targets[idx])
        return grad[0] if one else grad

    def init(self, seed: int = 0):
        """``(P,)`` parameters drawn as torch's ``nn.Linear`` initialises a layer, in distribution.

        ``reset_parameters`` draws the weight with ``kaiming_uniform_(a=√5)`` and the bias uniformly,
        both on [−1/√in, 1/√in] (the Kaiming bound gain·√(3/in) with gain = √(2/(1 + a²)) = √(1/3)).
        The numbers come from ``numpy.random.default_rng(seed)`` (layer by layer, weight then bias),
        not from torch's generator, so they cannot equal ``torch.manual_seed(seed)``'s: only their
        distribution does.
        """
        seed = datasets._whole(seed, "seed", 0)
        rng = np.random.default_rng(seed)
        params = np.empty(self.n_params)
        for layer in self.layers:
            bound = 1.0 / np.sqrt(layer.inp)
            params[layer.weight : layer.bias] = rng.uniform(-bound, bound, layer.out * layer.inp)
            params[layer.bias : layer.end] = rng.uniform(-bound, bound, layer.out)
        return params

    # --- more than the protocol ---------------------------------------------------------------------

    def test_value(self, params):
        """The mean loss on the test set, ``(K,)``."""
        params, one = self._check_params(params)
        loss = self._loss(self._forward(params, self.test_inputs)[-1], self.test_targets)
        return loss[0] if one else loss

    def outputs(self, params, inputs):
        """The network's raw output (the logit, or the fitted value) at ``inputs`` ``(M, d)``: ``(K, M)``."""
        params, one = self._check_params(params)
        inputs = np.asarray(inputs, dtype=np.float64)
        if inputs.ndim != 2 or inputs.shape[1] != self.sizes[0]:
            raise ValueError(f"inputs must be (M, {self.sizes[0]}), got shape {inputs.shape}")
        z = self._forward(params, inputs)[-1]
        return z[0] if one else z

    def predict(self, params, inputs):
        """What the network predicts at ``inputs``: P(class 1) = σ(z) for classification, z for regression."""
        z = self.outputs(params, inputs)
        return _sigmoid(z) if self.task == "classification" else z

    def accuracy(self, params, test: bool = False):
        """The share of examples classified right (P(class 1) > ½ ⇔ z > 0): ``(K,)``; classification only."""
        if self.task != "classification":
            raise ValueError(
                f"accuracy needs a classification data set; {self.settings['data']} is a regression"
            )
        inputs, targets = (self.test_inputs, self.test_targets) if test else (self.inputs, self.targets)
        return np.mean((self.outputs(params, inputs) > 0.0) == (targets == 1.0), axis=-1)

    def input_window(self, margin: float = 0.15):
        """The inputs' extent (training and test), widened by ``margin`` of its span on each side:
        ``((x0, x1), (y0, y1))``, or ``((a0, a1),)`` for one input."""
        both = np.concatenate([self.inputs, self.test_inputs])
        low, high = both.min(axis=0), both.max(axis=0)
        pad = margin * (high - low)
        return tuple((float(lo - p), float(hi + p)) for lo, hi, p in zip(low, high, pad, strict=True))

    def prediction_grid(self, params, n: int = 60, window=None):
        """The prediction over a regular grid of the input window, for a data view.

        Two inputs: ``(xs (n,), ys (n,), predictions (K, n, n))`` with predictions[k, i, j] at
        (xs[j], ys[i]) (rows follow y, as a heatmap expects): P(class 1), or the fitted value. One
        input: ``(xs (n,), predictions (K, n))``. ``(P,)`` params drop the K axis.
        """
        window = self.input_window() if window is None else window
        axes = [np.linspace(lo, hi, n) for lo, hi in window]
        if len(axes) == 1:
            return axes[0], self.predict(params, axes[0][:, None])
        xs, ys = axes
        gx, gy = np.meshgrid(xs, ys)
        flat = self.predict(params, np.column_stack([gx.ravel(), gy.ravel()]))
        return xs, ys, flat.reshape(*flat.shape[:-1], n, n)

    def unpack(self, params):
        """Each layer's ``(weight (K, out, in), bias (K, out))``, views into ``params`` ``(K, P)``
        (float64, or float32 if they are: ``drawn_value``)."""
        params = np.asarray(params)
        params = params if params.dtype == np.float32 else params.astype(np.float64, copy=False)
        k = params.shape[0]
        return [
            (
                params[:, layer.weight : layer.bias].reshape(k, layer.out, layer.inp),
                params[:, layer.bias : layer.end],
            )
            for layer in self.layers
        ]

    # --- the maths ----------------------------------------------------------------------------------

    def _forward(self, params, x):
        """Every layer's output, ``x`` first: ``[x, a₁ (K, N, h₁), …, z (K, N)]``.

        ``x`` is ``(N, d)`` (shared by every network) or ``(K, N, d)`` (a batch per network).
        """
        outs = [x]
        a = x
        last = len(self.layers) - 1
        for i, (weight, bias) in enumerate(self.unpack(params)):
            # A contiguous Wᵀ lets matmul call BLAS per network; the strided view takes a slow loop (≈ 5×).
            h = np.matmul(a, np.ascontiguousarray(weight.transpose(0, 2, 1)))
            h += bias[:, None, :]
            a = h[..., 0] if i == last else self._act(h)
            outs.append(a)
        return outs

    def _loss(self, z, t, slope: bool = False):
        """The mean loss over the examples (last axis) of outputs ``z`` and targets ``t``; with
        ``slope``, also ∂L/∂z (the mean's 1/N included), shape of ``z``."""
        n = t.shape[-1]
        if self.task == "regression":
            r = z - t
            loss = np.mean(r * r, axis=-1)
            return (loss, r * (2.0 / n)) if slope else loss
        e = np.exp(-np.abs(z))
        loss = np.mean(np.maximum(z, 0.0) - z * t + np.log1p(e), axis=-1)
        if not slope:
            return loss
        dz = np.where(z >= 0.0, 1.0, e) / (1.0 + e)  # σ(z), from e = e^−|z| without overflow
        dz -= t
        dz *= 1.0 / n
        return loss, dz

    def _loss_and_gradient(self, params, x, t):
        k, n = params.shape[0], t.shape[-1]
        outs = self._forward(params, x)
        loss, dz = self._loss(outs[-1], t, slope=True)
        grad = np.empty((k, self.n_params))
        ones = np.ones(n)
        delta = dz[:, :, None]  # ∂L/∂h of the output layer, (K, N, 1)
        unpacked = self.unpack(params)
        for i in range(len(self.layers) - 1, -1, -1):
            layer, (weight, _) = self.layers[i], unpacked[i]
            a = outs[i]
            grad[:, layer.weight : layer.bias] = np.matmul(delta.transpose(0, 2, 1), a).reshape(k, -1)
            grad[:, layer.bias : layer.end] = np.matmul(ones, delta)  # Σₙ δ: BLAS, ≈ 5× a sum over axis 1
            if i:
                # (K, N, 1) @ (K, 1, h) is an outer product: a broadcast multiply is the same numbers, faster.
                delta = delta * weight if i == len(self.layers) - 1 else np.matmul(delta, weight)
                self._times_derivative(delta, a)
        return loss, grad

    def _times_derivative(self, delta, a):
        """``delta *= f′`` in place, the activation's derivative from its output ``a`` (one temporary)."""
        if self.activation == "relu":
            delta *= a > 0.0
            return
        slope = np.multiply(a, a)  # tanh′ = 1 − a²
        if self.activation == "tanh":
            np.subtract(1.0, slope, out=slope)
        else:  # σ′ = a (1 − a) = a − a²
            np.subtract(a, slope, out=slope)
        delta *= slope

    # --- validation ---------------------------------------------------------------------------------

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

    def _check_idx(self, idx, k):
        idx = np.asarray(idx)
        if idx.ndim == 1 and k == 1:
            idx = idx[None, :]
        if idx.ndim != 2 or idx.shape[0] != k or idx.shape[1] == 0 or idx.dtype.kind not in "iu":
            raise ValueError(f"idx must be (K, B) whole numbers with K = {k}, got {idx.dtype} {idx.shape}")
        if idx.min() < 0 or idx.max() >= self.n_examples:
            raise ValueError(f"idx must be example indices, 0 ≤ idx < {self.n_examples}")
        return idx


def network(
    data: str = "moons",
    hidden=(16, 16),
    activation: str = "tanh",
    n: int = 200,
    noise: float = 0.1,
    seed: int = 0,
    n_test: int | None = None,
) -> Network:
    """A small MLP on a generated data set, as a P-parameter problem (see ``Network``).

    Args:
        data: a data set of ``landscapes.datasets.names()``: moons, circles, spiral, xor, blobs
            (classification: a logistic output and ``BCEWithLogitsLoss``) or curve (regression:
            a linear output and ``MSELoss``).
        hidden: the hidden layers' widths, 1 to 3 of them, each 1 to 32 (an int: one layer).
        activation: tanh, relu or sigmoid, after every hidden layer.
        n, noise, seed, n_test: the data set's size, input (or target) noise, seed and test size.

    Raises:
        ValueError: a bad name, width, layer count, size, noise or seed, with the allowed values.
    """
    return Network(data, hidden, activation, n, noise, seed, n_test)


def _check_hidden(hidden) -> tuple[int, ...]:
    allowed = f"1 to {MAX_HIDDEN_LAYERS} hidden layers, each a whole number of units, 1 ≤ width ≤ {MAX_WIDTH}"
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, (tuple, list)) or not 1 <= len(hidden) <= MAX_HIDDEN_LAYERS:
        raise ValueError(f"Invalid hidden: {reprlib.repr(hidden)} ({allowed})")
    for width in hidden:
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or not 1 <= width <= MAX_WIDTH:
            raise ValueError(f"Invalid hidden: {reprlib.repr(hidden)} ({allowed})")
    return tuple(int(width) for width in hidden)


def _check_activation(activation) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"Unknown activation {reprlib.repr(activation)}; choose one of: {', '.join(ACTIVATIONS)}"
        )
    return activation
