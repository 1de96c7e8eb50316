"""What the user set up, as plain data, and the validation of every value that comes from the browser.

Everything here is a pure function: values in, settings or a ``ValueError`` with a plain message out.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import reprlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import landscapes
import optimizers
from landscapes.formula import parse_formula
from optimizers import schedules
from optimizers.base import validate

MAX_STEPS = 1000
MAX_RUNS = 8
MAX_PANELS = 8
MAX_COORDINATE = 1e6
MAX_LINK_CHARS = 8000
MODES = ("explore", "compare", "maps")

#: Run colours: bright, distinct on the surface colour scale and on a projector.
PALETTE = ("#ff3b30", "#ff9f0a", "#ff2dd1", "#00d5ff", "#ffffff", "#b48cff", "#ffe600", "#3dff8b")
COLOR_NAMES = ("red", "orange", "pink", "cyan", "white", "violet", "yellow", "green")


@dataclass(frozen=True)
class RunSpec:
    """One run as the user set it up: an optimizer, its hyperparameters (torch names) and a colour."""

    optimizer: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    color: str = PALETTE[0]
    options: dict[str, Any] = field(default_factory=dict)  # batch_size, seed, noise, scheduler, ...

    def label(self) -> str:
        """E.g. ``SGD (lr 0.05, momentum 0.9, batch 8)``: what tells this run from the others."""
        optimizer = optimizers.get(self.optimizer)
        defaults = optimizer.defaults
        parts = [f"lr {format_number(self.hyperparameters['lr'])}"] if "lr" in self.hyperparameters else []
        for name, value in self.hyperparameters.items():
            if name == "lr" or _plain(defaults.get(name)) == _plain(value):
                continue
            parts.append(name if value is True else f"{name} {_format_value(value)}")
        if self.options.get("batch_size"):
            parts.append(f"batch {self.options['batch_size']}")
        if self.options.get("noise"):
            parts.append(f"noise {format_number(self.options['noise'])}")
        if self.options.get("scheduler"):
            parts.append(schedules.get(self.options["scheduler"]).title)
        return f"{optimizer.title} ({', '.join(parts)})" if parts else optimizer.title


DEFAULT_SURFACE = "rosenbrock"
DEFAULT_STEPS = 200
DEFAULT_RUNS = (
    RunSpec("sgd", {"lr": 0.002, "momentum": 0.9}, PALETTE[0]),
    RunSpec("adam", {"lr": 0.1}, PALETTE[1]),
)
DEFAULT_COMPARE = RunSpec("sgd", {})
DEFAULT_COMPARE_LRS = "0.0003, 0.001, 0.002, 0.0025"


def _format_value(value) -> str:
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join("None" if v is None else format_number(v) for v in value) + ")"
    if value is None or isinstance(value, str):
        return str(value)  # a choice (L-BFGS's line_search_fn) or a None the spec allows
    return format_number(value)


def format_number(value) -> str:
    """A number as a person would write it: 0.001, 1e-05, 0.9, 200."""
    if value is None:
        return ""
    return f"{float(value):.4g}"


def parse_number(value, name: str, low: float, high: float, *, integer: bool = False) -> float:
    """A number from a form field, within ``[low, high]``; else ``ValueError`` saying what is allowed."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(
            f"{name} is empty: enter a number from {format_number(low)} to {format_number(high)}"
        )
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {reprlib.repr(value)}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(
            f"{name} must be from {format_number(low)} to {format_number(high)}, got {reprlib.repr(value)}"
        )
    if integer:
        if not number.is_integer():
            raise ValueError(f"{name} must be a whole number, got {reprlib.repr(value)}")
        return int(number)
    return number


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


CUSTOM = "custom"


