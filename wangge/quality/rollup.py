"""The raw aggregation behind every rate: the counters of each collection grid (and each grid worker) on a day.

Everything is computed from dates on the rows (created_at, ended_on, visited_at, verified_on), never from "now",
so any past day can be rebuilt the same way as today (history back-fill). Each counter is one GROUP BY over one
raw table for all grids at once; grids whose campaigns start on different days are counted in one pass per
distinct start day (a handful), never in a loop per grid. docs/quality.md defines every counter.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from wangge.accounts.models import TeamMember, TeamMemberKind
from wangge.addresses.models import StandardAddress
from wangge.areas.models import Area, AreaLevel
from wangge.collection.choices import VerificationKind
from wangge.collection.models import VerificationMark, Visit
from wangge.housing.models import House
from wangge.people.choices import PersonStatus
from wangge.people.models import Person, Residence
from wangge.quality.models import COUNTERS, WORKER_COUNTERS, Campaign
from wangge.units.models import Unit

# Grid ids per IN list: well under SQLite's bound-parameter limit, and a plan PostgreSQL handles well.
CHUNK = 900


def chunks(ids: list[int] | None, size: int = CHUNK):
    if ids is None:
        yield None
        return
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of `day`, as an aware datetime (timestamps are compared in local days)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- the period --------------------------------------------------------------------------------------------


def campaigns_on(day: datetime.date) -> list[tuple[str, datetime.date]]:
    """(area code, start day) of every campaign running on `day`."""
    return list(
        Campaign.objects.filter(ended_on__isnull=True, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .values_list("area__code", "starts_on")
    )


def period_start(code: str, day: datetime.date, campaigns: list[tuple[str, datetime.date]]) -> datetime.date:
    """S for an area on `day`: the start of the campaign covering it (the one on the nearest enclosing area,
    then the latest started), or the first day of the month when no campaign covers it."""
    best: tuple[int, datetime.date] | None = None
    for area_code, starts_on in campaigns:
        if code.startswith(area_code):
            candidate = (len(area_code), starts_on)
            if best is None or candidate > best:
                best = candidate
    return best[1] if best else day.replace(day=1)


# --- grids -------------------------------------------------------------------------------------------------


def _current_on(day: datetime.date, end: datetime.datetime, prefix: str = "") -> Q:
    """Recorded by the end of `day` and not ended on or before it."""
    return Q(**{f"{prefix}created_at__lt": end}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": day})
    )


def _active_on(day: datetime.date, end: datetime.datetime, prefix: str = "") -> Q:
    """A person in the register on `day`: recorded by then, and not deregistered on or before it."""
    return Q(**{f"{prefix}created_at__lt": end}) & (
        Q(**{f"{prefix}ended_on__isnull": True, f"{prefix}status": PersonStatus.ACTIVE})
        | Q(**{f"{prefix}ended_on__gt": day})
    )


def _not_ended(day: datetime.date) -> Q:
    """A visit counts on the day it was made (visited_at), even when synced later; only ending it takes it away."""
    return Q(ended_on__isnull=True) | Q(ended_on__gt=day)


def _in_grids(ids: list[int] | None, field: str = "grid_id") -> Q:
    return Q() if ids is None else Q(**{f"{field}__in": ids})


def _count_period(start: datetime.date, day: datetime.date, ids: list[int] | None, out: dict) -> None:
    """Add the counters of the grids `ids` (None: all) for the period [start, day] into `out`."""
    begin, end = day_start(start), day_start(day + datetime.timedelta(days=1))

    def add(rows, mapping):
        for row in rows:
            counts = out.get(row["grid_id"])
            if counts is not None:
                for counter, key in mapping.items():
                    counts[counter] += row[key]

    # Flats: leaf addresses current on the day; visited when a visit in the period was made on them.
    inner = StandardAddress.objects.filter(_current_on(day, end), parent=OuterRef("pk"))
    visited = Visit.objects.filter(
        _not_ended(day), address=OuterRef("pk"), visited_at__gte=begin, visited_at__lt=end
    )
    flats = (
        StandardAddress.objects.filter(_current_on(day, end), _in_grids(ids))
        .filter(~Exists(inner))
        .values("grid_id")
        .annotate(n=Count("pk"), seen=Count("pk", filter=Exists(visited)))
        .order_by()
    )
    add(flats, {"flats": "n", "flats_visited": "seen"})

    # People: active on the day; verified when marked in the period. Registered: recorded in the period.
    active = _active_on(day, end)
    new = Q(created_at__gte=begin)
    marked = VerificationMark.objects.filter(
        person=OuterRef("pk"), verified_on__gte=start, verified_on__lte=day
    )
    people = (
        Person.objects.filter(_in_grids(ids), created_at__lt=end)
        .filter(active | new)
        .values("grid_id")
        .annotate(
            n=Count("pk", filter=active),
            verified=Count("pk", filter=active & Exists(marked)),
            registered=Count("pk", filter=new),
            registered_active=Count("pk", filter=new & active),
        )
        .order_by()
    )
    add(
        people,
        {
            "people": "n",
            "people_verified": "verified",
            "registered": "registered",
            "registered_active": "registered_active",
        },
    )

    # Houses: current on the day; verified when marked in the period; collected when someone active lives
    # there or a unit is registered on its address.
    house_marked = VerificationMark.objects.filter(
        house=OuterRef("pk"), verified_on__gte=start, verified_on__lte=day
    )
    resident = Residence.objects.filter(
        _current_on(day, end), _active_on(day, end, "person__"), house=OuterRef("pk")
    )
    unit = Unit.objects.filter(_current_on(day, end), address=OuterRef("address_id"))
    houses = (
        House.objects.filter(_current_on(day, end), _in_grids(ids))
        .values("grid_id")
        .annotate(
            n=Count("pk"),
            verified=Count("pk", filter=Exists(house_marked)),
            collected=Count("pk", filter=Exists(resident) | Exists(unit)),
        )
        .order_by()
    )
    add(houses, {"houses": "n", "houses_verified": "verified", "houses_collected": "collected"})

    visits = (
        Visit.objects.filter(_not_ended(day), _in_grids(ids), visited_at__gte=begin, visited_at__lt=end)
        .values("grid_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    add(visits, {"visits": "n"})

    for grid_id, (checked, right) in accuracy_counts(start=start, end=day, grid_ids=ids).items():
        counts = out.get(grid_id)
        if counts is not None:
            counts["rechecked"] += checked
            counts["recheck_right"] += right


def accuracy_counts(*, start, end, grid_ids=None) -> dict[int, tuple[int, int]]:
    """Re-check results per grid from wangge.rechecks (none while that app has no selectors)."""
    try:
        from wangge.rechecks.selectors import accuracy_counts as counts
    except ImportError:
        return {}
    return counts(start=start, end=end, grid_ids=grid_ids)


def accuracy_by_collector(*, start, end, grid_ids=None) -> dict[int, tuple[int, int]]:
    try:
        from wangge.rechecks.selectors import accuracy_by_collector as counts
    except ImportError:
        return {}
    return counts(start=start, end=end, grid_ids=grid_ids)


def grids(grid_ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
    qs = Area.objects.filter(level=AreaLevel.GRID)
    if grid_ids is not None:
        ids = list(grid_ids)
        result = []
        for chunk in chunks(ids):
            result += list(qs.filter(pk__in=chunk).values_list("pk", "code"))
        return sorted(result, key=lambda g: g[1])
    return list(qs.order_by("code").values_list("pk", "code"))


def compute(day: datetime.date, grid_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """{grid id: {counter: n, …, "period_start": S, "code": grid code}} for every grid (or the given ones)."""
    selected = None if grid_ids is None else list(grid_ids)
    grid_rows = grids(selected)
    campaigns = campaigns_on(day)
    out: dict[int, dict] = {}
    by_period: dict[datetime.date, list[int]] = defaultdict(list)
    for pk, code in grid_rows:
        start = period_start(code, day, campaigns)
        out[pk] = {**dict.fromkeys(COUNTERS, 0), "period_start": start, "code": code}
        by_period[start].append(pk)
    for start, ids in by_period.items():
        # All grids share one period (the common case): no IN list at all.
        unrestricted = selected is None and len(by_period) == 1
        for chunk in chunks(None if unrestricted else ids):
            _count_period(start, day, chunk, out)
    return out


# --- grid workers --------------------------------------------------------------------------------------------


def worker_grids(day: datetime.date, grid_ids: Iterable[int] | None = None) -> dict[int, list[int]]:
    """{user id: [grid ids, by grid code]} of the 专职网格员 on a grid team on `day` (joined by, not left)."""
    members = TeamMember.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day),
        kind=TeamMemberKind.GRID_WORKER,
        user__isnull=False,
        joined_on__lte=day,
    )
    if grid_ids is not None:
        ids = list(grid_ids)
        users = set()
        for chunk in chunks(ids):
            users |= set(members.filter(team__grid_id__in=chunk).values_list("user_id", flat=True))
        members = members.filter(user_id__in=sorted(users)) if len(users) <= CHUNK else members
    result: dict[int, list[int]] = defaultdict(list)
    for user_id, grid_id in members.order_by("team__grid__code").values_list("user_id", "team__grid_id"):
        if grid_id not in result[user_id]:
            result[user_id].append(grid_id)
    return dict(result)


def compute_workers(
    day: datetime.date, grid_counts: dict[int, dict], memberships: dict[int, list[int]]
) -> dict[int, dict]:
    """{user id: counters} for the workers in `memberships`: the counters of their grids (from `grid_counts`,
    which must hold every grid named there) with `visits` their own, plus the people and houses they verified
    and the accuracy of the records they collected, each over the period of their first grid."""
    out: dict[int, dict] = {}
    by_period: dict[datetime.date, list[int]] = defaultdict(list)
    for user_id, grid_ids in memberships.items():
        first = grid_counts[grid_ids[0]]
        counts = {
            **dict.fromkeys(WORKER_COUNTERS, 0),
            "period_start": first["period_start"],
            "grid_id": grid_ids[0],
            "code": first["code"],
            "grid_count": len(grid_ids),
        }
        for grid_id in grid_ids:
            for counter in COUNTERS:
                counts[counter] += grid_counts[grid_id][counter]
        counts["visits"] = counts["rechecked"] = counts["recheck_right"] = 0
        out[user_id] = counts
        by_period[first["period_start"]].append(user_id)
    end = day_start(day + datetime.timedelta(days=1))
    for start, users in by_period.items():
        begin = day_start(start)
        for chunk in chunks(users):
            visits = (
                Visit.objects.filter(
                    _not_ended(day), visitor_id__in=chunk, visited_at__gte=begin, visited_at__lt=end
                )
                .values("visitor_id")
                .annotate(n=Count("pk"))
                .order_by()
            )
            for row in visits:
                out[row["visitor_id"]]["visits"] = row["n"]
            marks = (
                VerificationMark.objects.filter(
                    verified_by_id__in=chunk, verified_on__gte=start, verified_on__lte=day
                )
                .values("verified_by_id")
                .annotate(
                    people=Count("person_id", distinct=True, filter=Q(kind=VerificationKind.PERSON)),
                    houses=Count("house_id", distinct=True, filter=Q(kind=VerificationKind.HOUSE)),
                )
                .order_by()
            )
            for row in marks:
                out[row["verified_by_id"]]["own_people_verified"] = row["people"]
                out[row["verified_by_id"]]["own_houses_verified"] = row["houses"]
        for user_id, (checked, right) in accuracy_by_collector(start=start, end=day).items():
            if user_id in out and out[user_id]["period_start"] == start:
                out[user_id]["rechecked"] = checked
                out[user_id]["recheck_right"] = right
    return out


# --- many days at once (back-fills) -----------------------------------------------------------------------------
#
# Rebuilding 40 campaign days with compute() scans the big tables 40 times. compute_range() reads each table once
# per block of days and turns every row into the spans of days on which it counts (a house is current from the
# day it was recorded to the day it ended, verified from its first mark in the period on, …), then adds the spans
# up per grid with difference arrays. Same definitions, same numbers (a test compares them day by day).

FAR = datetime.date.max.toordinal() + 1
Spans = list[tuple[int, int]]


def _union(spans: Spans) -> Spans:
    merged: Spans = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: Spans, b: Spans) -> Spans:
    result: Spans = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def _minus(a: Spans, b: Spans) -> Spans:
    result: Spans = []
    for start, end in a:
        for cut_start, cut_end in b:
            if cut_end <= start or cut_start >= end:
                continue
            if cut_start > start:
                result.append((start, cut_start))
            start = max(start, cut_end)
            if start >= end:
                break
        if start < end:
            result.append((start, end))
    return result


class _Days:
    """Local-day ordinals of timestamps (cached: rows recorded in one batch share theirs) and difference arrays."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.lo, self.hi = first.toordinal(), last.toordinal() + 1
        self.diffs: dict[tuple[int, str], list[int]] = {}
        self._cache: dict = {}

    def of(self, moment: datetime.datetime) -> int:
        day = self._cache.get(moment)
        if day is None:
            day = self._cache[moment] = timezone.localtime(moment).date().toordinal()
        return day

    @staticmethod
    def until(ended: datetime.date | None) -> int:
        """A record ended on E counts on the days before E."""
        return FAR if ended is None else ended.toordinal()

    def add(self, grid_id: int, counter: str, spans: Spans) -> None:
        for start, end in spans:
            start, end = max(start, self.lo), min(end, self.hi)
            if start < end:
                diff = self.diffs.get((grid_id, counter))
                if diff is None:
                    diff = self.diffs[(grid_id, counter)] = [0] * (self.hi - self.lo + 1)
                diff[start - self.lo] += 1
                diff[end - self.lo] -= 1

    def totals(self, grid_id: int, counter: str) -> list[int]:
        diff = self.diffs.get((grid_id, counter))
        if diff is None:
            return [0] * (self.hi - self.lo)
        totals, running = [], 0
        for step in diff[:-1]:
            running += step
            totals.append(running)
        return totals


