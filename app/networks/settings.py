"""The Networks view's controls -> a ``training.Setup``, with plain messages (``ValueError``) for a bad
value; the defaults the view opens with. The engine checks the rest (data set, widths, activation,
hyperparameters) with its own messages, which name the value and the allowed range.
"""

from __future__ import annotations

import re
from dataclasses import replace

import optimizers
from app.model import MAX_SEED, RunSpec
from app.networks.training import FRAMES, MAX_NETWORKS, MAX_STEPS, MODELS, Setup
from app.parsing import parse_lr_list, parse_number, parse_options, parse_run
from landscapes import datasets
from landscapes.network import MAX_HIDDEN_LAYERS, MAX_WIDTH
from landscapes.recommender import MAX_RANK, MAX_SIDE

DEFAULT = Setup(
    data="moons", n=200, noise=0.15, test_share=0.25, data_seed=0, hidden=(16, 16), activation="tanh",
    optimizer="adam", lrs=(0.003, 0.01, 0.03), init_seed=0, steps=200,
)  # fmt: skip
MAX_POINTS = 2000
MAX_NOISE = 2.0
TEST_SHARE_RANGE = (5, 80)  # percent
KNOWN_RANGE = (5, 100)  # percent of the rating matrix's entries known
MAX_L2 = 10.0


def hidden_text(hidden: tuple[int, ...]) -> str:
    return ", ".join(str(width) for width in hidden)


def lrs_text(lrs) -> str:
    """The learning rates as typed: each the shortest text that reads back as the same float."""
    return ", ".join(repr(float(lr)) for lr in lrs)


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


def supports(name: str, problem) -> bool:
    """Whether optimizer ``name`` can train ``problem``: Newton's method needs the exact Hessian,
    which a network does not give (``optimizers.supports`` where the engine has it)."""
    engine = getattr(optimizers, "supports", None)
    if engine is not None:
        return bool(engine(name, problem))
    return not optimizers.get(name).needs_hessian or callable(getattr(problem, "hessian", None))


def optimizer_choices() -> list[str]:
    """The optimizers the Networks menu offers: those that can train a network."""
    return [name for name in optimizers.names() if supports(name, DEFAULT.network())]


def parse_setup(values: dict, card: dict) -> Setup:
    """A ``Setup`` from the view's controls (``values`` by name) and its run card (``card``: the
    optimizer, ``{hp: value}``, ``{option: value}``, ``{schedule option: value}``)."""
    spec = parse_run(card.get("optimizer"), card.get("hp") or {})
    options = parse_options(card.get("options") or {}, card.get("schedule") or {})
    return setup_of(values, replace(spec, options=options))


def setup_of(values: dict, spec: RunSpec) -> Setup:
    """A ``Setup`` from the view's controls (``values`` by name) and a checked run (its ``lr`` unused:
    the learning rates box gives one per network). Only the chosen model's boxes are read: the
    other model's keep the defaults."""
    model = values.get("model", "network")
    if not isinstance(model, str) or model not in MODELS:
        raise ValueError(f"Model: {str(model)[:40]!r} is not one of: {', '.join(MODELS)}")
    steps = int(parse_number(values.get("steps"), "steps", 1, MAX_STEPS, integer=True))
    init_seed = int(parse_number(values.get("init_seed"), "initialisation seed", 0, MAX_SEED, integer=True))
    lrs = tuple(parse_lr_list(values.get("lrs")))
    if len(lrs) > MAX_NETWORKS:
        raise ValueError(f"At most {MAX_NETWORKS} learning rates (one model each), got {len(lrs)}")
    hyperparameters = {k: v for k, v in spec.hyperparameters.items() if k != "lr"}
    training = dict(
        model=model, optimizer=spec.optimizer, hyperparameters=hyperparameters, lrs=lrs,
        options=spec.options, init_seed=init_seed, steps=steps,
    )  # fmt: skip
    model_values = _ratings_of(values) if model == "recommender" else _network_of(values)
    setup = replace(DEFAULT, **training, **model_values)
    problem = setup.network()  # the engine's own checks, before any training
    if not supports(setup.optimizer, problem):
        title = optimizers.get(setup.optimizer).title
        what = "a recommender" if model == "recommender" else "a network"
        raise ValueError(
            f"{title} needs the exact Hessian of the loss, which {what} does not give here: "
            "choose another optimizer (L-BFGS builds its curvature from gradients)."
        )
    return setup


def _ratings_of(values: dict) -> dict:
    """The recommender's rating matrix from its boxes (``known`` in percent)."""
    known = parse_number(values.get("known"), "known ratings (%)", *KNOWN_RANGE)
    return {
        "users": int(parse_number(values.get("users"), "users", 2, MAX_SIDE, integer=True)),
        "items": int(parse_number(values.get("items"), "items", 2, MAX_SIDE, integer=True)),
        "rank": int(parse_number(values.get("rank"), "rank", 1, MAX_RANK, integer=True)),
        "known": known / 100,
        "rating_noise": parse_number(values.get("rating_noise"), "rating noise", 0, MAX_NOISE),
        "l2": parse_number(values.get("l2"), "L2 penalty", 0, MAX_L2),
        "rating_seed": int(
            parse_number(values.get("rating_seed"), "ratings seed", 0, MAX_SEED, integer=True)
        ),
    }


