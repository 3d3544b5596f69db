"""One event taxonomy across ACLED, UCDP GED, GTD, AWSD and free text."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentmap.categories import CATEGORIES, CATEGORY_COLORS, categorize
from incidentmap.errors import UsageError
from tests.conftest import INCIDENTS
from tests.test_cli import run


def _cat(ds, **cols):
    frame = pd.DataFrame({k: [v] for k, v in cols.items()})
    out = categorize(frame, ds)
    return out["category"].iloc[0], out["category_source"].iloc[0]


@pytest.mark.parametrize(
    ("event_type", "sub", "expected"),
    [
        ("Battles", "Armed clash", "armed attack/clash"),
        ("Explosions/Remote violence", "Suicide bomb", "suicide attack"),
        ("Explosions/Remote violence", "Air/drone strike", "air/drone strike"),
        (
            "Explosions/Remote violence",
            "Shelling/artillery/missile attack",
            "shelling/rocket/mortar",
        ),
        ("Explosions/Remote violence", "Remote explosive/landmine/IED", "explosive/IED"),
        ("Explosions/Remote violence", "Grenade", "explosive/IED"),
        ("Violence against civilians", "Abduction/forced disappearance", "abduction"),
        ("Violence against civilians", "Attack", "attack on civilians"),
        ("Protests", "Peaceful protest", "other"),
        ("explosions/remote violence", None, "explosive/IED"),  # province-level exports
    ],
)
def test_acled_types(event_type, sub, expected):
    assert _cat("acled", event_type=event_type, sub_event_type=sub) == (expected, "dataset")


@pytest.mark.parametrize(
    ("ds", "value", "extra", "expected"),
    [
        ("gtd", "Assassination", {}, "targeted killing"),
        ("gtd", "Bombing/Explosion", {"suicide": 1}, "suicide attack"),
        ("gtd", "Bombing/Explosion", {"suicide": 0}, "explosive/IED"),
        ("gtd", "Hostage Taking (Kidnapping)", {}, "abduction"),
        ("awsd", "Kidnapping", {}, "abduction"),
        ("awsd", "Body-borne IED", {}, "suicide attack"),
        ("awsd", "Aerial bombardment", {}, "air/drone strike"),
        ("awsd", "Shooting", {}, "armed attack/clash"),
        ("ucdp", "one-sided violence", {}, "attack on civilians"),
        ("ucdp", None, {"actor2": "Civilians"}, "attack on civilians"),
        ("ucdp", None, {"actor2": "Taleban"}, "armed attack/clash"),
    ],
)
def test_dataset_types(ds, value, extra, expected):
    assert _cat(ds, event_type=value, **extra) == (expected, "dataset")


def test_free_text_is_marked_as_keywords_and_nothing_as_none():
    assert _cat("generic", event_type="Magnetic bomb attack on a district official") == (
        "targeted killing",
        "keywords",
    )
    assert _cat("generic", event_type="Attack", notes="a suicide bomber at the mosque") == (
        "suicide attack",
        "keywords",
    )
    assert _cat("generic", event_type="Incident", notes="Rocket fire on the airport") == (
        "shelling/rocket/mortar",
        "keywords",
    )
    assert _cat("generic", event_type="Meeting", notes=None) == ("other", "none")
    assert (
        _cat("acled", event_type="Unheard of type", sub_event_type="x", notes="IED blast")[1]
        == "keywords"
    )


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gets_a_known_category(text):
    cat, source = _cat("generic", event_type=text, notes=text)
    assert cat in CATEGORIES and source in ("keywords", "none")


def test_every_category_has_its_own_colour():
    assert set(CATEGORY_COLORS) == set(CATEGORIES)
    assert len(set(CATEGORY_COLORS.values())) == len(CATEGORIES)


def test_real_files_are_categorised_from_the_dataset(capsys, use_cache, tmp_path):
    gtd = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
    out = tmp_path / "gtd.csv"
    code, _, err = run(capsys, "geocode", gtd, "--keep-bad-values", "-o", out)
    assert code == 0, err
    g = pd.read_csv(out, dtype=str)
    assert g["category"].isin(CATEGORIES).all()
    assert (g["category_source"] == "dataset").mean() > 0.99
    raw = pd.read_csv(gtd, encoding="latin-1", dtype=str)
    assert (g["category"] == "targeted killing").sum() == (
        raw["ATTACK.TYPE.1"] == "Assassination"
    ).sum()
    acled = INCIDENTS / "acled_afg_2017on_province_level.xlsx"
    code, out_text, err = run(
        capsys,
        "query",
        acled,
        "--category",
        "explosive/IED",
        "--since",
        "2023-03-01",
        "--until",
        "2023-03-31",
        "--format",
        "csv",
    )
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out_text))
    assert len(got) > 0 and set(got["event_type"]) == {"Explosions/Remote violence"}


def test_unknown_category_is_refused(capsys, use_cache):
    src = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
    code, out, err = run(capsys, "query", src, "--category", "bombing")
    assert code == 2 and out == "" and "explosive/IED" in err
    from incidentmap.filters import filter_incidents

    with pytest.raises(UsageError, match="categories: targeted killing"):
        filter_incidents(pd.DataFrame({"category": ["other"]}), category="bombing")
