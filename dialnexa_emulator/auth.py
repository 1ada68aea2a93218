"""API keys: `Authorization: Bearer <key_id>:<secret>`."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from .ratelimit import RateLimit
from .responses import ApiError

UNAUTHORIZED = "API key is missing or invalid"


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
        self._keys = {key.id: key for key in keys}

    def authenticate(self, authorization: str | None) -> ApiKey:
        """The key the header names, or 401; an unknown key id and a wrong secret look alike."""
        scheme, _, token = (authorization or "").partition(" ")
        key_id, _, secret = token.strip().partition(":")
        key = self._keys.get(key_id)
        # Compare even for an unknown key id, so timing does not tell which ids exist.
        expected = key.secret if key is not None else "\0unknown key id"
        secret_matches = hmac.compare_digest(secret.encode(), expected.encode())
        if key is None or not secret_matches or scheme.lower() != "bearer" or not secret:
            raise ApiError(401, UNAUTHORIZED)
        return key
