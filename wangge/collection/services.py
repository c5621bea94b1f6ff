"""Writes of field collection: tasks (one or thousands), visits, verification marks, shifts, conflict decisions.

Every write takes an Actor, runs in one transaction and leaves ChangeRecords, like the register's services;
changes to people, houses and residences made during a visit go through wangge.people / wangge.housing.
"""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Team, TeamMember, User
from wangge.accounts.roles import ADMIN_ROLES, Role, can_edit
from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.areas.models import Area, AreaLevel
from wangge.collection.choices import (
    ACTIVE_STATES,
    TASK_TRANSITIONS,
    ConflictState,
    Priority,
    ShiftKind,
    TaskKind,
    TaskState,
    VerificationKind,
    VisitOutcome,
)
from wangge.collection.models import Shift, Task, VerificationMark, Visit
from wangge.collection.shifts import default_shift
from wangge.core.actor import Actor
from wangge.core.bulk import create_records, in_scope, scope_grid_ids
from wangge.core.services import (
    create_record,
    end_record,
    reject_bad_text,
    require,
    require_edit,
    require_in_scope,
    update_record,
)
from wangge.housing.models import House
from wangge.people.models import Person

# Who plans the field work of others: grid chiefs and the administrators above them.
SUPERVISOR_ROLES = ADMIN_ROLES | {Role.GRID_CHIEF}
BULK_LEVELS = (AddressLevel.DOOR_PLATE, AddressLevel.BUILDING, AddressLevel.ROOM)
MAX_BULK_TASKS = 20_000


def can_supervise(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in SUPERVISOR_ROLES)


def require_supervisor(actor: Actor) -> None:
    if actor.user is not None:
        require(actor, can_supervise(actor.user))


def team_ids(user) -> list[int]:
    """Teams the user is a current member of."""
    return list(
        TeamMember.objects.filter(user=user, ended_on__isnull=True)
        .values_list("team_id", flat=True)
        .order_by("team_id")
    )


def is_mine(task: Task, user) -> bool:
    return task.assignee_id == user.pk or (task.team_id is not None and task.team_id in team_ids(user))


def _check_assignee(actor: Actor, grid: Area, assignee: User | None, team: Team | None) -> None:
    if assignee is not None:
        if not assignee.is_active or not can_edit(assignee):
            raise ValidationError({"assignee": [_("该用户不能承担采集任务。")]})
        if actor.user is not None and not User.objects.visible_to(actor.user).filter(pk=assignee.pk).exists():
            raise ValidationError({"assignee": [_("所选记录不存在。")]})
        from wangge.accounts.scope import visible_grid_ids

        if not visible_grid_ids(assignee).filter(pk=grid.pk).exists():
            raise ValidationError({"assignee": [_("该用户的任职区域不含此网格。")]})
    if team is not None and team.grid_id != grid.pk:
        raise ValidationError({"team": [_("须为该网格的工作小组。")]})


def _address_uses(addresses: list[StandardAddress]) -> dict[int, set[str]]:
    """What the houses at or under each address are used for (for the default shift)."""
    by_code = {a.code: a.pk for a in addresses}
    lengths = sorted({len(code) for code in by_code})
    uses: dict[int, set[str]] = {pk: set() for pk in by_code.values()}
    if not addresses:
        return uses
    grids = {a.grid_id for a in addresses}
    houses = House.objects.filter(grid_id__in=grids, ended_on__isnull=True).values_list(
        "address__code", "use"
    )
    for code, use in houses:
        for length in lengths:
            pk = by_code.get(code[:length])
            if pk is not None:
                uses[pk].add(use)
    return uses


def _task_fields(
    *,
    actor: Actor,
    kind: str,
    grid: Area,
    address=None,
    person=None,
    house=None,
    assignee=None,
    team=None,
    due_on=None,
    priority=Priority.NORMAL,
    shift: str | None = None,
    note: str = "",
    appointment=None,
    batch: str = "",
) -> dict:
    if shift is None:
        uses = _address_uses([address])[address.pk] if address is not None else set()
        shift = default_shift(grid_kind=grid.kind, uses=uses)
    return {
        "kind": kind,
        "grid": grid,
        "address": address,
        "person": person,
        "house": house,
        "assignee": assignee,
        "team": team,
        "due_on": due_on,
        "priority": priority,
        "shift": shift,
        "note": (note or "").strip(),
        "appointment": appointment,
        "batch": batch,
        "created_by": actor.user if getattr(actor.user, "is_authenticated", False) else None,
    }


