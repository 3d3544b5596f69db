"""incidentmap fetch against a real local HTTP server speaking each publisher's protocol.

ACLED's OAuth token (password and refresh grants), read and deletions endpoints; UCDP's GED
pages and token header; HAPI's limit/offset and app identifier. Faults are queued per
request (429, 503, a dropped connection, a token the server stops accepting, a stall); the
client is never patched: every test goes through sockets.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from incidentmap.errors import UsageError
from incidentmap.fetch.acled import COLUMNS as ACLED_COLUMNS
from incidentmap.fetch.acled import AcledRequest, fetch_acled
from incidentmap.fetch.credentials import Credentials
from incidentmap.fetch.errors import ApiChangedError, AuthError, FetchError
from incidentmap.fetch.hapi import COLUMNS as HAPI_COLUMNS
from incidentmap.fetch.hapi import HapiRequest, fetch_hapi
from incidentmap.fetch.http import RetryPolicy
from incidentmap.fetch.run import FetchOptions
from incidentmap.fetch.ucdp import COLUMNS as UCDP_COLUMNS
from incidentmap.fetch.ucdp import UcdpRequest, fetch_ucdp
from incidentmap.io import read_incidents
from incidentmap.pipeline import load_incidents

USER, PASSWORD, UCDP_TOKEN = "analyst@example.org", "pw-7f3e9c", "ucdp-tok-51d2"
APP = base64.b64encode(b"incidentmap-tests:analyst@example.org").decode()
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=2.0, timeout=10.0)
AREAS = [("AF13", "Paktya", "AF1303", "Zurmat"), ("AF06", "Nangarhar", "AF0601", "Jalalabad"),
         ("AF01", "Kabul", "AF0101", "Kabul")]  # fmt: skip
T0 = 1_700_000_000


def acled_row(n: int, stamp: int = T0) -> dict[str, str]:
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(
        event_id_cnty=f"AFG{n:05d}", event_date=f"2023-{1 + n % 12:02d}-{1 + n % 28:02d}",
        year="2023", time_precision="1", disorder_type="Political violence",
        event_type=["Battles", "Explosions/Remote violence"][n % 2], sub_event_type="Armed clash",
        actor1="Taliban", inter1="Rebel group", actor2="Civilians (Afghanistan)", iso="4",
        region="Caucasus and Central Asia", country="Afghanistan", admin1="Kabul",
        admin2="Kabul", location="Kabul", latitude=f"{34.50 + n % 50 / 1000:.4f}",
        longitude=f"{69.15 + n % 40 / 1000:.4f}", geo_precision="1", source="Synthetic",
        notes=f"synthetic event {n}", fatalities=str(n % 7), timestamp=str(stamp + n % 1000),
    )  # fmt: skip
    return row


def ucdp_row(n: int) -> dict:
    row: dict = dict.fromkeys(UCDP_COLUMNS, None)
    row.update(
        id=900000 + n, relid=f"AFG-2023-1-{n}", year=2023, active_year=True, type_of_violence=1,
        side_a="Government of Afghanistan", side_b="Taleban", where_prec=1,
        where_coordinates="Kabul town", adm_1="Kabul province", adm_2="Kabul district",
        latitude=34.53 + n % 30 / 1000, longitude=69.17, country="Afghanistan", country_id=700,
        date_prec=1, date_start=f"2023-{1 + n % 12:02d}-01T00:00:00.000",
        date_end=f"2023-{1 + n % 12:02d}-01T00:00:00.000", best=n % 5, deaths_a=n % 5,
    )  # fmt: skip
    return row


def hapi_row(n: int) -> dict:
    a1, n1, a2, n2 = AREAS[n % 3]
    month = n // 9
    y, m = 1998 + month // 12, 1 + month % 12
    return {
        "location_code": "AFG", "location_name": "Afghanistan", "admin1_code": a1,
        "admin1_name": n1, "admin2_code": a2, "admin2_name": n2, "admin_level": 2,
        "resource_hdx_id": "r-1", "event_type": ["political_violence", "civilian_targeting",
                                                 "demonstration"][n // 3 % 3],
        "events": n % 11, "fatalities": n % 4, "reference_period_start": f"{y}-{m:02d}-01T00:00:00",
        "reference_period_end": f"{y}-{m:02d}-28T23:59:59",
    }  # fmt: skip


class Publisher:
    """The server's state: datasets, users, tokens, queued faults and a request log."""

    def __init__(self) -> None:
        self.acled = [acled_row(n) for n in range(23_000)]
        self.deleted: list[dict] = []
        self.ucdp = [ucdp_row(n) for n in range(2_500)]
        self.hapi = [hapi_row(n) for n in range(810)]
        self.tokens: dict[str, bool] = {}  # access token -> accepted
        self.refresh: set[str] = set()
        self.expires_in = 86400
        self.renamed = False
        self.ucdp_first = 0  # the number of UCDP's first page (0; 1 tried too)
        self.faults: dict[tuple[str, int], list[str]] = {}
        self.log: list[tuple[str, str, dict]] = []
        self.release = threading.Event()

    def fault(self, path: str, page: int, *actions: str) -> None:
        self.faults.setdefault((path, page), []).extend(actions)

    def pages(self, path: str) -> list[int]:
        key = "offset" if "conflict" in path else "page"
        return [int(q.get(key, -1)) for m, p, q in self.log if p == path and m == "GET"]

    def issue(self) -> dict:
        access, refresh = f"at-{len(self.tokens)}", f"rt-{len(self.tokens)}"
        self.tokens[access] = True
        self.refresh.add(refresh)
        return {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": access,
                "refresh_token": refresh}  # fmt: skip


