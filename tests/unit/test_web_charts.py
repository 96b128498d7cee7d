"""Server-side charts: bars measured right, the same figures as CSV, no formulas in cells."""

from __future__ import annotations

from adapters.web.charts import LABEL, VALUE, WIDTH, Chart
from adapters.web.render import left, pct

ROOM = WIDTH - LABEL - VALUE


def test_bars_are_shares_of_the_whole_or_of_the_largest() -> None:
    shares = Chart("t", "Training", "Status", "people", (("Done", 3), ("Not yet", 1)), whole=4)
    done, rest = shares.bars
    assert (done.share, rest.share) == (0.75, 0.25)
    assert done.width == ROOM * 0.75 and rest.y > done.y
    counts = Chart("c", "Cases", "Severity", "cases", (("High", 2), ("Normal", 4), ("Low", 0)))
    assert [b.width for b in counts.bars] == [ROOM / 2, ROOM, 0.0]
    assert [b.share for b in counts.bars] == [None, None, None]
    empty = Chart("e", "Nothing", "Status", "people", (("Done", 0), ("Not yet", 0)), whole=0)
    assert [b.width for b in empty.bars] == [0.0, 0.0]
    assert "Done: 0; Not yet: 0" in empty.summary
    over = Chart("o", "More than the whole", "Status", "people", (("Answered", 7),), whole=5)
    assert over.bars[0].width == ROOM  # never drawn past the edge


def test_the_csv_has_the_table_figures_and_no_formulas() -> None:
    chart = Chart("x", "X", "Department", "people", (("=HYPERLINK(1)", 2), ("Sales", 3)), whole=5)
    assert chart.csv().splitlines() == [
        "department,people,share",
        "'=HYPERLINK(1),2,0.400",
        "Sales,3,0.600",
    ]


def test_figures_read_as_people_say_them() -> None:
    from datetime import timedelta

    assert pct(None) == "n/a" and pct(0.444) == "44%"
    assert left(timedelta(days=1, hours=23, minutes=5)) == "in 1 d 23 h"
    assert left(-timedelta(hours=1)) == "1 h ago"
    assert left(timedelta(seconds=20)) == "in 1 min"
    assert left(timedelta(days=3)) == "in 3 d"


def test_bars_can_each_be_a_share_of_their_own_total() -> None:
    chart = Chart(
        "d", "Completed", "Department", "completed", (("Sales", 2), ("Empty", 0)), totals=(3, 0)
    )
    sales, empty = chart.bars
    assert (sales.share, sales.total, sales.width) == (2 / 3, 3, ROOM * 2 / 3)
    assert (empty.share, empty.width) == (None, 0.0)
    assert "Sales: 2 of 3 (67%)" in chart.summary
    assert chart.csv().splitlines() == [
        "department,completed,out of,share",
        "Sales,2,3,0.667",
        "Empty,0,0,",
    ]
