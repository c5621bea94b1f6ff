"""Field work for the demo district: shift hours and a few open tasks per grid, so the field app has a day's
round to show. Called by wangge.demo.builder after the staff batch; audited with source "demo"."""

import datetime

from django.db import transaction
from django.utils import timezone

from wangge.accounts.models import Team
from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.collection.choices import Priority, ShiftKind, TaskKind
from wangge.collection.models import Shift, Task
from wangge.collection.shifts import DEFAULT_HOURS, default_shift
from wangge.core.actor import Actor
from wangge.core.bulk import create_records
from wangge.core.models import Source

TASKS_PER_GRID = 3


@transaction.atomic
def seed_field_work() -> dict[str, int]:
    actor = Actor.system(source=Source.DEMO)
    teams = {t.grid_id: t for t in Team.objects.select_related("grid")}
    shifts = [
        Shift(grid=team.grid, kind=kind, starts=DEFAULT_HOURS[kind][0], ends=DEFAULT_HOURS[kind][1])
        for team in teams.values()
        for kind in (ShiftKind.DAY, ShiftKind.NIGHT)
    ]
    create_records(Shift, shifts, actor=actor)
    today = timezone.localdate()
    tasks, taken = [], {}
    doors = StandardAddress.objects.filter(level=AddressLevel.DOOR_PLATE, grid_id__in=teams).order_by(
        "grid_id", "code"
    )
    for address in doors.only("pk", "grid_id", "code", "full_text").iterator(chunk_size=5000):
        count = taken.get(address.grid_id, 0)
        if count >= TASKS_PER_GRID:
            continue
        taken[address.grid_id] = count + 1
        team = teams[address.grid_id]
        tasks.append(
            Task(
                kind=TaskKind.VISIT_ADDRESS,
                grid_id=address.grid_id,
                address=address,
                team=team,
                due_on=today + datetime.timedelta(days=7 * count),
                priority=Priority.URGENT if count == 0 else Priority.NORMAL,
                shift=default_shift(grid_kind=team.grid.kind, uses=set()),
                batch="demo",
            )
        )
    create_records(Task, tasks, actor=actor)
    return {"shifts": len(shifts), "tasks": len(tasks)}
