"""Writes to the area tree and the police overlay."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.roles import can_manage_users
from wangge.areas.models import Area, AreaLevel, PoliceGrid, PoliceOffice, PoliceStation
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction
from wangge.core.services import create_record, record_change, require, update_record


def _require_admin(actor: Actor) -> None:
    # The tree is the skeleton of every scope; only admins (or the system) reshape it.
    if actor.user is not None:
        require(actor, can_manage_users(actor.user))


@transaction.atomic
def area_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    level: str,
    parent: Area | None = None,
    kind: str = "",
    boundary=None,
) -> Area:
    _require_admin(actor)
    if parent is not None and actor.user is not None:
        if not Area.objects.visible_to(actor.user).filter(pk=parent.pk).exists():
            raise ValidationError({"parent": [_("所选记录不存在。")]})
    return create_record(
        Area, actor=actor, code=code, name=name, level=level, parent=parent, kind=kind, boundary=boundary
    )


@transaction.atomic
def area_update(*, actor: Actor, area: Area, expected_version: int | None = None, **fields) -> dict:
    """Name, kind and boundary may change; the code is an identity and stays."""
    _require_admin(actor)
    allowed = {k: v for k, v in fields.items() if k in {"name", "kind", "boundary"}}
    return update_record(area, actor=actor, fields=allowed, expected_version=expected_version)


@transaction.atomic
def police_station_create(*, actor: Actor, code: str, name: str, district: Area) -> PoliceStation:
    return create_record(PoliceStation, actor=actor, code=code, name=name, district=district)


@transaction.atomic
def police_office_create(
    *, actor: Actor, code: str, name: str, station: PoliceStation, community: Area | None = None
) -> PoliceOffice:
    return create_record(
        PoliceOffice, actor=actor, code=code, name=name, station=station, community=community
    )


@transaction.atomic
def police_grid_create(*, actor: Actor, code: str, name: str, office: PoliceOffice, grids=()) -> PoliceGrid:
    police_grid = create_record(PoliceGrid, actor=actor, code=code, name=name, office=office)
    police_grid_set_grids(actor=actor, police_grid=police_grid, grids=grids)
    return police_grid


@transaction.atomic
def police_grid_set_grids(*, actor: Actor, police_grid: PoliceGrid, grids) -> None:
    grids = list(grids)
    if any(g.level != AreaLevel.GRID for g in grids):
        raise ValidationError({"grids": [_("警格只能覆盖采集网格。")]})
    before = sorted(police_grid.grids.values_list("pk", flat=True))
    police_grid.grids.set(grids)
    after = sorted(g.pk for g in grids)
    if before != after:
        record_change(
            actor=actor, instance=police_grid, action=ChangeAction.CHANGE, changes={"grids": [before, after]}
        )
