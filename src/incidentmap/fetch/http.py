"""HTTP for the publishers' APIs: the standard library's urllib, with retries and back-off.

A 429 (too many requests) or a 5xx answer, a dropped connection or a timeout is tried
again after a wait that doubles each time (``Retry-After`` honoured when the server sends
it), a bounded number of times; any other error status is raised at once as
:class:`HttpStatusError` for the publisher's module to turn into a clear line. Nothing
here logs a URL's query or a header: tokens and identifiers travel in them.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from incidentmap.fetch.errors import ApiChangedError, FetchError

__all__ = ["RETRY_STATUSES", "HttpClient", "HttpStatusError", "RetryPolicy"]

#: statuses that are tried again: rate limited, or the server failing for a while
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_USER_AGENT = "incidentmap (+https://github.com/incidentmap)"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before trying a request again.

    Parameters
    ----------
    attempts : int, default 6
        Tries in all (the first included) before giving up.
    base_delay : float, default 2.0
        Seconds before the second try; doubled before each next one.
    max_delay : float, default 120.0
        The longest wait between two tries, ``Retry-After`` included.
    timeout : float, default 120.0
        Seconds to wait for a server's answer.
    """

    attempts: int = 6
    base_delay: float = 2.0
    max_delay: float = 120.0
    timeout: float = 120.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed try number ``attempt`` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        return min(self.base_delay * 2**attempt, self.max_delay)


class HttpStatusError(FetchError):
    """A status that is not tried again (401, 403, 404, 400...) or the last of the retries.

    Parameters
    ----------
    status : int
        The HTTP status.
    endpoint : str
        The URL path (no query: it may hold credentials).
    detail : str
        The start of the answer's body, on one line.
    """

    def __init__(self, status: int, endpoint: str, detail: str = "") -> None:
        self.status = status
        self.endpoint = endpoint
        self.detail = detail
        tail = f": {detail}" if detail else ""
        super().__init__(f"{endpoint} answered HTTP {status}{tail}")


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


def _detail(body: bytes) -> str:
    """Return the first words of an error answer (its ``message`` or ``error`` if JSON)."""
    text = body[:2000].decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("error_description", "message", "error", "detail", "messages"):
            if data.get(key):
                text = str(data[key])
                break
    return " ".join(text.split())[:200]


def _cut_short(body: bytes) -> bool:
    """Tell a JSON answer cut in transit: it opens an object or a list and does not close it."""
    text = body.strip()
    pairs = {b"{"[0]: b"}"[0], b"["[0]: b"]"[0]}
    return bool(text) and text[0] in pairs and text[-1] != pairs[text[0]]


#: failures of the connection itself: the same request is tried again
_TRANSIENT = (
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    ConnectionError,
    TimeoutError,
    socket.timeout,
)


