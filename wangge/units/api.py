"""Actual units API (实有单位) and employments (从业登记)."""

import datetime
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status

from wangge.addresses.selectors import address_list
from wangge.core.api import (
    MAX_ID,
    ChangePage,
    Day,
    EndIn,
    EndOnIn,
    Id,
    Input,
    Pagination,
    PathId,
    RevealOut,
    Text,
    actor,
    choice,
    history_page,
    masked,
    optional,
    page_of,
    paginate,
    resolve,
    responses,
    sent,
)
from wangge.core.services import reveal_field
from wangge.people.selectors import person_list
from wangge.transfer.api import ExportQuery, export, export_route
from wangge.units import selectors, services
from wangge.units.models import Employment, Unit, UnitKind

units_router = Router(tags=["units 实有单位"])
employments_router = Router(tags=["units 实有单位"])

Kind = choice(UnitKind, description="单位类型")
StaffCount = Annotated[int, Field(strict=True, ge=0, le=10_000_000, description="从业人数")]


class UnitOut(Schema):
    id: int
    credit_code: str | None = Field(description="统一社会信用代码；个体小摊可无")
    name: str
    kind: str = Field(
        description="firm=企业；shop=个体商户；factory=工厂；school=学校；hospital=医院；institution=机关事业单位；other=其他"
    )
    address_id: int
    address_text: str
    grid_id: int
    grid_name: str
    contact_name: str
    contact_phone: str = Field(description="打码显示；明文见 POST /units/{id}/reveal")
    staff_count: int | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_address_text(obj):
        return obj.address.full_text

    @staticmethod
    def resolve_grid_name(obj):
        return obj.grid.name

    @staticmethod
    def resolve_contact_phone(obj):
        return masked(obj, "contact_phone")


class UnitFilters(Pagination):
    q: str = Field("", max_length=100, description="名称、信用代码或地址包含")
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    kind: Literal[tuple(UnitKind.values)] = optional(description="单位类型")
    address: int = optional(ge=1, le=MAX_ID, description="标准地址 id")
    current: bool = optional(description="true=仅未注销；false=仅已注销")


class UnitIn(Input):
    address: Id = Field(description="标准地址 id")
    name: Text(200, min_length=1)
    kind: Kind
    credit_code: Text(18, description="统一社会信用代码（18 位，校验位按 GB 32100）") = ""
    contact_name: Text(100) = ""
    contact_phone: Text(32, description="手机或固话") = ""
    staff_count: StaffCount | None = None


class UnitPatch(Input):
    address: Id = optional(description="迁到另一标准地址（网格随之改变）")
    name: Text(200, min_length=1) = optional()
    kind: Kind = optional()
    credit_code: Text(18) = optional()
    contact_name: Text(100) = optional()
    contact_phone: Text(32) = optional()
    staff_count: StaffCount | None = optional()
    version: Id = optional(description="读取时的版本号；已被他人修改时返回 422（字段 version）")


class UnitRevealIn(Input):
    field: Literal["contact_phone"] = Field(description="要查看明文的字段")


UnitPage = page_of(UnitOut)


class EmploymentOut(Schema):
    id: int
    person_id: int
    person_name: str
    unit_id: int
    unit_name: str
    position: str
    hired_on: datetime.date
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name


class EmploymentFilters(Pagination):
    person: int = optional(ge=1, le=MAX_ID, description="实有人口 id")
    unit: int = optional(ge=1, le=MAX_ID, description="实有单位 id")
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    current: bool = optional(description="true=仅在职；false=仅已离职")


class EmploymentIn(Input):
    person: Id = Field(description="实有人口 id")
    unit: Id = Field(description="实有单位 id")
    hired_on: Day = Field(description="入职日期，不能在未来")
    position: Text(100) = ""


class EmploymentPatch(Input):
    position: Text(100) = optional()
    hired_on: Day = optional()
    version: Id = optional(description="读取时的版本号；已被他人修改时返回 422（字段 version）")


EmploymentPage = page_of(EmploymentOut)


def _unit(request, pk: int) -> Unit:
    return selectors.unit_detail(user=request.user, pk=pk)


def _employment(request, pk: int) -> Employment:
    return selectors.employment_detail(user=request.user, pk=pk)


def _units(request, filters: UnitFilters):
    return selectors.unit_list(
        user=request.user,
        q=filters.q,
        area=filters.area,
        kind=filters.kind or "",
        current=filters.current,
        address=filters.address,
    )


@units_router.get("/", response=responses({200: UnitPage}), summary="实有单位列表")
def unit_list(request, filters: Query[UnitFilters]):
    return paginate(_units(request, filters), filters)


