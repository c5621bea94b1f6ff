"""The /api/v1/rechecks endpoints: a round from creation to evaluation, the checker's list, bad input, scope."""

import json

import pytest
from django.test import Client

from wangge.accounts.models import ApiToken
from wangge.rechecks.models import RecheckItem
from wangge.rechecks.tests.factories import all_right, collect, this_month, worker


class Api:
    def __init__(self, user):
        _record, token = ApiToken.objects.issue(user)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(
            path, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def setup(world):
    wa1 = worker(world, "wa1", world.grid_a1)
    wa1b = worker(world, "wa1b", world.grid_a1)
    wa2 = worker(world, "wa2", world.grid_a2)
    collect(world, world.grid_a1, world.a1.building, collector=wa1, flats=12)
    collect(world, world.grid_a2, world.a2.building, collector=wa2, flats=6)
    start, end = this_month()
    return world, wa1, wa1b, wa2, start, end


def make_round(api, world, start, end, **extra):
    body = {
        "area": world.street_a.code,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "percent": 20,
        "seed": 11,
        **extra,
    }
    return api.post("/api/v1/rechecks/rounds", body)


def test_a_round_from_creation_to_evaluation(setup):
    world, wa1, wa1b, wa2, start, end = setup
    admin = Api(world.users.district_admin)
    response = make_round(admin, world, start, end, name="十一月抽查")
    assert response.status_code == 201, response.content
    round_id = response.json()["id"]
    assert response.json()["state"] == "draft" and response.json()["seed"] == 11
    drawn = admin.post(f"/api/v1/rechecks/rounds/{round_id}/draw")
    assert drawn.status_code == 200, drawn.content
    assert drawn.json()["items"] == drawn.json()["tasks"] > 0
    items = admin.get(f"/api/v1/rechecks/rounds/{round_id}/items", {"page_size": 200}).json()
    assert items["count"] == drawn.json()["items"]
    for row in items["items"]:
        checker = RecheckItem.objects.get(pk=row["id"]).checker
        answer = Api(checker).post(
            f"/api/v1/rechecks/items/{row['id']}/record",
            {"findings": all_right(RecheckItem.objects.get(pk=row["id"]))},
        )
        assert answer.status_code == 200, answer.content
        assert answer.json()["state"] == "done" and answer.json()["is_right"] is True
    evaluated = admin.post(f"/api/v1/rechecks/rounds/{round_id}/evaluate")
    assert evaluated.status_code == 200, evaluated.content
    body = evaluated.json()
    assert body["state"] == "evaluated" and body["accuracy"] == 100.0
    assert {g["code"] for g in body["grids"]} == {world.grid_a1.code, world.grid_a2.code}
    assert all(g["evaluated"] and not g["flagged"] for g in body["grids"])
    listed = admin.get("/api/v1/rechecks/rounds").json()
    assert listed["count"] == 1 and listed["items"][0]["done"] == items["count"]
    behind = admin.get(
        "/api/v1/rechecks/items",
        {
            "area": world.grid_a1.code,
            "state": "done",
            "checked_from": start.isoformat(),
            "checked_to": end.isoformat(),
        },
    ).json()
    grid_a1 = [g for g in body["grids"] if g["code"] == world.grid_a1.code][0]
    assert behind["count"] == grid_a1["done"] > 0
    assert admin.get("/api/v1/rechecks/items", {"checked_from": "yesterday"}).status_code == 422


def test_the_round_list_costs_the_same_for_many_rounds(setup, django_assert_max_num_queries):
    world, wa1, wa1b, wa2, start, end = setup
    admin = Api(world.users.district_admin)
    for _ in range(2):
        make_round(admin, world, start, end)
    make_round(
        admin,
        world,
        start,
        end,
        area=world.district.code,
        kind="cross",
        pairs=[[world.street_a.code, world.street_b.code]],
    )
    with django_assert_max_num_queries(8):
        listed = admin.get("/api/v1/rechecks/rounds")
    assert listed.status_code == 200 and listed.json()["count"] == 3
    assert sum(len(r["pairs"]) for r in listed.json()["items"]) == 2


def test_mine_lists_my_items_with_masked_values_and_the_task(setup, django_assert_max_num_queries):
    world, wa1, wa1b, wa2, start, end = setup
    admin = Api(world.users.district_admin)
    round_id = make_round(admin, world, start, end, percent=50).json()["id"]
    admin.post(f"/api/v1/rechecks/rounds/{round_id}/draw")
    me = Api(wa1b)
    with django_assert_max_num_queries(12):
        mine = me.get("/api/v1/rechecks/mine", {"page_size": 100})
    assert mine.status_code == 200
    rows = mine.json()["items"]
    assert rows and mine.json()["count"] == RecheckItem.objects.filter(checker=wa1b, state="pending").count()
    row = rows[0]
    assert row["task_id"] and row["address_text"] and row["title"]
    fields = {f["field"]: f for f in row["fields"]}
    if row["kind"] == "person":
        assert "*" in fields["id_number"]["value"] and "*" in fields["phone"]["value"]
        assert fields["residence"]["correctable"] is False
        assert fields["sex"]["choices"]
    task = me.get(f"/api/v1/tasks/{row['task_id']}")
    assert task.status_code == 200 and task.json()["kind"] == "recheck"


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        ([{"field": "nope", "verdict": "right"}], "nope"),
        ([{"field": "name", "verdict": "corrected"}], "name"),
        ([{"field": "name", "verdict": "sure"}], "name"),
        ("not a list", "findings"),
        ([{"field": "name", "verdict": "right", "value": "x" * 1_000_000}], "findings"),
        ([{"field": "name", "verdict": "right", "extra": 1}], "findings"),
        ([{"field": 5, "verdict": "right"}], "findings"),
    ],
)
def test_bad_recordings_are_422_naming_the_field(setup, findings, field):
    world, wa1, wa1b, wa2, start, end = setup
    admin = Api(world.users.district_admin)
    round_id = make_round(admin, world, start, end).json()["id"]
    admin.post(f"/api/v1/rechecks/rounds/{round_id}/draw")
    item = RecheckItem.objects.filter(round_id=round_id, kind="person").first()
    response = Api(item.checker).post(f"/api/v1/rechecks/items/{item.pk}/record", {"findings": findings})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    item.refresh_from_db()
    assert item.state == "pending"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"percent": 0.5}, "percent"),
        ({"percent": "lots"}, "percent"),
        ({"area": "999999"}, "area"),
        ({"period_end": "2020-13-01"}, "period_end"),
        ({"kind": "cross"}, "pairs"),
        ({"kind": "cross", "pairs": [["350205001"]]}, "pairs"),
        ({"seed": -3}, "seed"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_bad_rounds_are_422_naming_the_field(setup, body, field):
    world, wa1, wa1b, wa2, start, end = setup
    if body.get("kind") == "cross":
        body = {"area": world.district.code, **body}
    response = make_round(Api(world.users.district_admin), world, start, end, **body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


def test_workers_cannot_create_or_draw_rounds(setup):
    world, wa1, wa1b, wa2, start, end = setup
    response = make_round(Api(wa1), world, start, end, area=world.grid_a1.code)
    assert response.status_code == 403
    round_id = make_round(Api(world.users.district_admin), world, start, end).json()["id"]
    assert Api(wa1).post(f"/api/v1/rechecks/rounds/{round_id}/draw").status_code in (403, 404)


def test_out_of_scope_rounds_and_items_are_404(setup):
    world, wa1, wa1b, wa2, start, end = setup
    admin = Api(world.users.district_admin)
    round_id = make_round(admin, world, start, end).json()["id"]
    admin.post(f"/api/v1/rechecks/rounds/{round_id}/draw")
    item = RecheckItem.objects.filter(round_id=round_id).first()
    outsider = Api(world.users.grid_worker_b)
    assert outsider.get(f"/api/v1/rechecks/rounds/{round_id}").status_code == 404
    assert outsider.get(f"/api/v1/rechecks/items/{item.pk}").status_code == 404
    assert outsider.post(f"/api/v1/rechecks/items/{item.pk}/record", {"findings": []}).status_code == 404
    assert outsider.get("/api/v1/rechecks/items/99999999").status_code == 404
    assert outsider.get(f"/api/v1/rechecks/items/{2**70}").status_code in (404, 422)


def test_cross_check_side_by_side(setup):
    world, wa1, wa1b, wa2, start, end = setup
    wb = worker(world, "wb1", world.grid_b1)
    collect(world, world.grid_b1, world.b1.building, collector=wb, flats=4)
    admin = Api(world.users.district_admin)
    created = make_round(
        admin,
        world,
        start,
        end,
        area=world.district.code,
        kind="cross",
        pairs=[[world.street_a.code, world.street_b.code]],
    )
    assert created.status_code == 201, created.content
    round_id = created.json()["id"]
    assert len(created.json()["pairs"]) == 2
    admin.post(f"/api/v1/rechecks/rounds/{round_id}/draw")
    cross = admin.get(f"/api/v1/rechecks/rounds/{round_id}/cross")
    assert cross.status_code == 200
    (row,) = cross.json()
    sides = {row["a_checked_by_b"]["checked"], row["b_checked_by_a"]["checked"]}
    assert sides == {world.street_a.name, world.street_b.name}
    assert all(
        row[k]["sampled"] > 0 and row[k]["accuracy"] is None for k in ("a_checked_by_b", "b_checked_by_a")
    )
