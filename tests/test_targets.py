"""Who was targeted (issue 28, item 1): one taxonomy from each publisher's codebook."""

from __future__ import annotations

import json

import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.targets import GTD_CODES, GTD_LABELS, TARGETS, target_of
from tests.test_cli import run


def test_every_gtd_code_and_label_has_a_target():
    # GTD Codebook, targtype1: 1 Business ... 22 Violent Political Party
    assert sorted(GTD_CODES) == list(range(1, 23))
    assert sorted(GTD_LABELS.values()) == list(range(1, 23))
    assert set(GTD_CODES.values()) <= set(TARGETS)
    frame = pd.DataFrame({"targtype1": list(GTD_CODES)})
    got = target_of(frame)
    assert list(got) == [GTD_CODES[c] for c in GTD_CODES]
    assert got[frame["targtype1"] == 2].item() == "officials"  # Government (General)
    assert got[frame["targtype1"] == 3].item() == "security forces"  # Police


@settings(max_examples=40, deadline=None)
@given(
    label=st.sampled_from(sorted(GTD_LABELS)),
    column=st.sampled_from(["targtype1_txt", "TARGET.TYPE.1", "Target Type 1"]),
    case=st.sampled_from([str.lower, str.upper, str.title]),
)
def test_gtd_labels_in_any_export_and_case(label, column, case):
    got = target_of(pd.DataFrame({column: [case(label)]})).item()
    assert got == GTD_CODES[GTD_LABELS[label]]


@pytest.mark.parametrize(
    ("inter2", "expected"),
    [(1, "security forces"), ("1", "security forces"), ("State forces", "security forces"),
     (2, "other"), (3, "other"), (4, "other"), (5, "civilians"), (6, "civilians"),
     (7, "civilians"), ("Civilians", "civilians"), (8, "foreigners"), (None, "unknown")],
)  # fmt: skip
def test_acled_inter2_as_number_or_text(inter2, expected):
    # ACLED Codebook, interaction codes; the API sends text unless asked for numbers
    assert target_of(pd.DataFrame({"inter2": [inter2], "actor2": [None]})).item() == expected


def test_acled_names_and_civilian_targeting_say_more_than_the_code():
    frame = pd.DataFrame(
        {
            "inter2": [1, 1, 7, 7, 8, 4],
            "actor2": [
                "Government of Afghanistan (2021-)",
                "Police Forces of Afghanistan (2021-)",
                "Civilians (Afghanistan)",
                "Journalists (Afghanistan)",
                "Military Forces of the United States (2001-2021)",
                "Hazara Ethnic Militia (Afghanistan)",
            ],
            "civilian_targeting": [None, None, "Civilian targeting", None, None, None],
        }
    )
    # the name refines state forces and civilians, never foreign forces or militias
    assert list(target_of(frame)) == [
        "officials", "security forces", "civilians", "media", "foreigners", "other",
    ]  # fmt: skip
    assert target_of(pd.DataFrame({"targtype1": ["inf", "1e999"]})).tolist() == ["unknown"] * 2


def test_ucdp_type_of_violence_and_sides():
    ged = pd.DataFrame(
        {
            "type_of_violence": [3, 1, 2],
            "side_a": ["IS", "Government of Afghanistan", "IS"],
            "side_b": ["Civilians", "Government of Afghanistan", "Taleban"],
        }
    )
    # type 2, non-state conflict: two organised armed groups, "other" in the taxonomy
    assert list(target_of(ged)) == ["civilians", "security forces", "other"]
    trimmed = ged.drop(columns="type_of_violence")  # GED tables are often trimmed
    assert list(target_of(trimmed)) == ["civilians", "security forces", "other"]


def test_aid_workers_by_definition_in_awsd():
    assert target_of(pd.DataFrame({"x": [1, 2]}), "awsd").tolist() == ["aid workers"] * 2


