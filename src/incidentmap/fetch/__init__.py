"""Download incidents straight from the publishers' APIs, in the publishers' own layouts.

One function per publisher, each writing a CSV that every reader, preset and merge rule of
incidentmap takes as it takes a file downloaded by hand, with the dataset's citation and
the request (never a credential) in ``<output>.source.json``:

- :func:`fetch_acled`: ACLED's API (OAuth), with ``update`` applying new and changed rows
  (by ``timestamp``) and ACLED's deletions to an earlier download;
- :func:`fetch_ucdp`: UCDP's GED API (a token, a data version);
- :func:`fetch_hapi`: HDX HAPI's conflict events (an app identifier).

Credentials come from the environment (``ACLED_USERNAME``/``ACLED_PASSWORD``,
``UCDP_ACCESS_TOKEN``, ``HDX_APP_IDENTIFIER``) or the OS keyring. Pages are kept in
``<output>.part`` as they arrive: an interrupted download resumes when run again.
"""

from __future__ import annotations

from incidentmap.fetch.acled import ACLED_URL, AcledRequest, fetch_acled
from incidentmap.fetch.credentials import ENVIRONMENT, KEYRING_SERVICE, Credentials
from incidentmap.fetch.errors import ApiChangedError, AuthError, FetchError
from incidentmap.fetch.hapi import HAPI_URL, HapiRequest, fetch_hapi
from incidentmap.fetch.http import RetryPolicy
from incidentmap.fetch.run import FetchOptions, FetchResult, Progress
from incidentmap.fetch.ucdp import UCDP_URL, UcdpRequest, fetch_ucdp
from incidentmap.fetch.update import UpdateCounts

__all__ = [
    "ACLED_URL",
    "ENVIRONMENT",
    "HAPI_URL",
    "KEYRING_SERVICE",
    "UCDP_URL",
    "AcledRequest",
    "ApiChangedError",
    "AuthError",
    "Credentials",
    "FetchError",
    "FetchOptions",
    "FetchResult",
    "HapiRequest",
    "Progress",
    "RetryPolicy",
    "UcdpRequest",
    "UpdateCounts",
    "fetch_acled",
    "fetch_hapi",
    "fetch_ucdp",
]