class UnitExport(UnitFilters, ExportQuery):
    pass


@export_route(units_router, "导出实有单位（与列表相同的筛选；电话打码）")
def unit_export(request, filters: Query[UnitExport]):
    return export(request, "units", _units(request, filters), filters)


@units_router.post("/", response=responses({201: UnitOut}, write=True), summary="登记实有单位")
def unit_create(request, payload: UnitIn):
    unit = services.unit_create(
        actor=actor(request),
        address=resolve(address_list(user=request.user), payload.address, "address"),
        **payload.model_dump(exclude={"address"}),
    )
    return Status(201, unit)


@units_router.get("/{id}", response=responses({200: UnitOut}, path=True), summary="实有单位详情")
def unit_detail(request, id: PathId):
    return _unit(request, id)


@units_router.patch(
    "/{id}", response=responses({200: UnitOut}, path=True, write=True), summary="修改实有单位"
)
def unit_update(request, id: PathId, payload: UnitPatch):
    unit = _unit(request, id)
    fields = sent(payload)
    version = fields.pop("version", None)
    if "address" in fields:
        fields["address"] = resolve(address_list(user=request.user), fields["address"], "address")
    services.unit_update(actor=actor(request), unit=unit, expected_version=version, **fields)
    return unit


@units_router.post(
    "/{id}/end",
    response=responses({200: UnitOut}, path=True, write=True),
    summary="注销实有单位（在职人员同时离职）",
)
def unit_end(request, id: PathId, payload: EndIn):
    unit = _unit(request, id)
    services.unit_end(actor=actor(request), unit=unit, reason=payload.reason)
    return unit


@units_router.post(
    "/{id}/reveal",
    response=responses({200: RevealOut}, path=True, forbidden=True),
    summary="查看联系电话明文（留痕）",
)
def unit_reveal(request, id: PathId, payload: UnitRevealIn):
    unit = _unit(request, id)
    value = reveal_field(unit, actor=actor(request), field=payload.field)
    return {"field": payload.field, "value": value}


@units_router.get(
    "/{id}/history", response=responses({200: ChangePage}, path=True), summary="实有单位变更记录"
)
def unit_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_unit(request, id), pagination)


def _employments(request, filters: EmploymentFilters):
    return selectors.employment_list(
        user=request.user,
        person=filters.person,
        unit=filters.unit,
        area=filters.area,
        current=filters.current,
    )


@employments_router.get("/", response=responses({200: EmploymentPage}), summary="从业登记列表")
def employment_list(request, filters: Query[EmploymentFilters]):
    return paginate(_employments(request, filters), filters)


class EmploymentExport(EmploymentFilters, ExportQuery):
    pass


@export_route(employments_router, "导出从业登记（与列表相同的筛选；证件号码打码）")
def employment_export(request, filters: Query[EmploymentExport]):
    return export(request, "employments", _employments(request, filters), filters)


@employments_router.post("/", response=responses({201: EmploymentOut}, write=True), summary="登记从业")
def employment_create(request, payload: EmploymentIn):
    employment = services.employment_create(
        actor=actor(request),
        person=resolve(person_list(user=request.user), payload.person, "person"),
        unit=resolve(selectors.unit_list(user=request.user), payload.unit, "unit"),
        hired_on=payload.hired_on,
        position=payload.position,
    )
    return Status(201, employment)


@employments_router.get("/{id}", response=responses({200: EmploymentOut}, path=True), summary="从业登记详情")
def employment_detail(request, id: PathId):
    return _employment(request, id)


@employments_router.patch(
    "/{id}", response=responses({200: EmploymentOut}, path=True, write=True), summary="修改从业登记"
)
def employment_update(request, id: PathId, payload: EmploymentPatch):
    employment = _employment(request, id)
    fields = sent(payload)
    version = fields.pop("version", None)
    services.employment_update(
        actor=actor(request), employment=employment, expected_version=version, **fields
    )
    return employment


@employments_router.post(
    "/{id}/end",
    response=responses({200: EmploymentOut}, path=True, write=True),
    summary="离职（结束从业登记）",
)
def employment_end(request, id: PathId, payload: EndOnIn):
    employment = _employment(request, id)
    services.employment_end(actor=actor(request), employment=employment, reason=payload.reason, on=payload.on)
    return employment


@employments_router.get(
    "/{id}/history", response=responses({200: ChangePage}, path=True), summary="从业登记变更记录"
)
def employment_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_employment(request, id), pagination)
