"""Writes of re-checks (R-31) and cross-checks (R-32): create a round, draw its sample and hand out the re-check
tasks, record a re-check field by field (correcting the register on the spot), evaluate the grids' accuracy and
order the re-collection of the grids under the threshold. docs/rechecks.md explains the rules.

Every write takes an Actor, runs in one transaction and is audited through wangge.core.services; corrections of
people and houses use the people / housing validation and land in the register's own history.
"""

import datetime
import decimal
import hashlib
import math
import secrets
from collections import Counter, defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Assignment, Team, TeamMember, TeamMemberKind, User
from wangge.accounts.roles import READ_ONLY_ROLES, Role, can_edit
from wangge.accounts.scope import visible_grid_ids
from wangge.addresses.models import StandardAddress
from wangge.areas.models import Area, AreaLevel
from wangge.collection.choices import ACTIVE_STATES, TaskKind, TaskState, VerificationKind
from wangge.collection.models import Task, VerificationMark
from wangge.collection.services import can_supervise, require_supervisor, task_cancel, task_done
from wangge.collection.shifts import default_shift
from wangge.core.actor import Actor
from wangge.core.bulk import LOOKUP_CHUNK, chunks, create_records
from wangge.core.models import ChangeAction, ChangeRecord
from wangge.core.services import (
    create_record,
    end_record,
    reject_bad_text,
    require_edit,
    update_record,
)
from wangge.housing.models import House
from wangge.people.choices import PersonStatus
from wangge.people.models import Person, Residence
from wangge.rechecks.choices import (
    ROUND_TRANSITIONS,
    ItemState,
    RecordKind,
    RoundKind,
    RoundState,
    Verdict,
)
from wangge.rechecks.fields import (
    BY_NAME,
    FIELDS,
    current_residents,
    house_snapshot,
    person_snapshot,
)
from wangge.rechecks.models import (
    PERCENT_MAX,
    PERCENT_MIN,
    CrossCheckPair,
    GridResult,
    RecheckFinding,
    RecheckItem,
    RecheckRound,
    period_bounds,
)

# Who may check a record of their own grid (the grid's field staff), and who may be sent to another grid.
FIELD_ROLES = (Role.GRID_WORKER, Role.GRID_MANAGER, Role.INFORMANT)
CROSS_LEVELS = (AreaLevel.STREET, AreaLevel.COMMUNITY)
MAX_VALUE_LENGTH = 500
CORRECTION_REASON = "抽查更正"


def _user_of(actor: Actor):
    return actor.user if getattr(actor.user, "is_authenticated", False) else None


def _require_area_in_scope(actor: Actor, area: Area, field: str) -> None:
    if actor.user is not None and not Area.objects.visible_to(actor.user).filter(pk=area.pk).exists():
        raise ValidationError({field: [_("所选记录不存在。")]})


def _move(actor: Actor, round: RecheckRound, to: str, **fields) -> dict:
    if to not in ROUND_TRANSITIONS[round.state]:
        raise ValidationError(
            {
                "state": [
                    _("抽查轮次当前为“%(s)s”，不能改为“%(t)s”。")
                    % {"s": round.get_state_display(), "t": RoundState(to).label}
                ]
            }
        )
    return update_record(round, actor=actor, fields={"state": to, **fields})


# --- rounds -------------------------------------------------------------------------------------------------


def _percent(value, field: str, low, high) -> decimal.Decimal:
    try:
        number = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("须为数字。")]}) from None
    if not number.is_finite() or not low <= number <= high:
        raise ValidationError({field: [_("须在 %(low)s 到 %(high)s 之间。") % {"low": low, "high": high}]})
    return number.quantize(decimal.Decimal("0.1"))


def _overlaps(a: Area, b: Area) -> bool:
    return a.code.startswith(b.code) or b.code.startswith(a.code)