def test_isis_k_attacks_on_taliban_officials_is_one_command(capsys, use_cache, tmp_path):
    src = tmp_path / "acled.csv"
    rows = [
        ("A1", "2022-03-08", "Herat", "Islamic State Khorasan Province",
         "Government of Afghanistan (2021-)", 1),
        ("A2", "2022-03-09", "Balkh", "Islamic State Khorasan Province",
         "Civilians (Afghanistan)", 7),
        ("A3", "2022-03-10", "Nangarhar", "Islamic State Khorasan Province",
         "Government of Afghanistan (2021-)", 1),
        ("A4", "2022-03-11", "Kabul", "Unidentified Armed Group (Afghanistan)",
         "Government of Afghanistan (2021-)", 1),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["event_id_cnty", "event_date", "admin1", "actor1",
                                        "actor2", "inter2"])  # fmt: skip
    frame["event_type"], frame["fatalities"] = "Violence against civilians", 1
    frame.to_csv(src, index=False)
    code, out, err = run(capsys, "query", src, "--group", "isis-k", "--group-role", "perpetrator",
                         "--target", "officials", "-f", "csv")  # fmt: skip
    assert code == 0, err
    assert list(pd.read_csv(__import__("io").StringIO(out))["event_id"]) == ["A1", "A3"]
    out_csv = tmp_path / "by_province.csv"
    code, _, err = run(capsys, "aggregate", src, "--group", "isis-k", "--target", "officials",
                       "--level", "province", "--period", "none", "-o", out_csv)  # fmt: skip
    assert code == 0, err
    counts = pd.read_csv(out_csv).set_index("province")["incidents"]
    assert counts["Herat"] == 1 and counts["Nangarhar"] == 1 and counts.sum() == 2
    code, _, err = run(capsys, "query", src, "--target", "generals")
    assert code == 2 and "'generals' is not one of" in err


def test_group_as_target_and_gtd_file(use_cache):
    from tests.conftest import INCIDENTS

    gtd = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
    placed = im.read(gtd).frame
    assert set(placed["target"]) <= set(TARGETS) and (placed["target"] != "unknown").mean() > 0.9
    officials = im.query(gtd, group=("taliban",), group_role="perpetrator", target=("officials",))
    assert officials.matched > 0 and set(officials.frame["target"]) == {"officials"}
    attacked = im.read(gtd, group=("taliban",), group_role="target").frame
    assert len(attacked) < len(placed)


def test_a_file_geocoded_before_targets_gets_them(capsys, use_cache, tmp_path):
    from tests.conftest import ROOT

    out = tmp_path / "old.csv"
    assert run(capsys, "geocode", ROOT / "geo" / "sample_incidents.csv", "-o", out)[0] == 0
    pd.read_csv(out).drop(columns="target").to_csv(out, index=False)  # as written before
    code, _, err = run(capsys, "query", out, "--target", "unknown", "-f", "csv")
    assert code == 0 and "52 incidents match" in err


def test_filters_no_file_can_satisfy_are_refused_before_reading(tmp_path):
    missing = tmp_path / "missing.csv"
    for kw, said in (({"target": ("generals",)}, "'generals' is not one of"),
                     ({"group": ("nobody",)}, "nobody"),
                     ({"group_role": "bystander"}, "bystander")):  # fmt: skip
        with pytest.raises(im.UsageError, match=said):
            im.read(missing, **kw)


# ---------------------------------------------------------------------------------------------
# --target through every command on the real files, and the per-target breakdown

REAL = {
    "gtd": "gtd_afg_2004_2009_towns.csv",
    "ucdp": "ucdp_ged_afg_realcaddish.geojson",
}


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(__import__("io").StringIO(text))


