"""The import layers of docs/architecture.md, read from the code's own imports (an AST walk).

A lower layer never imports a higher one, siblings of one tier never import each other, no module
circles, `scoring` does no I/O, `flows` holds orchestration only, and no function hides a project
import unless its comment measures the cold start it saves.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# folder at the top of the repository → its package under the one import root
FOLDERS = {"kaoping": "kaoping", "flows": "kaoping.flows", "sources": "kaoping.sources",
           "warehouse": "kaoping.warehouse", "scoring": "kaoping.scoring", "reports": "kaoping.reports"}
# lowest first; the packages of one tier are siblings that do not import each other
TIERS = [("kaoping.core",), ("kaoping.scoring",), ("kaoping.sources", "kaoping.warehouse"), ("kaoping.reports",),
         ("kaoping.stages",), ("kaoping.flows",), ("kaoping.demo", "kaoping.starter"), ("kaoping.cli",), ("kaoping",)]
NO_IO_MODULES = {"sqlalchemy", "psycopg", "openpyxl", "python_calamine", "shutil", "prefect", "yaml"}
NO_IO_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "unlink", "glob",
               "rglob", "iterdir", "read_csv", "read_excel", "to_csv", "to_excel"}
FLOWS_MAY_IMPORT = ("kaoping.core", "kaoping.stages", "kaoping.flows")
FLOWS_FORBIDDEN_LIBRARIES = {"pandas", "numpy", "sqlalchemy", "openpyxl", "psycopg"}
COLD_START = "cold start"  # a function-local project import must say, in its comment, what it saves


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported project module, or the top-level name of a library
    local: bool  # inside a function
    line: int
    text: str


def modules(root: Path = ROOT, folders: dict[str, str] = FOLDERS) -> dict[str, Path]:
    """Module name → file, for every module under the import root (migrations excepted)."""
    found = {}
    for folder, package in folders.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = list(path.relative_to(root / folder).with_suffix("").parts)
            if "migrations" in parts or ".venv" in parts:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(known: dict[str, Path]) -> list[Import]:
    """Every import statement of every module and what it imports: project modules resolved,
    libraries by their top-level name (one entry per statement and target)."""
    found: dict[tuple, Import] = {}
    for module, path in known.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]

        def add(name: str, node: ast.stmt, local: bool) -> None:
            if name.startswith("kaoping"):
                target = _resolve(name, known)
                if target and target != module:
                    found.setdefault((module, target, node.lineno), Import(module, target, local, node.lineno,
                                                                           lines[node.lineno - 1]))
            elif name:
                target = name.split(".")[0]
                found.setdefault((module, target, node.lineno), Import(module, target, local, node.lineno,
                                                                       lines[node.lineno - 1]))

        def walk(node: ast.AST, local: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and getattr(child.test, "id", "") == "TYPE_CHECKING":
                    continue
                inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
                if isinstance(child, ast.Import):
                    for alias in child.names:
                        add(alias.name, child, local)
                elif isinstance(child, ast.ImportFrom):
                    base = child.module or ""
                    if child.level:
                        anchor = package
                        for _ in range(child.level - 1):
                            anchor = anchor.rpartition(".")[0]
                        base = f"{anchor}.{base}" if base else anchor
                    for alias in child.names:
                        add(f"{base}.{alias.name}" if base.startswith("kaoping") else base, child, local)
                walk(child, inner)

        walk(ast.parse(source), False)
    return list(found.values())


def tier_of(module: str) -> tuple[int, str]:
    """(tier index, package) of a module: its longest matching package in TIERS."""
    best = None
    for index, packages in enumerate(TIERS):
        for package in packages:
            if (module == package or module.startswith(package + ".")) and (best is None or len(package) > len(best[1])):
                best = (index, package)
    assert best is not None, module
    return best


def layer_violations(found: list[Import]) -> list[str]:
    """Imports that run up the tiers or across siblings of one tier."""
    bad = []
    for imp in found:
        if not imp.target.startswith("kaoping"):
            continue
        (low, own), (high, other) = tier_of(imp.source), tier_of(imp.target)
        if high > low or (high == low and own != other):
            bad.append(f"{imp.source}:{imp.line} imports {imp.target} ({other} is {'above' if high > low else 'a sibling'})")
    return bad


def circles(found: list[Import]) -> list[list[str]]:
    """Module circles (strongly connected components of more than one module)."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        if imp.target.startswith("kaoping"):
            graph.setdefault(imp.source, set()).add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    result = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return result


