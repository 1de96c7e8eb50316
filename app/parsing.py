"""Browser values -> settings: the validation of every value that comes from a control, a link or a
hand-made request.

Everything here is a pure function: values in, settings (``app.model``) or a ``ValueError`` with a
plain message out, naming the control, what is wrong with the value and what is allowed.
"""

from __future__ import annotations

import math
import re
import reprlib
from typing import Any

import numpy as np

import landscapes
import optimizers
from app.model import (
    CUSTOM,
    MAX_BATCH,
    MAX_COORDINATE,
    MAX_PANELS,
    MAX_SEED,
    MAX_STEPS,
    NETWORK_PLANE,
    PALETTE,
    RunSpec,
    format_number,
)
from landscapes.formula import parse_formula
from optimizers import schedules
from optimizers.base import validate

#: How a bad value is quoted in a message: short, whatever was sent (nested data, huge numbers).
MAX_SHOWN = 60


def shown(value) -> str:
    """``value`` as a message quotes it: ``reprlib``'s short form, cut to ``MAX_SHOWN`` characters."""
    text = reprlib.repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def parse_number(value, name: str, low: float, high: float, *, integer: bool = False) -> float:
    """A number from a form field, within ``[low, high]``; else ``ValueError`` saying what is allowed."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(
            f"{name} is empty: enter a number from {format_number(low)} to {format_number(high)}"
        )
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits: beyond any range
        number = math.inf
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {shown(value)}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(
            f"{name} must be from {format_number(low)} to {format_number(high)}, "
            f"got {shown(value)}{_why_not(number)}"
        )
    if integer:
        if not number.is_integer():
            raise ValueError(
                f"{name} must be a whole number from {format_number(low)} to {format_number(high)}, "
                f"got {shown(value)}"
            )
        return int(number)
    return number


def _why_not(number: float) -> str:
    """What is wrong with a number beyond its range: nothing, or that it is NaN or infinite."""
    if math.isnan(number):
        return ", which is not a number"
    return "" if math.isfinite(number) else ", too large to compute with"


def parse_start(x, y) -> tuple[float, float]:
    limit = MAX_COORDINATE
    return parse_number(x, "start x", -limit, limit), parse_number(y, "start y", -limit, limit)


def parse_steps(steps) -> int:
    return parse_number(steps, "steps", 1, MAX_STEPS, integer=True)


def parse_window(text: str, landscape) -> tuple[tuple[float, float], tuple[float, float]]:
    """A plotting window ``"x0,x1,y0,y1"``: it must contain the surface's own window and be at most
    50 times as wide (the app widens windows to show a start point, never more)."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("a window is x0,x1,y0,y1")
    x0, x1, y0, y1 = (parse_number(p, "window", -MAX_COORDINATE, MAX_COORDINATE) for p in parts)
    (bx0, bx1), (by0, by1) = landscape.own_bounds
    span = max(bx1 - bx0, by1 - by0)
    if not (x0 <= bx0 and x1 >= bx1 and y0 <= by0 and y1 >= by1) or max(x1 - x0, y1 - y0) > 50 * span:
        raise ValueError("the window must contain the surface's own window and be at most 50 times as wide")
    return (x0, x1), (y0, y1)


def parse_surface(name, formula=None) -> landscapes.Landscape:
    """A registered surface, the one the ``formula`` in x and y describes (``name`` "custom"), or a
    plane of a trained network (a name starting ``net-plane:``, ``app.networks.surface``)."""
    if name == CUSTOM:
        if not isinstance(formula, str) or not formula.strip():
            raise ValueError("Type a formula in x and y for the custom surface, e.g. x^2 + 3*sin(y)")
        return parse_formula(formula)
    if not isinstance(name, str):
        raise ValueError(f"Unknown surface; choose one of: {', '.join(landscapes.names())}")
    if name.startswith(NETWORK_PLANE):
        from app.networks.surface import plane_surface  # the Networks view trains the network it slices

        return plane_surface(name)
    return landscapes.get(name)


def parse_run(optimizer_name, values: dict[str, Any], color=None) -> RunSpec:
    """A run from its card's controls: the optimizer name and ``{hp name: value}``.

    Pair hyperparameters come as ``betas.0`` and ``betas.1``. Values are checked against the
    optimizer's spec; the message names the control and the allowed range.
    """
    if not isinstance(optimizer_name, str):
        raise ValueError(f"Choose an optimizer: {', '.join(optimizers.names())}")
    optimizer = optimizers.get(optimizer_name)
    given: dict[str, Any] = {}
    for h in optimizer.hyperparameters:
        if h.kind == "pair":
            keys = [f"{h.name}.{i}" for i in range(2)]
            if any(key in values for key in keys):
                pair = [
                    _number_or_none(values.get(key), f"{h.name}[{i}]", h, none=i == 0 and bool(h.none))
                    for i, key in enumerate(keys)
                ]
                given[h.name] = tuple(pair)
        elif h.name in values:
            value = values[h.name]
            if h.kind == "bool":
                given[h.name] = _as_bool(value)
            elif h.kind == "choice":
                given[h.name] = _choice(value, h)
            else:
                given[h.name] = _number_or_none(value, h.name, h, none=bool(h.none))
    hp, _ = validate(optimizer, given)
    hp = {name: list(v) if isinstance(v, tuple) else v for name, v in hp.items()}
    return RunSpec(optimizer.name, hp, color if color in PALETTE else PALETTE[0])


