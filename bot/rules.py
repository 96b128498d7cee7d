"""What every feature's content rules share: strict, frozen models and the id pattern of
`content/`. Each feature's own rules live in its package (`bot/features/<name>/rules.py`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Strict(BaseModel):
    """A content model that refuses unknown keys and never changes once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