@pytest.mark.parametrize("name", sorted(REAL))
def test_target_in_query_trends_export_and_brief_on_the_real_files(
    name, capsys, use_cache, tmp_path
):
    from tests.conftest import INCIDENTS

    path = INCIDENTS / REAL[name]
    placed = im.read(path).frame
    have = placed["target"].value_counts()
    top = str(have.drop("unknown", errors="ignore").index[0])  # the codebook's commonest
    for target in ("officials", top):
        n = int(have.get(target, 0))
        code, out, err = run(capsys, "query", path, "--target", target, "-f", "csv")
        assert code == 0, err
        assert (len(_csv(out)) if n else 0) == n
        if not n:  # the codebook's answer, said: UCDP GED codes no officials
            assert f"no row of the input is aimed at {target}" in err
            continue
        assert set(_csv(out)["target"]) == {target}
        gpkg = tmp_path / f"{name}-{target}.gpkg"
        code, _, err = run(capsys, "export", path, "--target", target, "--layer", "provinces",
                           "--by-target", "-o", gpkg)  # fmt: skip
        assert code == 0, err
        provinces = pyogrio.read_dataframe(gpkg, layer="provinces")
        in_provinces = int((placed["target"].eq(target) & placed["province_code"].notna()).sum())
        assert provinces["incidents"].sum() == in_provinces
        column = "target_" + target.replace(" ", "_")
        assert (provinces[column] == provinces["incidents"]).all()
        code, out, err = run(capsys, "trends", path, "--target", target, "--period", "year",
                             "--no-hotspots", "--by-target", "-f", "csv")  # fmt: skip
        assert code == 0, err
        areas = _csv(out)
        assert (areas[column] == areas["last_count"]).all()
        html = tmp_path / f"{name}-{target}.html"
        code, _, err = run(capsys, "brief", path, "--target", target, "-o", html, "-q")
        assert code == 0 and html.exists(), err


@pytest.mark.parametrize("name", [*sorted(REAL), "acled"])
def test_isis_k_attacks_on_officials_on_the_real_files(name, capsys, use_cache):
    from tests.conftest import INCIDENTS

    path = INCIDENTS / {**REAL, "acled": "acled_afg_2017on_province_level.xlsx"}[name]
    placed = im.read(path).frame
    code, out, err = run(capsys, "query", path, "--group", "isis-k", "--group-role",
                         "perpetrator", "--target", "officials", "-f", "csv")  # fmt: skip
    if name == "acled":  # the workbook names no actor: a group is refused, never 0 of it
        assert code == 2 and "no actor columns" in err and out == ""
        return
    by_isis = im.read(path, group=("isis-k",), group_role="perpetrator").frame
    expected = int((by_isis["target"] == "officials").sum())
    assert code == 0, err
    assert (len(_csv(out)) if expected else 0) == expected
    assert f"kept: {expected:,} of" in err
    if not (placed["target"] == "officials").any():  # UCDP codes none; the workbook says none
        have = placed["target"].value_counts()
        listed = ", ".join(f"{t} {n:,}" for t, n in have.items())
        assert f"no row of the input is aimed at officials (its targets: {listed})" in err


def test_ucdp_codebook_types_of_violence():
    # UCDP GED Codebook: 1 state-based (a government a party: its forces), 2 non-state (two
    # organised armed groups: other), 3 one-sided (against civilians)
    frame = pd.DataFrame({"type_of_violence": [1, 2, 3, None],
                          "side_a": ["Government of Afghanistan", "IS", "IS", "IS"],
                          "side_b": ["IS", "Taleban", "Civilians", "Taleban"]})  # fmt: skip
    assert list(target_of(frame)) == ["security forces", "other", "civilians", "unknown"]


