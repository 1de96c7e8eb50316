"""Learning-rate schedules with ``torch.optim.lr_scheduler`` semantics, as pure functions of the step.

A schedule gives the learning rate at step t = 0, 1, 2, … from the optimizer's base lr. As in torch,
where ``scheduler.step()`` follows ``optimizer.step()``, update t + 1 uses the value at t (torch's
``last_epoch``): the first update uses t = 0. Formulas are torch's closed forms (its
``_get_closed_form_lr``), with torch's defaults; torch applies most schedules recursively
(lr ← lr · ratio each step), which agrees with them to the last bits (≈ t ulps after t steps).

    schedule = schedules.get("steplr")
    schedule(np.arange(100), 0.1, step_size=30, gamma=0.5)   # (100,) learning rates

``lr`` may be a ``(K, 1)`` array of per-run base rates: the result is then ``(K, steps)``. Every value
is computed by the same elementwise operations whatever the shape, so a run in a batch gets the bits
it gets alone. OneCycleLR also cycles the momentum (SGD's ``momentum``, β₁ of the Adam family)
against the learning rate, as torch does by default (``cycle_momentum=True``); ``Schedule.momenta``
gives those values.

Where torch has no default, three options take theirs from the run: ``T_max`` and ``total_steps``
default to the run's number of steps and OneCycleLR's ``max_lr`` to the optimizer's ``lr``. The other
options torch requires (``step_size``, ``milestones``, ExponentialLR's ``gamma``) must be given; their
spec carries an ``example`` value for a control to start from.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from optimizers.base import Named

INF = math.inf


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The ``default`` of an option torch requires: it must be given.
REQUIRED: Any = _Required()

#: The options a run fills in when they are left at ``None``: their value is the run's number of steps.
FROM_STEPS = frozenset({"T_max", "total_steps"})


@dataclass(frozen=True)
class Option:
    """One option of a schedule: torch's keyword, default and allowed values, and what it means.

    Attributes:
        name: torch's keyword (``"step_size"``, ``"gamma"``, ``"T_max"``).
        default: torch's default; ``REQUIRED`` where torch has none; ``None`` where the run fills it
            in (see the module docstring).
        help: one line: what it means.
        kind: ``"float"``, ``"int"`` (a whole number), ``"bool"``, ``"ints"`` (an increasing list of
            whole numbers) or ``"choice"`` (one of ``choices``).
        low, high: the allowed range; ``low_open`` / ``high_open`` exclude the end.
        choices: the allowed strings of a ``"choice"``.
        ui: ``(min, max)`` of a slider, inside the allowed range.
        example: a value for a control to start from where ``default`` is ``REQUIRED`` or ``None``.
    """

    name: str
    default: Any
    help: str
    kind: str = "float"
    low: float = -INF
    high: float = INF
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    ui: tuple[float, float] | None = None
    example: Any = None

    def allowed(self) -> str:
        """The allowed values in words, e.g. ``a whole number, 1 ≤ step_size``."""
        if self.kind == "bool":
            return f"{self.name} must be true or false"
        if self.kind == "choice":
            return f"{self.name} must be one of: {', '.join(repr(c) for c in self.choices)}"
        bounds = []
        if self.low > -INF:
            bounds.append(f"{self.low:g} {'<' if self.low_open else '≤'} ")
        bounds.append(self.name if self.kind != "ints" else f"each of {self.name}")
        if self.high < INF:
            bounds.append(f" {'<' if self.high_open else '≤'} {self.high:g}")
        words = {"int": "a whole number", "ints": "increasing whole numbers", "float": "a finite number"}
        return f"{words[self.kind]}, {''.join(bounds)}" if len(bounds) > 1 else words[self.kind]

    def parse(self, value: Any, schedule: str) -> Any:
        """``value`` checked and converted (ints to ``int``, numbers to ``float``), or ``ValueError``."""
        if value is None and self.default is None:
            return None
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
        elif self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
        elif self.kind == "ints":
            numbers = _whole_numbers(value)
            if numbers and all(map(self._in_range, numbers)) and all(np.diff(numbers) > 0):
                return numbers
        else:
            number = whole_number(value) if self.kind == "int" else _real(value)
            if number is not None and self._in_range(number):
                return number
        raise ValueError(f"Invalid {self.name} for {schedule}: {reprlib.repr(value)} ({self.allowed()})")

    def _in_range(self, v: float) -> bool:
        above = v > self.low if self.low_open else v >= self.low
        below = v < self.high if self.high_open else v <= self.high
        return above and below and math.isfinite(v)


def _real(value: Any) -> float | None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        return None
    return float(value)


def whole_number(value: Any) -> int | None:
    """``value`` as an ``int`` if it is a whole number (an integral float counts; a bool does not)."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    return None


