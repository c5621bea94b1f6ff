"""Writes to the standard address library."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from wangge.addresses.models import StandardAddress, address_code, normalise_text
from wangge.areas.models import Area
from wangge.core.actor import Actor
from wangge.core.services import create_record, end_record, require_edit, require_in_scope, update_record


def road_prefix(grid: Area) -> str:
    """A road is coded under its community's official 12-digit code, so road codes stay unique district-wide."""
    return grid.code[:12]


def community_text(grid: Area) -> str:
    """The area part of a standard address: district, street and community names."""
    return "".join(a.name for a in grid.ancestors() if len(a.code) <= 12)


def next_code(*, parent: StandardAddress | None, grid: Area, level: int) -> str:
    prefix = parent.code if parent else road_prefix(grid)
    siblings = StandardAddress.objects.filter(
        code__startswith=f"{prefix}{int(level)}", parent=parent, level=level
    )
    last = siblings.aggregate(m=Max("code"))["m"]
    sequence = int(last[len(prefix) + 1 :]) + 1 if last else 1
    return address_code(prefix, level, sequence)


@transaction.atomic
def address_create(
    *,
    actor: Actor,
    level: int,
    name: str,
    parent: StandardAddress | None = None,
    grid: Area | None = None,
    latitude=None,
    longitude=None,
) -> StandardAddress:
    """Add one node; the code and the normalised full text follow from the parent. Children inherit the grid."""
    require_edit(actor)
    name = normalise_text(name)
    if not name:
        raise ValidationError({"name": [_("请填写名称。")]})
    grid = grid or (parent.grid if parent else None)
    if grid is None:
        raise ValidationError({"grid": [_("请选择采集网格。")]})
    require_in_scope(actor, grid, "grid")
    if parent is not None:
        require_in_scope(actor, parent.grid, "parent")
        if parent.ended_on:
            raise ValidationError({"parent": [_("上级地址已注销。")]})
    full_text = (parent.full_text if parent else community_text(grid)) + name
    return create_record(
        StandardAddress,
        actor=actor,
        level=level,
        name=name,
        parent=parent,
        grid=grid,
        code=next_code(parent=parent, grid=grid, level=level),
        full_text=full_text,
        latitude=latitude,
        longitude=longitude,
    )


@transaction.atomic
def address_update(
    *, actor: Actor, address: StandardAddress, expected_version: int | None = None, **fields
) -> dict:
    """Rename, move to another grid or set the location. A rename rewrites the full text of the subtree."""
    require_edit(actor)
    changes = {k: v for k, v in fields.items() if k in {"name", "grid", "latitude", "longitude"}}
    if "name" in changes:
        changes["name"] = normalise_text(changes["name"])
        if not changes["name"]:
            raise ValidationError({"name": [_("请填写名称。")]})
    if "grid" in changes:
        require_in_scope(actor, changes["grid"], "grid")
    old_full_text = address.full_text
    if "name" in changes:
        base = (
            address.parent.full_text
            if address.parent_id
            else community_text(changes.get("grid") or address.grid)
        )
        changes["full_text"] = base + changes["name"]
    diff = update_record(address, actor=actor, fields=changes, expected_version=expected_version)
    if "full_text" in diff:
        # Descendants spell their parent's name inside their own full text; keep them true.
        descendants = list(
            StandardAddress.objects.filter(code__startswith=address.code).exclude(pk=address.pk)
        )
        for node in descendants:
            node.full_text = address.full_text + node.full_text[len(old_full_text) :]
        StandardAddress.objects.bulk_update(descendants, ["full_text"], batch_size=1000)
    return diff


@transaction.atomic
def address_end(*, actor: Actor, address: StandardAddress, reason: str) -> dict:
    require_edit(actor)
    if (
        address.children.filter(ended_on__isnull=True).exists()
        or address.houses.filter(ended_on__isnull=True).exists()
    ):
        raise ValidationError({"address": [_("该地址下还有未注销的下级地址或房屋，请先处理。")]})
    return end_record(address, actor=actor, reason=reason)
