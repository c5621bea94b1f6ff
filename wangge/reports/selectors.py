"""Reads for the daily report: what goes into one workbook, and the reports a user may see.

Every figure comes from wangge.quality.selectors (the rollup the dashboards read), so the workbook, the
printable page and the dashboards can never disagree. Nothing here recomputes a rate: it only pairs each
area's figures with the same area's figures of the day before.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import Area, AreaLevel
from wangge.quality import selectors as quality
from wangge.quality.selectors import WORKER
from wangge.reports.models import DailyReport

# The counts on every level sheet, in this order.
COUNTS = (
    "flats",
    "flats_visited",
    "visits",
    "people",
    "people_verified",
    "houses",
    "houses_verified",
    "houses_collected",
    "registered",
    "registered_active",
    "rechecked",
    "recheck_right",
)
COUNT_LABELS = {
    "flats": _("标准地址（户）"),
    "flats_visited": _("已访查（户）"),
    "visits": _("访查次数"),
    "people": _("实有人口"),
    "people_verified": _("已核实人口"),
    "houses": _("实有房屋"),
    "houses_verified": _("已核实房屋"),
    "houses_collected": _("已采集房屋"),
    "registered": _("新登记人口"),
    "registered_active": _("其中未注销"),
    "rechecked": _("抽查记录"),
    "recheck_right": _("抽查正确"),
    "own_people_verified": _("本人核实人口"),
    "own_houses_verified": _("本人核实房屋"),
}
# A worker's sheet adds their own work to the figures of their grids (`visits` is then their own visits).
WORKER_COUNTS = (*COUNTS, "own_people_verified", "own_houses_verified")


def counts_for(level: str) -> tuple[str, ...]:
    return WORKER_COUNTS if level == WORKER else COUNTS


# A district's report has a sheet for each of these levels under it; a street's, from community down.
SHEET_LEVELS = (AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID, WORKER)
SHEET_TITLES = {
    AreaLevel.STREET: _("街道"),
    AreaLevel.COMMUNITY: _("社区/村"),
    AreaLevel.GRID: _("网格"),
    WORKER: _("网格员"),
}
REPORT_LEVELS = (AreaLevel.DISTRICT, AreaLevel.STREET)
# Every level sheet is ranked by the visit rate: how far the door-to-door campaign has got is what the
# daily report is for; the other rates stand beside it.
RANK_RATE = "visit"
# How many of the grids furthest behind the summary names.
BEHIND = 5


@dataclass
class Line:
    """One row of the report: an area's (or a worker's) figures on the day, and on the day before."""

    figures: object
    before: object | None
    rank: int | None = None
    rank_before: int | None = None
    # Where it lies ("海沧街道 / 海沧社区"), or the grids a worker works in.
    place: str = ""

    @property
    def name(self) -> str:
        return self.figures.name

    def rate(self, name: str) -> float | None:
        return self.figures.rate(name)

    def part(self, name: str) -> int:
        return getattr(self.figures, name)

    def change(self, name: str) -> float | None:
        """Percentage points gained since the day before; None when either day has no rate."""
        now = self.figures.rate(name)
        then = self.before.rate(name) if self.before is not None else None
        if now is None or then is None:
            return None
        return round((now - then) * 100, 2)

    @property
    def rank_change(self) -> int | None:
        """Places moved up (positive) or down since the day before."""
        if self.rank is None or self.rank_before is None:
            return None
        return self.rank_before - self.rank


@dataclass
class Sheet:
    level: str
    title: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class ReportContent:
    area: Area
    day: datetime.date
    period: tuple[datetime.date, datetime.date]
    summary: Line
    sheets: list[Sheet]
    rank_rate: str = RANK_RATE

    @property
    def title(self) -> str:
        return gettext("%(area)s网格化基础信息采集日报") % {"area": self.area.name}

    def best(self, sheet: Sheet) -> Line | None:
        """The first of a level, if it has a rate at all."""
        first = sheet.lines[0] if sheet.lines else None
        return first if first is not None and first.rank is not None else None

    def behind(self, n: int = BEHIND) -> list[Line]:
        """The `n` grids furthest behind on the ranking rate, worst first (grids with no rate left out)."""
        grids = next((s for s in self.sheets if s.level == AreaLevel.GRID), None)
        if grids is None:
            return []
        return [line for line in reversed(grids.lines) if line.rank is not None][:n]


def sheet_levels(area: Area) -> list[str]:
    start = SHEET_LEVELS.index(AreaLevel.STREET) if area.level == AreaLevel.DISTRICT else 1
    return list(SHEET_LEVELS[start:])


def rank_by(figures: list, rate: str) -> list[tuple[int | None, object]]:
    """Workers ranked by the rule quality.selectors.ranking ranks areas by: equal rates share a place
    ("1224"), and a worker with no rate (nothing to count) comes last with no place."""
    ordered = sorted(figures, key=lambda f: (f.rate(rate) is None, -(f.rate(rate) or 0), f.code or f.key))
    ranked, previous, place = [], None, 0
    for index, fig in enumerate(ordered, start=1):
        value = fig.rate(rate)
        if value is None:
            ranked.append((None, fig))
            continue
        if value != previous:
            place, previous = index, value
        ranked.append((place, fig))
    return ranked


def report_content(*, user, area: Area, day: datetime.date, rank_rate: str = RANK_RATE) -> ReportContent:
    """Everything one workbook holds, read as `user` sees it (quality.selectors.SYSTEM for the nightly job);
    an area outside the user's scope raises Http404 from the quality selectors."""
    yesterday = day - datetime.timedelta(days=1)
    summary = Line(
        figures=quality.area_figures(user=user, area=area, day=day),
        before=quality.area_figures(user=user, area=area, day=yesterday),
    )
    sheets = []
    for level in sheet_levels(area):
        if level == WORKER:
            today = rank_by(quality.worker_figures(user=user, area=area, day=day), rank_rate)
            before = rank_by(quality.worker_figures(user=user, area=area, day=yesterday), rank_rate)
        else:
            today = quality.ranking(user=user, area=area, level=level, day=day, rate=rank_rate)
            before = quality.ranking(user=user, area=area, level=level, day=yesterday, rate=rank_rate)
        earlier = {fig.key: (rank, fig) for rank, fig in before}
        lines = []
        for rank, fig in today:
            rank_before, fig_before = earlier.get(fig.key, (None, None))
            lines.append(Line(figures=fig, before=fig_before, rank=rank, rank_before=rank_before))
        _set_places(area, level, lines)
        sheets.append(Sheet(level=level, title=str(SHEET_TITLES[level]), lines=lines))
    period = quality.campaign_period(area=area, day=day)
    return ReportContent(
        area=area, day=day, period=period, summary=summary, sheets=sheets, rank_rate=rank_rate
    )


