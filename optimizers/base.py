"""The optimizer protocol and the hyperparameter spec.

An optimizer is a pair of pure functions over a small NamedTuple state (as in optax), with the
names, defaults, validation and update order of ``torch.optim``:

    state = init(params, hp)
    params, state = update(grad, state, params, hp, step, hessian)
    params, state = update(grad, state, params, hp, step, hessian, loss=loss, closure=closure)

``params`` and ``grad`` have shape ``(K, P)``: K runs of a problem with P parameters advance
together (P = 2 on a surface). ``hp`` maps each hyperparameter name to its value: a Python scalar (the
same for every run) or an array of shape ``(K, 1)`` (one value per run), so that it broadcasts
against ``(K, P)``; ``betas`` is a pair of such values. ``step`` counts from 1 at the first update,
like torch's ``state["step"]``. ``hessian`` is ``(K, P, P)``, the problem's exact Hessian, for
optimizers with ``needs_hessian`` (else ``None``).

An optimizer with ``needs_closure`` (L-BFGS) gets the second form: ``loss`` ``(K,)`` at ``params``,
and ``closure(points, runs)``, which evaluates the points ``(n, P)`` of the runs ``runs`` (``(n,)``
ints) and returns ``(loss (n,), gradient (n, P))``; the engine keeps every such evaluation as a
sub-step of the path. Such an optimizer may keep memory across steps that is not an array per run:
its state class lists those fields in a class attribute ``unrecorded``.

An optimizer with ``writes_out`` also takes ``out``, a ``(K, P)`` buffer (the engine's record of the
next point), and writes the new parameters into it (and returns it): one copy fewer per step.

Every other state field is an array of shape ``(K, P)`` (a per-run number is broadcast along P) so
that a step inspector can record it. Hyperparameters are floats, bools, pairs, whole numbers
(``kind`` ``"int"``) or one of a few strings (``"choice"``); ``none`` says what ``None`` means for
a hyperparameter that may be ``None`` (torch's ``max_eval=None``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

INF = math.inf


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: its torch name, default, allowed range and how the UI shows it.

    Attributes:
        name: the torch keyword (``"lr"``, ``"momentum"``, ``"betas"``).
        default: torch's default (a float, a bool, or a pair of floats for ``betas``).
        help: one line: what it means.
        label: the words torch's error message uses (``"learning rate"`` gives
            ``Invalid learning rate: -1``).
        low, high: the allowed range; ``low_open`` / ``high_open`` exclude the end.
        log: whether a slider for it is on a log scale.
        ui: ``(min, max)`` of the UI slider (inside the allowed range).
        choices: the allowed strings of a ``"choice"`` hyperparameter (``None`` may be one).
        integer: a whole number (``"int"``), as torch's ``max_iter``.
        none: for one that may be ``None`` (or a pair whose first may be), what ``None`` means;
            ``none_value`` is that number, where one is needed (in a list of per-run pairs). Per-run
            numbers with some ``None`` are NaN there.
        infinite: +inf is allowed (Prodigy's ``growth_rate``).
    """

    name: str
    default: Any
    help: str
    label: str = ""
    low: float = -INF
    high: float = INF
    low_open: bool = False
    high_open: bool = False
    log: bool = False
    ui: tuple[float, float] | None = None
    choices: tuple[str | None, ...] | None = None
    integer: bool = False
    none: str = ""
    none_value: float | None = None
    infinite: bool = False

    @property
    def kind(self) -> str:
        """``"bool"``, ``"pair"``, ``"int"``, ``"choice"`` or ``"float"``."""
        if self.choices is not None:
            return "choice"
        if isinstance(self.default, bool):
            return "bool"
        if isinstance(self.default, tuple):
            return "pair"
        if self.integer:
            return "int"
        return "float"

    def allowed(self) -> str:
        """The allowed range in words, e.g. ``0 ≤ lr`` or ``0 ≤ momentum < 1``."""
        if self.kind == "bool":
            return f"{self.name} must be true or false"
        if self.kind == "choice":
            return f"{self.name} must be one of " + ", ".join(repr(c) for c in self.choices)
        name = f"each of {self.name}" if self.kind == "pair" else self.name
        parts = []
        if self.low > -INF:
            parts.append(f"{_fmt(self.low)} {'<' if self.low_open else '≤'} ")
        parts.append(name)
        if self.high < INF:
            parts.append(f" {'<' if self.high_open else '≤'} {_fmt(self.high)}")
        if self.kind == "int":
            return "a whole number" + (", " + "".join(parts) if len(parts) > 1 else "")
        if len(parts) == 1:
            return f"{name} must be a finite number"
        return "".join(parts) + (f" or {_fmt(INF)}" if self.infinite and self.high == INF else "")

    def in_range(self, values: np.ndarray) -> np.ndarray:
        """Elementwise: is each value allowed? NaN and ±inf never are."""
        above = values > self.low if self.low_open else values >= self.low
        below = values < self.high if self.high_open else values <= self.high
        finite = np.isfinite(values) | (self.infinite & (values == INF))
        return above & below & finite


