"""The Networks view's callbacks, thin: read the controls (``app.networks.settings``), train
(``app.networks.training``), draw (``app.networks.figures``). Training runs when Train is pressed, and
once by itself the first time the view is shown; the step slider and Play switch snapshots in the
browser (assets/networks.js), never on the server.
"""

from __future__ import annotations

import time

from dash import ALL, Input, Output, State, ctx, no_update

from app import clientside, lessons
from app import ids as setup_ids
from app.clientside import Clientside
from app.components.run_card import RunCard
from app.links import decode_settings, settings_from_json
from app.networks import export as networks_export
from app.networks import figures, ids
from app.networks import inspector as inspection
from app.networks import surface as plane_surface
from app.networks import training as trainer
from app.networks.layout import run_card
from app.networks.settings import from_link, inspected_network, parse_setup, run_of, to_link, values_of
from app.parsing import parse_surface
from app.shell import ids as shell_ids

FIGURES = {
    "boundary": ids.BOUNDARY,
    "loss": ids.LOSS,
    "random": ids.RANDOM_PLANE,
    "pca": ids.PCA_PLANE,
    "interpolation": ids.INTERPOLATION,
}
VALUES = {
    "model": ids.MODEL,
    "data": ids.DATA,
    "n": ids.SIZE,
    "noise": ids.NOISE,
    "test_share": ids.TEST_SHARE,
    "data_seed": ids.DATA_SEED,
    "hidden": ids.HIDDEN,
    "activation": ids.ACTIVATION,
    "lrs": ids.LRS,
    "steps": ids.STEPS,
    "init_seed": ids.INIT_SEED,
    "users": ids.USERS,
    "items": ids.ITEMS,
    "rank": ids.RANK,
    "known": ids.KNOWN,
    "rating_noise": ids.RATING_NOISE,
    "l2": ids.L2,
    "rating_seed": ids.RATING_SEED,
}


def register(app) -> None:
    """Attach the Networks view's callbacks to ``app``."""
    _register_train(app)
    _register_link(app)
    _register_planes(app)
    _register_export(app)
    _register_browser(app)


def _card_states(exact: bool = False) -> dict:
    """The run card's controls; ``exact`` names the card's optimizer by its own id (for a callback
    that also reads every card's ``RunCard.ids.optimizer(ALL)``)."""
    card = ids.CARD
    menu = RunCard.ids.optimizer(card) if exact else RunCard.ids.optimizer(ALL)
    return {
        # ALL and a filter, not the card's own id: the same shape as its other controls.
        "optimizer_ids": State(menu, "id"),
        "optimizers": State(menu, "value"),
        "hp_ids": State(RunCard.ids.hp(card, ALL), "id"),
        "hp": State(RunCard.ids.hp(card, ALL), "value"),
        "option_ids": State(RunCard.ids.option(card, ALL), "id"),
        "options": State(RunCard.ids.option(card, ALL), "value"),
        "schedule_ids": State(RunCard.ids.schedule_option(card, ALL), "id"),
        "schedule": State(RunCard.ids.schedule_option(card, ALL), "value"),
    }


def _ours(component_id) -> bool:
    return isinstance(component_id, dict) and component_id.get("aio_id") == ids.CARD


def _named(component_ids, values) -> dict:
    """``{name: value}`` of this view's card's pattern-matching controls."""
    pairs = zip(component_ids or [], values or [], strict=False)
    return {i["name"]: v for i, v in pairs if _ours(i) and isinstance(i.get("name"), str)}


def _card(optimizer_ids, optimizers, hp_ids, hp, option_ids, options, schedule_ids, schedule) -> dict:
    """This view's run card's values, from ``_card_states``."""
    if isinstance(optimizer_ids, dict):  # the card's own id (``exact``): one value, not a list
        optimizer_ids, optimizers = [optimizer_ids], [optimizers]
    chosen = [v for i, v in zip(optimizer_ids or [], optimizers or [], strict=False) if _ours(i)]
    return {
        "optimizer": chosen[0] if chosen else None,
        "hp": _named(hp_ids, hp),
        "options": _named(option_ids, options),
        "schedule": _named(schedule_ids, schedule),
    }


