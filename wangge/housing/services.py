"""Writes to actual housing."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.addresses.models import StandardAddress
from wangge.core.actor import Actor
from wangge.core.services import create_record, end_record, require_edit, require_in_scope, update_record
from wangge.housing.models import House
from wangge.people.identity import normalise_phone

EDITABLE = {"use", "owner", "owner_name", "owner_phone", "rental_status", "rooms", "floor_area"}


def next_house_code(address: StandardAddress) -> str:
    """House code = the address code + "H" + a two-digit number: several houses on one address stay visible."""
    taken = House.objects.filter(address=address).count()
    return f"{address.code}H{taken + 1:02d}"


def _clean(fields: dict) -> dict:
    if "owner_phone" in fields:
        fields["owner_phone"] = normalise_phone(fields["owner_phone"], "owner_phone")
    owner = fields.get("owner")
    if owner is not None and not fields.get("owner_name"):
        fields["owner_name"] = owner.name
    return fields


@transaction.atomic
def house_create(*, actor: Actor, address: StandardAddress, house_code: str = "", **fields) -> House:
    require_edit(actor)
    require_in_scope(actor, address.grid, "address")
    if address.ended_on:
        raise ValidationError({"address": [_("该标准地址已注销。")]})
    fields = _clean({k: v for k, v in fields.items() if k in EDITABLE})
    return create_record(
        House,
        actor=actor,
        address=address,
        grid=address.grid,
        house_code=house_code or next_house_code(address),
        **fields,
    )


@transaction.atomic
def house_update(*, actor: Actor, house: House, expected_version: int | None = None, **fields) -> dict:
    require_edit(actor)
    return update_record(
        house,
        actor=actor,
        fields=_clean({k: v for k, v in fields.items() if k in EDITABLE}),
        expected_version=expected_version,
    )


@transaction.atomic
def house_end(*, actor: Actor, house: House, reason: str) -> dict:
    """A demolished or merged house ends; people still living there must move out first."""
    require_edit(actor)
    if house.residences.filter(ended_on__isnull=True).exists():
        raise ValidationError({"house": [_("该房屋还有在住人员，请先办理迁出。")]})
    return end_record(house, actor=actor, reason=reason)
