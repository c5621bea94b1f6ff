"""The web UI's shared pages and rules: login, home, search, layout, language, and no input ever a 500."""

import pytest
from django.urls import reverse


@pytest.fixture
def as_user(client, world):
    def login(username):
        client.force_login(getattr(world.users, username))
        return client

    return login


def all_pages(world):
    a1 = world.a1
    return [
        reverse("home"),
        reverse("search") + "?q=zs",
        reverse("areas:list"),
        reverse("areas:list") + "?q=海",
        reverse("areas:detail", args=[world.grid_a1.pk]),
        reverse("areas:detail", args=[world.district.pk]),
        reverse("areas:children", args=[world.grid_a1.pk]),
        reverse("areas:edit", args=[world.grid_a1.pk]),
        reverse("addresses:list"),
        reverse("addresses:detail", args=[a1.room.pk]),
        reverse("addresses:detail", args=[a1.road.pk]),
        reverse("addresses:children", args=[a1.building.pk]),
        reverse("addresses:edit", args=[a1.room.pk]),
        reverse("addresses:end", args=[a1.room.pk]),
        reverse("addresses:create") + f"?parent={a1.building.pk}",
        reverse("addresses:create") + f"?grid={world.grid_a1.pk}",
        reverse("addresses:create"),
        reverse("housing:list"),
        reverse("housing:detail", args=[a1.house.pk]),
        reverse("housing:children", args=[a1.house.pk]),
        reverse("housing:edit", args=[a1.house.pk]),
        reverse("housing:end", args=[a1.house.pk]),
        reverse("housing:create") + f"?address={a1.room.pk}",
        reverse("housing:create") + "?q=海沧",
        reverse("people:list"),
        reverse("people:list") + "?q=zs",
        reverse("people:detail", args=[a1.person.pk]),
        reverse("people:edit", args=[a1.person.pk]),
        reverse("people:end", args=[a1.person.pk]),
        reverse("people:create"),
        reverse("people:create") + f"?house={a1.house.pk}",
        reverse("people:residence_list"),
        reverse("people:residence_detail", args=[a1.residence.pk]),
        reverse("people:residence_edit", args=[a1.residence.pk]),
        reverse("people:residence_end", args=[a1.residence.pk]),
        reverse("people:residence_create") + f"?person={a1.person.pk}&q=海沧",
        reverse("people:residence_create") + f"?house={a1.house.pk}&q=zs",
        reverse("units:list"),
        reverse("units:detail", args=[a1.unit.pk]),
        reverse("units:edit", args=[a1.unit.pk]),
        reverse("units:end", args=[a1.unit.pk]),
        reverse("units:create") + f"?address={a1.door.pk}",
        reverse("units:create") + "?q=海沧",
        reverse("units:employment_list"),
        reverse("units:employment_detail", args=[a1.employment.pk]),
        reverse("units:employment_edit", args=[a1.employment.pk]),
        reverse("units:employment_end", args=[a1.employment.pk]),
        reverse("units:employment_create") + f"?person={a1.person.pk}&q=便利",
        reverse("units:employment_create") + f"?unit={a1.unit.pk}&person={a1.person.pk}",
        reverse("accounts:list"),
        reverse("accounts:detail", args=[world.users.grid_worker.pk]),
        reverse("accounts:edit", args=[world.users.grid_worker.pk]),
        reverse("accounts:deactivate", args=[world.users.grid_worker.pk]),
        reverse("accounts:create"),
        reverse("accounts:assignment_create", args=[world.users.grid_worker.pk]),
    ]


def test_every_page_opens_for_a_district_admin(as_user, world):
    client = as_user("district_admin")
    for url in all_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url


def test_every_page_needs_a_login(client, world):
    for url in all_pages(world):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_login_search_logout(client, world):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200 and 'name="viewport"' in html and "登录" in html
    response = client.post(reverse("login"), {"username": "grid_worker", "password": "wrong"})
    assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()
    response = client.post(reverse("login"), {"username": "grid_worker", "password": world.password})
    assert response.status_code == 302 and response.url == reverse("home")
    html = client.get(reverse("home")).content.decode()
    assert "grid_worker" in html and "网格员" in html and "海沧一格" in html
    assert client.get(reverse("logout")).status_code == 405  # logging out is a POST (a form in the top bar)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_home_counts_only_what_is_in_scope(as_user):
    import re

    def numbers(username):
        html = as_user(username).get(reverse("home")).content.decode()
        return [int(n) for n in re.findall(r'class="stat-n">(\d+)<', html)]

    # people, houses, addresses (road, door plate, building, room per grid), units
    assert numbers("grid_worker") == [1, 1, 4, 1]
    assert numbers("street_admin") == [2, 2, 8, 2]
    assert numbers("district_admin") == [3, 3, 12, 3]


def test_search_stays_in_scope(as_user, world):
    client = as_user("grid_worker")
    html = client.get(reverse("search") + "?q=海").content.decode()
    assert "海沧便利店" in html and "海沧路" in html
    assert "海林" not in html.split("<main", 1)[1]
    html = client.get(reverse("search") + "?q=zs").content.decode()
    assert reverse("people:detail", args=[world.a1.person.pk]) in html
    assert world.a1.person.id_number not in html
    html = client.get(reverse("search") + "?q=ww").content.decode()
    assert reverse("people:detail", args=[world.b1.person.pk]) not in html
    response = client.get(reverse("search") + "?q=zs", headers={"HX-Request": "true", "HX-Target": "results"})
    assert "<html" not in response.content.decode() and "张三" in response.content.decode()


def test_layout_has_navigation_language_switch_and_no_external_urls(as_user):
    html = as_user("grid_worker").get(reverse("people:list")).content.decode()
    for label in ["区域", "标准地址", "房屋", "人口", "单位", "用户", "退出"]:
        assert label in html
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html
    assert "/static/vendor/htmx.org/dist/htmx.min.js" in html and "/static/wangge/app.css" in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html


def test_no_template_or_static_file_loads_anything_from_outside():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in [*root.glob("*/templates/**/*.html"), *root.glob("core/static/wangge/*")]:
        text = path.read_text()
        assert "http://" not in text and "https://" not in text and "@import" not in text, path


def test_english_can_be_chosen(as_user):
    client = as_user("grid_worker")
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("people:list")})
    assert response.status_code == 302 and response.url == reverse("people:list")
    assert '<html lang="en">' in client.get(reverse("people:list")).content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get(reverse("people:list")).content.decode()


def test_unknown_pages_get_the_friendly_404(as_user):
    response = as_user("grid_worker").get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到该页面或记录" in html and "mainnav" in html


def test_htmx_is_served_from_node_modules(client):
    response = client.get("/static/vendor/htmx.org/dist/htmx.min.js")
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["%00", "%00" * 50, "x" * 20000, "%ff%fe%fd", "-1", "9" * 40, "<script>"])
def test_no_query_string_produces_a_500(as_user, world, value):
    client = as_user("district_admin")
    params = [
        "q",
        "page",
        "area",
        "level",
        "status",
        "category",
        "sex",
        "use",
        "rental_status",
        "kind",
        "role",
    ]
    query = "&".join(f"{p}={value}" for p in params)
    for url in all_pages(world):
        if "?" in url:
            url = url.split("?")[0] + "?" + url.split("?")[1].split("&")[0].replace("q=", "qq=")
        response = client.get(url + ("&" if "?" in url else "?") + query)
        assert response.status_code in (200, 404), url
        assert "<script>" not in response.content.decode().replace("<script src=", "")
