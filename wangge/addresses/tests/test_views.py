"""Web pages of standard addresses: scope, the address tree, create under a parent, edit, end."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.tests.test_scope import EXPECTED

GRIDS = ("a1", "a2", "b1")
USERS = sorted(EXPECTED)
NODES = ("road", "door", "building", "room")


def login(client, world, username):
    client.force_login(getattr(world.users, username))
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def records(address):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(StandardAddress), object_id=address.pk
    )


@pytest.mark.parametrize("username", USERS)
def test_address_list_shows_exactly_the_addresses_in_scope(client, world, username):
    html = page(login(client, world, username), reverse("addresses:list"))
    for grid in GRIDS:
        for node in NODES:
            link = reverse("addresses:detail", args=[getattr(getattr(world, grid), node).pk])
            assert (f'href="{link}"' in html) == (grid in EXPECTED[username]), (grid, node)


@pytest.mark.parametrize("username", USERS)
def test_addresses_outside_the_scope_answer_404(client, world, username):
    login(client, world, username)
    before = ChangeRecord.objects.count()
    for grid in GRIDS:
        room = getattr(world, grid).room
        if grid in EXPECTED[username]:
            assert client.get(reverse("addresses:detail", args=[room.pk])).status_code == 200
            continue
        for url in [
            reverse("addresses:detail", args=[room.pk]),
            reverse("addresses:edit", args=[room.pk]),
            reverse("addresses:end", args=[room.pk]),
            reverse("addresses:children", args=[room.pk]),
            reverse("addresses:create") + f"?parent={room.pk}",
            reverse("addresses:create") + f"?grid={room.grid_id}",
        ]:
            assert client.get(url).status_code == 404, url
        for url in [
            reverse("addresses:edit", args=[room.pk]),
            reverse("addresses:end", args=[room.pk]),
            reverse("addresses:create") + f"?parent={room.pk}",
        ]:
            assert client.post(url, {"name": "x", "level": 7, "reason": "x", "version": 1}).status_code == 404
    assert ChangeRecord.objects.count() == before


def test_walk_from_the_road_down_to_the_house(client, world):
    login(client, world, "grid_worker")
    a1 = world.a1
    fragment = page(client, reverse("addresses:children", args=[a1.road.pk]))
    assert "8号" in fragment and "<html" not in fragment
    fragment = page(client, reverse("addresses:children", args=[a1.building.pk]))
    assert reverse("addresses:detail", args=[a1.room.pk]) in fragment
    fragment = page(client, reverse("addresses:children", args=[a1.room.pk]))
    assert reverse("housing:detail", args=[a1.house.pk]) in fragment
    html = page(client, reverse("addresses:detail", args=[a1.room.pk]))
    # Breadcrumbs run from the area tree through every address level.
    crumbs = html[html.index('class="breadcrumbs"') : html.index("</nav>", html.index('class="breadcrumbs"'))]
    for name in ["海沧一格", "海沧路", "8号", "1号楼", "301室"]:
        assert name in crumbs
    assert "海沧区" not in crumbs  # above the grid worker's assignment
    assert reverse("housing:detail", args=[a1.house.pk]) in html


def test_create_address_under_a_parent(client, world):
    login(client, world, "grid_worker")
    building = world.a1.building
    url = reverse("addresses:create") + f"?parent={building.pk}"
    html = page(client, url)
    assert 'value="7"' in html and 'value="1"' not in html
    response = client.post(url, {"level": AddressLevel.ROOM, "name": "３０２室"})
    assert response.status_code == 302
    room = StandardAddress.objects.get(parent=building, name="302室")
    assert room.full_text.endswith("1号楼302室") and room.grid == world.grid_a1
    assert records(room).get(action=ChangeAction.CREATE).source == Source.WEB


def test_create_road_in_a_grid(client, world):
    login(client, world, "grid_worker")
    response = client.post(
        reverse("addresses:create") + f"?grid={world.grid_a1.pk}", {"level": 1, "name": "新阳路"}
    )
    assert response.status_code == 302
    assert StandardAddress.objects.get(name="新阳路").grid == world.grid_a1
    # Without a grid in the URL the form asks for one, offering only grids in scope.
    response = client.post(
        reverse("addresses:create"), {"level": 1, "name": "外路", "grid": world.grid_b1.pk}
    )
    assert response.status_code == 200 and "grid" in response.context["form"].errors
    assert not StandardAddress.objects.filter(name="外路").exists()


def test_create_address_errors(client, world):
    login(client, world, "grid_worker")
    url = reverse("addresses:create") + f"?parent={world.a1.building.pk}"
    for data, message in [
        ({"level": 7, "name": "   "}, "必填项"),
        ({"level": 2, "name": "x"}, "有效的选项"),
        ({"level": 7, "name": "x", "latitude": "200"}, "纬度"),
        ({"level": 7, "name": "\x00"}, "空字符"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200 and message in response.content.decode(), data
    assert not StandardAddress.objects.filter(parent=world.a1.building).exclude(pk=world.a1.room.pk).exists()


def test_edit_address_renames_and_records(client, world):
    login(client, world, "grid_worker")
    door = world.a1.door
    response = client.post(
        reverse("addresses:edit", args=[door.pk]),
        {"version": door.version, "name": "10号", "grid": world.grid_a1.pk, "latitude": "", "longitude": ""},
    )
    assert response.status_code == 302
    world.a1.room.refresh_from_db()
    assert "10号1号楼301室" in world.a1.room.full_text
    assert records(door).get(action=ChangeAction.CHANGE).source == Source.WEB
    html = page(client, reverse("addresses:detail", args=[door.pk]))
    assert "10号" in html[html.index('id="history"') :]


def test_moving_an_address_to_a_grid_outside_the_scope_is_refused(client, world):
    login(client, world, "grid_worker")
    door = world.a1.door
    response = client.post(
        reverse("addresses:edit", args=[door.pk]),
        {"version": door.version, "name": door.name, "grid": world.grid_b1.pk},
    )
    assert response.status_code == 200 and "grid" in response.context["form"].errors
    door.refresh_from_db()
    assert door.grid == world.grid_a1


def test_end_address_needs_empty_children(client, world):
    login(client, world, "grid_worker")
    room = world.a1.room
    response = client.post(reverse("addresses:end", args=[room.pk]), {"reason": "合并"})
    assert response.status_code == 200 and "未注销" in response.content.decode()
    response = client.post(
        reverse("addresses:create") + f"?parent={world.a1.building.pk}", {"level": 7, "name": "303室"}
    )
    extra = StandardAddress.objects.get(name="303室")
    response = client.post(reverse("addresses:end", args=[extra.pk]), {"reason": "并入302"})
    assert response.status_code == 302
    extra.refresh_from_db()
    assert extra.ended_on and extra.end_reason == "并入302"
    html = page(client, reverse("addresses:list") + "?status=ended")
    assert reverse("addresses:detail", args=[extra.pk]) in html
    assert reverse("addresses:detail", args=[room.pk]) not in html


def test_read_only_roles_get_403(client, world):
    login(client, world, "viewer")
    room = world.b1.room
    html = page(client, reverse("addresses:detail", args=[room.pk]))
    assert reverse("addresses:edit", args=[room.pk]) not in html
    for url in [
        reverse("addresses:edit", args=[room.pk]),
        reverse("addresses:end", args=[room.pk]),
        reverse("addresses:create") + f"?parent={world.b1.building.pk}",
    ]:
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "x", "level": 7, "reason": "x"}).status_code == 403


def test_nul_and_huge_input_never_500(client, world):
    login(client, world, "district_admin")
    for query in [
        "q=%00",
        "level=%00",
        "level=99999999999999999999",
        "area=%00&status=%00",
        "q=" + "路" * 9000,
    ]:
        assert client.get(reverse("addresses:list") + "?" + query).status_code == 200, query
    for value in ["\x00", "1" * 100_000]:
        data = {
            "level": value,
            "name": value,
            "latitude": value,
            "longitude": value,
            "grid": value,
            "version": value,
        }
        assert (
            client.post(reverse("addresses:create") + f"?parent={world.a1.building.pk}", data).status_code
            == 200
        )
        assert client.post(reverse("addresses:create"), data).status_code == 200
        assert client.post(reverse("addresses:edit", args=[world.a1.room.pk]), data).status_code == 200
        assert (
            client.post(reverse("addresses:end", args=[world.a1.room.pk]), {"reason": value}).status_code
            == 200
        )
    for query in ["?grid=%00", "?parent=x", "?grid=" + "9" * 30]:
        assert client.get(reverse("addresses:create") + query).status_code == 404
