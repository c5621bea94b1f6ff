"""Tasks, bulk creation, visits, shifts, coverage and appointments through the services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from wangge.accounts.services import team_add_member
from wangge.addresses.models import AddressLevel
from wangge.addresses.services import address_create
from wangge.collection import appointments, selectors, services
from wangge.collection.choices import ShiftKind, TaskKind, TaskState
from wangge.collection.models import Appointment, Task, VerificationMark
from wangge.core.actor import Actor
from wangge.core.models import ChangeRecord
from wangge.housing.services import house_create

SYSTEM = Actor.system()


def as_(user, source="web"):
    return Actor(user=user, source=source)


@pytest.fixture
def teams(world):
    for grid, user in (
        (world.grid_a1, world.users.grid_worker),
        (world.grid_a2, None),
        (world.grid_b1, world.users.grid_worker_b),
    ):
        team_add_member(actor=SYSTEM, grid=grid, kind="grid_worker", user=user, name="" if user else "志愿者")


def test_bulk_creates_one_task_per_door_plate_audited_and_never_twice(world, teams):
    chief = as_(world.users.grid_chief)
    made = services.tasks_bulk_create(actor=chief, area=world.big_a, level=AddressLevel.DOOR_PLATE)
    assert made == 2  # the door plates of grids a1 and a2; b1 is outside the chief's big grid
    tasks = Task.objects.filter(batch__gt="")
    assert {t.address_id for t in tasks} == {world.a1.door.pk, world.a2.door.pk}
    assert all(t.team.grid_id == t.grid_id for t in tasks)
    assert ChangeRecord.objects.filter(content_type__model="task", action="create").count() == 2
    assert services.tasks_bulk_create(actor=chief, area=world.big_a, level=AddressLevel.DOOR_PLATE) == 0


def test_bulk_rooms_under_a_building_and_default_shift_from_use(world, teams):
    chief = as_(world.users.grid_chief)
    shop_room = address_create(actor=SYSTEM, level=AddressLevel.ROOM, name="1号铺", parent=world.a1.building)
    house_create(actor=SYSTEM, address=shop_room, use="shop")
    made = services.tasks_bulk_create(actor=chief, within=world.a1.building, level=AddressLevel.ROOM)
    assert made == 2
    shifts = {t.address_id: t.shift for t in Task.objects.all()}
    assert shifts == {world.a1.room.pk: ShiftKind.NIGHT, shop_room.pk: ShiftKind.DAY}


def test_only_supervisors_create_and_only_in_scope(world, teams):
    with pytest.raises(PermissionDenied):
        services.tasks_bulk_create(actor=as_(world.users.grid_worker), area=world.grid_a1)
    with pytest.raises(ValidationError) as exc:
        services.tasks_bulk_create(actor=as_(world.users.grid_chief), area=world.grid_b1)
    assert "area" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.task_create(
            actor=as_(world.users.grid_chief),
            kind=TaskKind.VISIT_ADDRESS,
            address=world.a1.door,
            assignee=world.users.grid_worker_b,
        )
    assert "assignee" in exc.value.message_dict


def test_state_machine_and_reasons(world, teams):
    task = services.task_create(
        actor=SYSTEM, kind=TaskKind.VISIT_ADDRESS, address=world.a1.door, assignee=world.users.grid_worker
    )
    worker = as_(world.users.grid_worker)
    with pytest.raises(ValidationError) as exc:
        services.task_cannot(actor=worker, task=task, reason=" ")
    assert "reason" in exc.value.message_dict
    services.task_start(actor=worker, task=task)
    services.task_done(actor=worker, task=task, note="见到住户")
    assert task.state == TaskState.DONE and task.finished_at
    with pytest.raises(ValidationError) as exc:
        services.task_start(actor=worker, task=task)
    assert "state" in exc.value.message_dict
    # Someone else's task is "not found" for a worker.
    other = services.task_create(
        actor=SYSTEM, kind=TaskKind.REVISIT, address=world.a1.room, assignee=world.users.informant
    )
    with pytest.raises(ValidationError):
        services.task_done(actor=worker, task=other)
    services.task_cancel(actor=as_(world.users.grid_chief), task=other, reason="重复")
    other.refresh_from_db()
    assert other.state == TaskState.CANCELLED and other.ended_on and other.end_reason == "重复"


def test_worker_list_order_overdue_then_due_then_priority(world, teams):
    today = timezone.localdate()
    make = lambda addr, **kw: services.task_create(  # noqa: E731
        actor=SYSTEM, kind=TaskKind.VISIT_ADDRESS, address=addr, assignee=world.users.grid_worker, **kw
    )
    later = make(world.a1.door, due_on=today + datetime.timedelta(days=5), priority=1)
    late = make(world.a1.building, due_on=today - datetime.timedelta(days=1), priority=3)
    soon_low = make(world.a1.room, due_on=today + datetime.timedelta(days=1), priority=3)
    soon_high = make(world.a1.road, due_on=today + datetime.timedelta(days=1), priority=1)
    order = list(selectors.task_list(user=world.users.grid_worker))
    assert order == [late, soon_high, soon_low, later]


def test_visit_records_position_and_completes_task(world, teams):
    task = services.task_create(
        actor=SYSTEM, kind=TaskKind.VISIT_ADDRESS, address=world.a1.room, assignee=world.users.grid_worker
    )
    visit = services.visit_record(
        actor=as_(world.users.grid_worker, "field"),
        address=world.a1.room,
        outcome="met",
        latitude=24.5,
        longitude=118.1,
        accuracy_m=12.5,
        task=task,
        task_result="done",
    )
    task.refresh_from_db()
    assert (
        task.state == TaskState.DONE
        and visit.grid == world.grid_a1
        and visit.visitor == world.users.grid_worker
    )
    with pytest.raises(ValidationError) as exc:
        services.visit_record(actor=as_(world.users.grid_worker), address=world.b1.room, outcome="met")
    assert "address" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.visit_record(
            actor=as_(world.users.grid_worker), address=world.a1.room, outcome="met", latitude=1
        )
    assert "latitude" in exc.value.message_dict


def test_verification_marks_are_queryable_per_grid_and_day(world):
    services.person_verify(actor=as_(world.users.grid_worker), person=world.a1.person)
    services.house_verify(actor=as_(world.users.grid_worker), house=world.a1.house)
    today = timezone.localdate()
    marks = VerificationMark.objects.filter(grid=world.grid_a1, verified_on=today)
    assert {(m.kind, m.verified_by_id) for m in marks} == {
        ("person", world.users.grid_worker.pk),
        ("house", world.users.grid_worker.pk),
    }


def test_coverage_counts_flats_and_people_per_node(world):
    extra = address_create(actor=SYSTEM, level=AddressLevel.ROOM, name="302室", parent=world.a1.building)
    nodes = selectors.coverage_children(user=world.users.grid_worker, area=world.grid_a1)
    road = nodes[0]
    assert (road.flats, road.flats_visited, road.people, road.people_verified) == (2, 0, 1, 0)
    services.visit_record(actor=as_(world.users.grid_worker), address=world.a1.room, outcome="met")
    services.person_verify(actor=as_(world.users.grid_worker), person=world.a1.person)
    floor_nodes = selectors.coverage_children(user=world.users.grid_worker, address=world.a1.building)
    by_room = {n.obj.pk: n for n in floor_nodes}
    assert by_room[world.a1.room.pk].flats_visited == 1 and by_room[world.a1.room.pk].people_verified == 1
    assert by_room[extra.pk].flats_missing == 1
    top = selectors.coverage_children(user=world.users.grid_chief)
    assert [n.obj for n in top] == [world.big_a]
    assert top[0].flats == 3 and top[0].flats_visited == 1


def test_shift_hours_edit_by_supervisor_only(world):
    with pytest.raises(PermissionDenied):
        services.shift_set(
            actor=as_(world.users.grid_worker),
            grid=world.grid_a1,
            kind="day",
            starts=datetime.time(9),
            ends=datetime.time(17),
        )
    shift = services.shift_set(
        actor=as_(world.users.grid_chief),
        grid=world.grid_a1,
        kind="night",
        starts=datetime.time(19),
        ends=datetime.time(22),
    )
    services.shift_set(
        actor=as_(world.users.grid_chief),
        grid=world.grid_a1,
        kind="night",
        starts=datetime.time(19),
        ends=datetime.time(23),
    )
    shift.refresh_from_db()
    assert shift.ends == datetime.time(23)


def test_booking_makes_a_task_for_the_worker_at_the_slot(world):
    note = appointments.door_note_for(actor=as_(world.users.grid_worker), address=world.a1.room)
    assert len(note.token) >= 32
    assert appointments.door_note_for(actor=as_(world.users.grid_worker), address=world.a1.room) == note
    slot, kind = appointments.offered_slots(note)[3]
    with pytest.raises(ValidationError) as exc:
        appointments.appointment_book(note=note, starts_at=slot, phone="123")
    assert "phone" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        appointments.appointment_book(
            note=note, starts_at=slot + datetime.timedelta(minutes=7), phone="13912345678"
        )
    assert "starts_at" in exc.value.message_dict
    booked = appointments.appointment_book(note=note, starts_at=slot, phone="13912345678", message="晚上在家")
    task = Task.objects.get(appointment=booked)
    assert (
        task.assignee == world.users.grid_worker
        and task.due_on == timezone.localtime(slot).date()
        and task.shift == kind
    )
    assert Appointment.objects.count() == 1
    assert appointments.public_address_text(world.a1.room) == world.a1.building.full_text


def test_area_coverage_counted_by_the_database_matches_the_sum_of_its_grids(
    world, django_assert_max_num_queries
):
    address_create(actor=SYSTEM, level=AddressLevel.ROOM, name="302室", parent=world.a1.building)
    services.visit_record(actor=as_(world.users.grid_worker), address=world.a1.room, outcome="met")
    services.person_verify(actor=as_(world.users.grid_worker), person=world.a1.person)
    services.visit_record(actor=as_(world.users.grid_worker_b), address=world.b1.room, outcome="met")
    admin = world.users.district_admin

    def totals(nodes):
        return [
            sum(getattr(n, f) for n in nodes) for f in ("flats", "flats_visited", "people", "people_verified")
        ]

    grids = {
        g: selectors.coverage_children(user=admin, area=g)
        for g in (world.grid_a1, world.grid_a2, world.grid_b1)
    }
    # The district's streets: a fixed number of queries however many flats lie under them.
    with django_assert_max_num_queries(6):
        streets = selectors.coverage_children(user=admin, area=world.district)
    by_code = {n.obj.code: n for n in streets}
    street_a, street_b = by_code[world.street_a.code], by_code[world.street_b.code]
    assert [street_a.flats, street_a.flats_visited, street_a.people, street_a.people_verified] == [
        a + b for a, b in zip(totals(grids[world.grid_a1]), totals(grids[world.grid_a2]), strict=True)
    ]
    assert [street_b.flats, street_b.flats_visited, street_b.people, street_b.people_verified] == totals(
        grids[world.grid_b1]
    )
    assert street_a.flats_visited == 1 and street_a.people_verified == 1 and street_b.flats_visited == 1
