"""The control plane under `/_emulator/`: read and steer the emulator from a test.

Not part of DialNexa's API and not in its spec: described by `control_plane.yaml` instead, which
also validates its requests. Bodies are JSON, errors DialNexa's envelope.

To add a route: describe its operation in control_plane.yaml, and answer it by operationId in
the handlers `control_routes` passes to `described_routes` (a test fails for a route served but
not described). A route built otherwise goes through `control_route`, for the same guard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

from dialnexa_emulator.control._handlers import HANDLERS
from dialnexa_emulator.control._routing import PREFIX, control_route, described_routes
from dialnexa_emulator.control._webhooks import WEBHOOK_HANDLERS

if TYPE_CHECKING:
    from dialnexa_emulator._emulator import Emulator

__all__ = ["PREFIX", "control_route", "control_routes"]


def control_routes(emulator: Emulator) -> list[Route]:
    """Every route of the control plane, all described in control_plane.yaml."""
    return described_routes(emulator, {**HANDLERS, **WEBHOOK_HANDLERS})
