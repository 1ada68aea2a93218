"""The emulator's HTTP layer for the spec's operations: the router, the operations over HTTP,
request bodies and JSON answers. With `control/` the only parts that import Starlette; the app
that serves both is `dialnexa_emulator.app`."""

__all__: list[str] = []