@transaction.atomic
def task_create(
    *,
    actor: Actor,
    kind: str,
    address: StandardAddress | None = None,
    person: Person | None = None,
    house: House | None = None,
    assignee: User | None = None,
    team: Team | None = None,
    due_on: datetime.date | None = None,
    priority: int = Priority.NORMAL,
    shift: str | None = None,
    note: str = "",
    appointment=None,
) -> Task:
    """One task on one address, person or house; the grid is theirs. Shift defaults as shifts.py says."""
    require_supervisor(actor)
    target = address or house or person
    if target is None:
        raise ValidationError({"address": [_("请选择标准地址、人员或房屋。")]})
    if kind == TaskKind.VERIFY_PERSON and person is None:
        raise ValidationError({"person": [_("核实人员任务须选择人员。")]})
    if kind == TaskKind.VERIFY_HOUSE and house is None:
        raise ValidationError({"house": [_("核实房屋任务须选择房屋。")]})
    grid = target.grid
    require_in_scope(actor, grid, "address" if address else "house" if house else "person")
    if assignee is None and team is None:
        team = Team.objects.filter(grid=grid).first()
        if team is None:
            raise ValidationError({"assignee": [_("请选择负责人或工作小组。")]})
    _check_assignee(actor, grid, assignee, team)
    if address is None and house is not None:
        address = house.address
    fields = _task_fields(
        actor=actor,
        kind=kind,
        grid=grid,
        address=address,
        person=person,
        house=house,
        assignee=assignee,
        team=team,
        due_on=due_on,
        priority=priority,
        shift=shift,
        note=note,
        appointment=appointment,
    )
    return create_record(Task, actor=actor, **fields)


@transaction.atomic
def tasks_bulk_create(
    *,
    actor: Actor,
    area: Area | None = None,
    within: StandardAddress | None = None,
    level: int = AddressLevel.DOOR_PLATE,
    kind: str = TaskKind.VISIT_ADDRESS,
    assignee: User | None = None,
    due_on: datetime.date | None = None,
    priority: int = Priority.NORMAL,
    shift: str | None = None,
    note: str = "",
) -> int:
    """One task per address of a level (door plate, building or room) inside an area or under an address
    ("visit every door plate in grid X this month"). Addresses that already have an open task of the same
    kind are skipped, so running it twice makes no duplicates. Each grid's tasks go to the given worker or, by
    default, to the grid's team. Returns how many tasks were made."""
    require_supervisor(actor)
    if level not in BULK_LEVELS:
        raise ValidationError({"level": [_("请选择门牌、楼栋或户室。")]})
    if kind not in (TaskKind.VISIT_ADDRESS, TaskKind.REVISIT):
        raise ValidationError({"kind": [_("批量任务只能是入户访查或回访。")]})
    if (area is None) == (within is None):
        raise ValidationError({"area": [_("请选择一个区域或一个地址。")]})
    addresses = StandardAddress.objects.filter(level=level, ended_on__isnull=True)
    if actor.user is not None:
        addresses = addresses.visible_to(actor.user)
    if area is not None:
        if actor.user is not None and not Area.objects.visible_to(actor.user).filter(pk=area.pk).exists():
            raise ValidationError({"area": [_("所选记录不存在。")]})
        addresses = addresses.filter(grid__code__startswith=area.code)
    else:
        require_in_scope(actor, within.grid, "within")
        addresses = addresses.filter(code__startswith=within.code)
    busy = Task.objects.filter(kind=kind, state__in=ACTIVE_STATES, address_id__isnull=False)
    addresses = list(
        addresses.exclude(pk__in=busy.values("address_id"))
        .select_related("grid")
        .order_by("code")[: MAX_BULK_TASKS + 1]
    )
    if len(addresses) > MAX_BULK_TASKS:
        raise ValidationError(
            {"area": [_("一次最多生成 %(n)s 个任务，请缩小范围。") % {"n": MAX_BULK_TASKS}]}
        )
    if not addresses:
        return 0
    teams = {t.grid_id: t for t in Team.objects.filter(grid_id__in={a.grid_id for a in addresses})}
    if assignee is not None:
        for grid in {a.grid for a in addresses}:
            _check_assignee(actor, grid, assignee, None)
    else:
        missing = sorted({a.grid.name for a in addresses if a.grid_id not in teams})
        if missing:
            raise ValidationError(
                {"assignee": [_("以下网格没有工作小组，请指定负责人：%(g)s") % {"g": "、".join(missing)}]}
            )
    uses = _address_uses(addresses) if shift is None else {}
    batch = uuid.uuid4().hex
    tasks = []
    for address in addresses:
        fields = _task_fields(
            actor=actor,
            kind=kind,
            grid=address.grid,
            address=address,
            assignee=assignee,
            team=None if assignee else teams[address.grid_id],
            due_on=due_on,
            priority=priority,
            shift=shift or default_shift(grid_kind=address.grid.kind, uses=uses[address.pk]),
            note=note,
            batch=batch,
        )
        tasks.append(Task(**fields))
    # One validation of the shared values; the per-address values come from the database already.
    tasks[0].full_clean(exclude=["address", "grid", "assignee", "team", "created_by", "appointment"])
    create_records(Task, tasks, actor=actor)
    return len(tasks)


