"""Tide scheduling (R-24): day shifts for factory and shop grids, night shifts for residential grids.

A grid without its own Shift rows works the default hours below. A task's default shift follows what is
at its address (shops, factories and offices are met by day; homes after work) and then the grid's kind.
"""

import datetime

from django.utils import timezone

from wangge.areas.models import GridKind
from wangge.collection.choices import ShiftKind
from wangge.collection.models import Shift

DEFAULT_HOURS = {
    ShiftKind.DAY: (datetime.time(8, 30), datetime.time(17, 30)),
    ShiftKind.NIGHT: (datetime.time(18, 30), datetime.time(21, 30)),
}
DAYTIME_USES = {"shop", "factory", "office"}
DAYTIME_GRID_KINDS = {GridKind.DEDICATED}


def grid_hours(grid_ids) -> dict[int, dict[str, tuple[datetime.time, datetime.time]]]:
    """{grid id: {day|night: (starts, ends)}}, the grid's own hours over the defaults."""
    hours = {gid: dict(DEFAULT_HOURS) for gid in grid_ids}
    for shift in Shift.objects.filter(grid_id__in=list(hours)):
        hours[shift.grid_id][shift.kind] = (shift.starts, shift.ends)
    return hours


def shift_at(hours: dict[str, tuple[datetime.time, datetime.time]], moment: datetime.datetime) -> str:
    """The shift running at a moment (local time), or `any` between shifts."""
    now = timezone.localtime(moment).time()
    for kind in (ShiftKind.DAY, ShiftKind.NIGHT):
        starts, ends = hours[kind]
        inside = starts <= now < ends if starts <= ends else (now >= starts or now < ends)
        if inside:
            return kind
    return ShiftKind.ANY


def default_shift(*, grid_kind: str, uses: set[str]) -> str:
    """Day when everything at the address is a shop, factory or office, or the grid is a dedicated one
    (industrial park, market); night otherwise: people are home after work."""
    if uses and uses <= DAYTIME_USES:
        return ShiftKind.DAY
    if grid_kind in DAYTIME_GRID_KINDS:
        return ShiftKind.DAY
    return ShiftKind.NIGHT
