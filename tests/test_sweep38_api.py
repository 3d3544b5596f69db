"""Sweep 38 (w3): the Python API checks its values as the command line does, on the real files.

4, 5: a value outside its range or of the wrong type is one UsageError naming the field (in
back-ticks, never a `--flag`), before any file is read; numbers given as numeric text are read
as numbers; a (lat, lon) pair, a shapely Point and a shapely polygon are taken.
10: a toll bound of 0 is a filter (its `kept:` line). 11: a refusal carries the warnings said
before it. 12: a brief shows its report. 9: Parquet has one schema, read whole or in blocks.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.options import LIMITS, Filters, GeoOptions, MapStyle, Output, number
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"


def _refused(call, field: str) -> str:
    with pytest.raises(im.UsageError) as exc:
        call()
    text = str(exc.value)
    assert f"`{field}`" in text and "--" not in text, text
    assert exc.value.field == field
    assert "\n" not in text
    return text


# (job, keywords, the field refused): each raised nothing, or a raw error from deep inside
BAD = [
    ("export", {"digits": "x"}, "digits"),  # wrote whole degrees (~55 km), no warning
    ("export", {"digits": True}, "digits"),
    ("export", {"digits": 2.5}, "digits"),  # became 2
    ("export", {"digits": 20}, "digits"),  # passed to GDAL (the command line: 0-15)
    ("export", {"digits": -1}, "digits"),
    ("export", {"overwrite": "no"}, "overwrite"),  # replaced the file
    ("brief", {"k": 0}, "k"),  # a one-class legend
    ("brief", {"k": "x"}, "k"),
    ("brief", {"max_points": -1}, "max_points"),
    ("brief", {"title": 123}, "title"),  # AttributeError
    ("brief", {"style": "x"}, "style"),  # AttributeError
    ("brief", {"png_periods": 13}, "png_periods"),
    ("read", {"fuzzy_threshold": 200}, "fuzzy_threshold"),
    ("read", {"fuzzy_threshold": -5}, "fuzzy_threshold"),
    ("read", {"snap_km": "x"}, "snap_km"),  # TypeError '<=' not supported
    ("read", {"snap_km": 51}, "snap_km"),
    ("query", {"min_fatalities": "a"}, "min_fatalities"),
    ("query", {"min_fatalities": -1}, "min_fatalities"),
    ("query", {"km": "abc"}, "km"),  # TypeError
    ("query", {"km": None}, "km"),
    ("query", {"km": [1]}, "km"),
    ("query", {"limit": "x"}, "limit"),  # TypeError
    ("query", {"limit": -1}, "limit"),
    ("query", {"filters": {"group": "isis-k"}}, "filters"),  # AttributeError
    ("query", {"read": {"preset": "gtd"}}, "read"),  # AttributeError
    ("query", {"near": 5}, "near"),
    ("query", {"within": shapely.Point(70, 34)}, "within"),
    ("query", {"include_area_events": "yes"}, "include_area_events"),
    ("trends", {"permutations": 5}, "permutations"),  # the command line: 9-9999
    ("trends", {"permutations": 0}, "permutations"),  # ZeroDivisionError
    ("trends", {"permutations": -3}, "permutations"),  # numpy ValueError
    ("trends", {"alpha": "x"}, "alpha"),  # TypeError
    ("trends", {"alpha": 0.9}, "alpha"),
    ("trends", {"baseline": 0}, "baseline"),
    ("trends", {"fdr": "no"}, "fdr"),
    ("geocode", {"block_mb": "x"}, "block_mb"),  # TypeError
    ("aggregate", {"by_target": 1}, "by_target"),
]


@pytest.mark.parametrize(("job", "given", "field"), BAD, ids=[f"{j}-{f}" for j, _, f in BAD])
def test_a_bad_value_is_one_usage_error_naming_its_field(job, given, field, tmp_path):
    out = tmp_path / ("p.geojson" if job in ("export", "geocode") else "p.csv")
    out.write_text("kept")  # an existing output: never replaced by a refused request
    args = {
        "export": (GTD, out),
        "geocode": (GTD, out),
        "aggregate": (GTD, out),
        "brief": (GTD,),
    }.get(job, (GTD,))
    extra = {"layers": "points"} if job == "export" else {}
    text = _refused(lambda: getattr(im, job)(*args, **extra, **given), field)
    assert "must be" in text
    assert out.read_text() == "kept"


def test_digits_x_to_csv_is_a_usage_error_not_a_write_failure(tmp_path, use_cache):
    placed = im.read(GTD).frame
    _refused(lambda: im.export(placed, tmp_path / "p.csv", layers="points", digits="x"), "digits")
    assert not (tmp_path / "p.csv").exists()


@given(st.sampled_from(sorted(LIMITS)), st.floats(allow_nan=True, allow_infinity=True))
@settings(max_examples=300, deadline=None)
def test_every_number_is_in_its_range_or_refused(name, value):
    low, high, whole = LIMITS[name]
    try:
        got = number(value, name)
    except im.UsageError as exc:
        assert f"`{name}`" in str(exc) and exc.field == name
        return
    assert (low is None or got >= low) and (high is None or got <= high)
    assert not whole or isinstance(got, int)
    assert got == value


def test_numbers_as_text_are_read_as_the_command_line_reads_them(tmp_path):
    assert MapStyle(k="7").k == 7
    assert GeoOptions(snap_km="5", fuzzy_threshold=" 90 ").snap_km == 5.0
    assert Filters(min_fatalities="2").min_fatalities == 2.0
    from incidentmap.jobs.load import Source
    from incidentmap.jobs.trends import TrendsRequest

    request = TrendsRequest(Source(GTD), alpha="0.05", permutations="99")
    assert (request.alpha, request.permutations) == (0.05, 99)
    with pytest.raises(im.UsageError, match="`overwrite` must be True or False"):
        Output(tmp_path / "x.csv", overwrite="no")


def test_the_command_line_refuses_the_same_ranges(capsys, tmp_path):
    # the command line's ranges are the library's LIMITS
    assert LIMITS["digits"][:2] == (0, 15) and LIMITS["k"][:2] == (1, 9)
    assert LIMITS["permutations"][:2] == (9, 9999) and LIMITS["fuzzy_threshold"][:2] == (0, 100)
    code, _, err = run(capsys, "export", GTD, "-o", tmp_path / "p.geojson",
                       "--coord-precision", "16")  # fmt: skip
    assert code == 2 and "--coord-precision" in err
    _refused(lambda: im.export(GTD, tmp_path / "p.geojson", digits=16), "digits")
    code, _, err = run(capsys, "trends", GTD, "--permutations", "5")
    assert code == 2 and "--permutations" in err
    _refused(lambda: im.trends(GTD, permutations=5), "permutations")


def test_near_takes_a_pair_and_a_point_within_a_polygon(use_cache):
    placed = im.read(GTD).frame
    text = im.query(placed, near="34.43,70.45", km=20)
    pair = im.query(placed, near=(34.43, 70.45), km=20)  # TypeError before
    point = im.query(placed, near=shapely.Point(70.45, 34.43), km=20)  # (x=lon, y=lat)
    assert text.matched == pair.matched == point.matched > 0
    assert list(pair.frame["event_id"]) == list(text.frame["event_id"])
    box = im.query(placed, bbox=(69, 34, 71, 35))
    polygon = im.query(placed, within=shapely.box(69, 34, 71, 35))  # "file name" its WKT
    assert polygon.matched == box.matched > 0


@given(st.sampled_from(["min_fatalities", "max_fatalities"]), st.sampled_from([0, 0.0, "0"]))
def test_a_falsy_filter_is_a_filter(name, zero):
    assert Filters(**{name: zero}).active() == [name]
    assert Filters(actor="").active() == [] and Filters().active() == []


def test_a_toll_bound_of_zero_says_what_it_kept(capsys, use_cache):
    code, out, err = run(capsys, "query", GTD, "--max-fatalities", "0")
    assert code == 0, err
    assert "kept: 563 of 1,782 rows after the filters" in err
    assert "563 incidents match" in out + err
    report = str(im.query(GTD, max_fatalities=0).report)
    assert "kept: 563 of 1,782 rows after the filters" in report


def test_a_refusal_carries_the_warnings_said_before_it(capsys, use_cache):
    warning = "no row of the input is aimed at officials (its targets: security forces 299"
    with pytest.raises(im.UsageError) as exc:
        im.trends(UCDP, target="officials")
    assert "no incidents to compare" in str(exc.value)
    assert warning in str(exc.value)
    assert "kept: 0 of 310 rows" in str(exc.value.report)
    assert f"warning: {warning}" in str(exc.value.report)  # the report keeps what it said
    code, _, err = run(capsys, "trends", UCDP, "--target", "officials")
    assert code == 2
    assert f"Error: no incidents to compare (did the filters keep any?); warning: {warning}" in err
    assert "Error: no incidents to compare" in err and "--target" in err


def test_a_brief_shows_its_report(use_cache):
    import folium

    from incidentmap.jobs.brief import BriefResult
    from incidentmap.jobs.report import Report

    report = Report({"kept": 52})
    report.add("kept", "kept: 52 of 52 rows after the filters", kind="info")
    shown = BriefResult(folium.Map(), MapStyle(), report=report)._repr_html_()
    assert "<iframe" in shown or "folium" in shown.lower()
    assert "kept: 52 of 52 rows after the filters" in shown


def test_parquet_has_one_schema_whole_or_in_blocks(capsys, tmp_path, use_cache):
    whole, blocks = tmp_path / "w.parquet", tmp_path / "b.parquet"
    code, _, err = run(capsys, "geocode", GTD, "-o", whole, "-q")
    assert code == 0, err
    code, _, err = run(capsys, "geocode", GTD, "-o", blocks, "--block-mb", "0.05", "-q")
    assert code == 0, err
    a, b = pq.read_schema(whole), pq.read_schema(blocks)
    assert [(f.name, f.type) for f in a] == [(f.name, f.type) for f in b]
    for name in ("notes", "source", "stated_district", "source_precision", "event_id"):
        assert a.field(name).type == pa.string(), name  # blank in every row: still text
    assert not any(pa.types.is_large_string(f.type) or pa.types.is_null(f.type) for f in a)
    assert pq.read_table(whole).to_pandas().shape == pq.read_table(blocks).to_pandas().shape
    import geopandas as gpd

    assert gpd.read_parquet(whole).crs.to_epsg() == 4326  # still GeoParquet
    placed = im.read(GTD).frame
    im.export(placed, tmp_path / "p.parquet", layers="points")
    points = pq.read_schema(tmp_path / "p.parquet")
    assert not any(pa.types.is_large_string(f.type) or pa.types.is_null(f.type) for f in points)
