"""Adding a surface or an optimizer is one file plus one registry line: a module that defines one and
forgets the registry line is caught here (the contract suites then test every registered entry).

A Landscape subclass must be registered (an instance of exactly that class), unless it is a base that
other surfaces subclass, or a wrapper listed in ``WRAPPERS`` with the reason it has no menu entry.
Every ``Optimizer`` a module of optimizers/ defines must be the registered one of its name.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import landscapes
import optimizers
from landscapes.base import Landscape
from landscapes.formula import FormulaLandscape
from landscapes.slices import PlaneSurface, SampledPlane
from optimizers.base import Optimizer

#: Landscape classes with no menu entry of their own, and why.
WRAPPERS = {
    FormulaLandscape: "a teacher's formula in x and y, built per request from its text",
    PlaneSurface: "a plane through a P-parameter problem (a network), built at run time around it",
    SampledPlane: "a network's plane in the Surface menu, built from its name (app.networks.surface)",
}
#: Modules that gather the others (they import every entry) rather than define one.
GATHERERS = {"registry", "__init__"}


def modules(package) -> list[types.ModuleType]:
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
        if info.name not in GATHERERS
    ]


def unregistered_landscapes(found: list[types.ModuleType], registered: list[Landscape]) -> list[str]:
    """``module.Class`` for each Landscape subclass defined in ``found`` that has no registered
    instance, is subclassed by no other class there, and is not in ``WRAPPERS``."""
    classes = [
        value
        for module in found
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Landscape) and value.__module__ == module.__name__
    ]
    bases = {base for cls in classes for base in cls.__mro__[1:]}
    kinds = {type(surface) for surface in registered}
    return [
        f"{cls.__module__}.{cls.__name__}"
        for cls in classes
        if cls not in kinds and cls not in bases and cls not in WRAPPERS
    ]


def unregistered_optimizers(found: list[types.ModuleType], get) -> list[str]:
    """``module.NAME`` for each Optimizer in ``found`` that is not what the registry gives for its name."""
    missing = []
    for module in found:
        for attribute, value in vars(module).items():
            if not isinstance(value, Optimizer):
                continue
            try:
                registered = get(value.name)
            except ValueError:
                registered = None
            if registered is not value:
                missing.append(f"{module.__name__}.{attribute}")
    return missing


def registered_landscapes() -> list[Landscape]:
    return [landscapes.get(name) for name in landscapes.names()]


def test_every_landscape_class_is_registered_or_a_base_or_a_wrapper():
    assert unregistered_landscapes(modules(landscapes), registered_landscapes()) == []


def test_every_optimizer_a_module_defines_is_registered():
    assert unregistered_optimizers(modules(optimizers), optimizers.get) == []


@pytest.mark.parametrize("wrapper", sorted(WRAPPERS, key=lambda cls: cls.__name__))
def test_a_wrapper_is_really_not_in_the_menu(wrapper):
    """A class listed as a wrapper that got a registry line after all should leave ``WRAPPERS``."""
    assert wrapper not in {type(surface) for surface in registered_landscapes()}


def test_an_unregistered_surface_module_is_caught():
    module = types.ModuleType("landscapes.new_family")

    class Forgotten(Landscape):
        pass

    class Base(Landscape):
        pass

    class Leaf(Base):
        pass

    for cls in (Forgotten, Base, Leaf):
        cls.__module__ = module.__name__
        setattr(module, cls.__name__, cls)
    module.Bowl = type(landscapes.get("bowl"))  # imported from elsewhere: not this module's to register
    found = unregistered_landscapes([module], registered_landscapes())
    assert found == ["landscapes.new_family.Forgotten", "landscapes.new_family.Leaf"]


def test_an_unregistered_optimizer_module_is_caught():
    module = types.ModuleType("optimizers.new_rule")
    sgd = optimizers.get("sgd")
    module.SGD = sgd  # a registered one, re-exported: fine
    module.SGDW = type(sgd)(**{**sgd.__dict__, "name": "sgdw"})  # a new name, no registry line
    module.FAKE_SGD = type(sgd)(**{**sgd.__dict__, "title": "Another SGD"})  # a registered name, not it
    assert unregistered_optimizers([module], optimizers.get) == [
        "optimizers.new_rule.SGDW",
        "optimizers.new_rule.FAKE_SGD",
    ]
