"""A reported fake account: where it is and what was seen are sealed; no reporter is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ImpostorStatus(StrEnum):
    """Where a reported fake account stands."""

    OPEN = "open"
    HANDLED = "handled"


@dataclass
class Impostor:
    """One report of a fake account. `box` seals its address and the note; the day is the
    only time kept, and nothing says who reported it."""

    id: str
    ref: str
    platform: str
    url_key: str
    """A keyed hash of the account's address: a second report of it is recognised without
    the address being kept in clear."""
    box: bytes
    reported_on: date
    status: ImpostorStatus = ImpostorStatus.OPEN
    handled_on: date | None = None
