"""The sweep of stop 36 (report /work/notes/s36/sweep.md): query's JSON formats, count
columns under other names, month columns, and distances to events placed only to an area."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

import incidentmap as im
from incidentmap.cli import main
from tests.conftest import INCIDENTS

WORKBOOK = INCIDENTS / "acled_afg_2017on_province_level.xlsx"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


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
