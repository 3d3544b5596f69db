"""The ``fetch`` job: a publisher's API into a CSV in the publisher's own columns.

One function per publisher (:func:`acled`, :func:`ucdp`, :func:`hapi`), each the library's
connector (:mod:`incidentmap.fetch`): credentials from the environment or the OS keyring,
paging to the end, retries, a resumable partial file, ``update`` of an earlier download,
the citation and the request written beside the file.
"""

from __future__ import annotations

from incidentmap.fetch import (
    AcledRequest,
    FetchOptions,
    FetchResult,
    HapiRequest,
    UcdpRequest,
)
from incidentmap.fetch import fetch_acled as acled
from incidentmap.fetch import fetch_hapi as hapi
from incidentmap.fetch import fetch_ucdp as ucdp
from incidentmap.fetch.run import recorded_request

__all__ = [
    "AcledRequest",
    "FetchOptions",
    "FetchResult",
    "HapiRequest",
    "UcdpRequest",
    "acled",
    "hapi",
    "recorded_request",
    "ucdp",
]
