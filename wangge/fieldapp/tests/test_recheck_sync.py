"""The field app's `recheck.record` op (docs/sync.md, "Re-checks") through the real push endpoint: a checker from
another grid records a sampled person field by field, exactly once, with the same rules as the web form."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from wangge.collection.choices import TaskState
from wangge.collection.models import SyncChange
from wangge.collection.tests.device import Device, change, new_uuid
from wangge.core.actor import Actor
from wangge.core.models import ChangeRecord
from wangge.people.identity import make_resident_id
from wangge.people.models import Person
from wangge.rechecks.fields import FIELDS
from wangge.rechecks.models import RecheckFinding, RecheckItem
from wangge.rechecks.services import item_assign, round_create, round_draw

SYSTEM = Actor.system()
_VALID_ID = make_resident_id("350205", datetime.date(1990, 5, 17), 118)
WRONG_CHECK_DIGIT = _VALID_ID[:-1] + ("0" if _VALID_ID[-1] != "0" else "1")


@pytest.fixture
def item(world):
    """Grid a1's person drawn for a re-check and given to the grid worker of grid b1, in another street."""
    today = datetime.date.today()
    round = round_create(
        actor=SYSTEM, area=world.community_a, period_start=today, period_end=today, percent=50, seed=7
    )
    round_draw(actor=SYSTEM, round=round)
    drawn = RecheckItem.objects.get(round=round, grid=world.grid_a1, kind="person")
    item_assign(actor=SYSTEM, item=drawn, checker=world.users.grid_worker_b)
    drawn.refresh_from_db()
    assert drawn.person_id == world.a1.person.pk and drawn.task.assignee_id == world.users.grid_worker_b.pk
    return drawn


def all_right(kind="person", **overrides):
    findings = [{"field": f.name, "verdict": "right", "value": ""} for f in FIELDS[kind]]
    for finding in findings:
        finding.update(overrides.get(finding["field"], {}))
    return findings


def recheck_change(item, findings, note="", uuid_=None, task_id=None):
    return change(
        "recheck.record",
        {"type": "task", "id": task_id or item.task_id},
        {"item": item.pk, "findings": findings, "note": note},
        uuid_=uuid_,
    )


def test_recorded_once_however_often_it_is_pushed(world, item):
    checker = Device(world.users.grid_worker_b)
    findings = all_right(phone={"verdict": "corrected", "value": "13912345678"}, name={"verdict": "wrong"})
    sent = recheck_change(item, findings, note="本人在家")

    first = checker.push([sent])[0]
    again = checker.push([sent])[0]

    assert first["status"] == "applied" and first["duplicate"] is False
    assert first["target"] == {"type": "task", "id": item.task_id, "version": first["target"]["version"]}
    assert again == {**first, "duplicate": True}
    item.refresh_from_db()
    assert item.state == "done" and item.is_right is False and item.note == "本人在家"
    assert RecheckFinding.objects.filter(item=item).count() == len(FIELDS["person"])
    assert dict(RecheckFinding.objects.filter(item=item).values_list("field", "verdict")) == {
        f["field"]: f["verdict"] for f in findings
    }
    assert item.task.state == TaskState.DONE
    assert SyncChange.objects.filter(uuid=sent["uuid"]).count() == 1
    # The correction reached the register once, as the checker on their device, though the grid is not theirs.
    person = Person.objects.get(pk=world.a1.person.pk)
    assert person.phone == "13912345678"
    phone_changes = [
        c
        for c in ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(Person), object_id=person.pk, action="change"
        )
        if "phone" in c.changes
    ]
    assert [(c.username, c.source, c.device) for c in phone_changes] == [
        ("grid_worker_b", "field", checker.device_id)
    ]
    assert phone_changes[0].reason.startswith("抽查更正")


def test_the_same_uuid_with_other_findings_is_refused(world, item):
    checker = Device(world.users.grid_worker_b)
    uuid_ = new_uuid()
    assert checker.push([recheck_change(item, all_right(), uuid_=uuid_)])[0]["status"] == "applied"

    other = checker.push([recheck_change(item, all_right(sex={"verdict": "wrong"}), uuid_=uuid_)])[0]

    assert other["status"] == "refused" and other["code"] == 409
    assert set(RecheckFinding.objects.filter(item=item).values_list("verdict", flat=True)) == {"right"}


