"""API-key guard: X-API-Key checked against SHA-256 digests in Settings.api_keys, with scopes per route."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from omnirec.settings import ApiKey, Settings

HEADER = "X-API-Key"
SCOPE_OPT = "scope"  # route handlers declare the scope they need: opt={"scope": "recommend"}


def digest(key: str) -> str:
    """The SHA-256 hex digest stored in settings for a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A random key and its digest (for `omnirec serve` key generation)."""
    key = "ork_" + secrets.token_urlsafe(32)
    return key, digest(key)


class KeyRing:
    """The configured keys. Lookup compares digests in constant time and always checks every key."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.auth_enabled
        self._keys = settings.api_keys

    def find(self, presented: str) -> ApiKey | None:
        wanted = digest(presented).encode()
        found = None
        for key in self._keys:
            if hmac.compare_digest(wanted, key.sha256.lower().encode()):
                found = key
        return found


async def api_key_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """401 without a known key, 403 when the key lacks the route's scope; routes without a scope are open.

    Async although it never awaits: Litestar runs a sync guard in a worker thread, twice per request.
    """
    scope = handler.opt.get(SCOPE_OPT)
    keyring: KeyRing = connection.app.state.keyring
    if scope is None or not keyring.enabled:
        return
    presented = connection.headers.get(HEADER)
    if not presented:
        raise NotAuthorizedException(f"missing {HEADER} header", headers={"WWW-Authenticate": HEADER})
    key = keyring.find(presented)
    if key is None:
        raise NotAuthorizedException(f"unknown API key in {HEADER}", headers={"WWW-Authenticate": HEADER})
    if scope not in key.scopes:
        raise PermissionDeniedException(f"API key {key.name!r} lacks the {scope!r} scope this route needs")
    connection.state.api_key = key.name