#: faults answered by a status: (status, body, headers)
CANNED = {
    "429": (429, {"message": "Too many requests"}, {"Retry-After": "0"}),
    "429-1s": (429, {"message": "Too many requests"}, {"Retry-After": "1"}),
    "429-day": (429, {"message": "Quota exceeded"}, {"Retry-After": "86400"}),
    "503": (503, {"message": "maintenance"}, {}),
    "403": (403, {"message": "Access denied: accept the terms of use"}, {}),
}


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: object, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        if getattr(self, "cut", False):  # the answer cut in transit, its length as sent
            data = data[: len(data) // 2]
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", "Content-Length": str(len(data)),
                     **(headers or {})}.items():  # fmt: skip
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _fault(self, pub: Publisher, path: str, page: int) -> bool:
        """Play the next fault queued for this page; True if it was the answer."""
        queue = pub.faults.get((path, page))
        action = queue.pop(0) if queue else None
        if action in CANNED:
            self._send(*CANNED[action])
        elif action == "drop":  # the connection closed without an answer
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif action == "expire":  # the server stops accepting the token it gave
            pub.tokens[self.headers.get("Authorization", "").removeprefix("Bearer ")] = False
        elif action == "shift":  # 10 events added at the top (ACLED sorts the newest first)
            pub.acled[:0] = [acled_row(n, T0 + 5000) for n in range(50_000, 50_010)]
        elif action == "stall":
            pub.release.wait(30)
        elif action == "cut":  # the page's answer, its JSON cut in half
            self.cut = True
        return action in (*CANNED, "drop")

    def do_POST(self) -> None:
        pub: Publisher = self.server.pub  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = dict(urllib.parse.parse_qsl(body))
        pub.log.append(("POST", self.path, {k: v for k, v in form.items() if k != "password"}))
        if self.path != "/oauth/token" or form.get("client_id") != "acled":
            return self._send(400, {"error": "invalid_client"})
        grant = form.get("grant_type")
        if grant == "password" and (form.get("username"), form.get("password")) == (USER, PASSWORD):
            return self._send(200, pub.issue())
        if grant == "refresh_token" and form.get("refresh_token") in pub.refresh:
            pub.refresh.discard(form["refresh_token"])
            return self._send(200, pub.issue())
        self._send(400, {"error": "invalid_grant",
                         "error_description": "The user credentials were incorrect."})  # fmt: skip

    def do_GET(self) -> None:
        pub: Publisher = self.server.pub  # type: ignore[attr-defined]
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        pub.log.append(("GET", url.path, q))
        if url.path in ("/api/acled/read", "/api/deleted/read"):
            return self._acled(pub, url.path, q)
        if url.path.startswith("/api/gedevents/"):
            return self._ucdp(pub, url.path, q)
        if url.path == "/api/v2/coordination-context/conflict-events":
            return self._hapi(pub, url.path, q)
        self._send(404, {"message": "not found"})

    def _acled(self, pub: Publisher, path: str, q: dict) -> None:
        page, limit = int(q.get("page", 1)), int(q.get("limit", 5000))
        if self._fault(pub, path, page):
            return
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if not pub.tokens.get(token):
            return self._send(401, {"message": "Unauthorized: invalid or expired token"})
        if path == "/api/deleted/read":
            rows = [r for r in pub.deleted if r["deleted_timestamp"] >= int(q["deleted_timestamp"])]
        else:
            rows = [r for r in pub.acled if q.get("country") in (None, r["country"])]
            if "timestamp" in q:
                rows = [r for r in rows if int(r["timestamp"]) >= int(q["timestamp"])]
            if pub.renamed:  # the API changed: a field renamed
                rows = [{("event_time" if k == "timestamp" else k): v for k, v in r.items()}
                        for r in rows]  # fmt: skip
        chunk = rows[(page - 1) * limit : page * limit]
        self._send(200, {"status": 200, "success": True, "count": len(chunk), "data": chunk})

    def _ucdp(self, pub: Publisher, path: str, q: dict) -> None:
        page, size = int(q.get("page", 0)), int(q.get("pagesize", 100))
        if self.headers.get("x-ucdp-access-token") != UCDP_TOKEN:
            return self._send(401, {"message": "A valid x-ucdp-access-token is required"})
        if path.rsplit("/", 1)[-1] not in ("25.1", "26.1"):
            return self._send(404, {"message": "No such version"})
        if self._fault(pub, path, page):
            return
        rows = [r for r in pub.ucdp if q.get("Country") in (None, str(r["country_id"]))]
        pages = -(-len(rows) // size)
        n = max(page - pub.ucdp_first, 0)  # a 1-based API takes page=0 as its first page
        nxt = f"http://x{path}?pagesize={size}&page={n + 1 + pub.ucdp_first}"
        self._send(200, {"TotalCount": len(rows), "TotalPages": pages, "PreviousPageUrl": "",
                         "NextPageUrl": nxt if n + 1 < pages else "",
                         "Result": rows[n * size : (n + 1) * size]})  # fmt: skip

    def _hapi(self, pub: Publisher, path: str, q: dict) -> None:
        try:
            _app, _email = base64.b64decode(q.get("app_identifier", "")).decode().split(":")
        except ValueError:
            return self._send(403, {"error": "Invalid app identifier"})
        limit, offset = int(q.get("limit", 10000)), int(q.get("offset", 0))
        if self._fault(pub, path, offset):
            return
        rows = [r for r in pub.hapi if r["location_code"] == q.get("location_code")]
        self._send(200, {"data": rows[offset : offset + limit]})


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.pub = Publisher()  # type: ignore[attr-defined]
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.pub, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.pub.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name, value in (
        ("INCIDENTMAP_CACHE_DIR", str(tmp_path / "cache")),
        ("ACLED_USERNAME", USER),
        ("ACLED_PASSWORD", PASSWORD),
        ("UCDP_ACCESS_TOKEN", UCDP_TOKEN),
        ("HDX_APP_IDENTIFIER", APP),
    ):
        monkeypatch.setenv(name, value)  # fmt: skip
    return tmp_path


def stop_after(pages: int, totals: list | None = None):
    """A progress callback that interrupts the download (Ctrl-C) after ``pages`` pages."""

    def progress(rows, done, total):
        (totals if totals is not None else []).append(total)
        if done == pages:
            raise KeyboardInterrupt

    return progress


def opts(base: str, **kw) -> FetchOptions:
    return FetchOptions(base_url=base, retry=FAST, **kw)


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def no_secrets(*texts_or_paths) -> None:
    for item in texts_or_paths:
        text = item.read_text(errors="replace") if isinstance(item, Path) else str(item)
        for secret in (PASSWORD, UCDP_TOKEN, APP, "at-0", "rt-0"):
            assert secret not in text, (secret, str(item)[:80])


AFG = AcledRequest(country=("Afghanistan",), since="2023-01-01", until="2023-12-31")


def test_acled_23000_rows_5_pages_one_expired_token_one_429(server, env):
    pub, base = server
    pub.fault("/api/acled/read", 3, "expire")  # the token dies between pages 2 and 3
    pub.fault("/api/acled/read", 4, "429")
    seen = []
    out = env / "acled.csv"
    result = fetch_acled(out, request=AFG, options=opts(base),
                         progress=lambda r, p, t: seen.append((r, p, t)))  # fmt: skip
    got = rows_of(out)
    assert len(got) == 23_000 == result.rows and result.pages == 5
    assert sorted(r["event_id_cnty"] for r in got) == sorted(r["event_id_cnty"] for r in pub.acled)
    assert list(got[0]) == list(ACLED_COLUMNS) and got[0] == pub.acled[0]  # ACLED's own layout
    assert seen == [(5000 * p, p, None) for p in range(1, 5)] + [(23_000, 5, None)]
    assert dict(result.retries) == {"401": 1, "429": 1}
    grants = [q["grant_type"] for m, p, q in pub.log if p == "/oauth/token"]
    assert grants == ["password", "refresh_token"]  # renewed by the refresh token, not again
    assert pub.pages("/api/acled/read") == [1, 2, 3, 3, 4, 4, 5]
    q = next(q for m, p, q in pub.log if p == "/api/acled/read")
    assert q["country"] == "Afghanistan" and q["event_date"] == "2023-01-01|2023-12-31"
    assert q["event_date_where"] == "BETWEEN" and q["limit"] == "5000" and "inter_num" not in q
    source = json.loads(result.source.read_text())
    assert source["publisher"] == "ACLED" and "ACLED" in source["citation"]
    assert source["request"]["country"] == ["Afghanistan"] and source["rows"] == 23_000
    assert not (env / "acled.csv.part").exists() and not (env / "acled.csv.part.json").exists()
    no_secrets(out, result.source)
    read = read_incidents(out)
    assert len(read) == 23_000 and read["event_id"].is_unique
    assert read.attrs.get("preset", "acled") == "acled"


def test_acled_token_cached_with_expiry_refreshed_when_expired(server, env, monkeypatch):
    pub, base = server
    pub.acled = pub.acled[:1_000]
    small = AcledRequest(country=("Afghanistan",), filters=(("admin1", "Kabul"),))
    fetch_acled(env / "a.csv", request=small, options=opts(base, page_size=10_000))
    (cached,) = (env / "cache" / "fetch").glob("acled-token-*.json")
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert stat.S_IMODE(cached.parent.stat().st_mode) == 0o700
    assert PASSWORD not in cached.read_text()
    monkeypatch.delenv("ACLED_PASSWORD")  # a valid cached token needs no password
    fetch_acled(env / "b.csv", request=small, options=opts(base, page_size=10_000))
    assert [q["grant_type"] for m, p, q in pub.log if p == "/oauth/token"] == ["password"]
    token = json.loads(cached.read_text())
    cached.write_text(json.dumps({**token, "expires_at": time.time() - 5}))  # expired
    fetch_acled(env / "c.csv", request=small, options=opts(base, page_size=10_000))
    grants = [q["grant_type"] for m, p, q in pub.log if p == "/oauth/token"]
    assert grants == ["password", "refresh_token"]
    assert rows_of(env / "a.csv") == rows_of(env / "c.csv")
    # the refresh token expired too (14 days): logged in again with the password
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)
    cached.write_text(json.dumps({**token, "expires_at": 0, "refresh_token": "rt-old"}))
    fetch_acled(env / "d.csv", request=small, options=opts(base, page_size=10_000))
    grants = [q["grant_type"] for m, p, q in pub.log if p == "/oauth/token"]
    assert grants == ["password", "refresh_token", "refresh_token", "password"]


