"""Collection pages and the task API: scope (out of scope is 404), roles, bad input never 500, the public
booking page (no personal data, rate-limited)."""

from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from wangge.accounts.services import team_add_member
from wangge.collection import appointments, services
from wangge.collection.choices import TaskKind, TaskState
from wangge.collection.models import BookingAttempt, Task
from wangge.collection.tests.device import Device, change
from wangge.core.actor import Actor
from wangge.core.tests.test_api import Api
from wangge.housing.services import house_update

SYSTEM = Actor.system()


def login(world, name):
    client = Client()
    client.force_login(getattr(world.users, name))
    return client


@pytest.fixture
def task(world):
    return services.task_create(
        actor=SYSTEM, kind=TaskKind.VISIT_ADDRESS, address=world.a1.door, assignee=world.users.grid_worker
    )


@pytest.mark.parametrize(
    "name",
    ["collection:tasks", "collection:visits", "collection:coverage", "collection:shifts"],
)
def test_pages_open_for_a_worker(world, task, name):
    response = login(world, "grid_worker").get(reverse(name))
    assert response.status_code == 200


def test_task_list_shows_mine_and_detail_is_404_outside_scope(world, task):
    worker = login(world, "grid_worker")
    assert world.a1.door.full_text in worker.get(reverse("collection:tasks")).content.decode()
    assert worker.get(reverse("collection:task", args=[task.pk])).status_code == 200
    assert login(world, "grid_worker_b").get(reverse("collection:task", args=[task.pk])).status_code == 404
    assert worker.get(reverse("collection:task", args=[10**9])).status_code == 404


def test_worker_finishes_a_task_on_the_web(world, task):
    worker = login(world, "grid_worker")
    response = worker.post(reverse("collection:task_action", args=[task.pk, "cannot"]), {"reason": ""})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    worker.post(reverse("collection:task_action", args=[task.pk, "done"]), {"note": "ok"})
    task.refresh_from_db()
    assert task.state == TaskState.DONE
    assert worker.post(reverse("collection:task_action", args=[task.pk, "bogus"])).status_code == 404


def test_bulk_page_is_for_supervisors(world):
    team_add_member(actor=SYSTEM, grid=world.grid_a1, kind="grid_worker", user=world.users.grid_worker)
    team_add_member(actor=SYSTEM, grid=world.grid_a2, kind="volunteer", name="志愿者")
    assert login(world, "grid_worker").get(reverse("collection:task_bulk")).status_code == 403
    chief = login(world, "grid_chief")
    response = chief.post(
        reverse("collection:task_bulk"),
        {"area": world.grid_b1.code, "level": 2, "kind": "visit_address", "priority": 2},
    )
    assert response.status_code == 200 and "area" in response.context["form"].errors
    response = chief.post(
        reverse("collection:task_bulk"),
        {"area": world.grid_a1.code, "level": 7, "kind": "visit_address", "priority": 2},
    )
    assert response.status_code == 302 and Task.objects.filter(address=world.a1.room).exists()


def test_conflict_page_side_by_side_and_resolution(world):
    first, second = Device(world.users.grid_worker), Device(world.users.grid_manager)
    house = world.a1.house
    house_update(actor=SYSTEM, house=house, rooms=9)
    result = second.push([change("house.update", {"type": "house", "id": house.pk}, {"rooms": 4}, 1)])[0]
    assert result["status"] == "conflict"
    assert login(world, "grid_worker").get(reverse("collection:conflicts")).status_code == 403
    chief = login(world, "grid_chief")
    assert str(result["conflict_id"]) in chief.get(reverse("collection:conflicts")).content.decode()
    page = chief.get(reverse("collection:conflict", args=[result["conflict_id"]]))
    assert page.status_code == 200 and "rooms" in page.content.decode()
    assert login(world, "street_admin").get(reverse("collection:conflict", args=[10**9])).status_code == 404
    chief.post(reverse("collection:conflict", args=[result["conflict_id"]]), {"decision": "keep_server"})
    house.refresh_from_db()
    assert house.rooms == 9
    del first


def test_coverage_tree_expands_with_htmx(world):
    worker = login(world, "grid_worker")
    page = worker.get(reverse("collection:coverage")).content.decode()
    assert world.grid_a1.name in page
    fragment = worker.get(
        reverse("collection:coverage_children"), {"area": world.grid_a1.code}
    ).content.decode()
    assert world.a1.road.name in fragment
    fragment = worker.get(
        reverse("collection:coverage_children"), {"address": world.a1.building.pk}
    ).content.decode()
    assert world.a1.room.name in fragment
    assert (
        worker.get(reverse("collection:coverage_children"), {"address": world.b1.building.pk}).status_code
        == 404
    )
    assert worker.get(reverse("collection:coverage_children"), {"area": "x\x00"}).status_code == 404
    assert worker.get(reverse("collection:coverage"), {"start": "2026-99-99"}).status_code == 200


