"""The task and sync endpoints answer what their OpenAPI declaration says, for inputs schemathesis found."""

import json

from django.test import Client

from wangge.accounts.models import ApiToken
from wangge.collection.api import MAX_CURSOR_LENGTH
from wangge.collection.models import Task
from wangge.collection.tests.device import Device


class Api:
    def __init__(self, user):
        _record, token = ApiToken.objects.issue(user)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, path, body):
        return self.client.post(path, json.dumps(body), content_type="application/json", headers=self.headers)


def test_bulk_with_empty_body_names_the_missing_area(world):
    response = Api(world.users.district_admin).post("/api/v1/tasks/bulk", {})
    assert response.status_code == 422, response.content
    assert "area" in response.json()["errors"]


def test_bulk_makes_one_task_per_door_plate_and_task_detail_still_answers(world):
    api = Api(world.users.district_admin)
    response = api.post(
        "/api/v1/tasks/bulk",
        {"area": world.grid_a1.code, "assignee": world.users.grid_worker.pk},
    )
    assert response.status_code == 201, response.content
    tasks = Task.objects.filter(address__grid=world.grid_a1)
    assert response.json()["created"] == tasks.count() > 0
    detail = api.client.get(f"/api/v1/tasks/{tasks.first().pk}", headers=api.headers)
    assert detail.status_code == 200 and detail.json()["id"] == tasks.first().pk


def test_pull_refuses_an_overlong_cursor_on_its_field(world):
    device = Device(world.users.grid_worker)
    # 4-byte characters: percent-encoded, a cursor one over the cap still fits a server's request line.
    cursor = "\U0009680d" * (MAX_CURSOR_LENGTH + 1)
    response = device.client.get("/api/v1/sync/pull", {"cursor": cursor}, headers=device.headers)
    assert response.status_code == 422 and "cursor" in response.json()["errors"]


def test_pull_refuses_a_limit_beyond_any_integer_on_its_field(world):
    device = Device(world.users.grid_worker)
    response = device.client.get(
        "/api/v1/sync/pull", {"limit": "1092014771336149073920"}, headers=device.headers
    )
    assert response.status_code == 422 and "limit" in response.json()["errors"]


def test_pull_accepts_its_own_cursor_within_the_cap(world):
    device = Device(world.users.grid_worker)
    device.pull(limit=1)
    assert 0 < len(device.cursor) <= MAX_CURSOR_LENGTH
    assert device.pull_once()["reset"] is False
