"""Progress and quality API (/api/v1/quality/): rates, rankings, trends, workers, groups, campaigns.

Every figure comes from wangge.quality.selectors, inside the user's scope; docs/quality.md defines each one.
An area is named by its code (`?area=350205001`); without one, the user's own root area.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from wangge.areas.models import Area, AreaLevel
from wangge.core.api import (
    MAX_ID,
    ChangePage,
    Day,
    EndIn,
    Input,
    Pagination,
    PathId,
    Text,
    actor,
    choice,
    history_page,
    optional,
    page_of,
    paginate,
    responses,
    sent,
)
from wangge.quality import selectors, services
from wangge.quality.models import Campaign

router = Router(tags=["quality 进度与质量"])


class Out(BaseModel):
    """Answers built here from dataclasses and dicts: plain pydantic models validate them several times faster
    than ninja's Schema, which reads every field through a Django-aware getter (a county ranking has 1,715 rows)."""


AreaCode = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码；不填为任职范围的顶层区域")
RATE_CHOICES = [(name, str(label)) for name, label in selectors.RATE_LABELS.items()]
LEVEL_CHOICES = [(v, label) for v, label in AreaLevel.choices if v != AreaLevel.DISTRICT]


class RatesOut(Out):
    visit: float | None = Field(description="访查率 = flats_visited / flats")
    person_verification: float | None = Field(description="人口核实率 = people_verified / people")
    house_verification: float | None = Field(description="房屋核实率 = houses_verified / houses")
    collection: float | None = Field(description="采集率 = houses_collected / houses")
    not_deregistered: float | None = Field(description="未注销率 = registered_active / registered")
    accuracy: float | None = Field(description="准确率 = recheck_right / rechecked")


class FiguresOut(Out):
    key: str = Field(description="区域编码，或 user:<id>（网格员）")
    name: str
    level: str = Field(description="区域层级，worker=网格员，scope=任职范围合计")
    area_id: int | None
    user_id: int | None
    day: datetime.date
    period_start: datetime.date | None = Field(description="统计期起点 S（采集行动开始日或当月 1 日）")
    computed_at: datetime.datetime | None = Field(description="统计时间（“截至”）；null 表示尚无统计")
    grid_count: int
    flats: int
    flats_visited: int
    people: int
    people_verified: int
    houses: int
    houses_verified: int
    houses_collected: int
    registered: int
    registered_active: int
    rechecked: int
    recheck_right: int
    visits: int
    own_people_verified: int
    own_houses_verified: int
    is_party_member: bool | None
    rates: RatesOut = Field(description="0–1；分母为 0 时为 null（显示为“—”）")


class RankedOut(FiguresOut):
    rank: int | None = Field(description="名次，1 为最好；并列同名次；比率为 null 的排在最后，名次为 null")


class GroupOut(Out):
    count: int
    visit: float | None
    person_verification: float | None
    house_verification: float | None
    collection: float | None
    not_deregistered: float | None
    accuracy: float | None


class GroupsOut(Out):
    party_member: GroupOut = Field(description="党员网格员：各人比率的平均")
    all: GroupOut = Field(description="全部网格员")
    others: GroupOut = Field(description="非党员网格员")


class AreaDayQuery(Schema):
    area: str = AreaCode
    day: Day | None = Field(None, description="日期 YYYY-MM-DD，默认今天")


class RankingQuery(AreaDayQuery):
    level: choice(LEVEL_CHOICES, description="排名的层级") = AreaLevel.GRID
    rate: choice(RATE_CHOICES, description="按哪个比率排名") = "visit"


class BehindQuery(AreaDayQuery):
    level: choice([*LEVEL_CHOICES, ("worker", "网格员")], description="网格、其他层级或网格员") = (
        AreaLevel.GRID
    )
    rate: choice(RATE_CHOICES) = "visit"
    n: int = Field(10, ge=1, le=200, description="返回几个")


class TrendQuery(Schema):
    area: str = AreaCode
    start: Day | None = Field(None, description="开始日期，默认统计期起点")
    end: Day | None = Field(None, description="结束日期，默认今天")


def figures_out(f: selectors.Figures) -> dict:
    data = {k: v for k, v in vars(f).items() if k != "code"}
    data["rates"] = f.rates
    return data


def _area(request, code: str) -> Area | None:
    """The area a query names, within scope (404 otherwise); none named: the user's single root area."""
    if code:
        return Area.objects.visible_to(request.user).get(code=code)
    return None


def _one_area(request, code: str) -> Area:
    area = _area(request, code)
    if area is not None:
        return area
    roots = selectors.root_areas(user=request.user)
    if len(roots) != 1:
        raise ValidationError({"area": [_("请选择区域。")]})
    return roots[0]


@router.get("/figures", response=responses({200: FiguresOut}, path=True), summary="区域的六项比率")
def figures(request, q: Query[AreaDayQuery]):
    area = _area(request, q.area)
    return figures_out(selectors.area_figures(user=request.user, area=area, day=q.day))


@router.get("/children", response=responses({200: list[FiguresOut]}, path=True), summary="下级区域的比率")
def children(request, q: Query[AreaDayQuery]):
    area = _area(request, q.area)
    return [figures_out(f) for f in selectors.child_figures(user=request.user, area=area, day=q.day)]


