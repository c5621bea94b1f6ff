"""Field collection API: the sync protocol (docs/sync.md), tasks, visits, coverage and conflicts."""

import datetime
import json
import re
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from wangge.accounts.models import Team, User
from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.areas.models import Area
from wangge.collection import appointments, selectors, services, sync
from wangge.collection.choices import ConflictState, Priority, ShiftKind, TaskKind, TaskState, VisitOutcome
from wangge.collection.models import SyncDevice, Task
from wangge.collection.records import masked_values
from wangge.core.api import (
    MAX_ID,
    BearerAuth,
    ChangePage,
    Day,
    EndIn,
    ErrorOut,
    Id,
    Input,
    Pagination,
    PathId,
    RevealOut,
    Text,
    actor,
    choice,
    history_page,
    optional,
    page_of,
    paginate,
    resolve,
    responses,
)
from wangge.housing.models import House
from wangge.people.models import Person

sync_router = Router(tags=["sync 现场同步"])
tasks_router = Router(tags=["tasks 采集任务"])
collection_router = Router(tags=["collection 入户采集"])

# How often a device's last_seen is refreshed: often enough to know it, rarely enough to cost nothing.
DEVICE_SEEN_EVERY = datetime.timedelta(hours=1)
DEVICE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class SyncUnauthorized(Exception):
    """A 401 that tells the field app whether to wipe the device (account disabled) or just log in again."""

    def __init__(self, code: str):
        self.code = code


class SyncAuth(BearerAuth):
    def __call__(self, request):
        user = super().__call__(request)
        if user is None:
            raise SyncUnauthorized("token_invalid")
        return user

    def authenticate(self, request, token):
        user = super().authenticate(request, token)
        if user is None:
            # A disabled account's tokens are deleted with it; the device it synced from is still known.
            device = request.headers.get("X-Device-Id", "")
            known = SyncDevice.objects.filter(device_id=device[:64])
            if device and known.exists() and not known.filter(user__is_active=True).exists():
                raise SyncUnauthorized("account_disabled")
        return user


