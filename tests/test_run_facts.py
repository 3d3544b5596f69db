"""No module of the library writes what a run did on ``DataFrame.attrs`` (issue 25).

A frame's ``attrs`` may say what its data are (the file, the layout, the citation, the
columns read, a layer's provenance and key, the weight column); what a run did (counts,
notes, kept words, formulas found, polygons repaired) is handed on typed: return values
and small frozen dataclasses. This reads the source with :mod:`ast` and lists every
write to ``.attrs`` whose key is not a description of the data.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import ROOT

SRC = ROOT / "src" / "incidentmap"

#: the ``attrs`` keys that describe the data, never the run
DESCRIPTIVE = frozenset({"path", "preset", "citation", "columns", "provenance", "layer_key",
                         "weight"})  # fmt: skip


def _is_attrs(node: ast.AST) -> bool:
    """Say whether ``node`` is ``<something>.attrs``."""
    return isinstance(node, ast.Attribute) and node.attr == "attrs"


def _copied_attrs(node: ast.AST) -> bool:
    """Say whether ``node`` is another frame's attrs (copied as they are, not written here)."""
    if _is_attrs(node):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "getattr" and len(node.args) >= 2:
            key = node.args[1]
            return isinstance(key, ast.Constant) and key.value == "attrs"
        if node.func.id == "dict" and len(node.args) == 1 and not node.keywords:
            return _copied_attrs(node.args[0])
    return False


def _bad_keys(keys: list[ast.expr | None]) -> list[str]:
    """Return the keys of a dict display that are not descriptive (or not plain text)."""
    bad = []
    for key in keys:
        if not (isinstance(key, ast.Constant) and key.value in DESCRIPTIVE):
            bad.append(ast.unparse(key) if key is not None else "**")
    return bad


def _dict_written(value: ast.expr) -> list[str]:
    """Return what is wrong with a value assigned to or merged into ``attrs``."""
    if isinstance(value, ast.Dict):
        return _bad_keys(list(value.keys))
    if _copied_attrs(value):
        return []
    return [ast.unparse(value)]


def run_fact_writes(source: str, name: str = "<source>") -> list[str]:
    """Return every write to ``.attrs`` in ``source`` whose key is not descriptive.

    Parameters
    ----------
    source : str
        Python source.
    name : str
        The file, for the messages.

    Returns
    -------
    list of str
        ``"file:line: what"`` for each write: ``x.attrs[key] = ...`` (and ``+=``),
        ``x.attrs.update(...)``, ``x.attrs.setdefault(key, ...)``, ``x.attrs = {...}``,
        ``x.attrs |= ...``. Copying another frame's attrs (``x.attrs.update(y.attrs)``,
        ``getattr(y, "attrs", {})``) and emptying them (``x.attrs = {}``) are no writes.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        bad: list[str] = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript) and _is_attrs(t.value):
                    bad += _bad_keys([t.slice])
                elif _is_attrs(t) and node.value is not None:
                    bad += _dict_written(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if _is_attrs(node.func.value) and node.func.attr == "update":
                for arg in node.args:
                    bad += _dict_written(arg)
                bad += [k.arg or "**" for k in node.keywords if k.arg not in DESCRIPTIVE]
            elif _is_attrs(node.func.value) and node.func.attr == "setdefault":
                bad += _bad_keys(node.args[:1])
        found += [(node.lineno, what) for what in bad]
    return [f"{name}:{line}: {what}" for line, what in sorted(found)]


def scan(root: Path) -> list[str]:
    """Return the run-fact writes to ``attrs`` of every module under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        found += run_fact_writes(path.read_text("utf-8"), str(path.relative_to(root)))
    return found


def test_the_scan_finds_run_facts_and_passes_descriptions():
    written = """
g.attrs["summary"] = counts
g.attrs[key] = 1
g.attrs.update(facts.legacy())
g.attrs.update({"path": p, "notes": n})
g.attrs.update(kept=k)
g.attrs.setdefault("formulas", {})
g.attrs = {"repaired": 3}
g.attrs |= {"layout": []}
"""
    found = run_fact_writes(written)
    assert len(found) == 8, found
    assert ["summary" in found[0], "key" in found[1], "legacy" in found[2]] == [True] * 3
    fine = """
g.attrs["path"] = p
g.attrs.update({"path": p, "preset": "geocoded"})
g.attrs.update(getattr(incidents, "attrs", {}))
g.attrs.update(other.attrs)
g.attrs = {}
g.attrs = dict(other.attrs)
out.attrs["weight"] = column
x = g.attrs.get("summary")
"""
    assert run_fact_writes(fine) == []


def test_no_module_writes_run_facts_on_attrs():
    found = scan(SRC)
    assert not found, "run facts written on DataFrame.attrs:\n" + "\n".join(found)


def test_a_sheets_formulas_travel_typed_through_the_sheet_cache(use_cache, tmp_path):
    # a formula saved without its value: found in the sheet's XML, kept in the Arrow file's
    # schema metadata, handed on as Sheet.formulas and TableFacts.formulas, never on attrs
    from openpyxl import Workbook

    from incidentmap.io.layers import read_workbook
    from incidentmap.io.tables import read_table_facts

    rng = np.random.default_rng(25)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("events")
    ws.append(["event_date", "admin1", "fatalities", "note"])
    for i in range(12_000):
        note = f"event {int(rng.integers(0, 10**9))} reported by a local source"
        ws.append(["2023-03-01", "Herat", "=1+1" if i == 7 else i % 50, note])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    assert path.stat().st_size >= 256 * 1024  # large enough to be kept
    before = set((use_cache / "sheets").glob("*.arrow"))
    first = read_workbook(path, None)  # parsed, and kept
    assert set((use_cache / "sheets").glob("*.arrow")) - before  # kept
    second = read_workbook(path, None)  # from the cache
    assert first is not None and second is not None
    assert first.formulas == second.formulas == {"fatalities": {7: "=1+1"}}
    assert not first.frame.attrs and not second.frame.attrs
    pd.testing.assert_frame_equal(first.frame, second.frame)
    table, facts = read_table_facts(path)
    assert not table.attrs and facts.formulas == first.formulas
