"""Defects an independent review found (issue 27): what a run says, and what it writes."""

from __future__ import annotations

import pandas as pd
import pytest

from incidentmap.cli import main
from incidentmap.errors import IncidentMapError
from tests.conftest import INCIDENTS, ROOT

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
ACLED = INCIDENTS / "acled_afg_2017on_province_level.xlsx"


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_a_failed_run_says_what_it_read_before_the_error(capsys, use_cache):
    """12: the report of a job that fails travels on the error and is printed before it."""
    from incidentmap.jobs.load import Source
    from incidentmap.jobs.trends import TrendsRequest
    from incidentmap.jobs.trends import run as trends
    from incidentmap.options import Filters

    with pytest.raises(IncidentMapError) as exc:
        trends(TrendsRequest(Source(UCDP), Filters(target=["officials"])))
    lines = exc.value.report.lines()
    assert any(line.startswith("read: ") for line in lines)
    assert any(line.startswith("warning: ") and "officials" in line for line in lines)
    assert any(line.startswith("kept: 0 of ") for line in lines)
    code, _out, err = run(capsys, "trends", UCDP, "--target", "officials")
    said = err.splitlines()
    assert code != 0 and said[-1].startswith("Error: ")
    kept = next(line for line in lines if line.startswith("kept: "))
    assert kept in said[:-1] and any(s.startswith("read: ") for s in said[:-1])
    assert err.count("aimed at officials") == 1  # the warning, said once
    code, _, err = run(capsys, "trends", UCDP, "--target", "officials", "-q")
    assert err.count("\n") == 1 and err.startswith("Error: ")


def _job_counts(source, level, period=None):
    from incidentmap.jobs.aggregate import AggregateRequest
    from incidentmap.jobs.aggregate import run as aggregate
    from incidentmap.jobs.load import Source

    return aggregate(AggregateRequest(Source(source), level=level, period=period))


def test_district_counts_say_the_rows_placed_only_to_a_province(capsys, use_cache, tmp_path):
    """5: aggregate and export by district say how many rows reach only a province."""
    by_province = _job_counts(GTD, "province").counts["incidents"].sum()
    result = _job_counts(GTD, "district")
    left_out = int(by_province - result.counts["incidents"].sum())
    assert left_out > 0 and result.report.counts["province_only"] == left_out
    said = [n.text for n in result.report.notes if n.code == "province_only"]
    assert len(said) == 1 and said[0].startswith(f"{left_out:,} of ")
    code, _, err = run(capsys, "aggregate", GTD, "--level", "district", "-o", tmp_path / "a.csv")
    assert code == 0 and f"note: {left_out:,} of " in err and "--level province" in err
    code, _, err = run(capsys, "export", GTD, "--layer", "districts", "-o", tmp_path / "e.gpkg")
    assert code == 0 and err.count(f"note: {left_out:,} of ") == 1
    code, _, err = run(capsys, "export", GTD, "--layer", "provinces", "-o", tmp_path / "p.gpkg")
    assert code == 0 and "placed only to a province" not in err


def test_a_refused_district_level_counts_every_placed_row(capsys, use_cache):
    """8: trends by district on province-level rows counts the placed rows, not those kept."""
    from incidentmap.jobs.load import Source, load
    from incidentmap.jobs.report import Report

    placed = int(load(Source(ACLED), None, Report()).frame["province_code"].notna().sum())
    code, _, err = run(capsys, "trends", ACLED, "--level", "district")
    assert code == 2 and f"all {placed:,} placed rows are placed only to a province" in err


def test_trends_json_file_is_the_document_printed(capsys, use_cache, tmp_path):
    """14: ``-o x.json`` writes the document ``-f json`` prints, not a bare list."""
    import json

    out_file = tmp_path / "x.json"
    code, out, err = run(capsys, "trends", SAMPLE, "--no-hotspots", "-f", "json", "-o", out_file)
    assert code == 0, err
    written = json.loads(out_file.read_text("utf-8"))
    assert written == json.loads(out)
    assert {"level", "period", "rules", "areas", "timeline"} <= set(written)


