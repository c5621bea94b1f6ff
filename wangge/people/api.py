"""Actual population API (实有人口): people and their residences (居住登记)."""

import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from wangge.areas.models import AreaLevel
from wangge.areas.selectors import area_list
from wangge.core.api import (
    MAX_ID,
    ChangePage,
    Day,
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
from wangge.housing.selectors import house_list
from wangge.people import selectors, services
from wangge.people.choices import (
    ETHNICITIES,
    Category,
    IdType,
    PersonStatus,
    Relation,
    ResidenceSource,
    Sex,
)
from wangge.people.models import Person, Residence
from wangge.transfer.api import ExportQuery, export, export_route

people_router = Router(tags=["people 实有人口"])
residences_router = Router(tags=["people 实有人口"])

IdTypeField = choice(IdType, description="证件类型")
SexField = choice(Sex, blank=True, description="性别；居民身份证号码决定性别，填写的值会被证件覆盖")
Ethnicity = choice(ETHNICITIES, blank=True, description="民族（GB/T 3304）")
CategoryField = choice(Category, description="人员类别")
RelationField = choice(Relation, description="与房屋关系")
SourceField = choice(ResidenceSource, description="来源")


class PersonOut(Schema):
    id: int
    id_type: str
    id_number: str = Field(description="打码显示，如 3502**********1234；明文见 POST /people/{id}/reveal")
    name: str
    sex: str
    birth_date: datetime.date | None
    ethnicity: str
    phone: str = Field(description="打码显示，如 138****5678")
    hukou_address: str
    hukou_division: str
    category: str = Field(
        description="registered=户籍人口；migrant=流动人口；overseas=境外人员；unsettled=未落户人员"
    )
    status: str = Field(description="active=在册；deregistered=已注销")
    grid_id: int
    grid_name: str
    warnings: list[str] = Field(description="保存成功但值得留意的问题，如身份证地区码不在现行区划中")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_id_number(obj):
        return masked(obj, "id_number")

    @staticmethod
    def resolve_phone(obj):
        return masked(obj, "phone")

    @staticmethod
    def resolve_grid_name(obj):
        return obj.grid.name

    @staticmethod
    def resolve_warnings(obj):
        return [str(w) for w in getattr(obj, "warnings", [])]


class PersonFilters(Pagination):
    q: str = Field("", max_length=100, description="姓名、拼音首字母（zs）、证件号码或电话尾号、地址")
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    category: Literal[tuple(Category.values)] = optional(description="人员类别")
    status: Literal[tuple(PersonStatus.values)] = optional(description="状态")
    sex: Literal[tuple(Sex.values)] = optional(description="性别")
    id_type: Literal[tuple(IdType.values)] = optional(description="证件类型")
    current: bool = optional(description="true=仅在册；false=仅已注销")


class PersonIn(Input):
    grid: Id = Field(description="采集网格 id")
    id_type: IdTypeField = IdType.RESIDENT_ID.value
    id_number: Text(32, min_length=1, description="证件号码；居民身份证校验 18 位与校验位")
    name: Text(100, min_length=1)
    sex: SexField = ""
    birth_date: Day = optional(description="出生日期；居民身份证以证件为准")
    ethnicity: Ethnicity = ""
    phone: Text(32, description="手机或固话") = ""
    hukou_address: Text(200) = ""
    hukou_division: Text(12) = ""
    category: CategoryField = Category.REGISTERED.value


class PersonPatch(Input):
    id_type: IdTypeField = optional()
    id_number: Text(32, min_length=1) = optional()
    name: Text(100, min_length=1) = optional()
    sex: SexField = optional()
    birth_date: Day | None = optional()
    ethnicity: Ethnicity = optional()
    phone: Text(32) = optional()
    hukou_address: Text(200) = optional()
    hukou_division: Text(12) = optional()
    category: CategoryField = optional()
    version: Id = optional(description="读取时的版本号；已被他人修改时返回 422（字段 version）")


class PersonRevealIn(Input):
    field: Literal["id_number", "phone"] = Field(description="要查看明文的字段")


PersonPage = page_of(PersonOut)


class ResidenceOut(Schema):
    id: int
    person_id: int
    person_name: str
    house_id: int
    house_code: str
    address_text: str
    relation: str = Field(
        description="owner=房主；tenant=租客；family=家庭成员；staff_dormitory=员工宿舍；lodger=借住"
    )
    is_primary: bool
    started_on: datetime.date
    source: str = Field(description="collected=入户采集；declared=自主申报；imported=导入")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_house_code(obj):
        return obj.house.house_code

    @staticmethod
    def resolve_address_text(obj):
        return obj.house.address.full_text


class ResidenceFilters(Pagination):
    person: int = optional(ge=1, le=MAX_ID, description="实有人口 id")
    house: int = optional(ge=1, le=MAX_ID, description="实有房屋 id")
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    current: bool = optional(description="true=仅在住；false=仅已迁出")


class ResidenceIn(Input):
    person: Id = Field(description="实有人口 id")
    house: Id = Field(description="实有房屋 id")
    relation: RelationField
    started_on: Day = Field(description="入住日期，不能在未来")
    is_primary: bool = Field(True, strict=True, description="主要居住地；会把此人移到该房屋所在网格")
    source: SourceField = ResidenceSource.COLLECTED.value


class ResidencePatch(Input):
    relation: RelationField = optional()
    is_primary: bool = optional(strict=True)
    started_on: Day = optional()
    version: Id = optional(description="读取时的版本号；已被他人修改时返回 422（字段 version）")


ResidencePage = page_of(ResidenceOut)


def _person(request, pk: int) -> Person:
    return selectors.person_detail(user=request.user, pk=pk)


def _residence(request, pk: int) -> Residence:
    return selectors.residence_detail(user=request.user, pk=pk)


def _people(request, filters: PersonFilters):
    return selectors.person_list(
        user=request.user,
        q=filters.q,
        area=filters.area,
        category=filters.category or "",
        status=filters.status or "",
        sex=filters.sex or "",
        id_type=filters.id_type or "",
        current=filters.current,
    )


@people_router.get("/", response=responses({200: PersonPage}), summary="实有人口列表")
def person_list(request, filters: Query[PersonFilters]):
    return paginate(_people(request, filters), filters)


class PersonExport(PersonFilters, ExportQuery):
    pass


@export_route(people_router, "导出实有人口（与列表相同的筛选；证件号码、电话打码）")
def person_export(request, filters: Query[PersonExport]):
    return export(request, "people", _people(request, filters), filters)


@people_router.post("/", response=responses({201: PersonOut}, write=True), summary="登记实有人口")
def person_create(request, payload: PersonIn):
    grid = resolve(area_list(user=request.user, level=AreaLevel.GRID), payload.grid, "grid")
    person = services.person_create(actor=actor(request), grid=grid, **payload.model_dump(exclude={"grid"}))
    return Status(201, person)


@people_router.get("/{id}", response=responses({200: PersonOut}, path=True), summary="实有人口详情")
def person_detail(request, id: PathId):
    return _person(request, id)


@people_router.patch(
    "/{id}", response=responses({200: PersonOut}, path=True, write=True), summary="修改实有人口"
)
def person_update(request, id: PathId, payload: PersonPatch):
    person = _person(request, id)
    fields = sent(payload)
    version = fields.pop("version", None)
    services.person_update(actor=actor(request), person=person, expected_version=version, **fields)
    return person


@people_router.post(
    "/{id}/end",
    response=responses({200: PersonOut}, path=True, write=True),
    summary="注销实有人口（同时结束其居住登记）",
)
def person_end(request, id: PathId, payload: EndOnIn):
    person = _person(request, id)
    services.person_deregister(actor=actor(request), person=person, reason=payload.reason, on=payload.on)
    return person


@people_router.post(
    "/{id}/reveal",
    response=responses({200: RevealOut}, path=True, forbidden=True),
    summary="查看证件号码或电话明文（留痕）",
)
def person_reveal(request, id: PathId, payload: PersonRevealIn):
    person = _person(request, id)
    value = reveal_field(person, actor=actor(request), field=payload.field)
    return {"field": payload.field, "value": value}


@people_router.get(
    "/{id}/history", response=responses({200: ChangePage}, path=True), summary="实有人口变更记录"
)
def person_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_person(request, id), pagination)