def test_acled_killed_after_page_2_resumes(server, env):
    """A real kill (SIGKILL) of the command while it waits for page 3."""
    pub, base = server
    pub.fault("/api/acled/read", 3, "stall")
    out = env / "acled.csv"
    code = "import sys; from incidentmap.cli._fetch import app; app(sys.argv[1:])"
    args = [sys.executable, "-c", code, "acled", "-o", str(out), "--country", "Afghanistan",
            "--since", "2023-01-01", "--until", "2023-12-31", "--base-url", base]  # fmt: skip
    proc = subprocess.Popen(args, env=os.environ.copy(), stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while 3 not in pub.pages("/api/acled/read") and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    pub.release.set()
    assert not out.exists() and len(rows_of(env / "acled.csv.part")) == 10_000
    pub.log.clear()
    result = fetch_acled(out, request=AFG, options=opts(base))
    assert result.resumed_pages == 2 and pub.pages("/api/acled/read") == [3, 4, 5]
    whole = fetch_acled(env / "whole.csv", request=AFG, options=opts(base)).path
    assert out.read_bytes() == whole.read_bytes()  # the same file as without the kill
    # the pages of another request are not taken
    (env / "o.csv.part").write_bytes((env / "whole.csv").read_bytes()[:5000])
    (env / "o.csv.part.json").write_text(json.dumps({"version": 1, "fingerprint": "other"}))
    other = fetch_acled(env / "o.csv", request=AcledRequest(), options=opts(base))
    assert other.resumed_pages == 0 and other.path.read_bytes() == whole.read_bytes()


def test_acled_update_applies_changes_and_deletions(server, env):
    pub, base = server
    pub.acled = pub.acled[:2_000]
    out = env / "acled.csv"
    fetch_acled(out, request=AFG, options=opts(base, page_size=500))
    before = rows_of(out)
    newest = max(int(r["timestamp"]) for r in before)
    for n in range(40):  # 40 rows changed after the download
        pub.acled[n * 7] = {**pub.acled[n * 7], "fatalities": "99", "timestamp": str(newest + 10)}
    gone = [pub.acled.pop(1500) for _ in range(12)]  # 12 deleted
    pub.deleted = [{"event_id_cnty": r["event_id_cnty"], "deleted_timestamp": newest + 20}
                   for r in gone]  # fmt: skip
    pub.deleted.append({"event_id_cnty": "AFG99999", "deleted_timestamp": newest - 100})  # older
    pub.acled += [acled_row(n, newest + 30) for n in range(30_000, 30_005)]  # 5 new
    pub.log.clear()
    code, _, err = run_cli("acled", "--update", out, "--base-url", base)
    assert code == 0, err
    assert "updated: 5 new, 40 changed, 12 deleted" in err
    after = rows_of(out)
    assert len(after) == 2_000 - 12 + 5
    ids = [r["event_id_cnty"] for r in after]
    assert not {r["event_id_cnty"] for r in gone} & set(ids) and len(set(ids)) == len(ids)
    assert sum(r["fatalities"] == "99" for r in after) == 40
    kept = [r["event_id_cnty"] for r in before if r["event_id_cnty"] in set(ids)]
    assert ids[: len(kept)] == kept  # the file's order is kept, new rows at the end
    q = next(q for m, p, q in pub.log if p == "/api/acled/read")
    assert (q["timestamp"], q["timestamp_where"]) == (str(newest), ">=")
    assert q["country"] == "Afghanistan"  # the request recorded beside the file
    d = next(q for m, p, q in pub.log if p == "/api/deleted/read")
    assert d["deleted_timestamp"] == str(newest) and d["deleted_timestamp_where"] == ">="
    source = json.loads(out.with_name("acled.csv.source.json").read_text())
    assert source["update"]["changed"] == 40 and source["update"]["deleted"] == 12


def test_retries_are_bounded_and_honour_retry_after(server, env):
    pub, base = server
    pub.acled = pub.acled[:2_500]
    pub.fault("/api/acled/read", 2, "503", "503", "503", "503")
    out = env / "x.csv"
    with pytest.raises(FetchError, match=r"after 4 tries .*HTTP 503.* run the same command again"):
        fetch_acled(out, request=AFG, options=opts(base, page_size=1000))
    assert len(rows_of(env / "x.csv.part")) == 1_000  # page 1 kept
    pub.fault("/api/acled/read", 2, "429-1s", "drop")
    start = time.monotonic()
    result = fetch_acled(out, request=AFG, options=opts(base, page_size=1000))
    assert time.monotonic() - start >= 1.0  # Retry-After: 1 waited for
    assert result.resumed_pages == 1 and dict(result.retries) == {"429": 1, "connection": 1}
    pub.fault("/api/acled/read", 2, "shift")  # 10 rows added while the pages are read
    result = fetch_acled(env / "s.csv", request=AFG, options=opts(base, page_size=1000))
    ids = [r["event_id_cnty"] for r in rows_of(env / "s.csv")]
    assert len(ids) == len(set(ids)) == 2_500 == result.rows and result.pages == 3
    assert result.notes[0].startswith("10 rows came twice")
    assert json.loads(result.source.read_text())["rows_given_twice"] == 10
    pub.fault("/api/acled/read", 1, "429-day")
    with pytest.raises(FetchError, match=r"HTTP 429: Quota exceeded and asks to wait 86,400 s"):
        fetch_acled(env / "y.csv", request=AFG, options=opts(base))


def test_an_answer_cut_short_is_asked_for_again(server, env):
    # a page whose JSON was cut in transit (its Content-Length matching) was said to be an
    # API that changed, and not asked for again
    pub, base = server
    pub.acled = pub.acled[:2_500]
    pub.fault("/api/acled/read", 2, "cut")
    result = fetch_acled(env / "c.csv", request=AFG, options=opts(base, page_size=1000))
    assert result.rows == 2_500 and dict(result.retries) == {"cut short": 1}
    pub.fault("/api/acled/read", 2, *["cut"] * 4)
    with pytest.raises(FetchError, match=r"cut short 4 times .*run the same command again"):
        fetch_acled(env / "d.csv", request=AFG, options=opts(base, page_size=1000))


def test_a_token_alone_is_not_said_to_be_kept_pages(server, env):
    """ACLED gave its token, then refused the first page: nothing was fetched, and the
    error says so (it advised resuming, counting the token's answer as a page)."""
    pub, base = server
    pub.fault("/api/acled/read", 1, "503", "503", "503", "503")
    with pytest.raises(FetchError, match=r"after 4 tries .*HTTP 503.*; nothing was fetched$"):
        fetch_acled(env / "t.csv", request=AFG, options=opts(base))
    pub.fault("/api/acled/read", 1, "429-day")
    with pytest.raises(FetchError, match=r"asks to wait 86,400 s .* again later$"):
        fetch_acled(env / "t.csv", request=AFG, options=opts(base))


def test_a_host_that_cannot_be_resolved_fails_at_once_and_says_so():
    # a newcomer without network waited 64 s in silence for "run the same command again to
    # resume" when nothing had been fetched: a name that does not resolve is not tried again
    from incidentmap.fetch import RetryPolicy
    from incidentmap.fetch.http import HttpClient

    waits: list[float] = []
    client = HttpClient(RetryPolicy(attempts=6), sleep=waits.append)
    try:
        socket.getaddrinfo("incidentmap-test.invalid", 443)
    except socket.gaierror:
        pass
    else:  # pragma: no cover - a resolver that answers for .invalid
        pytest.skip("this resolver answers for .invalid names")
    with pytest.raises(FetchError, match=r"cannot be resolved.*nothing was fetched") as exc:
        client.get_json("https://incidentmap-test.invalid/api/read")
    assert waits == [] and "resume" not in str(exc.value)
    assert "incidentmap-test.invalid" in str(exc.value)


GED = UcdpRequest(version="25.1", country=("Afghanistan",))


def test_ucdp_pages_token_retries_resume(server, env, use_cache):
    pub, base = server
    pub.fault("/api/gedevents/25.1", 1, "429")
    pub.fault("/api/gedevents/25.1", 2, "drop")
    totals = []
    out = env / "ged.csv"
    with pytest.raises(KeyboardInterrupt):
        fetch_ucdp(out, request=GED, options=opts(base), progress=stop_after(2, totals))
    assert totals == [3, 3]  # UCDP says how many pages
    result = fetch_ucdp(out, request=GED, options=opts(base))
    assert result.resumed_pages == 2 and result.rows == 2_500 and result.pages == 3
    assert pub.pages("/api/gedevents/25.1") == [0, 1, 1, 2, 2]
    assert dict(result.retries) == {"connection": 1}
    q = next(q for m, p, q in pub.log if p.startswith("/api/gedevents"))
    assert q["Country"] == "700" and q["pagesize"] == "1000"
    got = rows_of(out)
    assert list(got[0]) == list(UCDP_COLUMNS) and len({r["id"] for r in got}) == 2_500
    no_secrets(out, result.source)
    placed, _ = load_incidents(out)
    assert len(placed) == 2_500 and (placed["district"] == "Kabul").all()
    # --update: fetched again whole, compared by id
    for n in range(40):
        pub.ucdp[n * 11] = {**pub.ucdp[n * 11], "best": 77}
    del pub.ucdp[2_000:2_012]
    pub.ucdp += [ucdp_row(n) for n in range(5_000, 5_003)]
    result = fetch_ucdp(out, update=out, options=opts(base))
    c = result.update
    assert (c.new, c.changed, c.deleted, c.rows) == (3, 40, 12, 2_491)
    assert len(rows_of(out)) == 2_491
    pub.ucdp_first = 1  # an API counting pages from 1: the page NextPageUrl names is asked
    pub.log.clear()
    assert fetch_ucdp(env / "g1.csv", request=GED, options=opts(base)).rows == 2_491
    assert pub.pages("/api/gedevents/25.1") == [0, 2, 3]
    with pytest.raises(FetchError, match=r"UCDP has no GED version '24\.9'"):
        fetch_ucdp(env / "y.csv", request=UcdpRequest(version="24.9"), options=opts(base))
    with pytest.raises(AuthError, match="check UCDP_ACCESS_TOKEN"):
        fetch_ucdp(env / "y.csv", request=GED, options=opts(base),
                   credentials=Credentials(ucdp_token="wrong"))  # fmt: skip
    with pytest.raises(UsageError, match="Gleditsch-Ward code"):
        fetch_ucdp(env / "y.csv", request=UcdpRequest("25.1", country=("Mali",)))


def test_hapi_pages_retry_resume_update(server, env):
    pub, base = server
    pub.fault("/api/v2/coordination-context/conflict-events", 300, "503")
    out = env / "hapi.csv"
    with pytest.raises(KeyboardInterrupt):
        fetch_hapi(out, request=HapiRequest(), options=opts(base, page_size=300),
                   progress=stop_after(2))  # fmt: skip
    result = fetch_hapi(out, request=HapiRequest(), options=opts(base, page_size=300))
    assert (result.resumed_pages, result.rows, result.pages) == (2, 810, 3)
    assert pub.pages("/api/v2/coordination-context/conflict-events") == [0, 300, 300, 600]
    hxl, *got = rows_of(out)  # HDX's layout: the HXL hashtags under the header
    assert list(hxl) == list(HAPI_COLUMNS) and len(got) == 810
    assert hxl["reference_period_start"] == "#date+start" and hxl["events"] == "#indicator+events"
    no_secrets(out, result.source)
    read = read_incidents(out)  # a count table of months, by p-code
    assert len(read) == 810 and read["date"].notna().all()
    assert set(read["date_precision"]) == {"month"}
    assert set(read["stated_province"]) == {"AF13", "AF06", "AF01"}
    for n in range(40):
        pub.hapi[n * 13] = {**pub.hapi[n * 13], "events": 500}
    del pub.hapi[700:712]
    r = fetch_hapi(out, update=out, options=opts(base, page_size=300))
    assert (r.update.new, r.update.changed, r.update.deleted, r.update.rows) == (0, 40, 12, 798)


def run_cli(*args):
    """``incidentmap fetch ...`` through the program's own entry point, as a user runs it."""
    import contextlib
    import io

    from incidentmap.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.raises(SystemExit) as exc,
    ):
        main(["fetch", *[str(a) for a in args]])
    assert "Traceback" not in err.getvalue()
    no_secrets(out.getvalue(), err.getvalue())
    return exc.value.code, out.getvalue(), err.getvalue()


