"""Writes of progress and quality: campaigns (audited) and the rollup rows (derived, rebuilt at will).

Rollup rows hold nothing a person entered: every one can be recomputed from the register, so a refresh
replaces them instead of versioning them, and writes no change records (the rows they count have theirs).
"""

import datetime
import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.roles import Role
from wangge.accounts.scope import visible_grid_ids
from wangge.areas.models import Area, AreaLevel
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction
from wangge.core.services import create_record, require, update_record
from wangge.quality import rollup
from wangge.quality.models import COUNTERS, WORKER_COUNTERS, Campaign, GridDayStat, WorkerDayStat

# A campaign is run by a command centre: the district's, or a street's for its own street.
CAMPAIGN_ROLES = {Role.DISTRICT_ADMIN, Role.STREET_ADMIN}
CAMPAIGN_LEVELS = (AreaLevel.DISTRICT, AreaLevel.STREET)
# A back-fill longer than this is a mistake in the dates, not a wish.
MAX_REFRESH_DAYS = 400
# Days computed together by rollup.compute_range: its memory grows with days × grids.
RANGE_BLOCK_DAYS = 14


def can_manage_campaigns(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in CAMPAIGN_ROLES)


def _require_campaign_area(actor: Actor, area: Area) -> None:
    if actor.user is not None:
        require(actor, can_manage_campaigns(actor.user))
        if not Area.objects.visible_to(actor.user).filter(pk=area.pk).exists():
            raise ValidationError({"area": [_("所选记录不存在。")]})
    if area.level not in CAMPAIGN_LEVELS:
        raise ValidationError({"area": [_("采集行动须针对区县或街道。")]})


