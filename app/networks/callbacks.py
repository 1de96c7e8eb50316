"""The Networks view's callbacks, thin: read the controls (``app.networks.settings``), train
(``app.networks.training``), draw (``app.networks.figures``). Training runs when Train is pressed, and
once by itself the first time the view is shown; the step slider and Play switch snapshots in the
browser (assets/networks.js), never on the server.
"""

from __future__ import annotations

import time

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update

from app import ids as setup_ids
from app.components.run_card import RunCard
from app.networks import figures, ids
from app.networks import training as trainer
from app.networks.settings import parse_setup

FIGURES = {
    "boundary": ids.BOUNDARY,
    "loss": ids.LOSS,
    "random": ids.RANDOM_PLANE,
    "pca": ids.PCA_PLANE,
    "interpolation": ids.INTERPOLATION,
}
VALUES = {
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
}


def register(app) -> None:
    """Attach the Networks view's callbacks to ``app``."""
    _register_train(app)
    _register_browser(app)


def _card_states() -> dict:
    card = ids.CARD
    return {
        # ALL and a filter, not the card's own id: the same shape as its other controls.
        "optimizer_ids": State(RunCard.ids.optimizer(ALL), "id"),
        "optimizers": State(RunCard.ids.optimizer(ALL), "value"),
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


def _register_train(app) -> None:
    @app.callback(
        output={
            **{key: Output(component, "figure") for key, component in FIGURES.items()},
            "frames": Output(ids.FRAMES, "data"),
            "frame_max": Output(ids.FRAME, "max"),
            "frame": Output(ids.FRAME, "value"),
            "note": Output(ids.NOTE, "children"),
            "timing": Output(ids.TIMING, "children"),
            "error": Output(ids.ERROR, "children"),
            "done": Output(ids.DONE, "data"),
        },
        inputs={"clicks": Input(ids.TRAIN, "n_clicks"), "mode": Input(setup_ids.MODE, "value")},
        state={
            **{key: State(component, "value") for key, component in VALUES.items()},
            **_card_states(),
            "done": State(ids.DONE, "data"),
        },
        running=[(Output(ids.TRAIN, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def train(
        clicks,
        mode,
        done,
        optimizer_ids,
        optimizers,
        hp_ids,
        hp,
        option_ids,
        options,
        schedule_ids,
        schedule,
        **values,
    ):
        """Train one network per learning rate and draw them (the last good figures stay on an error)."""
        keys = (*FIGURES, "frames", "frame_max", "frame", "note", "timing", "error", "done")
        nothing = dict.fromkeys(keys, no_update)
        if ctx.triggered_id == setup_ids.MODE and (mode != "networks" or done is not None):
            return nothing
        chosen = [v for i, v in zip(optimizer_ids or [], optimizers or [], strict=False) if _ours(i)]
        card = {
            "optimizer": chosen[0] if chosen else None,
            "hp": _named(hp_ids, hp),
            "options": _named(option_ids, options),
            "schedule": _named(schedule_ids, schedule),
        }
        try:
            setup = parse_setup(values, card)
            began = time.perf_counter()
            result = trainer.train(setup)
            seconds = time.perf_counter() - began
        except ValueError as error:
            return {**nothing, "error": str(error)}
        last = len(result.frames) - 1
        return {
            "boundary": figures.boundary_figure(result),
            "loss": figures.loss_figure(result),
            "random": figures.plane_figure(result.planes[0]) if result.planes else figures.no_plane(),
            "pca": figures.plane_figure(result.planes[1]) if result.planes else figures.no_plane(),
            "interpolation": figures.interpolation_figure(result),
            "frames": figures.frames_data(result),
            "frame_max": last,
            "frame": last,
            "note": figures.plane_note(result),
            "timing": figures.timing_text(result, seconds),
            "error": "",
            "done": True,
        }


def _register_browser(app) -> None:
    app.clientside_callback(
        ClientsideFunction("networks", "showFrame"),
        Output(ids.BOUNDARY, "figure", allow_duplicate=True),
        Output(ids.LOSS, "figure", allow_duplicate=True),
        Output(ids.RANDOM_PLANE, "figure", allow_duplicate=True),
        Output(ids.PCA_PLANE, "figure", allow_duplicate=True),
        Output(ids.STEP_LABEL, "children"),
        Input(ids.FRAME, "value"),
        State(ids.FRAMES, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("networks", "play"),
        Output(ids.FRAME, "value", allow_duplicate=True),
        Output(ids.TICKER, "disabled"),
        Output(ids.PLAY, "children"),
        Input(ids.PLAY, "n_clicks"),
        Input(ids.TICKER, "n_intervals"),
        State(ids.FRAME, "value"),
        State(ids.FRAME, "max"),
        State(ids.TICKER, "disabled"),
        prevent_initial_call=True,
    )
