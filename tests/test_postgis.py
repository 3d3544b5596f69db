"""PostGIS as an output and an input, against a real PostgreSQL + PostGIS.

The session starts its own server: ``initdb`` into a temporary folder (as the ``postgres``
user when the tests run as root: the server refuses root), ``pg_ctl start`` on a free port of
127.0.0.1 with its socket in that folder, a database with ``CREATE EXTENSION postgis``; it is
stopped and removed at the end. Skipped, saying why, only where the PostgreSQL or PostGIS
binaries are not installed (Debian: ``postgresql postgis``).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pytest
import shapely

from incidentmap.cli import main
from incidentmap.errors import OutputExistsError, OutputWriteError
from incidentmap.io.postgis import read_postgis
from incidentmap.io.targets import target_for
from tests.conftest import ROOT

SAMPLE = ROOT / "geo" / "sample_incidents.csv"


def _binaries() -> tuple[Path, Path] | None:
    """Return (bin folder, extension folder) of the newest PostgreSQL with PostGIS, or None."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        version = Path(bindir).parent.name
        ext = Path(f"/usr/share/postgresql/{version}/extension")
        if (Path(bindir) / "initdb").exists() and (ext / "postgis.control").exists():
            return Path(bindir), ext
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """A PostgreSQL server with PostGIS for the session; yields the database's URL."""
    found = _binaries()
    if found is None:
        pytest.skip("PostgreSQL/PostGIS not installed (Debian: apt-get install postgresql postgis)")
    bindir, _ = found
    folder = Path(tempfile.mkdtemp(prefix="incidentmap-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    run = subprocess.run
    run([*as_user, bindir / "initdb", "-D", data, "-U", "im", "--auth=trust", "-E", "UTF8",
         "--no-locale"], check=True, capture_output=True, cwd=folder)  # fmt: skip
    opts = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    run([*as_user, bindir / "pg_ctl", "-D", data, "-o", opts, "-l", folder / "log", "-w",
         "start"], check=True, capture_output=True, cwd=folder)  # fmt: skip
    try:
        base = f"postgresql://im@127.0.0.1:{port}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE gis")
        with psycopg.connect(f"{base}/gis", autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield f"{base}/gis"
    finally:
        run([*as_user, bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"],
            capture_output=True, cwd=folder)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def sql(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def rows(url: str, table: str) -> int:
    return sql(url, f"SELECT count(*) FROM {table}")[0][0]


def points(n: int, text: str = "x") -> gpd.GeoDataFrame:
    rng = np.random.default_rng(n)
    return gpd.GeoDataFrame(
        {"n": np.arange(n), "v": rng.random(n), "t": [text] * n,
         "d": pd.date_range("2020-01-01", periods=n, freq="h")},
        geometry=shapely.points(rng.uniform(60, 75, n), rng.uniform(29, 38, n)),
        crs="EPSG:4326",
    )  # fmt: skip


def test_export_points_to_a_table(capsys, use_cache, server):
    code, _, err = cli(capsys, "export", SAMPLE, "-o", f"{server}?table=pts", "--layer", "points")
    assert code == 0, err
    assert rows(server, "pts") == 42
    code, _, err = cli(capsys, "export", SAMPLE, "-o", f"{server}?table=ex", "--period", "month")
    assert code == 0, err
    tables = {"points": 42, "districts": 398, "provinces": 34, "districts_by_month": 43}
    assert {t: rows(server, f"ex_{t}") for t in tables} == tables
    assert f"in {server}?table=ex_districts_by_month" in err


def test_geocode_writes_a_table_with_a_spatial_index_then_query_reads_it(
    capsys, use_cache, server, tmp_path
):
    url = f"{server}?table=incidents"
    code, _, err = cli(capsys, "geocode", SAMPLE, "-o", url)
    assert code == 0, err
    assert f"wrote: 52 rows to {url}" in err
    assert rows(server, "incidents") == 52
    (index,) = sql(server, "SELECT indexdef FROM pg_indexes WHERE tablename = 'incidents' "
                           "AND indexdef LIKE '%gist%'")  # fmt: skip
    assert "(geom)" in index[0]
    assert sql(server, "SELECT Find_SRID('public', 'incidents', 'geom')") == [(4326,)]
    back = read_postgis(url)
    assert len(back) == 52 and list(back["row"]) == list(range(1, 53))  # rows in order
    gpkg = tmp_path / "incidents.gpkg"
    assert cli(capsys, "geocode", SAMPLE, "-o", gpkg)[0] == 0
    answers = []
    for source in (url, gpkg):
        code, out, err = cli(capsys, "query", source, "--province", "Kabul", "-f", "csv")
        assert code == 0, err
        answers.append(out)
    assert answers[0] == answers[1] and answers[0].count("\n") > 2


def test_merged_list_in_postgis_gives_the_page_of_a_geopackage(capsys, use_cache, server, tmp_path):
    other = tmp_path / "other.csv"
    pd.read_csv(SAMPLE).head(10).to_csv(other, index=False)
    url, gpkg = f"{server}?table=merged", tmp_path / "merged.gpkg"
    for out in (url, gpkg):
        code, _, err = cli(capsys, "merge", SAMPLE, other, "-o", out)
        assert code == 0, err
    assert rows(server, "merged") == len(gpd.read_file(gpkg)) > 0
    pages = []
    for source, page in ((url, tmp_path / "pg.html"), (gpkg, tmp_path / "gpkg.html")):
        # title and credit name the input (a URL, a file): given, the pages can be equal
        code, _, err = cli(capsys, "brief", source, "-o", page, "--title", "T", "--credit", "C")
        assert code == 0, err
        pages.append(re.sub(r"[0-9a-f]{32}", "<id>", page.read_text()))
    assert pages[0] == pages[1]


def test_existing_table_refused_and_overwrite_replaces(capsys, use_cache, server, tmp_path):
    small = tmp_path / "small.csv"
    pd.read_csv(SAMPLE).head(7).to_csv(small, index=False)
    url = f"{server}?table=again"
    assert cli(capsys, "geocode", small, "-o", url)[0] == 0
    code, _, err = cli(capsys, "geocode", SAMPLE, "-o", url)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"Error: {url} exists; use --overwrite to replace it")
    assert rows(server, "again") == 7
    code, _, err = cli(capsys, "geocode", SAMPLE, "-o", url, "--overwrite")
    assert code == 0, err
    assert rows(server, "again") == 52
    assert sql(server, "SELECT count(*) FROM pg_indexes WHERE tablename = 'again'") == [(2,)]


def test_password_never_printed(server):
    target = target_for(server.replace("im@", "im:s3cret@") + "?table=x")
    assert "s3cret" not in target.name and "im:***@" in target.name
    bad = target_for("postgresql://im:s3cret@127.0.0.1:1/gis?table=x")
    with pytest.raises(OutputWriteError) as exc:
        bad.check(overwrite=False)
    assert "s3cret" not in str(exc.value) and "cannot connect" in str(exc.value)


def test_password_of_inputs_and_outputs_never_printed(capsys, use_cache, server):
    secret = server.replace("im@", "im:s3cret@")  # trust: the server takes any password
    out = f"{secret}?table=secret"
    code, _, err = cli(capsys, "merge", f"a={SAMPLE}", f"b={SAMPLE}", "-o", out)
    assert code == 0 and "im:***@" in err and "s3cret" not in err, err
    code, _, err = cli(capsys, "query", f"{secret}?table=secret", "--province", "Kabul")
    assert code == 0 and "im:***@" in err and "s3cret" not in err, err


def test_a_write_the_database_rejects_leaves_the_old_table(server):
    target = target_for(f"{server}?table=kept")
    target.write_layers({"kept": points(20)})
    bad = points(5000)
    bad.loc[4999, "t"] = "nul \x00 byte"  # PostgreSQL text holds no NUL: COPY fails at the end
    with pytest.raises(OutputWriteError) as exc:
        target.write_layers({"kept": bad}, overwrite=True)
    assert "\n" not in str(exc.value) and "writing PostGIS failed" in str(exc.value)
    assert rows(server, "kept") == 20
    assert sql(
        server, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'incidentmap_tmp%'"
    ) == [(0,)]


KILLED = """
import sys
import geopandas as gpd, numpy as np, shapely
from incidentmap.io.targets import target_for
n = 400_000
xy = shapely.points(np.full(n, 66.0), np.full(n, 33.0))
g = gpd.GeoDataFrame({"n": np.arange(n)}, geometry=xy, crs="EPSG:4326")
def progress(done, total):
    if done >= 20_000:
        print("writing", flush=True)
target_for(sys.argv[1]).write_layers({"k": g}, overwrite=True, progress=progress)
print("done", flush=True)
"""


def test_a_killed_write_leaves_the_old_table(server):
    url = f"{server}?table=killed"
    target_for(url).write_layers({"killed": points(11)})
    proc = subprocess.Popen([sys.executable, "-c", KILLED, url], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"  # rows are going in
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert rows(server, "killed") == 11
    back = read_postgis(url)
    assert list(back["n"]) == list(range(11))


@pytest.mark.parametrize("overwrite", [False, True])
def test_two_writers_of_one_table_one_wins(server, overwrite):
    table = f"race_{int(overwrite)}"
    target = target_for(f"{server}?table={table}")
    if overwrite:
        target.write_layers({table: points(3)})
    frames = [points(60_000, "a"), points(60_000, "b")]
    start = threading.Barrier(2)
    outcome: list[object] = [None, None]

    def write(i: int) -> None:
        start.wait()
        try:
            outcome[i] = target_for(f"{server}?table={table}").write_layers(
                {table: frames[i]}, overwrite=overwrite
            )
        except OutputExistsError as exc:
            outcome[i] = exc

    threads = [threading.Thread(target=write, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [o for o in outcome if isinstance(o, OutputExistsError)]
    won = [i for i, o in enumerate(outcome) if isinstance(o, dict)]
    assert len(won) == 1 and len(errors) == 1, outcome
    assert "\n" not in str(errors[0]) and table in str(errors[0])
    assert rows(server, table) == 60_000
    assert sql(server, f"SELECT DISTINCT t FROM {table}") == [("ab"[won[0]],)]


def test_a_database_source_of_a_merge_is_named_after_its_table():
    from incidentmap.jobs.merge import source_spec

    spec = "postgresql://im:s3cret@127.0.0.1:5432/gis?table=public.acled"
    assert source_spec(spec) == ("acled", spec)
    assert source_spec("gtd=postgresql://h/db?table=x")[0] == "gtd"


def test_a_password_in_the_query_string_is_masked_too():
    from incidentmap.io.postgis import masked

    shown = masked("postgresql://im@127.0.0.1/gis?table=t&password=s3cret")
    assert ("s3cret" not in shown and "password=%2A%2A%2A" in shown) or "password=***" in shown


def test_export_of_several_layers_to_a_named_table_is_not_refused_by_its_base_name(
    capsys, use_cache, server
):
    # the review: `?table=x` with several layers writes x_points, x_districts...; an existing
    # table named x alone must not refuse it
    assert cli(capsys, "export", SAMPLE, "-o", f"{server}?table=base", "--layer", "points")[0] == 0
    code, _, err = cli(capsys, "export", SAMPLE, "-o", f"{server}?table=base")
    assert code == 0, err