def _check_dates(starts_on: datetime.date, ends_on: datetime.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": [_("结束日期不能早于开始日期。")]})


def _check_overlap(area: Area, starts_on, ends_on, exclude_pk=None) -> None:
    """Two campaigns on one area at once would leave the period of its grids ambiguous."""
    others = Campaign.objects.filter(area=area, ended_on__isnull=True).exclude(pk=exclude_pk)
    others = others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        others = others.filter(starts_on__lte=ends_on)
    clash = others.first()
    if clash is not None:
        raise ValidationError(
            {"starts_on": [_("与该区域的采集行动“%(name)s”时间重叠。") % {"name": clash.name}]}
        )


@transaction.atomic
def campaign_create(
    *,
    actor: Actor,
    area: Area,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
) -> Campaign:
    """采集行动: from `starts_on` the rates of every grid under `area` count from that day."""
    _require_campaign_area(actor, area)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写行动名称。")]})
    _check_dates(starts_on, ends_on)
    _check_overlap(area, starts_on, ends_on)
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    return create_record(
        Campaign,
        actor=actor,
        area=area,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=user,
    )


@transaction.atomic
def campaign_update(
    *, actor: Actor, campaign: Campaign, expected_version: int | None = None, **fields
) -> dict:
    """Name and dates may change; the area is what the campaign is, and stays."""
    _require_campaign_area(actor, campaign.area)
    if campaign.ended_on is not None:
        raise ValidationError({"ended_on": [_("该采集行动已注销。")]})
    allowed = {k: v for k, v in fields.items() if k in {"name", "starts_on", "ends_on"}}
    if "name" in allowed:
        allowed["name"] = (allowed["name"] or "").strip()
        if not allowed["name"]:
            raise ValidationError({"name": [_("请填写行动名称。")]})
    starts_on = allowed.get("starts_on", campaign.starts_on)
    ends_on = allowed.get("ends_on", campaign.ends_on)
    _check_dates(starts_on, ends_on)
    _check_overlap(campaign.area, starts_on, ends_on, exclude_pk=campaign.pk)
    return update_record(campaign, actor=actor, fields=allowed, expected_version=expected_version)


@transaction.atomic
def campaign_end(*, actor: Actor, campaign: Campaign, reason: str, on: datetime.date | None = None) -> dict:
    """结束行动: the campaign's last day becomes `on` (default today); after it, rates count by month again."""
    _require_campaign_area(actor, campaign.area)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写结束原因。")]})
    on = on or timezone.localdate()
    if on < campaign.starts_on:
        raise ValidationError({"on": [_("结束日期不能早于开始日期。")]})
    if campaign.ends_on is not None and campaign.ends_on <= on:
        raise ValidationError({"on": [_("该采集行动已于 %(d)s 结束。") % {"d": campaign.ends_on}]})
    return update_record(
        campaign, actor=actor, fields={"ends_on": on}, action=ChangeAction.END, reason=reason
    )


# --- rollups -------------------------------------------------------------------------------------------------


def _grid_ids_for(actor: Actor, area: Area | None) -> list[int] | None:
    """The grids a refresh covers: the area's (within the actor's scope), or all (None)."""
    if area is None:
        if actor.user is None:
            return None
        return list(visible_grid_ids(actor.user).values_list("pk", flat=True))
    if actor.user is not None and not Area.objects.visible_to(actor.user).filter(pk=area.pk).exists():
        raise ValidationError({"area": [_("所选记录不存在。")]})
    grids = Area.objects.filter(level=AreaLevel.GRID, code__startswith=area.code)
    if actor.user is not None:
        grids = grids.filter(pk__in=visible_grid_ids(actor.user))
    return list(grids.values_list("pk", flat=True))


def _replace(model, day: datetime.date, field: str, ids: list[int] | None, rows: list) -> None:
    stale = model.objects.filter(day=day)
    if ids is None:
        stale.delete()
    else:
        for chunk in rollup.chunks(ids):
            stale.filter(**{f"{field}__in": chunk}).delete()
    model.objects.bulk_create(rows, batch_size=500)


def refresh_day(day: datetime.date, grid_ids: list[int] | None = None, counts: dict | None = None) -> dict:
    """Recompute one day's rows of the given grids (None: all) and of the workers on their teams (`counts`:
    the grids' counters when already computed, by compute_range)."""
    now = timezone.now()
    if counts is None:
        counts = rollup.compute(day, grid_ids)
    memberships = rollup.worker_grids(day, grid_ids)
    missing = {g for gids in memberships.values() for g in gids} - counts.keys()
    if missing:
        # A worker on two teams, only one of which is being refreshed: their other grid is needed too.
        counts_extra = rollup.compute(day, sorted(missing))
    else:
        counts_extra = {}
    workers = rollup.compute_workers(day, {**counts, **counts_extra}, memberships)
    grid_rows = [
        GridDayStat(
            grid_id=grid_id,
            grid_code=c["code"],
            day=day,
            period_start=c["period_start"],
            computed_at=now,
            **{k: c[k] for k in COUNTERS},
        )
        for grid_id, c in counts.items()
    ]
    worker_rows = [
        WorkerDayStat(
            user_id=user_id,
            grid_id=c["grid_id"],
            grid_code=c["code"],
            grid_count=c["grid_count"],
            day=day,
            period_start=c["period_start"],
            computed_at=now,
            **{k: c[k] for k in WORKER_COUNTERS},
        )
        for user_id, c in workers.items()
    ]
    try:
        with transaction.atomic():
            _replace(GridDayStat, day, "grid_id", grid_ids, grid_rows)
            if grid_ids is None:
                _replace(WorkerDayStat, day, "user_id", None, worker_rows)
            else:
                # Workers who left these grids lose their row of the day; those on them get theirs anew.
                _replace(WorkerDayStat, day, "grid_id", grid_ids, [])
                _replace(WorkerDayStat, day, "user_id", sorted(workers), worker_rows)
    except IntegrityError:
        # Two readers refreshed the same stale grids at once: the other one's rows, computed the same way, stand.
        pass
    return {"grids": len(grid_rows), "workers": len(worker_rows)}


def rollup_refresh(
    *,
    actor: Actor,
    day_from: datetime.date,
    day_to: datetime.date | None = None,
    area: Area | None = None,
) -> dict:
    """Rebuild the daily rollup rows of every day in [day_from, day_to] for the grids under `area` (default:
    every grid the actor sees; all for a system actor). Idempotent: running it twice leaves the same rows.

    Each day is its own transaction, so a long back-fill shows progress and never holds one huge write.
    """
    day_to = day_to or day_from
    today = timezone.localdate()
    if day_from > day_to:
        raise ValidationError({"day_from": [_("开始日期不能晚于结束日期。")]})
    if day_to > today:
        raise ValidationError({"day_to": [_("不能晚于今天。")]})
    if (day_to - day_from).days >= MAX_REFRESH_DAYS:
        raise ValidationError({"day_from": [_("一次最多重算 %(n)s 天。") % {"n": MAX_REFRESH_DAYS}]})
    grid_ids = _grid_ids_for(actor, area)
    started = time.monotonic()
    days = grid_rows = worker_rows = 0
    block_start = day_from
    while block_start <= day_to:
        block_end = min(day_to, block_start + datetime.timedelta(days=RANGE_BLOCK_DAYS - 1))
        # One day: the plain GROUP BYs; several: each raw table read once for the whole block.
        by_day = rollup.compute_range(block_start, block_end, grid_ids) if block_end > block_start else {}
        day = block_start
        while day <= block_end:
            written = refresh_day(day, grid_ids, by_day.get(day))
            days += 1
            grid_rows += written["grids"]
            worker_rows += written["workers"]
            day += datetime.timedelta(days=1)
        block_start = block_end + datetime.timedelta(days=1)
    return {
        "days": days,
        "grid_rows": grid_rows,
        "worker_rows": worker_rows,
        "seconds": round(time.monotonic() - started, 3),
    }
