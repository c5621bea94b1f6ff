"""Writes to the area tree and the police overlay (派出所 → 警务室 → 警格).

Both are the skeleton of every scope, so only admins (or the system) change them. A police station, office or
police grid may be changed by an admin only when all of it lies inside their scope: a station by those who
hold its district; an office or police grid also by those who hold every collection grid it covers (and the
office's community). An admin who sees only part of one may read it but not reshape it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.roles import can_manage_users
from wangge.areas.models import Area, AreaLevel, PoliceGrid, PoliceOffice, PoliceStation
from wangge.areas.selectors import holds_police_record
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction
from wangge.core.services import (
    create_record,
    end_record,
    record_change,
    require,
    require_in_scope,
    update_record,
)


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


# --- the police overlay ----------------------------------------------------------------------------------


def _require_area(actor: Actor, area: Area, *, level: str, field: str) -> None:
    """A referenced area of the right level, inside the acting admin's scope ("not found" otherwise)."""
    if area.level != level:
        raise ValidationError({field: [_("须选择一个%(level)s。") % {"level": AreaLevel(level).label}]})
    if actor.user is not None and not Area.objects.visible_to(actor.user).filter(pk=area.pk).exists():
        raise ValidationError({field: [_("所选记录不存在。")]})


def _require_police_admin(actor: Actor, record) -> None:
    """Only an admin who holds all of a station, office or police grid may change or end it."""
    _require_admin(actor)
    if actor.user is not None and not holds_police_record(user=actor.user, record=record):
        raise PermissionDenied(_("该记录有部分范围不在您的管辖区域内，请由上级管理员修改。"))


def _require_current(record, field: str) -> None:
    if record.ended_on is not None:
        raise ValidationError({field: [_("%(name)s 已注销。") % {"name": record.name}]})


def _police_update(actor: Actor, record, expected_version: int | None, fields: dict) -> dict:
    """Only the name changes; the code is an identity and stays, as an area's does."""
    _require_police_admin(actor, record)
    _require_current(record, "name")
    allowed = {k: v for k, v in fields.items() if k == "name"}
    return update_record(record, actor=actor, fields=allowed, expected_version=expected_version)


@transaction.atomic
def police_station_create(*, actor: Actor, code: str, name: str, district: Area) -> PoliceStation:
    """A police station belongs to a district: only those who hold the district create one."""
    _require_admin(actor)
    _require_area(actor, district, level=AreaLevel.DISTRICT, field="district")
    return create_record(PoliceStation, actor=actor, code=code, name=name, district=district)


@transaction.atomic
def police_station_update(
    *, actor: Actor, station: PoliceStation, expected_version: int | None = None, **fields
) -> dict:
    return _police_update(actor, station, expected_version, fields)


@transaction.atomic
def police_station_end(*, actor: Actor, station: PoliceStation, reason: str) -> dict:
    _require_police_admin(actor, station)
    if station.offices.filter(ended_on__isnull=True).exists():
        raise ValidationError({"station": [_("该派出所还有未注销的警务室，请先注销这些警务室。")]})
    return end_record(station, actor=actor, reason=reason)


@transaction.atomic
def police_office_create(
    *, actor: Actor, code: str, name: str, station: PoliceStation, community: Area | None = None
) -> PoliceOffice:
    """A community police office serves one community of its station's district."""
    _require_admin(actor)
    _require_current(station, "station")
    if community is None:
        raise ValidationError({"community": [_("请选择警务室所在社区。")]})
    _require_area(actor, community, level=AreaLevel.COMMUNITY, field="community")
    district = station.district
    if not community.code.startswith(district.code):
        raise ValidationError({"community": [_("社区须在派出所所属的%(d)s内。") % {"d": district.name}]})
    return create_record(
        PoliceOffice, actor=actor, code=code, name=name, station=station, community=community
    )


@transaction.atomic
def police_office_update(
    *, actor: Actor, office: PoliceOffice, expected_version: int | None = None, **fields
) -> dict:
    return _police_update(actor, office, expected_version, fields)


