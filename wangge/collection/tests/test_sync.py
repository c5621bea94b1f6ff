"""The sync protocol of docs/sync.md, end to end through the API."""

import datetime

import pytest
from django.utils import timezone

from wangge.accounts.models import Team
from wangge.accounts.services import team_add_member, user_deactivate
from wangge.collection import services
from wangge.collection.choices import TaskKind, TaskState
from wangge.collection.models import SyncChange, SyncConflict, Task, VerificationMark, Visit
from wangge.collection.tests.device import Device, change, new_uuid
from wangge.core.actor import Actor
from wangge.core.models import ChangeRecord
from wangge.housing.services import house_update
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence

SYSTEM = Actor.system()


@pytest.fixture
def task(world):
    return services.task_create(
        actor=SYSTEM, kind=TaskKind.VISIT_ADDRESS, address=world.a1.door, assignee=world.users.grid_worker
    )


def test_bootstrap_holds_the_grid_masked_and_nothing_outside(world, task):
    device = Device(world.users.grid_worker)
    device.pull()
    assert (("address", world.a1.room.pk)) in device.store
    assert ("house", world.a1.house.pk) in device.store
    assert ("task", task.pk) in device.store
    assert ("address", world.b1.room.pk) not in device.store and (
        "person",
        world.a2.person.pk,
    ) not in device.store
    person = device.store[("person", world.a1.person.pk)]["data"]
    assert person["phone"] == "138****0001" and world.a1.person.id_number not in str(device.store)


def test_bootstrap_pages_until_more_is_false(world, task):
    device = Device(world.users.grid_worker)
    pages = device.pull(limit=2)
    assert pages > 3
    single = Device(world.users.grid_worker)
    single.pull()
    assert device.store.keys() == single.store.keys()


def test_device_header_is_required(world):
    device = Device(world.users.grid_worker)
    response = device.client.get(
        "/api/v1/sync/pull", headers={"Authorization": device.headers["Authorization"]}
    )
    assert response.status_code == 422 and "X-Device-Id" in response.json()["errors"]


def test_pull_returns_only_what_changed(world, task):
    device = Device(world.users.grid_worker)
    device.pull()
    # The first pull after a bootstrap may repeat what was written just before it (docs/sync.md).
    device.pull()
    house_update(actor=SYSTEM, house=world.a1.house, rooms=5)
    body = device.pull_once()
    assert [(r["type"], r["id"]) for r in body["records"]] == [("house", world.a1.house.pk)]
    assert device.store[("house", world.a1.house.pk)]["data"]["rooms"] == 5
    assert device.pull_once()["records"] == []


def test_visit_with_new_person_and_residence_by_refs(world, task):
    device = Device(world.users.grid_worker)
    device.pull()
    visit_ref, person_ref, residence_ref = new_uuid(), new_uuid(), new_uuid()
    number = make_resident_id("350205", datetime.date(1988, 1, 2), 555)
    changes = [
        change(
            "visit.record",
            {"type": "visit", "ref": visit_ref},
            {
                "address": {"id": world.a1.door.pk},
                "outcome": "met",
                "latitude": 24.5,
                "longitude": 118.1,
                "accuracy_m": 8,
                "task": {"id": task.pk},
                "task_result": "done",
            },
        ),
        change(
            "person.create",
            {"type": "person", "ref": person_ref},
            {
                "grid": {"id": world.grid_a1.pk},
                "name": "赵六",
                "id_number": number,
                "phone": "13912345678",
                "category": "migrant",
                "visit": {"ref": visit_ref},
            },
        ),
        change(
            "residence.create",
            {"type": "residence", "ref": residence_ref},
            {
                "person": {"ref": person_ref},
                "house": {"id": world.a1.house.pk},
                "relation": "tenant",
                "started_on": "2026-11-01",
                "visit": {"ref": visit_ref},
            },
        ),
    ]
    results = device.push(changes)
    assert [r["status"] for r in results] == ["applied"] * 3, results
    person = Person.objects.get(pk=results[1]["target"]["id"])
    assert results[1]["target"]["ref"] == person_ref and person.name == "赵六"
    assert Residence.objects.get(pk=results[2]["target"]["id"]).person == person
    visit = Visit.objects.get(pk=results[0]["target"]["id"])
    assert visit.visitor == world.users.grid_worker and visit.device == device.device_id
    task.refresh_from_db()
    assert task.state == TaskState.DONE
    record = ChangeRecord.objects.filter(
        object_id=person.pk, action="create", content_type__model="person"
    ).get()
    assert record.source == "field" and record.device == device.device_id
    assert VerificationMark.objects.filter(
        person=person, visit=visit, verified_by=world.users.grid_worker
    ).exists()
    # The done task leaves the device, the new person arrives.
    device.pull()
    assert ("task", task.pk) not in device.store and ("person", person.pk) in device.store


