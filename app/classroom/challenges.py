"""Classroom challenges as plain data: parse a teacher's challenge, parse a student's attempt, and
compute the attempt's result with the real engine. Pure: no database, no Flask.

Three kinds:

- ``target`` — reach the target: a surface, a start and a step budget; "get the loss below ε in ≤ N
  steps". An attempt is an optimizer and its hyperparameters; the server runs it.
- ``choice`` — predict, then reveal, by choosing: a question and 2–6 choices, each optionally with
  the real run it stands for (``"which learning rate diverges?"``) and optionally the right answer,
  given or found from the runs (``"diverged"``, ``"first"`` to reach ``target_loss``).
- ``point`` — predict, then reveal, by a click on the contour map: a question and the run whose end
  point students predict (``"where will the ball stop?"``).

Every number is checked (finite, in range), every optimizer and hyperparameter with the registry's
spec and its torch-worded messages; steps are capped like every other request.
"""

from __future__ import annotations

import math
import reprlib
import unicodedata
from typing import Any

import numpy as np

import landscapes
import optimizers
from optimizers import budget
from optimizers.base import validate
from optimizers.maps import stable_learning_rate

KINDS = ("target", "choice", "point")
ANSWER_RULES = ("diverged", "first")  # a choice question's answer found from its real runs
MAX_STEPS = 1000  # the app's own cap on steps
MAX_COORDINATE = 1e6
MAX_CHOICES = 6
MAX_QUESTION = 200
MAX_LABEL = 60
MAX_NAME = 40
#: A path keeps at most this many points (start and end included): enough to draw it on a map.
PATH_POINTS = 201


def parse_challenge(data: Any) -> dict:
    """A teacher's challenge as stored: checked, defaults filled in, the real runs computed.

    Returns a dict with ``kind``, ``surface``, ``start``, ``steps``, and per kind ``target_loss`` and
    ``lr_limit`` (2/λ_max at the start, ``None`` where unbounded) / ``question``, ``choices`` and
    ``answer`` / ``question`` and ``run``; ``reveal`` holds what students see only once revealed.
    Raises ``ValueError`` with a short reason.
    """
    data = _object(data, "the challenge")
    kind = data.get("kind", "target")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of: {', '.join(KINDS)}; got {reprlib.repr(kind)}")
    surface = data.get("surface", "bowl")
    landscape = landscapes.get(surface)
    start = _start(data.get("start", list(landscape.start)))
    steps = number(data.get("steps", 100), "steps", 1, MAX_STEPS, integer=True)
    challenge: dict[str, Any] = {"kind": kind, "surface": landscape.name, "start": start, "steps": steps}
    if kind == "target":
        challenge["target_loss"] = number(data.get("target_loss"), "target_loss", -1e300, 1e300)
        limit = stable_learning_rate(landscape, start)
        challenge["lr_limit"] = limit if math.isfinite(limit) else None
        challenge["reveal"] = {}
        return challenge
    challenge["question"] = text(data.get("question"), "question", MAX_QUESTION, required=True)
    if data.get("target_loss") is not None:  # optional: the runs' steps to it ("which is first?")
        challenge["target_loss"] = number(data["target_loss"], "target_loss", -1e300, 1e300)
    if kind == "choice":
        choices = data.get("choices")
        if not isinstance(choices, list) or not 2 <= len(choices) <= MAX_CHOICES:
            raise ValueError(f"choices must be a list of 2 to {MAX_CHOICES} choices")
        parsed = [_choice(c, i) for i, c in enumerate(choices)]
        challenge["choices"] = [c["label"] for c in parsed]
        check_time(challenge, [c["run"] for c in parsed if c["run"] is not None])
        runs = [
            None if c["run"] is None else {**c["run"], **summary(challenge, run_attempt(challenge, c["run"]))}
            for c in parsed
        ]
        answer = _answer(data.get("answer"), challenge, runs)
        challenge["reveal"] = {"answer": answer, "runs": runs}
        return challenge
    run = parse_run(_object(data.get("run"), "run"))
    result = summary(challenge, run_attempt(challenge, run))
    challenge["reveal"] = {"run": {**run, **result}}
    return challenge


def public(challenge: dict, revealed: bool) -> dict:
    """What a student may see of the challenge: the answers only once revealed."""
    shown = {k: v for k, v in challenge.items() if k != "reveal"}
    if revealed:
        shown["reveal"] = challenge["reveal"]
    return shown


def parse_attempt(challenge: dict, data: dict) -> dict:
    """A student's attempt for this challenge: ``{"optimizer", "hyperparameters"}`` (target),
    ``{"choice": i}`` (choice) or ``{"point": [x, y]}`` (point). Raises ``ValueError``."""
    kind = challenge["kind"]
    if kind == "target":
        return parse_run(data)
    if kind == "choice":
        return {
            "choice": number(data.get("choice"), "choice", 0, len(challenge["choices"]) - 1, integer=True)
        }
    return {"point": _start(data.get("point"), "point")}


