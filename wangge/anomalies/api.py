"""JSON API of anomaly data (R-33): items, counts per rule, resolve/dismiss, runs."""

import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from wangge.anomalies import selectors, services
from wangge.anomalies.choices import AnomalyState
from wangge.anomalies.rules import rule_choices
from wangge.areas.models import Area
from wangge.core.api import (
    ChangePage,
    Input,
    Pagination,
    PathId,
    Text,
    actor,
    choice,
    history_page,
    page_of,
    paginate,
    responses,
)
from wangge.core.forms import REASON_MAX_LENGTH

router = Router(tags=["anomalies 异动数据"])

AreaCode = Annotated[str, Field(max_length=18, pattern=r"^[0-9]*$", description="区域编码（前缀）")]


class AnomalyOut(Schema):
    id: int
    rule: str
    rule_title: str
    state: str = Field(description="open=待处理；resolved=已纠正；dismissed=已排除；gone=已消失（系统关闭）")
    subject: str = Field(description="person=人员；house=房屋；address=标准地址；area=网格")
    person_id: int | None
    house_id: int | None
    address_id: int | None
    grid_id: int
    grid_name: str
    key: str
    summary: str
    detail: dict[str, Any]
    first_found_at: datetime.datetime
    last_found_at: datetime.datetime
    first_run_id: int | None
    last_run_id: int | None
    resolved_by: str
    resolved_at: datetime.datetime | None
    reason: str

    @staticmethod
    def resolve_grid_name(obj):
        return obj.grid.name

    @staticmethod
    def resolve_resolved_by(obj):
        return str(obj.resolved_by) if obj.resolved_by_id else ""


AnomalyPage = page_of(AnomalyOut)


class RuleOut(Schema):
    code: str
    title: str
    description: str
    severity: str = Field(description="high=高；medium=中；low=低")
    params: dict[str, Any]
    count: int = Field(description="范围内（按 state/area 筛选后）该规则的异动条数")


class RunOut(Schema):
    id: int
    trigger: str = Field(description="nightly=夜间自动；manual=手动")
    state: str = Field(description="queued=排队中；running=运行中；done=已完成；failed=失败")
    area_code: str
    area_name: str
    rules: list[str]
    by: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    current_rule: str
    counts: dict[str, dict[str, float]] = Field(
        description="规则编码 → {found 发现, new 新增, still 仍存在, gone 已消失, seconds 耗时}"
    )
    seconds: float | None
    message: str

    @staticmethod
    def resolve_area_code(obj):
        return obj.area.code if obj.area_id else ""

    @staticmethod
    def resolve_area_name(obj):
        return obj.area.name if obj.area_id else ""

    @staticmethod
    def resolve_by(obj):
        return str(obj.by) if obj.by_id else ""


RunPage = page_of(RunOut)


class AnomalyFilters(Pagination):
    rule: choice(rule_choices(), blank=True, description="规则") = ""
    state: choice(AnomalyState, blank=True, description="状态；空=全部") = AnomalyState.OPEN.value
    area: AreaCode = ""
    q: str = Field("", max_length=100, description="在摘要中搜索")


class CountFilters(Schema):
    state: choice(AnomalyState, blank=True, description="状态；空=全部") = AnomalyState.OPEN.value
    area: AreaCode = ""


class ReasonIn(Input):
    reason: Text(REASON_MAX_LENGTH, min_length=1, description="处理说明") = Field(...)


class RunIn(Input):
    area: Annotated[str, Field(max_length=18, pattern=r"^[0-9]+$")] | None = Field(
        None, description="区域编码；不填则为您管辖的全部区域"
    )
    rules: list[choice(rule_choices())] = Field(
        default_factory=list, max_length=50, description="规则编码；空=全部"
    )


@router.get("/", response=responses({200: AnomalyPage}), summary="异动数据列表")
def anomaly_list(request, filters: Query[AnomalyFilters]):
    items = selectors.anomaly_list(
        user=request.user, rule=filters.rule, state=filters.state, area=filters.area, q=filters.q
    )
    return paginate(items, filters)


@router.get("/rules", response=responses({200: list[RuleOut]}), summary="规则及各规则异动数量")
def rule_list(request, filters: Query[CountFilters]):
    return selectors.rule_counts(user=request.user, state=filters.state, area=filters.area)


@router.get("/runs", response=responses({200: RunPage}), summary="异动检查记录")
def run_list(request, pagination: Query[Pagination]):
    return paginate(selectors.run_list(user=request.user), pagination)


@router.post("/runs", response=responses({202: RunOut}, write=True), summary="运行异动检查（后台任务）")
def run_create(request, payload: RunIn):
    area = None
    if payload.area:
        area = Area.objects.visible_to(request.user).filter(code=payload.area).first()
        if area is None:
            raise ValidationError({"area": [_("所选记录不存在。")]})
    run = services.anomalies_request(actor=actor(request), area=area, rules=payload.rules)
    return Status(202, selectors.run_detail(user=request.user, pk=run.pk))


@router.get("/runs/{run_id}", response=responses({200: RunOut}, path=True), summary="异动检查")
def run_detail(request, run_id: PathId):
    return selectors.run_detail(user=request.user, pk=run_id)


@router.get("/{anomaly_id}", response=responses({200: AnomalyOut}, path=True), summary="异动数据")
def anomaly_detail(request, anomaly_id: PathId):
    return selectors.anomaly_detail(user=request.user, pk=anomaly_id)


@router.get(
    "/{anomaly_id}/history", response=responses({200: ChangePage}, path=True), summary="异动数据处理记录"
)
def anomaly_history(request, anomaly_id: PathId, pagination: Query[Pagination]):
    return history_page(selectors.anomaly_detail(user=request.user, pk=anomaly_id), pagination)


@router.post(
    "/{anomaly_id}/resolve",
    response=responses({200: AnomalyOut}, path=True, write=True),
    summary="已纠正（数据有误，已改正）",
)
def anomaly_resolve(request, anomaly_id: PathId, payload: ReasonIn):
    anomaly = selectors.anomaly_detail(user=request.user, pk=anomaly_id)
    services.anomaly_resolve(actor=actor(request), anomaly=anomaly, reason=payload.reason)
    return selectors.anomaly_detail(user=request.user, pk=anomaly_id)


@router.post(
    "/{anomaly_id}/dismiss",
    response=responses({200: AnomalyOut}, path=True, write=True),
    summary="已排除（数据无误）",
)
def anomaly_dismiss(request, anomaly_id: PathId, payload: ReasonIn):
    anomaly = selectors.anomaly_detail(user=request.user, pk=anomaly_id)
    services.anomaly_dismiss(actor=actor(request), anomaly=anomaly, reason=payload.reason)
    return selectors.anomaly_detail(user=request.user, pk=anomaly_id)
