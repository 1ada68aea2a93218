"""The exception an injected `drop_after_commit` fault raises: apart, because it needs httpx,
which the served emulator imports only when such a fault fires."""

import httpx


class ConnectionDropped(httpx.RemoteProtocolError):
    """The connection was closed before the response: an injected `drop_after_commit` fault.

    Raised out of the app after the request has taken effect. Over HTTP the server closes the
    connection, so the client raises its own transport error; in process (httpx.ASGITransport,
    Starlette's TestClient) this exception itself reaches the caller, as the same kind of
    `httpx.TransportError` a real dropped connection gives. Its `.request` is not set.
    """