def _whole_numbers(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        return None
    numbers = tuple(whole_number(v) for v in value)
    return None if None in numbers else numbers


@dataclass(frozen=True)
class Schedule(Named):
    """A learning-rate schedule: torch's name and options, and the schedule as a function of the step.

    Attributes:
        name: registry key, torch's class name in lower case (``"steplr"``).
        title: torch's class name (``"StepLR"``).
        description: one line: what it does.
        options: the spec of every option (the single source for defaults, validation and the UI).
        formula: ``formula(step, lr, **options) -> lr``, vectorised over ``step`` (ints) and ``lr``.
        momentum: OneCycleLR's ``momentum(step, **options)``, else ``None``.
        check: checks between options (and the run's steps), raising ``ValueError``.
    """

    name: str
    title: str
    description: str
    options: tuple[Option, ...]
    formula: Callable[..., np.ndarray]
    momentum: Callable[..., np.ndarray] | None = None
    check: Callable[[dict[str, Any], int | None], None] | None = None

    WORD = "option"

    def specs(self) -> tuple[Option, ...]:
        return self.options

    def resolve(self, given: Mapping[str, Any] | None = None, steps: int | None = None) -> dict[str, Any]:
        """Every option, checked, with defaults filled in; ``steps`` fills ``T_max`` / ``total_steps``.

        Raises ``ValueError`` naming the option, the value and what is allowed.
        """
        given = {} if given is None else given
        if not isinstance(given, Mapping):
            raise ValueError(
                f"scheduler_options must be a mapping of option names to values, got {reprlib.repr(given)}"
            )
        for name in given:
            self.spec(name)
        options: dict[str, Any] = {}
        for option in self.options:
            value = given.get(option.name, option.default)
            if value is REQUIRED:
                raise ValueError(f"{self.name} needs {option.name} ({option.allowed()})")
            if value is None and option.name in FROM_STEPS and steps is not None:
                value = max(steps, 1)
            options[option.name] = option.parse(value, self.name)
        for name in FROM_STEPS & set(options):
            if options[name] is None:
                raise ValueError(f"{self.name} needs {name} ({self.spec(name).allowed()})")
        if self.check is not None:
            self.check(options, steps)
        return options

    def __call__(self, step, lr, **options) -> np.ndarray:
        """The learning rate at each ``step`` (ints, torch's ``last_epoch``) from base rate ``lr``.

        ``lr`` is a number or a ``(K, 1)`` array; the result is ``(*step.shape,)`` or ``(K, steps)``.
        """
        step = np.asarray(step)
        return self.formula(step, lr, **self.resolve(options))

    def cycles_momentum(self, options: Mapping[str, Any]) -> bool:
        """Whether, with these (resolved) options, the schedule also sets the momentum at every step."""
        return self.momentum is not None and bool(options.get("cycle_momentum"))

    def momenta(self, step, **options) -> np.ndarray:
        """The momentum (SGD's ``momentum``, β₁ of the Adam family) at each step, ``(*step.shape,)``."""
        if self.momentum is None:
            raise ValueError(f"{self.name} does not cycle the momentum")
        return self.momentum(np.asarray(step), **self.resolve(options))


def _cos(angles: np.ndarray) -> np.ndarray:
    """cos elementwise by ``math.cos``, as torch evaluates it.

    NumPy's vectorised cos may differ in the last bit, which the 1 + cos(θ) of a cosine trough
    would amplify into a visible relative difference from torch.
    """
    return np.array([math.cos(a) for a in angles.reshape(-1).tolist()]).reshape(angles.shape)


# --- the schedules ----------------------------------------------------------------------------------


def step_lr(step, lr, *, step_size, gamma):
    """γ^⌊t / step_size⌋ · lr: multiply by gamma every step_size steps."""
    return lr * np.power(gamma, step // step_size)


def multistep_lr(step, lr, *, milestones, gamma):
    """γ^(number of milestones ≤ t) · lr."""
    return lr * np.power(gamma, np.searchsorted(np.asarray(milestones), step, side="right"))


def constant_lr(step, lr, *, factor, total_iters):
    """factor · lr before total_iters, lr from then on."""
    return lr * (factor + (step >= total_iters) * (1 - factor))


def linear_lr(step, lr, *, start_factor, end_factor, total_iters):
    """lr · (s + (e − s) · min(t, T) / T): a linear ramp from start_factor to end_factor (warm-up)."""
    return lr * (start_factor + (end_factor - start_factor) * np.minimum(total_iters, step) / total_iters)


def exponential_lr(step, lr, *, gamma):
    """γᵗ · lr."""
    return lr * np.power(gamma, step)


def polynomial_lr(step, lr, *, total_iters, power):
    """lr · (1 − min(t, T) / T)^power: decays to zero at total_iters."""
    return lr * np.power(1.0 - np.minimum(total_iters, step) / total_iters, power)


def cosine_annealing_lr(step, lr, *, T_max, eta_min):  # noqa: N803 - torch's name
    """η_min + (lr − η_min) (1 + cos(π t / T_max)) / 2: half a cosine down to eta_min in T_max steps.

    Past T_max it climbs back along the cosine, as torch's recursive form does.
    """
    return eta_min + (lr - eta_min) * (1 + _cos(math.pi * step / T_max)) / 2


def _one_cycle_phases(options):
    """torch's phases: ``(end_step, start_lr, end_lr, start_momentum, end_momentum)`` by name."""
    total, pct = options["total_steps"], options["pct_start"]
    if options["three_phase"]:
        return [
            (float(pct * total) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            (float(2 * pct * total) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
            (total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
        ]
    return [
        (float(pct * total) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
        (total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
    ]


def _one_cycle(step, values, which, options):
    """Anneal between ``values[start]`` and ``values[end]`` within each phase, as torch's ``get_lr``.

    ``which`` picks the lr (1) or momentum (3) columns of the phases; ``values`` maps their names to
    numbers or ``(K, 1)`` arrays. Returns ``(*step.shape,)`` or ``(K, steps)``.
    """
    step = step.astype(np.float64)
    shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()), step.shape)
    out = np.empty(shape)
    done = np.zeros(step.shape, dtype=bool)
    phases = _one_cycle_phases(options)
    start_step = 0.0
    for i, phase in enumerate(phases):
        end_step = phase[0]
        here = ~done & ((step <= end_step) | (i == len(phases) - 1))
        pct = (step[here] - start_step) / (end_step - start_step)
        start, end = (np.asarray(values[name], dtype=np.float64) for name in phase[which : which + 2])
        if options["anneal_strategy"] == "cos":
            out[..., here] = end + (start - end) / 2.0 * (_cos(math.pi * pct) + 1)
        else:
            out[..., here] = (end - start) * pct + start
        done |= here
        start_step = end_step
    return out


def one_cycle_lr(step, lr, **options):
    """1cycle: up from max_lr / div_factor to max_lr over pct_start of total_steps, then down to
    max_lr / (div_factor · final_div_factor), annealing by cosine or linearly (torch's phases).
    """
    max_lr = lr if options["max_lr"] is None else options["max_lr"]
    initial_lr = max_lr / options["div_factor"]
    values = {"initial_lr": initial_lr, "max_lr": max_lr, "min_lr": initial_lr / options["final_div_factor"]}
    return _one_cycle(step, values, 1, options)


def one_cycle_momentum(step, **options):
    """The momentum, cycled against the learning rate between max_momentum and base_momentum."""
    values = {name: options[name] for name in ("max_momentum", "base_momentum")}
    return _one_cycle(step, values, 3, options)


def _check_one_cycle(options, steps):
    total = options["total_steps"]
    if steps is not None and steps > total:
        raise ValueError(
            f"onecyclelr: the run has {steps} steps but total_steps is {total} (torch: 'Tried to step "
            f"{steps} times. The specified number of total steps is {total}'): raise total_steps"
        )
    reached = np.arange(total if steps is None else steps)
    phases = _one_cycle_phases(options)
    start_step = 0.0
    for i, phase in enumerate(phases):
        here = (reached <= phase[0]) | (i == len(phases) - 1)
        if np.any(here) and phase[0] == start_step:
            raise ValueError(
                f"onecyclelr: pct_start {options['pct_start']:g} of total_steps {total} leaves phase "
                f"{i + 1} with no length (torch divides by zero here): change pct_start or total_steps"
            )
        reached = reached[~here]
        start_step = phase[0]


def _gamma(default, example=None, meaning="Multiplies the learning rate at each decay."):
    return Option("gamma", default, meaning, low=0.0, high=1.0, ui=(0.0, 1.0), example=example)


def _total_iters(default, meaning):
    return Option("total_iters", default, meaning, kind="int", low=1, ui=(1, 1000))


_SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in (
        Schedule(
            "steplr",
            "StepLR",
            "Multiply the learning rate by gamma every step_size steps: a staircase down.",
            (
                Option(
                    "step_size", REQUIRED, "Steps between two decays.", "int", low=1, ui=(1, 1000), example=30
                ),
                _gamma(0.1),
            ),
            step_lr,
        ),
        Schedule(
            "multisteplr",
            "MultiStepLR",
            "Multiply the learning rate by gamma at each milestone step.",
            (
                Option(
                    "milestones", REQUIRED, "The steps at which to decay.", "ints", low=1, example=(30, 80)
                ),
                _gamma(0.1),
            ),
            multistep_lr,
        ),
        Schedule(
            "exponentiallr",
            "ExponentialLR",
            "Multiply the learning rate by gamma at every step: a smooth exponential decay.",
            (_gamma(REQUIRED, example=0.99, meaning="Multiplies the learning rate at every step."),),
            exponential_lr,
        ),
        Schedule(
            "cosineannealinglr",
            "CosineAnnealingLR",
            "Lower the learning rate along half a cosine to eta_min over T_max steps.",
            (
                Option(
                    "T_max",
                    None,
                    "Steps of the half cosine (default: the run's steps).",
                    "int",
                    low=1,
                    ui=(1, 1000),
                ),
                Option("eta_min", 0.0, "The lowest learning rate.", low=0.0, ui=(0.0, 1.0)),
            ),
            cosine_annealing_lr,
        ),
        Schedule(
            "linearlr",
            "LinearLR",
            "Warm-up: ramp the learning rate linearly from start_factor · lr to end_factor · lr.",
            (
                Option(
                    "start_factor",
                    1.0 / 3,
                    "Fraction of the learning rate at the first step.",
                    low=0.0,
                    low_open=True,
                    high=1.0,
                    ui=(0.01, 1.0),
                ),
                Option(
                    "end_factor",
                    1.0,
                    "Fraction of the learning rate once the ramp ends.",
                    low=0.0,
                    high=1.0,
                    ui=(0.0, 1.0),
                ),
                _total_iters(5, "Steps the ramp takes."),
            ),
            linear_lr,
        ),
        Schedule(
            "onecyclelr",
            "OneCycleLR",
            "1cycle: warm up to max_lr, then anneal far below the start; momentum cycles the other way.",
            (
                Option(
                    "max_lr",
                    None,
                    "The peak learning rate (default: the optimizer's lr).",
                    low=0.0,
                    low_open=True,
                    ui=(1e-4, 10.0),
                ),
                Option(
                    "total_steps",
                    None,
                    "Steps in the cycle (default: the run's steps).",
                    "int",
                    low=1,
                    ui=(1, 1000),
                ),
                Option(
                    "pct_start", 0.3, "Fraction of the cycle spent warming up.", low=0.0, high=1.0, ui=(0, 1)
                ),
                Option(
                    "anneal_strategy",
                    "cos",
                    "How to anneal: 'cos' or 'linear'.",
                    "choice",
                    choices=("cos", "linear"),
                ),
                Option(
                    "cycle_momentum", True, "Cycle the momentum (or β₁) against the learning rate.", "bool"
                ),
                Option(
                    "base_momentum",
                    0.85,
                    "Momentum at the peak learning rate.",
                    low=0,
                    high=1,
                    high_open=True,
                    ui=(0, 0.99),
                ),
                Option(
                    "max_momentum",
                    0.95,
                    "Momentum at the start and end of the cycle.",
                    low=0,
                    high=1,
                    high_open=True,
                    ui=(0, 0.99),
                ),
                Option(
                    "div_factor",
                    25.0,
                    "The start is max_lr / div_factor.",
                    low=0.0,
                    low_open=True,
                    ui=(1.0, 100.0),
                ),
                Option(
                    "final_div_factor",
                    1e4,
                    "The end is the start / final_div_factor.",
                    low=0.0,
                    low_open=True,
                    ui=(1.0, 1e5),
                ),
                Option(
                    "three_phase", False, "Come back down to the start before the final annealing.", "bool"
                ),
            ),
            one_cycle_lr,
            momentum=one_cycle_momentum,
            check=_check_one_cycle,
        ),
        Schedule(
            "constantlr",
            "ConstantLR",
            "Hold the learning rate at factor · lr for total_iters steps, then restore it.",
            (
                Option(
                    "factor", 1.0 / 3, "Fraction of the learning rate at first.", low=0.0, high=1.0, ui=(0, 1)
                ),
                _total_iters(5, "Steps before the full learning rate."),
            ),
            constant_lr,
        ),
        Schedule(
            "polynomiallr",
            "PolynomialLR",
            "Decay the learning rate to zero over total_iters steps along (1 − t / total_iters)^power.",
            (
                _total_iters(5, "Steps to reach zero."),
                Option("power", 1.0, "The power of the polynomial (1: linear).", low=0.0, ui=(0.0, 5.0)),
            ),
            polynomial_lr,
        ),
    )
}


def names() -> list[str]:
    """Registered schedule names (lower-case torch class names), in menu order."""
    return list(_SCHEDULES)


def get(name: str) -> Schedule:
    """The schedule called ``name``; unknown names raise ``ValueError`` listing the valid ones."""
    try:
        return _SCHEDULES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown scheduler {reprlib.repr(name)}; choose one of: {', '.join(_SCHEDULES)}"
        ) from None
