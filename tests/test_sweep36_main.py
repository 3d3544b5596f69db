"""The sweep of stop 36 (report /work/notes/s36/sweep.md): query's JSON formats, count
columns under other names, month columns, and distances to events placed only to an area."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

import incidentmap as im
from tests.conftest import INCIDENTS
from tests.test_cli import run

WORKBOOK = INCIDENTS / "acled_afg_2017on_province_level.xlsx"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"


def _features(fmt: str, out: str) -> list[dict]:
    if fmt == "geojson":
        return json.loads(out)["features"]
    return [json.loads(line.lstrip("\x1e")) for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def dated_inputs(tmp_path_factory) -> dict:
    """Inputs whose original columns hold dates: Excel date cells, datetimes, date32."""
    folder = tmp_path_factory.mktemp("dated")
    g = pd.read_csv(GTD, dtype=str, keep_default_na=False).head(300)
    xlsx = folder / "gtd_dt.xlsx"
    g.assign(downloaded=dt.datetime(2024, 5, 1, 13, 30)).to_excel(xlsx, index=False)
    parquet = folder / "gtd_date32.parquet"
    g.assign(checked=dt.date(2024, 5, 2), at=dt.time(12, 0)).to_parquet(parquet)
    return {"workbook": WORKBOOK, "xlsx": xlsx, "parquet": parquet}


@pytest.mark.parametrize("fmt", ["geojson", "ndjson", "geojsonseq"])
@pytest.mark.parametrize("which", ["workbook", "xlsx", "parquet"])
def test_query_json_formats_write_dates_as_text(capsys, use_cache, dated_inputs, fmt, which):
    # sweep C1: "Object of type datetime is not JSON serializable", after 961 bytes of JSON
    src = dated_inputs[which]
    window = ["--since", "2023-03-01", "--until", "2023-03-31"] if which == "workbook" else []
    code, out, err = run(capsys, "query", src, "--near", "Jalalabad", "--km", "60",
                         "--include-area-events", *window, "-f", fmt)  # fmt: skip
    assert code == 0, err
    feats = _features(fmt, out)
    assert feats, err
    props = feats[0]["properties"]
    if which == "xlsx":
        assert props["downloaded"] == "2024-05-01T13:30:00"
    if which == "parquet":
        assert props["checked"] == "2024-05-02" and props["at"] == "12:00:00"
    if which == "workbook":
        assert props["event_date"].startswith("2023-03")
    result = im.query(src, near="Jalalabad", km=60, include_area_events=True)
    assert result.matched >= len(feats)


@pytest.fixture(scope="module")
def monthly(tmp_path_factory) -> pd.DataFrame:
    """HDX's monthly ACLED table of the real workbook (69,172 events in 3,392 rows)."""
    wb = pd.read_excel(WORKBOOK, engine="calamine")
    m = (
        wb.groupby(["adm1_name", "year", "months"])
        .agg(Events=("event_type", "size"), Fatalities=("conflict_fatalities", "sum"))
        .reset_index()
    )
    return pd.DataFrame({"Country": "Afghanistan", "Admin1": m["adm1_name"], "Month": m["months"],
                         "Year": m["year"], "Events": m["Events"]})  # fmt: skip


COUNT_NAMES = ["Incidents", "incident_count", "No. of events", "Number of incidents",
               "count", "Total events", "events_total", "nevents", "Attacks", "EVENTS",
               "# events"]  # fmt: skip


