"""The import graph follows the flow: no cycle among packages or among the modules inside a
package, no import against the flow.

Every import counts, at module level or inside a function (a lazy import is still a
dependency, and a cycle hidden inside a function is still a cycle). The allowed graph below is
DESIGN.md's "data moves down this list and never back": the run side (models, ipc, engines,
run, suites) and the judging side (check, reports, github) share the base and the data modules,
and neither imports the other; only `cli` sees both.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mlxguard"

# Importable by everyone: errors, defaults, file, secret and untrusted-text helpers, the metric
# registry, config.
BASE = {"mlxguard", "errors", "defaults", "redact", "safetext", "fsutil", "metrics", "config"}
# The results file and what is computed from it.
DATA = {"stats", "results", "baselines", "merge"}
RUN_SIDE = {"models", "ipc", "engines", "run", "suites"}
JUDGING_SIDE = {"check", "reports", "github"}

# Package (or root module) -> what it may import besides itself.
ALLOWED: dict[str, set[str]] = {
    "mlxguard": set(),
    "errors": set(),
    "defaults": set(),
    "redact": set(),
    "safetext": {"redact"},
    "fsutil": {"errors"},
    "metrics": set(),
    "config": {"errors", "defaults", "fsutil", "metrics", "redact"},
    "stats": BASE,
    "results": BASE | {"stats"},
    "baselines": BASE | {"stats", "results"},
    "merge": BASE | {"stats", "results"},
    "check": BASE | DATA,
    # Reports format what the check computed: no statistics of their own.
    "reports": BASE | (DATA - {"stats"}) | {"check"},
    "github": BASE | (DATA - {"stats"}) | {"check", "reports"},
    "models": BASE,
    "ipc": BASE,
    "engines": BASE | {"ipc", "models"},
    "run": BASE | DATA | {"models", "ipc", "engines"},
    "suites": BASE | DATA | {"models", "ipc", "engines", "run"},
    "cli": BASE | DATA | RUN_SIDE | JUDGING_SIDE,
    "__main__": {"cli"},
}
# Third-party modules a package must never load: the judging side runs where MLX may not.
FORBIDDEN_LIBRARIES = {
    "stats": {"mlx", "mlx_lm", "requests"},
    "check": {"mlx", "mlx_lm", "requests"},
    "reports": {"mlx", "mlx_lm", "requests", "numpy", "scipy"},
}


def _unit(path: Path) -> str:
    """The package or root module a file belongs to."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return "mlxguard" if parts == ("__init__",) else parts[0]


def _target(module: str) -> str | None:
    """The mlxguard package or root module that ``module`` names, None outside mlxguard."""
    parts = module.split(".")
    if parts[0] != "mlxguard":
        return None
    return parts[1] if len(parts) > 1 else "mlxguard"


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every absolute import of a file (module-level and function-level), with its line."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
            if node.module == "mlxguard":  # `from mlxguard import cli`: a package by name
                for a in node.names:
                    sub = PACKAGE / a.name
                    if sub.is_dir() or sub.with_suffix(".py").exists():
                        yield f"mlxguard.{a.name}", node.lineno


def _module(path: Path) -> str:
    """The dotted name of a file of the package (a package's `__init__.py` is the package)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_imports(path: Path, modules: set[str]) -> Iterator[tuple[str, int]]:
    """The mlxguard modules a file imports by name: `from a.b import c` names the module
    `a.b.c` when c is one, else `a.b` (importing `a.b` also runs the package `a`, but that is
    Python's doing, not a dependency the file states)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in modules:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                yield (sub if sub in modules else node.module), node.lineno


def _module_graph() -> dict[str, dict[str, str]]:
    """Module -> {imported module: where}, for every module of the package."""
    files = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    graph: dict[str, dict[str, str]] = {m: {} for m in files}
    for name, path in files.items():
        for target, line in _module_imports(path, set(files)):
            if target != name:
                graph[name].setdefault(target, f"{path.relative_to(PACKAGE)}:{line}")
    return graph


def _graph() -> dict[str, dict[str, str]]:
    """Package -> {imported package: where, e.g. "run/session.py:12"}."""
    graph: dict[str, dict[str, str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        unit = _unit(path)
        edges = graph.setdefault(unit, {})
        for module, line in _imports(path):
            target = _target(module)
            if target is not None and target != unit:
                edges.setdefault(target, f"{path.relative_to(PACKAGE)}:{line}")
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path, or None when it is acyclic (depth-first search)."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = "open", stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node], _ = "done", stack.pop()
        return None

    return next((c for n in sorted(graph) if n not in state and (c := visit(n))), None)


def test_every_package_has_a_place_in_the_flow() -> None:
    unknown = sorted(set(_graph()) - set(ALLOWED))
    assert not unknown, f"place these in tests/test_layers.py ALLOWED: {unknown}"


def test_the_allowed_graph_is_itself_acyclic() -> None:
    assert _cycle(ALLOWED) is None


def test_no_cycle_among_packages() -> None:
    graph = {unit: set(edges) for unit, edges in _graph().items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_no_cycle_among_modules() -> None:
    """Inside a package too: two modules that need each other are one module, or share a
    third (models.files and models.weights, run.environment and run.bandwidth were)."""
    graph = _module_graph()
    cycle = _cycle({m: set(edges) for m, edges in graph.items()})
    where = [graph[a][b] for a, b in zip(cycle or [], (cycle or [])[1:], strict=False)]
    assert cycle is None, " -> ".join(cycle or []) + f" ({', '.join(where)})"


def test_no_import_against_the_flow() -> None:
    wrong = [
        f"{where}: {unit} imports {target}"
        for unit, edges in _graph().items()
        for target, where in edges.items()
        if target not in ALLOWED.get(unit, set())
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", sorted(FORBIDDEN_LIBRARIES))
def test_pure_packages_load_no_heavy_library(package: str) -> None:
    files = [PACKAGE / f"{package}.py"] if (PACKAGE / f"{package}.py").exists() else []
    files += sorted((PACKAGE / package).rglob("*.py")) if (PACKAGE / package).is_dir() else []
    assert files
    wrong = [
        f"{path.relative_to(PACKAGE)}:{line}: {module}"
        for path in files
        for module, line in _imports(path)
        if module.split(".")[0] in FORBIDDEN_LIBRARIES[package]
    ]
    assert not wrong, "\n".join(wrong)


def test_the_walker_sees_function_level_imports(tmp_path: Path) -> None:
    code = "def f():\n    from mlxguard.run import session\n"
    (tmp_path / "m.py").write_text(code, encoding="utf-8")
    assert [m for m, _ in _imports(tmp_path / "m.py")] == ["mlxguard.run"]
    assert _cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    modules = {"mlxguard.run", "mlxguard.run.session", "mlxguard.run.plan"}
    code += "    from mlxguard.run.plan import Scenario\n    import mlxguard.run\n"
    (tmp_path / "m.py").write_text(code, encoding="utf-8")
    found = [m for m, _ in _module_imports(tmp_path / "m.py", modules)]
    assert found == ["mlxguard.run.session", "mlxguard.run.plan", "mlxguard.run"]
