"""Progress dashboards (进度质量): the six rates of an area, its children ranked, the trend of the campaign, the
grids and workers furthest behind, and a link from every number to the records behind it.

Every figure comes from wangge.quality.selectors, which read the daily rollup rows: a page costs the same few
queries for a grid as for a district of 1,700 grids. An area outside the user's scope is a 404, as everywhere.
The lists behind the numbers show the records as they stand now (the rollup of today counts the same rows; a
past day's list is today's state of that period's records).
"""

import datetime
from dataclasses import dataclass
from html import escape
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.areas.models import LEVEL_ORDER, AreaLevel
from wangge.areas.selectors import area_ancestors, area_detail
from wangge.core.views import date_param, optional_from_query
from wangge.quality import selectors
from wangge.quality.models import Campaign
from wangge.quality.selectors import RATE_LABELS, RATE_PARTS, RATES

BEHIND_COUNT = 10
# A campaign left running for years would make a chart of a thousand days: show its last year.
TREND_DAYS = 366
# A command centre's big screen reloads itself this often (seconds); phones and desks do not.
SCREEN_REFRESH = 300
# What is missing behind each rate, as a phrase next to the count (the count is denominator − numerator).
MISSING_LABELS = {
    "visit": gettext_lazy("未访查 %(n)s 户"),
    "person_verification": gettext_lazy("未核实 %(n)s 人"),
    "house_verification": gettext_lazy("未核实 %(n)s 套"),
    "collection": gettext_lazy("未采集 %(n)s 套"),
    "not_deregistered": gettext_lazy("已注销 %(n)s 人"),
    "accuracy": gettext_lazy("有误 %(n)s 条"),
}


# --- parameters ----------------------------------------------------------------------------------------------


def day_of(request) -> datetime.date:
    """?day=YYYY-MM-DD, never after today (there are no figures for tomorrow); anything else is today."""
    today = timezone.localdate()
    day = date_param(request, "day")
    return min(day, today) if day else today


def rate_of(request, name: str = "sort") -> str:
    value = request.GET.get(name, "")
    return value if value in RATES else RATES[0]


def area_of(request):
    """?area=<id> within the scope (a foreign or bad id is a 404), or None for the user's own root."""
    return optional_from_query(request, "area", area_detail)


def kept(request) -> dict[str, str]:
    """The day and big-screen mode links carry over, as understood (never echoed as sent)."""
    return {
        "day": day_of(request).isoformat() if date_param(request, "day") else "",
        "screen": "1" if request.GET.get("screen") == "1" else "",
    }


# --- formatting ----------------------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def change(value: float | None, before: float | None) -> tuple[float | None, str]:
    """Change since yesterday in percentage points, signed; "—" when either day has no rate."""
    if value is None or before is None:
        return None, "—"
    points = round((value - before) * 100, 1)
    return points, f"{points:+.1f}" if points else "±0.0"


@dataclass
class Cell:
    """One rate of one row: the rate, its counts, the change since yesterday and where the records are."""

    rate: str
    label: str
    value: float | None
    shown: str
    numerator: int
    denominator: int
    delta: float | None
    delta_shown: str
    missing: int
    missing_label: str
    url: str = ""

    @property
    def trend(self) -> str:
        """A class for the change: " up" (green), " down" (red) or nothing."""
        if not self.delta:
            return ""
        return " up" if self.delta > 0 else " down"

    def td(self, sort: str, *, with_delta: bool = True) -> str:
        """The table cell, built here rather than in the template: a ranking of 430 grids has 2,580 of them and
        the template engine spent most of the page's time on their dozen lookups each. Every value is
        escaped (html.escape: Django's lazy-aware escape costs ten times more for these plain strings)."""
        shown = escape(self.shown)
        if self.url:
            shown = f'<a href="{escape(self.url)}" title="{escape(self.missing_label)}">{shown}</a>'
        delta = f'<small class="delta{self.trend}">{escape(self.delta_shown)}</small>' if with_delta else ""
        sorted_ = " sorted" if self.rate == sort else ""
        return (
            f'<td data-label="{escape(self.label)}" class="rate-cell{sorted_}">{shown}'
            f"<small>{self.numerator}/{self.denominator}</small>{delta}</td>"
        )


