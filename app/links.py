"""Settings <-> share link (and the address bar): settings as plain JSON, checked on the way back in
exactly as if each value were typed into its control.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace

import optimizers
from app.model import CUSTOM, MAX_RUNS, MODES, RunSpec, default_settings, plain
from app.parsing import parse_lr_list, parse_options, parse_run, parse_start, parse_steps, parse_surface

MAX_LINK_CHARS = 8000


def settings_to_json(settings: dict) -> dict:
    """Settings as plain JSON data (what a share link carries)."""

    return {
        "surface": settings["surface"],
        "formula": settings.get("formula") if settings["surface"] == CUSTOM else None,
        "start": [float(v) for v in settings["start"]],
        "steps": int(settings["steps"]),
        "mode": settings["mode"],
        "runs": [run_to_json(spec) for spec in settings["runs"]],
        "compare": run_to_json(settings["compare"]),
        "compare_lrs": settings["compare_lrs"],
        "loss_log": bool(settings["loss_log"]),
        "step": settings.get("step"),
        "lesson": settings.get("lesson"),
        "classroom": bool(settings.get("classroom", False)),
        "present": bool(settings.get("present", False)),
        "inspect": bool(settings.get("inspect", False)),
        "maps": settings.get("maps"),
        "networks": settings.get("networks"),
    }


def run_to_json(spec: RunSpec) -> dict:
    """A run as plain JSON data: its optimizer, the hyperparameters that differ from torch's defaults,
    its colour and its options."""
    defaults = optimizers.get(spec.optimizer).defaults
    changed = {k: v for k, v in spec.hyperparameters.items() if plain(defaults.get(k)) != v}
    out = {"optimizer": spec.optimizer, "hp": changed, "color": spec.color}
    return {**out, "options": spec.options} if spec.options else out


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
        "inspect": _flag(data.get("inspect", False), "inspect"),  # the step inspector open
        # The Maps panel's own settings: checked by app.maps.settings.link_settings when the link opens.
        "maps": data.get("maps") if isinstance(data.get("maps"), dict) else None,
        # The Networks view's: checked by app.networks.settings.from_link when the link opens.
        "networks": data.get("networks") if isinstance(data.get("networks"), dict) else None,
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
    except RecursionError:  # brackets inside brackets thousands deep
        raise ValueError("this link is damaged (its state is nested too deeply)") from None
    if _depth(data) > MAX_LINK_DEPTH:
        raise ValueError("this link is damaged (its state is nested too deeply)")
    return settings_from_json(data)


#: The deepest nesting of lists and objects a link's state may have (a real one has 5 levels).
MAX_LINK_DEPTH = 12


def _depth(data) -> int:
    """How deeply ``data`` nests lists and dicts (1 for a flat one), without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (list, dict)):
            deepest = max(deepest, depth)
            if depth <= MAX_LINK_DEPTH:
                stack += [(child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)]
    return deepest
