"""The package's modules import each other in one direction only: tasks above context and clients, those above the
modules they use. A cycle makes a module's behaviour depend on which one happened to be imported first."""
from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

PACKAGE = "workflowcontrol_tasks"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE


def module_name(path: Path, root: Path = SRC, package: str = PACKAGE) -> str:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The package modules one module imports, wherever the import statement stands (inside functions too)."""
    found: set[str] = set()
    here = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here
            for _ in range(max(node.level - 1, 0)):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            # `from . import storage` imports the module storage; `from .config import Config` the module config.
            names = [f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known and name != module}
    return found


def import_graph(root: Path = SRC, package: str = PACKAGE) -> dict[str, set[str]]:
    files = {module_name(path, root, package): path for path in sorted(root.rglob("*.py"))}
    known = set(files)
    return {name: imported_modules(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", known)
            for name, path in files.items()}


def cycles(graph: Mapping[str, set[str]]) -> Iterator[list[str]]:
    """One cycle per strongly connected group of modules (Tarjan), each written as a path back to its start."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> Iterator[list[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                yield from visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                yield _path_through(sorted(group), graph)

    for node in sorted(graph):
        if node not in index:
            yield from visit(node)


def _path_through(group: list[str], graph: Mapping[str, set[str]]) -> list[str]:
    """A readable cycle inside the group: from its first module along imports back to it."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & members):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return group


def test_no_module_of_the_package_imports_one_that_imports_it_back() -> None:
    found = [" -> ".join(cycle) for cycle in cycles(import_graph())]
    assert found == [], "import cycles: " + "; ".join(found)


def test_clients_know_nothing_of_tasks_or_their_context() -> None:
    graph = import_graph()
    upward = {f"{PACKAGE}.context", f"{PACKAGE}.config"} | {m for m in graph if m.startswith(f"{PACKAGE}.tasks")}
    for module, imports in graph.items():
        if module.startswith(f"{PACKAGE}.clients"):
            assert imports & upward == set(), f"{module} imports {sorted(imports & upward)}"


def test_the_check_notices_a_cycle_through_an_import_inside_a_function(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "tasks").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "registry.py").write_text("def load():\n    from .tasks import extract\n")
    (root / "tasks" / "__init__.py").write_text("")
    (root / "tasks" / "extract.py").write_text("from ..registry import load\n")
    (root / "storage.py").write_text("import pkg.errors\n")
    (root / "errors.py").write_text("")

    found = list(cycles(import_graph(root, "pkg")))

    assert found == [["pkg.registry", "pkg.tasks.extract", "pkg.registry"]]
