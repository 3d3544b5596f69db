"""A date written as a word that says it is not known ("Unknown", "n.d.", "?") leaves the row
undated, and says so on the row (``input_note``) and once for the column, through the CLI
(whole file and block by block) and the library."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentmap.cli import main
from incidentmap.pipeline import load_incidents

WORDS = ["Unknown", "UNK", "unknown", "n.d.", "N.D.", "?", "-", "not known", " Unknown "]
HEAD = "event_id,date,latitude,longitude,fatalities\n"


def _file(path, words: list[str], dated: int = 3) -> list[int]:
    """Write ``dated`` dated rows, then one row per word; return the words' row numbers."""
    rows = [f"{k},2023-03-0{k},34.43,70.45,1" for k in range(1, dated + 1)]
    rows += [f"{dated + k},{w},34.5,69.2,0" for k, w in enumerate(words, start=1)]
    path.write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    return list(range(dated + 1, dated + 1 + len(words)))


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out + err


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
def test_each_word_row_is_undated_with_its_reason(tmp_path_factory, use_cache, words):
    folder = tmp_path_factory.mktemp("w")
    rows = _file(folder / "u.csv", words)
    got, _ = load_incidents(folder / "u.csv")
    assert len(got) == 3 + len(words)
    noted = got[got["row"].isin(rows)]
    assert noted["date"].isna().all()
    assert noted["input_note"].str.contains("says the date is not known", regex=False).all()
    assert got.loc[~got["row"].isin(rows), "input_note"].isna().all()


def test_blank_dates_are_undated_without_a_note(tmp_path, use_cache):
    (tmp_path / "b.csv").write_text(HEAD + "1,2023-03-01,34.43,70.45,1\n2,,34.5,69.2,0\n")
    got, _ = load_incidents(tmp_path / "b.csv")
    assert got["date"].isna().sum() == 1 and got["input_note"].isna().all()


@pytest.mark.parametrize("blocks", [False, True])
def test_cli_says_the_words_once_and_writes_each_reason(tmp_path, capsys, use_cache, blocks):
    words = ["Unknown", "n.d.", "?"] * 400
    rows = _file(tmp_path / "u.csv", words, dated=5)
    out = tmp_path / "g.csv"
    extra = ["--block-mb", "0.01"] if blocks else []
    code, said = run(capsys, "geocode", tmp_path / "u.csv", "-o", out, *extra)
    assert code == 0, said
    lines = [ln for ln in said.splitlines() if "values are words, not dates" in ln]
    assert len(lines) == 1 and "1,200 values" in lines[0] and "row 6: 'Unknown'" in lines[0]
    written = pd.read_csv(out)
    assert len(written) == 1205
    noted = written[written["row"].isin(rows)]
    assert noted["input_note"].str.contains("says the date is not known").all()
    assert noted["date"].isna().all()
