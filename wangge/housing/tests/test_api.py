"""Actual housing API: masked owner phones, reveal by role, ending rules."""

import pytest

from wangge.core.models import ChangeAction
from wangge.core.tests.test_api import Api, errors, ids, last_record
from wangge.housing.models import House


@pytest.fixture
def api(world):
    return Api(world.users.grid_worker)


def test_owner_phone_is_masked_in_list_detail_and_history(world, api):
    house = world.a1.house
    listed = api.get("/houses/").json()["items"][0]
    assert listed["owner_phone"] == "139****0000"
    assert api.get(f"/houses/{house.pk}").json()["owner_phone"] == "139****0000"
    history = api.get(f"/houses/{house.pk}/history").json()["items"]
    assert history[-1]["changes"]["owner_phone"] == [None, "139****0000"]
    # A revealing role reads the history masked too: the full value only comes from /reveal.
    chief = Api(world.users.grid_chief).get(f"/houses/{house.pk}/history").json()["items"]
    assert "13900000000" not in str(chief)


def test_reveal_is_allowed_to_some_roles_and_recorded(world):
    house = world.a1.house
    assert (
        Api(world.users.grid_worker).post(f"/houses/{house.pk}/reveal", {"field": "owner_phone"}).status_code
        == 403
    )
    assert last_record(house, ChangeAction.REVEAL) is None
    response = Api(world.users.grid_chief).post(f"/houses/{house.pk}/reveal", {"field": "owner_phone"})
    assert response.json() == {"field": "owner_phone", "value": "13900000000"}
    record = last_record(house, ChangeAction.REVEAL)
    assert record.user == world.users.grid_chief and record.source == "api" and record.ip == "127.0.0.1"
    assert record.changes == {"field": "owner_phone"}
    assert "field" in errors(
        Api(world.users.grid_chief).post(f"/houses/{house.pk}/reveal", {"field": "rooms"})
    )


def test_filters(world, api):
    assert ids(api.get("/houses/", use="dwelling", rental_status="rented")) == {world.a1.house.pk}
    assert ids(api.get("/houses/", use="shop")) == set()
    assert ids(api.get("/houses/", address=world.a1.room.pk)) == {world.a1.house.pk}
    assert ids(api.get("/houses/", q="房东张")) == {world.a1.house.pk}


def test_create_update_and_audit(world, api):
    room = api.post("/addresses/", {"level": 7, "name": "302室", "parent": world.a1.building.pk}).json()
    response = api.post(
        "/houses/",
        {"address": room["id"], "use": "dwelling", "owner": world.a1.person.pk, "owner_phone": "+86 138 1234 5678",
         "rooms": 3, "floor_area": 88.456},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["owner_name"] == "张三" and body["owner_phone"] == "138****5678" and body["floor_area"] == 88.46
    )
    house = House.objects.get(pk=body["id"])
    assert house.owner_phone == "13812345678"
    assert last_record(house, "create").source == "api"
    updated = api.patch(f"/houses/{house.pk}", {"rental_status": "empty", "owner": None, "version": 1})
    assert updated.status_code == 200, updated.content
    assert updated.json()["rental_status"] == "empty" and updated.json()["owner_id"] is None
    assert last_record(house, "change").changes["rental_status"] == ["owner_occupied", "empty"]


def test_errors_name_the_field(world, api):
    assert "owner_phone" in errors(api.patch(f"/houses/{world.a1.house.pk}", {"owner_phone": "12345"}))
    assert "address" in errors(api.post("/houses/", {"address": world.a1.road.pk}))  # a road holds no house
    assert "rooms" in errors(api.patch(f"/houses/{world.a1.house.pk}", {"rooms": 0}))
    assert "floor_area" in errors(api.patch(f"/houses/{world.a1.house.pk}", {"floor_area": "big"}))
    assert "owner" in errors(api.patch(f"/houses/{world.a1.house.pk}", {"owner": world.b1.person.pk}))


def test_end_needs_the_residents_gone(world, api):
    house = world.a1.house
    assert "house" in errors(api.post(f"/houses/{house.pk}/end", {"reason": "拆除"}))
    assert api.post(f"/residences/{world.a1.residence.pk}/end", {"reason": "搬走"}).status_code == 200
    response = api.post(f"/houses/{house.pk}/end", {"reason": "拆除"})
    assert response.status_code == 200, response.content
    assert response.json()["end_reason"] == "拆除"
    assert ids(api.get("/houses/", current="true")) == set()


def test_list_query_count_is_constant(world, django_assert_max_num_queries):
    api = Api(world.users.district_admin)
    with django_assert_max_num_queries(4):
        assert api.get("/houses/").json()["count"] == 3
