"""Who may use the control plane: the checks every `/_emulator/` request passes before its route.

A web page the emulator's user visits can send requests to it: a form POST or a `fetch` (which a
browser sends before asking anyone), and, through DNS rebinding, requests with a Host of the page's
own. So, in this order:

1. `control_plane` "off" hides every route (404); "loopback" refuses other peers (403).
2. The Host header must name the address it serves (`Emulator.control_hosts`: loopback names and
   literals, the bound host, `--allow-host`); None accepts any, for an app in process, which no
   network request can reach.
3. No cross-site request: an `Origin` other than the emulator's own origin (scheme and Host), or a
   `Sec-Fetch-Site` other than `same-origin` / `none` (a typed URL), is refused.
4. A writing request (POST, PUT, PATCH, DELETE) sends a JSON body or none at all: what a form or a
   `fetch` without a CORS preflight can send (urlencoded, multipart, text/plain) is a 415.
5. With a token (`--control-token`, `[control_plane] token`), `Authorization: Bearer <token>`.

Every refusal is DialNexa's envelope with the reason, and a warning in the log.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request

from dialnexa_emulator._errors import ApiError

if TYPE_CHECKING:
    from dialnexa_emulator._emulator import Emulator

logger = logging.getLogger("dialnexa_emulator")

_WRITING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_OWN_FETCH_SITES = frozenset({"same-origin", "none"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CHALLENGE = 'Bearer realm="dialnexa-emulator control plane"'


def refusal(emulator: Emulator, request: Request) -> ApiError | None:
    """Why the control plane must not answer `request`, or None; the checks above, in order."""
    if emulator.control_plane == "off":
        return ApiError(404, f"Cannot {request.method} {request.url.path}")
    problem = _problem(emulator, request)
    if problem is None:
        return None
    status, message = problem
    logger.warning("control plane refused %s %s: %s", request.method, request.url.path, message)
    if status == 401:
        return ApiError(status, message, {"WWW-Authenticate": _CHALLENGE})
    return ApiError(status, message)


def _problem(emulator: Emulator, request: Request) -> tuple[int, str] | None:
    if emulator.control_plane == "loopback" and not _from_loopback(request):
        return 403, "The emulator's control plane only answers loopback clients"
    headers = request.headers
    host = headers.get("host")
    if emulator.control_hosts is not None:
        name = _host_name(host)
        if name is None or not _allowed(name, emulator.control_hosts):
            return 403, (
                f"The emulator's control plane does not answer for Host {host!r}; it answers "
                f"for {', '.join(sorted(emulator.control_hosts))} (add one with --allow-host)"
            )
    cross_site = _cross_site(headers, request.url.scheme, host)
    if cross_site is not None:
        return 403, f"The emulator's control plane refuses {cross_site}"
    if request.method in _WRITING:
        not_json = _not_json(headers)
        if not_json is not None:
            return 415, not_json
    token = emulator.control_token
    if token is not None and not _has_token(headers, token):
        return 401, (
            "The emulator's control plane needs its token: Authorization: Bearer <token> "
            "(--control-token or [control_plane] token)"
        )
    return None


def _from_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _host_name(host: str | None) -> str | None:
    """The name in a Host header (`name`, `name:port`, `[v6]:port`); None if it has none."""
    if not host:
        return None
    try:
        name = urlsplit(f"//{host}").hostname
    except ValueError:
        return None
    return name or None


def _allowed(name: str, hosts: frozenset[str]) -> bool:
    if name in hosts:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback  # 127.0.0.2 is as local as 127.0.0.1
    except ValueError:
        return False


def _cross_site(headers: Headers, scheme: str, host: str | None) -> str | None:
    """What makes the request cross-site, or None when it is from the emulator's own origin."""
    site = headers.get("sec-fetch-site")
    if site is not None and site.lower() not in _OWN_FETCH_SITES:
        return f"a {site} request (Sec-Fetch-Site); use it from its own origin"
    origin = headers.get("origin")
    if origin is not None and not _same_origin(origin, scheme, host):
        return f"a request from another origin ({origin}); use it from its own origin"
    return None


def _same_origin(origin: str, scheme: str, host: str | None) -> bool:
    """Whether `origin` is `scheme://host` (a default port written or not)."""
    if host is None:
        return False
    try:
        theirs = urlsplit(origin)
        ours = urlsplit(f"{scheme}://{host}")
        return (
            theirs.scheme.lower() == ours.scheme.lower()
            and theirs.hostname == ours.hostname
            and (theirs.port or _DEFAULT_PORTS.get(theirs.scheme.lower()))
            == (ours.port or _DEFAULT_PORTS.get(ours.scheme.lower()))
            and theirs.path in ("", "/")
        )
    except ValueError:  # "null", or a port that is not a number
        return False


def _not_json(headers: Headers) -> str | None:
    """Why a writing request's body is not one the control plane reads, or None."""
    content_type = headers.get("content-type")
    if content_type is None:
        length = headers.get("content-length", "0")
        if length.strip() not in ("", "0") or "transfer-encoding" in headers:
            return "A body sent to the control plane needs Content-Type: application/json"
        return None
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type != "application/json":
        return (
            "The control plane reads JSON bodies only (Content-Type: application/json), "
            f"not {media_type or content_type!r}"
        )
    return None


def _has_token(headers: Headers, token: str) -> bool:
    scheme, _, given = headers.get("authorization", "").partition(" ")
    # Compared in constant time, and as bytes: a non-ASCII guess must not raise.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
