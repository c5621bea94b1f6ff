"""Writes to actual units and employments."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from wangge.addresses.models import StandardAddress
from wangge.core.actor import Actor
from wangge.core.services import create_record, end_record, require_edit, require_in_scope, update_record
from wangge.people.choices import PersonStatus
from wangge.people.identity import normalise_phone
from wangge.people.models import Person
from wangge.units.models import Employment, Unit

UNIT_FIELDS = {"credit_code", "name", "kind", "contact_name", "contact_phone", "staff_count"}


def check_credit_code(raw: str | None) -> str | None:
    """GB 32100 unified social credit code; blank is allowed (a street stall may have none)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return uscc.validate(raw)
    except stdnum_errors.InvalidChecksum as exc:
        raise ValidationError({"credit_code": [_("统一社会信用代码校验位错误。")]}) from exc
    except stdnum_errors.ValidationError as exc:
        raise ValidationError({"credit_code": [_("统一社会信用代码须为 18 位数字或大写字母。")]}) from exc


def _clean(fields: dict) -> dict:
    fields = {k: v for k, v in fields.items() if k in UNIT_FIELDS}
    if "credit_code" in fields:
        fields["credit_code"] = check_credit_code(fields["credit_code"])
    if "contact_phone" in fields:
        fields["contact_phone"] = normalise_phone(fields["contact_phone"], "contact_phone")
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
    return fields


@transaction.atomic
def unit_create(*, actor: Actor, address: StandardAddress, **fields) -> Unit:
    require_edit(actor)
    require_in_scope(actor, address.grid, "address")
    return create_record(Unit, actor=actor, address=address, grid=address.grid, **_clean(fields))


@transaction.atomic
def unit_update(
    *, actor: Actor, unit: Unit, expected_version: int | None = None, address=None, **fields
) -> dict:
    require_edit(actor)
    fields = _clean(fields)
    if address is not None:
        require_in_scope(actor, address.grid, "address")
        fields.update(address=address, grid=address.grid)
    return update_record(unit, actor=actor, fields=fields, expected_version=expected_version)


@transaction.atomic
def unit_end(*, actor: Actor, unit: Unit, reason: str) -> dict:
    """A unit closes: its current employments end with it."""
    require_edit(actor)
    for employment in unit.employments.filter(ended_on__isnull=True):
        end_record(employment, actor=actor, reason=reason, on=max(timezone.localdate(), employment.hired_on))
    return end_record(unit, actor=actor, reason=reason)


@transaction.atomic
def employment_create(
    *, actor: Actor, person: Person, unit: Unit, hired_on: datetime.date, position: str = ""
) -> Employment:
    require_edit(actor)
    require_in_scope(actor, unit.grid, "unit")
    if person.status == PersonStatus.DEREGISTERED:
        raise ValidationError({"person": [_("此人已注销。")]})
    if unit.ended_on:
        raise ValidationError({"unit": [_("该单位已注销。")]})
    if hired_on > timezone.localdate():
        raise ValidationError({"hired_on": [_("入职日期不能在未来。")]})
    return create_record(
        Employment, actor=actor, person=person, unit=unit, hired_on=hired_on, position=position
    )


@transaction.atomic
def employment_update(
    *, actor: Actor, employment: Employment, expected_version: int | None = None, **fields
) -> dict:
    require_edit(actor)
    allowed = {k: v for k, v in fields.items() if k in {"position", "hired_on"}}
    return update_record(employment, actor=actor, fields=allowed, expected_version=expected_version)


@transaction.atomic
def employment_end(
    *, actor: Actor, employment: Employment, reason: str, on: datetime.date | None = None
) -> dict:
    """离职: "deregister on leaving"."""
    require_edit(actor)
    on = on or timezone.localdate()
    if on < employment.hired_on:
        raise ValidationError({"ended_on": [_("离职日期不能早于入职日期。")]})
    return end_record(employment, actor=actor, reason=reason, on=on)
