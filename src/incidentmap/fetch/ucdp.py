"""UCDP's GED API: events of one data version, by country (Gleditsch-Ward code) and dates.

``GET {base}/api/gedevents/{version}?pagesize=..&page=..`` with the filters ``Country``
(Gleditsch-Ward codes, comma-separated: Afghanistan is 700), ``StartDate``/``EndDate``
(``YYYY-MM-DD``), ``TypeOfViolence`` (1 state-based, 2 non-state, 3 one-sided) and
``Actor`` (UCDP actor ids); since February 2026 a token in the ``x-ucdp-access-token``
header. The answer holds ``TotalCount``, ``TotalPages``, ``PreviousPageUrl``,
``NextPageUrl`` and the rows in ``Result``. The first page asked for is ``page=0``; the
next is the ``page`` that ``NextPageUrl`` names (so that whether the API counts from 0 or
from 1 does not matter), asked of the base URL given (the token goes nowhere else).
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incidentmap.errors import UsageError
from incidentmap.fetch.credentials import Credentials, need
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
from incidentmap.schema import PRESETS

__all__ = ["UCDP_URL", "UcdpRequest", "fetch_ucdp"]

UCDP_URL = "https://ucdpapi.pcr.uu.se"
PAGE_SIZE = 1000
#: the fields of a GED event (codebook 24.1/25.1)
COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
    "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2",
    "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip
REQUIRED = frozenset(
    {"id", "type_of_violence", "side_a", "side_b", "where_prec", "latitude", "longitude",
     "date_prec", "date_start", "date_end", "best"}
)  # fmt: skip
_TOP = frozenset({"TotalCount", "TotalPages", "PreviousPageUrl", "NextPageUrl", "Result"})
#: country names and ISO codes to Gleditsch-Ward codes (the API takes the codes only)
GW_CODES = {"afghanistan": "700", "afg": "700", "af": "700"}
VIOLENCE = {"state-based": "1", "non-state": "2", "one-sided": "3"}
TERMS = "UCDP data are open (CC BY 4.0): cite the dataset and its version as above"


def _gw(value: str) -> str:
    code = GW_CODES.get(value.strip().lower(), value.strip())
    if not code.isdigit():
        raise UsageError(
            f"UCDP names a country by its Gleditsch-Ward code (Afghanistan is 700), not {value!r}"
        )
    return code


def _check_version(version: str) -> None:
    if not version or not all(p.isdigit() for p in version.split(".")):
        raise UsageError(
            f"`version`: UCDP's must be like 25.1 or 25.0.11, not {version!r}", field="version"
        )


def _violence(types: tuple[str, ...]) -> str:
    """Return ``TypeOfViolence``: codes 1-3, from the codes or their names."""
    codes = [VIOLENCE.get(t.lower(), t) for t in types]
    if not all(c in VIOLENCE.values() for c in codes):
        raise UsageError(
            "UCDP type of violence must be 1 (state-based), 2 (non-state) or 3 (one-sided), "
            f"not {', '.join(types)}"
        )
    return ",".join(codes)


@dataclass(frozen=True)
class UcdpRequest:
    """What to ask UCDP's GED API for.

    Parameters
    ----------
    version : str
        The GED version (``"25.1"`` yearly, ``"25.0.11"`` a monthly candidate release):
        every URL names one.
    country : tuple of str
        Gleditsch-Ward codes (``"700"``; ``"Afghanistan"`` and ``"AFG"`` are taken too).
    since, until : str, optional
        ``StartDate``/``EndDate`` (``YYYY-MM-DD``).
    type_of_violence : tuple of str
        ``1``/``state-based``, ``2``/``non-state``, ``3``/``one-sided``.
    actor : tuple of str
        UCDP actor ids (numbers).
    filters : tuple of (str, str)
        Any other filter of the API (``("Dyad", "...")``).
    """

    version: str
    country: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    type_of_violence: tuple[str, ...] = ()
    actor: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()

    def params(self) -> dict[str, str]:
        """Return the query parameters (paging left out)."""
        check_dates(self.since, self.until)
        check_filters(self.filters, ("page", "pagesize"))
        _check_version(self.version)
        p: dict[str, str] = {}
        if self.country:
            p["Country"] = ",".join(_gw(c) for c in self.country)
        if self.since:
            p["StartDate"] = self.since
        if self.until:
            p["EndDate"] = self.until
        if self.type_of_violence:
            p["TypeOfViolence"] = _violence(self.type_of_violence)
        if self.actor:
            if not all(a.isdigit() for a in self.actor):
                raise UsageError("UCDP filters actors by their UCDP ids (numbers), not names")
            p["Actor"] = ",".join(self.actor)
        p.update(dict(self.filters))
        return p


def _refused(exc: HttpStatusError, version: str) -> Exception:
    detail = f": {exc.detail}" if exc.detail else ""
    if exc.status in (401, 403):
        return AuthError(
            f"UCDP refused {exc.endpoint} (HTTP {exc.status}{detail}): check UCDP_ACCESS_TOKEN "
            "(a token is asked of the API maintainer, see ucdp.uu.se/apidocs)"
        )
    if exc.status == 404:
        return FetchError(
            f"UCDP has no GED version {version!r} ({exc.endpoint} answered 404): see "
            "ucdp.uu.se/apidocs for the versions"
        )
    return exc


def _pages(http: HttpClient, base: str, path: str, params: dict[str, str], token: str) -> Any:
    """Return a ``read_page`` for :class:`Endpoint`: from page 0, as ``NextPageUrl`` says."""
    version = path.rsplit("/", 1)[-1]

    def read(index: int) -> Page:
        try:
            answer = http.get_json(
                base + path, {**params, "page": index}, {"x-ucdp-access-token": token}
            )
        except HttpStatusError as exc:
            raise _refused(exc, version) from None
        if not isinstance(answer, dict) or not isinstance(answer.get("Result"), list):
            keys = set(answer) if isinstance(answer, dict) else set()
            raise ApiChangedError(path, {"Result"} - keys, keys - _TOP, what="top-level keys")
        total = answer.get("TotalPages")
        total = int(total) if isinstance(total, (int, float)) else None
        rows = answer["Result"]
        after = _next_index(answer.get("NextPageUrl"), index)
        return Page(rows, total, after is None or not rows, after)

    return read


def _next_index(url: object, index: int) -> int | None:
    """Return the ``page`` the ``NextPageUrl`` names (None: this page is the last)."""
    if not url or not isinstance(url, str):
        return None
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    value = {k.lower(): v for k, v in query.items()}.get("page", "")
    return int(value) if value.isdigit() and int(value) > index else index + 1


def fetch_ucdp(
    output: str | os.PathLike[str],
    *,
    request: UcdpRequest | None = None,
    credentials: Credentials | None = None,
    update: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    options: FetchOptions | None = None,
) -> FetchResult:
    """Download UCDP GED events into a CSV in GED's own columns; return what was written.

    Parameters
    ----------
    output : path-like
        The CSV to write; ``<output>.source.json`` gets the citation and the request.
    request : UcdpRequest, optional
        What to fetch; with ``update``, default the request recorded beside that file
        (give one with a newer ``version`` to move the file to it).
    credentials : Credentials, optional
        Default: ``UCDP_ACCESS_TOKEN`` from the environment, else the OS keyring.
    update : path-like, optional
        An earlier UCDP download: the request is fetched again whole (UCDP has no change
        dates) and compared with it by ``id``: new, changed and deleted rows are counted.
    progress : callable, optional
        ``progress(rows, pages, total_pages)`` after each page.
    options : FetchOptions, optional
        Base URL, page size (at most 1000), overwrite, retries.

    Returns
    -------
    FetchResult
    """
    opts = options or FetchOptions()
    upd = Path(update) if update is not None else None
    if request is None:
        request = recorded_request(UcdpRequest, upd, "UCDP")
    params = request.params()
    out = check_target(output, upd, opts.overwrite)
    token = need(credentials, "ucdp_token", "the UCDP access token")
    base = (opts.base_url or UCDP_URL).rstrip("/")
    size = min(opts.page_size or PAGE_SIZE, PAGE_SIZE)
    params["pagesize"] = str(size)
    http = HttpClient(opts.retry)
    path = f"/api/gedevents/{request.version}"
    job = Job(
        publisher="UCDP",
        dataset=f"UCDP Georeferenced Event Dataset (GED) version {request.version}",
        citation=PRESETS["ucdp"].citation,
        terms=TERMS,
        base_url=base,
        endpoint=Endpoint(path, REQUIRED, COLUMNS, 0, _pages(http, base, path, params, token)),
        request=request_dict(request),
        params=params,
        page_size=size,
        key=("id",),
        update_mode="complete",
    )
    return execute(job, out, update=upd, options=opts, progress=progress,
                   retries=lambda: http.retries)  # fmt: skip
