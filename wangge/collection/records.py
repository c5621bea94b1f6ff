"""What the field app holds: the record types of the sync protocol, their pull scope and their JSON shape.

docs/sync.md section 2 is the contract; each entry here is one row of its table.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from wangge.addresses.models import StandardAddress
from wangge.collection.models import Task, VerificationMark, Visit, month_start
from wangge.collection.services import active_task_q
from wangge.core.masking import mask
from wangge.housing.models import House
from wangge.people.choices import PersonStatus
from wangge.people.models import Person, Residence


def _number(value):
    return None if value is None else float(value)


def _day(value):
    return value.isoformat() if value else None


def address_data(a: StandardAddress) -> dict:
    return {
        "level": a.level,
        "parent_id": a.parent_id,
        "code": a.code,
        "name": a.name,
        "full_text": a.full_text,
        "grid_id": a.grid_id,
        "latitude": _number(a.latitude),
        "longitude": _number(a.longitude),
    }


def house_data(h: House) -> dict:
    return {
        "house_code": h.house_code,
        "address_id": h.address_id,
        "grid_id": h.grid_id,
        "use": h.use,
        "rental_status": h.rental_status,
        "rooms": h.rooms,
        "floor_area": _number(h.floor_area),
        "owner_name": h.owner_name,
        "owner_phone": mask("phone", h.owner_phone),
    }


def person_data(p: Person) -> dict:
    return {
        "name": p.name,
        "sex": p.sex,
        "birth_date": _day(p.birth_date),
        "ethnicity": p.ethnicity,
        "id_type": p.id_type,
        "id_number": mask("id", p.id_number),
        "phone": mask("phone", p.phone),
        "category": p.category,
        "status": p.status,
        "grid_id": p.grid_id,
        "hukou_address": p.hukou_address,
    }


def residence_data(r: Residence) -> dict:
    return {
        "person_id": r.person_id,
        "house_id": r.house_id,
        "relation": r.relation,
        "is_primary": r.is_primary,
        "started_on": _day(r.started_on),
        "source": r.source,
    }


def task_data(t: Task) -> dict:
    appointment = t.appointment
    return {
        "kind": t.kind,
        "state": t.state,
        "grid_id": t.grid_id,
        "address_id": t.address_id,
        "person_id": t.person_id,
        "house_id": t.house_id,
        "assignee_id": t.assignee_id,
        "team_id": t.team_id,
        "due_on": _day(t.due_on),
        "priority": t.priority,
        "shift": t.shift,
        "note": t.note,
        "appointment": None
        if appointment is None
        else {
            "starts_at": appointment.starts_at.isoformat(),
            "ends_at": appointment.ends_at.isoformat(),
            "phone": mask("phone", appointment.phone),
            "note": appointment.note,
        },
        "address_text": t.address.full_text if t.address_id else "",
    }


def visit_data(v: Visit) -> dict:
    return {
        "address_id": v.address_id,
        "task_id": v.task_id,
        "outcome": v.outcome,
        "visited_at": v.visited_at.isoformat(),
        "visitor_id": v.visitor_id,
        "visitor_name": str(v.visitor) if v.visitor_id else "",
        "note": v.note,
    }


def mark_data(m: VerificationMark) -> dict:
    return {
        "kind": m.kind,
        "person_id": m.person_id,
        "house_id": m.house_id,
        "grid_id": m.grid_id,
        "verified_on": _day(m.verified_on),
        "verified_by_id": m.verified_by_id,
    }


@dataclass(frozen=True)
class RecordType:
    name: str
    model: type[Model]
    data: Callable[[Model], dict]
    # The pull scope: what of the visible records a device keeps.
    keep: Callable[[object], Q]
    related: tuple[str, ...] = ()
    # Fields whose change can take a record out of someone's reach: a record that changed one of these and is no
    # longer visible is announced as removed.
    reach_fields: tuple[str, ...] = ("grid_id",)

    def pull_scope(self, user) -> QuerySet:
        return self.model.objects.visible_to(user).filter(self.keep(user)).select_related(*self.related)

    def version(self, obj) -> int:
        return getattr(obj, "version", 1)


def period_start() -> datetime.datetime:
    """The campaign period on the device: from the 1st of this month, local time."""
    return timezone.make_aware(datetime.datetime.combine(month_start(), datetime.time.min))


RECORD_TYPES: dict[str, RecordType] = {
    t.name: t
    for t in [
        RecordType("address", StandardAddress, address_data, lambda u: Q(ended_on__isnull=True)),
        RecordType("house", House, house_data, lambda u: Q(ended_on__isnull=True)),
        RecordType("person", Person, person_data, lambda u: Q(status=PersonStatus.ACTIVE)),
        RecordType(
            "residence", Residence, residence_data, lambda u: Q(ended_on__isnull=True), (), ("house_id",)
        ),
        RecordType(
            "task",
            Task,
            task_data,
            lambda u: active_task_q(u) & Q(ended_on__isnull=True),
            ("address", "appointment"),
            ("grid_id", "assignee_id", "team_id"),
        ),
        RecordType("visit", Visit, visit_data, lambda u: Q(visited_at__gte=period_start()), ("visitor",)),
        RecordType("verification", VerificationMark, mark_data, lambda u: Q(verified_on__gte=month_start())),
    ]
}
MODEL_TYPES = {t.model: t for t in RECORD_TYPES.values()}


def record(type_name: str, obj) -> dict:
    kind = RECORD_TYPES[type_name]
    return {"type": type_name, "id": obj.pk, "version": kind.version(obj), "data": kind.data(obj)}


def masked_values(type_name: str, values: dict) -> dict:
    """A record's stored field values (as a conflict keeps them) with identifiers masked."""
    model = RECORD_TYPES[type_name].model if type_name in RECORD_TYPES else None
    sensitive = getattr(model, "sensitive_fields", {})
    return {
        k: mask(sensitive[k], v) if k in sensitive and isinstance(v, str) else v for k, v in values.items()
    }