def test_door_notes_and_public_booking(world):
    cache.clear()
    world.users.grid_worker.phone = "13906001234"
    world.users.grid_worker.save()
    worker = login(world, "grid_worker")
    sheet = worker.get(reverse("collection:door_notes", args=[world.a1.building.pk])).content.decode()
    assert "<svg" in sheet and "13906001234" in sheet
    note = appointments.door_note_for(actor=Actor(world.users.grid_worker, "web"), address=world.a1.room)
    resident = Client()
    url = reverse("booking:booking", args=[note.token])
    page = resident.get(url).content.decode()
    assert world.a1.building.full_text in page and "301室" not in page and "张三" not in page
    slot = appointments.offered_slots(note)[0][0].isoformat()
    response = resident.post(url, {"starts_at": slot, "phone": "1391234", "message": ""})
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    response = resident.post(url, {"starts_at": slot, "phone": "13912345678", "message": "请晚上来"})
    assert response.context["booked"] is not None
    assert Task.objects.filter(appointment__isnull=False, assignee=world.users.grid_worker).count() == 1
    for _ in range(5):
        response = resident.post(url, {"starts_at": slot, "phone": "13912345678"})
    assert response.status_code == 429
    # The count is in the database, not in one process's memory: another process (here: an emptied cache)
    # still refuses, and from another address too, since the note's own limit is used up.
    cache.clear()
    assert resident.post(url, {"starts_at": slot, "phone": "13912345678"}).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url, {"starts_at": slot, "phone": "13912345678"}).status_code == 429
    assert BookingAttempt.objects.filter(door_note=note).count() == 9


def test_booking_limit_per_client_address_spans_notes(world):
    addresses = (world.a1.room, world.a1.door, world.a1.building, world.a1.road)
    notes = [
        appointments.door_note_for(actor=Actor(user, "web"), address=address)
        for user in (world.users.grid_worker, world.users.grid_manager)
        for address in addresses
    ]
    resident = Client(REMOTE_ADDR="10.0.0.7")
    # Four tries on each of five notes: no note reaches its own limit, the address reaches its 20.
    statuses = [
        resident.post(reverse("booking:booking", args=[note.token]), {"phone": ""}).status_code
        for note in notes[:5]
        for _ in range(4)
    ]
    assert statuses == [200] * 20
    fresh_note = reverse("booking:booking", args=[notes[5].token])
    assert Client(REMOTE_ADDR="10.0.0.7").post(fresh_note, {"phone": ""}).status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.8").post(fresh_note, {"phone": ""}).status_code == 200


def test_task_api_lists_and_acts(world, task):
    api = Api(world.users.grid_worker)
    items = api.get("/tasks/").json()["items"]
    assert [i["id"] for i in items] == [task.pk]
    assert api.post(f"/tasks/{task.pk}/done", {"note": "ok"}).json()["state"] == "done"
    assert Api(world.users.grid_worker_b).get(f"/tasks/{task.pk}").status_code == 404
    assert api.post(f"/tasks/{task.pk}/cannot", {"reason": "x"}).status_code == 422
    assert api.post("/tasks/", {"kind": "visit_address", "address": world.a1.door.pk}).status_code == 403
    chief = Api(world.users.grid_chief)
    made = chief.post(
        "/tasks/", {"kind": "revisit", "address": world.a1.room.pk, "assignee": world.users.grid_worker.pk}
    )
    assert made.status_code == 201 and made.json()["shift"] == "night"
    assert (
        chief.post(
            "/tasks/",
            {"kind": "revisit", "address": world.b1.room.pk, "assignee": world.users.grid_worker.pk},
        ).status_code
        == 422
    )
    assert chief.get("/tasks/", scope="bogus").status_code == 422
    assert chief.get("/collection/coverage", area=world.grid_a1.code).json()["nodes"][0]["flats"] == 1
    assert chief.get("/collection/coverage", area="350205003010001001").status_code == 404
    visit = api.post(
        "/collection/visits", {"address": world.a1.room.pk, "outcome": "empty", "accuracy_m": -1}
    )
    assert visit.status_code == 422


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and "for" in attrs:
            self.labelled.add(attrs["for"])


def test_shift_page_has_one_form_per_grid_with_unique_ids(world):
    chief = login(world, "district_admin")
    page = chief.get(reverse("collection:shifts")).content.decode()
    parser = _Ids()
    parser.feed(page)
    inputs = [i for i in parser.ids if i.startswith(("id_kind", "id_starts", "id_ends"))]
    assert len(inputs) == 3 * 3  # three grids, three fields each
    assert len(parser.ids) == len(set(parser.ids))
    assert set(inputs) <= parser.labelled
    response = chief.post(
        reverse("collection:shifts"),
        {"grid": world.grid_a2.pk, "kind": "night", "starts": "25:00", "ends": "21:00"},
    )
    parser = _Ids()
    parser.feed(response.content.decode())
    assert len(parser.ids) == len(set(parser.ids))
    assert 'value="21:00"' in response.content.decode()  # the posted row keeps what was typed