@dataclass
class Row:
    figures: object
    cells: list[Cell]
    rank: int | None = None
    rank_before: int | None = None
    url: str = ""
    sort: str = ""
    with_delta: bool = True

    @property
    def rank_change(self) -> int | None:
        """Places gained since yesterday (positive: moved up)."""
        if self.rank is None or self.rank_before is None:
            return None
        return self.rank_before - self.rank

    @property
    def cells_html(self) -> str:
        return mark_safe("".join(cell.td(self.sort, with_delta=self.with_delta) for cell in self.cells))

    @property
    def rank_trend(self) -> str:
        moved = self.rank_change
        return "" if not moved else (" up" if moved > 0 else " down")

    @property
    def rank_move(self) -> str:
        moved = self.rank_change
        return "" if not moved else (f"↑{moved}" if moved > 0 else f"↓{-moved}")


class Drill:
    """What every row of a page shares: the labels (translated once), the list pages behind the rates and
    the dashboard (reversed once), the page's day and mode. A ranking has hundreds of rows; per-row lookups
    were most of its time."""

    def __init__(self, request):
        self.here = reverse("quality:dashboard")
        self.labels = {rate: str(RATE_LABELS[rate]) for rate in RATES}
        self.missing = {rate: str(MISSING_LABELS[rate]) for rate in RATES}
        self.people = reverse("people:list")
        self.houses = reverse("housing:list")
        self.addresses = reverse("addresses:list")
        self.rechecks = reverse("rechecks:items")
        self.keep = kept(request)
        self._lists: dict = {}

    def query(self, **params) -> str:
        """This page's day and big-screen mode carried over into a link, plus `params`."""
        merged = {k: v for k, v in {**self.keep, **params}.items() if v not in ("", None)}
        return "?" + urlencode(merged) if merged else ""

    def dashboard(self, area_id, **params) -> str:
        return self.here + self.query(area=area_id, **params) if area_id else ""

    def lists(self, start: datetime.date, end: datetime.date) -> dict[str, tuple[str, str]]:
        """Each rate → (list page, its filters for the period): the records it is still missing (not visited,
        not verified, …). Worked out once per period; rows only add their area."""
        key = (start, end)
        if key not in self._lists:
            since = start.isoformat()
            lists = {
                "visit": (self.addresses, {"not_visited_since": since}),
                "person_verification": (self.people, {"status": "active", "unverified_since": since}),
                "house_verification": (self.houses, {"status": "current", "unverified_since": since}),
                "collection": (self.houses, {"status": "current", "uncollected": "1"}),
                "not_deregistered": (self.people, {"status": "deregistered", "registered_since": since}),
                "accuracy": (
                    self.rechecks,
                    {"state": "done", "is_right": "0", "checked_from": since, "checked_to": end.isoformat()},
                ),
            }
            self._lists[key] = {rate: (base, urlencode(params)) for rate, (base, params) in lists.items()}
        return self._lists[key]

    def urls(self, figures, start: datetime.date, end: datetime.date) -> dict[str, str]:
        """Each rate → its list, narrowed to the area (a code prefix, like every list's ?area=)."""
        area = f"area={quote(figures.code)}&" if figures.code else ""
        return {rate: f"{base}?{area}{tail}" for rate, (base, tail) in self.lists(start, end).items()}

    def cells(self, figures, before=None, *, start: datetime.date | None = None, end=None) -> list[Cell]:
        """The six rates of a row; with the period (`start`, `end`) each missing count links to its records."""
        urls = self.urls(figures, start, end) if start else {}
        result = []
        for rate in RATES:
            numerator_name, denominator_name = RATE_PARTS[rate]
            numerator, denominator = getattr(figures, numerator_name), getattr(figures, denominator_name)
            value = figures.rate(rate)
            delta, delta_shown = change(value, before.rate(rate) if before is not None else None)
            missing = max(denominator - numerator, 0)
            result.append(
                Cell(
                    rate=rate,
                    label=self.labels[rate],
                    value=value,
                    shown=percent(value),
                    numerator=numerator,
                    denominator=denominator,
                    delta=delta,
                    delta_shown=delta_shown,
                    missing=missing,
                    missing_label=self.missing[rate] % {"n": missing},
                    url=urls.get(rate, "") if missing else "",
                )
            )
        return result


