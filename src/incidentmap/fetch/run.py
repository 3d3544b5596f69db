"""One download from page to published file, whatever the publisher.

A publisher's module describes its endpoint (:class:`Endpoint`: how to read page ``n``,
which fields a row must have) and its request (:class:`Job`); :func:`run_job` pages to the
end through :class:`~incidentmap.fetch.store.Partial` (so an interrupted run resumes),
checks every row has the fields the first one had, publishes the file (or applies it to
the file being updated) and writes the citation and request beside it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from incidentmap.atomic import check_output
from incidentmap.errors import UsageError
from incidentmap.fetch.errors import ApiChangedError
from incidentmap.fetch.http import RetryPolicy
from incidentmap.fetch.store import Partial, cell, fingerprint, publish, write_source
from incidentmap.fetch.update import UpdateCounts, merge_incremental, replace_complete

__all__ = ["Endpoint", "FetchOptions", "FetchResult", "Job", "Page", "Progress", "run_job"]

#: ``progress(rows, pages, total_pages)``: called after each page (totals include pages
#: fetched by an earlier, interrupted run); ``total_pages`` is None when the API does not say
Progress = Callable[[int, int, "int | None"], None]


@dataclass(frozen=True)
class FetchOptions:
    """How to download (what to download is the request).

    Parameters
    ----------
    base_url : str, optional
        The API's address (default the publisher's own); a mirror, or a test server.
    page_size : int, optional
        Rows asked for per page (default the publisher's largest: ACLED 5000, UCDP 1000,
        HAPI 10000).
    overwrite : bool, default False
        Replace the output if it exists.
    retry : RetryPolicy
        Retries and waits on 429/5xx and dropped connections.
    cache_token : bool, default True
        Keep ACLED's OAuth token (not the password) in the user cache folder between runs.
    """

    base_url: str | None = None
    page_size: int | None = None
    overwrite: bool = False
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cache_token: bool = True


@dataclass(frozen=True)
class FetchResult:
    """What a fetch wrote.

    Attributes
    ----------
    path : pathlib.Path
        The file written.
    publisher : str
        ``ACLED``, ``UCDP`` or ``HDX HAPI``.
    rows, pages : int
        Rows and pages fetched (those of an interrupted run included).
    resumed_pages : int
        Pages taken from the partial file of an interrupted run (0 when started afresh).
    source : pathlib.Path
        The citation and request, beside the file.
    update : UpdateCounts or None
        What ``update`` changed (None for a new download).
    retries : dict of str to int
        Requests tried again, by cause (``"429"``, ``"503"``, ``"connection"``, ``"401"``).
    notes : tuple of str
        Anything else worth saying (the token could not be cached...).
    """

    path: Path
    publisher: str
    rows: int
    pages: int
    resumed_pages: int
    source: Path
    update: UpdateCounts | None = None
    retries: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page:
    """One page of an API's answer (``next_index``: the next page's number, if it says)."""

    rows: list[dict[str, Any]]
    total_pages: int | None
    last: bool
    next_index: int | None = None


@dataclass(frozen=True)
class Endpoint:
    """A paged endpoint: where it is, what a row holds, how to read page ``n``."""

    path: str
    required: frozenset[str]
    columns: tuple[str, ...]
    first_page: int
    read_page: Callable[[int], Page]
    #: HXL hashtags by column, for a publisher whose files carry an HXL row (HDX)
    hxl: Mapping[str, str] | None = None


@dataclass
class Job:
    """One publisher's download: the endpoint, the request (no secrets), what to cite."""

    publisher: str
    dataset: str
    citation: str
    terms: str
    base_url: str
    endpoint: Endpoint
    request: dict[str, Any]
    params: dict[str, Any]
    page_size: int
    key: tuple[str, ...]
    update_mode: Literal["incremental", "complete"]
    #: ids deleted since the file was written (ACLED), asked for once the rows are in
    deletions: Callable[[], set[str]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_target(output: str | os.PathLike[str], update: Path | None, overwrite: bool) -> Path:
    """Refuse a bad output before any request: not CSV, or existing without ``overwrite``."""
    out = Path(output)
    if out.suffix.lower() != ".csv":
        raise UsageError(f"{out}: fetch writes the publisher's CSV; name the output .csv")
    in_place = update is not None and out.resolve() == update.resolve()
    check_output(out, overwrite=overwrite or in_place)
    return out


def download(
    endpoint: Endpoint, part: Partial, progress: Progress | None, key: Sequence[str] = ()
) -> None:
    """Page to the end into ``part``, resuming where an earlier run stopped.

    A row whose ``key`` came on an earlier page is not written again: when the publisher
    adds rows while the pages are read, the pages shift and repeat rows; each is kept once
    (counted in ``part.state.duplicates``).
    """
    st = part.state
    index = st.next_page if st.next_page is not None else endpoint.first_page
    once = _Once(part, key)
    tell = progress or (lambda rows, pages, total: None)
    if st.pages:
        tell(st.rows, st.pages, st.total_pages)
    while not st.done:
        page = endpoint.read_page(index)
        # no row yet (an empty answer): the documented fields make the header
        columns = st.columns or _columns(endpoint, page.rows) or list(endpoint.columns)
        _check_rows(endpoint, columns, page.rows)
        rows = once(page.rows)
        st.duplicates += len(page.rows) - len(rows)
        index = page.next_index if page.next_index is not None else index + 1
        part.append(
            columns, rows, next_page=index, total_pages=page.total_pages, done=page.last,
            hxl=endpoint.hxl,
        )  # fmt: skip
        tell(st.rows, st.pages, st.total_pages)


class _Once:
    """Keep the rows whose key no earlier row had (the partial file's rows included)."""

    def __init__(self, part: Partial, key: Sequence[str]) -> None:
        self.key = tuple(key)
        self.seen = {tuple(r.get(c, "") for c in self.key) for r in part.rows()} if key else set()

    def __call__(self, rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
        if not self.key:
            return rows
        out = []
        for row in rows:
            k = tuple(cell(row.get(c)) for c in self.key)
            if k not in self.seen:
                self.seen.add(k)
                out.append(row)
        return out


def _columns(endpoint: Endpoint, rows: Sequence[Any]) -> list[str] | None:
    """Return the columns: the fields of the first row as the API orders them."""
    if not rows:
        return None
    columns = list(rows[0])
    missing = endpoint.required - set(columns)
    if missing:
        raise ApiChangedError(endpoint.path, missing, set(columns) - set(endpoint.columns))
    return columns


def _check_rows(endpoint: Endpoint, columns: list[str] | None, rows: Sequence[Any]) -> None:
    """Every row has the fields of the first (a file has one header)."""
    if not rows:
        return
    want = set(columns or ())
    for row in rows:
        if not isinstance(row, dict):
            raise ApiChangedError(endpoint.path, what="rows (a row is not an object)")
        if row.keys() != want:
            raise ApiChangedError(endpoint.path, want - row.keys(), row.keys() - want)


def run_job(
    job: Job,
    output: Path,
    *,
    update: Path | None,
    overwrite: bool,
    progress: Progress | None,
) -> tuple[Partial, UpdateCounts | None, Path]:
    """Download ``job`` into ``output`` (or apply it to ``update``); write the source file."""
    in_place = update is not None and output.resolve() == update.resolve()
    key = fingerprint({"url": job.base_url + job.endpoint.path, "params": job.params,
                       "page_size": job.page_size, "update": str(update)})  # fmt: skip
    part = Partial(output, key)
    download(job.endpoint, part, progress, job.key)
    state = part.state
    counts = None
    if update is None:
        publish(part, output, overwrite=overwrite)
    elif job.update_mode == "incremental":
        deleted = job.deletions() if job.deletions is not None else set()
        counts = merge_incremental(
            update, part, job.key, deleted, output, overwrite=overwrite or in_place
        )
        job.extra["deletions_listed"] = len(deleted)
    else:
        counts = replace_complete(update, part, job.key, output, overwrite=overwrite or in_place)
    info = {
        "publisher": job.publisher,
        "dataset": job.dataset,
        "citation": job.citation,
        "terms": job.terms,
        "retrieved": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "url": job.base_url + job.endpoint.path,
        "request": job.request,
        "parameters": job.params,
        "page_size": job.page_size,
        "rows": counts.rows if counts is not None else state.rows,
        "pages": state.pages,
        "rows_given_twice": state.duplicates,
        **job.extra,
    }
    if counts is not None:
        info["update"] = {"of": str(update), **counts.__dict__}
    return part, counts, write_source(output, info)


def execute(
    job: Job,
    output: Path,
    *,
    update: Path | None,
    options: FetchOptions,
    progress: Progress | None,
    retries: Callable[[], Mapping[str, int]],
    notes: Callable[[], Sequence[str]] = tuple,
) -> FetchResult:
    """:func:`run_job`, and the :class:`FetchResult` of it."""
    part, counts, source = run_job(
        job, output, update=update, overwrite=options.overwrite, progress=progress
    )
    twice = part.state.duplicates
    said = [
        f"{twice:,} rows came twice (the publisher added rows while the pages were read, "
        "which shifted them): each is kept once; rows added meanwhile come with the next "
        "`update`"
    ] if twice else []  # fmt: skip
    return FetchResult(
        path=output,
        publisher=job.publisher,
        rows=part.state.rows,
        pages=part.state.pages,
        resumed_pages=part.state.resumed_pages,
        source=source,
        update=counts,
        retries=dict(retries()),
        notes=(*said, *notes()),
    )


def request_dict(request: Any) -> dict[str, Any]:
    """Return a request dataclass as JSON-ready values (tuples as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in request.__dict__.items()}


def recorded_request(kind: type, update: Path | None, publisher: str) -> Any:
    """Return the request saved beside the file being updated (``<file>.source.json``)."""
    from incidentmap.fetch.store import read_source

    info = read_source(update) if update is not None else None
    if info is None or info.get("publisher") != publisher or "request" not in info:
        where = f" ({update}.source.json not found)" if update is not None else ""
        raise UsageError(f"no {publisher} request given{where}: say what to fetch")
    fields = set(kind.__dataclass_fields__)
    return kind(**{k: _tuples(v) for k, v in info["request"].items() if k in fields})


def _tuples(value: Any) -> Any:
    """Return JSON lists as the tuples a request holds (nested for filters)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def check_dates(since: str | None, until: str | None) -> None:
    """Refuse a date that is not ``YYYY-MM-DD``, or a range that ends before it starts."""
    from datetime import date

    days = []
    for name, value in (("since", since), ("until", until)):
        if value is None:
            continue
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            raise UsageError(
                f"`{name}` must be a day as YYYY-MM-DD, not {value!r}", field=name
            ) from None
    if len(days) == 2 and days[0] > days[1]:
        raise UsageError(f"`since` ({since}) is after `until` ({until})", field="since")


def check_filters(filters: Sequence[tuple[str, str]], reserved: Sequence[str]) -> None:
    """Refuse an extra filter that names a parameter the fetch sets itself."""
    for name, _ in filters:
        if not name.replace("_", "").isalnum():
            raise UsageError(f"filter name {name!r} is not a parameter name")
        if name in reserved:
            raise UsageError(f"filter {name!r} is set by incidentmap (use its own option)")