def install_error_handlers(api) -> None:
    @api.exception_handler(SyncUnauthorized)
    def unauthorized(request, exc):
        detail = _("账号已停用。") if exc.code == "account_disabled" else _("未登录或令牌无效、已过期。")
        response = api.create_response(request, {"detail": detail, "code": exc.code}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="wangge"'
        return response


def device_of(request) -> str:
    device = request.headers.get("X-Device-Id", "")
    if not DEVICE_ID.match(device):
        raise ValidationError({"X-Device-Id": [_("须为 8–64 位字母、数字或 . _ -。")]})
    seen = SyncDevice.objects.filter(device_id=device, user=request.user)
    if not seen.filter(last_seen__gte=timezone.now() - DEVICE_SEEN_EVERY).exists():
        if not seen.update(last_seen=timezone.now()):
            SyncDevice.objects.get_or_create(device_id=device, user=request.user)
    return device


class SyncErrorOut(Schema):
    detail: str
    code: str | None = None


# --- sync ----------------------------------------------------------------------------------------------------


class PullOut(Schema):
    cursor: str
    more: bool
    reset: bool
    server_time: str
    me: dict[str, Any]
    shifts: list[dict[str, Any]]
    current_shift: dict[str, str]
    records: list[dict[str, Any]]
    removed: list[dict[str, Any]]


# A cursor is at most ~3.5k ASCII characters (64 gaps of four 64-bit numbers, signed). The cap keeps even a
# too-long cursor of 4-byte characters, percent-encoded at 12 bytes each, under the 64 KiB request line a
# server accepts: the answer is then our 422, not the server's 414.
MAX_CURSOR_LENGTH = 5000


class PullFilters(Schema):
    cursor: str = Field("", max_length=MAX_CURSOR_LENGTH, description="上次返回的 cursor；首次同步留空")
    limit: int = Field(sync.DEFAULT_PULL_LIMIT, ge=1, le=sync.MAX_PULL_LIMIT, description="每页记录数")


SYNC_AUTH = SyncAuth()
SYNC_RESPONSES = {400: ErrorOut, 401: SyncErrorOut, 422: ErrorOut}


@sync_router.get(
    "/pull", auth=SYNC_AUTH, response={200: PullOut, **SYNC_RESPONSES}, summary="拉取（见 docs/sync.md）"
)
def pull(request, filters: Query[PullFilters]):
    device_of(request)
    return sync.pull(user=request.user, cursor=filters.cursor, limit=filters.limit)


class PushIn(Input):
    changes: list[sync.ChangeIn] = Field(max_length=sync.MAX_CHANGES, description="按设备上发生的顺序")

    @field_validator("changes")
    @classmethod
    def small_changes(cls, changes):
        for change in changes:
            size = len(json.dumps(change.model_dump(mode="json"), ensure_ascii=False).encode())
            if size > sync.MAX_CHANGE_BYTES:
                raise ValueError(_("每项变更最多 16 KiB（%(u)s）。") % {"u": change.uuid})
        return changes


class PushOut(Schema):
    results: list[dict[str, Any]]


@sync_router.post("/push", auth=SYNC_AUTH, response={200: PushOut, **SYNC_RESPONSES}, summary="推送变更")
def push(request, payload: PushIn):
    device = device_of(request)
    ip = request.META.get("REMOTE_ADDR") or None
    return {"results": sync.push(user=request.user, device=device, ip=ip, changes=payload.changes)}


# --- conflicts -------------------------------------------------------------------------------------------------


class ConflictOut(Schema):
    id: int
    state: str
    grid_id: int
    grid_name: str
    target_type: str
    target_id: int
    op: str
    base_version: int | None
    server_version: int
    server_values: dict[str, Any]
    device_values: dict[str, Any]
    worker: str
    device: str
    made_at: datetime.datetime | None
    created_at: datetime.datetime
    decision_note: str

    @staticmethod
    def resolve_grid_name(obj):
        return obj.grid.name

    @staticmethod
    def resolve_op(obj):
        return obj.change.op

    @staticmethod
    def resolve_device_values(obj):
        return obj.payload

    @staticmethod
    def resolve_server_values(obj):
        return masked_values(obj.target_type, obj.server_values)

    @staticmethod
    def resolve_worker(obj):
        return str(obj.change.user)

    @staticmethod
    def resolve_device(obj):
        return obj.change.device

    @staticmethod
    def resolve_made_at(obj):
        return obj.change.made_at


ConflictPage = page_of(ConflictOut)


class ConflictFilters(Pagination):
    state: choice(ConflictState, blank=True) = ConflictState.OPEN.value


class ResolveIn(Input):
    decision: choice(
        [
            (ConflictState.APPLIED_DEVICE.value, "采用现场数据"),
            (ConflictState.KEPT_SERVER.value, "保留系统数据"),
        ]
    )
    note: Text(500) = ""


@sync_router.get("/conflicts", response=responses({200: ConflictPage}), summary="同步冲突列表")
def conflict_list(request, filters: Query[ConflictFilters]):
    return paginate(selectors.conflict_list(user=request.user, state=filters.state), filters)


@sync_router.get(
    "/conflicts/{conflict_id}", response=responses({200: ConflictOut}, path=True), summary="同步冲突"
)
def conflict_detail(request, conflict_id: PathId):
    return selectors.conflict_detail(user=request.user, pk=conflict_id)


@sync_router.post(
    "/conflicts/{conflict_id}/resolve",
    response=responses({200: ConflictOut}, path=True, write=True),
    summary="处理冲突",
)
def conflict_resolve(request, conflict_id: PathId, payload: ResolveIn):
    conflict = selectors.conflict_detail(user=request.user, pk=conflict_id)
    services.conflict_resolve(
        actor=actor(request), conflict=conflict, decision=payload.decision, note=payload.note
    )
    return selectors.conflict_detail(user=request.user, pk=conflict_id)


# --- tasks -----------------------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    kind: str = Field(
        description="visit_address=入户访查；verify_person=核实人员；verify_house=核实房屋；verify_declaration=核实申报；revisit=回访"
    )
    state: str = Field(
        description="open=待办；in_progress=进行中；done=已完成；cannot_be_done=无法完成；cancelled=已取消"
    )
    grid_id: int
    address_id: int | None
    address_text: str
    person_id: int | None
    house_id: int | None
    assignee_id: int | None
    assignee_name: str
    team_id: int | None
    due_on: datetime.date | None
    priority: int = Field(description="1=紧急；2=普通；3=较低")
    shift: str = Field(description="day=白班；night=夜班；any=不限")
    note: str
    result_note: str
    overdue: bool
    batch: str
    version: int
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_address_text(obj):
        return obj.address.full_text if obj.address_id else ""

    @staticmethod
    def resolve_assignee_name(obj):
        return str(obj.assignee) if obj.assignee_id else ""

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue


