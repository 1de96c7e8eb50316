"""The Maps view's settings: its controls' values checked (browser values -> the engine's arguments,
with plain messages), what a share link carries of it, and the small texts about a result. Pure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import optimizers
from app.components.run_card import RunCard
from app.maps import ids
from app.model import MAX_COORDINATE, MAX_RUNS, PALETTE, RunSpec, format_number
from app.parsing import parse_number, parse_run, parse_start, parse_steps, parse_surface
from landscapes.base import Landscape
from optimizers import budget, maps

#: What a share link carries of the Maps panel: its key in the link -> (component id, property).
LINK_CONTROLS = {
    "tab": (ids.TAB, "value"),
    "map_optimizer": (ids.MAP_OPTIMIZER, "value"),
    "map_x": (ids.MAP_X, "value"),
    "map_y": (ids.MAP_Y, "value"),
    "map_grid": (ids.MAP_GRID, "value"),
    "map_metric": (ids.MAP_METRIC, "value"),
    "basin_optimizer": (ids.BASIN_OPTIMIZER, "value"),
    "basin_lr": (ids.BASIN_LR, "value"),
    "basin_momentum": (ids.BASIN_MOMENTUM, "value"),
    "basin_grid": (ids.BASIN_GRID, "value"),
    "racers": (ids.RACE_OPTIMIZERS, "value"),
    "tol": (ids.RACE_TOL, "value"),
}

TABS = (("map", "Hyperparameter map"), ("basins", "Basins"), ("race", "Fair comparison"))

MAP_GRID_RANGE = (8, 64)

BASIN_GRID_RANGE = (20, 80)

DEFAULT_MAP_GRID = 40

DEFAULT_BASIN_GRID = 50

DEFAULT_RACERS = ("sgd", "adam", "rmsprop")

DEFAULT_TOL = "1e-6"

METRIC_LABELS = {"final": "final loss", "best": "best loss"}

#: Grid values are rounded to this many significant digits, so the run a click adds (whose
#: learning rate shows in a small box) is exactly the run of that cell.
GRID_DIGITS = 3


def default_axes(optimizer: str) -> tuple[str, str]:
    """The two hyperparameters a map of ``optimizer`` shows first: lr × momentum for SGD, lr × β₂
    for the Adam family, else lr × the next numeric one."""
    names = maps.mappable(optimizer)
    for second in ("momentum", "betas.1"):
        if second in names:
            return "lr", second
    return "lr", next(n for n in names if n != "lr")


#: Short names for the axis dropdowns (the figure's axes say more: ``map_figures.param_label``).
AXIS_LABELS = {"lr": "learning rate", "betas.0": "β₁ (betas[0])", "betas.1": "β₂ (betas[1])"}


def axis_options(optimizer: str) -> list[dict]:
    return [{"label": AXIS_LABELS.get(p, p.replace("_", " ")), "value": p} for p in maps.mappable(optimizer)]


def axes_for(optimizer: str, x_param, y_param) -> tuple[str, str]:
    """Keep the current axes if the new optimizer has both, else its default axes."""
    names = maps.mappable(optimizer)
    if x_param in names and y_param in names and x_param != y_param:
        return x_param, y_param
    return default_axes(optimizer)


def grid_values(optimizer: str, param: str, n: int) -> list[float]:
    """``n`` values over the hyperparameter's UI range, rounded to ``GRID_DIGITS`` digits."""
    return [float(f"{v:.{GRID_DIGITS}g}") for v in maps.default_grid(optimizer, param, n)]


def momentum_name(optimizer: str) -> str | None:
    """The hyperparameter a momentum box sets: ``momentum``, β₁ (``betas.0``), or none."""
    defaults = optimizers.get(optimizer).defaults
    if "momentum" in defaults:
        return "momentum"
    return "betas.0" if "betas" in defaults else None


def momentum_label(optimizer: str) -> str:
    name = momentum_name(optimizer)
    return {"momentum": "momentum", "betas.0": "β₁ (momentum)"}.get(name, "momentum (none)")


def momentum_default(optimizer: str):
    name = momentum_name(optimizer)
    if name is None:
        return None
    defaults = optimizers.get(optimizer).defaults
    return defaults["betas"][0] if name == "betas.0" else defaults["momentum"]


def basin_hyperparameters(optimizer: str, lr, momentum) -> dict[str, Any]:
    """The basins' settings: the learning rate and, if the optimizer has one, its momentum (or β₁)."""
    hp: dict[str, Any] = {"lr": parse_value(lr, "learning rate")}
    name = momentum_name(optimizer)
    if name is None:
        return hp
    value = parse_value(momentum, momentum_label(optimizer))
    if name == "betas.0":
        hp["betas"] = (value, optimizers.get(optimizer).defaults["betas"][1])
    else:
        hp["momentum"] = value
    return hp


