"""The one registry of loss surfaces: one line per surface, in menu order (simple → hard)."""

from __future__ import annotations

import reprlib
from collections.abc import Iterable

from landscapes.base import Landscape
from landscapes.bowl import Bowl, Ravine
from landscapes.classic import Beale, Booth, GoldsteinPrice, Rosenbrock
from landscapes.data import LinearRegression, LogisticRegression, MatrixFactorization
from landscapes.multimodal import (
    Ackley,
    Himmelblau,
    Rastrigin,
    SixHumpCamel,
    StyblinskiTang,
    TwoValleys,
)
from landscapes.saddles import MonkeySaddle, Saddle


def index(surfaces: Iterable[Landscape]) -> dict[str, Landscape]:
    """``{name: surface}`` in the given order; a repeated name raises ``ValueError``.

    A dict comprehension would silently keep only the last of two surfaces with the same name.
    """
    by_name: dict[str, Landscape] = {}
    for surface in surfaces:
        if surface.name in by_name:
            raise ValueError(f"Two landscapes are called {surface.name!r}")
        by_name[surface.name] = surface
    return by_name


_LANDSCAPES: dict[str, Landscape] = index(
    (
        Bowl(),
        Ravine(),
        Booth(),
        Saddle(),
        MonkeySaddle(),
        TwoValleys(),
        Rosenbrock(),
        Beale(),
        GoldsteinPrice(),
        Himmelblau(),
        SixHumpCamel(),
        StyblinskiTang(),
        Rastrigin(),
        Ackley(),
        LinearRegression(),
        LogisticRegression(),
        MatrixFactorization(),
    )
)


def names() -> list[str]:
    """Registered surface names, in menu order."""
    return list(_LANDSCAPES)


def get(name: str) -> Landscape:
    """The landscape called ``name``; unknown names raise ``ValueError`` listing the valid ones."""
    try:
        return _LANDSCAPES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown landscape {reprlib.repr(name)}; choose one of: {', '.join(_LANDSCAPES)}"
        ) from None
