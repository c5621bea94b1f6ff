"""The web UI in a real headless Chromium (Debian's; Playwright never downloads a browser here)."""

import os
import re

import pytest

# Playwright's sync API runs an event loop in this thread; the Django ORM calls the fixtures make here are
# still plain synchronous code, so the async-safety guard must stand aside.
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
SCREENSHOT = os.environ.get("WANGGE_SCREENSHOT", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (.ci/run installs it)"
    ),
]


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(transactional_db, live_server, world):
    return live_server.url


def new_page(browser, width=1024, height=800):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def log_in(page, site, username, password):
    page.goto(site + "/")
    assert "/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit] >> text=登录")
    page.wait_for_url(site + "/")


def test_login_search_open_edit_and_see_the_history(browser, site, world):
    page = new_page(browser)
    log_in(page, site, "grid_worker", world.password)
    page.fill(".topsearch input[name=q]", "zs")
    page.press(".topsearch input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q=zs"))
    page.click("#search-people >> text=张三")
    page.wait_for_url(re.compile(rf"/people/{world.a1.person.pk}/$"))
    assert page.locator("#reveal-id_number").inner_text().startswith("3502**********")

    page.click(".detail-head >> text=修改")
    page.wait_for_url(re.compile(r"/edit/$"))
    page.fill("#id_hukou_address", "福建省厦门市湖里区金山街道1号")
    page.fill("#id_phone", "13912345678")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(rf"/people/{world.a1.person.pk}/$"))
    assert "已保存" in page.locator(".messages").inner_text()
    history = page.locator("#history").inner_text()
    assert "户籍地址" in history and "福建省厦门市湖里区金山街道1号" in history
    assert "139****5678" in history and "13912345678" not in page.content()
    assert "网页" in history
    page.context.close()


def test_a_grid_worker_cannot_open_a_person_of_another_grid(browser, site, world):
    page = new_page(browser)
    log_in(page, site, "grid_worker", world.password)
    response = page.goto(f"{site}/people/{world.b1.person.pk}/")
    assert response.status == 404
    assert "找不到该页面或记录" in page.locator("main").inner_text()
    assert "王五" not in page.content()
    # The same page for a person who never existed: indistinguishable.
    response = page.goto(f"{site}/people/999999/")
    assert response.status == 404 and "找不到该页面或记录" in page.locator("main").inner_text()
    page.context.close()


def test_live_search_reveal_and_tree_work_through_htmx(browser, site, world):
    page = new_page(browser)
    log_in(page, site, "grid_chief", world.password)
    page.goto(site + "/people/")
    results = page.locator("#results")
    assert "张三" in results.inner_text() and "李四" in results.inner_text()
    page.fill(".filters input[name=q]", "ls")
    page.wait_for_url(re.compile(r"q=ls"))
    page.wait_for_function(
        "document.querySelector('#results') && !document.querySelector('#results').innerText.includes('张三')"
    )
    assert "李四" in results.inner_text()

    page.goto(f"{site}/people/{world.a1.person.pk}/")
    page.click("[data-reveal=id_number]")
    page.wait_for_selector("#reveal-id_number .revealed")
    assert page.locator("#reveal-id_number").inner_text().startswith(world.a1.person.id_number)
    assert page.url.endswith(f"/people/{world.a1.person.pk}/")

    page.goto(site + "/areas/")
    page.click(".tree summary >> nth=0")
    page.wait_for_selector("text=海沧一格")
    page.context.close()


MOBILE_PAGES = [
    "/",
    "/people/",
    "/people/{person}/",
    "/people/{person}/edit/",
    "/houses/{house}/",
    "/units/",
    "/areas/{grid}/",
    "/addresses/{room}/",
    "/search/?q=zs",
]


def test_usable_on_a_360_px_phone(browser, site, world):
    page = new_page(browser, width=360, height=740)
    log_in(page, site, "district_admin", world.password)
    ids = {
        "person": world.a1.person.pk,
        "house": world.a1.house.pk,
        "grid": world.grid_a1.pk,
        "room": world.a1.room.pk,
    }
    for path in MOBILE_PAGES:
        page.goto(site + path.format(**ids))
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
        # Every button and link that acts (not in running text) is big enough for a thumb.
        small = page.evaluate(
            """() => [...document.querySelectorAll('.btn, button, .mainnav a, input, select')]
                 .filter(e => e.offsetParent !== null)
                 .filter(e => e.getBoundingClientRect().height < 32)
                 .map(e => e.outerHTML.slice(0, 80))"""
        )
        assert not small, (path, small)
    page.goto(f"{site}/people/{world.a1.person.pk}/")
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
    page.context.close()