def parse_setup(surface, formula, x, y, steps) -> tuple[Landscape, tuple[float, float], int]:
    """The sidebar's surface (``formula``: a custom one's), start and steps, or a ``ValueError``
    that says to fix them there."""
    try:
        return parse_surface(surface, formula), parse_start(x, y), parse_steps(steps)
    except ValueError as error:
        raise ValueError(f"Fix the surface, start or steps in the sidebar first: {error}") from None


def parse_optimizer(name) -> str:
    if not isinstance(name, str):
        raise ValueError(f"Choose an optimizer: {', '.join(optimizers.names())}")
    return optimizers.get(name).name


def parse_map_request(optimizer, x_param, y_param, grid, metric) -> dict[str, Any]:
    """The map's own controls, checked: ``{optimizer, x_param, y_param, n, metric}``."""
    optimizer = parse_optimizer(optimizer)
    names = maps.mappable(optimizer)
    for axis, param in (("x", x_param), ("y", y_param)):
        if param not in names:
            raise ValueError(f"Choose the {axis} axis among: {', '.join(names)}")
    if x_param == y_param:
        raise ValueError("Choose two different settings for the x and y axes")
    if metric not in maps.METRICS:
        raise ValueError(f"Choose what the colour shows: {', '.join(maps.METRICS)}")
    n = parse_grid(grid, MAP_GRID_RANGE)
    return {"optimizer": optimizer, "x_param": x_param, "y_param": y_param, "n": n, "metric": metric}


def parse_grid(value, limits: tuple[int, int]) -> int:
    """A grid size from its number box (``None`` from a hand-made request)."""
    low, high = limits
    if value is None:
        raise ValueError(f"grid must be a whole number from {low} to {high}")
    return parse_number(value, "grid", low, high, integer=True)


def parse_value(value, name: str) -> float:
    """A number from a box; its range is the engine's to check (with the engine's message)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{name} must be a number")
    return parse_number(value, name, -MAX_COORDINATE, MAX_COORDINATE)


#: The most a map, basins or race request may compute for (estimated before it starts).
MAX_SECONDS = budget.LIMIT_SECONDS


def check_time(landscape: Landscape, jobs: list[tuple[str, int]], steps: int, minima: bool = False) -> None:
    """Refuse, before it starts, work that would take over ``MAX_SECONDS``: ``jobs`` lists
    ``(optimizer, runs)``, each of ``steps`` steps; ``minima``: the search for local minima too (basins).
    ``optimizers.budget`` measures the costs."""
    fixed = 0.0
    if minima and getattr(landscape, "minima_are_isolated", True):
        fixed = budget.minima_search_seconds(landscape)
    seconds = fixed + sum(budget.estimate_seconds(landscape, name, runs, steps) for name, runs in jobs)
    budget.refuse_over(seconds, steps, MAX_SECONDS, fixed, more="or a smaller grid")


def map_meta(m: maps.HyperparameterMap) -> dict[str, Any]:
    """What a click needs to know about the shown map (kept in the browser as ``MAP_META``)."""
    return {
        "optimizer": m.optimizer,
        "x_param": m.x_param,
        "y_param": m.y_param,
        "x_values": m.x_values.tolist(),
        "y_values": m.y_values.tolist(),
        "x_log": m.x_log,
        "y_log": m.y_log,
    }


def snap(value, values, log: bool, name: str) -> float:
    """The grid value of the cell that contains ``value``: the nearest one (in log₁₀ on a log axis).

    A click on a heatmap reports the cell's centre between its edges, not its grid value: Dash's
    ``clickData`` leaves out a heatmap cell's ``customdata`` (its point number is ``[i, j]``).
    """
    grid = np.asarray(values if isinstance(values, list) else [], dtype=np.float64)
    if not 1 <= grid.size <= maps.MAX_GRID or not np.isfinite(grid).all() or (log and (grid <= 0).any()):
        raise ValueError("Compute a map first, then click one of its cells")
    value = parse_number(value, name, -MAX_COORDINATE, MAX_COORDINATE)
    if log:
        distance = np.abs(np.log10(grid) - math.log10(value)) if value > 0 else grid
    else:
        distance = np.abs(grid - value)
    return float(grid[np.argmin(distance)])


def run_from_cell(meta, point, color: str) -> RunSpec:
    """The run of a clicked map cell: ``meta`` is what the map was computed for (``map_meta``),
    ``point`` one point of Plotly's ``clickData`` (``x`` and ``y`` somewhere in the cell)."""
    if not isinstance(meta, dict) or not isinstance(point, dict):
        raise ValueError("Compute a map first, then click one of its cells")
    if "x" not in point or "y" not in point:
        raise ValueError("Click a cell of the map")
    x_value = snap(point["x"], meta.get("x_values"), meta.get("x_log") is True, "x")
    y_value = snap(point["y"], meta.get("y_values"), meta.get("y_log") is True, "y")
    optimizer = parse_optimizer(meta.get("optimizer"))
    hp = maps.cell_hyperparameters(optimizer, meta.get("x_param"), x_value, meta.get("y_param"), y_value)
    values: dict[str, Any] = {}
    for name, value in hp.items():
        if isinstance(value, (tuple, list)):
            values.update({f"{name}.{i}": v for i, v in enumerate(value)})
        else:
            values[name] = value
    return parse_run(optimizer, values, color)


