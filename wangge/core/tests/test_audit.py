"""The one audit mechanism: every create, change, end and reveal leaves a record, whatever the path."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wangge.core.actor import Actor
from wangge.core.masking import mask_id_number, mask_phone
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.services import history, reveal_field
from wangge.housing.services import house_update


def test_masks_keep_length_and_ends():
    assert mask_id_number("350205199001011234") == "3502**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == "" and mask_phone(None) == ""


def test_create_records_every_initial_value(world):
    created = history(world.a1.house).get(action=ChangeAction.CREATE)
    assert created.changes["rooms"] == [None, 2]
    assert created.changes["house_code"][1] == world.a1.house.house_code
    assert created.source == Source.COMMAND


def test_change_records_who_what_and_source(world):
    actor = Actor(user=world.users.grid_worker, source=Source.FIELD, ip="10.1.2.3", device="phone-7")
    diff = house_update(actor=actor, house=world.a1.house, rooms=3, rental_status="empty")
    assert diff == {"rooms": [2, 3], "rental_status": ["rented", "empty"]}
    record = history(world.a1.house).first()
    assert (record.user, record.username, record.source, record.ip, record.device) == (
        world.users.grid_worker,
        "grid_worker",
        Source.FIELD,
        "10.1.2.3",
        "phone-7",
    )
    assert record.changes == diff


def test_a_change_that_changes_nothing_writes_nothing(world):
    before = ChangeRecord.objects.count()
    assert house_update(actor=Actor.system(), house=world.a1.house, rooms=2) == {}
    assert ChangeRecord.objects.count() == before


def test_reveal_is_allowed_to_some_roles_and_recorded(world):
    person = world.a1.person
    police = Actor(user=world.users.police_officer, source=Source.WEB, ip="10.0.0.9")
    assert reveal_field(person, actor=police, field="id_number") == person.id_number
    record = history(person).first()
    assert record.action == ChangeAction.REVEAL and record.changes == {"field": "id_number"}
    assert record.user == world.users.police_officer and record.ip == "10.0.0.9"
    with pytest.raises(PermissionDenied):
        reveal_field(person, actor=Actor(user=world.users.grid_worker, source=Source.WEB), field="phone")
    with pytest.raises(ValidationError):
        reveal_field(person, actor=police, field="name")


def test_read_only_roles_cannot_write(world):
    with pytest.raises(PermissionDenied):
        house_update(actor=Actor(user=world.users.viewer, source=Source.WEB), house=world.b1.house, rooms=5)


def test_writes_outside_the_scope_read_as_not_found(world):
    from wangge.units.services import unit_create

    worker = Actor(user=world.users.grid_worker, source=Source.WEB)
    with pytest.raises(ValidationError) as exc:
        unit_create(actor=worker, address=world.b1.door, name="越界商店", kind="shop")
    assert "address" in exc.value.message_dict
