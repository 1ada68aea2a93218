"""How faithful the emulator is to the real DialNexa: record a target, replay against the emulator.

`dialnexa-emulator record --target URL` serves a validating recorder in front of a target (a
sandbox): `Recorder`, an ASGI app. `dialnexa-emulator replay CASSETTE` replays what it wrote
against a fresh emulator and scores it: `replay(read_cassette(path))` and `render(result, form)`.
See docs/fidelity.md.
"""

from dialnexa_emulator.fidelity._cassette import (
    Cassette,
    CassetteError,
    Exchange,
    Redactor,
    read_cassette,
    write_cassette,
)
from dialnexa_emulator.fidelity._cli import main
from dialnexa_emulator.fidelity._compare import Comparison, Difference
from dialnexa_emulator.fidelity._record import Recorder, RecordOptions
from dialnexa_emulator.fidelity._replay import Result, replay
from dialnexa_emulator.fidelity._report import render, summary

__all__ = [
    "Cassette",
    "CassetteError",
    "Comparison",
    "Difference",
    "Exchange",
    "RecordOptions",
    "Recorder",
    "Redactor",
    "Result",
    "main",
    "read_cassette",
    "render",
    "replay",
    "summary",
    "write_cassette",
]