def _move(actor: Actor, task: Task, to: str, *, expected_version=None, reason: str = "", **fields) -> dict:
    if to not in TASK_TRANSITIONS[task.state]:
        raise ValidationError(
            {
                "state": [
                    _("任务当前为“%(s)s”，不能改为“%(t)s”。")
                    % {"s": task.get_state_display(), "t": TaskState(to).label}
                ]
            }
        )
    fields["state"] = to
    if to in (TaskState.DONE, TaskState.CANNOT_BE_DONE):
        fields["finished_at"] = timezone.now()
    if to == TaskState.CANCELLED:
        return end_record(task, actor=actor, reason=reason, **fields)
    return update_record(task, actor=actor, fields=fields, expected_version=expected_version, reason=reason)


def _require_worker_of(actor: Actor, task: Task) -> None:
    """The assignee, a member of the assigned team, or a supervisor of the grid."""
    require_edit(actor)
    if actor.user is None or can_supervise(actor.user) or is_mine(task, actor.user):
        return
    # Someone else's task reads as missing, as anything outside one's reach does.
    raise ValidationError({"task": [_("所选记录不存在。")]})


@transaction.atomic
def task_start(*, actor: Actor, task: Task) -> dict:
    _require_worker_of(actor, task)
    return _move(actor, task, TaskState.IN_PROGRESS)


@transaction.atomic
def task_done(*, actor: Actor, task: Task, note: str = "") -> dict:
    _require_worker_of(actor, task)
    return _move(actor, task, TaskState.DONE, result_note=(note or "").strip())


@transaction.atomic
def task_cannot(*, actor: Actor, task: Task, reason: str) -> dict:
    """无法完成: needs a reason (moved away, demolished, refused three times …)."""
    _require_worker_of(actor, task)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写无法完成的原因。")]})
    return _move(actor, task, TaskState.CANNOT_BE_DONE, result_note=reason, reason=reason)


@transaction.atomic
def task_cancel(*, actor: Actor, task: Task, reason: str) -> dict:
    require_supervisor(actor)
    return _move(actor, task, TaskState.CANCELLED, reason=reason)


@transaction.atomic
def task_reassign(
    *, actor: Actor, task: Task, assignee: User | None = None, team: Team | None = None, reason: str = ""
) -> dict:
    """Hand a task to another worker or to the grid's team; an in-progress task goes back to open."""
    require_supervisor(actor)
    if task.state not in ACTIVE_STATES:
        raise ValidationError({"state": [_("只有待办或进行中的任务可以改派。")]})
    if (assignee is None) == (team is None):
        raise ValidationError({"assignee": [_("请选择负责人或工作小组（二选一）。")]})
    _check_assignee(actor, task.grid, assignee, team)
    return update_record(
        task,
        actor=actor,
        fields={"assignee": assignee, "team": team, "state": TaskState.OPEN},
        reason=(reason or "").strip(),
    )


# --- visits and verification -----------------------------------------------------------------------------


def _mark(actor: Actor, *, kind: str, grid, person=None, house=None, visit=None) -> VerificationMark:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    now = timezone.now()
    return create_record(
        VerificationMark,
        actor=actor,
        kind=kind,
        person=person,
        house=house,
        grid=grid,
        visit=visit,
        verified_at=now,
        verified_on=timezone.localdate(now),
        verified_by=user,
        source=actor.source,
    )


@transaction.atomic
def person_verify(*, actor: Actor, person: Person, visit: Visit | None = None) -> VerificationMark:
    """The person was seen and the record is right (or has just been corrected)."""
    require_edit(actor)
    require_in_scope(actor, person.grid, "person")
    return _mark(actor, kind=VerificationKind.PERSON, grid=person.grid, person=person, visit=visit)