@router.get("/ranking", response=responses({200: list[RankedOut]}, path=True), summary="排名")
def ranking(request, q: Query[RankingQuery]):
    area = _one_area(request, q.area)
    ranked = selectors.ranking(user=request.user, area=area, level=q.level, day=q.day, rate=q.rate)
    return [{**figures_out(f), "rank": rank} for rank, f in ranked]


@router.get("/trend", response=responses({200: list[FiguresOut]}, path=True), summary="每日趋势")
def trend(request, q: Query[TrendQuery]):
    area = _one_area(request, q.area)
    days = selectors.trend(user=request.user, area=area, start=q.start, end=q.end)
    return [figures_out(f) for f in days]


@router.get("/workers", response=responses({200: list[FiguresOut]}, path=True), summary="网格员的比率")
def workers(request, q: Query[AreaDayQuery]):
    area = _one_area(request, q.area)
    return [figures_out(f) for f in selectors.worker_figures(user=request.user, area=area, day=q.day)]


@router.get("/groups", response=responses({200: GroupsOut}, path=True), summary="党员网格员与全部网格员对比")
def groups(request, q: Query[AreaDayQuery]):
    area = _one_area(request, q.area)
    return selectors.group_comparison(user=request.user, area=area, day=q.day)


@router.get("/behind", response=responses({200: list[FiguresOut]}, path=True), summary="最落后的网格或网格员")
def behind(request, q: Query[BehindQuery]):
    area = _one_area(request, q.area)
    found = selectors.behind(user=request.user, area=area, day=q.day, rate=q.rate, level=q.level, n=q.n)
    return [figures_out(f) for f in found]


# --- campaigns -------------------------------------------------------------------------------------------------


class CampaignOut(Schema):
    id: int
    name: str
    area_id: int
    area_code: str = Field(alias="area.code")
    area_name: str = Field(alias="area.name")
    starts_on: datetime.date
    ends_on: datetime.date | None
    version: int
    created_at: datetime.datetime


CampaignPage = page_of(CampaignOut)


class CampaignIn(Input):
    area: str = Field(..., max_length=18, pattern=r"^[0-9]+$", description="区县或街道编码")
    name: Text(100, min_length=1)
    starts_on: Day
    ends_on: Day | None = None


class CampaignPatch(Input):
    version: int = Field(..., strict=True, ge=1, le=MAX_ID, description="读到的版本号")
    name: Text(100, min_length=1) = optional()
    starts_on: Day = optional()
    ends_on: Day | None = optional()


class CampaignEndIn(EndIn):
    on: Day | None = Field(default=None, description="最后一天，默认今天")


class CampaignFilters(Pagination):
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    running_on: Day | None = Field(None, description="只列在这一天进行中的行动")


def _campaigns(request):
    return Campaign.objects.visible_to(request.user).filter(ended_on__isnull=True).select_related("area")


@router.get("/campaigns", response=responses({200: CampaignPage}), summary="采集行动列表")
def campaign_list(request, filters: Query[CampaignFilters]):
    campaigns = _campaigns(request)
    if filters.area:
        campaigns = campaigns.filter(area__code__startswith=filters.area)
    if filters.running_on:
        day = filters.running_on
        campaigns = campaigns.filter(starts_on__lte=day).exclude(ends_on__lt=day)
    return paginate(campaigns.order_by("-starts_on", "id"), filters)


@router.post("/campaigns", response=responses({201: CampaignOut}, write=True), summary="新建采集行动")
def campaign_create(request, payload: CampaignIn):
    area = Area.objects.visible_to(request.user).filter(code=payload.area).first()
    if area is None:
        raise ValidationError({"area": [_("所选记录不存在。")]})
    campaign = services.campaign_create(
        actor=actor(request),
        area=area,
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, _campaigns(request).get(pk=campaign.pk))


@router.get("/campaigns/{campaign_id}", response=responses({200: CampaignOut}, path=True), summary="采集行动")
def campaign_detail(request, campaign_id: PathId):
    return _campaigns(request).get(pk=campaign_id)


@router.patch(
    "/campaigns/{campaign_id}", response=responses({200: CampaignOut}, path=True, write=True), summary="修改"
)
def campaign_update(request, campaign_id: PathId, payload: CampaignPatch):
    campaign = _campaigns(request).get(pk=campaign_id)
    fields = sent(payload)
    version = fields.pop("version")
    services.campaign_update(actor=actor(request), campaign=campaign, expected_version=version, **fields)
    return _campaigns(request).get(pk=campaign_id)


@router.post(
    "/campaigns/{campaign_id}/end",
    response=responses({200: CampaignOut}, path=True, write=True),
    summary="结束采集行动",
)
def campaign_end(request, campaign_id: PathId, payload: CampaignEndIn):
    campaign = _campaigns(request).get(pk=campaign_id)
    services.campaign_end(actor=actor(request), campaign=campaign, reason=payload.reason, on=payload.on)
    return _campaigns(request).get(pk=campaign_id)


@router.get(
    "/campaigns/{campaign_id}/history", response=responses({200: ChangePage}, path=True), summary="变更记录"
)
def campaign_history(request, campaign_id: PathId, pagination: Query[Pagination]):
    return history_page(_campaigns(request).get(pk=campaign_id), pagination)