def _acled_layout(tmp_path):
    src = tmp_path / "acled.csv"
    rows = [
        ("A1", "2022-03-08", "Herat", "Islamic State Khorasan Province",
         "Government of Afghanistan (2021-)", 1, ""),
        ("A2", "2022-03-09", "Balkh", "Islamic State Khorasan Province",
         "Civilians (Afghanistan)", 7, "Civilian targeting"),
        ("A3", "2022-04-10", "Nangarhar", "Islamic State Khorasan Province",
         "Government of Afghanistan (2021-)", 1, ""),
        ("A4", "2022-04-11", "Nangarhar", "Islamic State Khorasan Province",
         "Police Forces of Afghanistan (2021-)", 1, ""),
        ("A5", "2022-05-11", "Kabul", "Unidentified Armed Group (Afghanistan)",
         "Journalists (Afghanistan)", 7, ""),
        ("A6", "2022-05-12", "Kabul", "Islamic State Khorasan Province", "", "", ""),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["event_id_cnty", "event_date", "admin1", "actor1",
                                        "actor2", "inter2", "civilian_targeting"])  # fmt: skip
    frame["event_type"], frame["fatalities"] = "Violence against civilians", 1
    frame.to_csv(src, index=False)
    return src


def test_isis_k_on_officials_through_trends_export_brief_on_an_acled_layout(
    capsys, use_cache, tmp_path
):
    src = _acled_layout(tmp_path)
    isis = im.read(src, group=("isis-k",), group_role="perpetrator").frame
    officials = isis[isis["target"] == "officials"]
    assert set(officials["event_id"]) == {"A1", "A3"}  # actor2 "Government of ..."
    common = ["--group", "isis-k", "--group-role", "perpetrator", "--target", "officials"]
    code, out, err = run(capsys, "trends", src, *common, "--period", "month", "--no-hotspots",
                         "--include-incomplete", "--by-target", "-f", "json")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    month = pd.to_datetime(officials["date"]).dt.strftime("%Y-%m")
    assert doc["last_period"] == "2022-05-01"  # the file's coverage, decided before filters
    assert sum(a["last_count"] for a in doc["areas"]) == int((month == "2022-05").sum())
    assert doc["by_target"]["officials"] == 0 and "A5" not in set(officials["event_id"])
    code, out, err = run(capsys, "trends", src, *common, "--period", "month", "--no-hotspots",
                         "--until", "2022-04-30", "-f", "json")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert sum(a["last_count"] for a in doc["areas"]) == int((month == "2022-04").sum()) == 1
    gpkg = tmp_path / "officials.gpkg"
    code, _, err = run(capsys, "export", src, *common, "--by-target", "--period", "month",
                       "--layer", "provinces", "-o", gpkg)  # fmt: skip
    assert code == 0, err
    table = pyogrio.read_dataframe(gpkg, layer="provinces_by_month", read_geometry=False)
    assert table["target_officials"].sum() == len(officials)
    assert table.filter(like="target_").drop(columns="target_officials").sum().sum() == 0
    code, _, err = run(capsys, "brief", src, *common, "-o", tmp_path / "b.html", "-q")
    assert code == 0, err


def test_breakdown_by_target_through_aggregate_and_the_library(capsys, use_cache, tmp_path):
    src = _acled_layout(tmp_path)
    placed = im.read(src).frame
    expected = placed.groupby("province")["target"].value_counts().unstack(fill_value=0)
    out = tmp_path / "by_target.csv"
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "--by-target", "-o", out)  # fmt: skip
    assert code == 0, err
    counts = pd.read_csv(out).set_index("province")
    for target in TARGETS:  # every target a column, zeros included, unknown its own
        column = "target_" + target.replace(" ", "_")
        want = expected[target] if target in expected else 0
        assert (counts[column].reindex(expected.index) == want).all()
    assert counts.loc["Kabul", "target_unknown"] == 1  # A6: no second actor, never a 0
    assert (counts.filter(like="target_").sum(axis=1) == counts["incidents"]).all()
    from incidentmap.jobs import aggregate as aggregate_job
    from incidentmap.jobs.load import Source

    request = aggregate_job.AggregateRequest(Source(src), level="province", period=None,
                                             by_target=True)  # fmt: skip
    lib = aggregate_job.run(request).counts
    assert lib.set_index("province")["target_media"].sum() == 1  # A5: journalists
    tr = im.trends(src, period="month", hotspots=False, include_incomplete=True, by_target=True)
    assert sum(tr.facts["by_target"].values()) == tr.areas["last_count"].sum()
    assert list(tr.timeline.columns[2:]) == ["target_" + t.replace(" ", "_") for t in TARGETS]