def test_an_incomplete_latest_week_is_not_called_complete(capsys, use_cache):
    """17: with --include-incomplete the week the data end inside is said incomplete."""
    from incidentmap.jobs.load import Source, load
    from incidentmap.jobs.report import Report

    end = load(Source(SAMPLE), None, Report()).frame["date"].max()
    week = end - pd.Timedelta(days=(end.weekday() - 5) % 7)  # ACLED's weeks: from Saturday
    last = week + pd.Timedelta(days=6)
    assert end < last  # the data end inside their last week
    code, _, err = run(capsys, "trends", SAMPLE, "--include-incomplete", "-f", "csv")
    assert code == 0, err
    assert (
        f"latest ACLED week {week:%Y-%m-%d} to {last:%Y-%m-%d} (incomplete: data end "
        f"{end:%Y-%m-%d})" in err
    )
    assert "latest complete ACLED week" not in err
    code, _, err = run(capsys, "trends", SAMPLE, "-f", "csv")
    assert code == 0 and "latest complete ACLED week" in err and "(incomplete" not in err


def test_period_complete_line_is_a_note(capsys, use_cache, tmp_path):
    """23: the line saying which period is incomplete starts ``note:``."""
    code, _, err = run(capsys, "aggregate", SAMPLE, "--level", "province", "-o", tmp_path / "a.csv")
    said = [line for line in err.splitlines() if "period_complete is false" in line]
    assert code == 0 and said and all(line.startswith("note: ") for line in said)


def test_nothing_matched_keeps_the_periods_of_the_coverage(capsys, use_cache, tmp_path):
    """6: filters that keep nothing give the coverage's periods, zeros, and say so."""
    from incidentmap.jobs.aggregate import AggregateRequest
    from incidentmap.jobs.aggregate import run as aggregate
    from incidentmap.jobs.load import Source
    from incidentmap.options import Filters

    whole = _job_counts(UCDP, "district", "month").counts
    none = aggregate(
        AggregateRequest(Source(UCDP), filters=Filters(target=["officials"]), period="month")
    )
    counts = none.counts
    assert counts["incidents"].sum() == 0 and "period_complete" in counts
    assert sorted(set(counts["period_start"])) == sorted(set(whole["period_start"]))
    assert any(n.code == "nothing_matched" for n in none.report.notes)
    out = tmp_path / "uom.csv"
    code, _, err = run(capsys, "aggregate", UCDP, "--target", "officials", "--period", "month",
                       "-o", out)  # fmt: skip
    table = pd.read_csv(out)
    n = whole["period_start"].nunique()
    assert code == 0 and table["period_start"].notna().all() and "period_complete" in table
    assert f"x {n:,} periods)" in err and "note: no row matched the filters" in err


def test_rates_are_written_to_stated_significant_digits(capsys, use_cache, tmp_path):
    """24: ``incidents_per_100k`` is written rounded (0.2, not 0.19999999999999998)."""
    from incidentmap.jobs.aggregate import RATE_DIGITS

    pop = tmp_path / "pop.csv"
    pop.write_text("province,population\nKabul,3000000\nHerat,2000000\nBadakhshan,1000000\n")
    out = tmp_path / "r.csv"
    code, _, err = run(capsys, "aggregate", SAMPLE, "--level", "province", "--period", "none",
                       "--population", pop, "-o", out)  # fmt: skip
    assert code == 0, err
    from incidentmap.jobs.aggregate import AggregateRequest
    from incidentmap.jobs.aggregate import run as aggregate
    from incidentmap.jobs.load import Source

    counts = aggregate(
        AggregateRequest(Source(SAMPLE), level="province", period=None, population=pop)
    ).counts.set_index("province_code")
    text = out.read_text("utf-8")
    table = pd.read_csv(out).set_index("province_code")
    rates = counts["incidents_per_100k"].dropna()
    assert len(rates) == 3
    assert any(len(repr(float(v))) > RATE_DIGITS + 4 for v in rates)  # some rate to round
    for code_, v in rates.items():
        assert table.loc[code_, "incidents_per_100k"] == float(f"{v:.{RATE_DIGITS}g}")
    assert "9999999" not in text and "3333333" not in text


def _help_pages() -> list[tuple[str, ...]]:
    import importlib

    from incidentmap.cli import COMMANDS

    pages: list[tuple[str, ...]] = []
    for name, (module, attr, _) in COMMANDS.items():
        if attr == "app":  # a group: each of its commands
            group = importlib.import_module(f"incidentmap.cli.{module}").app
            pages += [(name, c.name or c.callback.__name__) for c in group.registered_commands]
        else:
            pages.append((name,))
    return pages


@pytest.mark.parametrize("command", _help_pages(), ids=" ".join)
def test_help_names_values_in_one_style(capsys, command, monkeypatch):
    """16: no ``<path>``, ``{FILE}`` or ``TEXT``: upper-case words and listed choices."""
    import re

    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert not re.findall(r"<\w[^>]*>|\{\w+\}|\bTEXT\b", out)


