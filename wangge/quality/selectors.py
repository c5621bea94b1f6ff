"""Reads of progress and quality: the six rates of any area or grid worker on any day, rankings, trends, groups.

Every read sums rollup rows (GridDayStat, WorkerDayStat) inside the user's scope, in one or two queries whatever
the size of the area. Today's rows are kept fresh: older than settings.QUALITY_FRESH_MINUTES, they are
recomputed inline when the area is small (settings.QUALITY_INLINE_GRIDS grids), otherwise a refresh job is
queued and the answer comes from the rows there are, with `computed_at` saying how old they are.
Rollups sum numerators and denominators, never rates; a rate whose denominator is 0 is None ("—").
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Max, Min, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.scope import current_assignments, request_memo, visible_grid_ids
from wangge.areas.models import CODE_LENGTH, LEVEL_ORDER, Area, AreaLevel
from wangge.quality import rollup
from wangge.quality.models import COUNTERS, WORKER_COUNTERS, GridDayStat, WorkerDayStat

RATES = ("visit", "person_verification", "house_verification", "collection", "not_deregistered", "accuracy")
# Each rate as numerator / denominator, both counters of Figures (docs/quality.md gives the definitions).
RATE_PARTS = {
    "visit": ("flats_visited", "flats"),
    "person_verification": ("people_verified", "people"),
    "house_verification": ("houses_verified", "houses"),
    "collection": ("houses_collected", "houses"),
    "not_deregistered": ("registered_active", "registered"),
    "accuracy": ("recheck_right", "rechecked"),
}
RATE_LABELS = {
    "visit": gettext_lazy("访查率"),
    "person_verification": gettext_lazy("人口核实率"),
    "house_verification": gettext_lazy("房屋核实率"),
    "collection": gettext_lazy("采集率"),
    "not_deregistered": gettext_lazy("未注销率"),
    "accuracy": gettext_lazy("准确率"),
}
WORKER = "worker"
SCOPE = "scope"


class _System:
    """The viewer of system jobs (nightly reports, the demo): sees every area. Never a request's user."""

    is_authenticated = True
    is_active = True
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()


@dataclass
class Figures:
    """The counts behind the rates, for one area or one worker, on one day."""

    key: str
    name: str
    level: str
    area_id: int | None
    user_id: int | None
    day: datetime.date
    flats: int = 0
    flats_visited: int = 0
    people: int = 0
    people_verified: int = 0
    houses: int = 0
    houses_verified: int = 0
    houses_collected: int = 0
    registered: int = 0
    registered_active: int = 0
    rechecked: int = 0
    recheck_right: int = 0
    visits: int = 0
    own_people_verified: int = 0
    own_houses_verified: int = 0
    period_start: datetime.date | None = None
    computed_at: datetime.datetime | None = None
    grid_count: int = 0
    is_party_member: bool | None = None
    code: str = field(default="")

    def rate(self, name: str) -> float | None:
        numerator, denominator = RATE_PARTS[name]
        below = getattr(self, denominator)
        return getattr(self, numerator) / below if below else None

    @property
    def rates(self) -> dict[str, float | None]:
        return {name: self.rate(name) for name in RATES}


# --- scope ---------------------------------------------------------------------------------------------------


def _check_user(user) -> None:
    if user is SYSTEM:
        return
    if user is None or not user.is_authenticated or not user.is_active:
        raise Http404


def _visible_area(user, area: Area) -> Area:
    _check_user(user)
    if user is SYSTEM:
        return area
    # A dashboard asks this once per section: once per request is enough.
    memo, key = request_memo(), ("quality.visible_area", user.pk, area.pk)
    if memo is not None and key in memo:
        return area
    if not Area.objects.visible_to(user).filter(pk=area.pk).exists():
        raise Http404
    if memo is not None:
        memo[key] = True
    return area


def _whole_subtree_visible(user, code: str) -> bool:
    """Whether the user's scope holds everything under `code` (then rows need no scope filter at all)."""
    if user is SYSTEM:
        return True
    codes = [area_code for area_code, _police_grid in current_assignments(user) if area_code is not None]
    return bool(code) and any(code.startswith(c) for c in codes)