@transaction.atomic
def round_create(
    *,
    actor: Actor,
    area: Area,
    kind: str = RoundKind.RANDOM,
    period_start: datetime.date,
    period_end: datetime.date,
    percent=5,
    threshold=90,
    seed: int | None = None,
    pairs=(),
    name: str = "",
    due_on: datetime.date | None = None,
) -> RecheckRound:
    """A re-check round over an area's records collected in [period_start, period_end].

    A cross round pairs areas (streets or communities) inside `area`; each pair (a, b) checks both ways: a's
    workers check b's records and b's workers check a's. An area takes part in one pair only, so no record is
    drawn twice in one round.
    """
    require_supervisor(actor)
    require_edit(actor)
    _require_area_in_scope(actor, area, "area")
    if area.level == AreaLevel.GRID and kind == RoundKind.CROSS:
        raise ValidationError({"area": [_("交叉检查须选择街道、社区或更高层级的区域。")]})
    if kind not in RoundKind.values:
        raise ValidationError({"kind": [_("须为 random 或 cross。")]})
    if period_start is None:
        raise ValidationError({"period_start": [_("必填。")]})
    if period_end is None:
        raise ValidationError({"period_end": [_("必填。")]})
    if period_end < period_start:
        raise ValidationError({"period_end": [_("结束日期不能早于开始日期。")]})
    if due_on is not None and due_on < period_start:
        raise ValidationError({"due_on": [_("完成期限不能早于采集期开始。")]})
    percent = _percent(percent, "percent", PERCENT_MIN, PERCENT_MAX)
    threshold = _percent(threshold, "threshold", 0, 100)
    if seed is None:
        seed = secrets.randbelow(2**31)
    elif not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31:
        raise ValidationError({"seed": [_("须为 0 到 2147483647 之间的整数。")]})
    pairs = list(pairs or ())
    if kind == RoundKind.CROSS:
        _check_pairs(actor, area, pairs)
    elif pairs:
        raise ValidationError({"pairs": [_("只有交叉检查需要配对。")]})
    round = create_record(
        RecheckRound,
        actor=actor,
        kind=kind,
        name=(name or "").strip()[:100],
        area=area,
        period_start=period_start,
        period_end=period_end,
        percent=percent,
        threshold=threshold,
        seed=seed,
        due_on=due_on,
        state=RoundState.DRAFT,
        created_by=_user_of(actor),
    )
    for a, b in pairs:
        create_record(CrossCheckPair, actor=actor, round=round, checker_area=a, checked_area=b)
        create_record(CrossCheckPair, actor=actor, round=round, checker_area=b, checked_area=a)
    return round


def _check_pairs(actor: Actor, area: Area, pairs: list) -> None:
    if not pairs:
        raise ValidationError({"pairs": [_("交叉检查至少需要一对区域。")]})
    seen: list[Area] = []
    for a, b in pairs:
        for side in (a, b):
            if side.level not in CROSS_LEVELS:
                raise ValidationError({"pairs": [_("配对须为街道或社区：%(n)s") % {"n": side.name}]})
            if not side.code.startswith(area.code) or side.pk == area.pk:
                raise ValidationError({"pairs": [_("%(n)s 不在抽查区域之内。") % {"n": side.name}]})
            _require_area_in_scope(actor, side, "pairs")
        if a.level != b.level:
            raise ValidationError({"pairs": [_("配对的两个区域须为同一层级。")]})
        if _overlaps(a, b):
            raise ValidationError({"pairs": [_("配对的两个区域不能相同或相互包含。")]})
        for side in (a, b):
            if any(_overlaps(side, other) for other in seen):
                raise ValidationError({"pairs": [_("%(n)s 已在另一配对中。") % {"n": side.name}]})
            seen.append(side)