def test_help_metavars_name_what_they_take(capsys, monkeypatch):
    """16: where's LAT [LON], merge's SOURCE:ID, brief's BREAKS and listed measures."""
    monkeypatch.setenv("COLUMNS", "100")
    _, out, _ = run(capsys, "where", "--help")
    assert "where [OPTIONS] LAT [LON]" in out and "  LAT  Latitude" in out
    _, out, _ = run(capsys, "merge", "--help")
    assert "--explain SOURCE:ID" in out
    for command in ("brief", "map"):
        _, out, _ = run(capsys, command, "--help")
        assert "--bins BREAKS" in out and "--measure count|fatalities|per100k|COLUMN" in out
        assert "--color-by category|COLUMN" in out and "--level district|province" in out


def test_counts_and_nouns_agree(capsys, use_cache, tmp_path):
    """20: one helper for plurals: "1 month", "2 months", "1,234 rows"."""
    from incidentmap.errors import plural

    assert plural(1, "month") == "1 month" and plural(2, "month") == "2 months"
    assert plural(1234, "row") == "1,234 rows" and plural(1.0, "row") == "1 row"
    assert plural(1, "event id is", "event ids are") == "1 event id is"
    code, _, err = run(capsys, "trends", SAMPLE, "--period", "month", "--baseline", "1",
                       "--no-hotspots", "-f", "csv")  # fmt: skip
    assert code == 0 and "baseline: 1 month before it" in err
    src = tmp_path / "one.csv"
    src.write_text("event_id,date,province\nA1,2023-01-05,Balkh\n")
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0 and "read: 1 row from" in err and "wrote: 1 row to" in err


def test_qgis_styles_are_no_data_layer(capsys, use_cache, tmp_path):
    """22: a GeoPackage of one layer and QGIS's ``layer_styles`` reads that layer."""
    import geopandas as gpd
    import pyogrio
    from shapely.geometry import Point

    path = tmp_path / "styled.gpkg"
    rows = gpd.GeoDataFrame(
        {"event_id": ["A1", "A2"], "date": ["2023-01-05", "2023-01-06"]},
        geometry=[Point(69.17, 34.53), Point(62.2, 34.35)],
        crs="EPSG:4326",
    )
    rows.to_file(path, layer="attacks", driver="GPKG")
    styles = pd.DataFrame({"f_table_name": ["attacks"], "styleName": ["default"]})
    pyogrio.write_dataframe(styles, path, layer="layer_styles", driver="GPKG", append=True)
    assert len(pyogrio.list_layers(path)) == 2
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", path, "--level", "province", "--period", "none",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    assert pd.read_csv(out)["incidents"].sum() == len(rows)


def test_a_property_of_numbers_and_blanks_reads_without_warnings(tmp_path):
    """13: GDAL's JSON-typed property (numbers and "") gives no geopandas warning."""
    import json
    import warnings

    from incidentmap.io.layers import read_gis

    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [69.2, 34.5]},
         "properties": {"fatalities": i if i % 2 else ""}}
        for i in range(4)
    ]  # fmt: skip
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        gis = read_gis(path, None)
    assert len(gis) == 4 and [str(w.message) for w in said] == []


def test_an_exported_geopackage_is_read_back_with_its_area_events(capsys, use_cache, tmp_path):
    """4: the ``area_events`` layer beside ``points`` is read, not dropped without a word."""
    import pyogrio

    gpkg = tmp_path / "ae.gpkg"
    code, _, err = run(capsys, "export", SAMPLE, "--layer", "points", "--area-events", "layer",
                       "-o", gpkg)  # fmt: skip
    assert code == 0, err
    apart = len(pyogrio.read_dataframe(gpkg, layer="area_events", read_geometry=False))
    assert apart > 0
    whole = _job_counts(SAMPLE, "province").counts
    back = _job_counts(gpkg, "province").counts
    assert back["incidents"].sum() == whole["incidents"].sum()
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", gpkg, "--level", "province", "--period", "none",
                       "-o", out)  # fmt: skip
    assert code == 0 and pd.read_csv(out)["incidents"].sum() == whole["incidents"].sum()


