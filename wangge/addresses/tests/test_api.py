"""Standard addresses API."""

import pytest

from wangge.addresses.models import StandardAddress
from wangge.core.tests.test_api import Api, errors, ids, last_record


@pytest.fixture
def api(world):
    return Api(world.users.grid_worker)


def test_list_filters(world, api):
    a1 = world.a1
    assert ids(api.get("/addresses/")) == {a1.road.pk, a1.door.pk, a1.building.pk, a1.room.pk}
    assert ids(api.get("/addresses/", level=7)) == {a1.room.pk}
    assert ids(api.get("/addresses/", parent=a1.door.pk)) == {a1.building.pk}
    assert ids(api.get("/addresses/", q="301室")) == {a1.room.pk}
    assert ids(api.get("/addresses/", current="false")) == set()
    assert "level" in errors(api.get("/addresses/", level=8))


def test_create_road_then_door(world, api):
    road = api.post(
        "/addresses/", {"level": 1, "name": "新 阳 路", "grid": world.grid_a1.pk, "latitude": 24.4833333}
    )
    assert road.status_code == 201, road.content
    body = road.json()
    assert body["name"] == "新阳路" and body["full_text"].endswith("海沧社区新阳路")
    assert body["latitude"] == 24.483333
    door = api.post("/addresses/", {"level": 2, "name": "１２号", "parent": body["id"]})
    assert door.status_code == 201, door.content
    assert door.json()["full_text"].endswith("新阳路12号") and door.json()["grid_id"] == world.grid_a1.pk
    record = last_record(StandardAddress.objects.get(pk=door.json()["id"]), "create")
    assert record.source == "api" and record.user == world.users.grid_worker


def test_create_errors_name_the_field(world, api):
    assert "grid" in errors(api.post("/addresses/", {"level": 1, "name": "新路"}))
    assert "parent" in errors(api.post("/addresses/", {"level": 2, "name": "9号", "grid": world.grid_a1.pk}))
    assert "name" in errors(api.post("/addresses/", {"level": 1, "name": "  ", "grid": world.grid_a1.pk}))
    assert "latitude" in errors(api.post("/addresses/", {"level": 1, "name": "路", "grid": world.grid_a1.pk,
                                                         "latitude": 91}))  # fmt: skip
    assert "level" in errors(api.post("/addresses/", {"level": True, "name": "路", "grid": world.grid_a1.pk}))


def test_rename_rewrites_the_subtree(world, api):
    road = world.a1.road
    response = api.patch(f"/addresses/{road.pk}", {"name": "海沧大道", "version": road.version})
    assert response.status_code == 200, response.content
    assert api.get(f"/addresses/{world.a1.room.pk}").json()["full_text"].endswith("海沧大道8号1号楼301室")
    assert "version" in errors(api.patch(f"/addresses/{road.pk}", {"name": "再改", "version": road.version}))


def test_end_refuses_while_something_current_hangs_below(world, api):
    assert "address" in errors(api.post(f"/addresses/{world.a1.road.pk}/end", {"reason": "拆除"}))
    assert "reason" in errors(api.post(f"/addresses/{world.a1.road.pk}/end", {"reason": ""}))
    leaf = api.post("/addresses/", {"level": 7, "name": "302室", "parent": world.a1.building.pk}).json()
    response = api.post(f"/addresses/{leaf['id']}/end", {"reason": "合并"})
    assert response.status_code == 200, response.content
    assert response.json()["ended_on"] and response.json()["end_reason"] == "合并"
    assert last_record(StandardAddress.objects.get(pk=leaf["id"]), "end").source == "api"


def test_read_only_roles_may_not_write(world):
    api = Api(world.users.department_staff)
    assert api.post("/addresses/", {"level": 1, "name": "路", "grid": world.grid_a1.pk}).status_code == 403
    assert api.patch(f"/addresses/{world.a1.road.pk}", {"name": "路"}).status_code == 403


def test_history(world, api):
    api.patch(f"/addresses/{world.a1.door.pk}", {"longitude": 118.05})
    items = api.get(f"/addresses/{world.a1.door.pk}/history").json()["items"]
    assert items[0]["action"] == "change" and items[0]["changes"] == {"longitude": [None, "118.050000"]}


def test_list_query_count_is_constant(world, django_assert_max_num_queries):
    api = Api(world.users.district_admin)
    with django_assert_max_num_queries(4):
        assert api.get("/addresses/").json()["count"] == 12
