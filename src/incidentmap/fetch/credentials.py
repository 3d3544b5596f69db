"""Credentials from the environment or the OS keyring, and ACLED's OAuth token.

Nothing here takes a secret from the command line, and nothing writes one to a log, an
error line or the request saved beside a download. ACLED's token (not the password) is
cached with its expiry in the user cache folder (a folder only the user can read), used
until it expires and then refreshed with the refresh token; the password is asked of the
environment only when no token will do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incidentmap._settings import cache_dir
from incidentmap.atomic import write_bytes
from incidentmap.errors import IncidentMapError, UsageError
from incidentmap.fetch.errors import ApiChangedError, AuthError
from incidentmap.fetch.http import HttpClient, HttpStatusError

__all__ = ["ENVIRONMENT", "KEYRING_SERVICE", "AcledTokens", "Credentials", "secret"]

#: the environment variables read, in order of preference for each credential
ENVIRONMENT = {
    "acled_username": ("ACLED_USERNAME", "ACLED_EMAIL"),
    "acled_password": ("ACLED_PASSWORD",),
    "ucdp_token": ("UCDP_ACCESS_TOKEN",),
    "hapi_app_identifier": ("HDX_APP_IDENTIFIER",),
}
#: the keyring service the same names are looked up under (``keyring set incidentmap NAME``)
KEYRING_SERVICE = "incidentmap"
#: seconds before its stated expiry a token is taken as expired (clocks differ)
_MARGIN = 60


@dataclass(frozen=True)
class Credentials:
    """Credentials given in code (each one left None is looked up in the environment).

    The secrets are left out of ``repr`` so that they never reach a log or a traceback.
    """

    acled_username: str | None = None
    acled_password: str | None = field(default=None, repr=False)
    ucdp_token: str | None = field(default=None, repr=False)
    hapi_app_identifier: str | None = field(default=None, repr=False)


def _keyring(name: str) -> str | None:
    """``name`` from the OS keyring, if the optional ``keyring`` package is installed."""
    try:
        import keyring  # optional
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, name) or None
    except Exception:  # no usable backend (a server without a keyring daemon)
        return None


def secret(credentials: Credentials | None, key: str) -> str | None:
    """One credential: given in code, else from the environment, else from the keyring.

    Parameters
    ----------
    credentials : Credentials or None
        What the caller gave.
    key : str
        A field of :class:`Credentials` (``"acled_password"``).

    Returns
    -------
    str or None
    """
    given = getattr(credentials, key, None) if credentials is not None else None
    if given:
        return str(given)
    for name in ENVIRONMENT[key]:
        value = os.environ.get(name)
        if value:
            return value
    for name in ENVIRONMENT[key]:
        value = _keyring(name)
        if value:
            return value
    return None


def need(credentials: Credentials | None, key: str, what: str) -> str:
    """:func:`secret`, or a :class:`UsageError` naming where to put it."""
    value = secret(credentials, key)
    if value is None:
        names = " or ".join(ENVIRONMENT[key])
        raise UsageError(
            f"{what} is not set: export {names} (or store it with `keyring set "
            f"{KEYRING_SERVICE} {ENVIRONMENT[key][0]}`); credentials are never taken on the "
            "command line"
        )
    return value


class AcledTokens:
    """ACLED's OAuth token: cached with its expiry, refreshed, obtained by password grant.

    Parameters
    ----------
    http : HttpClient
        Where the token requests go.
    base_url : str
        ``https://acleddata.com`` or a mirror; the token is kept per base URL and user.
    credentials : Credentials or None
        As given to the fetch function.
    cache : bool, default True
        Keep the token in the user cache folder between runs.
    """

    CLIENT_ID = "acled"
    PATH = "/oauth/token"

    def __init__(
        self, http: HttpClient, base_url: str, credentials: Credentials | None, cache: bool = True
    ) -> None:
        self.http = http
        self.url = base_url.rstrip("/") + self.PATH
        self.credentials = credentials
        self.username = need(credentials, "acled_username", "the ACLED username (e-mail)")
        key = hashlib.sha256(f"{self.url}\n{self.username}".encode()).hexdigest()[:16]
        self.path = cache_dir() / "fetch" / f"acled-token-{key}.json" if cache else None
        self.token: dict[str, Any] = self._load()
        #: tokens obtained this run, by grant ("password", "refresh_token")
        self.grants: dict[str, int] = {}
        #: why the token could not be kept (the cache folder cannot be written), or None
        self.not_cached: str | None = None

    def access(self, *, force: bool = False) -> str:
        """Return a valid access token; ``force`` gets a new one (the old one was refused)."""
        tok = self.token
        if not force and tok.get("access_token") and tok.get("expires_at", 0) > time.time():
            return str(tok["access_token"])
        if tok.get("refresh_token"):
            try:
                return self._grant({"grant_type": "refresh_token",
                                    "refresh_token": tok["refresh_token"]})  # fmt: skip
            except AuthError:
                pass  # the refresh token expired too (14 days): log in again
        password = need(self.credentials, "acled_password", "the ACLED password")
        return self._grant(
            {"grant_type": "password", "username": self.username, "password": password}
        )

    def _grant(self, form: dict[str, str]) -> str:
        try:
            answer = self.http.post_form(self.url, {**form, "client_id": self.CLIENT_ID})
        except HttpStatusError as exc:
            if exc.status in (400, 401, 403):
                if form["grant_type"] == "refresh_token":
                    raise AuthError(str(exc)) from None
                raise AuthError(
                    f"ACLED did not accept the username and password (HTTP {exc.status} from "
                    f"{exc.endpoint}: {exc.detail or 'no detail'}): check ACLED_USERNAME (the "
                    "e-mail of your myACLED account) and ACLED_PASSWORD"
                ) from None
            raise
        if not isinstance(answer, dict) or not answer.get("access_token"):
            got = sorted(answer) if isinstance(answer, dict) else []
            raise ApiChangedError(self.PATH, {"access_token"} - set(got), what="token fields")
        expires = float(answer.get("expires_in") or 86400)
        self.token = {
            "access_token": answer["access_token"],
            "refresh_token": answer.get("refresh_token") or self.token.get("refresh_token"),
            "expires_at": time.time() + expires - _MARGIN,
        }
        self.grants[form["grant_type"]] = self.grants.get(form["grant_type"], 0) + 1
        self._save()
        return str(answer["access_token"])

    def _load(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self) -> None:
        if self.path is None:
            return
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder.chmod(0o700)  # the file holds a token: a folder only the user can open
            write_bytes(self.path, json.dumps(self.token).encode())
            self.path.chmod(0o600)
        except (OSError, IncidentMapError) as exc:
            self.not_cached = " ".join(str(exc).split())[:200]
            with contextlib.suppress(OSError):
                Path(self.path).unlink()