def test_trends_table_never_cuts_a_number(capsys, use_cache, monkeypatch):
    """21: at 80 columns every value is shown whole; a column that cannot fit is named."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(capsys, "trends", GTD, "--period", "month", "-f", "table")
    assert code == 0, err
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, csv_out, _ = run(capsys, "trends", GTD, "--period", "month", "-f", "csv")
    import io

    areas = pd.read_csv(io.StringIO(csv_out))
    flagged = areas[areas["rising"] | areas["surge"] | areas["threat"]]
    for v in flagged["last_count"]:
        assert f" {v:,} " in out  # the latest counts of the areas shown, whole


@pytest.mark.parametrize("command", ["trends", "query", "aggregate"])
def test_a_target_no_row_has_is_warned_by_every_command(capsys, use_cache, tmp_path, command):
    """README: ``--target officials`` on a file that codes none is a warning, success or not."""
    args = ["-o", tmp_path / "a.csv"] if command == "aggregate" else []
    _, _, err = run(capsys, command, UCDP, "--target", "officials", *args)
    assert "warning: no row of the input is aimed at officials (its targets: " in err


def test_trends_table_says_the_areas_not_shown_as_a_note(capsys, use_cache, monkeypatch):
    """20, 23: the unflagged areas left out of the table are said in a note, noun agreeing."""
    monkeypatch.setenv("COLUMNS", "120")
    code, _, err = run(capsys, "trends", SAMPLE, "--period", "month", "-f", "table")
    said = [line for line in err.splitlines() if "with nothing flagged" in line]
    code_csv, csv_out, _ = run(capsys, "trends", SAMPLE, "--period", "month", "-f", "csv")
    import io

    areas = pd.read_csv(io.StringIO(csv_out))
    shown = areas["rising"] | areas["surge"] | areas["threat"] | areas["hotspot"].notna()
    quiet = areas["emerging"].isin(("no pattern", "too few events"))
    n = int((~(shown | ~quiet)).sum())
    assert code == 0 and code_csv == 0 and n > 1
    assert said == [f"note: {n} provinces with nothing flagged are not shown (--format csv "
                    "lists every area)"]  # fmt: skip


def test_merge_refuses_a_count_table(capsys, use_cache, tmp_path):
    """ACLED's weekly counts (``events`` a row) merged with UCDP's events lost their counts:
    60 events became 24 "events out". A count table is refused, with the column named."""
    import incidentmap as im

    src = tmp_path / "weekly.csv"
    src.write_text(
        "week,region,country,admin1,event_type,sub_event_type,events,fatalities,"
        "disorder_type,centroid_latitude,centroid_longitude\n"
        "2015-01-03,Caucasus and Central Asia,Afghanistan,Kabul,Battles,Armed clash,3,1,"
        "Political violence,34.53,69.17\n",
        encoding="utf-8",
    )
    out = tmp_path / "m.csv"
    code, _out, err = run(capsys, "merge", f"acled={src}", f"ucdp={UCDP}", "-o", out)
    assert code != 0 and not out.exists()
    assert "source 'acled' (" in err and "is a count table: column 'events'" in err
    assert "Traceback" not in err
    with pytest.raises(IncidentMapError, match="count table"):
        im.merge(f"acled={src}", f"ucdp={UCDP}", output=out)


@pytest.mark.parametrize("dates", ["year", "none"])
def test_aggregate_refuses_a_period_no_row_is_in(capsys, use_cache, tmp_path, dates):
    """GTD dated only to the year (or with no date column), counted by month: a table of
    every province at 0 in no month was written, exit 0; refused, as brief and trends do."""
    import incidentmap as im

    g = pd.read_csv(GTD, dtype=str, keep_default_na=False)
    if dates == "year":
        g["DATE"] = g["DATE"].str[:4]
        g["Date_"] = g["DATE"]
    else:
        g = g.drop(columns=["DATE", "Date_", "month", "year"])
    src, out = tmp_path / "g.csv", tmp_path / "t.csv"
    g.to_csv(src, index=False)
    code, _out, err = run(capsys, "aggregate", src, "--level", "province", "--period", "month",
                          "-o", out)  # fmt: skip
    assert code == 2 and not out.exists()
    said = "no month holds any of the 1,782 dated rows (1,782 to a year); use --period year"
    assert (said if dates == "year" else "no dated incidents to draw by period") in err
    with pytest.raises(IncidentMapError, match=r"no month holds|no dated incidents"):
        im.aggregate(src, level="province", period="month")
    # by year, or without periods, the same file is counted
    code, _out, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                          "-o", out)  # fmt: skip
    assert code == 0 and pd.read_csv(out)["incidents"].sum() == 1782