@pytest.mark.parametrize("name", COUNT_NAMES)
def test_a_count_column_under_another_name_counts(capsys, use_cache, tmp_path, monthly, name):
    # sweep W2: every one of these counted 3,392 rows as 3,392 incidents, with no note
    src = tmp_path / "c.csv"
    monthly.rename(columns={"Events": name}).to_csv(src, index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0, err
    assert f"{monthly['Events'].sum():,} incidents counted" in err and "--weight none" in err
    table = im.aggregate(src, level="province", period=None).counts
    assert table["incidents"].sum() == monthly["Events"].sum()


def test_a_count_table_of_zeros_and_ones_counts_its_ones(capsys, use_cache, tmp_path, monthly):
    # sweep W3: 300 rows holding 100 events counted 300
    t = monthly.head(300).copy()
    t["Events"] = (t.index % 3 == 0).astype(int)
    src = tmp_path / "c01.csv"
    t.to_csv(src, index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "100 incidents counted" in err


def test_a_run_of_ids_named_events_is_no_count(capsys, use_cache, tmp_path):
    g = pd.read_csv(GTD, dtype=str, keep_default_na=False).head(200)
    src = tmp_path / "ids.csv"
    g.assign(Events=range(1001, 1201)).to_csv(src, index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "200 incidents counted" in err and "weight" not in err


def test_the_tools_own_tables_read_back_count_their_incidents(capsys, use_cache, tmp_path):
    # sweep W2: an aggregate table read back counted each province-month (zeros too) as one
    table = tmp_path / "t.csv"
    code, _, err = run(capsys, "aggregate", GTD, "--level", "province", "--period", "month",
                       "-o", table)  # fmt: skip
    assert code == 0, err
    total = int(pd.read_csv(table)["incidents"].sum())
    code, _, err = run(capsys, "aggregate", table, "--level", "province", "--period", "none",
                       "-o", tmp_path / "t2.csv")  # fmt: skip
    assert code == 0 and f"{total:,} incidents counted" in err
    layer = tmp_path / "d.csv"
    code, _, err = run(capsys, "export", GTD, "--layer", "districts", "-o", layer)
    assert code == 0, err
    placed = int(pd.read_csv(layer)["incidents"].sum())
    code, _, err = run(capsys, "aggregate", layer, "--level", "province", "--period", "none",
                       "-o", tmp_path / "t3.csv")  # fmt: skip
    assert code == 0 and f"{placed:,} incidents counted" in err
    assert im.aggregate(table, level="province", period=None).counts["incidents"].sum() == total


def _revisions(kind: str, g: pd.DataFrame) -> pd.DataFrame:
    """A second release of GTD's rows: ids renumbered or dropped, tolls or dates revised."""
    out = g.copy()
    if kind == "ids-renumbered":
        new = pd.Series([f"X{i}" for i in range(len(out))], index=out.index)
        out["GTD.ID"] = new.where(out["GTD.ID"] != "", "")  # a row without an id keeps none
    elif kind == "ids-dropped":
        out = out.drop(columns="GTD.ID")
    elif kind == "tolls-revised":
        tolls = pd.to_numeric(out["FATALITIES"], errors="coerce")
        out["FATALITIES"] = tolls.where(out.index % 10 != 0, tolls + 1).astype("Int64")
    elif kind == "a-day-later":
        dates = pd.to_datetime(out["DATE"], errors="coerce") + pd.Timedelta(days=1)
        out["DATE"] = dates.dt.strftime("%Y-%m-%d").where(dates.notna(), out["DATE"])
    return out.sample(frac=1.0, random_state=3)  # shuffled: row order is no help


@pytest.mark.parametrize("kind", ["ids-renumbered", "ids-dropped", "tolls-revised", "a-day-later"])
def test_two_releases_of_one_dataset_merge_to_its_events(capsys, use_cache, tmp_path, kind):
    # sweep W4: GTD and its own later release counted 1,911 (ids renumbered or dropped),
    # 1,800 (tolls revised), 2,182 (every date a day later) events for 1,782
    g = pd.read_csv(GTD, dtype=str, keep_default_na=False)
    assert {"GTD.ID", "FATALITIES", "DATE"} <= set(g.columns)
    events = len(
        im.merge(f"gtd={GTD}", f"same={GTD}", output=tmp_path / "self.csv").result.merged
    )  # the file with itself
    assert len(g) - 2 <= events <= len(g)
    src = tmp_path / "release2.csv"
    _revisions(kind, g).to_csv(src, index=False)
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"again={src}", "-o", tmp_path / "m.csv")
    assert code == 0, err
    assert f"= {events:,} events out" in err
    merged = im.merge(f"gtd={GTD}", f"again={src}", output=tmp_path / "m2.csv").result.merged
    assert len(merged) == events


def test_two_publishers_downloads_of_other_years_are_not_merged(capsys, use_cache, tmp_path):
    # the date left out to find a release a day off must not pair rows a year apart
    wb = pd.read_excel(WORKBOOK, engine="calamine")
    wb = wb[wb["year"].isin([2019, 2020])].iloc[::5]
    early, late = tmp_path / "early.csv", tmp_path / "late.csv"
    wb[wb["year"] == 2019].to_csv(early, index=False)
    wb[wb["year"] == 2020].to_csv(late, index=False)
    code, _, err = run(capsys, "merge", f"e={early}", f"l={late}", "-o", tmp_path / "m.csv")
    assert code == 0, err
    assert f"= {len(wb):,} events out (0 reported by more than one source)" in err


@pytest.mark.parametrize(
    ("args", "wrong"),
    [
        (["34.43", "-70.45"], "-70.45 is no longitude"),
        (["-34.43", "70.45"], "-34.43 is no latitude"),
    ],
)
def test_cli_where_takes_a_negative_argument_for_a_number(capsys, use_cache, args, wrong):
    # sweep U5: `where 34.43 -70.45` said "No such option: -7"
    code, _, err = run(capsys, "where", *args)
    assert code == 2 and wrong in err and "No such option" not in err


def test_cli_where_still_names_an_unknown_option(capsys, use_cache):
    code, _, err = run(capsys, "where", "--jsno", "34.43,70.45")
    assert code == 2 and "no such option: --jsno" in err


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("Jalalabad", "'Jalalabad' is a district of Nangarhar (and a place): --province Nangarhar, "
                      "--district Jalalabad or --near Jalalabad"),
        ("Lashkar Gah", "--district 'Lashkar Gah' or --near 'Lashkar Gah'"),
        ("Mazar-i-Sharif", "is a district of Balkh"),
    ],
)  # fmt: skip
def test_cli_province_given_a_district(capsys, use_cache, name, said):
    # sweep U3: `--province Jalalabad` suggested 'Samangan', 'Badghis', 'Baghlan'
    code, _, err = run(capsys, "query", GTD, "--province", name)
    assert code != 0 and said in err and "did you mean" not in err


