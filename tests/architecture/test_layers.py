"""The code base is layered: imports point down, never up, never sideways, never in a circle.

Layers, bottom to top (docs/architecture.md):

0. ``rolwh.core``: the contract, settings, the warehouse connection, errors, SQL helpers
1. ``ingest``, ``expectations``, ``rolwh.transform`` (dbt), ``rolwh.demo_data``: each alone
2. ``rolwh.serving``: publish, the read-only reader, status, indicators
3. ``rolwh.release``: freeze, ledger, verify, diff (reads the serving file)
4. ``rolwh.report``: dashboard and draft (read serving and releases)
5. ``rolwh.orchestration``: pipeline steps, the writer lock, Airflow glue, tenants
6. ``rolwh.cli`` and ``dags/``: thin shells

A module may import its own package and any lower layer. Every import counts, also one inside a
function; an import inside a function must say why it is lazy (``# lazy: ...`` on it, or one
``# lazy imports: ...`` line for the whole module: the CLI and the DAG files).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAYERS: tuple[tuple[str, ...], ...] = (
    ("rolwh.core",),
    ("ingest", "expectations", "rolwh.transform", "rolwh.demo_data"),
    ("rolwh.serving",),
    ("rolwh.release",),
    ("rolwh.report",),
    ("rolwh.orchestration",),
    ("rolwh.cli", "dags"),
)
SOURCES = ("rolwh", "ingest", "expectations", "dags")


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(module: str) -> tuple[int, str] | None:
    """(layer, package) of a project module; None for third-party modules and ``rolwh`` itself."""
    for level, packages in enumerate(LAYERS):
        for p in packages:
            if module == p or module.startswith(p + "."):
                return level, p
    return None


def _files() -> Iterator[Path]:
    for top in SOURCES:
        yield from sorted((REPO / top).rglob("*.py"))


def _imports(path: Path) -> Iterator[tuple[str, int, int, bool]]:
    """(imported module, first line, last line, inside a function) of every import of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inner = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    this = _module(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = this.split(".") if path.name == "__init__.py" else this.split(".")[:-1]
                base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            yield name, node.lineno, node.end_lineno or node.lineno, id(node) in inner


def test_every_source_module_has_a_layer() -> None:
    homeless = [_module(p) for p in _files() if _package(_module(p)) is None and _module(p) != "rolwh"]
    assert homeless == []


def test_imports_point_down_or_stay_in_their_package() -> None:
    wrong = []
    for path in _files():
        here = _package(_module(path))
        if here is None:
            continue
        for name, line, _, _ in _imports(path):
            there = _package(name)
            if there is None or there[1] == here[1]:
                continue
            if there[0] >= here[0]:
                wrong.append(
                    f"{path.relative_to(REPO)}:{line} imports {name} (layer {there[0]} from layer {here[0]})"
                )
    assert wrong == [], "\n".join(wrong)


def test_lazy_imports_say_why() -> None:
    silent = []
    for path in _files():
        lines = path.read_text(encoding="utf-8").splitlines()
        if any(text.startswith("# lazy imports: ") for text in lines):
            continue
        for name, line, last, inside in _imports(path):
            if not inside or name.startswith("__future__"):
                continue
            said = any("# lazy:" in text for text in lines[max(line - 2, 0) : last])
            if not said:
                silent.append(f"{path.relative_to(REPO)}:{line} {name}")
    assert sorted(set(silent)) == [], "imports inside functions without '# lazy: <why>':\n" + "\n".join(
        sorted(set(silent))
    )


def test_no_import_cycles_between_modules() -> None:
    modules = {_module(p): p for p in _files()}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for m, path in modules.items():
        for name, _, _, _ in _imports(path):
            target = name if name in modules else name.rsplit(".", 1)[0]
            if target in modules and target != m and not m.startswith(target + "."):
                graph[m].add(target)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append([*stack[stack.index(n) :], n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)
