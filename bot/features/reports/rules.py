"""Backlash reports: the categories, severities, clocks and routes `content/reports.yaml` sets,
validated on load."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.rules import Strict

_GROUPS = ("hr", "handler", "manager", "admin")


class Severity(Strict):
    """How fast a severity must be acknowledged and answered."""

    label: str = Field(min_length=1)
    acknowledge_hours: float | None = Field(default=None, gt=0)
    acknowledge_working_days: int | None = Field(default=None, gt=0)
    feedback_hours: float = Field(gt=0, le=24 * 90)


class Route(Strict):
    """Categories ("*" for any) and the handler groups their reports go to."""

    categories: tuple[str, ...] = Field(min_length=1)
    groups: tuple[str, ...] = Field(min_length=1)

    @field_validator("groups")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [g for g in value if g not in _GROUPS]
        if unknown:
            raise ValueError(f"unknown group(s) {unknown}; use {list(_GROUPS)}")
        return value


class ReportRules(Strict):
    """Categories, deadlines, routing and retention of backlash reports."""

    emergency: str = Field(min_length=20)
    categories: dict[str, str] = Field(min_length=1)
    severities: dict[str, Severity] = Field(min_length=1)
    routes: tuple[Route, ...] = Field(min_length=1)
    escalation: tuple[str, ...] = ("hr",)
    retention_days: int = Field(default=1095, ge=30)

    def severity(self, key: str) -> Severity:
        """The rule of a severity. A case keeps the severity it was filed with; if content no
        longer has it, the most urgent rule applies, so the case is never chased later."""
        return self.severities.get(key) or self.most_urgent

    @property
    def most_urgent(self) -> Severity:
        """The severity acknowledged soonest (working days count as 24 hours each)."""

        def hours(rule: Severity) -> float:
            return rule.acknowledge_hours or 24.0 * (rule.acknowledge_working_days or 1)

        return min(self.severities.values(), key=lambda r: (hours(r), r.feedback_hours))

    def severity_label(self, key: str) -> str:
        """How a case's severity is shown, also when content no longer has it."""
        rule = self.severities.get(key)
        return rule.label if rule else f"{key} (no longer in reports.yaml)"

    def category_label(self, key: str) -> str:
        """How a case's category is shown, also when content no longer has it."""
        return self.categories.get(key) or f"{key} (no longer in reports.yaml)"

    def groups_for(self, category: str) -> tuple[str, ...]:
        """The handler groups of the first route that matches `category`."""
        for route in self.routes:
            if category in route.categories or "*" in route.categories:
                return route.groups
        return ("hr",)
