"""Browser-only callbacks as data: each is a function of ``assets/*.js`` with its outputs, inputs and
state in the order the function takes them, and one loop registers a part's list of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dash import ClientsideFunction, Input, Output, State


@dataclass(frozen=True)
class Clientside:
    """``function`` is ``"namespace.name"`` (``window.dash_clientside.namespace.name``). One output
    is a single-output callback (the function returns the value); more return a list."""

    function: str
    outputs: tuple[Output, ...]
    inputs: tuple[Input, ...]
    state: tuple[State, ...] = ()
    prevent_initial_call: bool | str | None = None


def register(app, callbacks: Iterable[Clientside]) -> None:
    for callback in callbacks:
        namespace, name = callback.function.split(".")
        app.clientside_callback(
            ClientsideFunction(namespace, name),
            *callback.outputs,
            *callback.inputs,
            *callback.state,
            prevent_initial_call=callback.prevent_initial_call,
        )