def _register_train(app) -> None:
    @app.callback(
        output={
            **{key: Output(component, "figure") for key, component in FIGURES.items()},
            "frames": Output(ids.FRAMES, "data"),
            "inspector": Output(ids.INSPECT_DATA, "data"),
            "inspect_options": Output(ids.INSPECT_RUN, "options"),
            "inspect_run": Output(ids.INSPECT_RUN, "value"),
            "frame_max": Output(ids.FRAME, "max"),
            "frame": Output(ids.FRAME, "value"),
            "note": Output(ids.NOTE, "children"),
            "timing": Output(ids.TIMING, "children"),
            "error": Output(ids.ERROR, "children"),
            "export_error": Output(ids.EXPORT_ERROR, "children"),
            "done": Output(ids.DONE, "data"),
            "trained": Output(ids.TRAINED, "data"),
            "pending": Output(ids.PENDING, "data", allow_duplicate=True),
            # Every card's plot, as the shell's compute has it (allow_duplicate): this card's is set here.
            "lr_plots": Output(RunCard.ids.lr_plot(ALL), "figure", allow_duplicate=True),
        },
        inputs={
            "clicks": Input(ids.TRAIN, "n_clicks"),
            "mode": Input(setup_ids.MODE, "value"),
            "linked": Input(ids.LINKED, "data"),
        },
        state={
            **{key: State(component, "value") for key, component in VALUES.items()},
            **_card_states(),
            "done": State(ids.DONE, "data"),
            "pending": State(ids.PENDING, "data"),
            "present": State(shell_ids.PRESENT, "value"),
            "inspected": State(ids.INSPECT_RUN, "value"),
        },
        running=[(Output(ids.TRAIN, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def train(clicks, mode, linked, done, pending, present, inspected, **values):
        """Train one network per learning rate and draw them (the last good figures stay on an error).

        Train trains; a mode change or a link trains only on the view's first showing (a link or a
        lesson clears ``done``): a link's controls are set before this runs, as ``linked`` waits."""
        keys = (*FIGURES, *TRAIN_KEYS)
        plots = [o["id"] for o in ctx.outputs_grouping["lr_plots"]]
        nothing = {**dict.fromkeys(keys, no_update), "lr_plots": [no_update] * len(plots)}
        if ids.TRAIN not in _triggered() and (mode != "networks" or done is not None):
            return nothing
        card = _card(*(values.pop(key) for key in CARD_KEYS))
        try:
            setup = parse_setup(values, card)
            began = time.perf_counter()
            result = trainer.train(setup)
            seconds = time.perf_counter() - began
        except ValueError as error:
            return {**nothing, "error": str(error)}
        last = len(result.frames) - 1
        drawn = {
            "boundary": figures.boundary_figure(result),
            "loss": figures.loss_figure(result),
            "random": figures.plane_figure(result.planes[0]) if result.planes else figures.no_plane(),
            "pca": figures.plane_figure(result.planes[1]) if result.planes else figures.no_plane(),
            "interpolation": figures.interpolation_figure(result),
        }
        if present == ["on"]:
            drawn = {key: figures.presented(fig) for key, fig in drawn.items()}
        pending = pending if isinstance(pending, dict) else {}  # what a link opens at (open_link)
        frame = pending.get("frame")
        frame = frame if isinstance(frame, int) and 0 <= frame <= last else last
        if pending.get("inspect") is not None:
            inspected = pending["inspect"]
        inspector = inspection.inspector_data(result)
        return {
            **drawn,
            "frames": figures.frames_data(result),
            "inspector": inspector,
            "inspect_options": inspection.choices(inspector),
            "inspect_run": inspection.kept_choice(inspected, len(inspector["runs"])),
            "frame_max": last,
            "frame": frame,
            "note": figures.plane_note(result),
            "timing": figures.timing_text(result, seconds),
            "error": "",
            "export_error": "",
            "done": True,
            "trained": to_link(setup),
            "pending": None,
            "lr_plots": [
                figures.lr_figure(result) if _ours(plot) and setup.options.get("scheduler") else no_update
                for plot in plots
            ],
        }


TRAIN_KEYS = (
    *("frames", "inspector", "inspect_options", "inspect_run", "frame_max", "frame", "note", "timing"),
    *("error", "export_error", "done", "trained", "pending"),
)
CARD_KEYS = (
    "optimizer_ids",
    "optimizers",
    "hp_ids",
    "hp",
    "option_ids",
    "options",
    "schedule_ids",
    "schedule",
)


def _triggered() -> set:
    return {prop.rsplit(".", 1)[0] for prop in ctx.triggered_prop_ids}


# --- share links and lessons ---------------------------------------------------------------------------


def link_triggers() -> dict:
    """What makes the shell's link (and the address bar) follow this view: each new training (its
    one-line summary; the snapshots themselves would be a heavy input) and the network the step
    inspector shows (as ``link_states``' ``net_inspect``, which a callback with these leaves out)."""
    return {"net_trained": Input(ids.TIMING, "children"), "net_inspect": Input(ids.INSPECT_RUN, "value")}


def link_states() -> dict:
    """The view's controls as ``State`` dependencies (keys ``net_*``), for the shell's callbacks that
    make a link or an export; ``setup_of_states`` reads them."""
    card = {f"net_{key}": dep for key, dep in _card_states(exact=True).items()}
    return {
        **{f"net_{key}": State(component, "value") for key, component in VALUES.items()},
        **card,
        "net_frame": State(ids.FRAME, "value"),
        "net_inspect": State(ids.INSPECT_RUN, "value"),
    }


def setup_of_states(values: dict):
    """``(setup, frame)`` from ``link_states``' values; ``ValueError`` for a bad control."""
    card = _card(*(values[f"net_{key}"] for key in CARD_KEYS))
    setup = parse_setup({key: values[f"net_{key}"] for key in VALUES}, card)
    frame = values.get("net_frame")
    return setup, frame if isinstance(frame, int) and not isinstance(frame, bool) else None


def link_of(values: dict, mode: str) -> dict | None:
    """What a share link carries of this view (``settings.to_link``); ``None`` when a control is
    bad and another view is shown (the link is of that view). In this view a bad control raises."""
    try:
        setup, frame = setup_of_states(values)
    except ValueError:
        if mode == "networks":
            raise
        return None
    return to_link(setup, frame, inspected_network(values.get("net_inspect"), setup))


def _register_link(app) -> None:
    @app.callback(
        output={
            **{key: Output(component, "value", allow_duplicate=True) for key, component in VALUES.items()},
            "card": Output(ids.CARD_SLOT, "children"),
            "pending": Output(ids.PENDING, "data", allow_duplicate=True),
            "done": Output(ids.DONE, "data", allow_duplicate=True),
            "linked": Output(ids.LINKED, "data"),
            "error": Output(ids.ERROR, "children", allow_duplicate=True),
        },
        inputs={"search": Input(setup_ids.URL, "search"), "lesson": Input(shell_ids.LESSON, "value")},
        prevent_initial_call="initial_duplicate",
    )
    def open_link(search, lesson):
        """A share link or a lesson sets the view as it was (its ``networks`` part, else the defaults
        when it opens this view), and trains once the view is shown."""
        nothing = dict.fromkeys((*VALUES, "card", "pending", "done", "linked", "error"), no_update)
        try:
            if ctx.triggered_id == shell_ids.LESSON:
                if lesson not in lessons.names():
                    return nothing
                settings = settings_from_json(lessons.get(lesson).settings)
            else:
                settings = decode_settings(search)
        except ValueError:
            return nothing  # the page's notice says the link cannot be opened
        if settings is None or (settings.get("networks") is None and settings["mode"] != "networks"):
            return nothing
        try:
            setup, frame = from_link(settings.get("networks"))
        except ValueError as error:
            return {**nothing, "error": f"The link's networks settings were not used: {error}"}
        return {
            **values_of(setup),
            "card": run_card(run_of(setup)),
            "pending": {"frame": frame, "inspect": (settings.get("networks") or {}).get("inspect")},
            "done": None,
            "linked": (ctx.triggered_id, search if ctx.triggered_id == setup_ids.URL else lesson),
            "error": "",
        }


# --- a plane as a surface of Explore ------------------------------------------------------------------


def _register_planes(app) -> None:
    @app.callback(
        output={
            "surface": Output(setup_ids.SURFACE, "value", allow_duplicate=True),
            "options": Output(setup_ids.SURFACE, "options", allow_duplicate=True),
            "mode": Output(setup_ids.MODE, "value", allow_duplicate=True),
            "error": Output(ids.PLANE_ERROR, "children"),
        },
        inputs={"random": Input(ids.EXPLORE_RANDOM, "n_clicks"), "pca": Input(ids.EXPLORE_PCA, "n_clicks")},
        state={"trained": State(ids.TRAINED, "data"), "options": State(setup_ids.SURFACE, "options")},
        prevent_initial_call=True,
    )
    def explore_plane(random, pca, trained, options):
        """Open the random or the PCA plane of the first network shown in Explore, as a surface."""
        nothing = dict.fromkeys(("surface", "options", "mode", "error"), no_update)
        kind = {ids.EXPLORE_RANDOM: "random", ids.EXPLORE_PCA: "pca"}.get(ctx.triggered_id)
        if kind is None or not ctx.triggered[0]["value"]:
            return nothing
        if trained is None:
            return {**nothing, "error": "Train the networks first: a plane is taken through trained weights."}
        try:
            setup, _ = from_link(trained)
            name = plane_surface.plane_name(setup, kind)
            landscape = parse_surface(name)  # built here: its cost is checked and it is then cached
        except ValueError as error:
            return {**nothing, "error": f"This plane cannot be explored: {error}"}
        return {
            "surface": landscape.name,
            "options": plane_surface.menu_options(options, landscape),
            "mode": "explore",
            "error": "",
        }

    @app.callback(
        Output(setup_ids.SURFACE, "options", allow_duplicate=True),
        Input(setup_ids.SURFACE, "value"),
        State(setup_ids.SURFACE, "options"),
        prevent_initial_call=True,
    )
    def offer_plane(surface, options):
        """A plane a link or a lesson opened joins the Surface menu (a menu drops a value it lacks)."""
        if not plane_surface.is_plane(surface) or surface in plane_surface.values_of(options):
            return no_update
        try:
            return plane_surface.menu_options(options, parse_surface(surface))
        except ValueError:
            return no_update  # the link's notice says why it could not be opened


# --- exports -------------------------------------------------------------------------------------------

EXPORTS = {"csv": ids.EXPORT_CSV, "json": ids.EXPORT_JSON, "html": ids.EXPORT_HTML}


def _register_export(app) -> None:
    @app.callback(
        output={
            "download": Output(shell_ids.DOWNLOAD, "data", allow_duplicate=True),
            "error": Output(ids.EXPORT_ERROR, "children", allow_duplicate=True),
        },
        inputs={ext: Input(button, "n_clicks") for ext, button in EXPORTS.items()},
        state=link_states(),
        prevent_initial_call=True,
    )
    def export(csv, json, html, **values):
        """The shown setup's trainings as a file; what went wrong, if anything, at the top of the view."""
        ext = next((ext for ext, button in EXPORTS.items() if button == ctx.triggered_id), None)
        if ext is None or not ctx.triggered[0]["value"]:
            return {"download": no_update, "error": no_update}
        out = networks_export.download(ext, values)
        return {"download": out["download"], "error": out["status"]}


#: The view's browser-only callbacks (assets/networks.js): fonts for projector mode, the frame shown,
#: the step inspector at it, and the player.
BROWSER = (
    Clientside(
        "networks.fonts",
        tuple(Output(component, "figure", allow_duplicate=True) for component in FIGURES.values()),
        (Input(shell_ids.PRESENT, "value"),),
        tuple(State(component, "figure") for component in FIGURES.values()),
        prevent_initial_call=True,
    ),
    Clientside(
        "networks.showFrame",
        (
            Output(ids.BOUNDARY, "figure", allow_duplicate=True),
            Output(ids.LOSS, "figure", allow_duplicate=True),
            Output(ids.RANDOM_PLANE, "figure", allow_duplicate=True),
            Output(ids.PCA_PLANE, "figure", allow_duplicate=True),
            Output(ids.STEP_LABEL, "children"),
        ),
        (Input(ids.FRAME, "value"),),
        (State(ids.FRAMES, "data"),),
        prevent_initial_call=True,
    ),
    Clientside(
        "networks.inspect",
        (Output(ids.INSPECTOR, "children"),),
        (Input(ids.FRAME, "value"), Input(ids.INSPECT_RUN, "value"), Input(ids.INSPECT_DATA, "data")),
        prevent_initial_call=True,
    ),
    Clientside(
        "networks.play",
        (
            Output(ids.FRAME, "value", allow_duplicate=True),
            Output(ids.TICKER, "disabled"),
            Output(ids.PLAY, "children"),
        ),
        (Input(ids.PLAY, "n_clicks"), Input(ids.TICKER, "n_intervals")),
        (State(ids.FRAME, "value"), State(ids.FRAME, "max"), State(ids.TICKER, "disabled")),
        prevent_initial_call=True,
    ),
)


def _register_browser(app) -> None:
    clientside.register(app, BROWSER)
