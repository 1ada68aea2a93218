"""The emulator's HTTP layer: the Starlette app, its router, request bodies and JSON answers.
The only part of the emulator's API side that imports Starlette."""

from dialnexa_emulator.web._app import create_app

__all__ = ["create_app"]
