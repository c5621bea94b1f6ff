"""The fields a re-check looks at, per record kind: how each is read from the register into the snapshot, how it
is shown (masked), and how a correction found in the field is written back through the register's services.

A field is "correctable" when the checker can put it right on the spot. Where a person lives (residence) and how
many people live in a house (residents) are not: changing them moves people between houses, which is the work of
a visit in the grid's own scope; the checker marks them wrong and the re-collection of the grid takes it up.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from wangge.core.masking import mask
from wangge.housing.models import House, HouseUse, RentalStatus
from wangge.people.choices import Category, PersonStatus, Relation, Sex
from wangge.people.models import Person, Residence
from wangge.rechecks.choices import RecordKind


@dataclass(frozen=True)
class CheckedField:
    name: str
    label: str
    correctable: bool = True
    choices: type | None = None
    sensitive: str | None = None  # masking kind ("id", "phone")

    def display(self, value) -> str:
        if value in (None, ""):
            return ""
        if self.choices is not None:
            try:
                return str(self.choices(value).label)
            except ValueError:
                return str(value)
        return str(value)


FIELDS: dict[str, list[CheckedField]] = {
    RecordKind.PERSON: [
        CheckedField("name", _("姓名")),
        CheckedField("id_number", _("证件号码"), sensitive="id"),
        CheckedField("sex", _("性别"), choices=Sex),
        CheckedField("birth_date", _("出生日期")),
        CheckedField("phone", _("联系电话"), sensitive="phone"),
        CheckedField("category", _("人员类别"), choices=Category),
        CheckedField("residence", _("现住址"), correctable=False),
        CheckedField("relation", _("与房屋关系"), choices=Relation),
    ],
    RecordKind.HOUSE: [
        CheckedField("use", _("房屋用途"), choices=HouseUse),
        CheckedField("rental_status", _("使用状态"), choices=RentalStatus),
        CheckedField("rooms", _("房间数")),
        CheckedField("floor_area", _("建筑面积（平方米）")),
        CheckedField("owner_name", _("房主姓名")),
        CheckedField("residents", _("在住人数"), correctable=False),
    ],
}
BY_NAME: dict[str, dict[str, CheckedField]] = {
    kind: {f.name: f for f in fields} for kind, fields in FIELDS.items()
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def primary_residence(person: Person) -> Residence | None:
    return (
        person.residences.filter(is_primary=True, ended_on__isnull=True)
        .select_related("house__address")
        .order_by("-started_on", "-id")
        .first()
    )


def person_snapshot(person: Person, residence: Residence | None) -> dict:
    return {
        "name": person.name,
        "id_number": person.id_number,
        "sex": person.sex,
        "birth_date": _text(person.birth_date),
        "phone": person.phone,
        "category": person.category,
        "residence": residence.house.address.full_text if residence else "",
        "relation": residence.relation if residence else "",
        # Not checked, kept so a correction of `relation` finds the residence that was looked at.
        "residence_id": residence.pk if residence else None,
        "house_code": residence.house.house_code if residence else "",
    }


def house_snapshot(house: House, residents: int) -> dict:
    return {
        "house_code": house.house_code,
        "use": house.use,
        "rental_status": house.rental_status,
        "rooms": _text(house.rooms),
        "floor_area": _text(house.floor_area),
        "owner_name": house.owner_name,
        "residents": str(residents),
    }


def current_residents(house_ids) -> dict[int, int]:
    from django.db.models import Count

    rows = (
        Residence.objects.filter(
            house_id__in=list(house_ids), ended_on__isnull=True, person__status=PersonStatus.ACTIVE
        )
        .values("house_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["house_id"]: r["n"] for r in rows}


def shown(field: CheckedField, value, *, reveal: bool) -> str:
    """A recorded or found value as the viewer may see it: ID numbers and phones masked unless the role may."""
    text = _text(value)
    if field.sensitive and not reveal:
        return mask(field.sensitive, text)
    return text


def field_rows(kind: str, snapshot: dict, *, reveal: bool) -> list[dict]:
    """What the checker is shown: each checked field with its recorded value."""
    rows = []
    for field in FIELDS[kind]:
        value = snapshot.get(field.name, "")
        rows.append(
            {
                "field": field.name,
                "label": str(field.label),
                "value": shown(field, value, reveal=reveal),
                "display": field.display(value)
                if not field.sensitive
                else shown(field, value, reveal=reveal),
                "correctable": field.correctable,
                "choices": [[c, str(label)] for c, label in field.choices.choices] if field.choices else None,
            }
        )
    return rows
