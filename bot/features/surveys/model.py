"""Survey campaigns: a survey sent to an audience between two days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.model import Person


@dataclass
class Campaign:
    """A survey sent to an audience (everyone, or one department) between two days."""

    id: str
    survey_id: str
    audience: str  # "everyone", or department names joined with commas
    opens_on: date
    closes_on: date
    closed: bool = False
    invited: bool = False
    reminded: bool = False
    definition: dict[str, Any] | None = None
    """A survey written for this campaign on the dashboard (as `content/surveys.yaml` holds
    one), or None for a survey of the content."""

    def is_open(self, today: date) -> bool:
        """True while answers are accepted."""
        return not self.closed and self.opens_on <= today <= self.closes_on

    def includes(self, person: Person) -> bool:
        """True when `person` is in the audience."""
        return self.audience == "everyone" or (
            person.department is not None and person.department in self.audience.split(",")
        )