TaskPage = page_of(TaskOut)


class TaskFilters(Pagination):
    scope: choice([("mine", "我的"), ("team", "我和我的小组"), ("all", "范围内全部")]) = "mine"
    state: choice([("active", "待办或进行中"), *TaskState.choices], blank=True) = ""
    kind: choice(TaskKind, blank=True) = ""
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    assignee: int = optional(ge=1, le=MAX_ID, description="负责人 id")
    overdue: bool = False
    batch: str = Field("", max_length=32)


@tasks_router.get("/", response=responses({200: TaskPage}), summary="任务列表（按办理顺序）")
def task_list(request, filters: Query[TaskFilters]):
    tasks = selectors.task_list(
        user=request.user,
        scope=filters.scope,
        state=filters.state,
        kind=filters.kind,
        area=filters.area,
        assignee=filters.assignee,
        overdue=filters.overdue,
        batch=filters.batch,
    )
    return paginate(tasks, filters)


KindField = choice(TaskKind, description="任务类型")
ShiftField = choice(ShiftKind, description="班次；不填则按地址用途和网格类型")
PriorityField = choice(Priority, description="优先级")


class TaskIn(Input):
    kind: KindField
    address: Id = optional(description="标准地址 id")
    person: Id = optional(description="人员 id")
    house: Id = optional(description="房屋 id")
    assignee: Id = optional(description="负责人（用户 id）；不填则交给网格工作小组")
    due_on: Day | None = None
    priority: PriorityField = Priority.NORMAL.value
    shift: ShiftField = optional()
    note: Text(500) = ""


def _user(request, pk, field="assignee"):
    return resolve(User.objects.visible_to(request.user), pk, field)


@tasks_router.post("/", response=responses({201: TaskOut}, write=True), summary="新建任务")
def task_create(request, payload: TaskIn):
    task = services.task_create(
        actor=actor(request),
        kind=payload.kind,
        address=resolve(StandardAddress.objects.visible_to(request.user), payload.address, "address"),
        person=resolve(Person.objects.visible_to(request.user), payload.person, "person"),
        house=resolve(House.objects.visible_to(request.user), payload.house, "house"),
        assignee=_user(request, payload.assignee),
        due_on=payload.due_on,
        priority=payload.priority,
        shift=payload.shift,
        note=payload.note,
    )
    return Status(201, selectors.task_detail(user=request.user, pk=task.pk))


class BulkIn(Input):
    area: Annotated[str, Field(max_length=18, pattern=r"^[0-9]+$")] | None = optional(description="区域编码")
    within: Id = optional(description="某一地址（如一条街路巷、一栋楼）之下")
    level: choice(
        [
            (AddressLevel.DOOR_PLATE.value, "门牌"),
            (AddressLevel.BUILDING.value, "楼栋"),
            (AddressLevel.ROOM.value, "户室"),
        ]
    ) = AddressLevel.DOOR_PLATE.value
    kind: choice([(TaskKind.VISIT_ADDRESS.value, "入户访查"), (TaskKind.REVISIT.value, "回访")]) = (
        TaskKind.VISIT_ADDRESS.value
    )
    assignee: Id = optional(description="负责人；不填则交给各网格的工作小组")
    due_on: Day | None = None
    priority: PriorityField = Priority.NORMAL.value
    shift: ShiftField = optional()
    note: Text(500) = ""