@pytest.mark.parametrize("name", ["Nangarhar", "Ningarhar", "Nangrahar", "ننگرهار"])
def test_cli_province_spellings_still_filter(capsys, use_cache, name):
    code, _, err = run(capsys, "query", GTD, "--province", name)
    assert code == 0 and "87 incidents match" in err


@pytest.mark.parametrize("form", ["{d}°{m}{h}", "{d} {m} {h}", "{d}d{m}{h}", "{d}°{m}'{h}"])
def test_degrees_and_unmarked_minutes_are_minutes(capsys, use_cache, tmp_path, form):
    # 34°26N was read as 34°0'26" (26 seconds): 34.0072, up to 110 km off, without a word
    lat, lon = form.format(d=34, m=26, h="N"), form.format(d=70, m=27, h="E")
    src = tmp_path / "dms.csv"
    pd.DataFrame({"date": ["2020-01-01"], "lat": [lat], "lon": [lon]}).to_csv(src, index=False)
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0, err
    g = pd.read_csv(tmp_path / "g.csv")
    assert abs(g["latitude"][0] - (34 + 26 / 60)) < 1e-6 and g["district"][0] == "Jalalabad"
    assert abs(im.read(src).frame["longitude"][0] - (70 + 27 / 60)) < 1e-6


@pytest.mark.parametrize("form", ["2017-04", "April 2017", "2017-04-01", "excel-date-cell"])
def test_a_month_column_of_whole_dates_dates_the_rows(capsys, use_cache, tmp_path, monthly, form):
    # sweep U1: `Month` as 2017-04, April 2017 or an Excel date cell was refused (the cell
    # shown as 1491004800000000.0)
    import calendar

    number = {calendar.month_abbr[i]: i for i in range(1, 13)} | {"Sept": 9}
    t = monthly.head(400).copy()
    when = pd.to_datetime(
        {"year": t["Year"], "month": t["Month"].map(number), "day": 1}
    )  # the truth
    if form == "2017-04":
        t["Month"] = when.dt.strftime("%Y-%m")
    elif form == "April 2017":
        t["Month"] = when.dt.strftime("%B %Y")
    elif form == "2017-04-01":
        t["Month"] = when.dt.strftime("%Y-%m-%d")
    else:
        t["Month"] = when
    src = tmp_path / ("m.xlsx" if form == "excel-date-cell" else "m.csv")
    if form == "excel-date-cell":
        t.to_excel(src, index=False)
    else:
        t.to_csv(src, index=False)
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0, err
    g = pd.read_csv(tmp_path / "g.csv")
    assert list(g["date"]) == list(when.dt.strftime("%Y-%m-%d"))
    assert set(g["date_precision"]) == {"month"}
    assert list(im.read(src).frame["date"]) == list(when)


