"""Styled, typed, playable layers (issue 29, part 2): what QGIS and other GIS read back.

Every export is made through the command line; the page's classes and colours come from
``render.series.area_series`` (what the page and the PNG draw) for the same rows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from incidentmap.cli import main
from incidentmap.jobs.load import Source, load
from incidentmap.jobs.report import Report
from incidentmap.render.series import area_series
from incidentmap.render.style import MapStyle
from tests.conftest import INCIDENTS, ROOT

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
SE = "{http://www.opengis.net/se}"
OGC = "{http://www.opengis.net/ogc}"
#: the system's Python, where Debian's python3-qgis installs PyQGIS
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin")


def export(*args: object) -> int:
    with pytest.raises(SystemExit) as exc:
        main(["export", *[str(a) for a in args]])
    return int(exc.value.code or 0)


@pytest.fixture(scope="module")
def exported(cache, tmp_path_factory):
    """The sample and the GTD towns file, each as a GeoPackage with monthly counts."""
    tmp = tmp_path_factory.mktemp("styles")
    out = {}
    for name, src in (("sample", SAMPLE), ("gtd", GTD)):
        path = tmp / f"{name}.gpkg"
        assert export(src, "-o", path, "--period", "month") == 0
        frame = load(Source(src), None, Report(), quiet=True).frame
        out[name] = (path, frame)
    return out


def page(frame, level: str, period: str | None) -> list[tuple[str, str]]:
    """The page's legend of a level's classes (label, colour), without "unknown" and "0"."""
    series = area_series(frame, None, MapStyle(level=level, period=period))
    return series.legend("window")[2:]


def styles_of(path: Path) -> dict[str, tuple]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT f_table_name, f_geometry_column, styleName, styleQML, styleSLD, "
            "useAsDefault, f_table_catalog, f_table_schema FROM layer_styles"
        ).fetchall()
    finally:
        db.close()
    return {r[0]: r[1:] for r in rows}


def qml_classes(text: str) -> list[tuple[float, float, str, str]]:
    """(lower, upper, label, colour) of a graduated QML renderer."""
    root = ET.fromstring(text.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "graduatedSymbol"
    assert renderer.get("attr") == "incidents"
    colors = {}
    for sym in renderer.find("symbols"):
        rgba = sym.find("layer/Option/Option[@name='color']").get("value")
        r, g, b, _ = (int(v) for v in rgba.split(","))
        colors[sym.get("name")] = f"#{r:02x}{g:02x}{b:02x}"
    return [
        (float(r.get("lower")), float(r.get("upper")), r.get("label"), colors[r.get("symbol")])
        for r in renderer.find("ranges")
    ]


def sld_rules(text: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(name, fill, [(comparison, literal)]) of each SLD rule with a symbolizer."""
    root = ET.fromstring(text.split("\n", 1)[1])
    out = []
    for rule in root.iter(f"{SE}Rule"):
        fill = rule.find(f".//{SE}Fill/{SE}SvgParameter[@name='fill']")
        if rule.find(f"{SE}TextSymbolizer") is not None:
            continue
        tests = [
            (el.tag.split("}")[1], el.find(f"{OGC}Literal").text)
            for el in rule.iter()
            if el.tag.startswith(f"{OGC}PropertyIs")
        ]
        out.append((rule.find(f"{SE}Name").text, fill.text, tests))
    return out