def sort_key(rate: str):
    """Best first; a rate with nothing to count ("—") last, then by code so the order is stable."""

    def key(figures):
        value = figures.rate(rate)
        return (value is None, -(value or 0), figures.key)

    return key


def ranks(figures_list, rate: str) -> dict[str, int | None]:
    """Standard competition ranking (1, 2, 2, 4) on the rate; no rate, no rank."""
    result: dict[str, int | None] = {}
    previous, rank = None, 0
    for position, figures in enumerate(sorted(figures_list, key=sort_key(rate)), start=1):
        value = figures.rate(rate)
        if value is None:
            result[figures.key] = None
            continue
        if value != previous:
            rank, previous = position, value
        result[figures.key] = rank
    return result


def period_of(figures, day: datetime.date) -> datetime.date:
    return figures.period_start or day.replace(day=1)


def campaign_of(user, area, day: datetime.date):
    """The campaign whose period the area's figures count over: the one on the nearest enclosing area (the
    longest code prefix), then the latest started, as the rollup chooses it."""
    if area is None:
        return None
    prefixes = [area.code[:n] for n in (6, 9) if n <= len(area.code)]
    running = Campaign.objects.visible_to(user).filter(
        area__code__in=prefixes, ended_on__isnull=True, starts_on__lte=day
    )
    running = running.exclude(ends_on__lt=day)
    return running.order_by("-area__code", "-starts_on").first()


