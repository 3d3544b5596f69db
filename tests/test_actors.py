"""Actor groups and attribution across ACLED, UCDP GED and GTD names."""

from __future__ import annotations

import csv
import io
import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentmap.actors import ATTRIBUTIONS, actor_groups, group_ids, groups, match_actor
from incidentmap.errors import UsageError
from incidentmap.filters import filter_incidents
from tests.conftest import INCIDENTS
from tests.test_cli import run

REQUIRED = {
    "isis-k",
    "taliban",
    "haqqani",
    "ttp",
    "al-qaeda",
    "nrf",
    "afghan-state-2001-2021",
    "us-nato",
    "pakistan-state",
}


def _aliases(dataset: str, group: str | None = None) -> list[tuple[str, str, str]]:
    out = []
    for gid, g in groups().items():
        for alias, match, ds, _src in g.aliases:
            if ds in ("any", dataset) and (group is None or gid == group):
                out.append((gid, alias, match))
    return out


def test_table_has_the_groups_ids_names_and_sources():
    assert REQUIRED <= set(group_ids())
    for gid, g in groups().items():
        assert g.name and g.aliases, gid
        for alias, match, ds, source in g.aliases:
            assert alias.strip() == alias and alias, (gid, alias)
            assert match in ("exact", "prefix"), (gid, alias)
            assert ds in ("any", "acled", "ucdp", "gtd", "awsd"), (gid, alias)
            assert source.strip(), (gid, alias)
    isk = {a for a, *_ in groups()["isis-k"].aliases}
    for name in (
        "ISKP",
        "IS-K",
        "ISIS-K",
        "ISIL-K",
        "Islamic State Khorasan Province",
        "Wilayat Khorasan",
        "Daesh",
        "Islamic State (Afghanistan)",
        "Islamic State Khorasan Province (ISKP)",
        "Khorasan Chapter of the Islamic State",
        "IS",
        "داعش",
    ):
        assert name in isk, name


@pytest.mark.parametrize("dataset", ["acled", "ucdp", "gtd", "awsd", "any"])
def test_every_alias_finds_its_group_in_its_dataset(dataset):
    for gid, alias, match in _aliases(dataset):
        text = alias if match == "exact" else alias + " Extra"
        found, how = match_actor(text, dataset)
        assert found == [gid], (dataset, alias, found)
        assert how == "sole"