@transaction.atomic
def house_verify(*, actor: Actor, house: House, visit: Visit | None = None) -> VerificationMark:
    require_edit(actor)
    require_in_scope(actor, house.grid, "house")
    return _mark(actor, kind=VerificationKind.HOUSE, grid=house.grid, house=house, visit=visit)


@transaction.atomic
def visit_record(
    *,
    actor: Actor,
    address: StandardAddress,
    outcome: str,
    visited_at: datetime.datetime | None = None,
    latitude=None,
    longitude=None,
    accuracy_m: float | None = None,
    note: str = "",
    task: Task | None = None,
    task_result: str | None = None,
    cannot_reason: str = "",
) -> Visit:
    """访查: record one knock on a door; optionally finish the task it served (done, or cannot be done)."""
    require_edit(actor)
    require_in_scope(actor, address.grid, "address")
    if address.ended_on:
        raise ValidationError({"address": [_("该标准地址已注销。")]})
    visited_at = visited_at or timezone.now()
    if visited_at > timezone.now() + datetime.timedelta(minutes=10):
        raise ValidationError({"visited_at": [_("访查时间不能在未来。")]})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": [_("经纬度须同时填写。")]})
    if accuracy_m is not None and not 0 <= accuracy_m <= 100_000:
        raise ValidationError({"accuracy_m": [_("定位精度须在 0 到 100000 米之间。")]})
    if task_result not in (None, "done", "cannot"):
        raise ValidationError({"task_result": [_("须为 done 或 cannot。")]})
    if task_result and task is None:
        raise ValidationError({"task": [_("请选择任务。")]})
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    visit = create_record(
        Visit,
        actor=actor,
        address=address,
        grid=address.grid,
        task=task,
        outcome=outcome,
        visited_at=visited_at,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        visitor=user,
        device=actor.device,
        note=(note or "").strip(),
    )
    if task is not None:
        if task_result == "done":
            task_done(actor=actor, task=task, note=note)
        elif task_result == "cannot":
            task_cannot(actor=actor, task=task, reason=cannot_reason)
        elif task.state == TaskState.OPEN:
            task_start(actor=actor, task=task)
    return visit


# --- shifts ----------------------------------------------------------------------------------------------


@transaction.atomic
def shift_set(*, actor: Actor, grid: Area, kind: str, starts: datetime.time, ends: datetime.time) -> Shift:
    """Set a grid's day or night hours (supervisors); audited like any record."""
    require_supervisor(actor)
    require_in_scope(actor, grid, "grid")
    if grid.level != AreaLevel.GRID:
        raise ValidationError({"grid": [_("请选择采集网格。")]})
    if kind not in (ShiftKind.DAY, ShiftKind.NIGHT):
        raise ValidationError({"kind": [_("须为白班或夜班。")]})
    if starts == ends:
        raise ValidationError({"ends": [_("结束时间不能等于开始时间。")]})
    shift = Shift.objects.select_for_update().filter(grid=grid, kind=kind).first()
    if shift is None:
        return create_record(Shift, actor=actor, grid=grid, kind=kind, starts=starts, ends=ends)
    update_record(shift, actor=actor, fields={"starts": starts, "ends": ends})
    return shift


# --- conflicts ----------------------------------------------------------------------------------------------


@transaction.atomic
def conflict_resolve(*, actor: Actor, conflict, decision: str, note: str = "") -> dict:
    """Apply the device's values to the current version, or keep the server's; either way audited."""
    from wangge.collection.sync import apply_op

    require_supervisor(actor)
    require_in_scope(actor, conflict.grid, "conflict")
    conflict = type(conflict).objects.select_for_update().get(pk=conflict.pk)
    if conflict.state != ConflictState.OPEN:
        raise ValidationError({"decision": [_("该冲突已处理。")]})
    if decision not in (ConflictState.APPLIED_DEVICE, ConflictState.KEPT_SERVER):
        raise ValidationError({"decision": [_("须为 apply_device 或 keep_server。")]})
    reason = _("处理同步冲突 #%(id)s") % {"id": conflict.pk}
    if decision == ConflictState.APPLIED_DEVICE:
        change = conflict.change
        apply_op(
            actor=actor,
            user=actor.user or change.user,
            op=change.op,
            target={"type": conflict.target_type, "id": conflict.target_id},
            base_version=None,
            # The visit link names the worker's own offline records; the decision is about the values.
            payload={k: v for k, v in conflict.payload.items() if k != "visit"},
            force=True,
        )
    return update_record(
        conflict,
        actor=actor,
        fields={
            "state": decision,
            "decided_by": actor.user if getattr(actor.user, "is_authenticated", False) else None,
            "decided_at": timezone.now(),
            "decision_note": (note or "").strip()[:500],
        },
        reason=reason,
    )