@transaction.atomic
def police_office_end(*, actor: Actor, office: PoliceOffice, reason: str) -> dict:
    _require_police_admin(actor, office)
    if office.police_grids.filter(ended_on__isnull=True).exists():
        raise ValidationError({"office": [_("该警务室还有未注销的警格，请先注销这些警格。")]})
    return end_record(office, actor=actor, reason=reason)


@transaction.atomic
def police_grid_create(*, actor: Actor, code: str, name: str, office: PoliceOffice, grids=()) -> PoliceGrid:
    _require_admin(actor)
    _require_current(office, "office")
    grids = list(grids)
    _check_grids(actor, office, grids)
    police_grid = create_record(PoliceGrid, actor=actor, code=code, name=name, office=office)
    _set_grids(actor, police_grid, grids, new=True)
    return police_grid


@transaction.atomic
def police_grid_update(
    *,
    actor: Actor,
    police_grid: PoliceGrid,
    expected_version: int | None = None,
    grids=None,
    **fields,
) -> dict:
    """The name, and (when given) the collection grids it covers."""
    diff = _police_update(actor, police_grid, expected_version, fields)
    if grids is not None:
        diff.update(police_grid_set_grids(actor=actor, police_grid=police_grid, grids=grids))
    return diff


@transaction.atomic
def police_grid_set_grids(*, actor: Actor, police_grid: PoliceGrid, grids) -> dict:
    """Which collection grids the police grid covers; its police officers' scope follows at once."""
    _require_police_admin(actor, police_grid)
    _require_current(police_grid, "grids")
    grids = list(grids)
    _check_grids(actor, police_grid.office, grids)
    return _set_grids(actor, police_grid, grids)


def _check_grids(actor: Actor, office: PoliceOffice, grids: list[Area]) -> None:
    if not grids:
        raise ValidationError({"grids": [_("警格须至少覆盖一个采集网格。")]})
    if any(g.level != AreaLevel.GRID for g in grids):
        raise ValidationError({"grids": [_("警格只能覆盖采集网格。")]})
    for grid in grids:
        require_in_scope(actor, grid, "grids")
    district = office.station.district
    if any(not g.code.startswith(district.code) for g in grids):
        raise ValidationError({"grids": [_("采集网格须在派出所所属的%(d)s内。") % {"d": district.name}]})


def _set_grids(actor: Actor, police_grid: PoliceGrid, grids: list[Area], *, new: bool = False) -> dict:
    # The through table, not police_grid.grids: a police grid read through the selectors carries only the
    # grids visible to the reader, and the change must see (and record) all of them.
    coverage = PoliceGrid.grids.through.objects.filter(policegrid=police_grid)
    before = sorted(coverage.values_list("area_id", flat=True))
    after = sorted({g.pk for g in grids})
    if before == after:
        return {}
    coverage.exclude(area_id__in=after).delete()
    PoliceGrid.grids.through.objects.bulk_create(
        [PoliceGrid.grids.through(policegrid=police_grid, area_id=pk) for pk in after if pk not in before]
    )
    if not new:
        # A change of coverage is a change of the record: other editors' versions go stale.
        police_grid.version += 1
        police_grid.updated_at = timezone.now()
        police_grid.save(update_fields=["version", "updated_at"])
    changes = {"grids": [before, after]}
    record_change(actor=actor, instance=police_grid, action=ChangeAction.CHANGE, changes=changes)
    return changes


@transaction.atomic
def police_grid_end(*, actor: Actor, police_grid: PoliceGrid, reason: str) -> dict:
    """A police grid still giving someone their scope cannot end: end those assignments first."""
    from wangge.accounts.models import Assignment

    _require_police_admin(actor, police_grid)
    holders = Assignment.objects.current().filter(police_grid=police_grid, user__is_active=True)
    names = [str(a.user) for a in holders.select_related("user").order_by("user__username")[:5]]
    if names:
        raise ValidationError(
            {
                "police_grid": [
                    _("该警格仍是以下用户的任职警格：%(names)s；请先结束其任职。")
                    % {"names": "、".join(names)}
                ]
            }
        )
    return end_record(police_grid, actor=actor, reason=reason)
