"""Read the package's imports (AST) and tell what the layering rules in DESIGN.md forbid.

Used by ``tests/test_layout.py``; ``python tests/layout.py`` prints the same report.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "incidentmap"
MAX_LINES = 600

# The layers, lowest first: a module may import its own layer's package or a lower layer.
# Keep this table and DESIGN.md's "Layers" in step.
LAYERS: dict[str, int] = {
    "errors": 0,
    "_settings": 0,
    "_coded": 0,
    "_threads": 0,
    "schema": 0,
    "atomic": 1,
    "options": 1,
    "spans": 1,
    "io": 2,
    "locator": 2,
    "coords": 3,
    "actors": 3,
    "categories": 3,
    "targets": 3,
    "classify": 4,
    "gazetteer": 3,
    "boundaries": 4,
    "display": 5,
    "context": 6,
    "geocode": 7,
    "filters": 8,
    "fitness": 7,
    "aggregate": 7,
    "trends": 8,
    "hotspots": 7,
    "trackers": 7,
    "query": 8,
    "merge": 8,
    "pipeline": 10,
    "fetch": 9,
    "export": 11,
    "render": 10,
    "jobs": 12,
    "cli": 13,
    "api": 13,
    "__init__": 14,
    "__main__": 15,
    "console": 14,
}


#: the ground floor: any module may import these
GROUND = ("errors", "_settings", "_coded", "_threads", "schema")

#: what each part may import besides its own package and the ground floor (DESIGN.md's
#: "may import" column; a test keeps the two equal); None: anything below it
MAY_IMPORT: dict[str, tuple[str, ...] | None] = {
    "errors": (),
    "_settings": (),
    "_coded": (),
    "_threads": (),
    "schema": (),
    "atomic": (),
    "options": (),
    "spans": (),
    "io": ("atomic", "options", "spans"),
    "locator": (),
    "coords": ("io",),
    "actors": (),
    "categories": (),
    "targets": (),
    "gazetteer": ("atomic", "locator"),
    "classify": ("actors", "categories", "targets"),
    "boundaries": ("atomic", "gazetteer"),
    "display": ("boundaries", "gazetteer"),
    "context": ("atomic", "boundaries", "display", "gazetteer", "locator"),
    "geocode": ("classify", "context", "gazetteer"),
    "fitness": (),
    "aggregate": ("options", "spans"),
    "hotspots": (),
    "trackers": ("spans",),
    "filters": ("actors", "categories", "options", "spans", "targets"),
    "trends": ("aggregate", "context", "hotspots", "trackers"),
    "query": ("context", "coords", "gazetteer", "io"),
    "merge": ("actors", "io", "spans"),
    "fetch": ("atomic",),
    "pipeline": ("atomic", "classify", "context", "gazetteer", "geocode", "io", "options"),
    "export": ("aggregate", "atomic", "boundaries", "categories", "io", "options", "render"),
    "render": (
        "aggregate", "atomic", "categories", "context", "display", "fitness", "options", "spans",
        "trends",
    ),
    "jobs": (
        "actors", "aggregate", "atomic", "boundaries", "categories", "context", "coords", "export",
        "fetch", "filters", "fitness", "geocode", "io", "merge", "options", "pipeline", "query",
        "render", "spans", "targets", "trends",
    ),
    "cli": ("jobs", "options"),
    "api": ("jobs", "options"),
    "__init__": None,
    "console": ("cli",),
    "__main__": ("console",),
}  # fmt: skip


@dataclass
class Module:
    """One module of the package: its name, size and what it imports."""

    name: str
    path: Path
    lines: int
    imports: set[str] = field(default_factory=set)
    private: set[tuple[str, str]] = field(default_factory=set)
    third_party: set[str] = field(default_factory=set)


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: -(level - 1)]
    return ".".join([*base, module] if module else base)


def modules() -> dict[str, Module]:
    """Every module under src/, with its imports (module level and inside functions)."""
    found: dict[str, Module] = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        name = _module_name(path)
        text = path.read_text(encoding="utf-8")
        mod = Module(name, path, text.count("\n"))
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    _add(mod, alias.name, None)
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(node.module or "", node.level, name, is_package)
                for alias in node.names:
                    _add(mod, target, alias.name)
        found[name] = mod
    return found


def _add(mod: Module, target: str, name: str | None) -> None:
    if not target.startswith(PACKAGE):
        mod.third_party.add(target.split(".")[0])
        return
    # "from incidentmap.io import write" names a submodule, not an attribute
    if name is not None and (SRC / Path(*target.split("."), f"{name}.py")).exists():
        target, name = f"{target}.{name}", None
    if name is not None and (SRC / Path(*target.split("."), name, "__init__.py")).exists():
        target, name = f"{target}.{name}", None
    if target != mod.name:
        mod.imports.add(target)
    if name and name.startswith("_") and not name.startswith("__") and target != mod.name:
        mod.private.add((target, name))


def layer_of(name: str) -> tuple[str, int]:
    """The layer a module belongs to: its first part below the package."""
    parts = name.split(".")
    key = parts[1] if len(parts) > 1 else "__init__"
    if key not in LAYERS:
        msg = f"module {name} has no layer in tests/layout.py LAYERS (and DESIGN.md)"
        raise KeyError(msg)
    return key, LAYERS[key]


def circles(found: dict[str, Module]) -> list[list[str]]:
    """Groups of modules that import each other (strongly connected, Tarjan)."""
    graph = {
        name: {t for t in mod.imports if t in found and t != PACKAGE}
        for name, mod in found.items()
        if name != PACKAGE
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def upward(found: dict[str, Module]) -> list[str]:
    """Imports that point to a higher layer (or sideways into another package of the layer)."""
    bad = []
    for name, mod in found.items():
        if name == PACKAGE:
            continue
        key, level = layer_of(name)
        for target in sorted(mod.imports):
            if target == PACKAGE:
                bad.append(f"{name} imports the package root")
                continue
            tkey, tlevel = layer_of(target)
            if tkey == key:
                continue
            if tlevel >= level:
                bad.append(f"{name} (layer {level}) imports {target} (layer {tlevel})")
    return bad


def not_allowed(found: dict[str, Module]) -> list[str]:
    """Imports of another part that its row of ``MAY_IMPORT`` does not name."""
    bad = []
    for name, mod in found.items():
        if name == PACKAGE:
            continue
        key, _ = layer_of(name)
        allowed = MAY_IMPORT[key]
        if allowed is None:
            continue
        for target in sorted(mod.imports):
            tkey, _ = layer_of(target) if target != PACKAGE else ("__init__", 0)
            if tkey != key and tkey not in GROUND and tkey not in allowed:
                bad.append(f"{name} imports {target} ({key} may import: {', '.join(allowed)})")
    return bad


def design_table(text: str) -> dict[str, tuple[str, ...] | None]:
    """The "may import" column of DESIGN.md's table of layers, part by part."""
    import re

    out: dict[str, tuple[str, ...] | None] = {}
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].isdigit():
            continue
        names = [n.rstrip("/") for n in re.findall(r"`([^`]+)`", cells[1])]
        may = cells[3]
        allowed = None if may == "anything" else tuple(re.findall(r"`([^`]+)`", may))
        for n in names:
            out[n] = allowed
    return out