def _residences(request, filters: ResidenceFilters):
    return selectors.residence_list(
        user=request.user,
        person=filters.person,
        house=filters.house,
        area=filters.area,
        current=filters.current,
    )


@residences_router.get("/", response=responses({200: ResidencePage}), summary="居住登记列表")
def residence_list(request, filters: Query[ResidenceFilters]):
    return paginate(_residences(request, filters), filters)


class ResidenceExport(ResidenceFilters, ExportQuery):
    pass


@export_route(residences_router, "导出居住登记（与列表相同的筛选；证件号码打码）")
def residence_export(request, filters: Query[ResidenceExport]):
    return export(request, "residences", _residences(request, filters), filters)


@residences_router.post("/", response=responses({201: ResidenceOut}, write=True), summary="登记居住")
def residence_create(request, payload: ResidenceIn):
    residence = services.residence_create(
        actor=actor(request),
        person=resolve(selectors.person_list(user=request.user), payload.person, "person"),
        house=resolve(house_list(user=request.user), payload.house, "house"),
        relation=payload.relation,
        started_on=payload.started_on,
        is_primary=payload.is_primary,
        source=payload.source,
    )
    return Status(201, residence)


@residences_router.get("/{id}", response=responses({200: ResidenceOut}, path=True), summary="居住登记详情")
def residence_detail(request, id: PathId):
    return _residence(request, id)


@residences_router.patch(
    "/{id}", response=responses({200: ResidenceOut}, path=True, write=True), summary="修改居住登记"
)
def residence_update(request, id: PathId, payload: ResidencePatch):
    residence = _residence(request, id)
    fields = sent(payload)
    version = fields.pop("version", None)
    services.residence_update(actor=actor(request), residence=residence, expected_version=version, **fields)
    return residence


@residences_router.post(
    "/{id}/end",
    response=responses({200: ResidenceOut}, path=True, write=True),
    summary="迁出（结束居住登记）",
)
def residence_end(request, id: PathId, payload: EndOnIn):
    residence = _residence(request, id)
    services.residence_end(actor=actor(request), residence=residence, reason=payload.reason, on=payload.on)
    return residence


@residences_router.get(
    "/{id}/history", response=responses({200: ChangePage}, path=True), summary="居住登记变更记录"
)
def residence_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_residence(request, id), pagination)
