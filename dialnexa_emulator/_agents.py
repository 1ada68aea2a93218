"""Agents and their versions: which version a call runs with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dialnexa_emulator._errors import ApiError


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    greeting: str  # the agent's opening line; `{{variable}}` placeholders come from metadata
    versions: Mapping[int, bool]  # version number → published

    @property
    def published(self) -> list[int]:
        return sorted(number for number, published in self.versions.items() if published)

    def version_for(self, requested: int | None) -> int:
        """The version a call runs with: the one requested, or the latest published one."""
        published = self.published
        if requested is None:
            if not published:
                raise ApiError(
                    400,
                    f"Agent {self.id} has no published version. Publish one before placing a call.",
                )
            return published[-1]
        if requested not in self.versions:
            listed = ", ".join(map(str, published)) or "none"
            raise ApiError(
                404, f"Agent {self.id} has no version {requested}. Published versions: {listed}."
            )
        if not self.versions[requested]:
            raise ApiError(
                400,
                f"Version {requested} of agent {self.id} is a draft. "
                "Publish it before placing a call.",
            )
        return requested
