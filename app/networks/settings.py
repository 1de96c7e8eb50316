"""The Networks view's controls -> a ``training.Setup``, with plain messages (``ValueError``) for a bad
value; the defaults the view opens with. The engine checks the rest (data set, widths, activation,
hyperparameters) with its own messages, which name the value and the allowed range.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.model import MAX_SEED
from app.networks.training import MAX_STEPS, Setup
from app.parsing import parse_lr_list, parse_number, parse_options, parse_run
from landscapes import datasets
from landscapes.network import MAX_HIDDEN_LAYERS, MAX_WIDTH

DEFAULT = Setup(
    data="moons", n=200, noise=0.15, test_share=0.25, data_seed=0, hidden=(16, 16), activation="tanh",
    optimizer="adam", lrs=(0.003, 0.01, 0.03), init_seed=0, steps=200,
)  # fmt: skip
MAX_POINTS = 2000
MAX_NOISE = 2.0
TEST_SHARE_RANGE = (5, 80)  # percent


def hidden_text(hidden: tuple[int, ...]) -> str:
    return ", ".join(str(width) for width in hidden)


def lrs_text(lrs) -> str:
    return ", ".join(f"{lr:g}" for lr in lrs)


def parse_hidden(text) -> tuple[int, ...]:
    """``"16, 16"`` -> ``(16, 16)``: 1 to 3 widths, each 1 to 32."""
    allowed = f"1 to {MAX_HIDDEN_LAYERS} widths of 1 to {MAX_WIDTH}, e.g. 16, 16"
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p] if isinstance(text, str) else []
    if not 1 <= len(parts) <= MAX_HIDDEN_LAYERS or not all(p.isdigit() for p in parts):
        raise ValueError(f"Hidden layers: {str(text)[:40]!r} is not {allowed}")
    widths = tuple(int(p) for p in parts)
    if not all(1 <= w <= MAX_WIDTH for w in widths):
        raise ValueError(f"Hidden layers: each width must be 1 to {MAX_WIDTH}, got {hidden_text(widths)}")
    return widths


def parse_setup(values: dict, card: dict) -> Setup:
    """A ``Setup`` from the view's controls (``values`` by name) and its run card (``card``: the
    optimizer, ``{hp: value}``, ``{option: value}``, ``{schedule option: value}``)."""
    data = values.get("data")
    datasets.task_of(data)  # an unknown name: the engine's message, with the choices
    n = int(parse_number(values.get("n"), "training points", 10, MAX_POINTS, integer=True))
    noise = parse_number(values.get("noise"), "noise", 0, MAX_NOISE)
    share = parse_number(values.get("test_share"), "test share (%)", *TEST_SHARE_RANGE)
    data_seed = int(parse_number(values.get("data_seed"), "data seed", 0, MAX_SEED, integer=True))
    hidden = parse_hidden(values.get("hidden"))
    activation = values.get("activation")
    steps = int(parse_number(values.get("steps"), "steps", 1, MAX_STEPS, integer=True))
    init_seed = int(parse_number(values.get("init_seed"), "initialisation seed", 0, MAX_SEED, integer=True))
    lrs = tuple(parse_lr_list(values.get("lrs")))
    spec = parse_run(card.get("optimizer"), card.get("hp") or {})
    options = parse_options(card.get("options") or {}, card.get("schedule") or {})
    hyperparameters = {k: v for k, v in spec.hyperparameters.items() if k != "lr"}
    setup = replace(
        DEFAULT, data=data, n=n, noise=noise, test_share=share / 100, data_seed=data_seed, hidden=hidden,
        activation=activation, optimizer=spec.optimizer, hyperparameters=hyperparameters, lrs=lrs,
        options=options, init_seed=init_seed, steps=steps,
    )  # fmt: skip
    setup.network()  # the activation and the data set's own checks, before any training
    return setup
