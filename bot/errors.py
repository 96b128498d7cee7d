"""What the features' services raise for a person's input they cannot take: each feature
names its own (`stories.service.Invalid`, ...) on this one, and its presenter explains it."""

from __future__ import annotations

from collections.abc import Mapping


class Invalid(ValueError):
    """What was filled in has problems: `errors` says, by field, what to correct."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)