#: How a choice that is ``None`` (L-BFGS's line_search_fn) travels through a dropdown.
NONE_CHOICE = "None"


def _choice(value, spec):
    """One of a ``choice`` hyperparameter's values; the dropdown sends ``None`` as ``"None"``."""
    value = None if value == NONE_CHOICE else value
    if (value is not None and not isinstance(value, str)) or value not in spec.choices:
        raise ValueError(f"Invalid {spec.name}: {shown(value)} ({spec.allowed()})")
    return value


def _number_or_none(value, name: str, spec, *, none: bool):
    """A number, or ``None`` from an empty box where the spec gives ``None`` a meaning (``spec.none``)."""
    if none and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    return _number_or_raise(value, name, spec)


def _number_or_raise(value, name: str, spec=None) -> float:
    """A hyperparameter's number; an emptied box (``None``) is refused, not replaced by the default."""
    words = spec is not None and spec.label and not spec.label.endswith(" value")  # not "rho value"
    called = f"{spec.label} ({name})" if words else name  # "learning rate (lr)"
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec is None:
            raise ValueError(f"{name} is empty: enter a number")
        raise ValueError(f"{called} is empty: enter a number ({spec.allowed()})")
    if isinstance(value, (bool, list, dict)):
        raise ValueError(f"{name} must be a number, got {shown(value)}")
    try:
        return float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise ValueError(f"{name} is too large: {shown(value)} is beyond floating point") from None
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {shown(value)}") from None


def _as_bool(value) -> bool:
    """A switch's value: a checklist gives a list (ticked or empty), a URL may give true/false."""
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, bool):
        return value
    raise ValueError(f"expected on or off, got {shown(value)}")


def parse_options(values: dict, schedule_values: dict) -> dict:
    """A run's engine options from its card (or a link): ``batch_size`` (blank: full batch), ``noise``
    (blank: 0), ``seed``, ``scheduler`` (blank: none) and that schedule's options (blank: its default).

    Ranges that depend on the surface or the steps are checked by the engine when the run starts.
    """
    options: dict[str, Any] = {}
    if _given(values.get("batch_size")):
        options["batch_size"] = parse_number(values["batch_size"], "batch size", 1, MAX_BATCH, integer=True)
    if _given(values.get("noise")):
        noise = parse_number(values["noise"], "noise σ", 0, MAX_COORDINATE)
        if noise:
            options["noise"] = noise
    if _given(values.get("seed")):
        options["seed"] = parse_number(values["seed"], "seed", 0, MAX_SEED, integer=True)
    name = values.get("scheduler")
    if _given(name):
        if not isinstance(name, str) or name not in schedules.names():
            raise ValueError(
                f"Unknown schedule {str(name)[:30]!r}; choose one of: {', '.join(schedules.names())}"
            )
        options["scheduler"] = name
        given = {}
        for option in schedules.get(name).options:
            value = schedule_values.get(option.name)
            if _given(value) or option.kind == "bool":
                given[option.name] = _schedule_value(option, value)
        options["scheduler_options"] = given
    return options


def _given(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _schedule_value(option, value):
    name = option.name
    if option.kind == "bool":
        return _as_bool(value) if value is not None else bool(option.default)
    if option.kind == "choice":
        if value not in option.choices:
            raise ValueError(f"{name} must be one of: {', '.join(option.choices)}")
        return value
    if option.kind == "ints":
        parts = re.split(r"[,;\s]+", value.strip()) if isinstance(value, str) else value
        if not isinstance(parts, (list, tuple)) or not 1 <= len(parts) <= 50:
            raise ValueError(f"{name} must be a list of whole numbers, e.g. 30, 80")
        return [parse_number(v, name, 0, MAX_STEPS * 100, integer=True) for v in parts if v != ""]
    integer = option.kind == "int"
    return parse_number(value, name, -MAX_COORDINATE, MAX_COORDINATE, integer=integer)


_RANGE = re.compile(r"^\s*([^:]+):([^:]+):\s*(\d+)\s*$")


def parse_lr_list(text) -> list[float]:
    """Learning rates for side-by-side panels: ``"0.001, 0.01, 0.1"`` or ``"0.001:1:4"`` (4 log-spaced).

    At most ``MAX_PANELS`` values, each > 0.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("Enter learning rates, e.g. 0.001, 0.01, 0.1 or 0.001:1:4")
    match = _RANGE.match(text)
    if match:
        low, high = (parse_number(match[i], "learning rate", 1e-12, 1e6) for i in (1, 2))
        count = int(match[3])
        if not 2 <= count <= MAX_PANELS:
            raise ValueError(f"a range needs 2 to {MAX_PANELS} values, got {count}")
        values = np.geomspace(low, high, count).tolist()
    else:
        parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
        values = [parse_number(p, "learning rate", 1e-12, 1e6) for p in parts]
    if len(values) > MAX_PANELS:
        raise ValueError(f"at most {MAX_PANELS} learning rates side by side, got {len(values)}")
    return [float(f"{v:.6g}") for v in values]