def result(challenge: dict, attempt: dict) -> dict:
    """The attempt's result. A run: final loss, steps to target, diverged, its path. A prediction:
    nothing to compute now (it is scored against ``reveal`` by ``score``)."""
    if challenge["kind"] != "target":
        return {}
    return summary(challenge, run_attempt(challenge, attempt))


def score(challenge: dict, attempt: dict) -> dict:
    """How a prediction compares with the real run: ``correct`` (choice, when an answer was given)
    or ``distance`` from the real end point (point); ``{}`` for a run."""
    reveal = challenge["reveal"]
    if challenge["kind"] == "choice":
        answer = reveal["answer"]
        return {} if answer is None else {"correct": attempt["choice"] == answer}
    if challenge["kind"] == "point":
        end = reveal["run"]["end"]
        if end is None:
            return {"distance": None}
        return {"distance": math.dist(attempt["point"], end)}
    return {}


def parse_run(data: Any) -> dict:
    """``{"optimizer": name, "hyperparameters": {torch name: value}}``, checked with the registry's
    spec: one value per hyperparameter (no lists of runs), defaults filled in."""
    data = _object(data, "the attempt")
    optimizer = optimizers.get(data.get("optimizer"))
    given = data.get("hyperparameters", {})
    if not isinstance(given, dict):
        raise ValueError("hyperparameters must be an object: {name: value}")
    checked: dict[str, Any] = {}
    for name, value in given.items():
        spec = optimizer.spec(name)
        if value is None and spec.none and spec.kind != "pair":  # None means something here
            checked[name] = None
        elif spec.kind == "choice":
            if not (value is None or isinstance(value, str)) or value not in spec.choices:
                raise ValueError(f"{name} must be one of {list(spec.choices)}, got {reprlib.repr(value)}")
            checked[name] = value
        elif spec.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false, got {reprlib.repr(value)}")
            checked[name] = value
        elif spec.kind == "pair":
            first_none = isinstance(value, list) and len(value) == 2 and value[0] is None and bool(spec.none)
            if (
                not isinstance(value, list)
                or len(value) != 2
                or not all(is_number(v) or (i == 0 and first_none) for i, v in enumerate(value))
            ):
                raise ValueError(f"{name} must be a pair of numbers, got {reprlib.repr(value)}")
            checked[name] = (None if first_none else float(value[0]), float(value[1]))
        else:
            if not is_number(value):
                raise ValueError(f"{name} must be a number, got {reprlib.repr(value)}")
            checked[name] = float(value)
    hp, _ = validate(optimizer, checked)
    return {"optimizer": optimizer.name, "hyperparameters": {k: _plain(v) for k, v in hp.items()}}


def run_attempt(challenge: dict, run: dict) -> optimizers.Trajectory:
    """The real run on the challenge's surface, from its start, for its steps; refused
    (``budget.WorkTooLargeError``) before it starts if it would take over 2 s of CPU."""
    check_time(challenge, [run])
    hp = {k: _engine_value(v) for k, v in run["hyperparameters"].items()}
    return optimizers.run(
        challenge["surface"], run["optimizer"], tuple(challenge["start"]), challenge["steps"], **hp
    )


def check_time(challenge: dict, runs: list[dict]) -> None:
    """``budget.WorkTooLargeError`` if ``runs`` together would take over ``budget.LIMIT_SECONDS`` of
    CPU on this server, measured by a short probe of each (as Explore, Compare and Maps do)."""
    steps, start = challenge["steps"], tuple(challenge["start"])
    seconds = 0.0
    for run in runs:
        hp = {k: _engine_value(v) for k, v in run["hyperparameters"].items()}
        seconds += budget.estimate_seconds(challenge["surface"], run["optimizer"], 1, steps, start, **hp)
    budget.refuse_over(seconds, steps, more="or other hyperparameters")


def summary(challenge: dict, trajectory: optimizers.Trajectory) -> dict:
    """A run's result as JSON-ready data: ``final_loss`` (``None`` if it diverged), ``steps_to_target``
    (the first step whose loss is ≤ the target, ``None`` if never or no target), ``reached``,
    ``diverged``, ``diverged_at``, ``end`` (the last valid point) and ``path`` (at most
    ``PATH_POINTS`` points of it, start and end included)."""
    losses, points = trajectory.losses, trajectory.points
    diverged_at = int(trajectory.diverged_at)
    valid = len(losses) if diverged_at < 0 else diverged_at
    target = challenge.get("target_loss")
    steps_to_target = None
    if target is not None and valid:
        below = np.flatnonzero(losses[:valid] <= target)
        steps_to_target = int(below[0]) if below.size else None
    keep = np.unique(np.linspace(0, valid - 1, min(valid, PATH_POINTS)).round().astype(int)) if valid else []
    path = [[_round(x), _round(y)] for x, y in points[keep]]
    return {
        "final_loss": None if diverged_at >= 0 else _finite(losses[-1]),
        "steps_to_target": steps_to_target,
        "reached": steps_to_target is not None,
        "diverged": diverged_at >= 0,
        "diverged_at": None if diverged_at < 0 else diverged_at,
        "end": path[-1] if path else None,
        "path": path,
    }


