"""Reads of field collection; each starts from the user's scope (visible_to)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from wangge.addresses.models import StandardAddress
from wangge.areas.models import Area
from wangge.collection.choices import ACTIVE_STATES, ConflictState, ShiftKind
from wangge.collection.models import SyncConflict, Task, VerificationMark, Visit, month_start
from wangge.collection.services import team_ids
from wangge.collection.shifts import grid_hours, shift_at
from wangge.core.selectors import within_area
from wangge.people.choices import PersonStatus
from wangge.people.models import Residence

TASK_SCOPES = ("mine", "team", "all")


def current_shift_by_grid(grid_ids, moment: datetime.datetime | None = None) -> dict[int, str]:
    moment = moment or timezone.now()
    return {gid: shift_at(hours, moment) for gid, hours in grid_hours(grid_ids).items()}


def task_list(
    *,
    user,
    scope: str = "mine",
    state: str = "",
    kind: str = "",
    area: str = "",
    assignee: int | None = None,
    overdue: bool = False,
    batch: str = "",
) -> QuerySet:
    """Tasks in the work order a worker walks them: overdue first, then by due day, priority, those of the
    shift running now, and the address code (so a building is walked floor by floor, door by door)."""
    tasks = Task.objects.visible_to(user)
    if scope == "mine":
        tasks = tasks.filter(assignee=user)
    elif scope == "team":
        tasks = tasks.filter(Q(assignee=user) | Q(team_id__in=team_ids(user)))
    if state == "active" or (not state and scope != "all"):
        tasks = tasks.filter(state__in=ACTIVE_STATES)
    elif state:
        tasks = tasks.filter(state=state)
    if kind:
        tasks = tasks.filter(kind=kind)
    if assignee:
        tasks = tasks.filter(assignee_id=assignee)
    if batch:
        tasks = tasks.filter(batch=batch)
    tasks = within_area(tasks, area)
    today = timezone.localdate()
    if overdue:
        tasks = tasks.filter(due_on__lt=today, state__in=ACTIVE_STATES)
    grid_ids = set(tasks.values_list("grid_id", flat=True).distinct()[:1000])
    now_shift = current_shift_by_grid(grid_ids)
    in_shift = Q(shift=ShiftKind.ANY)
    for kind_now in (ShiftKind.DAY, ShiftKind.NIGHT):
        grids = [gid for gid, s in now_shift.items() if s == kind_now]
        if grids:
            in_shift |= Q(shift=kind_now, grid_id__in=grids)
    return (
        tasks.annotate(
            late=Case(When(due_on__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()),
            off_shift=Case(When(in_shift, then=Value(0)), default=Value(1), output_field=IntegerField()),
        )
        .select_related("address", "assignee", "team__grid", "grid", "appointment")
        .order_by("late", "due_on", "priority", "off_shift", "address__code", "id")
    )


def task_detail(*, user, pk: int) -> Task:
    return (
        Task.objects.visible_to(user).select_related("address", "assignee", "grid", "appointment").get(pk=pk)
    )


def visit_list(
    *, user, address: int | None = None, area: str = "", since: datetime.date | None = None
) -> QuerySet:
    visits = within_area(Visit.objects.visible_to(user), area)
    if address:
        visits = visits.filter(address_id=address)
    if since:
        visits = visits.filter(visited_at__date__gte=since)
    return visits.select_related("address", "visitor", "task")


def conflict_list(*, user, state: str = ConflictState.OPEN) -> QuerySet:
    conflicts = SyncConflict.objects.visible_to(user).select_related("change__user", "grid")
    return conflicts.filter(state=state) if state else conflicts


def conflict_detail(*, user, pk: int) -> SyncConflict:
    return SyncConflict.objects.visible_to(user).select_related("change__user", "grid").get(pk=pk)


# --- coverage (R-22) ----------------------------------------------------------------------------------------


@dataclass
class CoverageNode:
    """One node of the coverage tree with what lies under it: flats (leaf addresses) and people."""

    kind: str  # "area" or "address"
    obj: object
    flats: int = 0
    flats_visited: int = 0
    people: int = 0
    people_verified: int = 0
    not_visited: list = field(default_factory=list)

    @property
    def flats_missing(self) -> int:
        return self.flats - self.flats_visited

    @property
    def people_missing(self) -> int:
        return self.people - self.people_verified

    @property
    def has_children(self) -> bool:
        return self.kind == "area" or self.obj.level < 7


def coverage_period(start: datetime.date | None = None, end: datetime.date | None = None):
    start = start or month_start()
    end = end or timezone.localdate()
    return start, end


def coverage_children(
    *,
    user,
    area: Area | None = None,
    address: StandardAddress | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[CoverageNode]:
    """The children of an area (areas, or a grid's roads) or of an address, each with its counts.

    A flat is a leaf of the address tree (a room, or a door plate / building with nothing under it); it is
    visited when a visit in the period was recorded on it. People are the active residents of the houses on those
    flats; verified when a verification mark in the period names them.
    """
    start, end = coverage_period(start, end)
    addresses = StandardAddress.objects.visible_to(user).filter(ended_on__isnull=True)
    if address is not None:
        children = list(addresses.filter(parent=address).order_by("code"))
        nodes = {c.code: CoverageNode("address", c) for c in children}
        below = addresses.filter(code__startswith=address.code).exclude(pk=address.pk)
        key = "code"
    elif area is not None and area.level == "grid":
        children = list(addresses.filter(grid=area, parent__isnull=True).order_by("code"))
        nodes = {c.code: CoverageNode("address", c) for c in children}
        below = addresses.filter(grid=area)
        key = "code"
    else:
        areas = Area.objects.visible_to(user)
        children = list(
            areas.filter(parent=area) if area is not None else areas.exclude(parent__in=areas.values("pk"))
        )
        nodes = {c.code: CoverageNode("area", c) for c in sorted(children, key=lambda a: a.code)}
        below = addresses.filter(
            Q(*[Q(grid__code__startswith=c) for c in nodes], _connector=Q.OR) if nodes else Q(pk__in=[])
        )
        key = "grid__code"
    lengths = sorted({len(code) for code in nodes})

    def owner(code: str) -> CoverageNode | None:
        for length in lengths:
            node = nodes.get(code[:length])
            if node is not None:
                return node
        return None

    has_children = StandardAddress.objects.filter(parent=OuterRef("pk"), ended_on__isnull=True)
    visited = Visit.objects.filter(
        address=OuterRef("pk"), visited_at__date__gte=start, visited_at__date__lte=end
    )
    leaves = below.annotate(inner=Exists(has_children), seen=Exists(visited)).filter(inner=False)
    marked = VerificationMark.objects.filter(
        person=OuterRef("person_id"), verified_on__gte=start, verified_on__lte=end
    )
    residences = Residence.objects.filter(
        ended_on__isnull=True,
        person__status=PersonStatus.ACTIVE,
        house__address__in=below.values("pk"),
    ).annotate(ok=Exists(marked))
    if key == "grid__code":
        _count_areas(nodes, lengths, leaves, residences)
        return list(nodes.values())
    for code, pk, seen, text in leaves.values_list(key, "pk", "seen", "full_text"):
        node = owner(code)
        if node is None:
            continue
        node.flats += 1
        node.flats_visited += int(seen)
        if not seen and len(node.not_visited) < 20 and node.kind == "address":
            node.not_visited.append((pk, text))
    residences = residences.values_list(f"house__address__{key}", "person_id", "ok").distinct()
    counted = set()
    for code, person_id, ok in residences:
        node = owner(code)
        if node is None or (node.obj.pk, person_id) in counted:
            continue
        counted.add((node.obj.pk, person_id))
        node.people += 1
        node.people_verified += int(ok)
    return list(nodes.values())


def _count_areas(nodes: dict, lengths: list[int], leaves, residences) -> None:
    """Area nodes: flats and people counted by the database, grouped by the child area's code prefix.

    A district holds hundreds of thousands of flats; only one row per child area comes back.
    """
    for length in lengths:
        codes = [code for code in nodes if len(code) == length]
        within = Q(*[Q(grid__code__startswith=c) for c in codes], _connector=Q.OR)
        flats = (
            leaves.filter(within)
            .annotate(prefix=Substr("grid__code", 1, length))
            .values("prefix")
            .annotate(flats=Count("pk"), visited=Count("pk", filter=Q(seen=True)))
            .values_list("prefix", "flats", "visited")
            .order_by()
        )
        for prefix, count, visited in flats:
            nodes[prefix].flats += count
            nodes[prefix].flats_visited += visited
        lived = Q(*[Q(house__address__grid__code__startswith=c) for c in codes], _connector=Q.OR)
        people = (
            residences.filter(lived)
            .annotate(prefix=Substr("house__address__grid__code", 1, length))
            .values("prefix")
            .annotate(
                people=Count("person_id", distinct=True),
                verified=Count("person_id", distinct=True, filter=Q(ok=True)),
            )
            .values_list("prefix", "people", "verified")
            .order_by()
        )
        for prefix, count, verified in people:
            nodes[prefix].people += count
            nodes[prefix].people_verified += verified
