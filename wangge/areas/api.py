"""Areas API: the area tree (read by everyone within their scope, written by admins) and police grids."""

import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema, Status

from wangge.accounts.roles import can_manage_users
from wangge.areas import selectors, services
from wangge.areas.models import AreaLevel, GridKind
from wangge.core.api import (
    ChangePage,
    Id,
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
    resolve,
    responses,
    sent,
)
from wangge.core.services import require

router = Router(tags=["areas 区域"])
police_router = Router(tags=["areas 区域"])

# GeoJSON coordinates: finite numbers only (JSON has no NaN, but Python's parser accepts it and the database
# would not store it), a sane number of points so one request cannot hold the server for long.
Coordinate = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-180, le=180)]
Position = Annotated[list[Coordinate], Field(min_length=2, max_length=3)]
Ring = Annotated[list[Position], Field(min_length=4, max_length=5000)]
PolygonRings = Annotated[list[Ring], Field(min_length=1, max_length=100)]


class PolygonIn(Input):
    type: Literal["Polygon"]
    coordinates: PolygonRings


class MultiPolygonIn(Input):
    type: Literal["MultiPolygon"]
    coordinates: Annotated[list[PolygonRings], Field(min_length=1, max_length=100)]


Boundary = Annotated[PolygonIn | MultiPolygonIn, Field(discriminator="type", description="GeoJSON 多边形")]
Level = choice(AreaLevel, description="层级")
Kind = choice(GridKind, blank=True, description="网格类型，采集网格必填")


class AreaOut(Schema):
    id: int
    code: str
    name: str
    level: str = Field(
        description="district=区县；street=街道/乡镇；community=社区/村；big_grid=大网格；grid=采集网格"
    )
    parent_id: int | None
    kind: str
    boundary: dict[str, Any] | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None
    end_reason: str


class AreaFilters(Pagination):
    q: str = Field("", max_length=100, description="名称包含")
    level: Literal[tuple(AreaLevel.values)] = optional(description="层级")
    parent: int = optional(ge=1, le=2**63 - 1, description="上级区域 id")
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀（含其下级）")


class AreaIn(Input):
    code: Text(
        18,
        min_length=6,
        description="区划代码：区县 6 位、街道 9 位、社区 12 位、大网格 15 位、采集网格 18 位",
    )
    name: Text(100, min_length=1)
    level: Level
    parent: Id = Field(description="上级区域 id（须在您的范围内）")
    kind: Kind = ""
    boundary: Boundary | None = None


class AreaPatch(Input):
    name: Text(100, min_length=1) = optional()
    kind: Kind = optional()
    boundary: Boundary | None = optional()
    version: Id = optional(description="读取时的版本号；已被他人修改时返回 422（字段 version）")


AreaPage = page_of(AreaOut)


class PoliceGridAreaOut(Schema):
    id: int
    code: str
    name: str


class PoliceGridOut(Schema):
    id: int
    code: str
    name: str
    office_name: str
    station_name: str
    grids: list[PoliceGridAreaOut] = Field(description="本警格覆盖、且在您范围内的采集网格")

    @staticmethod
    def resolve_office_name(obj):
        return obj.office.name

    @staticmethod
    def resolve_station_name(obj):
        return obj.office.station.name

    @staticmethod
    def resolve_grids(obj):
        return list(obj.grids.all())


PoliceGridPage = page_of(PoliceGridOut)


def _require_admin(request) -> None:
    # The tree is the skeleton of every scope; only admins reshape it.
    require(actor(request), can_manage_users(request.user))


@router.get("/", response=responses({200: AreaPage}), summary="区域列表")
def area_list(request, filters: Query[AreaFilters]):
    areas = selectors.area_list(
        user=request.user,
        q=filters.q,
        level=filters.level or "",
        parent=filters.parent,
        area=filters.area,
    )
    return paginate(areas, filters)


@router.post("/", response=responses({201: AreaOut}, write=True), summary="新建区域（管理员）")
def area_create(request, payload: AreaIn):
    _require_admin(request)
    parent = resolve(selectors.area_list(user=request.user), payload.parent, "parent")
    area = services.area_create(
        actor=actor(request),
        code=payload.code,
        name=payload.name,
        level=payload.level,
        parent=parent,
        kind=payload.kind,
        boundary=payload.boundary.model_dump() if payload.boundary else None,
    )
    return Status(201, area)


@router.get("/{id}", response=responses({200: AreaOut}, path=True), summary="区域详情")
def area_detail(request, id: PathId):
    return selectors.area_detail(user=request.user, pk=id)


@router.patch(
    "/{id}", response=responses({200: AreaOut}, path=True, write=True), summary="修改区域（管理员）"
)
def area_update(request, id: PathId, payload: AreaPatch):
    area = selectors.area_detail(user=request.user, pk=id)
    _require_admin(request)
    fields = sent(payload)
    version = fields.pop("version", None)
    if "boundary" in fields and fields["boundary"] is not None:
        fields["boundary"] = payload.boundary.model_dump()
    services.area_update(actor=actor(request), area=area, expected_version=version, **fields)
    return area


@router.get("/{id}/children", response=responses({200: AreaPage}, path=True), summary="下级区域")
def area_children(request, id: PathId, pagination: Query[Pagination]):
    area = selectors.area_detail(user=request.user, pk=id)
    return paginate(selectors.area_list(user=request.user, parent=area.pk), pagination)


@router.get("/{id}/history", response=responses({200: ChangePage}, path=True), summary="区域变更记录")
def area_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(selectors.area_detail(user=request.user, pk=id), pagination)


@police_router.get("/", response=responses({200: PoliceGridPage}), summary="警格列表")
def police_grid_list(request, pagination: Query[Pagination]):
    return paginate(selectors.police_grid_list(user=request.user), pagination)