def test_same_uuid_same_change_is_applied_once(world, task):
    device = Device(world.users.grid_worker)
    one = change("task.start", {"type": "task", "id": task.pk})
    first = device.push([one])[0]
    again = device.push([one, one])
    assert first["status"] == "applied" and not first["duplicate"]
    assert all(r["duplicate"] and r["target"] == first["target"] for r in again)
    assert (
        ChangeRecord.objects.filter(object_id=task.pk, action="change", content_type__model="task").count()
        == 1
    )


def test_same_uuid_different_change_is_refused(world, task):
    device = Device(world.users.grid_worker)
    one = change("task.start", {"type": "task", "id": task.pk})
    device.push([one])
    other = {**one, "op": "task.done"}
    result = device.push([other])[0]
    assert result["status"] == "refused" and result["code"] == 409
    task.refresh_from_db()
    assert task.state == TaskState.IN_PROGRESS


def test_one_bad_change_does_not_sink_the_batch(world, task):
    device = Device(world.users.grid_worker)
    results = device.push(
        [
            change("person.update", {"type": "person", "id": world.a1.person.pk}, {"id_number": "123"}, 1),
            change("task.start", {"type": "task", "id": task.pk}),
            change("task.start", {"type": "task", "id": 10**12}),
            change("person.update", {"type": "person", "id": world.b1.person.pk}, {"name": "x"}, 1),
        ]
    )
    assert [r["status"] for r in results] == ["rejected", "applied", "rejected", "rejected"]
    assert "id_number" in results[0]["errors"] and results[0]["code"] == 422
    assert results[2]["code"] == 404 and results[3]["code"] == 404
    # A rejection is final and remembered like an application.
    assert device.push(
        [{**change("x", {}), "uuid": str(SyncChange.objects.filter(status="rejected").first().uuid)}]
    )


def test_unknown_ref_is_rejected_on_its_field(world):
    device = Device(world.users.grid_worker)
    result = device.push(
        [
            change(
                "residence.create",
                {"type": "residence", "ref": new_uuid()},
                {
                    "person": {"ref": new_uuid()},
                    "house": {"id": world.a1.house.pk},
                    "relation": "tenant",
                    "started_on": "2026-01-01",
                },
            )
        ]
    )[0]
    assert result["status"] == "rejected" and result["code"] == "unknown_ref" and "person" in result["errors"]


def test_two_devices_editing_one_house_make_a_conflict_for_the_supervisor(world):
    house = world.a1.house
    first, second = Device(world.users.grid_worker), Device(world.users.grid_manager)
    first.pull()
    second.pull()
    base = first.store[("house", house.pk)]["version"]
    a = first.push([change("house.update", {"type": "house", "id": house.pk}, {"rooms": 3}, base)])[0]
    b = second.push([change("house.update", {"type": "house", "id": house.pk}, {"rooms": 4}, base)])[0]
    assert a["status"] == "applied" and b["status"] == "conflict"
    house.refresh_from_db()
    assert house.rooms == 3
    conflict = SyncConflict.objects.get(pk=b["conflict_id"])
    assert conflict.server_values["rooms"] == 3 and conflict.payload == {"rooms": 4}
    # The same device editing twice from one base is no conflict: its own change is not someone else's.
    again = first.push([change("house.update", {"type": "house", "id": house.pk}, {"rooms": 6}, base)])[0]
    assert again["status"] == "applied"
    services.conflict_resolve(
        actor=Actor(world.users.grid_chief, "web"), conflict=conflict, decision="apply_device"
    )
    house.refresh_from_db()
    conflict.refresh_from_db()
    assert (
        house.rooms == 4
        and conflict.state == "apply_device"
        and conflict.decided_by == world.users.grid_chief
    )