def _scoped(qs, user, code: str):
    qs = qs.filter(grid_code__startswith=code) if code else qs
    if _whole_subtree_visible(user, code):
        return qs
    return qs.filter(grid_id__in=visible_grid_ids(user))


def _grids(user, code: str):
    grids = Area.objects.filter(level=AreaLevel.GRID)
    if code:
        grids = grids.filter(code__startswith=code)
    if not _whole_subtree_visible(user, code):
        grids = grids.filter(pk__in=visible_grid_ids(user))
    return grids


def _grid_ids(user, code: str) -> list[int]:
    return list(_grids(user, code).values_list("pk", flat=True))


def root_areas(*, user) -> list[Area]:
    """The top areas of the user's scope (one for most; a police officer's grids may be several)."""
    _check_user(user)
    if user is SYSTEM:
        return list(Area.objects.filter(parent__isnull=True).order_by("code"))
    visible = Area.objects.visible_to(user)
    return list(visible.exclude(parent__in=visible.values("pk")).order_by("code"))


def campaign_period(*, area: Area, day: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """(S, D): the period the figures of `area` on `day` count over."""
    day = day or timezone.localdate()
    return rollup.period_start(area.code, day, rollup.campaigns_on(day)), day


# --- freshness -----------------------------------------------------------------------------------------------


def _the_day(day: datetime.date | None) -> datetime.date:
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValidationError({"day": [_("不能晚于今天。")]})
    return day


def _ensure_rows(user, code: str, day: datetime.date) -> None:
    """Make the rows of `day` under `code` fresh enough to read, or ask the worker to make them so."""
    memo, key = request_memo(), ("quality.rows_checked", getattr(user, "pk", None), code, day)
    if memo is not None:
        if key in memo:
            return
        memo[key] = True
    today = timezone.localdate()
    rows = _scoped(GridDayStat.objects.filter(day=day), user, code).aggregate(
        n=Count("pk"), oldest=Min("computed_at")
    )
    if day == today:
        fresh_after = timezone.now() - datetime.timedelta(minutes=settings.QUALITY_FRESH_MINUTES)
    else:
        # Rows of a past day are final once computed after that day ended.
        fresh_after = rollup.day_start(day + datetime.timedelta(days=1))
    expected = _grids(user, code).count()
    if rows["n"] == expected and (rows["oldest"] is None or rows["oldest"] >= fresh_after):
        return
    if not expected:
        return
    from wangge.quality import services, tasks

    if expected <= settings.QUALITY_INLINE_GRIDS:
        services.refresh_day(day, _grid_ids(user, code))
    else:
        tasks.enqueue_refresh(day, code)


def _figures(row: dict, *, key, name, level, area_id, user_id, day, code="") -> Figures:
    counts = {c: row.get(c) or 0 for c in WORKER_COUNTERS if c in row}
    return Figures(
        key=key,
        name=name,
        level=level,
        area_id=area_id,
        user_id=user_id,
        day=day,
        code=code,
        period_start=row.get("period_start"),
        computed_at=row.get("computed_at"),
        grid_count=row.get("grid_count") or 0,
        **counts,
    )


SUMS = {c: Sum(c) for c in COUNTERS}


def _area_figures(user, area: Area | None, code: str, day: datetime.date, **identity) -> Figures:
    _ensure_rows(user, code, day)
    row = _scoped(GridDayStat.objects.filter(day=day), user, code).aggregate(
        **SUMS, computed_at=Min("computed_at"), grid_count=Count("pk")
    )
    figures = _figures(row, day=day, code=code, **identity)
    if area is not None:
        figures.period_start = campaign_period(area=area, day=day)[0]
    return figures


def _identity(area: Area) -> dict:
    return {"key": area.code, "name": area.name, "level": area.level, "area_id": area.pk, "user_id": None}


def area_figures(*, user, area: Area | None = None, day: datetime.date | None = None) -> Figures:
    """The figures of an area (any level) on a day; area None: the user's root area (or their whole scope)."""
    day = _the_day(day)
    if area is None:
        roots = root_areas(user=user)
        if not roots:
            raise Http404
        if len(roots) > 1:
            identity = {"key": SCOPE, "name": _("任职范围"), "level": SCOPE, "area_id": None, "user_id": None}
            for root in roots:
                _ensure_rows(user, root.code, day)
            row = _scoped(GridDayStat.objects.filter(day=day), user, "").aggregate(
                **SUMS, computed_at=Min("computed_at"), grid_count=Count("pk")
            )
            return _figures(row, day=day, **identity)
        area = roots[0]
    _visible_area(user, area)
    return _area_figures(user, area, area.code, day, **_identity(area))


def _grouped(user, area_code: str, length: int, day: datetime.date) -> dict[str, dict]:
    """Counter sums per code prefix of `length` under `area_code`: one GROUP BY."""
    rows = _scoped(GridDayStat.objects.filter(day=day), user, area_code)
    prefix = F("grid_code") if length == CODE_LENGTH[AreaLevel.GRID] else Substr("grid_code", 1, length)
    rows = (
        rows.annotate(prefix=prefix)
        .values("prefix")
        .annotate(**SUMS, computed_at=Min("computed_at"), grid_count=Count("pk"))
        .order_by()
    )
    return {row["prefix"]: row for row in rows}


def _areas_figures(user, areas: list[Area], length: int, within: Area, day) -> list[Figures]:
    _ensure_rows(user, within.code, day)
    sums = _grouped(user, within.code, length, day)
    campaigns = rollup.campaigns_on(day)
    result = []
    for a in areas:
        figures = _figures(sums.get(a.code, {}), day=day, code=a.code, **_identity(a))
        figures.period_start = rollup.period_start(a.code, day, campaigns)
        result.append(figures)
    return result


def _areas(user, **filters):
    base = Area.objects.all() if user is SYSTEM else Area.objects.visible_to(user)
    # Only what a figure names: boundaries are large and a ranking lists every grid of a county.
    return list(base.filter(**filters).only("pk", "code", "name", "level", "parent_id").order_by("code"))


def child_figures(*, user, area: Area | None = None, day: datetime.date | None = None) -> list[Figures]:
    """The children of `area` within scope, in code order (area None: the user's root areas)."""
    day = _the_day(day)
    if area is None:
        roots = root_areas(user=user)
        return [area_figures(user=user, area=root, day=day) for root in roots]
    _visible_area(user, area)
    if area.level == AreaLevel.GRID:
        return []
    children = _areas(user, parent=area)
    length = CODE_LENGTH[LEVEL_ORDER[LEVEL_ORDER.index(area.level) + 1]]
    return _areas_figures(user, children, length, area, day)


def _rank(figures: list[Figures], rate: str) -> list[tuple[int | None, Figures]]:
    ordered = sorted(figures, key=lambda f: (f.rate(rate) is None, -(f.rate(rate) or 0), f.code or f.key))
    ranked: list[tuple[int | None, Figures]] = []
    previous = None
    rank = 0
    for position, f in enumerate(ordered, start=1):
        value = f.rate(rate)
        if value is None:
            ranked.append((None, f))
            continue
        if value != previous:
            rank, previous = position, value
        ranked.append((rank, f))
    return ranked


def _check_rate(rate: str) -> None:
    if rate not in RATES:
        raise ValidationError({"rate": [_("须为以下值之一：%(v)s。") % {"v": "、".join(RATES)}]})


def _check_level(area: Area, level: str) -> None:
    if level not in LEVEL_ORDER or LEVEL_ORDER.index(level) <= LEVEL_ORDER.index(area.level):
        raise ValidationError({"level": [_("须为低于所选区域的层级。")]})


def ranking(
    *, user, area: Area, level: str, day: datetime.date | None = None, rate: str = "visit"
) -> list[tuple[int | None, Figures]]:
    """Every `level` area under `area` within scope, ranked by `rate` (1 best; ties share a rank; None last)."""
    day = _the_day(day)
    _check_rate(rate)
    _visible_area(user, area)
    _check_level(area, level)
    areas = _areas(user, level=level, code__startswith=area.code)
    return _rank(_areas_figures(user, areas, CODE_LENGTH[level], area, day), rate)


def trend(
    *,
    user,
    area: Area,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[Figures]:
    """One Figures per day from `start` (default: the period start of `end`) to `end` (default today)."""
    end = _the_day(end)
    _visible_area(user, area)
    start = start or campaign_period(area=area, day=end)[0]
    if start > end:
        raise ValidationError({"start": [_("开始日期不能晚于结束日期。")]})
    if (end - start).days > 400:
        raise ValidationError({"start": [_("最多查询 400 天。")]})
    _ensure_rows(user, area.code, end)
    rows = (
        _scoped(GridDayStat.objects.filter(day__gte=start, day__lte=end), user, area.code)
        .values("day")
        .annotate(
            **SUMS, computed_at=Min("computed_at"), grid_count=Count("pk"), period_start=Min("period_start")
        )
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    result = []
    day = start
    while day <= end:
        result.append(_figures(by_day.get(day, {}), day=day, code=area.code, **_identity(area)))
        day += datetime.timedelta(days=1)
    return result


def worker_figures(*, user, area: Area, day: datetime.date | None = None) -> list[Figures]:
    """The grid workers (专职网格员 on a team) of the grids under `area`, in grid order."""
    day = _the_day(day)
    _visible_area(user, area)
    _ensure_rows(user, area.code, day)
    rows = (
        _scoped(WorkerDayStat.objects.filter(day=day), user, area.code)
        .order_by("grid_code", "user_id")
        .values(
            *WORKER_COUNTERS,
            *("user_id", "grid_id", "grid_code", "grid_count", "period_start", "computed_at"),
            *("user__name", "user__username", "user__is_party_member"),
        )
    )
    return [
        Figures(
            key=f"user:{row['user_id']}",
            name=row["user__name"] or row["user__username"],
            level=WORKER,
            area_id=row["grid_id"],
            user_id=row["user_id"],
            day=day,
            code=row["grid_code"],
            period_start=row["period_start"],
            computed_at=row["computed_at"],
            grid_count=row["grid_count"],
            is_party_member=row["user__is_party_member"],
            **{c: row[c] for c in WORKER_COUNTERS},
        )
        for row in rows
    ]


def _mean_rates(workers: list[Figures]) -> dict:
    group: dict = {"count": len(workers)}
    for rate in RATES:
        values = [v for v in (w.rate(rate) for w in workers) if v is not None]
        group[rate] = sum(values) / len(values) if values else None
    return group


def group_comparison(*, user, area: Area, day: datetime.date | None = None) -> dict:
    """Party-member grid workers against all (R-34): the mean of each worker's rates, per group."""
    workers = worker_figures(user=user, area=area, day=day)
    party = [w for w in workers if w.is_party_member]
    others = [w for w in workers if not w.is_party_member]
    return {"party_member": _mean_rates(party), "all": _mean_rates(workers), "others": _mean_rates(others)}


def behind(
    *,
    user,
    area: Area,
    day: datetime.date | None = None,
    rate: str = "visit",
    level: str = "grid",
    n: int = 10,
) -> list[Figures]:
    """The `n` grids (or areas of `level`, or workers) under `area` with the lowest `rate`, worst first."""
    _check_rate(rate)
    if level == WORKER:
        candidates = worker_figures(user=user, area=area, day=day)
    else:
        candidates = [f for _rank_, f in ranking(user=user, area=area, level=level, day=day, rate=rate)]
    known = [f for f in candidates if f.rate(rate) is not None]
    known.sort(key=lambda f: (f.rate(rate), f.code, f.key))
    return known[: max(n, 0)]


def rollup_state(*, user, area: Area, day: datetime.date | None = None) -> dict:
    """How old the rows behind an area's figures are (for an "as of" line)."""
    day = _the_day(day)
    _visible_area(user, area)
    row = _scoped(GridDayStat.objects.filter(day=day), user, area.code).aggregate(
        n=Count("pk"), oldest=Min("computed_at"), newest=Max("computed_at")
    )
    return {"day": day, "grids": row["n"], "oldest": row["oldest"], "newest": row["newest"]}