def child_level(area) -> str | None:
    if area is None:
        return None
    index = LEVEL_ORDER.index(area.level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def levels_below(area) -> list[tuple[str, str]]:
    if area is None:
        return []
    index = LEVEL_ORDER.index(area.level)
    return [(level, AreaLevel(level).label) for level in LEVEL_ORDER[index + 1 :]]


def crumbs(links: Drill, user, area, here: str = "") -> list[tuple[str, str]]:
    """进度质量 › 海沧区 › 海沧街道 › …: the visible levels above, each a link to its own dashboard."""
    items = [(_("进度质量"), links.here + links.query())]
    if area is not None:
        for node in [*area_ancestors(user=user, area=area), area]:
            items.append((node.name, links.dashboard(node.pk)))
    if here:
        items.append((here, ""))
    return items


def resolved_area(user, area, figures):
    """The area the figures are of: the one asked for, or the user's root when none was named."""
    if area is not None or figures.area_id is None:
        return area
    return area_detail(user=user, pk=figures.area_id)


def root_area(user, area, day):
    """The area a ranking or worker page is about: the one asked for, or the user's single root."""
    if area is not None:
        return area
    return resolved_area(user, None, selectors.area_figures(user=user, area=None, day=day))


def sort_headers(links: Drill, sort: str, **params) -> list[tuple[str, str, bool]]:
    """Column headers of a ranking: each sorts by its rate (plain links, no JavaScript needed)."""
    return [(links.labels[rate], links.query(sort=rate, **params), rate == sort) for rate in RATES]


def coverage_url(area, start: datetime.date, end: datetime.date) -> str:
    params = {"start": start.isoformat(), "end": end.isoformat()}
    if area is not None:
        params["area"] = area.code
    return reverse("collection:coverage") + "?" + urlencode(params)


def behind_row(links: Drill, figures, day: datetime.date) -> Row:
    """A grid or a worker furthest behind: a grid links to its dashboard and its missing records, a worker to
    the dashboard of their (first) grid."""
    start = None if figures.level == selectors.WORKER else period_of(figures, day)
    return Row(
        figures=figures,
        cells=links.cells(figures, start=start, end=day),
        url=links.dashboard(figures.area_id),
    )


def group_rows(links: Drill, groups: dict) -> list[dict]:
    labels = {"party_member": _("党员网格员"), "others": _("其他网格员"), "all": _("全部网格员")}
    return [
        {
            "label": labels[key],
            "count": groups[key].get("count", 0),
            "rates": [(links.labels[rate], percent(groups[key].get(rate))) for rate in RATES],
        }
        for key in ("party_member", "others", "all")
        if key in groups
    ]


def trend_table(links: Drill, days) -> list[dict]:
    return [
        {
            "day": figures.day,
            "rates": [(links.labels[rate], percent(figures.rate(rate))) for rate in RATES],
            "visits": figures.visits,
        }
        for figures in days
    ]


def chart_data(links: Drill, days) -> dict:
    """The trend as ECharts wants it: one line per rate, in percent, gaps where a day has no rate."""

    def point(value):
        return None if value is None else round(value * 100, 2)

    return {
        "days": [figures.day.isoformat() for figures in days],
        "series": [
            {"name": links.labels[rate], "data": [point(figures.rate(rate)) for figures in days]}
            for rate in RATES
        ],
        "unit": "%",
    }


# --- pages ---------------------------------------------------------------------------------------------------


@login_required
def dashboard(request):
    user = request.user
    links = Drill(request)
    day = day_of(request)
    yesterday = day - datetime.timedelta(days=1)
    today = timezone.localdate()
    sort = rate_of(request)
    area = area_of(request)
    figures = selectors.area_figures(user=user, area=area, day=day)
    area = resolved_area(user, area, figures)
    area_pk = area.pk if area else ""
    start = period_of(figures, day)
    before = selectors.area_figures(user=user, area=area, day=yesterday)

    children = selectors.child_figures(user=user, area=area, day=day)
    children_before = {f.key: f for f in selectors.child_figures(user=user, area=area, day=yesterday)}
    rank_now = ranks(children, sort)
    rank_before = ranks(children_before.values(), sort)
    rows = [
        Row(
            figures=child,
            cells=links.cells(child, children_before.get(child.key), start=period_of(child, day), end=day),
            rank=rank_now.get(child.key),
            rank_before=rank_before.get(child.key),
            url=links.dashboard(child.area_id, sort=sort),
            sort=sort,
        )
        for child in sorted(children, key=sort_key(sort))
    ]

    # Several roots (a police officer's grids in two streets): the roots are the rows; trend and workers
    # are per area, one click down.
    days, behind_grids, behind_workers, groups = [], [], [], {}
    is_grid = area is not None and area.level == AreaLevel.GRID
    if area is not None:
        trend_start = max(start, day - datetime.timedelta(days=TREND_DAYS - 1))
        days = selectors.trend(user=user, area=area, start=trend_start, end=day)
        if not is_grid:
            behind_grids = selectors.behind(user=user, area=area, day=day, rate=sort, n=BEHIND_COUNT)
        behind_workers = selectors.behind(
            user=user, area=area, day=day, rate=sort, level=selectors.WORKER, n=BEHIND_COUNT
        )
        groups = selectors.group_comparison(user=user, area=area, day=day)

    screen = request.GET.get("screen") == "1"
    context = {
        "title": _("进度质量"),
        "area": area,
        "is_grid": is_grid,
        "figures": figures,
        "day": day,
        "today": today,
        "start": start,
        "campaign": campaign_of(user, area, day),
        "cards": links.cells(figures, before, start=start, end=day),
        "sort": sort,
        "sort_label": links.labels[sort],
        "headers": sort_headers(links, sort, area=area_pk),
        "rows": rows,
        "child_level": AreaLevel(child_level(area)).label if child_level(area) else "",
        "trend": trend_table(links, days),
        "chart": chart_data(links, days),
        "behind_grids": [behind_row(links, f, day) for f in behind_grids],
        "behind_workers": [behind_row(links, f, day) for f in behind_workers],
        "groups": group_rows(links, groups),
        "levels": [
            (value, label, reverse("quality:ranking") + links.query(area=area_pk, level=value, rate=sort))
            for value, label in levels_below(area)
        ],
        "screen": screen,
        "keep": [
            (k, v) for k, v in (("area", area_pk), ("sort", sort), ("screen", "1" if screen else "")) if v
        ],
        "screen_query": links.query(area=area_pk, sort=sort, screen="1"),
        "normal_query": links.query(area=area_pk, sort=sort, screen=""),
        "previous_query": links.query(area=area_pk, sort=sort, day=yesterday.isoformat()),
        "next_query": (
            links.query(area=area_pk, sort=sort, day=(day + datetime.timedelta(days=1)).isoformat())
            if day < today
            else ""
        ),
        "coverage_url": coverage_url(area, start, day),
        "workers_url": reverse("quality:workers") + links.query(area=area_pk, sort=sort),
        "breadcrumbs": crumbs(links, user, area),
    }
    response = render(request, "quality/dashboard.html", context)
    if screen:
        # The big screen in a command centre refreshes itself, with or without JavaScript.
        response["Refresh"] = str(SCREEN_REFRESH)
    return response


@login_required
def ranking(request):
    """Every grid (or big grid, community, street) under the area, ranked on one rate, with the change of
    rank and rate since yesterday."""
    user = request.user
    links = Drill(request)
    day = day_of(request)
    rate = rate_of(request, "rate")
    area = root_area(user, area_of(request), day)
    if area is None:
        # A scope of several roots has no single area to rank under: pick one on the dashboard.
        return redirect("quality:dashboard")
    levels = levels_below(area)
    if not levels:
        raise Http404(_("采集网格没有下级。"))
    level = request.GET.get("level", "")
    if level not in dict(levels):
        level = AreaLevel.GRID
    yesterday = day - datetime.timedelta(days=1)
    before = {
        f.key: (rank, f)
        for rank, f in selectors.ranking(user=user, area=area, level=level, day=yesterday, rate=rate)
    }
    rows = []
    for rank, figures in selectors.ranking(user=user, area=area, level=level, day=day, rate=rate):
        rank_before, figures_before = before.get(figures.key, (None, None))
        rows.append(
            Row(
                figures=figures,
                cells=links.cells(figures, figures_before, start=period_of(figures, day), end=day),
                rank=rank,
                rank_before=rank_before,
                url=links.dashboard(figures.area_id),
                sort=rate,
            )
        )
    title = _("%(level)s排名") % {"level": AreaLevel(level).label}
    return render(
        request,
        "quality/ranking.html",
        {
            "title": title,
            "area": area,
            "day": day,
            "today": timezone.localdate(),
            "keep": [("area", area.pk), ("level", level), ("rate", rate)],
            "rate": rate,
            "level": level,
            "levels": [
                (value, label, links.query(area=area.pk, level=value, rate=rate)) for value, label in levels
            ],
            "headers": [
                (links.labels[r], links.query(area=area.pk, level=level, rate=r), r == rate) for r in RATES
            ],
            "rows": rows,
            "breadcrumbs": crumbs(links, user, area, title),
            "dashboard_url": links.dashboard(area.pk),
        },
    )


@login_required
def workers(request):
    """The grid workers of the grids under the area: their grids' rates and their own work, and party members
    against all (R-34)."""
    user = request.user
    links = Drill(request)
    day = day_of(request)
    sort = rate_of(request)
    area = root_area(user, area_of(request), day)
    if area is None:
        return redirect("quality:dashboard")
    figures_list = selectors.worker_figures(user=user, area=area, day=day)
    rank_now = ranks(figures_list, sort)
    rows = [
        Row(
            figures=figures,
            cells=links.cells(figures),
            rank=rank_now.get(figures.key),
            url=links.dashboard(figures.area_id),
            sort=sort,
            with_delta=False,
        )
        for figures in sorted(figures_list, key=sort_key(sort))
    ]
    title = _("网格员进度")
    return render(
        request,
        "quality/workers.html",
        {
            "title": title,
            "area": area,
            "day": day,
            "today": timezone.localdate(),
            "keep": [("area", area.pk), ("sort", sort)],
            "sort": sort,
            "headers": sort_headers(links, sort, area=area.pk),
            "rows": rows,
            "groups": group_rows(links, selectors.group_comparison(user=user, area=area, day=day)),
            "breadcrumbs": crumbs(links, user, area, title),
            "dashboard_url": links.dashboard(area.pk),
        },
    )