@settings(max_examples=25, deadline=None)
@given(
    targets=st.lists(st.sampled_from([*TARGETS, None]), min_size=52, max_size=52),
    weights=st.lists(st.integers(0, 5), min_size=52, max_size=52),
    level=st.sampled_from(["province", "district"]),
    period=st.sampled_from([None, "month", "year"]),
)
def test_breakdown_adds_up_to_the_counts_and_each_target_is_its_subset(
    sample_placed, districts, province_layer, targets, weights, level, period
):
    from incidentmap.aggregate import add_breakdown, counts_by_area, weighted
    from incidentmap.jobs.load import target_breakdown

    g = sample_placed.assign(target=targets[: len(sample_placed)],
                             n=weights[: len(sample_placed)])  # fmt: skip
    g = weighted(g, "n")
    areas = districts if level == "district" else province_layer
    b = target_breakdown()
    counts = add_breakdown(counts_by_area(g, areas, level=level, period=period), g, b,
                           level=level, period=period)  # fmt: skip
    assert (counts[b.names].sum(axis=1) == counts["incidents"]).all()
    for value, name in zip(b.values, b.names, strict=True):
        mine = g["target"].fillna("unknown") == value  # a blank target is unknown, kept
        alone = counts_by_area(g[mine], areas, level=level, period=period)
        key = ["district_id" if level == "district" else "province_code"]
        key += ["period_start"] if period else []
        merged = counts.merge(alone, on=key, how="left", suffixes=("", "_alone"))
        assert (merged[name] == merged["incidents_alone"].fillna(0)).all()


@pytest.fixture(scope="module")
def sample_placed(cache):
    from tests.conftest import ROOT

    return im.read(ROOT / "geo" / "sample_incidents.csv").frame


def test_trends_by_target_in_every_output_format(capsys, use_cache, tmp_path, monkeypatch):
    src = _acled_layout(tmp_path)
    base = ["trends", src, "--period", "month", "--no-hotspots", "--include-incomplete",
            "--by-target"]  # fmt: skip
    names = ["target_" + t.replace(" ", "_") for t in TARGETS]
    code, out, err = run(capsys, *base, "-f", "csv")
    assert code == 0, err
    areas = _csv(out)
    assert names == [c for c in areas.columns if c.startswith("target_")]
    assert (areas[names].sum(axis=1) == areas["last_count"]).all()
    split = {t: int(areas[n].sum()) for t, n in zip(TARGETS, names, strict=True)}
    said = ", ".join(f"{t} {n}" for t, n in sorted(split.items(), key=lambda x: -x[1])
                     if n and t != "unknown")  # fmt: skip
    assert f"latest month by target: {said}" in err
    code, out, _ = run(capsys, *base, "-f", "json")
    doc = json.loads(out)
    assert doc["by_target"] == split and all(n in doc["areas"][0] for n in names)
    code, out, _ = run(capsys, *base, "-f", "csv", "--timeline")
    timeline = _csv(out)
    assert (timeline[names].sum(axis=1) == timeline["incidents"]).all()
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = run(capsys, *base, "-f", "table")
    assert code == 0 and "latest period (2022-05-01) by target" in " ".join(out.split())
    assert all(t in out for t, n in split.items() if n)  # each target counted has its column
    for suffix in (".gpkg", ".json", ".csv"):
        path = tmp_path / f"trends{suffix}"
        code, _, err = run(capsys, *base, "-f", "csv", "-o", path)
        assert code == 0, err
        if suffix == ".json":
            doc = json.loads(path.read_text())  # the document -f json prints
            assert doc["by_target"] == split
            written = pd.DataFrame(doc["areas"])
        elif suffix == ".csv":
            written = pd.read_csv(path)
        else:
            written = pyogrio.read_dataframe(path, read_geometry=False)
        assert (written[names].sum(axis=1) == written["last_count"]).all()
        assert int(written[names].to_numpy().sum()) == sum(split.values())


