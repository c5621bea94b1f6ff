"""The booked resident's phone: masked everywhere, shown in full to the worker of the task through a recorded
reveal (API and web), and logging out of the field app revokes the token it used."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from wangge.collection import appointments, services
from wangge.collection.models import Appointment, Task
from wangge.collection.tests.device import Device
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord
from wangge.core.tests.test_api import Api

PHONE = "13912345678"


@pytest.fixture
def booked(world):
    note = appointments.door_note_for(actor=Actor(world.users.grid_worker, "web"), address=world.a1.room)
    slot = appointments.offered_slots(note)[0][0]
    appointment = appointments.appointment_book(note=note, starts_at=slot, phone=PHONE)
    return Task.objects.get(appointment=appointment)


def reveals(appointment) -> int:
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Appointment),
        object_id=appointment.pk,
        action=ChangeAction.REVEAL,
    ).count()


def test_the_tasks_worker_reveals_the_phone_and_it_is_recorded(world, booked):
    device = Device(world.users.grid_worker)
    device.pull()
    assert device.store[("task", booked.pk)]["data"]["appointment"]["phone"] == "139****5678"
    api = Api(world.users.grid_worker)
    assert PHONE not in api.get(f"/tasks/{booked.pk}").content.decode()
    response = api.post(f"/tasks/{booked.pk}/appointment/reveal")
    assert response.status_code == 200 and response.json() == {"field": "phone", "value": PHONE}
    record = ChangeRecord.objects.get(action=ChangeAction.REVEAL, object_id=booked.appointment_id)
    assert record.user == world.users.grid_worker and record.changes == {"field": "phone"}


def test_others_get_404_outside_the_scope_and_403_inside_it(world, booked):
    assert Api(world.users.grid_worker_b).post(f"/tasks/{booked.pk}/appointment/reveal").status_code == 404
    # The informant sees the grid's tasks but this one is not theirs and their role may not reveal.
    assert Api(world.users.informant).post(f"/tasks/{booked.pk}/appointment/reveal").status_code == 403
    assert Api(world.users.grid_chief).post(f"/tasks/{booked.pk}/appointment/reveal").status_code == 200
    assert reveals(booked.appointment) == 1


def test_a_task_without_an_appointment_has_nothing_to_reveal(world):
    task = services.task_create(
        actor=Actor.system(), kind="visit_address", address=world.a1.door, assignee=world.users.grid_worker
    )
    assert Api(world.users.grid_worker).post(f"/tasks/{task.pk}/appointment/reveal").status_code == 404


def test_web_task_page_reveals_on_request(world, booked):
    client = Client()
    client.force_login(world.users.grid_worker)
    page = client.get(reverse("collection:task", args=[booked.pk])).content.decode()
    assert "139****5678" in page and PHONE not in page
    url = reverse("collection:task_appointment_reveal", args=[booked.pk])
    assert client.get(url).status_code == 405
    page = client.post(url).content.decode()
    assert PHONE in page
    fragment = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert PHONE in fragment and "<html" not in fragment
    assert reveals(booked.appointment) == 2


def test_logout_revokes_only_the_token_used(world):
    phone, tablet = Device(world.users.grid_worker), Device(world.users.grid_worker)
    phone.pull()
    response = phone.client.post("/api/v1/auth/logout", headers=phone.headers)
    assert response.status_code == 204
    answer = phone.client.get("/api/v1/sync/pull", headers=phone.headers)
    assert answer.status_code == 401 and answer.json()["code"] == "token_invalid"
    assert tablet.pull() == 1
    assert Client().post("/api/v1/auth/logout").status_code == 401