@settings(max_examples=200, deadline=None)
@given(
    pick=st.integers(min_value=0, max_value=10_000),
    case=st.sampled_from(["upper", "lower", "title", "asis"]),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_case_and_spacing_do_not_matter(pick, case, pad):
    gid, alias, _match = _aliases("acled")[pick % len(_aliases("acled"))]
    text = {"upper": alias.upper(), "lower": alias.lower(), "title": alias.title()}.get(case, alias)
    text = pad + text.replace(" ", " " + pad) + pad
    found, _ = match_actor(text, "acled")
    assert found == [gid], (alias, text)


def test_names_that_mean_something_only_in_one_dataset():
    assert match_actor("IS", "ucdp")[0] == ["isis-k"]
    assert match_actor("IS", "acled")[0] == []  # a bare "IS" elsewhere is not read as a group
    assert match_actor("IS", "any")[0] == []
    assert match_actor("Islamic State (Afghanistan)", "acled")[0] == ["isis-k"]
    # issue 19: an unambiguous name matches in any file (ACLED as R writes it, renamed
    # columns, was not recognised as ACLED and lost its 15 ISIS-K events)
    for ds in ("gtd", "ucdp", "any"):
        assert match_actor("Islamic State (Afghanistan)", ds)[0] == ["isis-k"]
        assert match_actor("Khorasan Chapter of the Islamic State", ds)[0] == ["isis-k"]
    # only the ambiguous short names stay bound to the dataset whose coding gives them meaning
    assert match_actor("Government of Afghanistan", "ucdp")[0] == ["afghan-state-2001-2021"]
    assert match_actor("Government of Afghanistan", "any")[0] == []
    assert match_actor("Unknown", "acled")[0] == []
    assert match_actor("Taleban", "ucdp")[0] == ["taliban"]
    assert match_actor("Khorasan Chapter of the Islamic State", "gtd")[0] == ["isis-k"]
    assert match_actor("Military Forces of Afghanistan (2021-)", "acled")[0] == ["taliban"]
    assert match_actor("Military Forces of Afghanistan (2004-2021)", "acled")[0] == [
        "afghan-state-2001-2021"
    ]
    assert match_actor("Al-Qa`ida", "gtd")[0] == ["al-qaeda"]  # GTD's backtick for the ayn


def test_attribution_forms():
    assert match_actor("Taliban and/or Islamic State (Afghanistan)", "acled") == (
        ["taliban", "isis-k"],
        "uncertain",
    )
    assert match_actor("Taliban; Haqqani Network", "any") == (["taliban", "haqqani"], "joint")
    assert match_actor("ISKP (claimed)", "any") == (["isis-k"], "claimed")
    assert match_actor("Taliban (suspected)", "any") == (["taliban"], "suspected")
    assert match_actor("Some Local Militia", "acled") == ([], "sole")
    assert match_actor(None) == ([], None)
    assert match_actor("  ") == ([], None)
    assert set(ATTRIBUTIONS) == {"sole", "joint", "uncertain", "claimed", "suspected"}


def test_gtd_claimed_and_uncertain_flags_set_the_attribution():
    frame = pd.DataFrame(
        {
            "actor": ["Taliban", "Taliban", "Taliban", None],
            "claimed": [1, 0, 1, 1],
            "guncertain1": [0, 1, 1, 0],
        }
    )
    out = actor_groups(frame, "gtd")
    # a group suspected by the source stays suspected even when a claim is recorded
    assert out["attribution"].tolist() == ["claimed", "suspected", "suspected", None]
    assert out["actor1_group"].tolist() == ["taliban", "taliban", "taliban", None]


def test_unknown_group_is_refused_with_the_known_ids(capsys, use_cache):
    frame = pd.DataFrame(
        {
            "actor1_group": ["isis-k"],
            "actor2_group": [None],
            "attribution": ["sole"],
            "actor": ["ISKP"],
        }
    )
    with pytest.raises(UsageError) as exc:
        filter_incidents(frame, group="isis")
    assert "isis-k" in str(exc.value) and "taliban" in str(exc.value)
    src = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
    code, out, err = run(capsys, "query", src, "--group", "isis")
    assert code == 2 and out == ""
    assert "isis-k" in err and "taliban" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# an export in ACLED's documented layout (the codebook's 31 columns), actor names as ACLED
# writes them for Afghanistan; the shared ACLED file has no actor columns

ACLED_COLUMNS = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp"
).split(",")
ACLED_ACTORS = [
    "Islamic State (Afghanistan)",
    "Islamic State Khorasan Province (ISKP)",
    "Taliban and/or Islamic State (Afghanistan)",
    "Taliban",
    "Military Forces of Afghanistan (2021-)",
    "Military Forces of Afghanistan (2004-2021)",
    "Police Forces of Afghanistan (2021-) Counter-Terrorism Department",
    "Unidentified Armed Group (Afghanistan)",
    "NRF: National Resistance Front",
    "Civilians (Afghanistan)",
    "Islamic State (Iraq)",  # not the Afghan branch: never isis-k
    "Protesters (Afghanistan)",
]
PLACES = [
    ("Nangarhar", "Jalalabad", 34.43, 70.45),
    ("Balkh", "Mazar-e Sharif", 36.70, 67.11),
    ("Herat", "Herat", 34.35, 62.20),
    ("Kabul", "Kabul", 34.52, 69.17),
]


