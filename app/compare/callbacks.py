"""Compare's callbacks: none of its own. Its panels are drawn by the compute callback it shares with
Explore (``app.shell.compute``): the same setup, one engine call, one loss chart and one player; its
card's MATCH callbacks are the run card's (``app.components.run_card``)."""

from __future__ import annotations


def register(app) -> None:
    """Nothing to attach: see the module's docstring."""
