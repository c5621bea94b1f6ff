"""Re-checks API (/api/v1/rechecks): rounds (create, draw, evaluate, cancel, per-grid progress, cross-check side by
side), items (the checker's own list, detail, field-by-field recording, assignment)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from wangge.accounts.models import User
from wangge.areas.models import Area
from wangge.core.api import (
    MAX_ID,
    Day,
    EndIn,
    Id,
    Input,
    Pagination,
    PathId,
    Text,
    actor,
    choice,
    optional,
    page_of,
    paginate,
    resolve,
    responses,
)
from wangge.rechecks import selectors, services
from wangge.rechecks.choices import ItemState, RoundKind, RoundState
from wangge.rechecks.fields import BY_NAME, field_rows, shown
from wangge.rechecks.models import PERCENT_MAX, PERCENT_MIN

router = Router(tags=["rechecks 抽查与交叉检查"])

AreaCode = Text(18, min_length=6, description="区域编码")


# --- schemas -------------------------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    kind: str = Field(description="random=随机抽查；cross=交叉检查")
    name: str
    area_id: int
    area_code: str
    area_name: str
    period_start: datetime.date
    period_end: datetime.date
    percent: float
    threshold: float
    seed: int
    due_on: datetime.date | None
    state: str = Field(description="draft=草稿；drawn=已抽样；evaluated=已评定；cancelled=已取消")
    sampled: int
    done: int
    right: int
    accuracy: float | None = Field(description="已抽查记录中全部正确的百分比；无已抽查记录时为 null")
    created_by: str
    drawn_at: datetime.datetime | None
    evaluated_at: datetime.datetime | None
    ended_on: datetime.date | None
    end_reason: str
    pairs: list[dict[str, Any]]

    @staticmethod
    def resolve_area_code(obj):
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj):
        return obj.area.name

    @staticmethod
    def resolve_accuracy(obj):
        return round(obj.right * 100 / obj.done, 2) if obj.done else None

    @staticmethod
    def resolve_created_by(obj):
        return str(obj.created_by) if obj.created_by_id else ""

    @staticmethod
    def resolve_pairs(obj):
        if obj.kind != RoundKind.CROSS:
            return []
        return [
            {"id": p.pk, "checker_area": p.checker_area.name, "checked_area": p.checked_area.name}
            for p in obj.pairs.all()
        ]


RoundPage = page_of(RoundOut)


class GridOut(Schema):
    grid_id: int
    code: str
    name: str
    sampled: int
    done: int
    right: int
    unassigned: int
    accuracy: float | None
    flagged: bool
    evaluated: bool
    recollect_tasks: int


class RoundDetailOut(RoundOut):
    grids: list[GridOut]


class FindingOut(Schema):
    field: str
    label: str
    verdict: str = Field(description="right=正确；wrong=错误；corrected=错误并已更正")
    recorded: str
    found: str


class ItemOut(Schema):
    id: int
    round_id: int
    kind: str = Field(description="person=人员；house=房屋")
    state: str = Field(description="pending=待抽查；done=已抽查；cancelled=已取消")
    task_id: int | None
    grid_id: int
    grid_name: str
    address_id: int | None
    address_text: str
    due_on: datetime.date | None
    title: str
    person_id: int | None
    house_id: int | None
    collector_name: str
    checker_id: int | None
    checker_name: str
    checked_at: datetime.datetime | None
    is_right: bool | None
    note: str
    fields: list[dict[str, Any]] = Field(
        description="抽查字段：field, label, value（登记值，证件号码与电话打码）, display, correctable, choices"
    )
    findings: list[FindingOut]


ItemPage = page_of(ItemOut)


def item_out(item) -> dict:
    known = BY_NAME[item.kind]
    findings = []
    if item.state == ItemState.DONE:
        for f in item.findings.all():
            spec = known.get(f.field)
            findings.append(
                {
                    "field": f.field,
                    "label": str(spec.label) if spec else f.field,
                    "verdict": f.verdict,
                    "recorded": shown(spec, f.recorded, reveal=False) if spec else f.recorded,
                    "found": shown(spec, f.found, reveal=False) if spec else f.found,
                }
            )
    return {
        "id": item.pk,
        "round_id": item.round_id,
        "kind": item.kind,
        "state": item.state,
        "task_id": item.task_id,
        "grid_id": item.grid_id,
        "grid_name": item.grid.name,
        "address_id": item.address_id,
        "address_text": item.address.full_text if item.address_id else "",
        "due_on": item.round.due_on,
        "title": item.snapshot.get("name") or item.snapshot.get("house_code", ""),
        "person_id": item.person_id,
        "house_id": item.house_id,
        "collector_name": str(item.collector) if item.collector_id else "",
        "checker_id": item.checker_id,
        "checker_name": str(item.checker) if item.checker_id else "",
        "checked_at": item.checked_at,
        "is_right": item.is_right,
        "note": item.note,
        # Always masked, as every API answer: the full value is the register's to reveal (and record).
        "fields": field_rows(item.kind, item.snapshot, reveal=False),
        "findings": findings,
    }


def item_page(items, pagination: Pagination) -> dict:
    page = paginate(items.prefetch_related("findings"), pagination)
    page["items"] = [item_out(i) for i in page["items"]]
    return page


# --- rounds --------------------------------------------------------------------------------------------------


class RoundFilters(Pagination):
    kind: choice(RoundKind, blank=True) = ""
    state: choice(RoundState, blank=True) = ""


class RoundIn(Input):
    area: AreaCode = Field(..., description="抽查区域编码（交叉检查为配对区域的共同上级）")
    kind: choice(RoundKind) = RoundKind.RANDOM.value
    name: Text(100) = ""
    period_start: Day
    period_end: Day
    percent: float = Field(
        5, strict=True, ge=PERCENT_MIN, le=PERCENT_MAX, allow_inf_nan=False, description="抽样比例（%）"
    )
    threshold: float = Field(90, strict=True, ge=0, le=100, allow_inf_nan=False, description="合格线（%）")
    seed: int = optional(
        strict=True, ge=0, lt=2**31, description="随机种子；不填则随机生成（同一种子抽到同样的记录）"
    )
    due_on: Day | None = None
    pairs: list[list[AreaCode]] = Field(
        default_factory=list, max_length=50, description="交叉检查配对：[[区域编码甲, 区域编码乙], …]，互查"
    )


def _area(request, code: str, field: str) -> Area:
    area = Area.objects.visible_to(request.user).filter(code=code).first()
    if area is None:
        raise ValidationError({field: [_("所选记录不存在。")]})
    return area


@router.get("/rounds", response=responses({200: RoundPage}), summary="抽查轮次列表")
def round_list(request, filters: Query[RoundFilters]):
    return paginate(selectors.round_list(user=request.user, kind=filters.kind, state=filters.state), filters)


def round_detail_out(request, pk: int):
    round = selectors.round_detail(user=request.user, pk=pk)
    round.grids = [
        {**vars(g), "accuracy": round_or_none(g.accuracy)}
        for g in selectors.round_progress(user=request.user, round=round)
    ]
    return round


def round_or_none(value):
    return None if value is None else round(value, 2)


@router.post("/rounds", response=responses({201: RoundDetailOut}, write=True), summary="新建抽查轮次")
def round_create(request, payload: RoundIn):
    pairs = []
    for pair in payload.pairs:
        if len(pair) != 2:
            raise ValidationError({"pairs": [_("每个配对须为两个区域编码。")]})
        pairs.append((_area(request, pair[0], "pairs"), _area(request, pair[1], "pairs")))
    created = services.round_create(
        actor=actor(request),
        area=_area(request, payload.area, "area"),
        kind=payload.kind,
        name=payload.name,
        period_start=payload.period_start,
        period_end=payload.period_end,
        percent=payload.percent,
        threshold=payload.threshold,
        seed=payload.seed,
        due_on=payload.due_on,
        pairs=pairs,
    )
    return Status(201, round_detail_out(request, created.pk))


@router.get(
    "/rounds/{round_id}", response=responses({200: RoundDetailOut}, path=True), summary="抽查轮次详情"
)
def round_detail(request, round_id: PathId):
    return round_detail_out(request, round_id)


class DrawOut(Schema):
    items: int
    tasks: int
    unassigned: int
    collected: int
    strata: dict[str, dict[str, int]]


@router.post(
    "/rounds/{round_id}/draw",
    response=responses({200: DrawOut}, path=True, write=True),
    summary="抽样并派发任务",
)
def round_draw(request, round_id: PathId):
    round = selectors.round_detail(user=request.user, pk=round_id)
    return services.round_draw(actor=actor(request), round=round)


@router.post(
    "/rounds/{round_id}/evaluate",
    response=responses({200: RoundDetailOut}, path=True, write=True),
    summary="评定准确率（低于合格线的网格重新采集）",
)
def round_evaluate(request, round_id: PathId):
    round = selectors.round_detail(user=request.user, pk=round_id)
    services.round_evaluate(actor=actor(request), round=round)
    return round_detail_out(request, round_id)


@router.post(
    "/rounds/{round_id}/cancel",
    response=responses({200: RoundDetailOut}, path=True, write=True),
    summary="取消",
)
def round_cancel(request, round_id: PathId, payload: EndIn):
    round = selectors.round_detail(user=request.user, pk=round_id)
    services.round_cancel(actor=actor(request), round=round, reason=payload.reason)
    return round_detail_out(request, round_id)


class ItemFilters(Pagination):
    grid: int = optional(ge=1, le=MAX_ID, description="采集网格 id")
    state: choice(ItemState, blank=True) = ""
    is_right: bool | None = None


@router.get("/rounds/{round_id}/items", response=responses({200: ItemPage}, path=True), summary="抽查项")
def round_items(request, round_id: PathId, filters: Query[ItemFilters]):
    round = selectors.round_detail(user=request.user, pk=round_id)
    items = selectors.item_list(
        user=request.user, round=round, grid_id=filters.grid, state=filters.state, is_right=filters.is_right
    )
    return item_page(items, filters)


class SideOut(Schema):
    checker: str
    checked: str
    sampled: int
    done: int
    right: int
    accuracy: float | None
    wrong_fields: list[tuple[str, int]]


class CrossOut(Schema):
    a_checked_by_b: SideOut
    b_checked_by_a: SideOut | None


def side_out(side):
    if side is None:
        return None
    return {**vars(side), "accuracy": round_or_none(side.accuracy)}


@router.get(
    "/rounds/{round_id}/cross", response=responses({200: list[CrossOut]}, path=True), summary="交叉检查对比"
)
def round_cross(request, round_id: PathId):
    round = selectors.round_detail(user=request.user, pk=round_id)
    return [
        {"a_checked_by_b": side_out(a), "b_checked_by_a": side_out(b)}
        for a, b in selectors.cross_comparison(round=round)
    ]


# --- items ---------------------------------------------------------------------------------------------------


class MineFilters(Pagination):
    state: choice([*ItemState.choices, ("all", "全部")]) = ItemState.PENDING.value


class AllItemFilters(ItemFilters):
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    checked_from: Day | None = None
    checked_to: Day | None = None


@router.get("/items", response=responses({200: ItemPage}), summary="抽查项（各轮次，准确率的明细）")
def item_index(request, filters: Query[AllItemFilters]):
    items = selectors.item_list(
        user=request.user,
        grid_id=filters.grid,
        state=filters.state,
        is_right=filters.is_right,
        area=filters.area,
        checked_from=filters.checked_from,
        checked_to=filters.checked_to,
    )
    return item_page(items, filters)


@router.get("/mine", response=responses({200: ItemPage}), summary="我的抽查项（现场核实）")
def my_items(request, filters: Query[MineFilters]):
    return item_page(selectors.my_items(user=request.user, state=filters.state), filters)


@router.get("/items/{item_id}", response=responses({200: ItemOut}, path=True), summary="抽查项详情")
def item_detail(request, item_id: PathId):
    return item_out(selectors.item_detail(user=request.user, pk=item_id))


class FindingIn(Input):
    field: Text(32, min_length=1, description="抽查字段")
    verdict: Text(16, min_length=1, description="right=正确；wrong=错误；corrected=错误并已更正")
    value: Text(500) | None = Field(None, description="实地核实的值；corrected 时必填")


class RecordIn(Input):
    findings: list[FindingIn] = Field(..., max_length=20, description="每个抽查字段一条")
    note: Text(500) = ""


@router.post(
    "/items/{item_id}/record",
    response=responses({200: ItemOut}, path=True, write=True),
    summary="登记抽查结果（逐项）",
)
def item_record(request, item_id: PathId, payload: RecordIn):
    item = selectors.item_detail(user=request.user, pk=item_id)
    services.recheck_record(
        actor=actor(request),
        item=item,
        findings=[f.model_dump() for f in payload.findings],
        note=payload.note,
    )
    return item_out(selectors.item_detail(user=request.user, pk=item_id))


class AssignIn(Input):
    checker: Id = Field(..., description="抽查人（用户 id）")
    reason: Text(500) = ""


@router.post(
    "/items/{item_id}/assign", response=responses({200: ItemOut}, path=True, write=True), summary="指派抽查人"
)
def item_assign(request, item_id: PathId, payload: AssignIn):
    item = selectors.item_detail(user=request.user, pk=item_id)
    checker = resolve(User.objects.visible_to(request.user), payload.checker, "checker")
    services.item_assign(actor=actor(request), item=item, checker=checker, reason=payload.reason)
    return item_out(selectors.item_detail(user=request.user, pk=item_id))
