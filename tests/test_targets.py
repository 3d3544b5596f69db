"""Who was targeted (issue 28, item 1): one taxonomy from each publisher's codebook."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
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
    assert list(target_of(ged)) == ["civilians", "security forces", "unknown"]
    trimmed = ged.drop(columns="type_of_violence")  # GED tables are often trimmed
    assert list(target_of(trimmed)) == ["civilians", "security forces", "unknown"]


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