def test_disabled_account_gets_401_with_wipe_code(world):
    device = Device(world.users.grid_worker)
    device.pull()
    user_deactivate(actor=SYSTEM, user=world.users.grid_worker, reason="离职")
    response = device.client.get("/api/v1/sync/pull", headers=device.headers)
    assert response.status_code == 401 and response.json()["code"] == "account_disabled"
    other = {"Authorization": "Bearer nope", "X-Device-Id": "another-device"}
    bad = device.client.get("/api/v1/sync/pull", headers=other)
    assert bad.status_code == 401 and bad.json()["code"] == "token_invalid"


def test_worker_moved_to_another_grid_gets_a_reset(world):
    from wangge.accounts.models import Assignment
    from wangge.accounts.services import assignment_add, assignment_end

    worker = world.users.grid_worker
    device = Device(worker)
    device.pull()
    assert ("person", world.a1.person.pk) in device.store
    assignment_add(actor=SYSTEM, user=worker, area=world.grid_b1)
    assignment_end(
        actor=SYSTEM, assignment=Assignment.objects.get(user=worker, area=world.grid_a1), reason="调岗"
    )
    body = device.pull_once()
    assert body["reset"]
    device.pull()
    assert ("person", world.a1.person.pk) not in device.store and (
        "person",
        world.b1.person.pk,
    ) in device.store


def test_record_leaving_scope_is_removed_whatever_the_cursor_age(world):
    from wangge.people.services import person_update

    device = Device(world.users.grid_worker)
    device.pull()
    old_cursor = device.cursor
    for n in range(3):
        house_update(actor=SYSTEM, house=world.a2.house, rooms=n + 1)  # noise outside the scope
    person_update(actor=SYSTEM, person=world.a1.person, grid=world.grid_b1)
    Person.objects.filter(pk=world.a1.person.pk).update(grid=world.grid_b1)
    ChangeRecord.objects.create(
        content_type=ChangeRecord.objects.filter(content_type__model="person").first().content_type,
        object_id=world.a1.person.pk,
        action="change",
        changes={"grid_id": [world.grid_a1.pk, world.grid_b1.pk]},
        source="command",
    )
    device.cursor = old_cursor
    device.pull()
    assert ("person", world.a1.person.pk) not in device.store


def test_team_tasks_reach_members_and_leave_on_reassignment(world):
    team_add_member(actor=SYSTEM, grid=world.grid_a1, kind="grid_worker", user=world.users.grid_worker)
    team = Team.objects.get(grid=world.grid_a1)
    task = services.task_create(actor=SYSTEM, kind=TaskKind.VISIT_ADDRESS, address=world.a1.room, team=team)
    device = Device(world.users.grid_worker)
    device.pull()
    assert ("task", task.pk) in device.store
    services.task_reassign(actor=SYSTEM, task=task, assignee=world.users.grid_manager)
    device.pull()
    assert ("task", task.pk) not in device.store


def test_malformed_push_is_refused_whole(world):
    device = Device(world.users.grid_worker)
    response = device.push_raw([{"op": "task.start"}] * 2)
    assert response.status_code == 422
    response = device.push_raw([change("task.start", {"type": "task", "id": 1})] * 101)
    assert response.status_code == 422 and "changes" in response.json()["errors"]
    assert not SyncChange.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"address": {"id": 1}, "outcome": "bogus"},
        {"address": {"ref": "not-a-uuid"}, "outcome": "met"},
        {"address": {}, "outcome": "met", "latitude": 1e999},
        {"outcome": "met", "extra": 1},
        {"address": {"id": 1}, "outcome": "met", "task_result": "cannot"},
    ],
)
def test_bad_payloads_are_rejected_never_500(world, payload):
    device = Device(world.users.grid_worker)
    result = device.push([change("visit.record", {"type": "visit", "ref": new_uuid()}, payload)])[0]
    assert result["status"] == "rejected" and result["errors"], result