def _fmt(v: float) -> str:
    return f"{v:g}"


class Named:
    """What an optimizer and a learning-rate schedule share: named settings, each with a spec (a
    ``Hyperparameter`` or a schedule's ``Option``: ``name`` and ``default``), looked up by name.

    A subclass has a ``name`` and says what its settings are in ``specs()`` and ``WORD``.
    """

    WORD = "hyperparameter"

    def specs(self) -> tuple:
        raise NotImplementedError

    def spec(self, name: str):
        for setting in self.specs():
            if setting.name == name:
                return setting
        raise ValueError(
            f"{self.name} has no {self.WORD} {name!r}; its {self.WORD}s are: "
            + ", ".join(setting.name for setting in self.specs())
        )

    @property
    def defaults(self) -> dict[str, Any]:
        return {setting.name: setting.default for setting in self.specs()}


@dataclass(frozen=True)
class Optimizer(Named):
    """An update rule with its hyperparameter spec (the single source for the UI and validation).

    ``reference`` names what it is exact against (``"torch.optim.Adam"``, ``"schedulefree.SGDScheduleFree"``,
    ``"paper"`` for one written from its paper, ``""`` for none); ``examples`` are the hyperparameter
    sets the contract tests exercise it with (as torch's ``common_optimizers`` lists them).
    """

    name: str
    title: str
    description: str
    hyperparameters: tuple[Hyperparameter, ...]
    init: Callable[[np.ndarray, Mapping[str, Any]], tuple]
    update: Callable[..., tuple[np.ndarray, tuple]]
    needs_hessian: bool = False
    check: Callable[[Mapping[str, Any]], None] | None = None
    needs_closure: bool = False
    writes_out: bool = False
    reference: str = ""
    examples: tuple[dict[str, Any], ...] = ()

    def specs(self) -> tuple[Hyperparameter, ...]:
        return self.hyperparameters

    @property
    def requires(self) -> dict[str, str]:
        """What this optimizer needs of a problem beyond the protocol's required members: each
        method's name, with what it is in words."""
        return {"hessian": "the exact Hessian (a hessian(params) method)"} if self.needs_hessian else {}

    def missing(self, problem) -> list[str]:
        """The members of ``requires`` that ``problem`` lacks (empty: it can run on ``problem``)."""
        return [name for name in self.requires if not callable(getattr(problem, name, None))]


class UnsupportedProblemError(ValueError):
    """An optimizer needs something a problem does not provide (Newton on a network: no Hessian).

    Attributes: ``optimizer`` and ``problem`` (names), ``missing`` (the members it lacks).
    """

    def __init__(self, optimizer: Optimizer, problem, missing: list[str]):
        self.optimizer, self.problem, self.missing = optimizer.name, problem.name, missing
        what = " and ".join(optimizer.requires[name] for name in missing)
        title = getattr(problem, "title", problem.name)
        super().__init__(
            f"{optimizer.title} needs {what}, which {title} does not provide: choose another optimizer"
        )


def validate(optimizer: Optimizer, given: Mapping[str, Any]) -> tuple[dict[str, Any], int | None]:
    """Check ``given`` against the spec and fill in defaults.

    Returns ``(hp, k)``: ``hp`` maps every hyperparameter to a Python scalar (or a pair of them
    for ``betas``) or, where a sequence was given, to an array of shape ``(k, 1)``; ``k`` is the
    common sequence length, or ``None`` if every value was a scalar. Raises ``ValueError`` naming
    the hyperparameter, the value and the allowed range.
    """
    for name in given:
        optimizer.spec(name)
    hp: dict[str, Any] = {}
    k: int | None = None
    for h in optimizer.hyperparameters:
        value, n = _parse(h, given.get(h.name, h.default))
        if n is not None:
            if k is not None and n != k:
                raise ValueError(
                    f"{h.name} has {n} values but another hyperparameter has {k}: "
                    "give one value, or one per run"
                )
            k = n
        hp[h.name] = value
    if optimizer.check is not None:
        optimizer.check(hp)
    return hp, k


def _parse(h: Hyperparameter, value: Any) -> tuple[Any, int | None]:
    if h.kind == "bool":
        return _parse_bool(h, value)
    if h.kind == "choice":
        return _parse_choice(h, value)
    if h.kind == "pair":
        return _parse_pair(h, value)
    if value is None and h.none:
        return None, None
    if h.kind == "int":
        return _parse_int(h, value)
    if h.none and isinstance(value, (list, tuple)) and any(v is None for v in value):
        return _parse_floats_or_none(h, value)
    arr = _as_float_array(h, value)
    if arr.ndim > 1:
        raise ValueError(f"{h.name} must be a number or a list of numbers, got shape {arr.shape}")
    _check_range(h, arr, h.label or h.name)
    if arr.ndim == 0:
        return float(arr), None
    return arr.reshape(-1, 1), arr.shape[0]


