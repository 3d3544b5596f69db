"""The house rules of DESIGN.md, read from the code (AST): layers, circles, private names, size."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests import layout

RADON_LIMIT = 15  # functions graded C or worse (cyclomatic complexity > 10)


@pytest.fixture(scope="module")
def found():
    return layout.modules()


def test_every_module_has_a_layer(found):
    for name in found:
        layout.layer_of(name)  # raises for a module DESIGN.md does not place


def test_no_import_circles(found):
    assert layout.circles(found) == []


def test_imports_point_down_the_layers(found):
    assert layout.upward(found) == []


def test_imports_are_the_ones_design_allows(found):
    # DESIGN.md's "may import" column, held by tests/layout.py's MAY_IMPORT
    assert layout.not_allowed(found) == []


def test_design_table_is_the_checked_table():
    text = (layout.SRC.parent / "DESIGN.md").read_text(encoding="utf-8")
    table = layout.design_table(text)
    expected = {k: (tuple(v) if v is not None else None) for k, v in layout.MAY_IMPORT.items()}
    ground = {k: v for k, v in table.items() if k in layout.GROUND}
    assert set(table) == set(layout.LAYERS)
    assert {k: (tuple(sorted(v)) if v is not None else None) for k, v in table.items()
            if k not in ground} == {k: (tuple(sorted(v)) if v is not None else None)
                                    for k, v in expected.items() if k not in ground}  # fmt: skip


def test_the_cli_imports_only_jobs_errors_and_option_types(found):
    bad = [
        f"{name} imports {target}"
        for name, mod in found.items()
        if name.startswith("incidentmap.cli")
        for target in mod.imports
        if target.split(".")[1] not in ("cli", "jobs", "errors", "options")
    ]
    assert bad == []


def test_library_never_imports_the_cli_toolkit(found):
    assert layout.library_typer(found) == []


def test_no_private_name_taken_across_modules(found):
    assert layout.private_taken(found) == []


def test_modules_fit_in_a_readers_head(found):
    assert layout.too_long(found) == []


def test_io_is_a_leaf(found):
    # io reads and writes: it never geocodes, classifies or renders
    banned = ("geocode", "actors", "categories", "classify", "render", "context", "gazetteer")
    bad = [
        f"{name} imports {target}"
        for name, mod in found.items()
        if name.startswith("incidentmap.io")
        for target in mod.imports
        if target.split(".")[1:2] and target.split(".")[1] in banned
    ]
    assert bad == []


def test_the_checker_sees_what_it_must(tmp_path, monkeypatch):
    # the rules catch a circle, an upward import and a private name in a made-up package
    pkg = tmp_path / "incidentmap"
    (pkg / "io").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "io" / "__init__.py").write_text("from incidentmap.render import x\n")
    (pkg / "render.py").write_text("from incidentmap.io import _y\nx = 1\n")
    (pkg / "errors.py").write_text("import typer\n")
    monkeypatch.setattr(layout, "SRC", tmp_path)
    fake = layout.modules()
    assert layout.circles(fake) == [["incidentmap.io", "incidentmap.render"]]
    assert "incidentmap.io (layer 2) imports incidentmap.render (layer 10)" in layout.upward(fake)
    assert layout.private_taken(fake) == ["incidentmap.render takes incidentmap.io._y"]
    assert layout.library_typer(fake) == ["incidentmap.errors imports typer"]


def test_complex_functions_stay_few():
    pytest.importorskip("radon")
    out = subprocess.run(
        [sys.executable, "-m", "radon", "cc", "-n", "C", "-s", str(layout.SRC / "incidentmap")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    graded = [line.strip() for line in out.splitlines() if line.startswith("    ")]
    functions = [g for g in graded if not g.startswith("C ")]  # classes are averages
    assert len(functions) <= RADON_LIMIT, "\n".join(functions)


def test_design_names_every_layer():
    text = (layout.SRC.parent / "DESIGN.md").read_text(encoding="utf-8")
    missing = [key for key in layout.LAYERS if key not in ("__init__", "__main__")]
    missing = [key for key in missing if f"`{key}" not in text]
    assert missing == []


def test_layout_module_parses_every_file(found):
    for mod in found.values():
        ast.parse(mod.path.read_text(encoding="utf-8"))
