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
from wangge.core.bulk import (
    Change,
    RowOutcome,
    RowStatus,
    Tally,
    create_records,
    fetch_in,
    in_scope,
    scope_grid_ids,
    update_records,
)
from wangge.core.services import (
    create_record,
    end_record,
    reject_bad_text,
    require_edit,
    require_in_scope,
    update_record,
)
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


# --- import -----------------------------------------------------------------------------------------------


def units_import(*, actor: Actor, rows: list[dict], commit: bool = True, report=None) -> list[RowOutcome]:
    """Register or update many units: each row has UNIT_FIELDS and its `address`. The natural key is the
    unified social credit code; a unit without one is the current unit of the same name at the same address.
    Every row is checked first, then the valid ones are written, audited as the single services do."""
    require_edit(actor)
    scope = scope_grid_ids(actor)
    outcomes = [RowOutcome() for _row in rows]
    cleaned: list[dict | None] = [None] * len(rows)
    for i, row in enumerate(rows):
        try:
            fields = _clean(row)
            reject_bad_text(fields)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    outcomes[i].reject(name, message)
            continue
        cleaned[i] = fields
    by_code = {
        u.credit_code: u
        for u in fetch_in(Unit.objects.all(), "credit_code", (f.get("credit_code") for f in cleaned if f))
    }
    address_ids = {r["address"].pk for r in rows if r.get("address") is not None}
    by_name: dict[tuple, list[Unit]] = {}
    for u in fetch_in(Unit.objects.filter(ended_on__isnull=True), "address_id", address_ids):
        by_name.setdefault((u.address_id, u.name), []).append(u)

    new_units: list[Unit] = []
    changes: list[Change] = []
    first: dict = {}
    for i, fields in enumerate(cleaned):
        outcome = outcomes[i]
        if fields is None:
            continue
        address = rows[i].get("address")
        if address is not None:
            if not in_scope(scope, address.grid_id):
                outcome.reject("address", _("地址不在您的管辖范围内。"))
            elif address.ended_on:
                outcome.reject("address", _("该标准地址已注销。"))
        staff = fields.get("staff_count")
        if staff is not None and staff < 0:
            outcome.reject("staff_count", _("从业人数不能为负数。"))
        code = fields.get("credit_code")
        unit = by_code.get(code) if code else None
        if unit is None and not code and address is not None and fields.get("name"):
            same = by_name.get((address.pk, fields["name"]), [])
            if len(same) > 1:
                outcome.reject("credit_code", _("该地址上有多个同名单位，请填写统一社会信用代码。"))
            unit = same[0] if same else None
        if unit is not None:
            if not in_scope(scope, unit.grid_id):
                outcome.reject("credit_code", _("该统一社会信用代码已登记。"))
            elif unit.ended_on:
                outcome.reject("name", _("该单位已注销。"))
        key = code or (address.pk if address else None, fields.get("name"))
        if not outcome.rejected and key in first:
            outcome.reject(
                "credit_code" if code else "name", _("与第 %(n)s 条记录是同一单位。") % {"n": first[key] + 1}
            )
        if outcome.rejected:
            continue
        first[key] = i
        if unit is None:
            for name, message in (
                ("name", _("请填写单位名称。")),
                ("kind", _("请填写单位类型。")),
                ("address", _("请填写标准地址。")),
            ):
                if not (address if name == "address" else fields.get(name)):
                    outcome.reject(name, message)
            if outcome.rejected:
                continue
            new_units.append(Unit(address=address, grid_id=address.grid_id, **fields))
            outcome.status = RowStatus.NEW
            continue
        if address is not None and address.pk != unit.address_id:
            fields.update(address_id=address.pk, grid_id=address.grid_id)
        fields = {k: v for k, v in fields.items() if getattr(unit, k) != v}
        if fields:
            changes.append(Change(instance=unit, fields=fields))
        outcome.status = RowStatus.CHANGED if fields else RowStatus.UNCHANGED

    if commit:
        tally = Tally(len(new_units) + len(changes), report)
        create_records(Unit, new_units, actor=actor, tick=tally)
        update_records(Unit, changes, actor=actor, tick=tally)
    return outcomes
