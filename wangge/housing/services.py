"""Writes to actual housing."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from wangge.addresses.models import AddressLevel, DuplicateKind, MergeStatus, StandardAddress
from wangge.addresses.services import (
    decide,
    lock_pending,
    merge_summary,
    merged_side,
    propose_merges,
    repoint_references,
    require_merge_role,
    supersede_proposals,
)
from wangge.core.actor import Actor
from wangge.core.bulk import (
    Change,
    RowOutcome,
    RowStatus,
    Tally,
    chunks,
    create_records,
    fetch_in,
    in_scope,
    scope_grid_ids,
    update_records,
)
from wangge.core.models import ChangeAction
from wangge.core.services import (
    create_record,
    end_record,
    record_change,
    reject_bad_text,
    require_edit,
    require_in_scope,
    update_record,
)
from wangge.housing.models import House, HouseMergeProposal
from wangge.people.identity import normalise_phone

EDITABLE = {"use", "owner", "owner_name", "owner_phone", "rental_status", "rooms", "floor_area"}


# House code = the code of the address it was registered on + "H" + a sequence number of two digits (three
# after 99), docs/address-engine.md "House codes".
HOUSE_CODE = re.compile(r"^(?P<address>[0-9]+)H(?P<number>[0-9]{2,3})$")


def next_house_code(address: StandardAddress) -> str:
    """One more than the highest number ever given on this address: houses moved away by a merge, or ended,
    keep theirs, so a number is never handed out twice."""
    prefix = f"{address.code}H"
    taken = House.objects.filter(house_code__startswith=prefix).values_list("house_code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def check_house_code(address: StandardAddress, code: str) -> None:
    """A code given for a new house must be one this address could have given, and free."""
    match = HOUSE_CODE.match(code)
    if match is None or match["address"] != address.code or int(match["number"]) == 0:
        raise ValidationError(
            {
                "house_code": [
                    _("房屋编码须为所在地址编码加“H”和两位序号，如 %(example)s；不填则自动生成。")
                    % {"example": next_house_code(address)}
                ]
            }
        )
    if House.objects.filter(house_code=code).exists():
        raise ValidationError({"house_code": [_("该房屋编码已登记。")]})


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
    house_code = (house_code or "").strip()
    if house_code:
        check_house_code(address, house_code)
    return create_record(
        House,
        actor=actor,
        address=address,
        grid=address.grid,
        house_code=house_code or next_house_code(address),
        **fields,
    )


@transaction.atomic
def house_update(
    *, actor: Actor, house: House, expected_version: int | None = None, reason: str = "", **fields
) -> dict:
    require_edit(actor)
    return update_record(
        house,
        actor=actor,
        fields=_clean({k: v for k, v in fields.items() if k in EDITABLE}),
        expected_version=expected_version,
        reason=reason,
    )


@transaction.atomic
def house_end(*, actor: Actor, house: House, reason: str) -> dict:
    """A demolished or merged house ends; people still living there must move out first."""
    require_edit(actor)
    if house.residences.filter(ended_on__isnull=True).exists():
        raise ValidationError({"house": [_("该房屋还有在住人员，请先办理迁出。")]})
    return end_record(house, actor=actor, reason=reason)


# --- import -----------------------------------------------------------------------------------------------

MAX_ROOMS = 32767


def houses_import(*, actor: Actor, rows: list[dict], commit: bool = True, report=None) -> list[RowOutcome]:
    """Register or update many houses: each row has its `address` (building or room level) and optionally its
    `house_code` (the natural key) and the EDITABLE fields. Without a code, the one current house on the
    address is meant (none: a new house, coded as next_house_code does; several: the code is needed).
    Every row is checked first, then the valid ones are written, audited as the single services do."""
    require_edit(actor)
    scope = scope_grid_ids(actor)
    outcomes = [RowOutcome() for _row in rows]
    by_code = {
        h.house_code: h
        for h in fetch_in(
            House.objects.select_related("address"), "house_code", (r.get("house_code") for r in rows)
        )
    }
    address_ids = {r["address"].pk for r in rows if r.get("address") is not None}
    on_address: dict[int, list[House]] = {}
    for h in fetch_in(
        House.objects.filter(ended_on__isnull=True).select_related("address"), "address_id", address_ids
    ):
        on_address.setdefault(h.address_id, []).append(h)
    taken: dict[int, int] = {}
    for part in chunks(sorted(address_ids)):
        counts = House.objects.filter(address_id__in=part).values("address_id").annotate(n=Count("id"))
        taken.update({c["address_id"]: c["n"] for c in counts})

    new_houses: list[House] = []
    changes: list[Change] = []
    first: dict = {}
    for i, row in enumerate(rows):
        outcome = outcomes[i]
        address = row.get("address")
        code = row.get("house_code") or ""
        fields = {k: v for k, v in row.items() if k in EDITABLE - {"owner"}}
        try:
            reject_bad_text({"house_code": code, **fields})
            fields = _clean(fields)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    outcome.reject(name, message)
        _check_house_values(outcome, fields)
        if address is None:
            outcome.reject("address", _("请填写标准地址。"))
        elif not in_scope(scope, address.grid_id):
            outcome.reject("address", _("地址不在您的管辖范围内。"))
        elif address.ended_on:
            outcome.reject("address", _("该标准地址已注销。"))
        elif address.level not in (AddressLevel.BUILDING, AddressLevel.ROOM):
            outcome.reject("address", _("房屋须登记在楼栋级或户室级标准地址上。"))
        if outcome.rejected:
            continue
        key = code or ("address", address.pk)
        if key in first:
            outcome.reject(
                "house_code" if code else "address",
                _("与第 %(n)s 条记录是同一房屋。") % {"n": first[key] + 1},
            )
            continue
        first[key] = i
        if code:
            house = by_code.get(code)
            if house is not None and not in_scope(scope, house.grid_id):
                outcome.reject("house_code", _("该房屋编码已登记。"))
                continue
            if house is not None and house.address_id != address.pk:
                outcome.reject("house_code", _("该房屋编码已登记在另一个地址上。"))
                continue
        else:
            current = on_address.get(address.pk, [])
            if len(current) > 1:
                outcome.reject("house_code", _("该地址上有多处房屋，请填写房屋编码。"))
                continue
            house = current[0] if current else None
        if house is None:
            if not code:
                taken[address.pk] = taken.get(address.pk, 0) + 1
                code = f"{address.code}H{taken[address.pk]:02d}"
            new_houses.append(House(house_code=code, address=address, grid_id=address.grid_id, **fields))
            outcome.status = RowStatus.NEW
            continue
        if house.ended_on:
            outcome.reject("house_code", _("该房屋已注销。"))
            continue
        fields = {k: v for k, v in fields.items() if getattr(house, k) != v}
        if fields:
            changes.append(Change(instance=house, fields=fields))
        outcome.status = RowStatus.CHANGED if fields else RowStatus.UNCHANGED

    if commit:
        tally = Tally(len(new_houses) + len(changes), report)
        create_records(House, new_houses, actor=actor, tick=tally)
        update_records(House, changes, actor=actor, tick=tally)
    return outcomes


def _check_house_values(outcome: RowOutcome, fields: dict) -> None:
    rooms = fields.get("rooms")
    if rooms is not None and not 1 <= rooms <= MAX_ROOMS:
        outcome.reject("rooms", _("房间数须在 1 到 %(n)s 之间。") % {"n": MAX_ROOMS})
    area = fields.get("floor_area")
    if area is not None:
        if not 0 <= area <= 1_000_000:
            outcome.reject("floor_area", _("建筑面积不合理。"))
        else:
            fields["floor_area"] = round(area, 2)
    limit = House._meta.get_field("owner_name").max_length
    if len(fields.get("owner_name") or "") > limit:
        outcome.reject("owner_name", _("最多 %(n)s 个字符。") % {"n": limit})


# --- "one address, several house codes" (R-11; docs/address-engine.md "Duplicates and merges") -------------


def house_signature(house: House) -> tuple:
    """What tells two houses on one building apart (a floor let separately has its own area, use or owner)."""
    owner = ("person", house.owner_id) if house.owner_id else ("name", house.owner_name.strip())
    return house.use, owner, house.floor_area


def find_house_duplicates(*, actor: Actor, grids: set[int] | None) -> int:
    """Propose merging current houses that are one house: any two on one room (a flat is one house), and two on
    one building that agree on use, owner and floor area. Returns the number of new proposals."""
    houses = House.objects.filter(ended_on__isnull=True)
    if grids is not None:
        houses = houses.filter(grid_id__in=grids)
    crowded = houses.values("address_id").annotate(n=Count("id")).filter(n__gt=1).values("address_id")
    groups: dict[tuple, list[int]] = {}
    for house in houses.filter(address_id__in=crowded).select_related("address").order_by("pk"):
        if house.address.level == AddressLevel.ROOM:
            key = (house.address_id,)
        else:
            key = (house.address_id, *house_signature(house))
        groups.setdefault(key, []).append(house.pk)
    pairs = {}
    for pks in groups.values():
        for other in pks[1:]:
            pairs[(pks[0], other)] = (DuplicateKind.SAME_ADDRESS, "")
    return propose_merges(HouseMergeProposal, pairs, actor=actor)


@transaction.atomic
def house_merge_approve(*, actor: Actor, proposal: HouseMergeProposal, survivor: House, reason: str = ""):
    """Merge two house codes into the chosen survivor: the other house ends ("并入 <house code>"), its
    residences (current and past) and anything else pointing at it move to the survivor. Someone registered
    in both keeps one current residence there (the primary one, else the earliest); the others end."""
    require_merge_role(actor)
    reject_bad_text({"reason": reason})
    proposal = lock_pending(proposal, actor=actor)
    merged = merged_side(proposal, survivor)
    survivor = House.objects.select_for_update().get(pk=survivor.pk)
    why = _("并入 %(code)s") % {"code": survivor.house_code}
    moved = repoint_references(actor=actor, old=merged, new=survivor, reason=why)
    current = survivor.residences.filter(ended_on__isnull=True).order_by("-is_primary", "started_on", "pk")
    seen: set[int] = set()
    for residence in list(current.select_related("person")):
        if residence.person_id in seen:
            end_record(residence, actor=actor, reason=_("房屋合并后重复的居住登记（%(why)s）") % {"why": why})
        elif residence.is_primary and residence.person.grid_id != survivor.grid_id:
            # A person belongs to the grid of their primary residence (people.services keeps the same rule).
            update_record(residence.person, actor=actor, fields={"grid_id": survivor.grid_id}, reason=why)
        seen.add(residence.person_id)
    supersede_proposals(HouseMergeProposal, actor=actor, merged=merged, survivor=survivor, decided=proposal)
    end_record(merged, actor=actor, reason=why)
    record_change(
        actor=actor,
        instance=survivor,
        action=ChangeAction.CHANGE,
        reason=_("合并：房屋 %(code)s（%(text)s）并入本房屋，迁入 %(what)s。")
        % {"code": merged.house_code, "text": merged.address.full_text, "what": merge_summary(moved)},
    )
    note = _("%(m)s 并入 %(s)s；迁移：%(what)s。") % {
        "m": merged.house_code,
        "s": survivor.house_code,
        "what": merge_summary(moved),
    }
    decide(
        proposal,
        actor=actor,
        status=MergeStatus.APPROVED,
        survivor=survivor,
        reason=(reason or "").strip() or note,
    )
    return proposal