def parse_surface(name, formula=None) -> landscapes.Landscape:
    """A registered surface, or (``name`` "custom") the one the ``formula`` in x and y describes."""
    if name == CUSTOM:
        if not isinstance(formula, str) or not formula.strip():
            raise ValueError("Type a formula in x and y for the custom surface, e.g. x^2 + 3*sin(y)")
        return parse_formula(formula)
    if not isinstance(name, str):
        raise ValueError(f"Unknown surface; choose one of: {', '.join(landscapes.names())}")
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
        raise ValueError(f"Invalid {spec.name}: {reprlib.repr(value)} ({spec.allowed()})")
    return value


def _number_or_none(value, name: str, spec, *, none: bool):
    """A number, or ``None`` from an empty box where the spec gives ``None`` a meaning (``spec.none``)."""
    if none and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    return _number_or_raise(value, name, spec)


def _number_or_raise(value, name: str, spec=None) -> float:
    """A hyperparameter's number; an emptied box (``None``) is refused, not replaced by the default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec is None:
            raise ValueError(f"{name} is empty: enter a number")
        words = spec.label and not spec.label.endswith(" value")  # "learning rate", not "rho value"
        raise ValueError(
            f"{f'{spec.label} ({name})' if words else name} is empty: enter a number ({spec.allowed()})"
        )
    if isinstance(value, (bool, list, dict)):
        raise ValueError(f"{name} must be a number, got {reprlib.repr(value)}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {reprlib.repr(value)}") from None


def _as_bool(value) -> bool:
    """A switch's value: a checklist gives a list (ticked or empty), a URL may give true/false."""
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, bool):
        return value
    raise ValueError(f"expected on or off, got {reprlib.repr(value)}")


MAX_BATCH = 100_000
MAX_SEED = 2**31 - 1


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


def default_settings() -> dict:
    """What the page shows when it opens."""
    landscape = landscapes.get(DEFAULT_SURFACE)
    return {
        "surface": landscape.name,
        "formula": None,
        "start": list(landscape.start),
        "steps": DEFAULT_STEPS,
        "mode": "explore",
        "runs": list(DEFAULT_RUNS),
        "compare": DEFAULT_COMPARE,
        "compare_lrs": DEFAULT_COMPARE_LRS,
        "loss_log": True,
    }


# ------------------------------------------------------------------------------ share links


def settings_to_json(settings: dict) -> dict:
    """Settings as plain JSON data (what a share link carries)."""

    def run(spec: RunSpec) -> dict:
        defaults = optimizers.get(spec.optimizer).defaults
        changed = {k: v for k, v in spec.hyperparameters.items() if _plain(defaults.get(k)) != v}
        out = {"optimizer": spec.optimizer, "hp": changed, "color": spec.color}
        return {**out, "options": spec.options} if spec.options else out

    return {
        "surface": settings["surface"],
        "formula": settings.get("formula") if settings["surface"] == CUSTOM else None,
        "start": [float(v) for v in settings["start"]],
        "steps": int(settings["steps"]),
        "mode": settings["mode"],
        "runs": [run(spec) for spec in settings["runs"]],
        "compare": run(settings["compare"]),
        "compare_lrs": settings["compare_lrs"],
        "loss_log": bool(settings["loss_log"]),
        "step": settings.get("step"),
        "lesson": settings.get("lesson"),
        "classroom": bool(settings.get("classroom", False)),
        "present": bool(settings.get("present", False)),
        "maps": settings.get("maps"),
    }


