"""Web pages of actual housing: scope, masked owner phones, reveal, create on an address, edit, end."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.tests.test_scope import EXPECTED
from wangge.housing.models import House

GRIDS = ("a1", "a2", "b1")
USERS = sorted(EXPECTED)
OWNER_PHONE = "13900000000"


def login(client, world, username):
    client.force_login(getattr(world.users, username))
    return client


def page(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def records(house):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(House), object_id=house.pk
    )


def edit_data(house, **changes):
    data = {
        "version": house.version,
        "use": house.use,
        "rental_status": house.rental_status,
        "owner_name": house.owner_name,
        "owner_phone": "139****0000",
        "rooms": house.rooms or "",
        "floor_area": house.floor_area or "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("username", USERS)
def test_house_list_shows_exactly_the_houses_in_scope(client, world, username):
    html = page(login(client, world, username), reverse("housing:list"))
    for grid in GRIDS:
        link = reverse("housing:detail", args=[getattr(world, grid).house.pk])
        assert (f'href="{link}"' in html) == (grid in EXPECTED[username]), grid


@pytest.mark.parametrize("username", USERS)
def test_houses_outside_the_scope_answer_404(client, world, username):
    login(client, world, username)
    before = ChangeRecord.objects.count()
    for grid in GRIDS:
        house = getattr(world, grid).house
        detail = reverse("housing:detail", args=[house.pk])
        if grid in EXPECTED[username]:
            assert client.get(detail).status_code == 200
            continue
        for url in [
            detail,
            reverse("housing:edit", args=[house.pk]),
            reverse("housing:end", args=[house.pk]),
            reverse("housing:children", args=[house.pk]),
            reverse("housing:create") + f"?address={house.address_id}",
        ]:
            assert client.get(url).status_code == 404, url
        for url in [
            reverse("housing:edit", args=[house.pk]),
            reverse("housing:end", args=[house.pk]),
            reverse("housing:reveal", args=[house.pk, "owner_phone"]),
            reverse("housing:create") + f"?address={house.address_id}",
        ]:
            assert client.post(url, edit_data(house, reason="x")).status_code == 404, url
    assert ChangeRecord.objects.count() == before


def test_owner_phone_is_masked_in_list_and_detail(client, world):
    login(client, world, "district_admin")
    for url in [reverse("housing:list"), reverse("housing:detail", args=[world.a1.house.pk])]:
        html = page(client, url)
        assert OWNER_PHONE not in html and "139****0000" in html


def test_reveal_owner_phone_is_recorded(client, world):
    login(client, world, "police_officer")
    house = world.b1.house
    response = client.post(
        reverse("housing:reveal", args=[house.pk, "owner_phone"]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and OWNER_PHONE in response.content.decode()
    record = records(house).get(action=ChangeAction.REVEAL)
    assert record.user == world.users.police_officer and record.source == Source.WEB
    html = page(client, reverse("housing:detail", args=[house.pk]))
    assert "房主电话" in html[html.index('id="history"') :]


def test_reveal_refused_for_a_grid_worker(client, world):
    login(client, world, "grid_worker")
    house = world.a1.house
    assert "data-reveal" not in page(client, reverse("housing:detail", args=[house.pk]))
    assert client.post(reverse("housing:reveal", args=[house.pk, "owner_phone"])).status_code == 403
    assert client.post(reverse("housing:reveal", args=[house.pk, "house_code"])).status_code == 404
    assert not records(house).filter(action=ChangeAction.REVEAL).exists()


def test_house_detail_lists_current_and_past_residents(client, world):
    login(client, world, "grid_worker")
    html = page(client, reverse("housing:detail", args=[world.a1.house.pk]))
    current = html[html.index("现住人员") : html.index("曾住人员")]
    assert "张三" in current and reverse("people:detail", args=[world.a1.person.pk]) in current
    fragment = page(client, reverse("housing:children", args=[world.a1.house.pk]))
    assert "张三" in fragment and "<html" not in fragment


def test_edit_house_goes_into_history(client, world):
    login(client, world, "grid_worker")
    house = world.a1.house
    response = client.post(reverse("housing:edit", args=[house.pk]), edit_data(house, rental_status="empty"))
    assert response.status_code == 302
    house.refresh_from_db()
    assert house.rental_status == "empty" and house.owner_phone == OWNER_PHONE
    record = records(house).get(action=ChangeAction.CHANGE)
    assert record.source == Source.WEB and record.changes == {"rental_status": ["rented", "empty"]}
    history = page(client, reverse("housing:detail", args=[house.pk]))
    assert "空置" in history[history.index('id="history"') :]


def test_edit_house_bad_input(client, world):
    login(client, world, "grid_worker")
    house = world.a1.house
    for changes, message in [
        ({"owner_phone": "abc"}, "电话号码"),
        ({"floor_area": "-5"}, "大于或等于"),
        ({"floor_area": "1000001"}, "建筑面积不合理"),
        ({"floor_area": "99999999"}, "小数点前不超过 7 位"),
        ({"rooms": "0"}, "大于或等于"),
        ({"use": "castle"}, "有效的选项"),
        ({"owner_name": "\x00"}, "空字符"),
    ]:
        response = client.post(reverse("housing:edit", args=[house.pk]), edit_data(house, **changes))
        assert response.status_code == 200, changes
        assert message in response.content.decode(), (changes, response.context["form"].errors)
    house.refresh_from_db()
    assert house.version == 1


def test_end_house_is_refused_while_people_live_there(client, world):
    login(client, world, "grid_worker")
    house = world.a1.house
    response = client.post(reverse("housing:end", args=[house.pk]), {"reason": "拆迁"})
    assert response.status_code == 200 and "在住人员" in response.content.decode()
    house.refresh_from_db()
    assert house.ended_on is None


def test_create_house_on_a_room(client, world):
    login(client, world, "grid_worker")
    room = world.a1.room
    url = reverse("housing:create")
    assert f"address={room.pk}" in page(client, url + "?q=301")
    assert f"address={world.a1.door.pk}" not in page(client, url + "?q=海沧路")
    response = client.post(
        url + f"?address={room.pk}",
        {
            "use": "shop",
            "rental_status": "empty",
            "owner_name": "",
            "owner_phone": "",
            "rooms": "",
            "floor_area": "",
        },
    )
    assert response.status_code == 302
    house = House.objects.get(address=room, use="shop")
    assert house.house_code.endswith("H02")
    assert records(house).get(action=ChangeAction.CREATE).source == Source.WEB


def test_read_only_roles_get_403(client, world):
    login(client, world, "department_staff")
    house = world.a1.house
    html = page(client, reverse("housing:detail", args=[house.pk]))
    assert reverse("housing:edit", args=[house.pk]) not in html
    for url in [
        reverse("housing:edit", args=[house.pk]),
        reverse("housing:end", args=[house.pk]),
        reverse("housing:create") + f"?address={world.a1.room.pk}",
    ]:
        assert client.post(url, edit_data(house, reason="x")).status_code == 403


def test_nul_and_huge_input_never_500(client, world):
    login(client, world, "district_admin")
    house = world.a1.house
    for query in [
        "q=%00",
        "q=" + "x" * 10000,
        "use=%00&rental_status=%00&area=%00&status=%00",
        "page=99999999999",
    ]:
        assert client.get(reverse("housing:list") + "?" + query).status_code == 200, query
        assert client.get(reverse("housing:create") + "?" + query).status_code == 200, query
    for value in ["\x00", "9" * 100_000]:
        data = {key: value for key in edit_data(house)}
        assert client.post(reverse("housing:edit", args=[house.pk]), data).status_code == 200
        assert (
            client.post(reverse("housing:create") + f"?address={world.a1.room.pk}", data).status_code == 200
        )
    house.refresh_from_db()
    assert house.version == 1
