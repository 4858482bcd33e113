"""The package's shape: data flows one way (extracts -> tables -> facts -> rules -> decisions ->
claim runs -> writers), the rules never touch the database, and results are found by rule id."""

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
            for alias in node.names:  # `from sfclaims.rules import outcomes` is the submodule
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


def test_the_rules_import_only_facts_the_framework_and_each_other():
    graph = import_graph()
    allowed = {"sfclaims.facts", "sfclaims.framework", "sfclaims.errors", "sfclaims.extracts.kinds"}
    for module, imported in graph.items():
        if module.startswith("sfclaims.rules"):
            outside = {m for m in imported if not m.startswith("sfclaims.rules")} - allowed
            assert not outside, f"{module} imports {sorted(outside)}"


def test_importing_the_rules_loads_no_database_library():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, sfclaims.rules; "
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
