"""collection.services.field_work_record, the batch service the demo's campaign records visits and marks with:
the rules of visit_record / person_verify / house_verify, row by row, and nothing written when one row fails."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from wangge.collection.models import VerificationMark, Visit
from wangge.collection.services import field_work_record
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, Source


def worker(world):
    return Actor(user=world.users.grid_worker, source=Source.FIELD, device="phone-1")


def test_visits_and_marks_are_written_with_their_days_and_audited(world):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    visits = field_work_record(
        actor=worker(world),
        visits=[
            {
                "address": world.a1.room,
                "outcome": "nobody_home",
                "visited_at": yesterday - datetime.timedelta(days=2),
            },
            {
                "address": world.a1.room,
                "outcome": "met",
                "visited_at": yesterday,
                "latitude": Decimal("24.480000"),
                "longitude": Decimal("118.030000"),
                "accuracy_m": 12.0,
            },
        ],
        marks=[
            {"kind": "person", "person": world.a1.person, "verified_at": yesterday, "visit": 1},
            {"kind": "house", "house": world.a1.house, "verified_at": yesterday, "visit": 1},
        ],
    )
    assert [v.outcome for v in visits] == ["nobody_home", "met"]
    assert all(v.visitor == world.users.grid_worker and v.grid_id == world.grid_a1.pk for v in visits)
    marks = VerificationMark.objects.order_by("kind")
    assert [m.kind for m in marks] == ["house", "person"]
    assert all(m.visit_id == visits[1].pk for m in marks)
    assert all(m.verified_on == timezone.localdate(yesterday) for m in marks)
    assert all(m.verified_by == world.users.grid_worker and m.source == Source.FIELD for m in marks)
    for model, count in ((Visit, 2), (VerificationMark, 2)):
        records = ChangeRecord.objects.filter(content_type__model=model._meta.model_name)
        assert records.count() == count
        assert set(records.values_list("action", "user_id", "device")) == {
            (ChangeAction.CREATE, world.users.grid_worker.pk, "phone-1")
        }


@pytest.mark.parametrize(
    "change, field",
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"visited_at": timezone.now() + datetime.timedelta(hours=1)}, "visited_at"),
        ({"latitude": Decimal("24.5")}, "latitude"),
        ({"accuracy_m": -1.0}, "accuracy_m"),
        ({"note": "a\x00b"}, "note"),
    ],
)
def test_a_bad_visit_names_its_field_and_row_and_nothing_is_written(world, change, field):
    good = {"address": world.a1.room, "outcome": "met"}
    with pytest.raises(ValidationError) as caught:
        field_work_record(actor=worker(world), visits=[good, {**good, **change}])
    assert field in caught.value.message_dict
    assert "第 2 条" in caught.value.message_dict[field][0] or field == "note"
    assert (
        not Visit.objects.exists() and not ChangeRecord.objects.filter(content_type__model="visit").exists()
    )


def test_records_outside_the_workers_grid_read_as_not_found(world):
    with pytest.raises(ValidationError) as caught:
        field_work_record(actor=worker(world), visits=[{"address": world.b1.room, "outcome": "met"}])
    assert "address" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        field_work_record(
            actor=worker(world),
            visits=[],
            marks=[{"kind": "person", "person": world.b1.person, "visit": None}],
        )
    assert "person" in caught.value.message_dict
    assert not VerificationMark.objects.exists()


def test_a_mark_needs_a_kind_and_its_record(world):
    with pytest.raises(ValidationError) as caught:
        field_work_record(
            actor=worker(world), visits=[], marks=[{"kind": "house", "person": world.a1.person}]
        )
    assert "kind" in caught.value.message_dict


def test_read_only_roles_cannot_record(world):
    with pytest.raises(PermissionDenied):
        field_work_record(
            actor=Actor(user=world.users.viewer, source=Source.WEB),
            visits=[{"address": world.b1.room, "outcome": "met"}],
        )