def test_recorded_again_under_a_new_uuid_only_if_nothing_differs(world, item):
    checker = Device(world.users.grid_worker_b)
    assert checker.push([recheck_change(item, all_right())])[0]["status"] == "applied"

    same = checker.push([recheck_change(item, all_right())])[0]
    different = checker.push([recheck_change(item, all_right(sex={"verdict": "wrong"}))])[0]

    assert same["status"] == "applied"
    assert different["status"] == "rejected" and different["code"] == 422 and "item" in different["errors"]
    assert RecheckFinding.objects.filter(item=item).count() == len(FIELDS["person"])


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        (all_right() + [{"field": "shoe_size", "verdict": "right", "value": ""}], "shoe_size"),
        (all_right(sex={"verdict": "maybe"}), "sex"),
        (all_right(category={"verdict": "corrected", "value": ""}), "category"),
        (all_right(residence={"verdict": "corrected", "value": "海林路1号"}), "residence"),
        (all_right(birth_date={"verdict": "corrected", "value": "1990-02-30"}), "birth_date"),
        (all_right(id_number={"verdict": "corrected", "value": WRONG_CHECK_DIGIT}), "id_number"),
        ([f for f in all_right() if f["field"] != "phone"], "phone"),
        (all_right() + [{"field": "name", "verdict": "wrong", "value": "张叁"}], "name"),
    ],
)
def test_a_bad_finding_is_rejected_with_its_field_named(world, item, findings, field):
    checker = Device(world.users.grid_worker_b)
    answer = checker.push([recheck_change(item, findings)])[0]
    assert answer["status"] == "rejected" and answer["code"] == 422, answer
    assert field in answer["errors"], answer
    item.refresh_from_db()
    assert item.state == "pending" and not RecheckFinding.objects.filter(item=item).exists()
    assert Person.objects.get(pk=world.a1.person.pk).phone == world.a1.person.phone


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"findings": []}, "item"),
        ({"item": "7", "findings": []}, "item"),
        ({"item": 1, "findings": "all right"}, "findings"),
        ({"item": 1, "findings": [], "note": "x" * 501}, "note"),
        ({"item": 1, "findings": [], "verdicts": []}, "verdicts"),
    ],
)
def test_a_malformed_payload_is_rejected_with_its_field_named(world, item, payload, field):
    checker = Device(world.users.grid_worker_b)
    answer = checker.push([change("recheck.record", {"type": "task", "id": item.task_id}, payload)])[0]
    assert answer["status"] == "rejected" and field in answer["errors"], answer


def test_only_the_checker_records_and_only_against_the_items_task(world, item):
    # The collector's own grid worker sees the item (it is in their grid) but was not given it.
    colleague = Device(world.users.grid_worker)
    answer = colleague.push([recheck_change(item, all_right())])[0]
    assert answer["status"] == "rejected" and answer["code"] in (403, 404, 422) and answer["errors"], answer

    # Someone with neither the grid nor the item: the item does not exist for them.
    stranger = Device(world.users.informant)
    stranger_answer = stranger.push([recheck_change(item, all_right())])[0]
    assert stranger_answer["status"] == "rejected", stranger_answer

    # The checker's own task for another item (the house) does not carry this one.
    house_item = RecheckItem.objects.get(round=item.round, grid=world.grid_a1, kind="house")
    item_assign(actor=SYSTEM, item=house_item, checker=world.users.grid_worker_b)
    house_item.refresh_from_db()
    checker = Device(world.users.grid_worker_b)
    wrong = checker.push([recheck_change(item, all_right(), task_id=house_item.task_id)])[0]
    assert wrong["status"] == "rejected" and "item" in wrong["errors"], wrong
    missing = checker.push([recheck_change(item, all_right(), task_id=item.task_id + 10_000)])[0]
    assert missing["status"] == "rejected" and missing["code"] == 404 and "target" in missing["errors"]

    item.refresh_from_db()
    assert item.state == "pending"


def test_the_checkers_phone_holds_the_task_until_it_is_recorded(world, item):
    checker = Device(world.users.grid_worker_b)
    checker.pull()
    assert ("task", item.task_id) in checker.store
    checker.push([recheck_change(item, all_right())])
    checker.pull()
    assert ("task", item.task_id) not in checker.store