def _sweep(
    start: datetime.date, first: datetime.date, last: datetime.date, ids: list[int], days: _Days
) -> None:
    """Add the spans of every row of the grids `ids` for the period starting `start`, over [first, last]."""
    begin, end = day_start(start), day_start(last + datetime.timedelta(days=1))
    s = start.toordinal()

    # Flats: leaf spans (current, minus the spans where a current child exists), visited from a visit on.
    children: dict[int, Spans] = defaultdict(list)
    for parent_id, created, ended in StandardAddress.objects.filter(
        parent__grid_id__in=ids, created_at__lt=end
    ).values_list("parent_id", "created_at", "ended_on"):
        children[parent_id].append((days.of(created), days.until(ended)))
    visited: dict[int, Spans] = defaultdict(list)
    for address_id, at, ended in Visit.objects.filter(
        address__grid_id__in=ids, visited_at__gte=begin, visited_at__lt=end
    ).values_list("address_id", "visited_at", "ended_on"):
        visited[address_id].append((days.of(at), days.until(ended)))
    for pk, grid_id, created, ended in StandardAddress.objects.filter(
        grid_id__in=ids, created_at__lt=end
    ).values_list("pk", "grid_id", "created_at", "ended_on"):
        leaf = [(days.of(created), days.until(ended))]
        if pk in children:
            leaf = _minus(leaf, _union(children[pk]))
        days.add(grid_id, "flats", leaf)
        if pk in visited:
            days.add(grid_id, "flats_visited", _intersect(leaf, _union(visited[pk])))
    for grid_id, at, ended in Visit.objects.filter(
        grid_id__in=ids, visited_at__gte=begin, visited_at__lt=end
    ).values_list("grid_id", "visited_at", "ended_on"):
        days.add(grid_id, "visits", [(days.of(at), days.until(ended))])

    def active(created, ended, status) -> Spans:
        if ended is None and status != PersonStatus.ACTIVE:
            return []
        return [(days.of(created), days.until(ended))]

    def first_marks(**filters) -> dict[int, int]:
        marks = VerificationMark.objects.filter(verified_on__gte=start, verified_on__lte=last, **filters)
        key = "person_id" if "person__grid_id__in" in filters else "house_id"
        rows = marks.values(key).annotate(first=Min("verified_on")).order_by().values_list(key, "first")
        return {pk: first.toordinal() for pk, first in rows}

    # People: active spans; verified from their first mark in the period; registered from the day recorded.
    marked = first_marks(person__grid_id__in=ids)
    for pk, grid_id, created, ended, status in Person.objects.filter(
        grid_id__in=ids, created_at__lt=end
    ).values_list("pk", "grid_id", "created_at", "ended_on", "status"):
        spans = active(created, ended, status)
        days.add(grid_id, "people", spans)
        if pk in marked:
            days.add(grid_id, "people_verified", _intersect(spans, [(marked[pk], FAR)]))
        recorded = days.of(created)
        if recorded >= s:
            days.add(grid_id, "registered", [(recorded, FAR)])
            days.add(grid_id, "registered_active", _intersect(spans, [(recorded, FAR)]))

    # Houses: current spans; verified from the first mark; collected while someone active lives there or a unit
    # is registered on the address.
    house_marked = first_marks(house__grid_id__in=ids)
    lived: dict[int, Spans] = defaultdict(list)
    for house_id, created, ended, p_created, p_ended, p_status in Residence.objects.filter(
        house__grid_id__in=ids, created_at__lt=end
    ).values_list(
        "house_id", "created_at", "ended_on", "person__created_at", "person__ended_on", "person__status"
    ):
        lived[house_id] += _intersect(
            [(days.of(created), days.until(ended))], active(p_created, p_ended, p_status)
        )
    units: dict[int, Spans] = defaultdict(list)
    addresses = House.objects.filter(grid_id__in=ids).values("address_id")
    for address_id, created, ended in Unit.objects.filter(
        address_id__in=addresses, created_at__lt=end
    ).values_list("address_id", "created_at", "ended_on"):
        units[address_id].append((days.of(created), days.until(ended)))
    for pk, grid_id, created, ended, address_id in House.objects.filter(
        grid_id__in=ids, created_at__lt=end
    ).values_list("pk", "grid_id", "created_at", "ended_on", "address_id"):
        spans = [(days.of(created), days.until(ended))]
        days.add(grid_id, "houses", spans)
        if pk in house_marked:
            days.add(grid_id, "houses_verified", _intersect(spans, [(house_marked[pk], FAR)]))
        used = lived.get(pk, []) + units.get(address_id, [])
        if used:
            days.add(grid_id, "houses_collected", _intersect(spans, _union(used)))


