"""The settings as plain data: what a run is, the app's limits, the defaults the page opens with.

No validation here (``app.parsing`` turns browser values into these) and no link codec
(``app.links``); nothing in this module knows about Dash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import landscapes
import optimizers
from optimizers import schedules

MAX_STEPS = 1000
MAX_RUNS = 8
MAX_PANELS = 8
MAX_COORDINATE = 1e6
MAX_BATCH = 100_000
MAX_SEED = 2**31 - 1
#: The views, in the order of the mode switch (``app.shell.views.VIEWS`` has one package per mode).
MODES = ("explore", "compare", "maps", "networks")
CUSTOM = "custom"  # the surface a teacher types as a formula in x and y (landscapes.formula)
#: A surface named ``net-plane:…`` is a plane of a trained network (app.networks.surface: the name says how).
NETWORK_PLANE = "net-plane:"

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
            if name == "lr" or plain(defaults.get(name)) == plain(value):
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


def plain(value):
    return list(value) if isinstance(value, tuple) else value


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
