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
    total: int | None = None  # the row's own total, when it has one


@dataclass(frozen=True, slots=True)
class Chart:
    """A titled list of counts; `whole` makes each bar a share of it (e.g. people reached),
    `totals` each bar a share of its own row's total (e.g. completed of a department's)."""

    key: str
    title: str
    category: str  # what the rows are (the first column's heading)
    unit: str  # what the values count
    rows: tuple[tuple[str, int], ...]
    whole: int | None = None
    muted: frozenset[str] = frozenset()  # labels drawn in grey ("not yet")
    totals: tuple[int, ...] = ()  # one per row, when each row is a share of its own total

    @property
    def shares(self) -> bool:
        """True when each bar is a share (of the whole or of its row's total)."""
        return self.whole is not None or bool(self.totals)

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
        room = WIDTH - LABEL - VALUE
        if self.totals:
            return tuple(
                Bar(
                    label,
                    value,
                    value / total if total else None,
                    GAP + i * (BAR + GAP),
                    min(room, room * value / total) if total else 0.0,
                    label in self.muted,
                    total,
                )
                for i, ((label, value), total) in enumerate(
                    zip(self.rows, self.totals, strict=True)
                )
            )
        scale = self.whole if self.whole else max((v for _, v in self.rows), default=0)
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
        parts = [
            f"{b.label}: {b.value}"
            + (f" of {b.total}" if b.total is not None else "")
            + _pct(b.share)
            for b in self.bars
        ]
        return f"{self.title}. " + "; ".join(parts) + "."

    def csv(self) -> str:
        """The same figures as the table, one row per bar."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        header = [self.category.lower(), self.unit] + (["out of"] if self.totals else [])
        writer.writerow(header + (["share"] if self.whole or self.totals else []))
        for bar in self.bars:
            row = [cell(bar.label), str(bar.value)]
            if self.totals:
                row.append(str(bar.total))
            if self.whole or self.totals:
                row.append(f"{bar.share:.3f}" if bar.share is not None else "")
            writer.writerow(row)
        return out.getvalue()


def _pct(share: float | None) -> str:
    return f" ({share:.0%})" if share is not None else ""


def cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