class BulkOut(Schema):
    created: int


@tasks_router.post("/bulk", response=responses({201: BulkOut}, write=True), summary="按区域批量生成任务")
def task_bulk(request, payload: BulkIn):
    area = None
    if payload.area:
        area = Area.objects.visible_to(request.user).filter(code=payload.area).first()
        if area is None:
            raise ValidationError({"area": [_("所选记录不存在。")]})
    created = services.tasks_bulk_create(
        actor=actor(request),
        area=area,
        within=resolve(StandardAddress.objects.visible_to(request.user), payload.within, "within"),
        level=payload.level,
        kind=payload.kind,
        assignee=_user(request, payload.assignee),
        due_on=payload.due_on,
        priority=payload.priority,
        shift=payload.shift,
        note=payload.note,
    )
    return Status(201, {"created": created})


# Declared after /bulk: ninja matches paths in declaration order, and "bulk" would otherwise reach the
# GET-only /{task_id} path and answer 405.
@tasks_router.get("/{task_id}", response=responses({200: TaskOut}, path=True), summary="任务详情")
def task_detail(request, task_id: PathId):
    return selectors.task_detail(user=request.user, pk=task_id)


@tasks_router.get(
    "/{task_id}/history", response=responses({200: ChangePage}, path=True), summary="任务变更记录"
)
def task_history(request, task_id: PathId, pagination: Query[Pagination]):
    return history_page(selectors.task_detail(user=request.user, pk=task_id), pagination)


class DoneIn(Input):
    note: Text(500) = ""


class ReassignIn(Input):
    assignee: Id = optional(description="新负责人（用户 id）")
    team: Id = optional(description="或：工作小组 id")
    reason: Text(500) = ""


def _task_action(request, task_id, call, **kwargs):
    task = selectors.task_detail(user=request.user, pk=task_id)
    call(actor=actor(request), task=task, **kwargs)
    return selectors.task_detail(user=request.user, pk=task_id)


@tasks_router.post(
    "/{task_id}/appointment/reveal",
    response=responses({200: RevealOut}, path=True, forbidden=True),
    summary="查看预约居民电话明文（留痕）",
)
def task_appointment_reveal(request, task_id: PathId):
    task = selectors.task_detail(user=request.user, pk=task_id)
    if task.appointment_id is None:
        raise Http404
    return {"field": "phone", "value": appointments.appointment_phone_reveal(actor=actor(request), task=task)}


@tasks_router.post(
    "/{task_id}/start", response=responses({200: TaskOut}, path=True, write=True), summary="开始办理"
)
def task_start(request, task_id: PathId):
    return _task_action(request, task_id, services.task_start)


@tasks_router.post(
    "/{task_id}/done", response=responses({200: TaskOut}, path=True, write=True), summary="办结"
)
def task_done(request, task_id: PathId, payload: DoneIn):
    return _task_action(request, task_id, services.task_done, note=payload.note)


@tasks_router.post(
    "/{task_id}/cannot", response=responses({200: TaskOut}, path=True, write=True), summary="无法完成"
)
def task_cannot(request, task_id: PathId, payload: EndIn):
    return _task_action(request, task_id, services.task_cannot, reason=payload.reason)


@tasks_router.post(
    "/{task_id}/cancel", response=responses({200: TaskOut}, path=True, write=True), summary="取消任务"
)
def task_cancel(request, task_id: PathId, payload: EndIn):
    return _task_action(request, task_id, services.task_cancel, reason=payload.reason)


@tasks_router.post(
    "/{task_id}/reassign", response=responses({200: TaskOut}, path=True, write=True), summary="改派"
)
def task_reassign(request, task_id: PathId, payload: ReassignIn):
    team = resolve(
        Team.objects.filter(grid__in=Area.objects.visible_to(request.user).values("pk")), payload.team, "team"
    )
    return _task_action(
        request,
        task_id,
        services.task_reassign,
        assignee=_user(request, payload.assignee),
        team=team,
        reason=payload.reason,
    )


# --- visits and coverage -------------------------------------------------------------------------------------


