"""Actual population API: identity checks, masking, reveal, audit, residences."""

import datetime

import pytest

from wangge.core.models import ChangeAction
from wangge.core.tests.test_api import Api, errors, ids, last_record
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence

NEW_ID = make_resident_id("350205", datetime.date(1985, 1, 2), 451)


@pytest.fixture
def api(world):
    return Api(world.users.grid_worker)


def new_person(world, **fields):
    return {"grid": world.grid_a1.pk, "name": "赵六", "id_number": NEW_ID, **fields}


def test_create_derives_sex_and_birth_date_and_is_audited(world, api):
    response = api.post(
        "/people/", new_person(world, phone="138 1234 5678", ethnicity="01", category="migrant")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sex"] == "male" and body["birth_date"] == "1985-01-02"
    assert body["id_number"] == "3502**********" + NEW_ID[-4:]
    assert body["phone"] == "138****5678" and body["warnings"] == []
    person = Person.objects.get(pk=body["id"])
    assert person.phone == "13812345678"
    record = last_record(person, ChangeAction.CREATE)
    assert record.source == "api" and record.user == world.users.grid_worker and record.ip == "127.0.0.1"
    assert record.changes["name"] == [None, "赵六"]


def test_unknown_id_region_is_a_warning(world, api):
    number = make_resident_id("350299", datetime.date(1970, 6, 1), 12)
    body = api.post("/people/", new_person(world, id_number=number)).json()
    assert body["warnings"] and "350299" in body["warnings"][0]


def test_identity_errors_name_the_field(world, api):
    wrong_digit = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    assert errors(api.post("/people/", new_person(world, id_number=wrong_digit)))["id_number"] == [
        "身份证号码校验位错误。"
    ]
    assert "id_number" in errors(api.post("/people/", new_person(world, id_number="12345")))
    assert "phone" in errors(api.post("/people/", new_person(world, phone="12345")))
    assert "phone" in errors(api.post("/people/", new_person(world, phone="not a phone")))
    duplicate = errors(api.post("/people/", new_person(world, id_number=world.a1.person.id_number)))
    assert "该证件号码已登记。" in str(duplicate)
    assert "grid" in errors(api.post("/people/", new_person(world, grid=world.big_a.pk)))
    passport = api.post("/people/", new_person(world, id_type="passport", id_number="e 1234567"))
    assert passport.status_code == 201 and passport.json()["id_number"] == "E*******"


def test_masked_in_list_detail_and_history(world, api):
    person = world.a1.person
    listed = api.get("/people/").json()["items"][0]
    detail = api.get(f"/people/{person.pk}").json()
    for body in (listed, detail):
        assert body["id_number"] == "3502**********" + person.id_number[-4:]
        assert body["phone"] == "138****0001"
    api.patch(f"/people/{person.pk}", {"phone": "13912345678"})
    for user in (world.users.grid_worker, world.users.district_admin):
        history = str(Api(user).get(f"/people/{person.pk}/history").json())
        assert (
            person.id_number not in history and "13912345678" not in history and "13812340001" not in history
        )
        assert "139****5678" in history


def test_reveal_allowed_denied_and_recorded(world):
    person = world.a1.person
    for username in ("grid_worker", "informant", "department_staff", "grid_manager"):
        response = Api(getattr(world.users, username)).post(
            f"/people/{person.pk}/reveal", {"field": "id_number"}
        )
        assert response.status_code == 403, username
    assert last_record(person, ChangeAction.REVEAL) is None
    for username in ("grid_chief", "police_officer", "community_admin"):
        user = getattr(world.users, username)
        response = Api(user).post(f"/people/{person.pk}/reveal", {"field": "phone"})
        assert response.json() == {"field": "phone", "value": "13812340001"}, username
        record = last_record(person, ChangeAction.REVEAL)
        # who, whose, which field, when, from where
        assert record.user == user and record.object_id == person.pk and record.changes == {"field": "phone"}
        assert record.at and record.ip == "127.0.0.1" and record.source == "api"
    response = Api(world.users.grid_chief).post(f"/people/{person.pk}/reveal", {"field": "id_number"})
    assert response.json()["value"] == person.id_number
    assert "field" in errors(
        Api(world.users.grid_chief).post(f"/people/{person.pk}/reveal", {"field": "name"})
    )
    # The reveal shows in the record's history.
    history = Api(world.users.grid_chief).get(f"/people/{person.pk}/history").json()["items"]
    assert history[0]["action"] == "reveal" and history[0]["changes"] == {"field": "id_number"}


def test_update_with_version_and_stale_version(world, api):
    person = world.a1.person
    response = api.patch(f"/people/{person.pk}", {"hukou_address": "福建省", "version": person.version})
    assert response.status_code == 200 and response.json()["version"] == person.version + 1
    stale = errors(api.patch(f"/people/{person.pk}", {"hukou_address": "厦门", "version": person.version}))
    assert list(stale) == ["version"]
    assert last_record(person, "change").changes == {"hukou_address": ["", "福建省"]}


def test_patch_leaves_unsent_fields_alone(world, api):
    person = world.a1.person
    api.patch(f"/people/{person.pk}", {"category": "registered"})
    person.refresh_from_db()
    assert person.category == "registered" and person.phone == "13812340001" and person.name == "张三"


def test_search_and_filters(world, api):
    admin = Api(world.users.district_admin)
    assert ids(admin.get("/people/", q="zs")) == {world.a1.person.pk}
    assert ids(admin.get("/people/", q="0002")) == {world.a2.person.pk}
    assert ids(admin.get("/people/", q="海林路")) == {world.b1.person.pk}
    assert ids(admin.get("/people/", area=world.street_b.code)) == {world.b1.person.pk}
    assert ids(admin.get("/people/", category="registered")) == set()
    assert ids(admin.get("/people/", sex="male", current="true")) == {world.a1.person.pk, world.b1.person.pk}


def test_end_deregisters_and_ends_residences(world, api):
    person = world.a1.person
    response = api.post(f"/people/{person.pk}/end", {"reason": "迁往外地", "on": "2025-01-31"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "deregistered" and response.json()["ended_on"] == "2025-01-31"
    assert Residence.objects.get(pk=world.a1.residence.pk).ended_on == datetime.date(2025, 1, 31)
    assert last_record(person, "end").reason == "迁往外地"
    assert "status" in errors(api.post(f"/people/{person.pk}/end", {"reason": "again"}))
    assert "status" in errors(api.patch(f"/people/{person.pk}", {"name": "改名"}))
    assert ids(api.get("/people/", current="false")) == {person.pk}


def test_residences(world, api):
    residence = world.a1.residence
    assert ids(api.get("/residences/", person=world.a1.person.pk)) == {residence.pk}
    # One current primary residence each.
    second = {"person": world.a1.person.pk, "house": world.a1.house.pk, "relation": "family",
              "started_on": "2024-05-01"}  # fmt: skip
    assert "is_primary" in errors(api.post("/residences/", second))
    assert "started_on" in errors(
        api.post("/residences/", {**second, "is_primary": False, "started_on": "2999-01-01"})
    )
    assert "is_primary" in errors(api.post("/residences/", {**second, "is_primary": "yes"}))
    extra = api.post("/residences/", {**second, "is_primary": False})
    assert extra.status_code == 201, extra.content
    assert extra.json()["address_text"].endswith("301室") and extra.json()["person_name"] == "张三"
    assert last_record(Residence.objects.get(pk=extra.json()["id"]), "create").source == "api"
    changed = api.patch(f"/residences/{residence.pk}", {"relation": "owner", "version": residence.version})
    assert changed.status_code == 200 and changed.json()["relation"] == "owner"
    assert "ended_on" in errors(
        api.post(f"/residences/{residence.pk}/end", {"reason": "搬走", "on": "2020-01-01"})
    )
    ended = api.post(f"/residences/{residence.pk}/end", {"reason": "搬走", "on": "2025-06-30"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2025-06-30"
    assert "on" in errors(
        api.post(f"/residences/{extra.json()['id']}/end", {"reason": "搬走", "on": "30/06/2025"})
    )


def test_list_query_counts_are_constant(world, django_assert_max_num_queries):
    api = Api(world.users.district_admin)
    for endpoint in ("/people/", "/residences/"):
        with django_assert_max_num_queries(4):
            assert api.get(endpoint).json()["count"] == 3
    with django_assert_max_num_queries(5):
        assert api.get(f"/people/{world.a1.person.pk}/history").status_code == 200