def test_cli_acled_prints_counts_and_refuses_existing(server, env, monkeypatch):
    pub, base = server
    pub.acled = pub.acled[:4_200]
    pub.fault("/api/acled/read", 2, "429")
    out = env / "a.csv"
    code, stdout, err = run_cli("acled", "-o", out, "--country", "Afghanistan",
                                "--event-type", "Battles", "--event-type", "Riots",
                                "--actor", "Taliban", "--inter-num", "--page-size", "1000",
                                "--base-url", base)  # fmt: skip
    assert code == 0, err
    assert stdout == ""
    assert "fetched: 4,200 rows in 5 pages from ACLED (retried: 1 after HTTP 429)" in err
    assert f"wrote: 4,200 rows to {out} (citation and request in a.csv.source.json)" in err
    q = next(q for m, p, q in pub.log if p == "/api/acled/read")
    assert q["event_type"] == "Battles:OR:Riots" and q["actor1"] == "Taliban"
    assert q["inter_num"] == "1"
    code, _, err = run_cli("acled", "-o", out, "--base-url", base)
    assert code == 2 and f"{out} exists" in err
    code, _, err = run_cli("acled", "-o", env / "a.gpkg", "--base-url", base)
    assert code == 2 and "name the output .csv" in err
    code, _, err = run_cli("acled", "-o", env / "b.csv", "--since", "2023-13-01")
    assert code == 2 and "--since must be a day as YYYY-MM-DD" in err
    out = env / "x.csv"
    monkeypatch.setenv("ACLED_USERNAME", "someone@example.org")  # no token cached for them
    monkeypatch.setenv("ACLED_PASSWORD", "wrong-password")
    code, _, err = run_cli("acled", "-o", out, "--base-url", base)
    assert code == 1 and err.count("\n") == 1 and "wrong-password" not in err
    assert "did not accept the username and password (HTTP 400 from /oauth/token" in err
    assert "check ACLED_USERNAME" in err
    monkeypatch.delenv("ACLED_PASSWORD")
    code, _, err = run_cli("acled", "-o", out, "--base-url", base)
    assert code == 2 and "ACLED_PASSWORD" in err and "never taken on the command line" in err
    monkeypatch.setenv("ACLED_USERNAME", USER)
    pub.fault("/api/acled/read", 1, "403")
    code, _, err = run_cli("acled", "-o", out, "--base-url", base)
    assert code == 1 and "refused access to /api/acled/read (HTTP 403" in err
    assert "terms of use" in err and not out.exists()
    pub.renamed = True
    said = r"/api/acled/read answered without the fields timestamp and with fields not seen "
    with pytest.raises(ApiChangedError, match=said + r"before \(event_time\): the API has"):
        fetch_acled(env / "x.csv", request=AFG, options=opts(base))