class VisitOut(Schema):
    id: int
    address_id: int
    address_text: str
    grid_id: int
    task_id: int | None
    outcome: str = Field(
        description="met=见到人；nobody_home=无人在家；empty=空置；refused=拒绝；note_left=已留言"
    )
    visited_at: datetime.datetime
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    visitor_id: int | None
    visitor_name: str
    device: str
    note: str

    @staticmethod
    def resolve_address_text(obj):
        return obj.address.full_text

    @staticmethod
    def resolve_visitor_name(obj):
        return str(obj.visitor) if obj.visitor_id else ""


VisitPage = page_of(VisitOut)


class VisitFilters(Pagination):
    address: int = optional(ge=1, le=MAX_ID, description="标准地址 id")
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    since: Day | None = None


class VisitIn(Input):
    address: Id
    outcome: choice(VisitOutcome)
    visited_at: datetime.datetime | None = None
    latitude: Annotated[float, Field(allow_inf_nan=False, ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(allow_inf_nan=False, ge=-180, le=180)] | None = None
    accuracy_m: Annotated[float, Field(allow_inf_nan=False, ge=0, le=100_000)] | None = None
    note: Text(500) = ""
    task: Id = optional()


@collection_router.get("/visits", response=responses({200: VisitPage}), summary="访查记录")
def visit_list(request, filters: Query[VisitFilters]):
    visits = selectors.visit_list(
        user=request.user, address=filters.address, area=filters.area, since=filters.since
    )
    return paginate(visits, filters)


@collection_router.post("/visits", response=responses({201: VisitOut}, write=True), summary="登记访查")
def visit_create(request, payload: VisitIn):
    visit = services.visit_record(
        actor=actor(request),
        address=resolve(StandardAddress.objects.visible_to(request.user), payload.address, "address"),
        outcome=payload.outcome,
        visited_at=payload.visited_at,
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy_m=payload.accuracy_m,
        note=payload.note,
        task=resolve(Task.objects.visible_to(request.user), payload.task, "task"),
    )
    return Status(201, selectors.visit_list(user=request.user).get(pk=visit.pk))


class CoverageNodeOut(Schema):
    kind: str
    id: int
    code: str
    name: str
    level: str
    flats: int
    flats_visited: int
    flats_missing: int
    people: int
    people_verified: int
    people_missing: int
    not_visited: list[dict[str, Any]]


class CoverageOut(Schema):
    start: datetime.date
    end: datetime.date
    nodes: list[CoverageNodeOut]


class CoverageFilters(Schema):
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码；不填为任职范围的顶层")
    address: int = optional(ge=1, le=MAX_ID, description="或：标准地址 id（展开其下级）")
    start: Day | None = None
    end: Day | None = None


def coverage_nodes(request, area: str, address: int | None, start, end):
    parent_area = parent_address = None
    if address:
        parent_address = StandardAddress.objects.visible_to(request.user).get(pk=address)
    elif area:
        parent_area = Area.objects.visible_to(request.user).get(code=area)
    return selectors.coverage_children(
        user=request.user, area=parent_area, address=parent_address, start=start, end=end
    )


@collection_router.get(
    "/coverage", response=responses({200: CoverageOut}, path=True), summary="覆盖树（未访查/未核实）"
)
def coverage(request, filters: Query[CoverageFilters]):
    if filters.start and filters.end and filters.start > filters.end:
        raise ValidationError({"start": [_("开始日期不能晚于结束日期。")]})
    start, end = selectors.coverage_period(filters.start, filters.end)
    nodes = coverage_nodes(request, filters.area, filters.address, start, end)
    return {
        "start": start,
        "end": end,
        "nodes": [
            {
                "kind": n.kind,
                "id": n.obj.pk,
                "code": n.obj.code,
                "name": n.obj.name,
                "level": str(n.obj.level),
                "flats": n.flats,
                "flats_visited": n.flats_visited,
                "flats_missing": n.flats_missing,
                "people": n.people,
                "people_verified": n.people_verified,
                "people_missing": n.people_missing,
                "not_visited": [{"id": pk, "text": text} for pk, text in n.not_visited],
            }
            for n in nodes
        ],
    }
