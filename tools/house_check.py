"""The house figures of minimalloc, measured from the source alone.

usage: python tools/house_check.py [ROOT]      (``make lint`` runs it)

Nothing is imported or run: every figure comes from parsing the files of
``minimalloc/`` and ``app/`` (tests excluded).  Each figure is printed with
its target and its offenders; the exit status is 1 when any figure is over
its target, so a change that tangles the house fails the lint.

Figures and targets:

- circles: groups of project modules that import one another, counting
  every import (module level or inside a function; ``if TYPE_CHECKING:``
  blocks excepted, they never run).  A package and its own submodules
  importing each other is not counted.  Target 0.
- imports inside functions: imports of project modules made inside a
  function, which is how circles hide.  Target at most 10, and each must
  carry a comment (on its line or the line above) saying why.
- big files: modules over 800 lines; the numba search kernel is one unit
  and excepted.  Target 0.
- long functions: functions over 120 lines that are not numba kernels
  (``@njit`` and friends).  Target 0.
- private imports: a private name (``_x``) of one project module used by
  another, through ``from m import _x`` or ``m._x``.  Target 0.
- sys.path edits: target 0 (the app is a package, not a path hack).
- heavy core dependencies: packages only the app, ONNX import or Dask need,
  listed among ``pyproject.toml``'s core dependencies.  Target 0.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

TOPS = ("minimalloc", "app")
BIG_FILE_LINES = 800
LONG_FUNCTION_LINES = 120
MAX_LOCAL_IMPORTS = 10
KERNEL_FILES = {"minimalloc/search/kernel.py"}
KERNEL_DECORATORS = {"njit", "jit", "vectorize", "guvectorize", "cfunc"}
HEAVY = {"streamlit", "plotly", "pillow", "onnx", "distributed", "dask", "torch"}


@dataclass
class Module:
    name: str
    path: Path
    rel: str
    tree: ast.Module
    lines: int
    source_lines: list[str]
    is_package: bool


@dataclass
class Findings:
    imports: dict[str, set[str]] = field(default_factory=dict)
    local_imports: list[str] = field(default_factory=list)
    unexplained_local: list[str] = field(default_factory=list)
    big_files: list[str] = field(default_factory=list)
    long_functions: list[str] = field(default_factory=list)
    private_imports: list[str] = field(default_factory=list)
    syspath: list[str] = field(default_factory=list)


def load_modules(root: Path) -> dict[str, Module]:
    modules = {}
    for top in TOPS:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            parts = rel[:-3].split("/")
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            source = path.read_text(encoding="utf-8")
            modules[name] = Module(name, path, rel, ast.parse(source, rel),
                                   source.count("\n"), source.splitlines(), is_package)
    return modules


def imported_modules(module: Module, node: ast.Import | ast.ImportFrom,
                     modules: dict[str, Module]) -> dict[str, str]:
    """{bound name or dotted name: project module} for one import statement."""

    def project(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    found = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            target = project(alias.name)
            if target:
                found[alias.asname or alias.name] = target
        return found
    base = node.module or ""
    if node.level:
        package = module.name.split(".")
        if not module.is_package:
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([base] if base else []))
    for alias in node.names:
        full = f"{base}.{alias.name}"
        target = full if full in modules else project(base)
        if target:
            found[alias.asname or alias.name] = target
    return found


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def is_kernel(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = getattr(target, "attr", None) or getattr(target, "id", None)
        if name in KERNEL_DECORATORS:
            return True
    return False


def has_reason(module: Module, line: int) -> bool:
    """A comment on the import's line or the line just above it."""
    here = module.source_lines[line - 1]
    above = module.source_lines[line - 2].strip() if line >= 2 else ""
    return "#" in here or above.startswith("#")