def settings_from_json(data) -> dict:
    """Validate settings from JSON data (a link, a lesson, a hand-made request): every value is
    checked as if typed into its control. Missing keys take the defaults."""
    if not isinstance(data, dict):
        raise ValueError("the settings must be a JSON object")
    defaults = settings_to_json(default_settings())
    get = lambda key: data.get(key, defaults[key])  # noqa: E731
    formula = data.get("formula")
    landscape = parse_surface(get("surface"), formula)
    start = data.get("start", list(landscape.start))
    if not isinstance(start, (list, tuple)) or len(start) != 2:
        raise ValueError("start must be a pair [x, y]")
    runs = get("runs")
    if not isinstance(runs, list) or not 1 <= len(runs) <= MAX_RUNS:
        raise ValueError(f"a link holds 1 to {MAX_RUNS} runs")
    mode = get("mode")
    if mode not in MODES:
        raise ValueError(f"mode must be one of: {', '.join(MODES)}")
    steps = parse_steps(get("steps"))
    step = data.get("step")  # None: play from the start
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= steps):
        raise ValueError(f"step must be a whole number from 0 to {steps}")
    compare_lrs = get("compare_lrs")
    parse_lr_list(compare_lrs)
    compare = data.get("compare")
    return {
        "surface": landscape.name,
        "formula": formula if landscape.name == CUSTOM else None,
        "start": list(parse_start(*start)),
        "steps": steps,
        "mode": mode,
        "runs": [run_from_json(r) for r in runs],
        "compare": run_from_json(defaults["compare"] if compare is None else compare),
        "compare_lrs": compare_lrs,
        "loss_log": _flag(get("loss_log"), "loss_log"),
        "step": step,
        "lesson": _lesson_name(data.get("lesson")),
        "classroom": _flag(data.get("classroom", False), "classroom"),
        "present": _flag(data.get("present", False), "present"),
        # The Maps panel's own settings: checked by app.maps_view.link_settings when the link opens.
        "maps": data.get("maps") if isinstance(data.get("maps"), dict) else None,
    }


def run_from_json(data) -> RunSpec:
    """A run from ``{"optimizer": name, "hp": {torch name: value}, "color": "#rrggbb"}``."""
    if not isinstance(data, dict):
        raise ValueError("each run must be a JSON object")
    name = data.get("optimizer")
    hp = data.get("hp", {})
    if not isinstance(hp, dict):
        raise ValueError("a run's hyperparameters must be a JSON object")
    values = {}
    specs = {h.name: h for h in optimizers.get(name).hyperparameters} if name in optimizers.names() else {}
    for key, value in hp.items():
        spec = specs.get(key)
        if (key == "betas" or (spec and spec.kind == "pair")) and isinstance(value, list) and len(value) == 2:
            values[f"{key}.0"], values[f"{key}.1"] = value
        elif isinstance(value, bool):
            values[key] = ["on"] if value else []
        elif isinstance(value, (int, float)):
            values[key] = value
        elif spec and (
            (value is None and spec.none) or (spec.kind == "choice" and isinstance(value, (str, type(None))))
        ):
            values[key] = value
        else:
            raise ValueError(f"{key} must be a number or true/false, got {str(value)[:20]!r}")
    if isinstance(name, str):
        unknown = set(hp) - {h.name for h in optimizers.get(name).hyperparameters}
        if unknown:
            optimizers.get(name).spec(sorted(unknown)[0])
    options = data.get("options", {})
    if not isinstance(options, dict) or not isinstance(options.get("scheduler_options", {}), dict):
        raise ValueError("a run's options must be a JSON object")
    spec = parse_run(name, values, data.get("color"))
    return replace(spec, options=parse_options(options, options.get("scheduler_options", {})))


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


def _lesson_name(value):
    if value is not None and (not isinstance(value, str) or len(value) > 40):
        raise ValueError("lesson must be a lesson's name")
    return value


def encode_settings(settings: dict) -> str:
    """The query string of a share link: ``?state=<base64url JSON>``."""
    text = json.dumps(settings_to_json(settings), separators=(",", ":"), allow_nan=False)
    return "?state=" + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_settings(search) -> dict | None:
    """Settings from a share link's query string; ``None`` if it carries none.

    Raises ``ValueError`` with a plain message for anything malformed.
    """
    if not isinstance(search, str) or not search.strip("?"):
        return None
    if len(search) > MAX_LINK_CHARS:
        raise ValueError("this link is too long to be a Descent link")
    fields = dict(part.split("=", 1) for part in search.lstrip("?").split("&") if "=" in part)
    encoded = fields.get("state")
    if encoded is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        data = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValueError("this link is damaged (its state could not be read)") from None
    return settings_from_json(data)
