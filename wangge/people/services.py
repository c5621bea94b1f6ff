"""Writes to actual population: people, their residences."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from wangge.areas.models import Area, AreaLevel
from wangge.core.actor import Actor
from wangge.core.services import create_record, end_record, require_edit, require_in_scope, update_record
from wangge.housing.models import House
from wangge.people.choices import IdType, PersonStatus
from wangge.people.identity import check_resident_id, normalise_phone
from wangge.people.models import Person, Residence

PERSON_FIELDS = {
    "id_type",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "hukou_address",
    "hukou_division",
    "category",
}


def pinyin_keys(name: str) -> dict:
    """Initials ("zs") and full pinyin ("zhangsan") of a name, for search."""
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return {"name_pinyin": "".join(syllables).lower()[:400], "name_initials": "".join(initials).lower()[:100]}


def _clean(fields: dict, *, id_type: str) -> tuple[dict, list[str]]:
    """Normalise, check the document, derive sex and birth date from a resident ID; return warnings too."""
    warnings: list[str] = []
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
        if not fields["name"]:
            raise ValidationError({"name": [_("请填写姓名。")]})
        fields.update(pinyin_keys(fields["name"]))
    if "phone" in fields:
        fields["phone"] = normalise_phone(fields["phone"])
    if "id_number" in fields:
        raw = (fields["id_number"] or "").strip()
        if not raw:
            raise ValidationError({"id_number": [_("请填写证件号码。")]})
        if id_type == IdType.RESIDENT_ID:
            facts = check_resident_id(raw)
            fields["id_number"] = facts.number
            # The document is the authority on sex and birth date; a form may not contradict it.
            fields["birth_date"] = facts.birth_date
            fields["sex"] = facts.sex
            warnings = facts.warnings
        else:
            fields["id_number"] = "".join(raw.split()).upper()
    return fields, warnings


def _require_unique_document(fields: dict, *, id_type: str, exclude_pk: int | None = None) -> None:
    """Named on the field, not as a table-wide error. It says the number is registered somewhere, even
    outside the user's scope: a register that hid this would fill up with duplicates."""
    number = fields.get("id_number")
    if number and Person.objects.filter(id_type=id_type, id_number=number).exclude(pk=exclude_pk).exists():
        raise ValidationError({"id_number": [_("该证件号码已登记。")]})


@transaction.atomic
def person_create(*, actor: Actor, grid: Area, **fields) -> Person:
    """Register a person in a grid. Warnings (e.g. an unknown ID region) are set on person.warnings."""
    require_edit(actor)
    require_in_scope(actor, grid, "grid")
    if grid.level != AreaLevel.GRID:
        raise ValidationError({"grid": [_("请选择采集网格。")]})
    fields = {k: v for k, v in fields.items() if k in PERSON_FIELDS}
    id_type = fields.get("id_type") or IdType.RESIDENT_ID
    fields, warnings = _clean(fields, id_type=id_type)
    _require_unique_document(fields, id_type=id_type)
    person = create_record(Person, actor=actor, grid=grid, **fields)
    person.warnings = warnings
    return person


@transaction.atomic
def person_update(*, actor: Actor, person: Person, expected_version: int | None = None, **fields) -> dict:
    require_edit(actor)
    if person.status == PersonStatus.DEREGISTERED:
        raise ValidationError({"status": [_("此人已注销，不能修改。")]})
    fields = {k: v for k, v in fields.items() if k in PERSON_FIELDS}
    id_type = fields.get("id_type") or person.id_type
    if "id_type" in fields and "id_number" not in fields:
        fields["id_number"] = person.id_number
    fields, warnings = _clean(fields, id_type=id_type)
    _require_unique_document(fields, id_type=id_type, exclude_pk=person.pk)
    diff = update_record(person, actor=actor, fields=fields, expected_version=expected_version)
    person.warnings = warnings
    return diff


@transaction.atomic
def person_deregister(*, actor: Actor, person: Person, reason: str, on: datetime.date | None = None) -> dict:
    """注销: the person stays in the register, marked and dated, and their current residences end too."""
    require_edit(actor)
    if person.status == PersonStatus.DEREGISTERED:
        raise ValidationError({"status": [_("此人已注销。")]})
    on = on or timezone.localdate()
    for residence in person.residences.filter(ended_on__isnull=True):
        end_record(residence, actor=actor, reason=reason, on=max(on, residence.started_on))
    return end_record(person, actor=actor, reason=reason, on=on, status=PersonStatus.DEREGISTERED)


@transaction.atomic
def residence_create(
    *,
    actor: Actor,
    person: Person,
    house: House,
    relation: str,
    started_on: datetime.date,
    is_primary: bool = True,
    source: str = "collected",
) -> Residence:
    """Someone lives in a house. A primary residence also moves the person into that house's grid."""
    require_edit(actor)
    require_in_scope(actor, house.grid, "house")
    if person.status == PersonStatus.DEREGISTERED:
        raise ValidationError({"person": [_("此人已注销。")]})
    if house.ended_on:
        raise ValidationError({"house": [_("该房屋已注销。")]})
    if started_on and started_on > timezone.localdate():
        raise ValidationError({"started_on": [_("入住日期不能在未来。")]})
    if is_primary and person.residences.filter(is_primary=True, ended_on__isnull=True).exists():
        raise ValidationError({"is_primary": [_("此人已有一处当前主要居住地，请先注销原居住登记。")]})
    residence = create_record(
        Residence,
        actor=actor,
        person=person,
        house=house,
        relation=relation,
        started_on=started_on,
        is_primary=is_primary,
        source=source,
    )
    if is_primary and person.grid_id != house.grid_id:
        update_record(person, actor=actor, fields={"grid": house.grid})
    return residence


@transaction.atomic
def residence_update(
    *, actor: Actor, residence: Residence, expected_version: int | None = None, **fields
) -> dict:
    require_edit(actor)
    if residence.ended_on:
        raise ValidationError({"ended_on": [_("该居住登记已结束，不能修改。")]})
    allowed = {k: v for k, v in fields.items() if k in {"relation", "is_primary", "started_on"}}
    if allowed.get("is_primary") and not residence.is_primary:
        others = residence.person.residences.filter(is_primary=True, ended_on__isnull=True)
        if others.exclude(pk=residence.pk).exists():
            raise ValidationError({"is_primary": [_("此人已有一处当前主要居住地，请先注销原居住登记。")]})
    return update_record(residence, actor=actor, fields=allowed, expected_version=expected_version)


@transaction.atomic
def residence_end(
    *, actor: Actor, residence: Residence, reason: str, on: datetime.date | None = None
) -> dict:
    """搬离: the residence ends on a day, with a reason; the record stays."""
    require_edit(actor)
    on = on or timezone.localdate()
    if on < residence.started_on:
        raise ValidationError({"ended_on": [_("迁出日期不能早于入住日期。")]})
    return end_record(residence, actor=actor, reason=reason, on=on)
