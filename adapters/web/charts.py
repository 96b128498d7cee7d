"""Bar charts drawn on the server as SVG, with the same figures as a table and as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

WIDTH, LABEL, BAR, GAP, VALUE = 420, 150, 22, 10, 70


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar, placed: its label, value, share of the whole, and where it is drawn."""

    label: str
    value: int
    share: float | None
    y: int
    width: float
    muted: bool


@dataclass(frozen=True, slots=True)
class Chart:
    """A titled list of counts; `whole` makes each bar a share of it (e.g. people reached)."""

    key: str
    title: str
    category: str  # what the rows are (the first column's heading)
    unit: str  # what the values count
    rows: tuple[tuple[str, int], ...]
    whole: int | None = None
    muted: frozenset[str] = frozenset()  # labels drawn in grey ("not yet")

    @property
    def height(self) -> int:
        """The drawing's height in pixels."""
        return GAP + len(self.rows) * (BAR + GAP)

    @property
    def width(self) -> int:
        """The drawing's width in pixels."""
        return WIDTH

    @property
    def label_width(self) -> int:
        """Where the bars start."""
        return LABEL

    @property
    def bars(self) -> tuple[Bar, ...]:
        """The rows, measured against the largest (or against the whole)."""
        scale = self.whole if self.whole else max((v for _, v in self.rows), default=0)
        room = WIDTH - LABEL - VALUE
        return tuple(
            Bar(
                label,
                value,
                value / self.whole if self.whole else None,
                GAP + i * (BAR + GAP),
                min(room, room * value / scale) if scale else 0.0,
                label in self.muted,
            )
            for i, (label, value) in enumerate(self.rows)
        )

    @property
    def summary(self) -> str:
        """The figures in one sentence, the drawing's text alternative."""
        parts = [f"{b.label}: {b.value}" + _pct(b.share) for b in self.bars]
        return f"{self.title}. " + "; ".join(parts) + "."

    def csv(self) -> str:
        """The same figures as the table, one row per bar."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        header = [self.category.lower(), self.unit] + (["share"] if self.whole else [])
        writer.writerow(header)
        for bar in self.bars:
            row = [cell(bar.label), str(bar.value)]
            if self.whole:
                row.append(f"{bar.share:.3f}" if bar.share is not None else "")
            writer.writerow(row)
        return out.getvalue()


def _pct(share: float | None) -> str:
    return f" ({share:.0%})" if share is not None else ""


def cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
