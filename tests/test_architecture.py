"""The shape of app/: no import cycles, one package per view, each view wired in by one line.

The import graph is read from the source with ``ast`` (nothing is imported). It holds the imports
that run when a module is first imported (those at module level, not inside a function: a function's
import runs later, once every module is loaded); importing ``a.b.c`` runs ``a/__init__.py`` and
``a/b/__init__.py`` too, so the importer depends on those packages as well.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str], name: str) -> set[str]:
    """The app modules that module ``name`` (at ``path``) imports when it is imported, with the
    packages they are in.

    Its own packages are left out (Python has run their ``__init__`` before this module, so a
    package whose ``__init__`` gathers its submodules is no cycle), unless it imports a *name* from
    one of them: that name must already exist, which is a real dependency.
    """
    package = (name if path.name == "__init__.py" else name.rpartition(".")[0]).split(".")
    parts = name.split(".")
    own = {".".join(parts[:i]) for i in range(1, len(parts))}
    found = set()
    for node in _module_level(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets, names_from = [alias.name for alias in node.names], set()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], base]).rstrip(".")
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            targets = [base, *submodules]
            names_from = {base} if any(m not in modules for m in submodules) else set()
        else:
            continue
        for target in targets:
            bits = target.split(".")
            chain = {".".join(bits[:i]) for i in range(1, len(bits) + 1)} & modules
            found |= (chain - own) | (chain & names_from)
    found.discard(name)
    return found


def _module_level(node):
    """Every node outside function bodies (an ``if`` or ``try`` at module level still runs)."""
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield child
            yield from _module_level(child)


def import_graph() -> dict[str, set[str]]:
    paths = sorted(APP.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    graph = {module_name(p): imported(p, modules, module_name(p)) for p in paths}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of modules (first == last), or ``None``; depth-first search."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_passes_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_imports_of_every_form(tmp_path):
    """Module-level imports of modules and of names count, with their packages; a function's do
    not, nor do the importer's own packages, unless it takes a name from one."""
    modules = {"app", "app.model", "app.shell", "app.shell.ids", "app.explore", "app.explore.ids"}
    source = tmp_path / "x.py"
    source.write_text(
        "from app.shell import ids\nimport app.model\n\ndef f():\n    from app.explore import ids as e\n"
    )
    assert imported(source, modules, "app.x") == {"app.model", "app.shell", "app.shell.ids"}
    assert imported(source, modules, "app.shell.x") == {"app.model", "app.shell.ids"}
    source.write_text("from app.shell import TITLE\n")
    assert imported(source, modules, "app.shell.x") == {"app.shell"}


def test_app_has_no_import_cycles():
    graph = import_graph()
    assert {"app.explore", "app.compare", "app.maps"} <= graph["app.shell.views"]
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def test_the_views_do_not_import_the_shell_nor_each_other_but_ids():
    """The shell places the views; a view that imported the shell would tie them both ways. A view
    may name another's components (Maps adds a run to Explore's cards), never use its code."""
    graph = import_graph()
    views = ("app.explore", "app.compare", "app.maps")
    for part in (*views, "app.components"):
        for module, deps in graph.items():
            if module != part and not module.startswith(part + "."):
                continue
            assert not {d for d in deps if d.startswith("app.shell")}, (module, deps)
            others = {d for d in deps for v in views if v != part and d.startswith(v + ".")}
            assert others <= {f"{v}.ids" for v in views}, (module, others)


def test_every_mode_is_one_view_package_in_the_shell():
    from app import model
    from app.shell.views import VIEWS

    assert tuple(view.MODE for view in VIEWS) == model.MODES
    for view in VIEWS:
        for part in ("TITLE", "sidebar", "panel", "bottom", "register"):
            assert hasattr(view, part), (view.__name__, part)
        for module in ("ids", "layout", "callbacks", "figures"):
            importlib.import_module(f"{view.__name__}.{module}")


@pytest.mark.parametrize("view", ["explore", "compare", "maps"])
def test_each_view_owns_its_ids(view):
    """No id string is defined twice across app/ids.py, the shell's and the views' ids."""
    seen: dict[str, str] = {}
    for module in ("app.ids", "app.shell.ids", "app.explore.ids", "app.compare.ids", "app.maps.ids"):
        for name, value in vars(importlib.import_module(module)).items():
            if name.isupper() and isinstance(value, str):
                assert value not in seen, f"{value!r} in {module} and {seen[value]}"
                seen[value] = module
    assert any(owner == f"app.{view}.ids" for owner in seen.values())