@pytest.mark.parametrize("name", ["sample", "gtd"])
def test_every_layer_has_a_default_style_with_the_pages_classes(exported, name):
    path, frame = exported[name]
    styles = styles_of(path)
    layers = {n for n, geom in pyogrio.list_layers(path) if geom is not None}
    assert set(styles) == layers  # points, districts, provinces and the two views
    for layer, (geom, style_name, qml, sld, default, catalog, schema) in styles.items():
        assert default == 1 and catalog == "" and schema == ""  # as QGIS matches them
        assert geom == "geom" and style_name == layer
        ET.fromstring(qml.split("\n", 1)[1]) and ET.fromstring(sld.split("\n", 1)[1])
    for level in ("district", "province"):
        for layer, period in ((f"{level}s", None), (f"{level}s_by_month_layer", "month")):
            want = page(frame, level, period)
            got = qml_classes(styles[layer][2])
            assert got[0] == (0.0, 0.0, "0", "#f4f1ea")  # the page's colour of 0
            assert [(label, color) for _, _, label, color in got[1:]] == want, layer
            bounds = [upper for _, upper, _, _ in got[1:]]
            assert all(float(b).is_integer() for b in bounds) and bounds == sorted(bounds)
            rules = sld_rules(styles[layer][3])
            assert [(n, fill) for n, fill, _ in rules][1:] == want
            assert rules[0][2] == [("PropertyIsEqualTo", "0")]
            assert [float(t[1][1]) for _, _, t in rules[1:]] == bounds  # "<= upper"