@pytest.mark.parametrize(
    ("near", "hint"),
    [("34.4,-70.4", "did you mean 34.4,70.4?"), ("-34.4,70.4", "did you mean 34.4,70.4?"),
     ("10,10", "lies far from the districts")],
)  # fmt: skip
def test_a_near_point_far_from_afghanistan_is_refused(capsys, use_cache, near, hint):
    # a minus sign too many answered "no incidents match" without a word
    code, _, err = run(capsys, "query", GTD, "--near", near)
    assert code == 2 and hint in err and "lies far from the districts" in err
    from incidentmap.errors import UsageError

    with pytest.raises(UsageError, match="lies far from the districts"):
        im.query(GTD, near=near)


def test_a_near_point_across_the_border_is_still_asked(capsys, use_cache):
    code, _, err = run(capsys, "query", GTD, "--near", "34.0,71.5", "--km", "25")  # Peshawar
    assert code == 0 and "match in the place asked" in err


def test_a_zip_of_a_shapefile_incidentmap_wrote_reads_as_the_shapefile(capsys, use_cache, tmp_path):
    # a zipped shapefile with its .fields.csv was refused as "a zip archive holding g.shp,
    # g.fields.csv: unzip it and give one"
    import zipfile

    code, _, err = run(capsys, "geocode", GTD, "-o", tmp_path / "g.shp")
    assert code == 0, err
    zipped = tmp_path / "g.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for part in sorted(tmp_path.glob("g.*")):
            if part != zipped:
                z.write(part, part.name)
    code, _, err = run(capsys, "aggregate", zipped, "--level", "district", "--period", "none",
                       "-o", tmp_path / "t.csv")  # fmt: skip
    assert code == 0 and "1,144 incidents counted" in err, err
    assert "ATTACK.TYPE.1" in im.read(zipped).frame.columns
    alone = tmp_path / "f.zip"  # a .fields.csv without its .shp is a table like any CSV
    with zipfile.ZipFile(alone, "w") as z:
        z.write(tmp_path / "g.fields.csv", "g.fields.csv")
    code, _, err = run(capsys, "geocode", alone, "-o", tmp_path / "x.csv")
    assert "columns: field, column" in err  # read as the table it is (and refused as no place)


@pytest.mark.parametrize("n", [1, 2])
def test_a_full_width_note_under_a_table_is_named_not_kept(capsys, use_cache, tmp_path, n):
    # the sweep's U2: a note filling every field under a date-first table was refused as a
    # bad date with the hint that keeps bad rows (which would make the note an incident)
    notes = ["Source: ACLED accessed 2026-03-24,CC BY,v2,x", "Note: tolls as reported,a,b,c"]
    src = tmp_path / "full.csv"
    src.write_text(
        "date,province,type,deaths\n2023-01-05,Kabul,attack,2\n2023-01-06,Herat,attack,1\n"
        + "\n".join(notes[:n]) + "\n"
    )  # fmt: skip
    code, _, err = run(capsys, "aggregate", src, "--period", "none", "--level", "province",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 1 and "after the table, not an incident" in err
    assert "--keep-bad-values" not in err and "'Source: ACLED" in err
    from incidentmap.errors import InputFileError

    with pytest.raises(InputFileError, match="after the table"):
        im.read(src)
    mid = tmp_path / "mid.csv"  # a bad date among the rows keeps its usual line and hint
    mid.write_text("date,province\n2023-01-05,Kabul\nBad date here,Herat\n2023-01-06,Herat\n")
    code, _, err = run(capsys, "aggregate", mid, "-o", tmp_path / "b.csv")
    assert code == 1 and "--keep-bad-values" in err and "not an incident" not in err
