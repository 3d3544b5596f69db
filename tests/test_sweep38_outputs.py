"""Sweep 38, outputs: an output never replaces an input; XML files XML can read; library
warnings said as notes, never raw; repeated header names said; area names and bounds
refused before reading; a query's area-placed rows without a point."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import xml.dom.minidom

import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.errors import OutputWriteError, UnknownNameError, UsageError
from incidentmap.io.incidents import read_incidents_facts
from incidentmap.options import Filters
from incidentmap.pipeline import geocode_to_file, load_incidents
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
FIXTURE = HealthCheck.function_scoped_fixture
#: characters XML 1.0 cannot hold (C0 controls but tab, LF, CR; the two non-characters);
#: NUL is left out: a text file holding one is refused as binary
NOT_XML = [chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + [
    "\ufffe",
    "\uffff",
]


def _gtd_rows(tmp_path, n=40, name="gtd.csv"):
    """The first ``n`` rows of the real GTD extract, as a file of its own."""
    path = tmp_path / name
    lines = GTD.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: n + 1]), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# F13: an output that is an input is refused before anything is read or written


@pytest.mark.parametrize(
    "args",
    [
        ("geocode", "{in}", "-o", "{in}"),
        ("geocode", "{in}", "-o", "./{in}"),
        ("export", "{in}", "--layer", "points", "-o", "{in}"),
        ("aggregate", "{in}", "-o", "{in}"),
        ("trends", "{in}", "-o", "{in}"),
        ("merge", "a={in}", "b={other}", "-o", "{in}"),
        ("merge", "a={other}", "b={in}", "-o", "m.csv", "--pairs", "{in}"),
        ("aggregate", "{other}", "-o", "{in}", "--population", "{in}"),
    ],
)
def test_output_naming_an_input_is_refused(capsys, use_cache, tmp_path, monkeypatch, args):
    # `geocode self.csv -o self.csv --overwrite` exited 0 and the publisher's file was gone
    monkeypatch.chdir(tmp_path)
    src = _gtd_rows(tmp_path, name="in.csv")
    shutil.copy(src, tmp_path / "other.csv")
    before = src.read_bytes()
    line = [a.format(**{"in": "in.csv", "other": "other.csv"}) for a in args]
    code, _, err = run(capsys, *line, "--overwrite")
    assert code == 2, err
    assert err.startswith("Error: output ") and err.count("\n") == 1
    assert "in.csv" in err and "is the input" in err
    assert src.read_bytes() == before
    assert not (tmp_path / "m.csv").exists()


def test_output_is_an_input_by_a_link(capsys, use_cache, tmp_path):
    src = _gtd_rows(tmp_path)
    for name, make in (("soft.csv", os.symlink), ("hard.csv", os.link)):
        make(src, tmp_path / name)
        code, _, err = run(capsys, "geocode", tmp_path / name, "-o", src, "--overwrite")
        assert code == 2 and f"is the input {tmp_path / name}" in err, err
    # a missing input is still named as the output's: refused before "no such file"
    code, _, err = run(capsys, "geocode", tmp_path / "no.csv", "-o", tmp_path / "no.csv")
    assert code == 2 and "is the input" in err


def test_output_is_an_input_library(use_cache, tmp_path):
    src = _gtd_rows(tmp_path)
    before = src.read_bytes()
    with pytest.raises(UsageError, match="is the input"):
        im.geocode(src, src, overwrite=True)
    with pytest.raises(UsageError, match="is the input"):
        geocode_to_file(src, src, overwrite=True)
    with pytest.raises(UsageError, match="is the input"):
        im.export(src, src, layers="points", overwrite=True)
    with pytest.raises(UsageError, match="is the input"):
        im.merge(f"a={src}", str(UCDP), output=str(src), overwrite=True)
    # a shapefile's sidecar is its file: writing x.shp would replace an input x.dbf
    dbf = tmp_path / "x.dbf"
    dbf.write_bytes(b"")
    with pytest.raises(UsageError, match="is the input"):
        im.geocode(dbf, tmp_path / "x.shp", overwrite=True)
    assert src.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# F10: text XML cannot hold never reaches a KML, a style or an SVG; the read-back catches it


@settings(max_examples=12, deadline=None, suppress_health_check=[FIXTURE])
@given(bad=st.sampled_from(NOT_XML))
def test_kml_holds_any_text(use_cache, tmp_path, bad):
    # a note holding U+FFFE made a KML that GDAL cannot open, written with exit 0
    src = tmp_path / "g.csv"
    g = pd.read_csv(_gtd_rows(tmp_path), dtype=str, keep_default_na=False)
    g["summary"] = f"ctl{bad}char"  # GTD's free text (its codebook's `summary`)
    g.to_csv(src, index=False)
    out = tmp_path / "x.kml"
    result = im.export(src, out, layers="points", overwrite=True)
    back = pyogrio.read_dataframe(out)
    # a control character: a space, never the words joined; a non-character: U+FFFD
    assert set(back["summary"]) == {"ctl char" if bad < " " else "ctl\ufffdchar"}
    xml.dom.minidom.parse(str(out))
    assert any("XML" in n.text and "'summary'" in n.text for n in result.report.notes)


def test_kml_cli_ctl_file(capsys, use_cache, tmp_path):
    src = tmp_path / "ctl.csv"
    src.write_bytes(
        b"event_id,date,latitude,longitude,killed,notes\r\n"
        b"K1,2023-03-01,34.5553,69.2075,1,ctl\x0bchar\x01 and ]]> <b>x</b> & amp\r\n"
        b"K2,2023-03-02,34.3482,62.1997,2,\xef\xbf\xbe bad nonchar\r\n"
    )
    for cmd in (("export", src, "--layer", "points"), ("geocode", src)):
        out = tmp_path / f"{cmd[0]}.kml"
        code, _, err = run(capsys, *cmd, "-o", out)
        assert code == 0, err
        notes = list(pyogrio.read_dataframe(out)["notes"])
        assert notes[0].startswith("ctl char  and ]]> <b>x</b>")
        assert notes[1] == "\ufffd bad nonchar"
        assert "held characters KML (XML) cannot hold" in err


def test_kml_read_back_catches_what_gdal_cannot_read(use_cache, tmp_path, monkeypatch):
    # the check after writing read the last bytes only: a KML GDAL cannot parse passed
    import incidentmap.io.formats as formats

    monkeypatch.setattr(formats, "xml_values", lambda frame: (frame, {}))
    src = tmp_path / "ctl.csv"
    src.write_text("date,latitude,longitude,notes\n2023-03-01,34.5,69.2,\ufffe\n", "utf-8")
    out = tmp_path / "x.kml"
    with pytest.raises(OutputWriteError, match="KML file written is unreadable"):
        im.export(src, out, layers="points")
    assert not out.exists()


def test_styles_and_svg_hold_any_text(use_cache, tmp_path):
    from incidentmap.io.styles import Category, LayerStyle
    from incidentmap.io.write import GisExtras, write_layers

    g = im.read(_gtd_rows(tmp_path)).frame.head(5)
    style = LayerStyle(
        "s\x0b", "point", "category", categories=(Category("a\ufffe", "#ff0000", "a\x01b"),)
    )
    out = tmp_path / "p.geojson"
    write_layers({"p": g}, out, gis=GisExtras(styles={"p": style}))
    for side in (out.with_suffix(".qml"), out.with_suffix(".sld")):
        xml.dom.minidom.parse(str(side))  # was: not well-formed (invalid token)
    png = tmp_path / "b.svg"
    im.brief(GTD, tmp_path / "b.html", png=png, title="ISIS\x0bK \ufffe", level="province",
             period=None)  # fmt: skip
    xml.dom.minidom.parse(str(png))


# ---------------------------------------------------------------------------------------------
# F04: the libraries' warnings never raw on standard error; GDAL's said once as a note


def _broken_ucdp(tmp_path):
    data = json.loads(UCDP.read_text(encoding="utf-8"))
    data["features"][5]["geometry"] = {"type": "Point", "coordinates": []}
    data["features"][9]["geometry"] = {"type": "GeometryCollection", "geometries": []}
    path = tmp_path / "ucdp.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_library_warnings_quiet(capsys, use_cache, tmp_path):
    src = _broken_ucdp(tmp_path)
    code, _, err = run(capsys, "geocode", "-q", src, "-o", tmp_path / "o.csv")
    assert code == 0 and err == ""  # was a pyogrio RuntimeWarning and a geopandas UserWarning
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "o.csv", "--overwrite")
    assert "Warning" not in err and "warnings.filterwarnings" not in err
    gdal = [line for line in err.splitlines() if "GDAL" in line]
    assert gdal == [f"note: {src}: GDAL: OGRGeoJSONReadRawPoint(): Invalid coord dimension "
                    "for '[ ]'. At least 2 dimensions must be present."]  # fmt: skip
    code, _, err = run(capsys, "query", "-q", src, "-f", "csv")
    assert code == 0 and err == ""


def test_library_warnings_library(use_cache, tmp_path, recwarn):
    src = _broken_ucdp(tmp_path)
    g, loaded = load_incidents(src)
    assert len(g) == 310
    assert [n for n in loaded.notes if "GDAL" in n] and not recwarn.list


# ---------------------------------------------------------------------------------------------
# F16: a header naming a column twice is said, naming both and the one read


def test_repeated_header_csv(capsys, use_cache, tmp_path):
    g = pd.read_csv(_gtd_rows(tmp_path), dtype=str, keep_default_na=False)
    src = tmp_path / "twice.csv"
    text = g.to_csv(index=False).replace("FATALITIES,INJURED", "FATALITIES,FATALITIES", 1)
    src.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "o.csv")
    assert code == 0, err
    assert (
        f"note: {src}: the header names 'FATALITIES' twice: the first such column is read as "
        "'FATALITIES', the other is kept as 'FATALITIES.1'" in err
    )
    # the real file's PERPETRATOR.1, .2, .3 are names of their own: nothing said
    code, _, err = run(capsys, "geocode", GTD, "-o", tmp_path / "real.csv")
    assert code == 0 and "header names" not in err


@pytest.mark.parametrize("second", ["date", " date", "date "])
def test_repeated_header_every_reader(use_cache, tmp_path, second):
    # "date" and " date" are one name once trimmed: it crashed (AttributeError)
    rows = [["date", second, "province", "killed"], ["2023-03-01", "2023-03-02", "Kabul", "1"]]
    src = tmp_path / "d.csv"
    src.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    book = tmp_path / "d.xlsx"
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(book, index=False)
    for path in (src, book):
        g, facts = read_incidents_facts(path)
        assert list(g["date"].dt.day) == [1]
        assert [n for n in facts.notes if "names 'date' twice" in n and "'date.1'" in n], path


# ---------------------------------------------------------------------------------------------
# F11: area names and bounds refused before any file is read


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--province", "Waziristan", "unknown province name 'Waziristan'; did you mean"),
        ("--district", "Jalalbad", "unknown district name 'Jalalbad'; did you mean 'Jalalabad'"),
        ("--province", "Jalalabad", "'Jalalabad' is a district of Nangarhar"),
        ("--district", "Kohistan", "district 'Kohistan' exists in"),
    ],
)
def test_area_names_refused_first(capsys, use_cache, tmp_path, option, value, said):
    for src in (tmp_path / "missing.csv", GTD):
        code, _, err = run(capsys, "query", src, option, value)
        assert code == 2, err
        assert said in err and err.endswith("(see: incidentmap query --help)\n")
        assert "read:" not in err
    with pytest.raises(UnknownNameError if "exists" not in said else UsageError):
        im.query(tmp_path / "missing.csv", **{option[2:]: value})


@settings(max_examples=15, deadline=None, suppress_health_check=[FIXTURE])
@given(
    low=st.floats(0, 1000, allow_nan=False),
    gap=st.floats(0.001, 1000, allow_nan=False),
)
def test_inverted_toll_bounds(capsys, use_cache, tmp_path, low, gap):
    code, _, err = run(
        capsys, "query", tmp_path / "missing.csv", "--min-fatalities", low + gap,
        "--max-fatalities", low,
    )  # fmt: skip
    assert code == 2 and "--min-fatalities" in err and "is more than --max-fatalities" in err
    with pytest.raises(UsageError):
        Filters(min_fatalities=low + gap, max_fatalities=low).check()
    Filters(min_fatalities=low, max_fatalities=low + gap).check()


@pytest.mark.parametrize(
    ("since", "until", "ok"),
    [("2023-05", "2023-01", False), ("2023-03-02", "2023-03-01", False),
     ("2023-03", "2023-03", True), ("2023", "2023-01-01", True)],
)  # fmt: skip
def test_inverted_dates(capsys, use_cache, tmp_path, since, until, ok):
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", GTD, "--since", since, "--until", until, "-o", out)
    assert (code != 2) == ok, err
    if not ok:
        assert f"--since {since} comes after --until {until}" in err and "read:" not in err
    code, _, err = run(capsys, "query", GTD, "--min-fatalities", "nan")
    assert code == 2 and "--min-fatalities must be a number >= 0, not nan" in err


# ---------------------------------------------------------------------------------------------
# F14: a query's rows placed only to an area carry no point


def test_query_area_rows_have_no_geometry(capsys, use_cache):
    code, out, _ = run(capsys, "query", GTD, "--province", "Kandahar", "-f", "geojson")
    assert code == 0
    feats = json.loads(out)["features"]
    kinds = {}
    for f in feats:
        prec = f["properties"]["geocode_precision"]
        kinds.setdefault(prec, set()).add(None if f["geometry"] is None else f["geometry"]["type"])
        assert f["properties"]["province"] == "Kandahar"
    assert kinds == {"point": {"Point"}, "district": {None}, "province": {None}}
    code, out, _ = run(capsys, "query", GTD, "--province", "Kandahar", "-f", "ndjson")
    lines = [json.loads(line) for line in out.splitlines()]
    assert all((f["geometry"] is None) == (f["properties"]["geocode_precision"] != "point")
               for f in lines)  # fmt: skip
    code, out, _ = run(capsys, "query", GTD, "--province", "Kandahar", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["geometry"] == "" for r in rows if r["geocode_precision"] != "point"} == {True}
    assert {r["geometry"].startswith("POINT") for r in rows if r["geocode_precision"] == "point"}
    frame = im.query(GTD, province="Kandahar").frame
    area = frame["geocode_precision"].isin(["district", "province"])
    assert area.sum() > 100 and frame.geometry[area].isna().all()
    assert frame.geometry[~area].notna().all()