def next_run(card_ids: list, colors: list) -> tuple[int, str]:
    """The index and colour of one more Explore run card, or ``ValueError`` if there are already
    ``MAX_RUNS``."""
    runs = [run for run in map(RunCard.run_of, card_ids) if isinstance(run, int)]
    if len(runs) >= MAX_RUNS:
        raise ValueError(f"Explore already shows {MAX_RUNS} runs, the most it can: remove one there first")
    color = next((c for c in PALETTE if c not in colors), PALETTE[len(runs) % len(PALETTE)])
    return max(runs, default=-1) + 1, color


def timing_text(runs: int, steps: int, seconds: float, where: str = "") -> str:
    """E.g. ``1,600 runs × 200 steps in 0.11 s``."""
    text = f"{runs:,} runs × {steps:,} steps in {seconds:.2f} s"
    return f"{text} · {where}" if where else text


def where_text(landscape: Landscape, start=None) -> str:
    """What a map was computed for, e.g. ``Rosenbrock valley from (−1.5, 2)``."""
    if start is None:
        return landscape.title
    return f"{landscape.title} from ({format_number(start[0])}, {format_number(start[1])})"


def parse_racers(names) -> list[str]:
    if not isinstance(names, list) or not names:
        raise ValueError("Choose at least one optimizer to compare")
    return list(dict.fromkeys(parse_optimizer(n) for n in names))


def default_link_settings() -> dict[str, Any]:
    """The Maps panel as it opens, in the keys of ``LINK_CONTROLS``."""
    x_param, y_param = default_axes("sgd")
    return {
        "tab": TABS[0][0],
        "map_optimizer": "sgd", "map_x": x_param, "map_y": y_param, "map_grid": DEFAULT_MAP_GRID,
        "map_metric": "final",
        "basin_optimizer": "sgd", "basin_lr": optimizers.get("sgd").spec("lr").default,
        "basin_momentum": momentum_default("sgd"), "basin_grid": DEFAULT_BASIN_GRID,
        "racers": list(DEFAULT_RACERS), "tol": DEFAULT_TOL,
    }  # fmt: skip


def link_settings(data) -> dict[str, Any]:
    """The Maps panel's settings from a link (missing keys: the defaults), each checked as Compute
    checks it; ``ValueError`` in plain words for anything else."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError("the maps settings must be a JSON object")
    unknown = sorted(set(data) - set(LINK_CONTROLS))
    if unknown:
        raise ValueError(f"unknown maps setting {unknown[0][:40]!r}")
    out = {**default_link_settings(), **data}
    if not isinstance(out["tab"], str) or out["tab"] not in dict(TABS):
        raise ValueError(f"the maps tab must be one of: {', '.join(dict(TABS))}")
    request = parse_map_request(
        out["map_optimizer"], out["map_x"], out["map_y"], out["map_grid"], out["map_metric"]
    )
    out.update(map_optimizer=request["optimizer"], map_grid=request["n"])
    out["basin_optimizer"] = parse_optimizer(out["basin_optimizer"])
    if momentum_name(out["basin_optimizer"]) is None:
        out["basin_momentum"] = None
    basin_hyperparameters(out["basin_optimizer"], out["basin_lr"], out["basin_momentum"])
    out["basin_grid"] = parse_grid(out["basin_grid"], BASIN_GRID_RANGE)
    out["racers"] = parse_racers(out["racers"])
    if not isinstance(out["tol"], (str, int, float)) or isinstance(out["tol"], bool):
        raise ValueError("tol must be a number")
    parse_value(out["tol"], "tol")
    return out


def settings_of(values: dict) -> dict[str, Any]:
    """``link_settings`` of the controls' values (``link_states``' keys)."""
    return link_settings({key: values[f"maps_{key}"] for key in LINK_CONTROLS})
