import datetime

import pytest
from django.core.exceptions import ValidationError

from wangge.core.actor import Actor
from wangge.core.models import ChangeAction
from wangge.core.services import history
from wangge.people.choices import PersonStatus
from wangge.people.identity import check_resident_id, make_resident_id
from wangge.people.models import Person
from wangge.people.services import (
    person_create,
    person_deregister,
    person_update,
    residence_create,
    residence_end,
)

SYSTEM = Actor.system()


def test_resident_id_derives_sex_and_birth_date():
    number = make_resident_id("350205", datetime.date(1985, 2, 28), 124)
    facts = check_resident_id(number)
    assert facts.birth_date == datetime.date(1985, 2, 28)
    assert facts.sex == "female"
    assert facts.warnings == []


def test_wrong_check_digit_is_an_error_naming_the_field():
    number = make_resident_id("350205", datetime.date(1985, 2, 28), 124)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        check_resident_id(wrong)
    assert "id_number" in exc.value.message_dict


def test_impossible_birth_date_is_an_error():
    body = "35020519850230123"  # 30 February
    from stdnum.cn import ric

    with pytest.raises(ValidationError) as exc:
        check_resident_id(body + ric.calc_check_digit(body + "0"))
    assert "出生日期" in exc.value.message_dict["id_number"][0]


def test_unknown_region_is_only_a_warning():
    facts = check_resident_id(make_resident_id("359999", datetime.date(1970, 1, 1), 11))
    assert len(facts.warnings) == 1 and "359999" in facts.warnings[0]


def test_person_update_is_audited_field_by_field(world):
    person = world.a1.person
    person_update(actor=SYSTEM, person=person, name="张三丰")
    record = history(person).first()
    assert record.action == ChangeAction.CHANGE
    assert record.changes["name"] == ["张三", "张三丰"]
    assert Person.objects.get(pk=person.pk).name_initials == "zsf"


def test_stale_version_is_refused(world):
    person = world.a1.person
    with pytest.raises(ValidationError) as exc:
        person_update(actor=SYSTEM, person=person, expected_version=person.version - 1 or 99, name="X")
    assert "version" in exc.value.message_dict


def test_only_one_current_primary_residence(world):
    with pytest.raises(ValidationError) as exc:
        residence_create(
            actor=SYSTEM,
            person=world.a1.person,
            house=world.a2.house,
            relation="tenant",
            started_on=datetime.date(2025, 1, 1),
        )
    assert "is_primary" in exc.value.message_dict
    residence_end(actor=SYSTEM, residence=world.a1.residence, reason="搬走", on=datetime.date(2025, 1, 1))
    moved = residence_create(
        actor=SYSTEM,
        person=world.a1.person,
        house=world.a2.house,
        relation="tenant",
        started_on=datetime.date(2025, 1, 1),
    )
    world.a1.person.refresh_from_db()
    assert world.a1.person.grid == world.a2.house.grid
    assert moved.is_current and world.a1.residence.ended_on == datetime.date(2025, 1, 1)


def test_deregistering_keeps_the_record_and_ends_residences(world):
    person = world.a1.person
    person_deregister(actor=SYSTEM, person=person, reason="迁往外省")
    person.refresh_from_db()
    assert person.status == PersonStatus.DEREGISTERED and person.end_reason == "迁往外省"
    assert not person.residences.filter(ended_on__isnull=True).exists()
    with pytest.raises(ValidationError):
        person_update(actor=SYSTEM, person=person, name="Y")


def test_records_are_never_deleted(world):
    from wangge.core.models import RecordDeletionForbidden

    with pytest.raises(RecordDeletionForbidden):
        world.a1.person.delete()


def test_duplicate_document_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=SYSTEM, grid=world.grid_a1, name="重复", id_number=world.a1.person.id_number)
    assert "id_number" in exc.value.message_dict


def test_nul_bytes_are_refused_with_the_field_named(world):
    with pytest.raises(ValidationError) as exc:
        person_update(actor=SYSTEM, person=world.a1.person, hukou_address="厦门\x00")
    assert "hukou_address" in exc.value.message_dict
