"""Web pages of the area tree: each user walks only their own subtree; everything else is a 404."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from wangge.areas.models import Area
from wangge.areas.services import police_grid_create, police_office_create, police_station_create
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.tests.test_scope import EXPECTED

GRIDS = {"a1": "grid_a1", "a2": "grid_a2", "b1": "grid_b1"}
USERS = sorted(EXPECTED)


def login(client, world, username):
    client.force_login(getattr(world.users, username))
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("username", USERS)
def test_grid_list_shows_exactly_the_grids_in_scope(client, world, username):
    html = page(login(client, world, username), reverse("areas:list") + "?level=grid")
    for key, attr in GRIDS.items():
        link = reverse("areas:detail", args=[getattr(world, attr).pk])
        assert (f'href="{link}"' in html) == (key in EXPECTED[username]), key


@pytest.mark.parametrize(
    "username,roots",
    [
        ("district_admin", ["district"]),
        ("street_admin", ["street_a"]),
        ("grid_chief", ["big_a"]),
        ("grid_worker", ["grid_a1"]),
        ("viewer", ["street_b"]),
        ("police_officer", ["grid_a1", "grid_b1"]),
    ],
)
def test_the_tree_starts_at_the_users_areas(client, world, username, roots):
    html = page(login(client, world, username), reverse("areas:list"))
    shown = {a.pk for a in Area.objects.all() if f'href="{reverse("areas:detail", args=[a.pk])}"' in html}
    assert shown == {getattr(world, r).pk for r in roots}


@pytest.mark.parametrize("username", USERS)
def test_areas_outside_the_scope_answer_404(client, world, username):
    login(client, world, username)
    visible = set(Area.objects.visible_to(getattr(world.users, username)).values_list("pk", flat=True))
    for area in Area.objects.all():
        urls = [
            reverse("areas:detail", args=[area.pk]),
            reverse("areas:children", args=[area.pk]),
        ]
        if area.pk in visible:
            assert client.get(urls[0]).status_code == 200
            continue
        for url in [*urls, reverse("areas:edit", args=[area.pk])]:
            assert client.get(url).status_code == 404, url
        assert (
            client.post(reverse("areas:edit", args=[area.pk]), {"name": "x", "version": 1}).status_code == 404
        )


def test_walk_down_from_the_district(client, world):
    login(client, world, "district_admin")
    fragment = page(client, reverse("areas:children", args=[world.district.pk]))
    assert "海沧街道" in fragment and "嵩屿街道" in fragment and "<html" not in fragment
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    assert reverse("addresses:detail", args=[world.a1.road.pk]) in html
    assert "海沧一号警格" in html
    fragment = page(client, reverse("areas:children", args=[world.grid_a1.pk]))
    assert reverse("addresses:children", args=[world.a1.road.pk]) in fragment


def test_area_counts_stay_in_scope(client, world):
    login(client, world, "grid_worker")
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    assert 'class="stat-n">1<' in html


def test_only_admins_reshape_the_tree(client, world):
    login(client, world, "grid_chief")
    response = client.post(
        reverse("areas:edit", args=[world.grid_a2.pk]), {"name": "X", "kind": "rural", "version": 1}
    )
    assert response.status_code == 403


def test_edit_area_name(client, world):
    login(client, world, "community_admin")
    grid = world.grid_a2
    response = client.post(
        reverse("areas:edit", args=[grid.pk]), {"name": "渐美网格", "kind": "urban_village", "version": 1}
    )
    assert response.status_code == 302
    grid.refresh_from_db()
    assert grid.name == "渐美网格"
    record = ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(Area), object_id=grid.pk, action=ChangeAction.CHANGE
    )
    assert record.source == Source.WEB
    response = client.post(reverse("areas:edit", args=[grid.pk]), {"name": "", "kind": "x", "version": 1})
    assert response.status_code == 200 and response.context["form"].errors.keys() >= {"name", "kind"}
    response = client.post(
        reverse("areas:edit", args=[grid.pk]), {"name": "旧版本", "kind": "urban_village", "version": 1}
    )
    assert response.status_code == 200 and "记录已被他人修改" in response.content.decode()


def test_read_only_roles_get_403(client, world):
    login(client, world, "department_staff")
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    assert reverse("areas:edit", args=[world.grid_a1.pk]) not in html
    assert (
        client.post(reverse("areas:edit", args=[world.grid_a1.pk]), {"name": "x", "version": 1}).status_code
        == 403
    )


def test_nul_and_huge_input_never_500(client, world):
    login(client, world, "district_admin")
    for query in ["q=%00", "level=%00", "q=" + "区" * 10000, "page=abc"]:
        assert client.get(reverse("areas:list") + "?" + query).status_code == 200
    for value in ["\x00", "x" * 100_000]:
        data = {"name": value, "kind": value, "version": value}
        assert client.post(reverse("areas:edit", args=[world.grid_a1.pk]), data).status_code == 200


# --- the police overlay 公安警格 ------------------------------------------------------------------------------


@pytest.fixture
def hailin(world):
    """A second chain wholly inside street b: station → office → police grid of grid b1."""
    system = Actor.system()
    station = police_station_create(actor=system, code="PS7", name="嵩屿派出所", district=world.district)
    office = police_office_create(
        actor=system, code="PO7", name="海林警务室", station=station, community=world.community_b
    )
    police_grid = police_grid_create(
        actor=system, code="PG7", name="海林警格", office=office, grids=[world.grid_b1]
    )
    return station, office, police_grid


def police_reads(station, office, police_grid):
    return [
        reverse("areas:station_detail", args=[station.pk]),
        reverse("areas:station_children", args=[station.pk]),
        reverse("areas:office_detail", args=[office.pk]),
        reverse("areas:office_children", args=[office.pk]),
        reverse("areas:police_grid_detail", args=[police_grid.pk]),
    ]


def police_writes(station, office, police_grid):
    return [
        reverse("areas:station_edit", args=[station.pk]),
        reverse("areas:station_end", args=[station.pk]),
        reverse("areas:office_edit", args=[office.pk]),
        reverse("areas:office_end", args=[office.pk]),
        reverse("areas:police_grid_edit", args=[police_grid.pk]),
        reverse("areas:police_grid_end", args=[police_grid.pk]),
        reverse("areas:police_grid_grids", args=[police_grid.pk]),
        reverse("areas:police_grid_grid_change", args=[police_grid.pk, "add"]),
        reverse("areas:office_create") + f"?station={station.pk}",
        reverse("areas:police_grid_create") + f"?office={office.pk}",
    ]


# The police officer holds grid b1 through their police grid, and the Hailin police grid covers b1 too.
@pytest.mark.parametrize(
    "username,stations",
    [("district_admin", {"station", "hailin"}), ("street_admin", {"station"}), ("grid_worker", {"station"}),
     ("viewer", {"station", "hailin"}), ("police_officer", {"station", "hailin"})],
)  # fmt: skip
def test_the_police_tree_shows_what_touches_the_users_areas(client, world, hailin, username, stations):
    html = page(login(client, world, username), reverse("areas:police"))
    records = {"station": world.station, "hailin": hailin[0]}
    for key, station in records.items():
        assert (reverse("areas:station_detail", args=[station.pk]) in html) == (key in stations), key
    fragment = page(client, reverse("areas:station_children", args=[world.station.pk]))
    assert reverse("areas:office_detail", args=[world.office.pk]) in fragment
    fragment = page(client, reverse("areas:office_children", args=[world.office.pk]))
    assert reverse("areas:police_grid_detail", args=[world.police_grid.pk]) in fragment


def test_police_pages_out_of_scope_answer_404(client, world, hailin):
    login(client, world, "street_admin")
    for url in police_reads(*hailin) + police_writes(*hailin):
        # The add/remove step answers POST only (405 to anything else, in scope or not).
        assert client.get(url).status_code in ((405,) if url.endswith("/add/") else (404,)), url
        assert (
            client.post(url, {"name": "x", "reason": "x", "version": 1, "grid": world.grid_a1.pk}).status_code
            == 404
        ), url
    hailin[2].refresh_from_db()
    assert hailin[2].name == "海林警格" and hailin[2].ended_on is None


@pytest.mark.parametrize("username", ["grid_worker", "grid_chief", "police_officer", "department_staff"])
def test_only_admins_change_the_police_overlay(client, world, username):
    login(client, world, username)
    html = page(client, reverse("areas:police_grid_detail", args=[world.police_grid.pk]))
    assert reverse("areas:police_grid_edit", args=[world.police_grid.pk]) not in html
    data = {"name": "x", "reason": "x", "version": 1, "grid": world.grid_a2.pk}
    for url in police_writes(world.station, world.office, world.police_grid):
        assert client.post(url, data).status_code == 403, url
    world.police_grid.refresh_from_db()
    assert world.police_grid.name == "海沧一号警格" and world.police_grid.grids.count() == 2


def test_an_admin_seeing_part_of_a_police_grid_reads_but_cannot_change_it(client, world):
    login(client, world, "street_admin")
    html = page(client, reverse("areas:police_grid_detail", args=[world.police_grid.pk]))
    assert "海沧一格" in html and "海林一格" not in html  # only the covered grids in scope are listed
    assert reverse("areas:police_grid_edit", args=[world.police_grid.pk]) not in html
    url = reverse("areas:police_grid_edit", args=[world.police_grid.pk])
    assert client.post(url, {"name": "x", "version": 1}).status_code == 403


def test_district_admin_builds_a_chain_with_the_grid_picker(client, world):
    login(client, world, "district_admin")
    response = client.post(
        reverse("areas:station_create"), {"code": "PS5", "name": "新阳派出所", "district": world.district.pk}
    )
    assert response.status_code == 302
    station = world.district.police_stations.get(code="PS5")
    response = client.post(
        reverse("areas:office_create") + f"?station={station.pk}",
        {"code": "PO5", "name": "新阳警务室", "community": world.community_b.pk},
    )
    assert response.status_code == 302
    office = station.offices.get()
    create = reverse("areas:police_grid_create") + f"?office={office.pk}"
    html = page(client, create + "&q=海林")
    pick = f"?office={office.pk}&amp;grid={world.grid_b1.pk}"
    assert pick in html and "海沧一格" not in html
    response = client.post(create + f"&grid={world.grid_b1.pk}", {"code": "PG5", "name": "新阳一号警格"})
    assert response.status_code == 302
    police_grid = office.police_grids.get()
    assert list(police_grid.grids.all()) == [world.grid_b1]

    grids_page = reverse("areas:police_grid_grids", args=[police_grid.pk])
    html = page(client, grids_page + "?q=3502050010010010")
    assert f"grid={world.grid_a1.pk}" in html and f"grid={world.grid_b1.pk}" not in html
    html = page(client, grids_page + f"?grid={world.grid_a1.pk}")
    assert reverse("areas:police_grid_grid_change", args=[police_grid.pk, "add"]) in html
    add = reverse("areas:police_grid_grid_change", args=[police_grid.pk, "add"])
    remove = reverse("areas:police_grid_grid_change", args=[police_grid.pk, "remove"])
    assert client.post(add, {"grid": world.grid_a1.pk}).status_code == 302
    assert set(police_grid.grids.values_list("pk", flat=True)) == {world.grid_a1.pk, world.grid_b1.pk}
    assert client.post(remove, {"grid": world.grid_b1.pk}).status_code == 302
    response = client.post(remove, {"grid": world.grid_a1.pk}, follow=True)
    assert "至少覆盖一个采集网格" in response.content.decode()
    assert list(police_grid.grids.all()) == [world.grid_a1]
    for bad in ["x", "\x00", "9" * 40, ""]:
        assert client.post(add, {"grid": bad}).status_code == 404
    assert (
        client.post(
            reverse("areas:police_grid_grid_change", args=[police_grid.pk, "swap"]),
            {"grid": world.grid_a2.pk},
        ).status_code
        == 404
    )

    edit = reverse("areas:police_grid_edit", args=[police_grid.pk])
    assert client.post(edit, {"name": "新阳警格", "version": police_grid.version + 5}).status_code == 200
    police_grid.refresh_from_db()
    assert client.post(edit, {"name": "新阳警格", "version": police_grid.version}).status_code == 302
    end = reverse("areas:station_end", args=[station.pk])
    response = client.post(end, {"reason": "撤并"})
    assert response.status_code == 200 and "请先注销这些警务室" in response.content.decode()
    assert (
        client.post(reverse("areas:police_grid_end", args=[police_grid.pk]), {"reason": "撤并"}).status_code
        == 302
    )
    assert client.post(reverse("areas:office_end", args=[office.pk]), {"reason": "撤并"}).status_code == 302
    assert client.post(end, {"reason": "撤并"}).status_code == 302
    html = page(client, reverse("areas:police_grid_detail", args=[police_grid.pk]))
    assert "撤并" in html and edit not in html
    history = html[html.index('id="history"') :]
    assert "新阳警格" in history and "网页" in history


def test_police_forms_take_bad_input_without_500(client, world):
    login(client, world, "district_admin")
    for query in ["q=%00", "q=" + "警" * 10000, "page=abc"]:
        assert client.get(reverse("areas:police") + "?" + query).status_code == 200
    for value in ["\x00", "x" * 100_000]:
        data = {k: value for k in ["code", "name", "district", "community", "version", "reason"]}
        assert client.post(reverse("areas:station_create"), data).status_code == 200
        assert (
            client.post(reverse("areas:office_create") + f"?station={world.station.pk}", data).status_code
            == 200
        )
        assert client.post(reverse("areas:station_edit", args=[world.station.pk]), data).status_code == 200
        assert (
            client.post(reverse("areas:police_grid_end", args=[world.police_grid.pk]), data).status_code
            == 200
        )
    for query in ["?station=x", "?station=%00", "?station=999999999"]:
        assert client.get(reverse("areas:office_create") + query).status_code == 404
    assert (
        client.get(reverse("areas:police_grid_create") + f"?office={world.office.pk}&grid=abc").status_code
        == 404
    )


def test_the_grid_page_links_its_police_grid_and_the_tab(client, world):
    login(client, world, "grid_worker")
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    assert reverse("areas:police_grid_detail", args=[world.police_grid.pk]) in html
    html = page(client, reverse("areas:list"))
    assert reverse("areas:police") in html
