"""What a download from a publisher's API can fail on, each said in one line.

Every class derives from :class:`incidentmap.errors.DownloadError` (so from
:class:`~incidentmap.errors.IncidentMapError` and :class:`OSError`): the CLI prints the
message as one ``Error: ...`` line and exits with 1.
"""

from __future__ import annotations

from collections.abc import Iterable

from incidentmap.errors import DownloadError

__all__ = ["ApiChangedError", "AuthError", "FetchError"]


class FetchError(DownloadError):
    """A publisher's API could not be read (network, server errors after the retries)."""


class AuthError(FetchError):
    """The publisher refused the credentials (HTTP 401/403) or none were given."""


class ApiChangedError(FetchError):
    """The API answered with a shape this version of incidentmap does not know.

    Parameters
    ----------
    endpoint : str
        The URL path that answered (``/api/acled/read``).
    missing, unexpected : iterable of str
        Fields expected and not given; fields given and not expected.
    what : str, default "fields"
        What the names are ("fields", "top-level keys").
    """

    def __init__(
        self,
        endpoint: str,
        missing: Iterable[str] = (),
        unexpected: Iterable[str] = (),
        what: str = "fields",
    ) -> None:
        self.endpoint = endpoint
        self.missing = sorted(missing)
        self.unexpected = sorted(unexpected)
        parts = []
        if self.missing:
            parts.append(f"without the {what} {', '.join(self.missing)}")
        if self.unexpected:
            parts.append(f"with {what} not seen before ({', '.join(self.unexpected)})")
        super().__init__(
            f"{endpoint} answered {' and '.join(parts) or 'in an unknown shape'}: the API has "
            "changed; check for a newer incidentmap, or report it with this line"
        )