def library_typer(found: dict[str, Module]) -> list[str]:
    """Library modules (outside cli/) that import typer, click or rich."""
    return [
        f"{name} imports {dep}"
        for name, mod in found.items()
        if not name.startswith(f"{PACKAGE}.cli")
        for dep in sorted(mod.third_party & {"typer", "click", "rich"})
    ]


def private_taken(found: dict[str, Module]) -> list[str]:
    """Private names (one leading underscore) imported from another module."""
    return [
        f"{name} takes {target}.{attr}"
        for name, mod in found.items()
        for target, attr in sorted(mod.private)
    ]


def too_long(found: dict[str, Module]) -> list[str]:
    """Modules over MAX_LINES lines."""
    return [f"{m.name}: {m.lines} lines" for m in found.values() if m.lines > MAX_LINES]


def report() -> dict[str, list]:
    """Every rule's findings."""
    found = modules()
    return {
        "circles": circles(found),
        "upward": upward(found),
        "not allowed": not_allowed(found),
        "typer in library": library_typer(found),
        "private names": private_taken(found),
        "too long": too_long(found),
    }


if __name__ == "__main__":
    found = modules()
    for key, items in report().items():
        print(f"{key}: {len(items)}")
        for item in items:
            print(f"  {item}")
    total = sum(m.lines for m in found.values())
    print(f"{len(found)} modules, {total} lines")
    for m in sorted(found.values(), key=lambda m: -m.lines)[:8]:
        print(f"  {m.name}: {m.lines}")
