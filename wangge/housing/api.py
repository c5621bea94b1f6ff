"""Actual housing API (实有房屋)."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status

from wangge.addresses.api import ApproveIn, MergeFilters, MergeOut, RejectIn, merge_out
from wangge.addresses.selectors import address_list
from wangge.addresses.services import merge_reject
from wangge.core.api import (
    MAX_ID,
    ChangePage,
    EndIn,
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
from wangge.housing import selectors, services
from wangge.housing.models import House, HouseMergeProposal, HouseUse, RentalStatus
from wangge.people.selectors import person_list
from wangge.transfer.api import ExportQuery, export, export_route

router = Router(tags=["houses 实有房屋"])

Use = choice(HouseUse, description="房屋用途")
Rental = choice(RentalStatus, description="使用状态")
Rooms = Annotated[int, Field(strict=True, ge=1, le=32767, description="房间数")]
FloorArea = Annotated[
    float, Field(strict=True, allow_inf_nan=False, ge=0, le=1_000_000, description="建筑面积（平方米）")
]


def area_value(value: float | None) -> Decimal | None:
    # Two decimals, as the column keeps them.
    return None if value is None else round(Decimal(str(value)), 2)


class HouseOut(Schema):
    id: int
    house_code: str
    address_id: int
    address_text: str
    grid_id: int
    grid_name: str
    use: str = Field(
        description="dwelling=住宅；shop=商铺；factory=厂房；dormitory=宿舍；office=办公；mixed=混合用途；other=其他"
    )
    owner_id: int | None
    owner_name: str
    owner_phone: str = Field(description="打码显示；明文见 POST /houses/{id}/reveal")
    rental_status: str = Field(
        description="owner_occupied=自住；rented=出租；partly_rented=部分出租；empty=空置；lent=借住；other=其他"
    )
    rooms: int | None
    floor_area: float | None
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
    def resolve_owner_phone(obj):
        return masked(obj, "owner_phone")


class HouseFilters(Pagination):
    q: str = Field("", max_length=100, description="房屋编码、地址或房主姓名包含")
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")
    use: Literal[tuple(HouseUse.values)] = optional(description="房屋用途")
    rental_status: Literal[tuple(RentalStatus.values)] = optional(description="使用状态")
    address: int = optional(ge=1, le=MAX_ID, description="标准地址 id")
    current: bool = optional(description="true=仅未注销；false=仅已注销")


class HouseIn(Input):
    address: Id = Field(description="楼栋级或户室级标准地址 id")
    house_code: Text(64, description="房屋编码；不填则按地址编码生成") = ""
    use: Use = HouseUse.DWELLING.value
    owner: Id = optional(description="房主（实有人口 id）")
    owner_name: Text(100) = ""
    owner_phone: Text(32, description="手机或固话") = ""
    rental_status: Rental = RentalStatus.OWNER_OCCUPIED.value
    rooms: Rooms | None = None
    floor_area: FloorArea | None = None


class HousePatch(Input):
    use: Use = optional()
    owner: Id | None = optional(description="房主（实有人口 id）；null 清除")
    owner_name: Text(100) = optional()
    owner_phone: Text(32) = optional()
    rental_status: Rental = optional()
    rooms: Rooms | None = optional()
    floor_area: FloorArea | None = optional()
    version: Id = optional(description="读取时的版本号；已被他人修改时返回 422（字段 version）")


class HouseRevealIn(Input):
    field: Literal["owner_phone"] = Field(description="要查看明文的字段")


HousePage = page_of(HouseOut)


def _detail(request, pk: int) -> House:
    return selectors.house_detail(user=request.user, pk=pk)


def _owner(request, pk):
    return resolve(person_list(user=request.user), pk, "owner")


def _houses(request, filters: HouseFilters):
    return selectors.house_list(
        user=request.user,
        q=filters.q,
        area=filters.area,
        use=filters.use or "",
        rental_status=filters.rental_status or "",
        address=filters.address,
        current=filters.current,
    )


@router.get("/", response=responses({200: HousePage}), summary="实有房屋列表")
def house_list(request, filters: Query[HouseFilters]):
    return paginate(_houses(request, filters), filters)


class HouseExport(HouseFilters, ExportQuery):
    pass


@export_route(router, "导出实有房屋（与列表相同的筛选；电话打码）")
def house_export(request, filters: Query[HouseExport]):
    return export(request, "houses", _houses(request, filters), filters)


@router.post("/", response=responses({201: HouseOut}, write=True), summary="登记实有房屋")
def house_create(request, payload: HouseIn):
    fields = payload.model_dump(exclude={"address", "house_code"})
    fields["owner"] = _owner(request, payload.owner)
    fields["floor_area"] = area_value(payload.floor_area)
    house = services.house_create(
        actor=actor(request),
        address=resolve(address_list(user=request.user), payload.address, "address"),
        house_code=payload.house_code,
        **fields,
    )
    return Status(201, house)


@router.get("/{id}", response=responses({200: HouseOut}, path=True), summary="实有房屋详情")
def house_detail(request, id: PathId):
    return _detail(request, id)


@router.patch("/{id}", response=responses({200: HouseOut}, path=True, write=True), summary="修改实有房屋")
def house_update(request, id: PathId, payload: HousePatch):
    house = _detail(request, id)
    fields = sent(payload)
    version = fields.pop("version", None)
    if "owner" in fields:
        fields["owner"] = _owner(request, fields["owner"])
    if "floor_area" in fields:
        fields["floor_area"] = area_value(fields["floor_area"])
    services.house_update(actor=actor(request), house=house, expected_version=version, **fields)
    return house


@router.post("/{id}/end", response=responses({200: HouseOut}, path=True, write=True), summary="注销实有房屋")
def house_end(request, id: PathId, payload: EndIn):
    house = _detail(request, id)
    services.house_end(actor=actor(request), house=house, reason=payload.reason)
    return house


@router.post(
    "/{id}/reveal",
    response=responses({200: RevealOut}, path=True, forbidden=True),
    summary="查看房主电话明文",
)
def house_reveal(request, id: PathId, payload: HouseRevealIn):
    house = _detail(request, id)
    value = reveal_field(house, actor=actor(request), field=payload.field)
    return {"field": payload.field, "value": value}


@router.get("/{id}/history", response=responses({200: ChangePage}, path=True), summary="实有房屋变更记录")
def house_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_detail(request, id), pagination)


# --- "one address, several house codes": merges (/api/v1/house-merges/) -------------------------------------
# Found by POST /api/v1/address-merges/detect, which looks for both kinds of duplicates.

merge_router = Router(tags=["house merges 房屋合并（一址多码）"])

HouseMergePage = page_of(MergeOut, "HouseMergePage")


class HouseMergeDetailOut(MergeOut):
    a_moves: dict[str, int] = Field(description="甲上的居住登记数：people=在住，past=曾住（您的范围内）")
    b_moves: dict[str, int] = Field(description="乙上的居住登记数：people=在住，past=曾住（您的范围内）")


def house_side(house: House) -> dict:
    return {
        "id": house.pk,
        "code": house.house_code,
        "text": house.address.full_text,
        "level": None,
        "ended_on": house.ended_on,
        "end_reason": house.end_reason,
    }


def _merge(request, pk: int) -> HouseMergeProposal:
    return selectors.house_merge_detail(user=request.user, pk=pk)


def _merge_detail(request, proposal: HouseMergeProposal) -> dict:
    first, second = proposal.records
    return {
        **merge_out(proposal, house_side),
        "a_moves": selectors.house_merge_facts(user=request.user, house=first),
        "b_moves": selectors.house_merge_facts(user=request.user, house=second),
    }


@merge_router.get("/", response=responses({200: HouseMergePage}), summary="房屋合并建议列表")
def house_merge_list(request, filters: Query[MergeFilters]):
    proposals = selectors.house_merge_list(
        user=request.user,
        q=filters.q,
        status=filters.status or "",
        kind=filters.kind or "",
        area=filters.area,
    )
    page = paginate(proposals.select_related("house_a__address", "house_b__address"), filters)
    page["items"] = [merge_out(p, house_side) for p in page["items"]]
    return page


@merge_router.get(
    "/{id}", response=responses({200: HouseMergeDetailOut}, path=True), summary="房屋合并建议详情"
)
def house_merge_detail(request, id: PathId):
    return _merge_detail(request, _merge(request, id))


@merge_router.post(
    "/{id}/approve",
    response=responses({200: HouseMergeDetailOut}, path=True, write=True),
    summary="批准合并（选择保留的房屋编码）",
)
def house_merge_approve(request, id: PathId, payload: ApproveIn):
    proposal = _merge(request, id)
    survivor = next((r for r in proposal.records if r.pk == payload.survivor), None)
    services.house_merge_approve(
        actor=actor(request), proposal=proposal, survivor=survivor, reason=payload.reason
    )
    return _merge_detail(request, _merge(request, id))


@merge_router.post(
    "/{id}/reject",
    response=responses({200: HouseMergeDetailOut}, path=True, write=True),
    summary="驳回合并建议",
)
def house_merge_reject(request, id: PathId, payload: RejectIn):
    merge_reject(actor=actor(request), proposal=_merge(request, id), reason=payload.reason)
    return _merge_detail(request, _merge(request, id))


@merge_router.get(
    "/{id}/history", response=responses({200: ChangePage}, path=True), summary="房屋合并建议变更记录"
)
def house_merge_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_merge(request, id), pagination)
