"""HDX HAPI's conflict events: ACLED's monthly counts per district, by event type.

``GET {base}/api/v2/coordination-context/conflict-events`` with ``location_code`` (ISO3),
``event_type`` (``political_violence``, ``civilian_targeting``, ``demonstration``),
``start_date``/``end_date``, ``app_identifier`` (base64 of ``app_name:email``, see the
``encode_app_identifier`` endpoint), ``output_format=json`` and ``limit``/``offset``
(at most 10,000 rows a request). The rows are in ``data``; a page shorter than ``limit``
is the last. A row counts the events of one type in one area and month: incidentmap
reads them with the ``weight`` filter set to ``events``. The CSV carries, like HDX's own HAPI
files, the HXL hashtag row under the header (``#date+start`` names the date).
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incidentmap.errors import UsageError
from incidentmap.fetch.credentials import Credentials, need
from incidentmap.fetch.errors import ApiChangedError, AuthError
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

__all__ = ["HAPI_URL", "HapiRequest", "fetch_hapi"]

HAPI_URL = "https://hapi.humdata.org"
PATH = "/api/v2/coordination-context/conflict-events"
PAGE_SIZE = 10000
#: the fields of a conflict-event row (HAPI v2)
COLUMNS = (
    "location_code", "location_name", "admin1_code", "admin1_name", "admin2_code",
    "admin2_name", "admin_level", "resource_hdx_id", "event_type", "events", "fatalities",
    "reference_period_start", "reference_period_end",
)  # fmt: skip
REQUIRED = frozenset(
    {"location_code", "admin1_code", "admin1_name", "admin2_code", "admin2_name",
     "event_type", "events", "fatalities", "reference_period_start", "reference_period_end"}
)  # fmt: skip
#: the HXL hashtags of HDX's HAPI files: the row under the header names the roles (the
#: date is ``reference_period_start``, a count table of ``events``)
HXL = {
    "location_code": "#country+code", "location_name": "#country+name",
    "admin1_code": "#adm1+code", "admin1_name": "#adm1+name", "admin2_code": "#adm2+code",
    "admin2_name": "#adm2+name", "event_type": "#event+type", "events": "#indicator+events",
    "fatalities": "#affected+killed", "reference_period_start": "#date+start",
    "reference_period_end": "#date+end",
}  # fmt: skip
EVENT_TYPES = ("political_violence", "civilian_targeting", "demonstration")
#: a row is one area, event type and month
KEY = ("location_code", "admin1_code", "admin2_code", "event_type", "reference_period_start")
CITATION = (
    "HDX HAPI conflict events (OCHA Centre for Humanitarian Data), from Armed Conflict "
    "Location & Event Data Project (ACLED); www.acleddata.com"
)
TERMS = "ACLED's terms of use apply to these counts (acleddata.com/terms-of-use); cite both"


def app_identifier(value: str) -> str:
    """Return the identifier as HAPI wants it: base64 of ``app_name:email``."""
    try:
        if ":" in base64.b64decode(value, validate=True).decode():
            return value
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    if ":" not in value:
        raise UsageError(
            "HDX_APP_IDENTIFIER must be base64 of 'app_name:email' (or 'app_name:email' itself)"
        )
    return base64.b64encode(value.encode()).decode()


@dataclass(frozen=True)
class HapiRequest:
    """What to ask HDX HAPI for.

    Parameters
    ----------
    country : str, default "AFG"
        ``location_code``, an ISO3 code.
    since, until : str, optional
        ``start_date``/``end_date`` (``YYYY-MM-DD``).
    event_type : str, optional
        ``political_violence``, ``civilian_targeting`` or ``demonstration``.
    filters : tuple of (str, str)
        Any other filter of the endpoint (``("admin1_code", "AF01")``).
    """

    country: str = "AFG"
    since: str | None = None
    until: str | None = None
    event_type: str | None = None
    filters: tuple[tuple[str, str], ...] = ()

    def params(self) -> dict[str, str]:
        """Return the query parameters (paging and identifier left out)."""
        check_dates(self.since, self.until)
        check_filters(self.filters, ("limit", "offset", "app_identifier", "output_format"))
        code = self.country.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise UsageError(f"HAPI names a country by its ISO3 code (AFG), not {self.country!r}")
        p = {"location_code": code, "output_format": "json"}
        if self.event_type is not None:
            if self.event_type not in EVENT_TYPES:
                raise UsageError(
                    f"HAPI event type must be one of {', '.join(EVENT_TYPES)}, "
                    f"not {self.event_type!r}"
                )
            p["event_type"] = self.event_type
        if self.since:
            p["start_date"] = self.since
        if self.until:
            p["end_date"] = self.until
        p.update(dict(self.filters))
        return p


def _pages(http: HttpClient, base: str, params: dict[str, str], app: str, size: int) -> Any:
    """Return a ``read_page`` for :class:`Endpoint`: ``offset`` in steps of ``limit``."""

    def read(index: int) -> Page:
        query = {**params, "app_identifier": app, "limit": size, "offset": index * size}
        try:
            answer = http.get_json(base + PATH, query)
        except HttpStatusError as exc:
            if exc.status in (401, 403):  # "Missing app identifier", "Invalid app identifier"
                raise AuthError(
                    f"HDX HAPI refused {PATH} (HTTP {exc.status}: {exc.detail or 'no detail'}):"
                    " check HDX_APP_IDENTIFIER (base64 of 'app_name:email', from HAPI's "
                    "encode_app_identifier endpoint)"
                ) from None
            raise
        if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
            keys = set(answer) if isinstance(answer, dict) else set()
            raise ApiChangedError(PATH, {"data"} - keys, keys - {"data"}, what="top-level keys")
        rows = answer["data"]
        return Page(rows, None, len(rows) < size)

    return read


def fetch_hapi(
    output: str | os.PathLike[str],
    *,
    request: HapiRequest | None = None,
    credentials: Credentials | None = None,
    update: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    options: FetchOptions | None = None,
) -> FetchResult:
    """Download HDX HAPI conflict events into a CSV in HAPI's own columns.

    Parameters
    ----------
    output : path-like
        The CSV to write; ``<output>.source.json`` gets the citation and the request.
    request : HapiRequest, optional
        What to fetch (default Afghanistan, every month and type); with ``update``, default
        the request recorded beside that file.
    credentials : Credentials, optional
        Default: ``HDX_APP_IDENTIFIER`` from the environment, else the OS keyring.
    update : path-like, optional
        An earlier HAPI download: fetched again whole (HAPI has no change dates) and
        compared by area, event type and month: new, changed and deleted rows are counted.
    progress : callable, optional
        ``progress(rows, pages, None)`` after each page.
    options : FetchOptions, optional
        Base URL, page size (at most 10,000), overwrite, retries.

    Returns
    -------
    FetchResult
    """
    opts = options or FetchOptions()
    upd = Path(update) if update is not None else None
    if request is None:
        request = recorded_request(HapiRequest, upd, "HDX HAPI")
    params = request.params()
    out = check_target(output, upd, opts.overwrite)
    app = app_identifier(need(credentials, "hapi_app_identifier", "the HDX HAPI app identifier"))
    base = (opts.base_url or HAPI_URL).rstrip("/")
    size = min(opts.page_size or PAGE_SIZE, PAGE_SIZE)
    http = HttpClient(opts.retry)
    job = Job(
        publisher="HDX HAPI",
        dataset="HDX HAPI conflict events (monthly counts per area and event type)",
        citation=CITATION,
        terms=TERMS,
        base_url=base,
        endpoint=Endpoint(
            PATH, REQUIRED, COLUMNS, 0, _pages(http, base, params, app, size), hxl=HXL
        ),
        request=request_dict(request),
        params=params,
        page_size=size,
        key=KEY,
        update_mode="complete",
    )
    return execute(job, out, update=upd, options=opts, progress=progress,
                   retries=lambda: http.retries)  # fmt: skip