def display_name(value: Any) -> str:
    """A display name: at most ``MAX_NAME`` characters, no control characters; empty is allowed."""
    if value is None:
        return ""
    return text(value, "name", MAX_NAME)


def text(value: Any, name: str, limit: int, *, required: bool = False) -> str:
    """A short line of text: stripped, at most ``limit`` characters, no control characters."""
    if not isinstance(value, str):
        if value is None and not required:
            return ""
        raise ValueError(f"{name} must be text")
    value = unicodedata.normalize("NFC", value.strip())
    if required and not value:
        raise ValueError(f"{name} is empty")
    if len(value) > limit:
        raise ValueError(f"{name} must be at most {limit} characters, got {len(value)}")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        raise ValueError(f"{name} must not contain control characters")
    return value


def number(value: Any, name: str, low: float, high: float, *, integer: bool = False) -> float:
    """A finite number in ``[low, high]`` (JSON numbers only, no strings), else ``ValueError``."""
    if not is_number(value):
        raise ValueError(f"{name} must be a number, got {reprlib.repr(value)}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low:g} to {high:g}, got {reprlib.repr(value)}")
    if integer:
        if not float(value).is_integer():
            raise ValueError(f"{name} must be a whole number, got {reprlib.repr(value)}")
        return int(value)
    return float(value)


def _answer(answer: Any, challenge: dict, runs: list[dict | None]) -> int | None:
    """The right choice: an index, or found from the real runs: ``"diverged"`` (the one choice
    whose run diverges) or ``"first"`` (the one that reaches ``target_loss`` in the fewest steps).
    ``None``: no right answer (an opinion poll)."""
    labels = challenge["choices"]
    if answer is None or is_number(answer):
        return None if answer is None else number(answer, "answer", 0, len(labels) - 1, integer=True)
    if answer not in ANSWER_RULES:
        raise ValueError(f"answer must be a choice's index or one of: {', '.join(ANSWER_RULES)}")
    if any(r is None for r in runs):
        raise ValueError(f"answer {answer!r} needs a run for every choice")
    if answer == "diverged":
        hits = [i for i, r in enumerate(runs) if r["diverged"]]
        if len(hits) != 1:
            which = ", ".join(labels[i] for i in hits) or "none"
            raise ValueError(f"exactly one choice's run must diverge for this question; diverged: {which}")
        return hits[0]
    if challenge.get("target_loss") is None:
        raise ValueError("answer 'first' needs a target_loss: first to reach which loss?")
    steps = [r["steps_to_target"] for r in runs]
    best = min((s for s in steps if s is not None), default=None)
    if best is None:
        raise ValueError(
            f"no choice's run gets the loss to {challenge['target_loss']:g} within {challenge['steps']} steps"
        )
    winners = [i for i, s in enumerate(steps) if s == best]
    if len(winners) != 1:
        tied = " and ".join(labels[i] for i in winners)
        raise ValueError(f"{tied} reach the target at the same step ({best}): no single first")
    return winners[0]


def _choice(data: Any, i: int) -> dict:
    if isinstance(data, str):
        data = {"label": data}
    data = _object(data, f"choice {i}")
    run = data.get("run")
    return {
        "label": text(data.get("label"), f"choice {i} label", MAX_LABEL, required=True),
        "run": None if run is None else parse_run(run),
    }


def _start(value: Any, name: str = "start") -> list[float]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"{name} must be [x, y]")
    return [
        number(v, f"{name} {axis}", -MAX_COORDINATE, MAX_COORDINATE)
        for v, axis in zip(value, "xy", strict=True)
    ]


def _object(value: Any, name: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object")
    return value


def is_number(value: Any) -> bool:
    """A finite JSON number (an integer too large for a float, e.g. 401 digits, is not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _round(value: float) -> float:
    return float(f"{float(value):.6g}")


def _plain(value: Any) -> Any:
    """A validated hyperparameter as JSON: a pair as a list, an infinite default (Prodigy's
    ``growth_rate``) as the text ``"inf"`` (JSON has no infinity); ``_engine_value`` reads it back."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]  # Adafactor's eps is (None, 1e-3)
    if value is None or isinstance(value, (bool, str)):  # None: a default such as Adafactor's lr
        return value  # a string: a choice (L-BFGS's line_search_fn)
    value = float(value)
    return value if math.isfinite(value) else str(value)


def _engine_value(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_engine_value(v) for v in value)
    return float(value) if value in ("inf", "-inf") else value  # a choice stays its string