def test_cli_ucdp_and_hapi(server, env, monkeypatch):
    pub, base = server
    code, _, err = run_cli("ucdp", "-o", env / "g.csv", "--version", "25.1",
                           "--country", "700", "--base-url", base)  # fmt: skip
    assert code == 0 and "fetched: 2,500 rows in 3 pages from UCDP" in err
    code, _, err = run_cli("ucdp", "-o", env / "g2.csv", "--base-url", base)
    assert code == 2 and "--version is needed" in err
    code, _, err = run_cli("ucdp", "--update", env / "g.csv", "--base-url", base)
    assert code == 0 and "updated: 0 new, 0 changed, 0 deleted, 2,500 fetched again" in err
    pub.log.clear()  # to another version, keeping the request's country
    code, _, err = run_cli("ucdp", "--update", env / "g.csv", "--version", "26.1",
                           "--base-url", base)  # fmt: skip
    assert code == 0, err
    assert {(p, q["Country"]) for m, p, q in pub.log} == {("/api/gedevents/26.1", "700")}
    source = json.loads((env / "g.csv.source.json").read_text())
    assert source["request"]["version"] == "26.1" and "26.1" in source["dataset"]
    (env / "g.csv.source.json").unlink()
    code, _, err = run_cli("ucdp", "--update", env / "g.csv", "--base-url", base)
    assert code == 2 and "give the filters to fetch again" in err
    code, _, err = run_cli("hapi", "-o", env / "h.csv", "--country", "AFG",
                           "--base-url", base)  # fmt: skip
    assert code == 0 and "fetched: 810 rows in 1 page from HDX HAPI" in err
    code, _, err = run_cli("hapi", "-o", env / "h2.csv", "--actor", "Taliban")
    assert code == 2 and "no actor filter" in err
    monkeypatch.setenv("HDX_APP_IDENTIFIER", "bm90LWEtcGFpcg==")  # base64 of "not-a-pair"
    code, _, err = run_cli("hapi", "-o", env / "h2.csv", "--base-url", base)
    assert code == 2 and "HDX_APP_IDENTIFIER must be base64 of 'app_name:email'" in err
    monkeypatch.setenv("HDX_APP_IDENTIFIER", "app:me@example.org:extra")  # HAPI answers 403
    code, _, err = run_cli("hapi", "-o", env / "h2.csv", "--base-url", base)
    assert code == 1 and "HDX HAPI refused" in err and "check HDX_APP_IDENTIFIER" in err
