"""The overview page over HTTP, as HR, a manager and a handler see it, and its CSV files."""

from __future__ import annotations

from tests.e2e.web.conftest import Site


async def test_hr_sees_every_section_with_a_chart_a_table_and_a_csv(site: Site) -> None:
    page = await site.sign_in("hana@example.com")
    for heading in ("Needs attention now", "Policy version", "Training", "Open cases"):
        assert f">{heading}" in page
    assert "Latest survey" in page
    for key in ("acknowledgements", "training", "cases", "survey"):
        assert f'href="/dashboard/charts/{key}.csv"' in page
        assert f'aria-labelledby="chart-{key}-alt"' in page  # the drawing has its text
    assert page.count('<table class="figures">') == 4
    assert "secret content" not in page  # no case content, ever
    status, csv = await site.get("/dashboard/charts/acknowledgements.csv")
    assert status == 200
    assert csv.splitlines() == ["status,people,share", "Acknowledged,4,0.444", "Not yet,5,0.556"]
    status, csv = await site.get("/dashboard/charts/cases.csv")
    assert csv.splitlines() == ["severity,cases", "Critical,1", "High,1", "Normal,1"]
    status, _ = await site.get("/dashboard/charts/nothing.csv")
    assert status == 404


async def test_a_manager_sees_their_reports_only_and_no_cases(site: Site) -> None:
    page = await site.sign_in("mona@example.com")
    assert "Training: your direct reports" in page
    assert "1 of the 3" in page and "direct reports of yours" in page
    assert "Open cases" not in page and "Latest survey" not in page
    assert "Needs attention now" not in page
    status, csv = await site.get("/dashboard/charts/training.csv")
    assert csv.splitlines() == ["status,people,share", "Completed,2,0.667", "Not yet,1,0.333"]
    status, _ = await site.get("/dashboard/charts/cases.csv")
    assert status == 404  # not a chart of theirs


async def test_a_handler_sees_case_clocks_but_not_the_case_they_are_excluded_from(
    site: Site,
) -> None:
    link = await site.link("hal@example.com")
    assert link.startswith(site.url)
    page = await site.sign_in("hal@example.com")
    assert "R-CRIT01" in page and "R-HIGH01" in page
    assert "R-NORM01" not in page
    assert 'id="training-heading"' not in page and "Acknowledgements of" not in page