class HttpClient:
    """GET and POST with retries; JSON answers decoded.

    Parameters
    ----------
    policy : RetryPolicy
        Tries, waits and timeout.
    sleep : callable, optional
        The wait (default :func:`time.sleep`).
    """

    def __init__(self, policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep) -> None:
        self.policy = policy
        self._sleep = sleep
        #: requests tried again, by cause ("429", "503", "connection")
        self.retries: dict[str, int] = {}
        #: requests answered so far (a host that never answered cannot be resolved)
        self.answered = 0
        #: data requests (GET) answered so far: a token alone (ACLED's POST) fetched nothing
        self.data_answers = 0

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET ``url`` with the query ``params``; return the decoded JSON answer."""
        query = urllib.parse.urlencode(
            {k: v for k, v in (params or {}).items() if v is not None}, safe=":|,"
        )
        full = f"{url}?{query}" if query else url
        answer = self._whole_json(urllib.request.Request(full, headers=self._h(headers)), url)
        self.data_answers += 1
        return answer

    def post_form(self, url: str, form: Mapping[str, str]) -> Any:
        """POST ``form`` (``application/x-www-form-urlencoded``); return the decoded JSON."""
        data = urllib.parse.urlencode(form).encode()
        headers = self._h({"Content-Type": "application/x-www-form-urlencoded"})
        return self._whole_json(urllib.request.Request(url, data, headers), url)

    def _whole_json(self, request: urllib.request.Request, url: str) -> Any:
        """Send ``request`` and decode its JSON; an answer cut short is asked for again.

        A body that opens a JSON object or list and does not close it was cut in transit
        (a proxy, a dropped connection with a Content-Length that matched): a network
        fault, tried again as one, not an API that changed.
        """
        for attempt in range(self.policy.attempts):
            body = self._send(request)
            if not _cut_short(body):
                return self._json(body, url)
            self._count("cut short")
            if attempt + 1 < self.policy.attempts:
                self._sleep(self.policy.delay(attempt, None))
        endpoint = urllib.parse.urlsplit(url).path
        kept = ("the pages already fetched are kept: run the same command again to resume"
                if self.data_answers else "nothing was fetched")  # fmt: skip
        raise FetchError(
            f"{endpoint}: the answer was cut short {self.policy.attempts} times (JSON opened, "
            f"never closed: {len(body):,} bytes); {kept}"
        )

    @staticmethod
    def _h(headers: Mapping[str, str] | None) -> dict[str, str]:
        return {"User-Agent": _USER_AGENT, "Accept": "application/json", **(headers or {})}

    @staticmethod
    def _json(body: bytes, url: str) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            endpoint = urllib.parse.urlsplit(url).path
            raise ApiChangedError(endpoint, what="JSON (the answer is not JSON)") from None

    def _send(self, request: urllib.request.Request) -> bytes:
        endpoint = urllib.parse.urlsplit(request.full_url).path
        last = ""
        for attempt in range(self.policy.attempts):
            wait: float | None = None
            try:
                with urllib.request.urlopen(request, timeout=self.policy.timeout) as answer:
                    body = answer.read()
                self.answered += 1
                return body
            except urllib.error.HTTPError as exc:
                last, wait = self._status(exc, endpoint)
                if wait is not None and wait > self.policy.max_delay:
                    kept = "; the pages already fetched are kept" if self.data_answers else ""
                    raise FetchError(
                        f"{endpoint} answered {last} and asks to wait {wait:,.0f} s (the longest "
                        f"wait allowed is {self.policy.max_delay:,.0f} s): run the same command "
                        f"again later{kept}"
                    ) from None
            except urllib.error.URLError as exc:
                last = self._unreachable(exc, request.full_url, endpoint)
            except _TRANSIENT as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                self._count("connection")
            if attempt + 1 < self.policy.attempts:
                self._sleep(self.policy.delay(attempt, wait))
        host = urllib.parse.urlsplit(request.full_url).netloc
        then = ("the pages already fetched are kept: run the same command again to resume"
                if self.data_answers else "nothing was fetched")  # fmt: skip
        raise FetchError(
            f"{host}{endpoint} could not be read after {self.policy.attempts} tries "
            f"(last: {last}); {then}"
        )

    def _unreachable(self, exc: urllib.error.URLError, url: str, endpoint: str) -> str:
        """Raise a failure that waiting cannot mend; else count a retry and say it."""
        if not isinstance(exc.reason, (OSError, *_TRANSIENT)):
            raise FetchError(f"{endpoint}: {exc.reason}") from None
        never = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}
        reason = exc.reason
        if isinstance(reason, socket.gaierror) and reason.errno in never and not self.answered:
            parts = urllib.parse.urlsplit(url)
            proxy = urllib.request.getproxies().get(parts.scheme)  # the name looked up is its
            host = urllib.parse.urlsplit(proxy).hostname if proxy else parts.hostname
            via = f" (the {parts.scheme} proxy)" if proxy else ""
            raise FetchError(  # no network, or a wrong host: waiting will not mend it
                f"{host}{via}: the host name cannot be resolved ({reason.strerror or reason}); "
                "no network, or a wrong URL? nothing was fetched"
            ) from None
        self._count("connection")
        return str(exc.reason)

    def _status(self, exc: urllib.error.HTTPError, endpoint: str) -> tuple[str, float | None]:
        """Raise a status not tried again; else return what to say and how long to wait."""
        body = exc.read() if exc.fp is not None else b""
        detail = _detail(body)
        if exc.code not in RETRY_STATUSES:
            raise HttpStatusError(exc.code, endpoint, detail) from None
        self._count(str(exc.code))
        wait = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        return f"HTTP {exc.code}" + (f": {detail}" if detail else ""), wait

    def _count(self, cause: str) -> None:
        self.retries[cause] = self.retries.get(cause, 0) + 1
