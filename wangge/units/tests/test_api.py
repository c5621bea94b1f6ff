"""Actual units API and employments."""

import datetime

import pytest

from wangge.core.models import ChangeAction
from wangge.core.tests.test_api import Api, errors, ids, last_record
from wangge.units.models import Employment, Unit

VALID_CODE = "91350205MA31ABCD1Q"


@pytest.fixture
def api(world):
    return Api(world.users.grid_worker)


def test_contact_phone_masked_and_revealed_by_role(world, api):
    unit = world.a1.unit
    assert api.get("/units/").json()["items"][0]["contact_phone"] == "137****0000"
    assert api.get(f"/units/{unit.pk}").json()["contact_phone"] == "137****0000"
    assert api.post(f"/units/{unit.pk}/reveal", {"field": "contact_phone"}).status_code == 403
    response = Api(world.users.police_officer).post(f"/units/{unit.pk}/reveal", {"field": "contact_phone"})
    assert response.json()["value"] == "13700000000"
    record = last_record(unit, ChangeAction.REVEAL)
    assert record.user == world.users.police_officer and record.changes == {"field": "contact_phone"}


def test_create_and_credit_code_checks(world, api):
    base = {"address": world.a1.door.pk, "name": "  海沧  面馆 ", "kind": "shop"}
    wrong_checksum = VALID_CODE[:-1] + ("A" if VALID_CODE[-1] != "A" else "B")
    assert errors(api.post("/units/", {**base, "credit_code": wrong_checksum}))["credit_code"] == [
        "统一社会信用代码校验位错误。"
    ]
    assert "credit_code" in errors(api.post("/units/", {**base, "credit_code": "123"}))
    assert "credit_code" in errors(api.post("/units/", {**base, "credit_code": "9" * 19}))
    assert "contact_phone" in errors(api.post("/units/", {**base, "contact_phone": "000"}))
    assert "kind" in errors(api.post("/units/", {**base, "kind": "bank"}))
    assert "staff_count" in errors(api.post("/units/", {**base, "staff_count": -1}))
    # The code is unique: a second unit with the same one names the field.
    assert "credit_code" in errors(api.post("/units/", {**base, "credit_code": VALID_CODE}))
    response = api.post("/units/", {**base, "staff_count": 2, "contact_phone": "0592-1234567"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "海沧 面馆" and body["credit_code"] is None and body["grid_id"] == world.grid_a1.pk
    assert last_record(Unit.objects.get(pk=body["id"]), "create").source == "api"


def test_update_moves_address_within_scope(world):
    api = Api(world.users.street_admin)
    unit = world.a1.unit
    moved = api.patch(f"/units/{unit.pk}", {"address": world.a2.door.pk, "version": unit.version})
    assert moved.status_code == 200, moved.content
    assert moved.json()["grid_id"] == world.grid_a2.pk
    assert "address" in errors(api.patch(f"/units/{unit.pk}", {"address": world.b1.door.pk}))
    assert "version" in errors(api.patch(f"/units/{unit.pk}", {"name": "x", "version": unit.version}))


def test_filters(world):
    api = Api(world.users.district_admin)
    assert ids(api.get("/units/", q="药房")) == {world.b1.unit.pk}
    assert ids(api.get("/units/", q=VALID_CODE)) == {world.a1.unit.pk}
    assert ids(api.get("/units/", kind="factory")) == set()
    assert ids(api.get("/units/", address=world.a2.door.pk)) == {world.a2.unit.pk}


def test_end_unit_ends_its_employments(world, api):
    unit = world.a1.unit
    response = api.post(f"/units/{unit.pk}/end", {"reason": "歇业"})
    assert response.status_code == 200, response.content
    assert response.json()["end_reason"] == "歇业"
    assert Employment.objects.get(pk=world.a1.employment.pk).ended_on is not None
    assert "ended_on" in errors(api.post(f"/units/{unit.pk}/end", {"reason": "again"}))
    assert "unit" in errors(
        api.post("/employments/", {"person": world.a1.person.pk, "unit": unit.pk, "hired_on": "2025-01-01"})
    )


def test_employments(world, api):
    employment = world.a1.employment
    assert ids(api.get("/employments/", unit=world.a1.unit.pk, current="true")) == {employment.pk}
    created = api.post(
        "/employments/",
        {
            "person": world.a1.person.pk,
            "unit": world.a1.unit.pk,
            "hired_on": "2025-02-01",
            "position": "厨师",
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["unit_name"] == "海沧便利店" and created.json()["person_name"] == "张三"
    assert last_record(Employment.objects.get(pk=created.json()["id"]), "create").source == "api"
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    assert "hired_on" in errors(
        api.post(
            "/employments/", {"person": world.a1.person.pk, "unit": world.a1.unit.pk, "hired_on": future}
        )
    )
    changed = api.patch(f"/employments/{employment.pk}", {"position": "店长", "version": employment.version})
    assert changed.status_code == 200 and changed.json()["position"] == "店长"
    assert "ended_on" in errors(
        api.post(f"/employments/{employment.pk}/end", {"reason": "离职", "on": "2020-01-01"})
    )
    ended = api.post(f"/employments/{employment.pk}/end", {"reason": "离职"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == datetime.date.today().isoformat()
    history = api.get(f"/employments/{employment.pk}/history").json()["items"]
    assert [h["action"] for h in history] == ["end", "change", "create"]


def test_list_query_counts_are_constant(world, django_assert_max_num_queries):
    api = Api(world.users.district_admin)
    for endpoint in ("/units/", "/employments/"):
        with django_assert_max_num_queries(4):
            assert api.get(endpoint).json()["count"] == 3
