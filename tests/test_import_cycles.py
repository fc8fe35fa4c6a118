"""No import cycles among the project's modules (bot/, flows/, storage/).

A cycle makes the import order matter: whichever module is imported first sees the other half
initialised, and a name it needs may not exist yet. The graph is read from the sources with `ast`,
so every import counts — at the top of a module, inside a function, or under `if TYPE_CHECKING:`.
An import inside a function only postpones the cycle to the first call, and a type-only one still
ties two modules that should not know each other, so neither is excused.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "flows", "storage")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:  # Alembic loads them by path, not by import
                found[module_name(path)] = path
    return found


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules that `name` imports (`from a import b` is a.b when b is a module: a
    package runs before its submodules anyway, so that names no dependency on a's own code)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            submodules = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
            targets.update(submodules)
            if len(submodules) < len(node.names):  # a name defined in `base` itself
                targets.add(base)
    return {target for target in targets if target in modules and target != name}


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imported(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path a → b → … → a, or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for target in sorted(graph[node]):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_the_project_modules_import_each_other_without_a_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_cycle_check_sees_a_cycle_through_an_import_inside_a_function(tmp_path: Path) -> None:
    graph = {"bot.a": {"bot.b"}, "bot.b": {"bot.c"}, "bot.c": {"bot.a"}, "bot.d": set()}
    assert find_cycle(graph) == ["bot.a", "bot.b", "bot.c", "bot.a"]
    source = tmp_path / "b.py"
    source.write_text("def later():\n    from bot import a\n", encoding="utf-8")
    assert imported("bot.b", source, {"bot.a": source, "bot.b": source}) == {"bot.a"}


@pytest.mark.parametrize("name", sorted(project_modules()))
def test_every_module_imports_on_its_own(name: str) -> None:
    importlib.import_module(name)
