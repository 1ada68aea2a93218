"""What a finding is: where in the spec, what changed, and whom it breaks."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Verdict(enum.StrEnum):
    """Whom a change breaks, worst first."""

    BREAKS_CLIENTS = "breaks-clients"
    BREAKS_SERVERS = "breaks-servers"
    COMPATIBLE = "compatible"

    @property
    def rank(self) -> int:
        return list(Verdict).index(self)


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    return min(verdicts, key=lambda v: v.rank, default=Verdict.COMPATIBLE)


@dataclass(frozen=True)
class Change:
    """One change. `where` names the operation and the part of it (or `components`, `info`);
    `field` the property path inside a schema ('' for the part itself). `docs_only` changes (a
    description, an example) leave the wire contract as it was. `pointer` is the JSON pointer of
    what changed as written in the new spec (in the old one when it was removed; '' when not
    known): the line a review annotation goes on."""

    verdict: Verdict
    where: str
    field: str
    message: str
    docs_only: bool = False
    pointer: str = ""

    def line(self) -> str:
        place = f"{self.where}: {self.field}" if self.field else self.where
        return f"{self.verdict:<15} {place}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {
            "verdict": str(self.verdict),
            "where": self.where,
            "field": self.field,
            "change": self.message,
            "docs_only": self.docs_only,
            "pointer": self.pointer,
        }
