"""ACLED's API (OAuth since 2025): events by country, dates, actor and event type.

The protocol, as ACLED documents it and acledR (``acled_auth``, ``acled_api``,
``acled_update``, ``acled_deletions_api``) uses it:

- ``POST {base}/oauth/token`` with ``grant_type=password``, ``client_id=acled``,
  ``username`` and ``password`` gives an access token (24 hours) and a refresh token
  (14 days); ``grant_type=refresh_token`` with the refresh token gives a new one.
- ``GET {base}/api/acled/read?_format=json`` with ``Authorization: Bearer <token>``, the
  filters named as ACLED names them (``country``, ``event_date`` with
  ``event_date_where=BETWEEN``, ``actor1``, ``event_type``; several values joined by
  ``:OR:``; ``inter_num=1`` for numeric interaction codes) and ``page``/``limit``; the rows
  are in ``data``; a page shorter than ``limit`` is the last.
- Each row's ``timestamp`` is when it was last changed; ``GET {base}/api/deleted/read``
  with ``deleted_timestamp`` (and ``deleted_timestamp_where=>=``) lists the
  ``event_id_cnty`` deleted since.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incidentmap.errors import InputFileError, UsageError
from incidentmap.fetch.credentials import AcledTokens, Credentials
from incidentmap.fetch.errors import ApiChangedError, AuthError, FetchError
from incidentmap.fetch.http import HttpClient, HttpStatusError
from incidentmap.fetch.run import (
    Endpoint,
    FetchOptions,
    FetchResult,
    Job,
    Page,
    Progress,
    check_dates,
    check_filters,
    check_target,
    execute,
    recorded_request,
    request_dict,
)
from incidentmap.fetch.store import read_rows
from incidentmap.schema import PRESETS

__all__ = ["ACLED_URL", "AcledRequest", "fetch_acled"]

ACLED_URL = "https://acleddata.com"
READ = "/api/acled/read"
DELETED = "/api/deleted/read"
PAGE_SIZE = 5000
#: the fields of an event as the API returns them (ACLED codebook 2024)
COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
#: without these a row cannot be read, placed or updated
REQUIRED = frozenset(
    {"event_id_cnty", "event_date", "event_type", "actor1", "country", "admin1",
     "latitude", "longitude", "fatalities", "timestamp"}
)  # fmt: skip
_TOP = frozenset({"status", "success", "count", "data", "messages", "last_update", "filename"})
TERMS = (
    "ACLED Terms of Use and Attribution Policy (acleddata.com/terms-of-use): the data stays "
    "on the user's machine; cite ACLED as above; do not redistribute the raw rows"
)


@dataclass(frozen=True)
class AcledRequest:
    """What to ask ACLED for: its own filter names and values.

    Parameters
    ----------
    country : tuple of str
        Country names as ACLED writes them (``"Afghanistan"``); several are ORed.
    since, until : str, optional
        First and last ``event_date`` (``YYYY-MM-DD``).
    actor : tuple of str
        ``actor1`` values (ACLED matches a part of the name); several are ORed.
    event_type : tuple of str
        ``event_type`` values (``"Battles"``, ``"Explosions/Remote violence"``...).
    inter_num : bool, default False
        Ask for ``inter1``/``inter2``/``interaction`` as numbers (``inter_num=1``), as
        before 2025; by default they are text.
    filters : tuple of (str, str)
        Any other ACLED filter, as ``(name, value)`` (``("admin1", "Kabul")``).
    """

    country: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    actor: tuple[str, ...] = ()
    event_type: tuple[str, ...] = ()
    inter_num: bool = False
    filters: tuple[tuple[str, str], ...] = ()

    def params(self) -> dict[str, str]:
        """Return the query parameters of this request (paging left out)."""
        check_dates(self.since, self.until)
        check_filters(self.filters, ("page", "limit", "_format", "timestamp", "inter_num"))
        p: dict[str, str] = {"_format": "json"}
        if self.country:
            p["country"] = ":OR:".join(self.country)
        p.update(_dates(self.since, self.until))
        if self.actor:
            p["actor1"] = ":OR:".join(self.actor)
        if self.event_type:
            p["event_type"] = ":OR:".join(self.event_type)
        if self.inter_num:
            p["inter_num"] = "1"
        p.update(dict(self.filters))
        return p


def _dates(since: str | None, until: str | None) -> dict[str, str]:
    """Return ``event_date`` and ``event_date_where`` for a range, or a day on one side."""
    if since and until:
        return {"event_date": f"{since}|{until}", "event_date_where": "BETWEEN"}
    if since or until:
        return {"event_date": str(since or until), "event_date_where": ">=" if since else "<="}
    return {}


class _Api:
    """Authenticated GETs to ACLED: a refused token is renewed once, then said plainly."""

    def __init__(self, http: HttpClient, base: str, tokens: AcledTokens) -> None:
        self.http, self.base, self.tokens = http, base, tokens

    def get(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        for attempt in range(2):
            token = self.tokens.access(force=attempt > 0)
            try:
                answer = self.http.get_json(
                    self.base + path, params, {"Authorization": f"Bearer {token}"}
                )
                break
            except HttpStatusError as exc:
                if exc.status == 401 and attempt == 0:
                    self.http.retries["401"] = self.http.retries.get("401", 0) + 1
                    continue  # expired or revoked: a new token, once
                raise _refused(exc) from None
        if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
            keys = set(answer) if isinstance(answer, dict) else set()
            raise ApiChangedError(path, {"data"}, keys - _TOP, what="top-level keys")
        if answer.get("success") is False:
            raise FetchError(f"{path}: ACLED said: {answer.get('messages') or answer}")
        return answer["data"]


def _refused(exc: HttpStatusError) -> Exception:
    """Return the one line for a refusal: what to check."""
    detail = f": {exc.detail}" if exc.detail else ""
    if exc.status == 401:
        return AuthError(
            f"ACLED refused a new token for {exc.endpoint} (HTTP 401{detail}): check "
            "ACLED_USERNAME and ACLED_PASSWORD, and that your myACLED account has API access"
        )
    if exc.status == 403:
        return AuthError(
            f"ACLED refused access to {exc.endpoint} (HTTP 403{detail}): accept ACLED's terms "
            "of use and complete your profile at acleddata.com, and check that your account "
            "type includes API access and the countries and years asked for"
        )
    return exc


def _max_timestamp(path: Path) -> int:
    """Return the newest ``timestamp`` of an earlier download (rows changed since are fetched)."""
    newest = None
    with read_rows(path) as (header, rows):
        if "timestamp" not in header:
            raise UsageError(f"{path} has no timestamp column: it is not an ACLED download")
        for n, row in enumerate(rows, start=1):
            value = (row.get("timestamp") or "").strip()
            if not value:
                continue
            try:
                stamp = int(float(value))
            except ValueError:
                raise InputFileError(
                    str(path), "not a Unix time", row=n, column="timestamp"
                ) from None
            newest = stamp if newest is None else max(newest, stamp)
    if newest is None:
        raise UsageError(f"{path} has no row with a timestamp: download it afresh")
    return newest


def _pages(api: _Api, path: str, params: dict[str, Any], size: int) -> Any:
    """Return a ``read_page`` for :class:`Endpoint`: pages from 1, a short page the last."""

    def read(index: int) -> Page:
        rows = api.get(path, {**params, "page": index, "limit": size})
        return Page(rows, None, len(rows) < size)

    return read


def _deletions(api: _Api, since: int, size: int) -> set[str]:
    """Return the ``event_id_cnty`` ACLED deleted since ``since`` (a Unix time)."""
    params = {"_format": "json", "deleted_timestamp": since, "deleted_timestamp_where": ">="}
    read = _pages(api, DELETED, params, size)
    ids: set[str] = set()
    index = 1
    while True:
        page = read(index)
        for row in page.rows:
            if not isinstance(row, dict) or "event_id_cnty" not in row:
                got = set(row) if isinstance(row, dict) else set()
                raise ApiChangedError(DELETED, {"event_id_cnty"}, got - {"deleted_timestamp"})
            ids.add(str(row["event_id_cnty"]))
        if page.last:
            return ids
        index += 1


def fetch_acled(
    output: str | os.PathLike[str],
    *,
    request: AcledRequest | None = None,
    credentials: Credentials | None = None,
    update: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    options: FetchOptions | None = None,
) -> FetchResult:
    """Download ACLED events into a CSV in ACLED's own columns; return what was written.

    Parameters
    ----------
    output : path-like
        The CSV to write (refused if it exists, unless ``options.overwrite`` or it is
        ``update`` itself). ``<output>.source.json`` gets the citation and the request.
    request : AcledRequest, optional
        What to fetch; with ``update``, default the request recorded beside that file.
    credentials : Credentials, optional
        Default: ``ACLED_USERNAME`` (or ``ACLED_EMAIL``) and ``ACLED_PASSWORD`` from the
        environment, else from the OS keyring (service ``incidentmap``).
    update : path-like, optional
        An earlier ACLED download to bring up to date: rows whose ``timestamp`` is at least
        its newest are fetched and replace the rows of the same ``event_id_cnty``, new
        ones are added, and the events ACLED deleted since are removed.
    progress : callable, optional
        ``progress(rows, pages, None)`` after each page.
    options : FetchOptions, optional
        Base URL, page size, overwrite, retries.

    Returns
    -------
    FetchResult

    Raises
    ------
    AuthError
        Credentials missing or refused (the line says what to check).
    ApiChangedError
        The API answered with fields this version does not know.
    FetchError
        The API could not be read after the retries (run again to resume).
    """
    opts = options or FetchOptions()
    upd = Path(update) if update is not None else None
    if request is None:
        request = recorded_request(AcledRequest, upd, "ACLED")
    params = request.params()
    out = check_target(output, upd, opts.overwrite)
    base = (opts.base_url or ACLED_URL).rstrip("/")
    size = opts.page_size or PAGE_SIZE
    http = HttpClient(opts.retry)
    tokens = AcledTokens(http, base, credentials, cache=opts.cache_token)
    api = _Api(http, base, tokens)
    deletions = None
    extra: dict[str, Any] = {}
    if upd is not None:
        since = _max_timestamp(upd)
        params.update({"timestamp": str(since), "timestamp_where": ">="})
        extra["updated_since_timestamp"] = since
        deletions = lambda: _deletions(api, since, size)  # noqa: E731
    job = Job(
        publisher="ACLED",
        dataset="ACLED events",
        citation=PRESETS["acled"].citation,
        terms=TERMS,
        base_url=base,
        endpoint=Endpoint(READ, REQUIRED, COLUMNS, 1, _pages(api, READ, params, size)),
        request=request_dict(request),
        params=params,
        page_size=size,
        key=("event_id_cnty",),
        update_mode="incremental",
        deletions=deletions,
        extra=extra,
    )

    def notes() -> list[str]:
        if tokens.not_cached:
            return [f"the ACLED token could not be kept in the cache ({tokens.not_cached})"]
        return []

    return execute(
        job, out, update=upd, options=opts, progress=progress,
        retries=lambda: http.retries, notes=notes,
    )  # fmt: skip
