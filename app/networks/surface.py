"""A plane of a trained network as a surface of the Surface menu: Explore, Compare, Maps and the
basins then work on a slice of a real network.

The surface's name says everything needed to build it again (a share link carries only the name):
``net-plane:<kind>:<seed>:<settings>``, ``kind`` "random" (Li et al.'s filter-normalised plane
through the final weights, its directions drawn from ``seed``) or "pca" (the plane of the path's two
principal directions), and ``settings`` the view's settings that differ from its defaults (base64url
JSON, as a link's ``networks`` part). Building it trains the first network of those settings (seeded:
the same training every time), takes its plane over the window the Networks view draws, and samples
it (``slices.SampledPlane``): the exact loss and gradient at ``NODES`` × ``NODES`` points, joined
smoothly between them, so that a contour image or thousands of runs cost no more than on any surface.
Refused first when that work is over the view's cap (``training.MAX_WORK``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace
from functools import lru_cache

from app.model import NETWORK_PLANE
from app.networks import training
from app.networks.settings import DEFAULT, from_link, to_link
from app.networks.training import Setup
from landscapes import slices

KINDS = {"random": "Random plane", "pca": "PCA plane"}
#: Nodes a side of the sampled plane: as many as the Networks view draws (which draws them in float32:
#: the same numbers to ~2e-6).
NODES = training.PLANE_GRID
#: The longest name read (a link's whole state is at most ``links.MAX_LINK_CHARS``).
MAX_NAME = 3000
#: Multiply-adds of one loss-and-gradient per example and parameter (a forward and a backward pass).
GRADIENT_COST = 3


def is_plane(name) -> bool:
    return isinstance(name, str) and name.startswith(NETWORK_PLANE)


def plane_name(setup: Setup, kind: str, seed: int = 0) -> str:
    """The surface name of the ``kind`` plane (directions from ``seed``) of ``setup``'s first network."""
    if kind not in KINDS:
        raise ValueError(f"a plane is one of: {', '.join(KINDS)}")
    first = replace(setup, lrs=setup.lrs[:1])
    defaults = to_link(DEFAULT)
    changed = {key: value for key, value in to_link(first).items() if defaults.get(key) != value}
    changed.pop("frame", None)
    text = json.dumps(changed, separators=(",", ":"), sort_keys=True, allow_nan=False)
    encoded = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return f"{NETWORK_PLANE}{kind}:{int(seed)}:{encoded}"


def parse_name(name) -> tuple[Setup, str, int]:
    """``(setup, kind, seed)`` of a plane's name; ``ValueError`` in plain words for anything else."""
    if not is_plane(name) or len(name) > MAX_NAME:
        raise ValueError("this is not the name of a network's plane")
    parts = name[len(NETWORK_PLANE) :].split(":")
    if len(parts) != 3 or parts[0] not in KINDS or not parts[1].isdigit() or len(parts[1]) > 10:
        raise ValueError("this network plane's name is damaged (net-plane:kind:seed:settings)")
    kind, seed, encoded = parts[0], int(parts[1]), parts[2]
    try:
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise ValueError("this network plane's settings could not be read") from None
    setup, _ = from_link(data)
    return replace(setup, lrs=setup.lrs[:1]), kind, seed


def describe(setup: Setup, kind: str, seed: int) -> str:
    """The menu's words for a plane, e.g. ``PCA plane: 2-16-16-1 tanh network, moons``."""
    which = f"{KINDS[kind]} {seed}" if kind == "random" else KINDS[kind]
    if setup.model == "recommender":
        return f"{which}: recommender {setup.users} × {setup.items}, rank {setup.rank}"
    sizes = "-".join(map(str, setup.network().sizes))
    return f"{which}: {sizes} {setup.activation} network, {setup.data}"


def values_of(options) -> list:
    """The values of a Surface menu's ``options`` (whatever the browser sent)."""
    return [o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else []


def menu_options(options, landscape) -> list:
    """The Surface menu's ``options`` with ``landscape`` (a plane) as its last entry, in place of any
    other plane: one network plane at a time in the menu."""
    options = options if isinstance(options, list) else []
    kept = [o for o in options if isinstance(o, dict) and not is_plane(o.get("value"))]
    return [*kept, {"label": landscape.title, "value": landscape.name}]


def check_work(setup: Setup, n_params: int) -> None:
    """``ValueError`` if training the first network and sampling its plane would take too long."""
    training.check_work(setup, n_params)
    grid = GRADIENT_COST * NODES * NODES * training.examples(setup) * n_params
    if training.work(setup, n_params) + grid > training.MAX_WORK:
        raise ValueError(
            f"This model is too large to explore as a surface ({training.examples(setup)} examples × "
            f"{n_params} parameters, sampled at {NODES} × {NODES} points of its plane): use a smaller model."
        )


def plane_surface(name) -> slices.SampledPlane:
    """The surface a plane's name describes, built (or taken from this process's cache)."""
    setup, kind, seed = parse_name(name)
    return _built(plane_name(setup, kind, seed))


@lru_cache(maxsize=16)
def _built(name: str) -> slices.SampledPlane:
    setup, kind, seed = parse_name(name)
    net = setup.network()
    check_work(setup, net.n_params)
    net, trajectory = training.run(setup)
    if trajectory.diverged_at[0] >= 0:
        raise ValueError("this network diverged in training: it has no final weights to take a plane through")
    path = trajectory.points[0, training.curve_steps_of(setup.steps)]
    centre = path[-1]
    if kind == "random":
        directions = slices.random_directions(net, centre, seed)
        coords = slices.project(path, centre, *directions)
        bounds = training.random_window(coords)
    else:
        pca = slices.pca_plane(path)
        directions, coords = pca.directions, pca.coords
        bounds = training.pca_window(coords)
    title = describe(setup, kind, seed)
    start = tuple(float(v) for v in coords[0])  # where the training started, inside both windows
    return slices.SampledPlane(
        net, centre, *directions, bounds=bounds, n=NODES, start=start, name=name, title=title,
        description=_description(setup, kind, net),
    )  # fmt: skip


def _description(setup: Setup, kind: str, net) -> str:
    plane = (
        "a plane through the trained weights along two filter-normalised random directions"
        if kind == "random"
        else "the plane of the training path's two principal directions, through the trained weights"
    )
    model = (
        f"rank-{setup.rank} recommender U Vᵀ on {setup.users} users × {setup.items} items"
        if setup.model == "recommender"
        else f"{'-'.join(map(str, net.sizes))} {setup.activation} network on {setup.data}"
    )
    return (
        f"The loss of a {model} "
        f"(lr {setup.lrs[0]:g}, {setup.steps} steps of {setup.optimizer}) on {plane}: a 2-D slice of "
        f"its {net.n_params}-dimensional landscape, exact at {NODES} × {NODES} points and joined smoothly "
        "between them. The start is where the training started, seen in this plane; a run here stays "
        "in the plane, the model's own training left it."
    )
