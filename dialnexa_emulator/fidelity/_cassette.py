"""Cassettes: recorded exchanges with a target, in the VCR YAML form schemathesis writes.

`dialnexa-emulator record` appends one interaction per exchange as it happens, so a recorder that
is stopped (or killed) still leaves a cassette that reads. The keys are schemathesis' own
(`http_interactions`, each with `id`, `status`, `recorded_at`, `checks`, `request`, `response`), so
tools that read its cassettes read these; what replay needs beyond them sits under `x-dialnexa`:
whether it was an API request or a webhook delivery, the operation, the offset in seconds from the
start of the recording, and which kind of credentials the request carried (they are redacted).

Nothing secret is ever written: `Redactor` replaces credential and signature headers whole, and any
known secret (the target's key, a webhook secret, whatever token a request carried) wherever else it
appears, raw, JSON-escaped or percent-encoded.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, quote_plus

import yaml

REDACTED = "[redacted]"
# Headers whose whole value is a credential or is derived from one (a signature).
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-dialnexa-signature",
        "x-nexa-signature",
    }
)
FORMAT = "dialnexa-fidelity/1"

Kind = Literal["api", "webhook"]
Auth = Literal["run-key", "other-key", "malformed", "none"]


class CassetteError(ValueError):
    """A cassette that cannot be read; the message is one line naming the file."""


@dataclass(slots=True)
class Exchange:
    """One request and its answer: an API request the recorder forwarded, or a webhook delivery
    the target sent to the recorder (then `status` is what the recorder answered)."""

    kind: Kind
    method: str
    uri: str
    request_headers: dict[str, list[str]]
    request_body: str | None
    status: int
    reason: str
    response_headers: dict[str, list[str]]
    response_body: str | None
    offset_sec: float
    recorded_at: str = ""
    operation: str | None = None
    auth: Auth = "none"
    elapsed_sec: float = 0.0
    checks: list[dict[str, Any]] = field(default_factory=list)
    """`{name, status: SUCCESS|FAILURE|SKIP, message}` (schemathesis' names): the request's and
    the answer's conformance to the spec, a delivery's signature."""
    gaps: list[str] = field(default_factory=list)
    """What the target sent that the spec does not declare (a status, a field)."""
    request_base64: bool = False
    """`request_body` is the base64 of bytes that are not UTF-8 (schemathesis' `base64_string`)."""

    def request_bytes(self) -> bytes | None:
        if self.request_body is None:
            return None
        if self.request_base64:
            return base64.b64decode(self.request_body)
        return self.request_body.encode()

    @property
    def off_spec(self) -> list[str]:
        return [str(c["message"]) for c in self.checks if c["status"] == "FAILURE"]

    def json_body(self, *, request: bool = False) -> Any:
        """The response's (or request's) body parsed as JSON; None when absent or not JSON."""
        text = self.request_body if request else self.response_body
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    def header(self, name: str, *, request: bool = False) -> str | None:
        headers = self.request_headers if request else self.response_headers
        for key, values in headers.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None


@dataclass(slots=True)
class Cassette:
    target: str
    started_at: str
    exchanges: list[Exchange]
    command: str = ""


class Redactor:
    """Replaces secrets in everything written to a cassette."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Also replace `secret`; of a `Bearer kid:secret` token, the token and its secret."""
        secret = secret.strip()
        if secret.lower().startswith("bearer "):
            secret = secret[7:].strip()
        for part in (secret, secret.partition(":")[2]):
            if len(part) >= 4:  # shorter ones would scrub ordinary words; no real secret is
                self._secrets.add(part)

    def text(self, value: str) -> str:
        """`value` with every known secret replaced, in each form it may take in a request."""
        forms = sorted(
            {
                form
                for secret in self._secrets
                for form in (
                    secret,
                    json.dumps(secret)[1:-1],
                    quote(secret, safe=""),
                    quote_plus(secret),
                )
            },
            key=len,
            reverse=True,
        )
        for _ in range(8):  # a replacement next to the text around it could spell one again
            if not any(form in value for form in forms):
                return value
            for form in forms:
                value = value.replace(form, REDACTED)
        return REDACTED  # still there: nothing of it is kept

    def headers(self, headers: Mapping[str, list[str]]) -> dict[str, list[str]]:
        return {
            name: [REDACTED] if name.lower() in SECRET_HEADERS else [self.text(v) for v in values]
            for name, values in headers.items()
        }

    def exchange(self, exchange: Exchange) -> Exchange:
        exchange.uri = self.text(exchange.uri)
        exchange.request_headers = self.headers(exchange.request_headers)
        exchange.response_headers = self.headers(exchange.response_headers)
        if exchange.request_base64 and exchange.request_body is not None:
            raw = base64.b64decode(exchange.request_body).decode("latin-1")  # every byte a char
            scrubbed = self.text(raw).encode("latin-1", "replace")
            exchange.request_body = base64.b64encode(scrubbed).decode()
        elif exchange.request_body is not None:
            exchange.request_body = self.text(exchange.request_body)
        if exchange.response_body is not None:
            exchange.response_body = self.text(exchange.response_body)
        for check in exchange.checks:
            check["message"] = self.text(check["message"]) if check["message"] else None
        exchange.gaps = [self.text(gap) for gap in exchange.gaps]
        return exchange


def _interaction(number: int, exchange: Exchange) -> dict[str, Any]:
    failed = any(c["status"] == "FAILED" for c in exchange.checks)
    request: dict[str, Any] = {
        "uri": exchange.uri,
        "method": exchange.method,
        "headers": exchange.request_headers,
    }
    if exchange.request_body is not None:
        kind = "base64_string" if exchange.request_base64 else "string"
        request["body"] = {"encoding": "utf-8", kind: exchange.request_body}
    response: dict[str, Any] = {
        "status": {"code": str(exchange.status), "message": exchange.reason},
        "elapsed": str(round(exchange.elapsed_sec, 6)),
        "headers": exchange.response_headers,
    }
    if exchange.response_body is not None:
        response["body"] = {"encoding": "utf-8", "string": exchange.response_body}
    response["http_version"] = "1.1"
    return {
        "id": str(number),
        "status": "FAILURE" if failed else "SUCCESS",
        "metadata": None,
        "recorded_at": exchange.recorded_at,
        "checks": exchange.checks,
        "request": request,
        "response": response,
        "x-dialnexa": {
            "kind": exchange.kind,
            "operation": exchange.operation,
            "offset_sec": round(exchange.offset_sec, 3),
            "auth": exchange.auth,
            "gaps": exchange.gaps,
        },
    }


class CassetteWriter:
    """Appends interactions to a cassette file as they happen, each flushed at once."""

    def __init__(self, path: Path, *, target: str, started_at: str, command: str) -> None:
        self.path = path
        self._count = 0
        header = {
            "command": command,
            "recorded_with": "dialnexa-emulator record",
            "seed": None,
            "x-dialnexa": {"format": FORMAT, "target": target, "started_at": started_at},
        }
        self._file = path.open("w", encoding="utf-8")
        self._file.write(yaml.safe_dump(header, sort_keys=False, allow_unicode=True))
        self._file.write("http_interactions:\n")
        self._file.flush()

    @property
    def count(self) -> int:
        return self._count

    def write(self, exchange: Exchange) -> None:
        self._count += 1
        item = _interaction(self._count, exchange)
        self._file.write(yaml.safe_dump([item], sort_keys=False, allow_unicode=True, width=1000))
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def write_cassette(path: Path, cassette: Cassette) -> None:
    writer = CassetteWriter(
        path, target=cassette.target, started_at=cassette.started_at, command=cassette.command
    )
    try:
        for exchange in cassette.exchanges:
            writer.write(exchange)
    finally:
        writer.close()


def read_cassette(path: Path) -> Cassette:
    """The cassette at `path`; CassetteError (one line) if it cannot be read as one."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CassetteError(f"{path}: cannot read the cassette: {exc}".replace("\n", " ")) from None
    if not isinstance(document, dict) or "http_interactions" not in document:
        raise CassetteError(f"{path}: not a cassette (no http_interactions)")
    interactions = document["http_interactions"] or []  # none recorded yet
    if not isinstance(interactions, list):
        raise CassetteError(f"{path}: not a cassette (http_interactions is not a list)")
    meta = document.get("x-dialnexa") or {}
    exchanges = []
    for index, item in enumerate(interactions):
        try:
            exchanges.append(_exchange(item))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CassetteError(
                f"{path}: interaction {index + 1} is not one replay can use: {exc!r}"
            ) from None
    return Cassette(
        target=str(meta.get("target", "")),
        started_at=str(meta.get("started_at", "")),
        exchanges=exchanges,
        command=str(document.get("command", "")),
    )


def _exchange(item: Mapping[str, Any]) -> Exchange:
    """An interaction as `_interaction` writes it, or as schemathesis does (then an API request
    with no offset, which replay takes in order)."""
    request, response = item["request"], item["response"]
    body = request.get("body") or {}
    extra = item.get("x-dialnexa") or {}
    if response is None:
        raise ValueError("no response was recorded")
    return Exchange(
        kind=extra.get("kind", "api"),
        method=str(request["method"]).upper(),
        uri=str(request["uri"]),
        request_headers=_headers(request.get("headers")),
        request_body=body.get("string", body.get("base64_string")),
        status=int(response["status"]["code"]),
        reason=str(response["status"].get("message") or ""),
        response_headers=_headers(response.get("headers")),
        response_body=(response.get("body") or {}).get("string"),
        offset_sec=float(extra.get("offset_sec", 0.0)),
        recorded_at=str(item.get("recorded_at", "")),
        operation=extra.get("operation"),
        auth=extra.get("auth", "run-key"),
        elapsed_sec=float(response.get("elapsed") or 0.0),
        checks=list(item.get("checks") or []),
        gaps=[str(gap) for gap in extra.get("gaps") or []],
        request_base64="base64_string" in body,
    )


def _headers(headers: Any) -> dict[str, list[str]]:
    if not headers:
        return {}
    return {
        str(name): [str(v) for v in (values if isinstance(values, list) else [values])]
        for name, values in headers.items()
    }
