"""The package's shape (docs/architecture.md): packages by job, the engine's in layers that import
only downwards, the two faces fenced behind the actions, the migrations frozen; data flows one way
(extracts -> tables -> facts -> rules -> decisions -> claim runs -> writers), the rules never
touch the database, and results are found by rule id. Each rule names the import that breaks it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sfclaims

PACKAGE = Path(sfclaims.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_of(path: Path, modules: set[str]) -> set[str]:
    """The sfclaims modules a module imports anywhere in it (lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for (
                alias
            ) in node.names:  # `from sfclaims.deciding.rules import outcomes` is the submodule
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports_of(path, set(paths)) - {name} for name, path in paths.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = "open", trail.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return trail[trail.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node], _ = "done", trail.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_module_of_the_package_imports_one_that_imports_it_back():
    assert _cycle(import_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


#: The engine's packages, lowest first: each imports only itself and those below it.
LAYERS = ("platform", "intake", "people", "deciding", "claims", "outputs", "upkeep", "actions")
FACES = ("cli", "web")
SHARED = ("words",)  # what each face says a person can do next: a face's words, shared


def package_of(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def breaches(graph: dict[str, set[str]]) -> list[str]:
    """Every import that breaks the house's rules, as "module imports module: why"."""
    found = []
    for module, imported in sorted(graph.items()):
        home = package_of(module)
        for target in sorted(imported):
            there = package_of(target)
            if there == home or "sfclaims" in (home, there):
                continue
            if home in FACES and there not in ("actions", *SHARED):
                found.append(f"{module} imports {target}: a face imports only the actions")
            elif home not in FACES and there in FACES:
                found.append(f"{module} imports {target}: the engine imports no face")
            elif home in LAYERS and there in LAYERS and LAYERS.index(there) > LAYERS.index(home):
                found.append(f"{module} imports {target}: {home} stands below {there}")
    return found


def test_every_import_keeps_the_house_rules():
    assert breaches(import_graph()) == []


def test_the_house_rules_name_the_import_that_breaks_them():
    graph = {
        "sfclaims.web.routes.quarter": {"sfclaims.deciding.assessing", "sfclaims.actions"},
        "sfclaims.deciding.assessing": {"sfclaims.claims.making", "sfclaims.cli.console"},
        "sfclaims.cli.quarter": {"sfclaims.web.app", "sfclaims.words"},
    }
    assert breaches(graph) == [
        "sfclaims.cli.quarter imports sfclaims.web.app: a face imports only the actions",
        "sfclaims.deciding.assessing imports sfclaims.claims.making: deciding stands below claims",
        "sfclaims.deciding.assessing imports sfclaims.cli.console: the engine imports no face",
        "sfclaims.web.routes.quarter imports sfclaims.deciding.assessing: a face imports only "
        "the actions",
    ]


def test_every_module_belongs_to_a_package_by_job():
    loose = {
        name
        for name in import_graph()
        if name.count(".") == 1 and package_of(name) not in (*LAYERS, *FACES, *SHARED)
    }
    assert loose == set(), "a module at the package's root belongs to a package by its job"


def test_the_migrations_import_nothing_of_sfclaims():
    """A migration is history: it runs the same on every database, whatever sfclaims becomes."""
    versions = PACKAGE.parent / "migrations" / "versions"
    assert sorted(versions.glob("*.py")), "the migrations are where the house says"
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not [n for n in names if n.split(".")[0] == "sfclaims"], path.name


def test_the_rules_import_only_facts_the_framework_and_each_other():
    graph = import_graph()
    allowed = {
        "sfclaims.deciding.facts",
        "sfclaims.platform.framework",
        "sfclaims.platform.errors",
        "sfclaims.platform.dates",
        "sfclaims.intake.kinds",
    }
    for module, imported in graph.items():
        if module.startswith("sfclaims.deciding.rules"):
            outside = {m for m in imported if not m.startswith("sfclaims.deciding.rules")} - allowed
            assert not outside, f"{module} imports {sorted(outside)}"


def test_importing_the_rules_loads_no_database_library():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, sfclaims.deciding.rules; "
            "print(' '.join(m for m in ('sqlalchemy', 'sqlmodel', 'pandas') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert loaded == []


def test_no_result_is_looked_up_by_the_words_of_a_rule():
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert ".rule.startswith(" not in source and ".rule ==" not in source, path


DOORS = ("accounts", "shown", "service", "vocabulary")


def names_the_faces_import() -> dict[str, set[str]]:
    """Each door of the actions, and the names the faces import through it."""
    used: dict[str, set[str]] = {door: set() for door in DOORS}
    for face in FACES:
        for path in (PACKAGE / face).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module:
                    door = node.module.removeprefix("sfclaims.actions.")
                    if door in used:
                        used[door] |= {alias.name for alias in node.names}
    return used


def test_each_door_of_the_actions_holds_only_what_a_face_uses():
    """A door lists the engine's names a face relies on: one no face imports is taken out."""
    import importlib

    used = names_the_faces_import()
    for door in DOORS:
        listed = set(importlib.import_module(f"sfclaims.actions.{door}").__all__)
        assert listed - used[door] == set(), f"sfclaims.actions.{door}"
