"""Explore's callbacks: add and remove run cards. (Its figures are drawn by the compute callback it
shares with Compare, ``app.shell.compute``: one engine call, one loss chart, one player.)"""

from __future__ import annotations

from dash import ALL, Input, Output, Patch, State, ctx, no_update

from app.components.run_card import RunCard
from app.explore import ids
from app.model import MAX_RUNS, PALETTE, RunSpec


def _positive(value) -> float | None:
    """A learning rate box's value as a positive number (the box holds text), or ``None``."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of hundreds of digits
        return None
    return number if 0 < number < float("inf") else None


FAVOURITES = ("sgd", "adam", "rmsprop", "adagrad", "nadam", "adamw", "lion", "newton")


def register(app) -> None:
    """Attach Explore's callbacks to ``app``."""

    @app.callback(
        Output(ids.RUNS, "children"),
        Input(ids.ADD_RUN, "n_clicks"),
        State(RunCard.ids.optimizer(ALL), "id"),
        State(RunCard.ids.optimizer(ALL), "value"),
        State(RunCard.ids.color(ALL), "value"),
        State(RunCard.ids.hp(ALL, "lr"), "value"),
        prevent_initial_call=True,
    )
    def add_run(_, optimizer_ids, optimizer_names, colors, lrs):
        """Append a card: the next favourite optimizer not yet shown, in an unused colour."""
        cards = [(RunCard.run_of(i), name) for i, name in zip(optimizer_ids, optimizer_names, strict=True)]
        cards = [(run, name) for run, name in cards if run not in (None, "compare")]
        if len(cards) >= MAX_RUNS:
            return no_update
        used = {name for _, name in cards if isinstance(name, str)}  # a forged request may send lists
        optimizer = next((n for n in FAVOURITES if n not in used), "sgd")
        color = next((c for c in PALETTE if c not in colors), PALETTE[len(cards) % len(PALETTE)])
        hp = {"lr": last} if (last := _positive(lrs[-1] if lrs else None)) else {}
        patch = Patch()
        patch.append(RunCard(max([r for r, _ in cards], default=-1) + 1, RunSpec(optimizer, hp, color)))
        return patch

    @app.callback(
        Output(ids.RUNS, "children", allow_duplicate=True),
        Input(RunCard.ids.remove(ALL), "n_clicks"),
        State(RunCard.ids.card(ALL), "id"),
        prevent_initial_call=True,
    )
    def remove_run(clicks, card_ids):
        """Remove the clicked card (the last one stays: there is always a run to watch)."""
        runs = [run for run in map(RunCard.run_of, card_ids) if run not in (None, "compare")]
        clicked = ctx.triggered_id
        if not isinstance(clicked, dict) or clicked.get("aio_id") not in runs or len(runs) <= 1:
            return no_update
        if not any(clicks):
            return no_update
        patch = Patch()
        del patch[runs.index(clicked["aio_id"])]
        return patch
