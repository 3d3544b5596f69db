"""What a newcomer trips over (issue 26, class 11): one style of usage error, points as one
argument, a reader that stops reading, rates of what can be a rate."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentmap.cli import COMMANDS, main
from tests.conftest import ROOT

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
STYLE = re.compile(r"^Error: \S.* \(see: incidentmap [a-z]+( [a-z]+)? --help\)\n$")

#: a bad option or value for every command: the click's and the library's refusals alike
BAD = [
    ("geocode", SAMPLE, "-o", "x.csv", "--snap-km", "99"),
    ("geocode", SAMPLE, "-o", "x.csv", "--delimiter", ";;"),
    ("where", "95", "200"),
    ("where", "abc"),
    ("aggregate", SAMPLE, "-o", "a.csv", "--level", "provnce"),
    ("aggregate", SAMPLE, "-o", "a.csv", "--since", "2023-02-30"),
    ("map", SAMPLE, "-o", "m.png"),
    ("brief", SAMPLE, "-o", "b.html", "--scheme", "user", "--bins", "5,1"),
    ("brief", SAMPLE, "-o", "b.html", "--attribution", "maybe"),
    ("query", SAMPLE, "--bbox", "70,35,69,34"),
    ("query", SAMPLE, "--until", "1402-01-01"),
    ("export", SAMPLE, "-o", "e.gpkg", "--area-events", "everywhere"),
    ("export", SAMPLE, "-o", "e.geojson", "--layer", "points", "--layer", "districts"),
    ("trends", SAMPLE, "--period", "wekk"),
    ("merge", SAMPLE),
    ("merge", SAMPLE, SAMPLE, "-o", "m.gpkg", "--km", "-1"),
    ("fetch", "acled", "-o", "f.csv", "--since", "2023-13-01"),
    ("boundaries", "install", "--bogus"),
]


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.mark.parametrize("args", BAD, ids=[" ".join(map(str, a[:1] + a[2:])) for a in BAD])
def test_usage_errors_share_one_style(capsys, use_cache, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert STYLE.match(err), err
    assert "Value error" not in err and "<" not in err.split(" (see:")[0][:8]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_where_takes_a_point_in_one_argument_like_near(capsys, use_cache):
    code, out, _ = run(capsys, "where", "34.43,70.45")
    assert code == 0 and out.strip() == "Jalalabad district, Nangarhar province (AF-NAN)"
    code, same, _ = run(capsys, "where", "34.43", "70.45")
    assert same == out


def test_a_reader_that_stops_reading_is_no_error(use_cache, tmp_path):
    # `trends ... -f json | head -c 300` exited 1 with no message (click's answer to EPIPE)
    cmd = [sys.executable, "-m", "incidentmap", "query", str(SAMPLE), "-f", "geojson"]
    shell = " ".join(f"'{c}'" for c in cmd) + " | head -c 100 > /dev/null; echo ${PIPESTATUS[0]}"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "0", done.stderr
    assert "Error" not in done.stderr and "Traceback" not in done.stderr


def test_rates_only_of_what_can_be_a_rate(capsys, use_cache, tmp_path):
    pop = tmp_path / "pop.csv"
    pd.DataFrame({"province": ["Kabul", "Herat"], "population": [5_000_000, 2_000_000]}).to_csv(
        pop, index=False
    )
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", SAMPLE, "--level", "province", "--period", "none",
                       "--population", pop, "-o", out)  # fmt: skip
    assert code == 0, err
    cols = set(pd.read_csv(out).columns)
    assert "incidents_per_100k" in cols and "fatalities_per_100k" in cols
    assert not any(c.endswith("_known_per_100k") for c in cols)


def test_counts_read_with_thousands_separators(capsys, use_cache):
    code, _, err = run(capsys, "query", SAMPLE, "--province", "Herat", "-f", "csv")
    assert code == 0 and re.search(r"kept: |incidents? match", err)
    assert "1 incidents" not in err and "1 events" not in err


def test_undated_rows_are_said_not_dropped(capsys, use_cache, tmp_path):
    # issue 26 class 6: "1 incidents counted" for 2 rows, and no word of the undated one
    src = tmp_path / "u.csv"
    src.write_text("event_id,date,province\nA1,2023-01-05,Balkh\nA2,,Balkh\n")
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "month",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    assert "1 row has no date: counted in no month" in err and "; 1 incident counted" in err


def test_period_on_the_points_layer_is_said(capsys, use_cache, tmp_path):
    # issue 26 class 9: --period on the points layer did nothing and said nothing
    out = tmp_path / "p.geojson"
    code, _, err = run(capsys, "export", SAMPLE, "--layer", "points", "--period", "month",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    assert "warning: --period counts the area layers by period" in err


@pytest.mark.parametrize(
    ("column", "said"),
    [
        ("date", "is not a count of incidents"),
        ("row", "is not a count of incidents"),
        ("flag", "true/false is no count"),
        ("big", "more than 1,000,000,000 in one row"),
        ("amb", "could be one or a thousand"),
    ],
)
def test_weights_are_read_by_the_number_rules(capsys, use_cache, tmp_path, column, said):
    # issue 26 class 4: --weight date counted 3.36e18 incidents, `1.000` counted 1,
    # true/false 1 and 0, `--weight row` the row numbers, 1e19 a negative number
    src = tmp_path / "w.csv"
    src.write_text(
        "event_id,date,province,events,flag,big,amb\n"
        "A1,2023-01-05,Balkh,3,true,5,1.000\nA2,2023-01-06,Kabul,2,false,1e19,2\n"
    )
    code, _, err = run(capsys, "aggregate", src, "--weight", column, "-o", tmp_path / "a.csv")
    # one Error line, last: what the run read before it comes first (review item 12)
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert code in (1, 2) and said in err and errors == [err.splitlines()[-1]]
    assert not (tmp_path / "a.csv").exists()
    code, _, err = run(capsys, "aggregate", src, "--weight", "events", "--level", "province",
                       "--period", "none", "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "5 incidents counted" in err


def test_the_caption_counts_a_weighted_table_as_the_map_does(use_cache, tmp_path):
    import incidentmap as im

    src = tmp_path / "w.csv"
    src.write_text("event_id,date,province,events\nA1,2023-01-05,Balkh,3\n")
    page = im.brief(src, weight="events", level="province", period=None)
    assert "3 incidents in 1 row," in page.html()


def test_a_file_of_several_layers_is_read_from_the_layer_named(capsys, use_cache, tmp_path):
    # issue 26 class 8: a GeoPackage of several layers was read from its first, silently; an
    # exported .gpkg fed back failed on its provinces layer
    import geopandas as gpd
    import shapely

    two = tmp_path / "two.gpkg"
    row = {"province": ["Herat"], "date": ["2023-01-01"]}
    for name in ("alpha", "beta"):
        gpd.GeoDataFrame(row, geometry=[shapely.Point(62.2, 34.35)], crs=4326).to_file(
            two, layer=name
        )
    code, _, err = run(capsys, "query", two, "-f", "csv")
    assert code == 2 and "holds 2 layers (alpha, beta): name one with --input-layer" in err
    code, out, err = run(capsys, "query", two, "--input-layer", "beta", "-f", "csv")
    assert code == 0 and "Herat" in out
    exported = tmp_path / "ex.gpkg"
    assert run(capsys, "export", SAMPLE, "-o", exported)[0] == 0
    code, _, err = run(capsys, "query", exported, "-f", "csv")
    assert code == 0 and "(geocoded file)" in err


def test_merge_edges_refused_before_any_file_is_read(capsys, use_cache, tmp_path):
    # issue 26 class 3: -o and --pairs naming one file left the merged list there; --explain
    # A1 was refused only after both files were read
    missing = tmp_path / "nope.csv"
    one = tmp_path / "m.csv"
    code, _, err = run(capsys, "merge", missing, missing, "-o", one, "--pairs", one)
    assert code == 2 and "name one file" in err and not one.exists()
    code, _, err = run(capsys, "merge", missing, missing, "--explain", "A1", "--explain", "B2")
    assert code == 2 and "is not source:event_id" in err and "nope.csv" not in err


def test_merge_says_the_shapefile_field_names(capsys, use_cache, tmp_path):
    other = tmp_path / "other.csv"
    pd.read_csv(SAMPLE).head(10).to_csv(other, index=False)
    out = tmp_path / "m.shp"
    code, _, err = run(capsys, "merge", SAMPLE, other, "-o", out)
    assert code == 0, err
    assert "shapefile field names cut to 10 characters:" in err and "fatalities_high ->" in err


def test_an_existing_style_sidecar_is_refused_before_reading(capsys, use_cache, tmp_path):
    (tmp_path / "p.qml").write_text("keep me")
    code, _, err = run(capsys, "export", tmp_path / "missing.csv", "-o", tmp_path / "p.geojson")
    assert code == 2 and "p.qml exists" in err and "missing.csv" not in err
    # the user never named p.qml: the line says what it is
    assert "QGIS style" in err and "beside p.geojson" in err and "--overwrite" in err


@pytest.mark.parametrize(
    "args",
    [
        ("query", SAMPLE, "--province", "Herat", "-f", "csv"),
        ("aggregate", SAMPLE, "--level", "province", "-o", "a.csv"),
        ("export", SAMPLE, "-o", "e.geojson"),
        ("trends", SAMPLE, "--period", "year", "--no-hotspots", "-f", "csv"),
        ("brief", SAMPLE, "--level", "province", "--period", "year", "-o", "b.html"),
        ("map", SAMPLE, "-o", "m.html"),
        ("geocode", SAMPLE, "-o", "g.csv"),
    ],
    ids=lambda a: a[0],
)
def test_quiet_on_every_command(capsys, use_cache, tmp_path, monkeypatch, args):
    # issue 26 class 11: -q existed on two commands only
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *args, "-q")
    assert code == 0 and err == ""


def test_one_place_is_suggested_once(capsys, use_cache):
    # issue 26 class 11: `--near Jalalbad` suggested Jalalabad and Jalālābād (one place)
    code, _, err = run(capsys, "query", SAMPLE, "--near", "Jalalbad")
    assert code == 2 and "'Jalalabad'" in err and "Jalālābād" not in err  # a usage error


# ---------------------------------------------------------------------------------------------
# round 4, class 11 (rest): help metavars, the population column, vanished provinces, tables

RAW_METAVARS = re.compile(r"<(str|float range|int range|float|int|list\[str\]|text)>")


def _help_pages() -> list[tuple[str, ...]]:
    pages: list[tuple[str, ...]] = []
    for name, (_, attr, _) in COMMANDS.items():
        if attr == "app":  # a group: each of its commands
            import importlib

            module = importlib.import_module(f"incidentmap.cli.{COMMANDS[name][0]}")
            pages += [(name, c.name or c.callback.__name__) for c in module.app.registered_commands]
        else:
            pages.append((name,))
    return pages


@pytest.mark.parametrize("command", _help_pages(), ids=" ".join)
def test_help_shows_readable_metavars(capsys, command, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert not RAW_METAVARS.search(out), RAW_METAVARS.findall(out)


def test_export_choices_are_listed_in_help(capsys, monkeypatch):
    from incidentmap.options import AREA_EVENTS, PERIOD_LAYOUTS

    monkeypatch.setenv("COLUMNS", "100")
    _, out, _ = run(capsys, "export", "--help")
    assert f" {'|'.join(AREA_EVENTS)}" in out and f" {'|'.join(PERIOD_LAYOUTS)}" in out


def test_population_says_its_column_and_rates_only_what_can_be(capsys, use_cache, tmp_path):
    pop = tmp_path / "pop.csv"
    pd.DataFrame({"Province": ["Kabul", "Herat"], "T_TL": [5_000_000, 2_000_000],
                  "total": [1, 1]}).to_csv(pop, index=False)  # fmt: skip
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", SAMPLE, "--level", "province", "--period", "none",
                       "--population", pop, "-o", out)  # fmt: skip
    assert code == 0, err
    assert "population table pop.csv: column 'T_TL', areas by 'Province' (2 provinces" in err
    assert "not used: 'total'" in err
    counts = pd.read_csv(out).set_index("province")
    assert counts.loc["Kabul", "incidents_per_100k"] == counts.loc["Kabul", "incidents"] / 50
    assert not any(c.endswith("_known_per_100k") for c in counts.columns)


def test_a_layer_that_loses_provinces_names_them(capsys, tmp_path, monkeypatch):
    import geopandas as gpd

    from incidentmap.gazetteer import provinces, resolve_province
    from tests.conftest import SHARED

    ne = SHARED / "boundaries" / "natural-earth-admin1-afg" / "ne_10m_admin_1_afg.geojson"
    named = {resolve_province(n).id for n in gpd.read_file(ne)["name"]}
    lost = sorted(p.name for c, p in provinces().items() if c not in named)
    assert lost  # Natural Earth names Panjshir "Parwan" and Daykundi "Uruzgan"
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(tmp_path / "ne"))
    code, _, err = run(capsys, "boundaries", "install", "--from", ne, "--district-field",
                       "name", "--province-field", "name")  # fmt: skip
    assert code == 0, err
    assert f"no district of the layer lies in {len(lost)} of the 34 provinces" in err
    assert all(name in err for name in lost)
    code, out, _ = run(capsys, "boundaries", "info")
    assert code == 0 and f"provinces missing:   {', '.join(lost)}" in out


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(width=st.integers(40, 220))
def test_query_table_never_cuts_a_word(capsys, use_cache, monkeypatch, width):
    import incidentmap as im
    from incidentmap.cli._text import terminal_text

    monkeypatch.setenv("COLUMNS", str(width))
    code, out, err = run(capsys, "query", SAMPLE, "--near", "Jalalabad", "--km", "60",
                         "-f", "table", "-q")  # fmt: skip
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= width
    shown = " ".join(re.sub(r"[│┃┏┓┗┛━─┡┩╇╋┳┻┠┨├┤┼└┘┌┐]", " ", out).split())
    rows = im.query(SAMPLE, near="Jalalabad", km=60).table()
    words = {w for v in rows.to_numpy().ravel() if not pd.isna(v)
             for w in terminal_text(v).split() if len(w) <= 24}  # fmt: skip
    assert words and all(f" {w} " in f" {shown} " for w in words)


def test_coordinates_set_aside_are_said_in_the_refusal(capsys, use_cache, tmp_path):
    # a newcomer read "no coordinate ... columns found (columns: id, date, lat, lon)": the
    # reason the columns were set aside was noted, then lost before the error
    path = tmp_path / "far.csv"
    path.write_text("id,date,lat,lon\n1,2023-01-01,34.5,69.2\n2,2023-01-02,51.5,-0.1\n"
                    "3,2023-01-03,48.8,2.3\n")  # fmt: skip
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "o.csv")
    assert code == 1 and err.count("Error:") == 1
    assert "'lat'/'lon'" in err and "33% of their values" in err and "--lat/--lon" in err
    assert not (tmp_path / "o.csv").exists()


def test_an_event_type_no_row_has_is_said_with_the_types_it_has(capsys, use_cache):
    # like --group and --target: "kept: 0 of 52" alone did not say why
    code, _, err = run(capsys, "query", SAMPLE, "--event-type", "Explosions/Remote violence")
    assert code == 0
    assert "no row of the input has event type 'Explosions/Remote violence'" in err
    assert "'Suicide bombing' 24" in err and "--event-type matches nothing" in err
    code, _, err = run(capsys, "query", SAMPLE, "--event-type", "suicide BOMBING")
    assert code == 0 and "matches nothing" not in err  # case-insensitive, as the filter


def test_a_sort_column_misspelt_is_named_with_the_nearest(capsys, use_cache):
    code, _, err = run(capsys, "query", SAMPLE, "--sort", "-fatalitie")
    assert code == 2
    assert "cannot sort by 'fatalitie': no such column (did you mean 'fatalities'?)" in err


def test_a_one_layer_file_says_the_areas_were_not_written(capsys, use_cache, tmp_path):
    code, _, err = run(capsys, "export", SAMPLE, "-o", tmp_path / "all.geojson")
    assert code == 0
    assert ".geojson holds one layer: the points; --layer districts or provinces" in err
    code, _, err = run(capsys, "export", SAMPLE, "-o", tmp_path / "d.geojson", "--layer",
                       "districts")  # fmt: skip
    assert code == 0 and "holds one layer" not in err


def test_an_event_type_with_spaces_in_the_file_is_matched(capsys, use_cache, tmp_path):
    path = tmp_path / "sp.csv"
    path.write_text("date,province,event_type\n2023-01-01,Kabul,Attack \n"
                    "2023-01-02,Kabul, attack\n2023-01-03,Kabul,Bombing\n")  # fmt: skip
    code, _, err = run(capsys, "query", path, "--event-type", "Attack", "-f", "csv")
    assert code == 0 and "matches nothing" not in err
    assert "kept: 2 of 3 rows" in err


def test_an_export_with_no_point_to_write_warns(capsys, use_cache, tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("date,province\n2023-01-01,Kabul\n2023-01-02,Herat\n")
    code, _, err = run(capsys, "export", path, "-o", tmp_path / "a.geojson")
    assert code == 0
    assert "warning: .geojson holds one layer: no point to write" in err
