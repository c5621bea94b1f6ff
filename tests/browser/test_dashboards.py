"""The progress dashboard in a real headless Chromium: the ECharts trend chart draws on its canvas, the rate
cards show the figures, a phone gets the same page, and a drill-down link opens the list behind a number."""

import re

import pytest

from tests.browser.test_web import (  # noqa: F401
    CHROMIUM,
    CHROMIUM_ARGS,
    browser,
    log_in,
    new_page,
    playwright_sync,
    pytestmark,
)
from wangge.quality import selectors
from wangge.quality.tests.test_views import work


@pytest.fixture
def site(transactional_db, live_server, world):
    work(world)
    return live_server.url


def test_the_dashboard_draws_its_trend_chart_and_drills_down(browser, site, world):  # noqa: F811
    page = new_page(browser)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, site, "district_admin", world.password)
    page.click(".mainnav >> text=进度质量")
    page.wait_for_url(re.compile(r"/quality/$"))

    chart = page.locator("#trend-chart")
    chart.locator("canvas").first.wait_for()
    assert chart.get_attribute("data-rendered") == "1"
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    # ECharts has painted something: the canvas is not blank.
    painted = page.evaluate(
        """() => {
            const canvas = document.querySelector('#trend-chart canvas');
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return true; }
            return false;
        }"""
    )
    assert painted
    assert errors == []

    figures = selectors.area_figures(user=world.users.district_admin, area=world.district)
    visit = page.locator("#rate-visit")
    assert f"{figures.rate('visit') * 100:.1f}%" in visit.inner_text()

    visit.locator("a.drill >> text=未访查").click()
    page.wait_for_url(re.compile(r"/addresses/\?"))
    rows = page.locator("#results tbody tr")
    assert rows.count() == figures.flats - figures.flats_visited


def test_the_dashboard_fits_a_phone(browser, site, world):  # noqa: F811
    page = new_page(browser, width=360, height=740)
    log_in(page, site, "grid_worker", world.password)
    page.goto(site + "/quality/")
    page.locator("#trend-chart canvas").first.wait_for()
    # Nothing sideways: the page is no wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert "海沧一格" in page.locator("h1").inner_text()
