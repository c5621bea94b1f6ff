"""Standard addresses API (标准地址)."""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status

from wangge.addresses import selectors, services
from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.areas.models import AreaLevel
from wangge.areas.selectors import area_list
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
    history_page,
    optional,
    page_of,
    paginate,
    resolve,
    responses,
    sent,
)

router = Router(tags=["addresses 标准地址"])

Level = choice(AddressLevel, description="地址层级")
Latitude = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-90, le=90, description="纬度")]
Longitude = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-180, le=180, description="经度")]


def coordinate(value: float | None) -> Decimal | None:
    # The column keeps six decimals (about 0.1 m); more precision than that is noise, not an error.
    return None if value is None else round(Decimal(str(value)), 6)


class AddressOut(Schema):
    id: int
    level: int = Field(description="1=街路巷；2=门牌；3=小区/院落；4=楼栋；5=单元；6=楼层；7=户室")
    name: str
    code: str
    full_text: str
    parent_id: int | None
    grid_id: int
    grid_name: str
    latitude: float | None
    longitude: float | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_grid_name(obj):
        return obj.grid.name


class AddressFilters(Pagination):
    q: str = Field("", max_length=100, description="标准全称或地址编码包含")
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    level: int = optional(ge=1, le=7, description="地址层级：1=街路巷 … 7=户室")
    parent: int = optional(ge=1, le=MAX_ID, description="上级地址 id")
    current: bool = optional(description="true=仅未注销；false=仅已注销")


class AddressIn(Input):
    level: Level
    name: Text(100, min_length=1, description="本级名称，如“海林路”“12号”“3号楼”“502室”")
    parent: Id = optional(description="上级地址 id；街路巷可不填")
    grid: Id = optional(description="采集网格 id；有上级地址时默认沿用上级的网格")
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class AddressPatch(Input):
    name: Text(100, min_length=1) = optional()
    grid: Id = optional(description="改挂到另一采集网格")
    latitude: Latitude | None = optional()
    longitude: Longitude | None = optional()
    version: Id = optional(description="读取时的版本号；已被他人修改时返回 422（字段 version）")


AddressPage = page_of(AddressOut)


def _grids(user):
    return area_list(user=user, level=AreaLevel.GRID)


def _detail(request, pk: int) -> StandardAddress:
    return selectors.address_detail(user=request.user, pk=pk)


@router.get("/", response=responses({200: AddressPage}), summary="标准地址列表")
def address_list(request, filters: Query[AddressFilters]):
    addresses = selectors.address_list(
        user=request.user,
        q=filters.q,
        area=filters.area,
        level=filters.level,
        parent=filters.parent,
        current=filters.current,
    )
    return paginate(addresses, filters)


@router.post("/", response=responses({201: AddressOut}, write=True), summary="新建标准地址")
def address_create(request, payload: AddressIn):
    parent = resolve(selectors.address_list(user=request.user), payload.parent, "parent")
    grid = resolve(_grids(request.user), payload.grid, "grid")
    address = services.address_create(
        actor=actor(request),
        level=payload.level,
        name=payload.name,
        parent=parent,
        grid=grid,
        latitude=coordinate(payload.latitude),
        longitude=coordinate(payload.longitude),
    )
    return Status(201, address)


@router.get("/{id}", response=responses({200: AddressOut}, path=True), summary="标准地址详情")
def address_detail(request, id: PathId):
    return _detail(request, id)


@router.patch("/{id}", response=responses({200: AddressOut}, path=True, write=True), summary="修改标准地址")
def address_update(request, id: PathId, payload: AddressPatch):
    address = _detail(request, id)
    fields = sent(payload)
    version = fields.pop("version", None)
    if "grid" in fields:
        fields["grid"] = resolve(_grids(request.user), fields["grid"], "grid")
    for name in ("latitude", "longitude"):
        if name in fields:
            fields[name] = coordinate(fields[name])
    services.address_update(actor=actor(request), address=address, expected_version=version, **fields)
    return address


@router.post(
    "/{id}/end", response=responses({200: AddressOut}, path=True, write=True), summary="注销标准地址"
)
def address_end(request, id: PathId, payload: EndIn):
    address = _detail(request, id)
    services.address_end(actor=actor(request), address=address, reason=payload.reason)
    return address


@router.get("/{id}/history", response=responses({200: ChangePage}, path=True), summary="标准地址变更记录")
def address_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_detail(request, id), pagination)