def compute_range(
    day_from: datetime.date, day_to: datetime.date, grid_ids: Iterable[int] | None = None
) -> dict[datetime.date, dict[int, dict]]:
    """compute() for every day in [day_from, day_to], reading each raw table once per run of days that share
    their periods (the campaigns running and the month)."""
    selected = None if grid_ids is None else list(grid_ids)
    grid_rows = grids(selected)
    campaigns = list(
        Campaign.objects.filter(ended_on__isnull=True, starts_on__lte=day_to)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day_from))
        .values_list("area__code", "starts_on", "ends_on")
    )
    all_days = [day_from + datetime.timedelta(days=n) for n in range((day_to - day_from).days + 1)]
    starts_of: dict[datetime.date, dict[int, datetime.date]] = {}
    for day in all_days:
        running = [(code, s) for code, s, e in campaigns if s <= day and (e is None or e >= day)]
        starts_of[day] = {pk: period_start(code, day, running) for pk, code in grid_rows}
    # Runs of consecutive days whose grids all keep their period start.
    runs: list[list[datetime.date]] = []
    for day in all_days:
        if runs and starts_of[runs[-1][-1]] == starts_of[day]:
            runs[-1].append(day)
        else:
            runs.append([day])
    codes = dict(grid_rows)
    out: dict[datetime.date, dict[int, dict]] = {}
    for run in runs:
        first, last = run[0], run[-1]
        by_period: dict[datetime.date, list[int]] = defaultdict(list)
        for pk, start in starts_of[first].items():
            by_period[start].append(pk)
        days = _Days(first, last)
        for start, ids in by_period.items():
            for chunk in chunks(ids, CHUNK // 3):
                _sweep(start, first, last, chunk, days)
        for pk, start in starts_of[first].items():
            series = {counter: days.totals(pk, counter) for counter in COUNTERS}
            for n, day in enumerate(run):
                counts = {counter: series[counter][n] for counter in COUNTERS}
                out.setdefault(day, {})[pk] = {**counts, "period_start": start, "code": codes[pk]}
        for day in run:
            for start, ids in by_period.items():
                unrestricted = selected is None and len(by_period) == 1
                for chunk in chunks(None if unrestricted else ids):
                    for grid_id, (checked, right) in accuracy_counts(
                        start=start, end=day, grid_ids=chunk
                    ).items():
                        counts = out[day].get(grid_id)
                        if counts is not None:
                            counts["rechecked"] += checked
                            counts["recheck_right"] += right
    return out
