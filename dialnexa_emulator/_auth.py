"""API keys: `Authorization: Bearer <key_id>:<secret>`."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._ratelimit import RateLimit

UNAUTHORIZED = "API key is missing or invalid"
# RFC 9110 §11.6.1: a 401 names the scheme that would succeed.
CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    secret: str
    workspace_id: str
    rate_limit: RateLimit | None = None

    @property
    def token(self) -> str:
        return f"{self.id}:{self.secret}"


class KeyRing:
    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._digests = [(key, _digest(key.token)) for key in keys]

    def authenticate(self, authorization: str | None) -> ApiKey:
        """The key the header names, or 401.

        The token's digest is compared with every key's in constant time, with no early exit, so
        the time taken depends only on how many keys there are: neither it nor the answer (one
        401 for every failure) tells a known key id from an unknown one. Digests, not tokens, so
        the comparison does not reveal a secret's length either.
        """
        scheme, _, token = (authorization or "").partition(" ")
        presented = _digest(token.strip())
        found = None
        for key, digest in self._digests:
            if hmac.compare_digest(presented, digest):
                found = key
        if found is None or scheme.lower() != "bearer":
            raise ApiError(401, UNAUTHORIZED, CHALLENGE)
        return found


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