def active_task_q(user) -> Q:
    """Open and in-progress tasks that are mine or my team's."""
    return Q(state__in=ACTIVE_STATES) & (Q(assignee=user) | Q(team_id__in=team_ids(user)))


# --- field work in bulk -----------------------------------------------------------------------------------


@transaction.atomic
def field_work_record(*, actor: Actor, visits: list[dict], marks: list[dict] = ()) -> list[Visit]:
    """Many visits and verification marks of one worker at once (weeks of door-to-door work entered together,
    as the demo's campaign does): the rules of visit_record, person_verify and house_verify, checked for every
    row before anything is written, and one change record per record as those services write.

    visits: [{"address", "outcome", "visited_at", "latitude", "longitude", "accuracy_m", "note"}];
    marks: [{"kind", "person" or "house", "verified_at", "visit": index into visits or None}].
    A mark's day is its verified_at's local date; the checker is the acting user.
    """
    require_edit(actor)
    scope = scope_grid_ids(actor)
    now = timezone.now()
    latest = now + datetime.timedelta(minutes=10)
    outcomes = set(VisitOutcome.values)
    kinds = set(VerificationKind.values)
    # The audit text of each record names its outcome or kind: translated once here, not once a row.
    labels = {value: str(label) for value, label in [*VisitOutcome.choices, *VerificationKind.choices]}
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None

    def fail(field: str, index: int, message) -> None:
        raise ValidationError({field: [_("第 %(n)s 条：%(m)s") % {"n": index + 1, "m": message}]})

    made = []
    for index, row in enumerate(visits):
        address, visited_at = row["address"], row.get("visited_at") or now
        if not in_scope(scope, address.grid_id):
            fail("address", index, _("所选记录不存在。"))
        if address.ended_on:
            fail("address", index, _("该标准地址已注销。"))
        if row.get("outcome") not in outcomes:
            fail("outcome", index, _("访查结果无效。"))
        if visited_at > latest:
            fail("visited_at", index, _("访查时间不能在未来。"))
        latitude, longitude, accuracy_m = row.get("latitude"), row.get("longitude"), row.get("accuracy_m")
        if (latitude is None) != (longitude is None):
            fail("latitude", index, _("经纬度须同时填写。"))
        if accuracy_m is not None and not 0 <= accuracy_m <= 100_000:
            fail("accuracy_m", index, _("定位精度须在 0 到 100000 米之间。"))
        note = (row.get("note") or "").strip()
        reject_bad_text({"note": note})
        visit = Visit(
            address=address,
            grid_id=address.grid_id,
            outcome=row["outcome"],
            visited_at=visited_at,
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy_m,
            visitor=user,
            device=actor.device,
            note=note[:500],
        )
        visit.get_outcome_display = labels[row["outcome"]].__str__
        made.append(visit)
    create_records(Visit, made, actor=actor)
    checked = []
    for index, row in enumerate(marks):
        kind = row.get("kind")
        target = row.get("person") if kind == VerificationKind.PERSON else row.get("house")
        if kind not in kinds or target is None:
            fail("kind", index, _("须为人员或房屋，并选择对应记录。"))
        if not in_scope(scope, target.grid_id):
            fail(kind, index, _("所选记录不存在。"))
        verified_at = row.get("verified_at") or now
        if verified_at > latest:
            fail("verified_at", index, _("核实时间不能在未来。"))
        visit = made[row["visit"]] if row.get("visit") is not None else None
        mark = VerificationMark(
            kind=kind,
            person_id=target.pk if kind == VerificationKind.PERSON else None,
            house_id=target.pk if kind == VerificationKind.HOUSE else None,
            grid_id=target.grid_id,
            visit_id=visit.pk if visit else None,
            verified_at=verified_at,
            verified_on=timezone.localdate(verified_at),
            verified_by=user,
            source=actor.source,
        )
        mark.get_kind_display = labels[kind].__str__
        checked.append(mark)
    create_records(VerificationMark, checked, actor=actor)
    return made