def test_points_are_coloured_by_category_as_on_the_page(exported):
    from incidentmap.categories import CATEGORY_COLORS

    path, _ = exported["gtd"]
    qml = styles_of(path)["points"][2]
    root = ET.fromstring(qml.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "category"
    points = pyogrio.read_dataframe(path, layer="points", read_geometry=False)
    values = [c.get("value") for c in renderer.find("categories")]
    assert set(values) == set(points["category"].dropna())
    colors = [
        s.find("layer/Option/Option[@name='color']").get("value") for s in renderer.find("symbols")
    ]
    for value, rgba in zip(values, colors, strict=True):
        r, g, b, _ = (int(v) for v in rgba.split(","))
        assert f"#{r:02x}{g:02x}{b:02x}" == CATEGORY_COLORS[value]


@pytest.mark.parametrize("name", ["sample", "gtd"])
def test_the_view_plays_the_long_tables_counts_period_by_period(exported, name):
    path, _ = exported[name]
    for level in ("districts", "provinces"):
        table = pyogrio.read_dataframe(path, layer=f"{level}_by_month")
        view = pyogrio.read_dataframe(path, layer=f"{level}_by_month_layer")
        assert len(view) == len(table) and view.geometry.notna().all()
        key = "district_id" if level == "districts" else "province_code"
        a = table.groupby(["period_start", key])["incidents"].sum()
        b = view.groupby(["period_start", key])["incidents"].sum()
        pd.testing.assert_series_equal(a, b)
        qml = styles_of(path)[f"{level}_by_month_layer"][2]
        temporal = ET.fromstring(qml.split("\n", 1)[1]).find("temporal")
        assert {
            "enabled": "1", "mode": "4", "startField": "period_start", "fixedDuration": "1",
            "durationUnit": "mon", "startExpression": 'to_datetime("period_start")',
        }.items() <= temporal.attrib.items()  # fmt: skip
    info = pyogrio.read_info(path, layer="districts_by_month_layer")
    assert dict(zip(info["fields"], info["ogr_types"], strict=True))["period_start"] == "OFTDate"


#: identifiers stay text whatever their characters (GTD's event ids are digits)
IDS = re.compile(r"(?:^|_)(?:id|code|event_id)$|\.ID$", re.IGNORECASE)
NUMBER_OR_DATE = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$|^[0-9]{4}-[0-9]{2}-[0-9]{2}")


def strings_holding_numbers_or_dates(path: Path, layer: str | None = None) -> list[str]:
    info = pyogrio.read_info(path, layer=layer)
    frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    bad = []
    for field, kind in zip(info["fields"], info["ogr_types"], strict=True):
        if kind != "OFTString" or IDS.search(field) or field.lower() == "wkt":
            continue
        values = frame[field].dropna().astype(str).str.strip()
        values = values[values != ""]
        if len(values) and values.str.match(NUMBER_OR_DATE).all():
            bad.append(f"{Path(path).name}:{layer or ''}:{field}")
    return bad


def test_no_format_writes_numbers_or_dates_as_text(cache, tmp_path, exported):
    bad = []
    for path, _ in exported.values():
        for layer, _ in pyogrio.list_layers(path):
            if layer != "layer_styles":
                bad += strings_holding_numbers_or_dates(path, layer)
    for ext in (".shp", ".geojson", ".fgb", ".csv", ".kml"):
        out = tmp_path / f"points{ext.replace('.', '_')}{ext}"
        assert export(GTD, "-o", out) == 0
        found = strings_holding_numbers_or_dates(out)
        if ext == ".kml":  # KML's SimpleField has no date type: dates stay text there
            info = pyogrio.read_info(out)
            types = dict(zip(info["fields"], info["ogr_types"], strict=True))
            assert types["row"] == "OFTInteger" and types["GUNCERTAIN.1"] == "OFTInteger"
            # ... and the placemark's Name is the event id
            found = [f for f in found if not f.endswith((":date", ":Date_", ":Name"))]
        bad += found
    areas = tmp_path / "districts.shp"
    assert export(SAMPLE, "-o", areas, "--layer", "districts", "--period", "month") == 0
    bad += strings_holding_numbers_or_dates(tmp_path / "districts.districts_by_month.csv")
    assert bad == []
    shp = pyogrio.read_info(tmp_path / "points_shp.shp")
    assert dict(zip(shp["fields"], shp["ogr_types"], strict=True))["date"] == "OFTDate"
    gpkg = pyogrio.read_info(exported["sample"][0], layer="districts_by_month")
    assert dict(zip(gpkg["fields"], gpkg["ogr_types"], strict=True))["period_start"] == "OFTDate"
    # the .csvt GDAL and QGIS read: one type per column, the geometry as WKT
    csvt = (tmp_path / "points_csv.csvt").read_text()
    header = (tmp_path / "points_csv.csv").read_bytes().decode().split("\r\n", 1)[0]
    assert csvt.count(",") == header.count(",") and csvt.rstrip().endswith('"WKT"')
    back = pyogrio.read_dataframe(tmp_path / "points_csv.csv")
    assert back["geocode_conflict"].isin([0, 1]).all()


def test_sidecars_travel_with_the_layer_and_are_refused_like_it(cache, tmp_path):
    for ext in (".shp", ".geojson", ".fgb"):
        out = tmp_path / f"d{ext.replace('.', '_')}{ext}"
        assert export(SAMPLE, "-o", out, "--layer", "districts") == 0
        qml, sld = out.with_suffix(".qml"), out.with_suffix(".sld")
        assert qml_classes(qml.read_text())[-1][3] == "#970026"
        assert sld_rules(sld.read_text())[-1][1] == "#970026"
    # an existing style beside is refused without --overwrite, and nothing is written
    out.unlink()
    qml.write_text("mine")
    assert export(SAMPLE, "-o", out, "--layer", "districts") != 0
    assert not out.exists() and qml.read_text() == "mine"
    assert export(SAMPLE, "-o", out, "--layer", "districts", "--overwrite") == 0
    assert qml.read_text().startswith("<!DOCTYPE qgis")
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
    # a write that fails half way publishes neither the layer nor its style
    broken_write_publishes_nothing(tmp_path)
    # a shapefile's style names its fields as the shapefile does (10 characters)
    feat = tmp_path / "f.shp"
    assert export(SAMPLE, "-o", feat, "--layer", "districts", "--period", "month",
                  "--period-layout", "features") == 0  # fmt: skip
    temporal = ET.fromstring(feat.with_suffix(".qml").read_text().split("\n", 1)[1])
    assert temporal.find("temporal").get("startField") == "period_sta"
    assert "period_sta" in pyogrio.read_info(feat)["fields"]


def broken_write_publishes_nothing(tmp_path: Path) -> None:
    from incidentmap.export import area_style
    from incidentmap.io.write import GisExtras, write_layers

    layer = pyogrio.read_dataframe(tmp_path / "d_geojson.geojson")  # written above
    style = area_style(layer, "districts", None, totals=layer)

    def boom(done: int, total: int) -> None:
        raise OSError(28, "No space left on device")

    out = tmp_path / "broken.geojson"
    with pytest.raises(Exception, match="No space left"):
        write_layers(
            {"districts": layer}, out, gis=GisExtras(styles={"districts": style}), progress=boom
        )
    assert not [p.name for p in tmp_path.glob("*broken*")]  # nor any temporary file
    write_layers({"districts": layer}, out, gis=GisExtras(styles={"districts": style}))
    assert out.with_suffix(".qml").exists() and out.with_suffix(".sld").exists()


PYQGIS = r"""
import json, os, sys
from qgis.core import QgsApplication, QgsVectorLayer, QgsDateTimeRange
from qgis.core import QgsVectorLayerTemporalContext, QgsFeatureRequest
from qgis.PyQt.QtCore import QDate, QDateTime, QTime
app = QgsApplication([], False)
app.initQgis()
path = sys.argv[1]
out = {}
d = QgsVectorLayer(f"{path}|layername=districts", "d", "ogr")
r = d.renderer()
out["valid"] = d.isValid()
out["renderer"] = r.type()
out["classes"] = [(x.label(), x.symbol().color().name()) for x in r.ranges()]
colour = {}
for f in d.getFeatures():
    s = r.symbolForValue(float(f["incidents"]))
    colour[f["district_id"]] = s.color().name() if s else None
out["colours"] = colour
out["labels"] = d.labelsEnabled() and d.labeling().settings().fieldName
v = QgsVectorLayer(f"{path}|layername=districts_by_month_layer", "v", "ogr")
# QGIS 3.22 opens a layer with its style's renderer and labels but turns its time off
# (from the provider); loading the default style again applies the temporal settings
v.loadDefaultStyle()
t = v.temporalProperties()
out["temporal"] = [t.isActive(), t.startField()]
steps = {}
for start in sorted({f["period_start"].toPyDate().isoformat() for f in v.getFeatures()}):
    y, m, _ = (int(p) for p in start.split("-"))
    begin = QDateTime(QDate(y, m, 1), QTime(0, 0))
    rng = QgsDateTimeRange(begin, begin.addMonths(1), True, False)
    expr = t.createFilterString(QgsVectorLayerTemporalContext(), rng)
    request = QgsFeatureRequest().setFilterExpression(expr)
    steps[start] = sum(f["incidents"] for f in v.getFeatures(request))
out["steps"] = steps
print(json.dumps(out), flush=True)
os._exit(0)  # QGIS 3.22's exitQgis() may crash a headless process at exit
"""


def pyqgis_missing() -> str | None:
    if SYSTEM_PYTHON is None:
        return "no /usr/bin/python3"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        return "PyQGIS is not importable (Debian: apt-get install python3-qgis)"
    return None


def test_qgis_draws_the_pages_colours_and_plays_the_months(exported, tmp_path):
    reason = pyqgis_missing()
    if reason:
        pytest.skip(reason)
    path, frame = exported["sample"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    proc = subprocess.run(
        [SYSTEM_PYTHON, "-c", PYQGIS, str(path)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["valid"] and got["renderer"] == "graduatedSymbol"
    series = area_series(frame, None, MapStyle(level="district", period=None))
    assert [tuple(c) for c in got["classes"]] == series.legend("window")[1:]
    # every district in the page's colour (an area the page has no value for has 0 here)
    values = series.values[:, 0]
    want = {
        i: series.color(0.0 if v != v else v, "window")
        for i, v in zip(series.ids, values, strict=True)
    }
    assert got["colours"] == want
    assert got["labels"] == "district"
    assert got["temporal"] == [True, "period_start"]
    table = pyogrio.read_dataframe(path, layer="districts_by_month")
    by_month = table.groupby(table["period_start"].dt.strftime("%Y-%m-%d"))["incidents"].sum()
    assert got["steps"] == {k: int(v) for k, v in by_month.items()}
