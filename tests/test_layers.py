"""The layers stay honest: no import cycle anywhere, the model imports nothing but the
standard library, `eventsourcing.domain`, a pure lunar-calendar library and itself, and the
service layer never reaches out to the edges (api, workflows, projections). Imports under
`if TYPE_CHECKING:` count too: a type-only cycle is still a cycle for the reader."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "service", "api", "workflows", "projections", "infra", "web")
EDGES = ("api", "workflows", "projections", "infra", "web")
# Pure computation the model may use as it uses the standard library: no I/O, no framework.
MODEL_LIBRARIES = {"lunar_python": "the lunar calendar and solar terms of the statutory holidays"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path, names: bool = False) -> set[str]:
    """Every module the file imports, absolute, relative imports resolved; with `names`, also
    `pkg.name` for each `from pkg import name` (it may be a submodule)."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            if names:
                found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def project_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the project modules it imports (a `from pkg import name` counts as pkg.name
    when that is a module, else as pkg)."""
    files = {
        module_name(f, root): f for p in PACKAGES if (root / p).exists() for f in (root / p).rglob("*.py")
    }
    graph = {}
    for name, path in files.items():
        graph[name] = {i for i in imports_of(path, root, names=True) if i in files and i != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def model_violations(root: Path) -> list[str]:
    allowed_roots = set(sys.stdlib_module_names) | {"domain"} | set(MODEL_LIBRARIES)
    bad = []
    for f in (root / "domain").rglob("*.py"):
        for i in imports_of(f, root):
            top = i.split(".")[0]
            if top == "eventsourcing":
                if not (i == "eventsourcing.domain" or i.startswith("eventsourcing.domain.")):
                    bad.append(f"{module_name(f, root)} imports {i}")
            elif top not in allowed_roots:
                bad.append(f"{module_name(f, root)} imports {i}")
    return sorted(bad)


def service_violations(root: Path) -> list[str]:
    bad = []
    for f in (root / "service").rglob("*.py"):
        for i in imports_of(f, root):
            if i.split(".")[0] in EDGES:
                bad.append(f"{module_name(f, root)} imports {i}")
    return sorted(bad)


def test_no_module_imports_its_own_importer_however_indirectly():
    assert cycles(project_graph(ROOT)) == []


def test_the_model_imports_only_the_standard_library_eventsourcing_domain_and_itself():
    assert model_violations(ROOT) == []


def test_the_service_layer_never_imports_the_edges():
    assert service_violations(ROOT) == []


# -- the checks can fail ---------------------------------------------------------------------


def write(root: Path, module: str, text: str) -> None:
    path = root / (module.replace(".", "/") + ".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in path.relative_to(root).parents:
        if str(parent) != ".":
            (root / parent / "__init__.py").touch()
    path.write_text(text)


def test_a_cycle_through_a_type_checking_import_is_found(tmp_path):
    write(tmp_path, "service.desk", "from service.book import Book\n")
    write(
        tmp_path,
        "service.book",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from service import desk\n",
    )
    assert cycles(project_graph(tmp_path)) == [["service.book", "service.desk"]]


def test_a_relative_import_cycle_is_found(tmp_path):
    write(tmp_path, "domain.a", "from .b import x\n")
    write(tmp_path, "domain.b", "from . import a\nx = 1\n")
    assert cycles(project_graph(tmp_path)) == [["domain.a", "domain.b"]]


@pytest.mark.parametrize(
    "line",
    [
        "import fastapi",
        "from eventsourcing.application import Application",
        "from service.store import Stamp",
    ],
)
def test_a_model_that_reaches_out_is_refused(tmp_path, line):
    write(tmp_path, "domain.thing", f"import datetime\nfrom domain import errors\n{line}\n")
    write(tmp_path, "domain.errors", "")
    assert model_violations(tmp_path) == [f"domain.thing imports {line.split()[1]}"]


def test_a_service_that_imports_an_edge_is_refused(tmp_path):
    write(tmp_path, "service.desk", "from workflows.contracts import CaseRef\n")
    assert service_violations(tmp_path) == ["service.desk imports workflows.contracts"]