def _set_places(area: Area, level: str, lines: list[Line]) -> None:
    """Name where each row lies, below the report's own area, in one query per sheet."""
    if level == WORKER:
        # A worker's row sits in their first grid (Figures.area_id); more grids are counted, not named.
        ids = {line.figures.area_id for line in lines if line.figures.area_id}
        names = dict(Area.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
        for line in lines:
            fig = line.figures
            place = names.get(fig.area_id, "")
            if fig.grid_count > 1:
                place = gettext("%(grid)s等 %(n)s 个网格") % {"grid": place, "n": fig.grid_count}
            line.place = place
        return
    prefixes = set()
    for line in lines:
        code = line.figures.code or line.figures.key
        prefixes.update(code[:n] for n in (9, 12) if len(area.code) < n < len(code))
    names = dict(Area.objects.filter(code__in=prefixes).values_list("code", "name")) if prefixes else {}
    for line in lines:
        code = line.figures.code or line.figures.key
        line.place = " / ".join(
            names[code[:n]] for n in (9, 12) if len(area.code) < n < len(code) and code[:n] in names
        )


# --- the reports themselves ------------------------------------------------------------------------------


def reportable_areas(*, user) -> QuerySet:
    """The districts and streets the user may make a report of: wholly inside their scope."""
    return (
        Area.objects.visible_to(user).filter(level__in=REPORT_LEVELS, ended_on__isnull=True).order_by("code")
    )


def report_list(
    *, user, area: int | None = None, day: datetime.date | None = None, trigger: str = ""
) -> QuerySet:
    reports = DailyReport.objects.visible_to(user).select_related("area", "created_by")
    if area is not None:
        reports = reports.filter(area_id=area)
    if day is not None:
        reports = reports.filter(day=day)
    if trigger:
        reports = reports.filter(trigger=trigger)
    return reports


def report_detail(*, user, pk: int) -> DailyReport:
    return DailyReport.objects.visible_to(user).select_related("area", "created_by").get(pk=pk)