def scan(module: Module, modules: dict[str, Module], out: Findings) -> None:
    edges = out.imports.setdefault(module.name, set())
    aliases: dict[str, str] = {}  # a name bound to a project module

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if (isinstance(child, ast.If) and isinstance(child.test, ast.Name)
                    and child.test.id == "TYPE_CHECKING"):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                record_import(child, in_function)
            elif isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
                target = aliases.get(child.value.id)
                if target and target != module.name and is_private(child.attr):
                    out.private_imports.append(
                        f"{module.rel}:{child.lineno} {target}.{child.attr}")
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if length > LONG_FUNCTION_LINES and not is_kernel(child):
                    out.long_functions.append(f"{module.rel}:{child.name} {length} lines")
                visit(child, True)
            else:
                visit(child, in_function)

    def record_import(node: ast.Import | ast.ImportFrom, in_function: bool) -> None:
        found = imported_modules(module, node, modules)
        targets = {t for t in found.values() if t != module.name}
        edges.update(targets)
        if in_function and targets:
            where = f"{module.rel}:{node.lineno}"
            out.local_imports.append(where)
            if not has_reason(module, node.lineno):
                out.unexplained_local.append(where)
        for bound, target in found.items():
            if target in modules and bound.split(".")[-1] == target.split(".")[-1]:
                aliases[bound] = target
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                target = found.get(alias.asname or alias.name)
                is_module = target is not None and target.endswith("." + alias.name)
                if target and target != module.name and is_private(alias.name) \
                        and not is_module:
                    out.private_imports.append(
                        f"{module.rel}:{node.lineno} {target}.{alias.name}")
            for alias in node.names:  # `from pkg import mod as m` binds a module
                target = found.get(alias.asname or alias.name)
                if target and target.endswith("." + alias.name):
                    aliases[alias.asname or alias.name] = target

    visit(module.tree, False)
    if module.lines > BIG_FILE_LINES and module.rel not in KERNEL_FILES:
        out.big_files.append(f"{module.rel} {module.lines} lines")
    if "sys.path" in "\n".join(module.source_lines):
        out.syspath.append(module.rel)


def circles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules each reachable from every other (by plain reachability:
    the house has under a hundred modules)."""
    reach = {}
    for start in imports:
        seen, todo = set(), [start]
        while todo:
            for nxt in imports.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[start] = seen
    groups, placed = [], set()
    for start in sorted(imports):
        if start in placed or start not in reach[start]:
            continue
        group = sorted(m for m in reach[start] if start in reach[m])
        placed.update(group)
        nested = all(a.startswith(b + ".") or b.startswith(a + ".")
                     for a in group for b in group if a != b)
        if not nested:  # a package and its own submodules are one unit
            groups.append(group)
    return groups


def heavy_core(root: Path) -> list[str]:
    with open(root / "pyproject.toml", "rb") as f:
        deps = tomllib.load(f)["project"].get("dependencies", [])
    return [d for d in deps if re.split(r"[<>=!~\[ ;]", d)[0].lower() in HEAVY]


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent)
    modules = load_modules(root)
    out = Findings()
    for module in modules.values():
        scan(module, modules, out)
    rings = [" -> ".join(group) for group in circles(out.imports)]
    figures = [
        ("circles", rings, 0),
        ("imports inside functions", out.local_imports, MAX_LOCAL_IMPORTS),
        ("... of them without a comment saying why", out.unexplained_local, 0),
        (f"files over {BIG_FILE_LINES} lines", out.big_files, 0),
        (f"functions over {LONG_FUNCTION_LINES} lines", out.long_functions, 0),
        ("private names used across modules", out.private_imports, 0),
        ("sys.path edits", out.syspath, 0),
        ("heavy core dependencies", heavy_core(root), 0),
    ]
    failed = False
    print(f"{len(modules)} modules in {', '.join(TOPS)}")
    for title, found, target in figures:
        over = len(found) > target
        failed |= over
        print(f"{'OVER' if over else 'ok  '} {title}: {len(found)} (target {target})")
        if over or title.startswith("imports inside"):
            for item in found:
                print(f"       {item}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