def _acled_export(tmp_path, n=400, seed=3):
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        prov, loc, lat, lon = rnd.choice(PLACES)
        a1, a2 = rnd.choice(ACLED_ACTORS), rnd.choice([*ACLED_ACTORS, ""])
        day = 1 + i % 28
        rows.append(
            {
                "event_id_cnty": f"AFG{i:05d}",
                "event_date": f"{day} March 2023",
                "year": 2023,
                "time_precision": 1,
                "disorder_type": "Political violence",
                "event_type": "Explosions/Remote violence",
                "sub_event_type": "Remote explosive/landmine/IED",
                "actor1": a1,
                "assoc_actor_1": "",
                "inter1": 2,
                "actor2": a2,
                "assoc_actor_2": "",
                "inter2": 7,
                "interaction": 27,
                "civilian_targeting": "",
                "iso": 4,
                "region": "Caucasus and Central Asia",
                "country": "Afghanistan",
                "admin1": prov,
                "admin2": loc,
                "admin3": "",
                "location": loc,
                "latitude": lat,
                "longitude": lon,
                "geo_precision": 1,
                "source": "Pajhwok",
                "source_scale": "National",
                "notes": f"event {i}",
                "fatalities": rnd.randint(0, 5),
                "tags": "",
                "timestamp": 1680000000,
            }
        )
    path = tmp_path / "acled_export.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=ACLED_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path, rows


def _ids(out: str) -> set[str]:
    return {r["event_id"] for r in csv.DictReader(io.StringIO(out))}


def test_acled_query_group_perpetrator_is_exactly_the_groups_acled_names(
    capsys, use_cache, tmp_path
):
    path, rows = _acled_export(tmp_path)
    names = {a.casefold() for _, a, m in _aliases("acled", "isis-k") if m == "exact"}
    sole = {r["event_id_cnty"] for r in rows if r["actor1"].casefold() in names}
    either = sole | {r["event_id_cnty"] for r in rows if " and/or " in r["actor1"]}
    assert sole and either - sole  # the sample has both kinds
    code, out, err = run(
        capsys, "query", path, "--group", "isis-k", "--group-role", "perpetrator", "--format", "csv"
    )
    assert code == 0, err
    assert _ids(out) == sole
    left = len(either - sole)
    assert f"left out: {left} events whose attribution is uncertain" in err
    code, out, err = run(
        capsys,
        "query",
        path,
        "--group",
        "isis-k",
        "--group-role",
        "perpetrator",
        "--attribution",
        "sole,uncertain",
        "--format",
        "csv",
    )
    assert code == 0, err
    assert _ids(out) == either
    # any role: actor1 or actor2 is the group; "and/or" is uncertain on either side
    code, out, err = run(capsys, "query", path, "--group", "isis-k", "--format", "csv")
    names2 = {r["event_id_cnty"] for r in rows if r["actor2"].casefold() in names}
    either2 = {r["event_id_cnty"] for r in rows if " and/or " in r["actor2"]}
    assert _ids(out) == sole | names2
    assert f"left out: {len((either | either2) - sole - names2)} events" in err
    code, out, _ = run(
        capsys,
        "query",
        path,
        "--group",
        "isis-k",
        "--attribution",
        "sole,uncertain",
        "--format",
        "csv",
    )
    assert _ids(out) == either | names2 | either2
    # the columns are written by geocode
    out_file = tmp_path / "g.csv"
    code, _, err = run(capsys, "geocode", path, "-o", out_file)
    assert code == 0, err
    g = pd.read_csv(out_file, dtype=str, keep_default_na=False)
    assert {"actor1_group", "actor2_group", "attribution", "category"} <= set(g.columns)
    mixed = g[g["actor1"] == "Taliban and/or Islamic State (Afghanistan)"]
    assert set(mixed["actor1_group"]) == {"taliban|isis-k"}
    assert set(mixed["attribution"]) == {"uncertain"}
    assert set(g.loc[g["actor1"] == "Islamic State (Iraq)", "actor1_group"]) == {""}


def test_real_ucdp_and_gtd_files(capsys, use_cache):
    ucdp = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
    code, out, err = run(
        capsys, "query", ucdp, "--group", "isis-k", "--group-role", "perpetrator", "--format", "csv"
    )
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out))
    assert len(got) == 7 and set(got["actor"]) == {"IS"}
    gtd = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
    raw = pd.read_csv(gtd, encoding="latin-1", dtype=str)
    expect = int((raw["PERPETRATOR.1"] == "Taliban").sum())
    code, out, err = run(
        capsys,
        "query",
        gtd,
        "--keep-bad-values",
        "--group",
        "taliban",
        "--group-role",
        "perpetrator",
        "--format",
        "csv",
    )
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out), dtype=str)
    assert len(got) == expect
    assert set(got["attribution"]) <= {"sole", "suspected", "claimed"}