def io_in_scoring(known: dict[str, Path], found: list[Import]) -> list[str]:
    """SQLAlchemy, workbook or file access in `scoring`: it is DataFrames in, DataFrames out."""
    bad = [f"{i.source}:{i.line} imports {i.target}" for i in found
           if i.source.startswith("kaoping.scoring") and i.target in NO_IO_MODULES]
    for module, path in known.items():
        if not module.startswith("kaoping.scoring"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in NO_IO_CALLS:
                    bad.append(f"{module}:{node.lineno} calls {name}")
    return bad


def beyond_orchestration(found: list[Import]) -> list[str]:
    """What `flows` imports besides Prefect, the standard library, the ground floor and the stages."""
    return [f"{i.source}:{i.line} imports {i.target}" for i in found if i.source.startswith("kaoping.flows")
            and ((i.target.startswith("kaoping") and not i.target.startswith(FLOWS_MAY_IMPORT))
                 or i.target in FLOWS_FORBIDDEN_LIBRARIES)]


def hidden_imports(found: list[Import]) -> list[str]:
    """Function-local project imports that do not say which cold start they save."""
    return [f"{i.source}:{i.line} {i.text.strip()}" for i in found
            if i.local and i.target.startswith("kaoping") and COLD_START not in i.text]


def test_no_layer_imports_a_higher_one_or_a_sibling():
    assert layer_violations(imports(modules())) == []


def test_there_are_no_import_circles():
    assert circles(imports(modules())) == []


def test_scoring_does_no_io():
    known = modules()
    assert io_in_scoring(known, imports(known)) == []


def test_flows_hold_orchestration_only():
    assert beyond_orchestration(imports(modules())) == []


def test_no_function_hides_a_project_import():
    assert hidden_imports(imports(modules())) == []


def test_every_module_has_a_tier():
    for module in modules():
        tier_of(module)


def test_the_checks_catch_what_they_are_for(tmp_path):
    """A small tree with one of each fault: every check reports it."""
    files = {
        "kaoping/__init__.py": "",
        "kaoping/core/__init__.py": "",
        "kaoping/core/config.py": "from kaoping.scoring.rules import x\n",
        "scoring/__init__.py": "",
        "scoring/rules.py": "import sqlalchemy\nfrom kaoping.scoring.more import y\nx = open('f')\n",
        "scoring/more.py": "from kaoping.scoring.rules import x\ny = 1\n",
        "sources/__init__.py": "",
        "sources/read.py": "from kaoping.warehouse.store import z\n",
        "warehouse/__init__.py": "",
        "warehouse/store.py": "z = 1\n",
        "flows/__init__.py": "",
        "flows/nightly.py": "import pandas\nfrom kaoping.warehouse.store import z\n",
        "reports/__init__.py": "",
        "reports/book.py": "def f():\n    from kaoping.sources.read import z\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    known = modules(tmp_path)
    found = imports(known)
    assert any("kaoping.core.config" in v for v in layer_violations(found))
    assert any("kaoping.sources.read" in v and "sibling" in v for v in layer_violations(found))
    assert circles(found) == [["kaoping.scoring.more", "kaoping.scoring.rules"]]
    assert {v.split()[-1] for v in io_in_scoring(known, found)} == {"sqlalchemy", "open"}
    assert len(beyond_orchestration(found)) == 2
    assert hidden_imports(found) == ["kaoping.reports.book:2 from kaoping.sources.read import z"]
