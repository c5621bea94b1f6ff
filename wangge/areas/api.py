"""Areas API: the area tree and the police overlay (stations, offices, police grids), read by everyone within
their scope and written by admins."""

import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema, Status

from wangge.accounts.roles import can_manage_users
from wangge.areas import selectors, services
from wangge.areas.models import AreaLevel, GridKind
from wangge.core.api import (
    MAX_ID,
    ChangePage,
    EndIn,
    Id,
    Input,
    Pagination,
    PathId,
    Text,
    actor,
    choice,
    field_error,
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
police_router = Router(tags=["police 公安警格"])
police_station_router = Router(tags=["police 公安警格"])
police_office_router = Router(tags=["police 公安警格"])

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


class PoliceStationOut(Schema):
    id: int
    code: str
    name: str
    district_id: int
    district_name: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_district_name(obj):
        return obj.district.name


class PoliceOfficeOut(Schema):
    id: int
    code: str
    name: str
    station_id: int
    station_name: str
    community_id: int | None
    community_name: str | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_station_name(obj):
        return obj.station.name

    @staticmethod
    def resolve_community_name(obj):
        return obj.community.name if obj.community_id else None


class PoliceGridAreaOut(Schema):
    id: int
    code: str
    name: str


class PoliceGridOut(Schema):
    id: int
    code: str
    name: str
    office_id: int
    office_name: str
    station_id: int
    station_name: str
    grids: list[PoliceGridAreaOut] = Field(description="本警格覆盖、且在您范围内的采集网格")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_office_name(obj):
        return obj.office.name

    @staticmethod
    def resolve_station_id(obj):
        return obj.office.station_id

    @staticmethod
    def resolve_station_name(obj):
        return obj.office.station.name

    @staticmethod
    def resolve_grids(obj):
        return list(obj.grids.all())


PoliceStationPage = page_of(PoliceStationOut)
PoliceOfficePage = page_of(PoliceOfficeOut)
PoliceGridPage = page_of(PoliceGridOut)

PoliceCode = Text(32, min_length=1, description="编码（唯一，创建后不可改）")
PoliceName = Text(100, min_length=1)
Version = Id
GridIds = Annotated[list[Id], Field(min_length=1, max_length=500)]


class PoliceFilters(Pagination):
    q: str = Field("", max_length=100, description="名称或编码包含")
    current: bool = optional(description="true=仅未注销；false=仅已注销")


class PoliceOfficeFilters(PoliceFilters):
    station: int = optional(ge=1, le=MAX_ID, description="派出所 id")


class PoliceGridFilters(PoliceFilters):
    office: int = optional(ge=1, le=MAX_ID, description="警务室 id")
    grid: int = optional(ge=1, le=MAX_ID, description="覆盖的采集网格 id")


class PoliceStationIn(Input):
    code: PoliceCode
    name: PoliceName
    district: Id = Field(description="所属区县 id（须在您的范围内：只有区级管理员可建派出所）")


class PoliceOfficeIn(Input):
    code: PoliceCode
    name: PoliceName
    station: Id = Field(description="所属派出所 id")
    community: Id = Field(description="所在社区 id（须在您的范围内，且在派出所所属区县内）")


class PoliceGridIn(Input):
    code: PoliceCode
    name: PoliceName
    office: Id = Field(description="所属警务室 id")
    grids: GridIds = Field(description="覆盖的采集网格 id（须在您的范围内）")


class PolicePatch(Input):
    name: PoliceName = optional()
    version: Version = optional(description="读取时的版本号；已被他人修改时返回 422（字段 version）")


class PoliceGridPatch(PolicePatch):
    grids: GridIds = optional(description="覆盖的采集网格 id（整体替换；须在您的范围内）")


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


def _grids(request, pks: list[int]) -> list:
    """Collection grids by id, all inside the user's scope (one outside reads as not found)."""
    wanted = list(dict.fromkeys(pks))
    found = {a.pk: a for a in selectors.area_list(user=request.user).filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise field_error("grids")
    return [found[pk] for pk in wanted]


def _patch(payload) -> tuple[dict, int | None]:
    fields = sent(payload)
    return fields, fields.pop("version", None)


# --- police stations 派出所 ----------------------------------------------------------------------------------


@police_station_router.get("/", response=responses({200: PoliceStationPage}), summary="派出所列表")
def police_station_list(request, filters: Query[PoliceFilters]):
    stations = selectors.police_station_list(user=request.user, q=filters.q, current=filters.current)
    return paginate(stations, filters)


@police_station_router.post(
    "/", response=responses({201: PoliceStationOut}, write=True), summary="新建派出所（区级管理员）"
)
def police_station_create(request, payload: PoliceStationIn):
    _require_admin(request)
    station = services.police_station_create(
        actor=actor(request),
        code=payload.code,
        name=payload.name,
        district=resolve(selectors.area_list(user=request.user), payload.district, "district"),
    )
    return Status(201, station)


@police_station_router.get(
    "/{id}", response=responses({200: PoliceStationOut}, path=True), summary="派出所详情"
)
def police_station_detail(request, id: PathId):
    return selectors.police_station_detail(user=request.user, pk=id)


@police_station_router.patch(
    "/{id}",
    response=responses({200: PoliceStationOut}, path=True, write=True),
    summary="修改派出所（管理员）",
)
def police_station_update(request, id: PathId, payload: PolicePatch):
    station = selectors.police_station_detail(user=request.user, pk=id)
    _require_admin(request)
    fields, version = _patch(payload)
    services.police_station_update(actor=actor(request), station=station, expected_version=version, **fields)
    return station


@police_station_router.post(
    "/{id}/end",
    response=responses({200: PoliceStationOut}, path=True, write=True),
    summary="注销派出所（管理员；须先注销其警务室）",
)
def police_station_end(request, id: PathId, payload: EndIn):
    station = selectors.police_station_detail(user=request.user, pk=id)
    _require_admin(request)
    services.police_station_end(actor=actor(request), station=station, reason=payload.reason)
    return station


@police_station_router.get(
    "/{id}/history", response=responses({200: ChangePage}, path=True), summary="派出所变更记录"
)
def police_station_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(selectors.police_station_detail(user=request.user, pk=id), pagination)


# --- community police offices 警务室 ---------------------------------------------------------------------------


@police_office_router.get("/", response=responses({200: PoliceOfficePage}), summary="警务室列表")
def police_office_list(request, filters: Query[PoliceOfficeFilters]):
    offices = selectors.police_office_list(
        user=request.user, q=filters.q, station=filters.station, current=filters.current
    )
    return paginate(offices, filters)


@police_office_router.post(
    "/", response=responses({201: PoliceOfficeOut}, write=True), summary="新建警务室（管理员）"
)
def police_office_create(request, payload: PoliceOfficeIn):
    _require_admin(request)
    office = services.police_office_create(
        actor=actor(request),
        code=payload.code,
        name=payload.name,
        station=resolve(selectors.police_station_list(user=request.user), payload.station, "station"),
        community=resolve(selectors.area_list(user=request.user), payload.community, "community"),
    )
    return Status(201, office)


@police_office_router.get(
    "/{id}", response=responses({200: PoliceOfficeOut}, path=True), summary="警务室详情"
)
def police_office_detail(request, id: PathId):
    return selectors.police_office_detail(user=request.user, pk=id)


@police_office_router.patch(
    "/{id}", response=responses({200: PoliceOfficeOut}, path=True, write=True), summary="修改警务室（管理员）"
)
def police_office_update(request, id: PathId, payload: PolicePatch):
    office = selectors.police_office_detail(user=request.user, pk=id)
    _require_admin(request)
    fields, version = _patch(payload)
    services.police_office_update(actor=actor(request), office=office, expected_version=version, **fields)
    return office


@police_office_router.post(
    "/{id}/end",
    response=responses({200: PoliceOfficeOut}, path=True, write=True),
    summary="注销警务室（管理员；须先注销其警格）",
)
def police_office_end(request, id: PathId, payload: EndIn):
    office = selectors.police_office_detail(user=request.user, pk=id)
    _require_admin(request)
    services.police_office_end(actor=actor(request), office=office, reason=payload.reason)
    return office


@police_office_router.get(
    "/{id}/history", response=responses({200: ChangePage}, path=True), summary="警务室变更记录"
)
def police_office_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(selectors.police_office_detail(user=request.user, pk=id), pagination)


# --- police grids 警格 -------------------------------------------------------------------------------------------


@police_router.get("/", response=responses({200: PoliceGridPage}), summary="警格列表")
def police_grid_list(request, filters: Query[PoliceGridFilters]):
    police_grids = selectors.police_grid_list(
        user=request.user, q=filters.q, office=filters.office, grid=filters.grid, current=filters.current
    )
    return paginate(police_grids, filters)


@police_router.post("/", response=responses({201: PoliceGridOut}, write=True), summary="新建警格（管理员）")
def police_grid_create(request, payload: PoliceGridIn):
    _require_admin(request)
    police_grid = services.police_grid_create(
        actor=actor(request),
        code=payload.code,
        name=payload.name,
        office=resolve(selectors.police_office_list(user=request.user), payload.office, "office"),
        grids=_grids(request, payload.grids),
    )
    return Status(201, selectors.police_grid_detail(user=request.user, pk=police_grid.pk))


@police_router.get("/{id}", response=responses({200: PoliceGridOut}, path=True), summary="警格详情")
def police_grid_detail(request, id: PathId):
    return selectors.police_grid_detail(user=request.user, pk=id)


@police_router.patch(
    "/{id}",
    response=responses({200: PoliceGridOut}, path=True, write=True),
    summary="修改警格名称或覆盖的采集网格（管理员）",
)
def police_grid_update(request, id: PathId, payload: PoliceGridPatch):
    police_grid = selectors.police_grid_detail(user=request.user, pk=id)
    _require_admin(request)
    fields, version = _patch(payload)
    if "grids" in fields:
        fields["grids"] = _grids(request, fields["grids"])
    services.police_grid_update(
        actor=actor(request), police_grid=police_grid, expected_version=version, **fields
    )
    return selectors.police_grid_detail(user=request.user, pk=id)


@police_router.post(
    "/{id}/end",
    response=responses({200: PoliceGridOut}, path=True, write=True),
    summary="注销警格（管理员；须先结束以它为任职警格的用户）",
)
def police_grid_end(request, id: PathId, payload: EndIn):
    police_grid = selectors.police_grid_detail(user=request.user, pk=id)
    _require_admin(request)
    services.police_grid_end(actor=actor(request), police_grid=police_grid, reason=payload.reason)
    return police_grid


@police_router.get("/{id}/history", response=responses({200: ChangePage}, path=True), summary="警格变更记录")
def police_grid_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(selectors.police_grid_detail(user=request.user, pk=id), pagination)