@transaction.atomic
def round_cancel(*, actor: Actor, round: RecheckRound, reason: str) -> dict:
    """取消: the round ends with a reason; items not yet checked and their tasks are cancelled, findings stay."""
    require_supervisor(actor)
    _require_area_in_scope(actor, round.area, "round")
    round = RecheckRound.objects.select_for_update().get(pk=round.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写取消原因。")]})
    if RoundState.CANCELLED not in ROUND_TRANSITIONS[round.state]:
        raise ValidationError({"state": [_("该抽查轮次已取消。")]})
    for item in round.items.filter(state=ItemState.PENDING).select_related("task"):
        update_record(
            item,
            actor=actor,
            fields={"state": ItemState.CANCELLED, "end_reason": reason[:500]},
            action=ChangeAction.END,
            reason=reason,
        )
        if item.task is not None and item.task.state in ACTIVE_STATES:
            task_cancel(actor=actor, task=item.task, reason=reason)
    return end_record(round, actor=actor, reason=reason, state=RoundState.CANCELLED)


# --- the draw -----------------------------------------------------------------------------------------------


def rank_key(seed: int, kind: str, key: str) -> str:
    """A record's place in the draw: a hash of (seed, kind, natural key — the ID number, the house code), so the
    same round always draws the same records whatever order the database returns them in and whatever ids
    another copy of the register gave them, and nobody can choose which records are drawn."""
    return hashlib.sha256(f"{seed}:{kind}:{key}".encode()).hexdigest()


def collected(grid_ids, start: datetime.date, end: datetime.date) -> tuple:
    """The records "collected in the period": current people and houses of the grids that were verified
    (a VerificationMark) or registered in [start, end]. Two query sets of (pk, grid_id, natural key)."""
    first, after = period_bounds(start, end)
    grid_ids = list(grid_ids)
    marks = VerificationMark.objects.filter(
        grid_id__in=grid_ids, verified_on__gte=start, verified_on__lte=end
    )
    people = Person.objects.filter(grid_id__in=grid_ids, status=PersonStatus.ACTIVE).filter(
        Q(created_at__gte=first, created_at__lt=after)
        | Q(pk__in=marks.filter(kind=VerificationKind.PERSON).values("person_id"))
    )
    houses = House.objects.filter(grid_id__in=grid_ids, ended_on__isnull=True).filter(
        Q(created_at__gte=first, created_at__lt=after)
        | Q(pk__in=marks.filter(kind=VerificationKind.HOUSE).values("house_id"))
    )
    return (
        people.values_list("pk", "grid_id", Concat("id_type", Value(":"), "id_number")),
        houses.values_list("pk", "grid_id", "house_code"),
    )


def sample(
    strata: dict[tuple[int, str], list[tuple[int, str]]], *, seed: int, percent
) -> dict[tuple[int, str], list[int]]:
    """ceil(percent % of each (grid, kind) stratum of (pk, natural key)), the pks of the lowest-ranked records."""
    drawn = {}
    for (grid_id, kind), records in strata.items():
        n = math.ceil(len(records) * decimal.Decimal(percent) / 100)
        ranked = sorted(records, key=lambda record: rank_key(seed, kind, record[1]))
        drawn[(grid_id, kind)] = [pk for pk, _key in ranked[:n]]
    return drawn


def _collectors(kind: str, ids: list[int], until: datetime.date) -> dict[int, int]:
    """Who collected each record: the last one who verified it up to `until`, else the one who registered it."""
    model = Person if kind == RecordKind.PERSON else House
    found: dict[int, int] = {}
    content_type = ContentType.objects.get_for_model(model)
    for part in chunks(ids, LOOKUP_CHUNK):
        creators = ChangeRecord.objects.filter(
            content_type=content_type, object_id__in=part, action=ChangeAction.CREATE, user_id__isnull=False
        ).values_list("object_id", "user_id")
        found.update(dict(creators))
        marks = (
            VerificationMark.objects.filter(
                **{f"{kind}_id__in": part}, verified_by__isnull=False, verified_on__lte=until
            )
            .order_by("verified_at", "id")
            .values_list(f"{kind}_id", "verified_by_id")
        )
        found.update(dict(marks))  # later marks overwrite earlier ones and the creator
    return found


def _workers(grid_ids) -> dict[int, dict[int, bool]]:
    """grid id → {user id: is a grid worker (专职网格员)} of the people who could go and check: members of the
    grid's team with an account, and field staff assigned to exactly that grid."""
    grid_ids = list(grid_ids)
    found: dict[int, dict[int, bool]] = defaultdict(dict)
    members = TeamMember.objects.filter(
        team__grid_id__in=grid_ids, ended_on__isnull=True, user__isnull=False, user__is_active=True
    ).exclude(user__role__in=READ_ONLY_ROLES)
    for grid_id, user_id, kind, role in members.values_list("team__grid_id", "user_id", "kind", "user__role"):
        worker = kind == TeamMemberKind.GRID_WORKER or role == Role.GRID_WORKER
        found[grid_id][user_id] = found[grid_id].get(user_id, False) or worker
    assigned = Assignment.objects.filter(
        area_id__in=grid_ids, ended_on__isnull=True, user__is_active=True, user__role__in=FIELD_ROLES
    )
    for grid_id, user_id, role in assigned.values_list("area_id", "user_id", "user__role"):
        found[grid_id][user_id] = found[grid_id].get(user_id, False) or role == Role.GRID_WORKER
    return found


class CheckerChooser:
    """Hands items to checkers round-robin: each item goes to the eligible checker with the fewest items so far
    (ties to the lowest id), never to the record's collector."""

    def __init__(self):
        self.load: Counter = Counter()

    def pick(self, candidates, collector_id: int | None) -> int | None:
        eligible = [u for u in candidates if u != collector_id]
        if not eligible:
            return None
        chosen = min(eligible, key=lambda u: (self.load[u], u))
        self.load[chosen] += 1
        return chosen


def _random_candidates(grids: dict[int, Area]):
    """For a random round: the grid's own field staff first, else the grid workers of the sibling grids in the
    same community."""
    communities = {g.code[:12] for g in grids.values()}
    q = Q(pk__in=[])
    for code in communities:
        q |= Q(code__startswith=code)
    neighbours = dict(
        Area.objects.filter(q, level=AreaLevel.GRID, ended_on__isnull=True).values_list("pk", "code")
    )
    workers = _workers(neighbours)
    by_community: dict[str, set[int]] = defaultdict(set)
    for grid_id, code in neighbours.items():
        by_community[code[:12]].update(u for u, is_worker in workers.get(grid_id, {}).items() if is_worker)

    def candidates(grid: Area, collector_id: int | None) -> list[int]:
        own = sorted(u for u in workers.get(grid.pk, {}) if u != collector_id)
        if own:
            return own
        others = by_community[grid.code[:12]] - set(workers.get(grid.pk, {}))
        return sorted(others)

    return candidates


def _cross_candidates(pairs: list[CrossCheckPair]):
    """For a cross round: the grid workers of the checker area."""
    pool: dict[int, list[int]] = {}
    for pair in pairs:
        grids = Area.objects.filter(
            code__startswith=pair.checker_area.code, level=AreaLevel.GRID, ended_on__isnull=True
        ).values_list("pk", flat=True)
        workers = _workers(grids)
        pool[pair.pk] = sorted({u for per in workers.values() for u, is_worker in per.items() if is_worker})
    return pool


@transaction.atomic
def round_draw(*, actor: Actor, round: RecheckRound) -> dict:
    """抽样: draw the round's sample and make one re-check item and one RECHECK task per drawn record.

    Each grid's people and houses collected in the period are two strata; ceil(percent %) of each is drawn, by
    rank_key. Reproducible: sample() with the round's seed over the same records gives the same items.
    """
    require_supervisor(actor)
    _require_area_in_scope(actor, round.area, "round")
    round = RecheckRound.objects.select_for_update().get(pk=round.pk)
    if round.state != RoundState.DRAFT:
        raise ValidationError({"state": [_("该抽查轮次已抽样。")]})
    pairs = list(round.pairs.select_related("checker_area", "checked_area"))
    grid_pair: dict[int, CrossCheckPair | None] = {}
    if round.kind == RoundKind.CROSS:
        for pair in pairs:
            for grid_id in Area.objects.filter(
                code__startswith=pair.checked_area.code, level=AreaLevel.GRID
            ).values_list("pk", flat=True):
                grid_pair[grid_id] = pair
    else:
        for grid_id in Area.objects.filter(
            code__startswith=round.area.code, level=AreaLevel.GRID
        ).values_list("pk", flat=True):
            grid_pair[grid_id] = None
    grids = Area.objects.in_bulk(list(grid_pair))

    strata: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
    people, houses = collected(grid_pair, round.period_start, round.period_end)
    for kind, rows in ((RecordKind.PERSON, people), (RecordKind.HOUSE, houses)):
        for pk, grid_id, key in rows:
            strata[(grid_id, kind)].append((pk, key))
    drawn = sample(strata, seed=round.seed, percent=round.percent)

    person_ids = [pk for (_g, kind), pks in drawn.items() if kind == RecordKind.PERSON for pk in pks]
    house_ids = [pk for (_g, kind), pks in drawn.items() if kind == RecordKind.HOUSE for pk in pks]
    collectors = {
        RecordKind.PERSON: _collectors(RecordKind.PERSON, person_ids, round.period_end),
        RecordKind.HOUSE: _collectors(RecordKind.HOUSE, house_ids, round.period_end),
    }
    people_by_id = Person.objects.in_bulk(person_ids)
    homes = {
        r.person_id: r
        for r in Residence.objects.filter(person_id__in=person_ids, is_primary=True, ended_on__isnull=True)
        .select_related("house__address")
        .order_by("started_on", "id")
    }
    houses_by_id = House.objects.select_related("address").in_bulk(house_ids)
    residents = current_residents(house_ids)

    chooser = CheckerChooser()
    if round.kind == RoundKind.CROSS:
        pool = _cross_candidates(pairs)

        def candidates(grid, collector_id):
            return pool[grid_pair[grid.pk].pk]
    else:
        candidates = _random_candidates(grids)

    items: list[RecheckItem] = []
    tasks: list[Task] = []
    creator = _user_of(actor)
    order = sorted(drawn.items(), key=lambda entry: (grids[entry[0][0]].code, entry[0][1]))
    for (grid_id, kind), pks in order:
        grid = grids[grid_id]
        for pk in pks:
            if kind == RecordKind.PERSON:
                person, house = people_by_id[pk], None
                home = homes.get(pk)
                snapshot = person_snapshot(person, home)
                address = home.house.address if home else None
                uses = {home.house.use} if home else set()
                title = person.name
            else:
                person, house = None, houses_by_id[pk]
                snapshot = house_snapshot(house, residents.get(pk, 0))
                address = house.address
                uses = {house.use}
                title = house.house_code
            collector_id = collectors[kind].get(pk)
            checker_id = chooser.pick(candidates(grid, collector_id), collector_id)
            item = RecheckItem(
                round=round,
                pair=grid_pair[grid_id],
                grid=grid,
                kind=kind,
                person=person,
                house=house,
                address=address,
                snapshot=snapshot,
                collector_id=collector_id,
                checker_id=checker_id,
                state=ItemState.PENDING,
            )
            if checker_id is not None:
                task = Task(
                    **_recheck_task_fields(round, item, grid=grid, uses=uses, title=title, creator=creator)
                )
                tasks.append(task)
                item.task = task
            items.append(item)
    if tasks:
        tasks[0].full_clean(
            exclude=["address", "grid", "assignee", "team", "created_by", "appointment", "person", "house"]
        )
        create_records(Task, tasks, actor=actor)
    for item in items:
        if item.task is not None:
            item.task_id = item.task.pk
    create_records(RecheckItem, items, actor=actor)
    _move(actor, round, RoundState.DRAWN, drawn_at=timezone.now())
    return {
        "items": len(items),
        "tasks": len(tasks),
        "unassigned": sum(1 for i in items if i.checker_id is None),
        "collected": sum(len(pks) for pks in strata.values()),
        "strata": {
            f"{grids[g].code}:{kind}": {"collected": len(strata[(g, kind)]), "drawn": len(pks)}
            for (g, kind), pks in drawn.items()
        },
    }


def _recheck_task_fields(round, item, *, grid, uses, title, creator) -> dict:
    return {
        "kind": TaskKind.RECHECK,
        "state": TaskState.OPEN,
        "grid": grid,
        "address": item.address,
        "person": item.person,
        "house": item.house,
        "assignee_id": item.checker_id,
        "due_on": round.due_on,
        "shift": default_shift(grid_kind=grid.kind, uses=uses),
        "note": _("抽查核实：%(t)s（%(r)s）") % {"t": title, "r": round.name or round.pk},
        "batch": round.batch,
        "created_by": creator,
    }


def _check_checker(item: RecheckItem, checker: User) -> None:
    if not checker.is_active or not can_edit(checker):
        raise ValidationError({"checker": [_("该用户不能承担抽查任务。")]})
    if checker.pk == item.collector_id:
        raise ValidationError({"checker": [_("抽查人不能是该记录的采集人。")]})


@transaction.atomic
def item_assign(*, actor: Actor, item: RecheckItem, checker: User, reason: str = "") -> RecheckItem:
    """Give a pending item to a checker (one the draw found no one for, or a reassignment); its task follows.

    The checker may work anywhere: the item (and its task) becomes visible to them through the item itself.
    """
    require_supervisor(actor)
    _require_area_in_scope(actor, item.grid, "item")
    # Only the item's row is locked: PostgreSQL cannot lock the nullable side of the task join.
    item = (
        RecheckItem.objects.select_for_update(of=("self",))
        .select_related("round", "grid", "task")
        .get(pk=item.pk)
    )
    if item.state != ItemState.PENDING:
        raise ValidationError({"item": [_("只有待抽查的项可以指派。")]})
    _check_checker(item, checker)
    if actor.user is not None and not User.objects.visible_to(actor.user).filter(pk=checker.pk).exists():
        raise ValidationError({"checker": [_("所选记录不存在。")]})
    update_record(item, actor=actor, fields={"checker": checker}, reason=(reason or "").strip())
    if item.task is None or item.task.state not in ACTIVE_STATES:
        uses = {item.house.use} if item.house_id else set()
        title = item.snapshot.get("name") or item.snapshot.get("house_code", "")
        fields = _recheck_task_fields(
            item.round, item, grid=item.grid, uses=uses, title=title, creator=_user_of(actor)
        )
        task = create_record(Task, actor=actor, **fields)
        update_record(item, actor=actor, fields={"task": task})
    else:
        # The collection service would refuse a checker from outside the grid; the item is what entitles them.
        update_record(
            item.task,
            actor=actor,
            fields={"assignee": checker, "team": None, "state": TaskState.OPEN},
            reason=(reason or "").strip(),
        )
    return item


# --- recording ----------------------------------------------------------------------------------------------


def may_record(user, item: RecheckItem) -> bool:
    """The item's checker, or a supervisor whose scope covers the item's grid."""
    if user is None:
        return True
    if item.checker_id == user.pk:
        return True
    return can_supervise(user) and visible_grid_ids(user).filter(pk=item.grid_id).exists()


def _clean_findings(item: RecheckItem, findings) -> dict[str, tuple[str, str]]:
    """{field: (verdict, found value)}; every error named by its field (or `findings` when the list is wrong)."""
    if not isinstance(findings, list | tuple):
        raise ValidationError({"findings": [_("须为数组。")]})
    known = BY_NAME[item.kind]
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, tuple[str, str]] = {}
    for finding in findings:
        if not isinstance(finding, dict):
            errors.setdefault("findings", []).append(_("每项须为 JSON 对象。"))
            continue
        name = finding.get("field")
        if not isinstance(name, str) or name not in known:
            label = str(name)[:50] if name is not None else "field"
            errors.setdefault(label or "field", []).append(
                _("未知的抽查字段，须为以下之一：%(f)s。") % {"f": "、".join(known)}
            )
            continue
        if name in cleaned:
            errors.setdefault(name, []).append(_("该字段重复。"))
            continue
        verdict = finding.get("verdict")
        if verdict not in Verdict.values:
            errors.setdefault(name, []).append(_("结论须为 right、wrong 或 corrected。"))
            continue
        value = finding.get("value")
        if value is None:
            value = ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            errors.setdefault(name, []).append(_("须为字符串。"))
            continue
        value = str(value).strip()
        if "\x00" in value:
            errors.setdefault(name, []).append(_("不能包含空字符（NUL）。"))
            continue
        if len(value) > MAX_VALUE_LENGTH:
            errors.setdefault(name, []).append(_("最多 %(n)s 个字符。") % {"n": MAX_VALUE_LENGTH})
            continue
        if verdict == Verdict.CORRECTED:
            if not known[name].correctable:
                errors.setdefault(name, []).append(_("该项不能现场更正，请标记为错误。"))
                continue
            if not value:
                errors.setdefault(name, []).append(_("更正须填写实地核实的值。"))
                continue
        recorded = str(item.snapshot.get(name) or "")
        cleaned[name] = (verdict, recorded if verdict == Verdict.RIGHT else value)
    for name in known:
        if name not in cleaned and name not in errors:
            errors.setdefault(name, []).append(_("请填写该项抽查结论。"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _to_python(model, name: str, value: str):
    field = model._meta.get_field(name)
    try:
        return field.to_python(value)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from None


def _apply_corrections(actor: Actor, item: RecheckItem, corrections: dict[str, str]) -> None:
    """Write what the checker found into the register, as the checker, with the reason "抽查更正 …".

    Through the people / housing update services (ID check digit, phone format, pinyin keys, owner phone), which
    check the role but leave scope to their callers: the item entitles the checker to exactly these fields of
    exactly this record, once, whatever their own scope.
    """
    from wangge.housing import services as housing_services
    from wangge.people import services as people_services

    reason = f"{CORRECTION_REASON}（{item.round.name or _('抽查轮次')} #{item.round_id}，抽查项 #{item.pk}）"
    if item.kind == RecordKind.PERSON:
        person = Person.objects.select_for_update().get(pk=item.person_id)
        if person.status == PersonStatus.DEREGISTERED:
            raise ValidationError({next(iter(corrections)): [_("此人已注销，不能更正。")]})
        relation = corrections.pop("relation", None)
        if corrections:
            fields = {k: _to_python(Person, k, v) for k, v in corrections.items()}
            people_services.person_update(actor=actor, person=person, reason=reason, **fields)
        if relation is not None:
            residence_id = item.snapshot.get("residence_id")
            residence = Residence.objects.filter(pk=residence_id, ended_on__isnull=True).first()
            if residence is None:
                raise ValidationError({"relation": [_("该居住登记已结束，不能更正，请标记为错误。")]})
            people_services.residence_update(
                actor=actor, residence=residence, reason=reason, relation=relation
            )
    else:
        house = House.objects.select_for_update().get(pk=item.house_id)
        if house.ended_on:
            raise ValidationError({next(iter(corrections)): [_("该房屋已注销，不能更正。")]})
        fields = {k: _to_python(House, k, v) for k, v in corrections.items()}
        housing_services.house_update(actor=actor, house=house, reason=reason, **fields)


@transaction.atomic
def recheck_record(*, actor: Actor, item: RecheckItem, findings: list[dict], note: str = "") -> RecheckItem:
    """Record a re-check field by field. The item is wholly right when every field is right; "corrected" writes
    the found value to the register. Completes the item's task. Recording the same findings again returns the
    item as it is (a retried request); different findings for a recorded item are refused."""
    require_edit(actor)
    item = (
        RecheckItem.objects.select_for_update(of=("self",))
        .select_related("round", "task", "person", "house")
        .get(pk=item.pk)
    )
    if not may_record(actor.user, item):
        raise ValidationError({"item": [_("所选记录不存在。")]})
    note = (note or "").strip() if isinstance(note, str) else ""
    reject_bad_text({"note": note})
    if len(note) > 500:
        raise ValidationError({"note": [_("最多 %(n)s 个字符。") % {"n": 500}]})
    cleaned = _clean_findings(item, findings)
    if item.state == ItemState.DONE:
        before = {f.field: (f.verdict, f.found) for f in item.findings.all()}
        if before == cleaned:
            return item
        raise ValidationError(
            {"item": [_("该抽查项已于 %(d)s 登记，不能重复登记。") % {"d": item.checked_on}]}
        )
    if item.state == ItemState.CANCELLED or item.round.state == RoundState.CANCELLED:
        raise ValidationError({"item": [_("该抽查项已取消。")]})
    corrections = {name: found for name, (verdict, found) in cleaned.items() if verdict == Verdict.CORRECTED}
    if corrections:
        _apply_corrections(actor, item, corrections)
    rows = [
        RecheckFinding(
            item=item,
            field=name,
            verdict=verdict,
            recorded=str(item.snapshot.get(name) or "")[:MAX_VALUE_LENGTH],
            found=found,
        )
        for name, (verdict, found) in sorted(cleaned.items(), key=lambda kv: _field_order(item.kind, kv[0]))
    ]
    create_records(RecheckFinding, rows, actor=actor)
    now = timezone.now()
    update_record(
        item,
        actor=actor,
        fields={
            "state": ItemState.DONE,
            "checked_at": now,
            "checked_on": timezone.localdate(now),
            "is_right": all(verdict == Verdict.RIGHT for verdict, _found in cleaned.values()),
            "note": note,
        },
    )
    if item.task is not None and item.task.state in ACTIVE_STATES:
        task_done(actor=actor, task=item.task, note=note or _("抽查已登记"))
    return item


def _field_order(kind: str, name: str) -> int:
    return [f.name for f in FIELDS[kind]].index(name)


# --- evaluation ---------------------------------------------------------------------------------------------


def _recollect_addresses(grid: Area, round: RecheckRound) -> list[StandardAddress]:
    """Every flat collected in the period in the grid: the homes of its people and the addresses of its houses
    collected in [period_start, period_end]; a grid under the threshold is collected again there."""
    people, houses = collected([grid.pk], round.period_start, round.period_end)
    house_addresses = House.objects.filter(pk__in=houses.values("pk")).values("address_id")
    home_addresses = Residence.objects.filter(
        person_id__in=people.values("pk"), is_primary=True, ended_on__isnull=True
    ).values("house__address_id")
    return list(
        StandardAddress.objects.filter(
            Q(pk__in=house_addresses) | Q(pk__in=home_addresses), ended_on__isnull=True
        ).order_by("code")
    )


def _recollect(actor: Actor, round: RecheckRound, grid: Area) -> int:
    """RECOLLECT tasks for the grid, to its team (or else its grid worker); addresses that already have an
    open re-collection task are skipped, so evaluating again adds none."""
    team = Team.objects.filter(grid=grid).first()
    assignee_id = None
    if team is None:
        workers = _workers([grid.pk]).get(grid.pk, {})
        preferred = sorted(u for u, is_worker in workers.items() if is_worker) or sorted(workers)
        if not preferred:
            return 0
        assignee_id = preferred[0]
    busy = set(
        Task.objects.filter(kind=TaskKind.RECOLLECT, grid=grid, address_id__isnull=False)
        .filter(Q(batch=round.recollect_batch) | Q(state__in=ACTIVE_STATES))
        .values_list("address_id", flat=True)
    )
    addresses = [a for a in _recollect_addresses(grid, round) if a.pk not in busy]
    if not addresses:
        return 0
    uses: dict[int, set[str]] = defaultdict(set)
    for address_id, use in House.objects.filter(address__in=addresses, ended_on__isnull=True).values_list(
        "address_id", "use"
    ):
        uses[address_id].add(use)
    note = _("抽查准确率低于 %(t)s%%，重新采集（%(r)s）") % {
        "t": round.threshold,
        "r": round.name or round.pk,
    }
    tasks = [
        Task(
            kind=TaskKind.RECOLLECT,
            state=TaskState.OPEN,
            grid=grid,
            address=address,
            assignee_id=assignee_id,
            team=team,
            due_on=None,
            shift=default_shift(grid_kind=grid.kind, uses=uses[address.pk]),
            note=note,
            batch=round.recollect_batch,
            created_by=_user_of(actor),
        )
        for address in addresses
    ]
    create_records(Task, tasks, actor=actor)
    return len(tasks)


def accuracy(checked: int, right: int) -> decimal.Decimal | None:
    if not checked:
        return None
    return (decimal.Decimal(right) * 100 / checked).quantize(decimal.Decimal("0.01"))


@transaction.atomic
def round_evaluate(*, actor: Actor, round: RecheckRound) -> dict:
    """评定: each grid's accuracy = wholly right items / checked items; a grid with checked items under the
    threshold is flagged and re-collected (RECOLLECT tasks, once). Running it again updates the figures."""
    require_supervisor(actor)
    _require_area_in_scope(actor, round.area, "round")
    round = RecheckRound.objects.select_for_update().get(pk=round.pk)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = round.items.exclude(state=ItemState.CANCELLED).values_list("grid_id", "state", "is_right")
    for grid_id, state, is_right in rows:
        counts[grid_id][0] += 1
        if state == ItemState.DONE:
            counts[grid_id][1] += 1
            counts[grid_id][2] += bool(is_right)
    _move(actor, round, RoundState.EVALUATED, evaluated_at=timezone.now())
    grids = Area.objects.in_bulk(list(counts))
    existing = {r.grid_id: r for r in round.results.select_for_update()}
    out, made = [], 0
    for grid_id in sorted(counts, key=lambda g: grids[g].code):
        sampled, checked, right = counts[grid_id]
        rate = accuracy(checked, right)
        flagged = rate is not None and rate < round.threshold
        result = existing.get(grid_id)
        fields = {
            "sampled": sampled,
            "checked": checked,
            "right": right,
            "accuracy": rate,
            "flagged": flagged,
            "evaluated_at": timezone.now(),
        }
        if result is None:
            result = create_record(GridResult, actor=actor, round=round, grid=grids[grid_id], **fields)
        else:
            update_record(result, actor=actor, fields=fields)
        if flagged:
            new = _recollect(actor, round, grids[grid_id])
            if new:
                made += new
                update_record(result, actor=actor, fields={"recollect_tasks": result.recollect_tasks + new})
        out.append(
            {
                "grid_id": grid_id,
                "grid": grids[grid_id].name,
                "sampled": sampled,
                "checked": checked,
                "right": right,
                "accuracy": rate,
                "flagged": flagged,
            }
        )
    return {"grids": out, "flagged": sum(1 for g in out if g["flagged"]), "recollect_tasks": made}