def _network_of(values: dict) -> dict:
    """The network's data set and architecture from their boxes."""
    data = values.get("data")
    datasets.task_of(data)  # an unknown name: the engine's message, with the choices
    n = int(parse_number(values.get("n"), "training points", 10, MAX_POINTS, integer=True))
    noise = parse_number(values.get("noise"), "noise", 0, MAX_NOISE)
    share = parse_number(values.get("test_share"), "test share (%)", *TEST_SHARE_RANGE)
    data_seed = int(parse_number(values.get("data_seed"), "data seed", 0, MAX_SEED, integer=True))
    return {
        "data": data, "n": n, "noise": noise, "test_share": share / 100, "data_seed": data_seed,
        "hidden": parse_hidden(values.get("hidden")), "activation": values.get("activation"),
    }  # fmt: skip


# --- what a share link carries of the view -----------------------------------------------------------

#: The link's keys for the view's boxes (``values`` of ``parse_setup``), in the controls' own units.
LINK_VALUES = (
    "model",
    "data",
    "n",
    "noise",
    "test_share",
    "data_seed",
    "hidden",
    "activation",
    "lrs",
    "steps",
    "init_seed",
    "users",
    "items",
    "rank",
    "known",
    "rating_noise",
    "l2",
    "rating_seed",
)


def values_of(setup: Setup) -> dict:
    """The controls' values that give ``setup`` back (``setup_of(values_of(s), run) == s``)."""
    return {
        "model": setup.model, "data": setup.data, "n": setup.n, "noise": setup.noise,
        "test_share": round(100 * setup.test_share, 9),
        "data_seed": setup.data_seed, "hidden": hidden_text(setup.hidden), "activation": setup.activation,
        "lrs": lrs_text(setup.lrs), "steps": setup.steps, "init_seed": setup.init_seed,
        "users": setup.users, "items": setup.items, "rank": setup.rank, "known": round(100 * setup.known, 9),
        "rating_noise": setup.rating_noise, "l2": setup.l2, "rating_seed": setup.rating_seed,
    }  # fmt: skip


def run_of(setup: Setup) -> RunSpec:
    """The run card's run of ``setup`` (no learning rate: one per network)."""
    return RunSpec(setup.optimizer, dict(setup.hyperparameters), options=dict(setup.options))


def to_link(setup: Setup, frame: int | None = None, inspect: int | None = None) -> dict:
    """What a share link carries of the view: the boxes' values, the run card, the snapshot and the
    network the step inspector shows (its index among the learning rates; left out if none)."""
    from app.links import run_to_json

    run = run_to_json(run_of(setup))
    run.pop("color", None)
    link = {**values_of(setup), "run": run, "frame": frame}
    return link if inspect is None else {**link, "inspect": inspect}


def inspected_network(chosen, setup: Setup) -> int | None:
    """``chosen`` if it names one of ``setup``'s networks (an index of its learning rates), else
    ``None`` (whatever the browser or a link sent)."""
    ok = isinstance(chosen, int) and not isinstance(chosen, bool) and 0 <= chosen < len(setup.lrs)
    return chosen if ok else None


def from_link(data) -> tuple[Setup, int | None]:
    """The setup and snapshot of a link's ``networks`` part (missing keys: the defaults), checked
    as Train checks the controls; ``ValueError`` in plain words for anything else."""
    from app.links import run_from_json

    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError("the networks settings must be a JSON object")
    unknown = sorted(set(data) - {*LINK_VALUES, "run", "frame", "inspect"})
    if unknown:
        raise ValueError(f"unknown networks setting {unknown[0][:40]!r}")
    values = {**values_of(DEFAULT), **{k: data[k] for k in LINK_VALUES if k in data}}
    for key in LINK_VALUES:
        if not isinstance(values[key], (str, int, float)) or isinstance(values[key], bool):
            raise ValueError(f"the networks setting {key!r} must be a number or a text")
    run = data.get("run", {"optimizer": DEFAULT.optimizer})
    setup = setup_of(values, run_from_json(run))
    frame = data.get("frame")
    if frame is not None and (
        isinstance(frame, bool) or not isinstance(frame, int) or not 0 <= frame < FRAMES
    ):
        raise ValueError(f"the networks snapshot must be a whole number from 0 to {FRAMES - 1}")
    chosen = data.get("inspect")
    if chosen is not None and inspected_network(chosen, setup) is None:
        raise ValueError(f"the inspected network must be a whole number from 0 to {len(setup.lrs) - 1}")
    return setup, frame