def _parse_bool(h: Hyperparameter, value: Any) -> tuple[Any, int | None]:
    if isinstance(value, (bool, np.bool_)):
        return bool(value), None
    arr = np.asarray(value)
    if arr.ndim == 1 and arr.size > 0 and arr.dtype == bool:
        return arr.reshape(-1, 1), arr.shape[0]
    raise ValueError(f"Invalid {h.name}: {value!r} ({h.allowed()})")


def _parse_floats_or_none(h: Hyperparameter, value: Any) -> tuple[Any, int | None]:
    """Per-run numbers some of which are ``None``: a ``(K, 1)`` array, NaN where ``None`` was given
    (the update rule reads NaN as ``None``)."""
    given = [v for v in value if v is not None]
    if given:
        _parse(h, given)
    return np.array([np.nan if v is None else float(v) for v in value]).reshape(-1, 1), len(value)


def _parse_choice(h: Hyperparameter, value: Any) -> tuple[Any, int | None]:
    """One of the choices, or a list of them (one per run, as a ``(K, 1)`` object array)."""
    if isinstance(value, (list, tuple)) and value:
        for v in value:
            _choice(h, v)  # one level only: a list of lists is not one choice per run
        return np.array(value, dtype=object).reshape(-1, 1), len(value)
    return _choice(h, value), None


def _choice(h: Hyperparameter, value: Any) -> Any:
    if isinstance(value, (str, type(None))) and value in h.choices:
        return value
    raise ValueError(f"Invalid {h.name}: {value!r} ({h.allowed()})")


def _parse_int(h: Hyperparameter, value: Any) -> tuple[Any, int | None]:
    """A whole number (or ``None`` where the spec allows it), or a list of them, one per run: a
    ``(K, 1)`` int64 array, or an object array where some are ``None``."""
    if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) == 1 and len(value) > 0:
        values = [None if v is None and h.none else _parse_int(h, v)[0] for v in value]
        dtype = object if any(v is None for v in values) else np.int64
        return np.array(values, dtype=dtype).reshape(-1, 1), len(values)
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (str, bytes)) or value is None:
        raise ValueError(f"{h.name} must be a whole number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{h.name} must be a whole number, got {value!r}") from None
    if not (math.isfinite(number) and number.is_integer()):
        raise ValueError(f"Invalid {h.label or h.name}: {value!r} ({h.allowed()})")
    _check_range(h, np.array([number]), h.label or h.name)
    return int(number), None


def run_value(value: Any, k: int) -> Any:
    """Run k's value of a hyperparameter: a scalar as it is, a per-run ``(K, 1)`` array's row k as a
    Python value (for update rules that go run by run)."""
    if isinstance(value, np.ndarray):
        item = value[k, 0]
        return item.item() if isinstance(item, np.generic) else item
    if isinstance(value, tuple):
        return tuple(run_value(v, k) for v in value)
    return value


def _parse_pair(h: Hyperparameter, value: Any) -> tuple[Any, int | None]:
    if h.none and isinstance(value, (tuple, list)) and len(value) == 2 and value[0] is None:
        second = _as_float_array(h, value[1])
        if second.ndim != 0:
            raise ValueError(f"{h.name} must be a pair of numbers, got {value!r}")
        _check_range(h, second.reshape(1), f"{h.label} at index 1")
        return (None, float(second)), None
    if h.none_value is not None and isinstance(value, (list, tuple)):
        value = [_none_as_value(h, pair) for pair in value]
    arr = _as_float_array(h, value)
    if arr.shape == (2,):
        for i in range(2):
            _check_range(h, arr[i : i + 1], f"{h.label} at index {i}")
        return (float(arr[0]), float(arr[1])), None
    if arr.ndim == 2 and arr.shape[1] == 2 and arr.shape[0] > 0:
        for i in range(2):
            _check_range(h, arr[:, i], f"{h.label} at index {i}")
        return (arr[:, :1].copy(), arr[:, 1:].copy()), arr.shape[0]
    raise ValueError(f"{h.name} must be a pair of numbers or a list of pairs, got {value!r}")


def _none_as_value(h: Hyperparameter, pair: Any) -> Any:
    """A per-run pair with ``None`` first, as the number ``None`` stands for."""
    if isinstance(pair, (list, tuple)) and pair and pair[0] is None:
        return (h.none_value, *pair[1:])
    return pair


def _as_float_array(h: Hyperparameter, value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes)) or value is None:
        raise ValueError(f"{h.name} must be a number, got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{h.name} must be a number, got {value!r}") from None
    if arr.size == 0:
        raise ValueError(f"{h.name} must not be empty")
    if isinstance(value, Real) or arr.ndim == 0:
        return arr.reshape(())
    return arr


def _check_range(h: Hyperparameter, arr: np.ndarray, label: str) -> None:
    ok = h.in_range(arr)
    if not np.all(ok):
        bad = arr.reshape(-1)[~ok.reshape(-1)][0]
        raise ValueError(f"Invalid {label}: {_fmt(float(bad))} ({h.allowed()})")