def test_read_only_role_is_rejected_403(world):
    device = Device(world.users.viewer)
    result = device.push(
        [
            change(
                "visit.record",
                {"type": "visit", "ref": new_uuid()},
                {"address": {"id": world.b1.door.pk}, "outcome": "met"},
            )
        ]
    )[0]
    assert result["status"] == "rejected" and result["code"] == 403
    assert not Visit.objects.exists()


def test_visit_time_defaults_to_now_and_task_moves_to_in_progress(world, task):
    device = Device(world.users.grid_worker)
    result = device.push(
        [
            change(
                "visit.record",
                {"type": "visit", "ref": new_uuid()},
                {"address": {"id": world.a1.door.pk}, "outcome": "nobody_home", "task": {"id": task.pk}},
            )
        ]
    )[0]
    assert result["status"] == "applied"
    task = Task.objects.get(pk=task.pk)
    assert task.state == TaskState.IN_PROGRESS
    assert abs((Visit.objects.get().visited_at - timezone.now()).total_seconds()) < 600


def _person_then_residence(world):
    person_ref = new_uuid()
    create = change(
        "person.create",
        {"type": "person", "ref": person_ref},
        {
            "grid": {"id": world.grid_a1.pk},
            "name": "赵六",
            "id_number": make_resident_id("350205", datetime.date(1988, 1, 2), 556),
            "category": "migrant",
        },
    )
    residence = change(
        "residence.create",
        {"type": "residence", "ref": new_uuid()},
        {
            "person": {"ref": person_ref},
            "house": {"id": world.a1.house.pk},
            "relation": "tenant",
            "started_on": "2026-11-01",
        },
    )
    return create, residence


def _database_down_for(monkeypatch, op):
    """The given op meets a transient database failure (as when PostgreSQL restarts mid-push)."""
    from django.db import OperationalError

    from wangge.collection import sync

    apply_op = sync.apply_op

    def failing(**kwargs):
        if kwargs["op"] == op:
            raise OperationalError("server closed the connection unexpectedly")
        return apply_op(**kwargs)

    monkeypatch.setattr(sync, "apply_op", failing)


def test_after_a_retry_the_rest_of_the_push_waits_unapplied(world, task, monkeypatch):
    device = Device(world.users.grid_worker)
    start = change("task.start", {"type": "task", "id": task.pk})
    _database_down_for(monkeypatch, "task.start")
    done = change("task.done", {"type": "task", "id": task.pk})
    other = change("person.update", {"type": "person", "id": world.a1.person.pk}, {"name": "张三丰"}, 1)
    results = device.push([start, done, other])
    assert [r["status"] for r in results] == ["retry"] * 3
    assert [r["uuid"] for r in results] == [start["uuid"], done["uuid"], other["uuid"]]
    # Nothing applied and nothing remembered: the same push later goes through in order.
    task.refresh_from_db()
    world.a1.person.refresh_from_db()
    assert task.state == TaskState.OPEN and world.a1.person.name == "张三"
    assert not SyncChange.objects.exists()
    monkeypatch.undo()
    assert [r["status"] for r in device.push([start, done, other])] == ["applied"] * 3
    task.refresh_from_db()
    assert task.state == TaskState.DONE


def test_ref_to_a_create_answered_retry_in_the_same_push_is_retry_not_unknown_ref(world, monkeypatch):
    device = Device(world.users.grid_worker)
    create, residence = _person_then_residence(world)
    _database_down_for(monkeypatch, "person.create")
    results = device.push([create, residence])
    assert [r["status"] for r in results] == ["retry", "retry"]
    assert (
        "code" not in results[1]
        and not Residence.objects.filter(house=world.a1.house).exclude(person=world.a1.person).exists()
    )
    monkeypatch.undo()
    results = device.push([create, residence])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert Residence.objects.get(pk=results[1]["target"]["id"]).person_id == results[0]["target"]["id"]


def test_changes_before_a_retry_stay_applied(world, task, monkeypatch):
    device = Device(world.users.grid_worker)
    create, residence = _person_then_residence(world)
    _database_down_for(monkeypatch, "residence.create")
    start = change("task.start", {"type": "task", "id": task.pk})
    results = device.push([create, residence, start])
    assert [r["status"] for r in results] == ["applied", "retry", "retry"]
    assert Person.objects.filter(pk=results[0]["target"]["id"], name="赵六").exists()
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
