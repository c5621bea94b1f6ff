"""The printable page in a real headless Chromium (Debian's): printed, it has no navigation, A4 landscape
pages, and each level starts on a page of its own."""

import os
import re

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures are plain sync code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Set to a directory to keep screenshots and the PDF for a look by eye.
KEEP = os.environ.get("WANGGE_REPORT_SHOTS", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (.ci/run installs it)"
    ),
]


@pytest.fixture
def page(transactional_db, live_server, world, campaign):
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + "/")
        page.fill("#id_username", "district_admin")
        page.fill("#id_password", world.password)
        page.click("form button[type=submit] >> text=登录")
        page.wait_for_url(live_server.url + "/")
        page.site = live_server.url
        yield page
        browser.close()


def test_printed_the_report_has_no_navigation_and_a_page_per_level(page, world, campaign, tmp_path):
    page.goto(f"{page.site}/reports/{world.district.code}/{campaign.today.isoformat()}/print/")
    assert page.locator(".mainnav").is_visible()
    assert page.locator("h1.report-title").inner_text() == "海沧区网格化基础信息采集日报"
    if KEEP:
        page.screenshot(path=os.path.join(KEEP, "report-print-screen.png"), full_page=True)

    page.emulate_media(media="print")
    assert not page.locator(".mainnav").is_visible()
    assert not page.locator(".topbar").is_visible()
    assert not page.locator("[data-print]").is_visible()
    assert page.locator(".report-table").first.is_visible()
    levels = page.locator("section.report-level")
    assert levels.count() == 5
    breaks = [levels.nth(i).evaluate("e => getComputedStyle(e).breakBefore") for i in range(5)]
    assert breaks == ["auto", "page", "page", "page", "page"]

    pdf = page.pdf(prefer_css_page_size=True)
    if KEEP:
        with open(os.path.join(KEEP, "report-print.pdf"), "wb") as fh:
            fh.write(pdf)
    # One page per level (each is short here), every one A4 landscape: 842 × 595 points.
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    boxes = re.findall(rb"/MediaBox\s*\[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert len(pages) == 5
    assert boxes and all(round(float(w)) == 842 and round(float(h)) == 595 for w, h in boxes)