@given(
    value=st.sampled_from(["civilian_targeting", "Civilian_Targeting", " civilian_targeting "]),
    other=st.sampled_from(["political_violence", "demonstration", ""]),
)
@settings(max_examples=6, deadline=None)
def test_hapi_civilian_targeting_is_aimed_at_civilians(value, other):
    """HDX HAPI's conflict events: ``civilian_targeting`` is ACLED's civilian targeting."""
    frame = pd.DataFrame({"event_type": [value, other], "events": [3, 2]})
    assert target_of(frame).tolist() == ["civilians", "unknown"]


def test_acled_violence_against_civilians_without_the_civilian_targeting_column():
    """An ACLED extract with no ``civilian_targeting`` or ``inter2``: its event type says it."""
    frame = pd.DataFrame(
        {
            "event_type": ["Violence against civilians", "Battles", "Violence against civilians"],
            "target": ["", "", "journalist"],
        }
    )
    # a column naming the target says more (a journalist: media); the event type fills the rest
    assert target_of(frame).tolist() == ["civilians", "unknown", "media"]


def test_hapi_table_by_target_through_the_command_line(capsys, use_cache, tmp_path):
    src = tmp_path / "hapi.csv"
    pd.DataFrame(
        {
            "admin1_code": ["AF01", "AF01", "AF06"],
            "admin1_name": ["Kabul", "Kabul", "Nangarhar"],
            "event_type": ["civilian_targeting", "political_violence", "civilian_targeting"],
            "events": [4, 7, 2],
            "fatalities": [1, 3, 0],
            "reference_period_start": ["2023-03-01", "2023-03-01", "2023-03-01"],
            "reference_period_end": ["2023-03-31", "2023-03-31", "2023-03-31"],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "by_target.csv"
    code, _, err = run(
        capsys, "aggregate", src, "--weight", "events", "--level", "province",
        "--period", "none", "--by-target", "-o", out,
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out).set_index("province_code")
    assert table.loc["AF-KAB", "target_civilians"] == 4
    # HAPI's political_violence counts its civilian_targeting events too: 7 = 4 + 3 others
    assert table.loc["AF-KAB", "target_unknown"] == 3
    assert table.loc["AF-KAB", "incidents"] == 7
    assert table.loc["AF-NAN", "target_civilians"] == 2


@given(
    said=st.lists(
        st.sampled_from(["Police", "police post", "", "Journalist", "school"]),
        min_size=1,
        max_size=5,
    ),
    name=st.sampled_from(["target", "Target", "TARGET"]),
)
@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_files_own_target_column_is_kept_and_read(use_cache, tmp_path, capsys, said, name):
    """A file's ``target`` column is the file's words, kept as ``target_original``; the
    ``target`` column is always the taxonomy's (the review's finding 7)."""
    src = tmp_path / "own.csv"
    rows = [f"E{i},2023-03-0{1 + i % 9},34.43,70.45,{t}" for i, t in enumerate(said)]
    src.write_text(f"event_id,date,latitude,longitude,{name}\n" + "\n".join(rows) + "\n")
    placed = im.read(str(src)).frame
    assert set(placed["target"]) <= set(TARGETS)
    kept = placed[f"{name}_original"].fillna("").tolist()
    assert kept == said
    out = tmp_path / "by_target.csv"
    code, _, err = run(capsys, "aggregate", src, "--by-target", "--level", "province",
                       "--period", "none", "-o", out, "--overwrite")  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out)
    assert int(table.filter(like="target_").to_numpy().sum()) == len(said)
