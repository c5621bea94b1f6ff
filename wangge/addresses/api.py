"""Standard addresses API (标准地址)."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from wangge.addresses import selectors, services
from wangge.addresses.engine import compare, parse, parse_many
from wangge.addresses.engine.match import match_many
from wangge.addresses.engine.parse import MAX_LENGTH as ADDRESS_MAX_LENGTH
from wangge.addresses.models import (
    AddressLevel,
    AddressMergeProposal,
    DuplicateKind,
    MergeStatus,
    StandardAddress,
)
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
    field_error,
    history_page,
    optional,
    page_of,
    paginate,
    resolve,
    responses,
    sent,
)
from wangge.transfer.api import ExportQuery, export, export_route

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


def _addresses(request, filters: AddressFilters):
    return selectors.address_list(
        user=request.user,
        q=filters.q,
        area=filters.area,
        level=filters.level,
        parent=filters.parent,
        current=filters.current,
    )


@router.get("/", response=responses({200: AddressPage}), summary="标准地址列表")
def address_list(request, filters: Query[AddressFilters]):
    return paginate(_addresses(request, filters), filters)


class AddressExport(AddressFilters, ExportQuery):
    pass


@export_route(router, "导出标准地址（与列表相同的筛选）")
def address_export(request, filters: Query[AddressExport]):
    return export(request, "addresses", _addresses(request, filters), filters)


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


# --- the address engine (docs/address-engine.md): stateless, reads no register record ----------------------

PARSE_BATCH = 1000
FreeText = Text(ADDRESS_MAX_LENGTH, description=f"自由文本地址，最多 {ADDRESS_MAX_LENGTH} 字")


class ElementOut(Schema):
    type: str = Field(
        description="province city district devzone town community village_group road road_no poi subpoi building unit floor room"
    )
    text: str
    start: int = Field(description="在输入中的起始字符位置（含）")
    end: int = Field(description="结束字符位置（不含）")


class ParsedOut(Schema):
    input: str
    elements: list[ElementOut]
    normalized: str = Field(description="规范化地址文本")
    division_code: str = Field(description="解析到的最深区划代码（6/9/12 位），无则为空")


class ParseIn(Input):
    text: FreeText | None = Field(None, description="一条地址（与 texts 二选一）")
    texts: list[FreeText] | None = Field(
        None, max_length=PARSE_BATCH, description=f"多条地址，最多 {PARSE_BATCH} 条（与 text 二选一）"
    )


class CompareIn(Input):
    a: FreeText = Field(...)
    b: FreeText = Field(...)


class CompareOut(Schema):
    relation: str = Field(description="exact=同一地点；partial=一方包含另一方；none=不同地点")
    score: float = Field(description="0–1")


@router.post(
    "/parse",
    response=responses({200: ParsedOut | list[ParsedOut]}),
    summary="解析地址（地址要素、规范化、区划代码）",
)
def address_parse(request, payload: ParseIn):
    if (payload.text is None) == (payload.texts is None):
        raise field_error("text", _("须提供 text 或 texts 其中之一。"))
    if payload.text is not None:
        return parse(payload.text).to_json()
    return [parsed.to_json() for parsed in parse_many(payload.texts)]


@router.post("/compare", response=responses({200: CompareOut}), summary="比较两个地址")
def address_compare(request, payload: CompareIn):
    relation, score = compare(payload.a, payload.b)
    return {"relation": relation, "score": score}


MATCH_BATCH = 1000


class MatchIn(Input):
    text: FreeText | None = Field(None, description="一条地址（与 texts 二选一）")
    texts: list[FreeText] | None = Field(
        None, max_length=MATCH_BATCH, description=f"多条地址，最多 {MATCH_BATCH} 条（与 text 二选一）"
    )
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="只在此区域编码前缀内匹配")


class MatchedAddressOut(Schema):
    id: int
    code: str
    full_text: str
    level: int = Field(description="1=街路巷；2=门牌；3=小区/院落；4=楼栋；5=单元；6=楼层；7=户室")


class MatchOut(Schema):
    address: MatchedAddressOut | None = Field(description="文本确定指向的最深一级标准地址；无法确定时为 null")
    score: float = Field(description="0–1：文本中的地址要素有多少被匹配到（模糊、推定的要素按比例计）")
    level: int | None = Field(description="匹配到的层级")
    complete: bool = Field(description="文本中的每个地址要素都已匹配（答案不是较高一级的地址）")
    reasons: list[str] = Field(description="说明：未找到的要素、歧义等")


@router.post(
    "/match",
    response=responses({200: MatchOut | list[MatchOut]}),
    summary="匹配标准地址（在您的范围内）",
)
def address_match(request, payload: MatchIn):
    if (payload.text is None) == (payload.texts is None):
        raise field_error("text", _("须提供 text 或 texts 其中之一。"))
    texts = [payload.text] if payload.text is not None else payload.texts
    results = [r.to_json() for r in match_many(texts, user=request.user, within=payload.area or None)]
    return results[0] if payload.text is not None else results


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


# --- duplicates and merges (/api/v1/address-merges/; house merges are /api/v1/house-merges/) ---------------

merge_router = Router(tags=["address merges 地址合并"])


class MergeFilters(Pagination):
    q: str = Field("", max_length=100, description="任一方的标准全称、编码包含")
    status: Literal[tuple(MergeStatus.values)] = optional(description="状态")
    kind: Literal[tuple(DuplicateKind.values)] = optional(description="发现方式")
    area: str = Field("", max_length=18, pattern=r"^[0-9]*$", description="区域编码前缀")


class MergeSideOut(Schema):
    id: int
    code: str = Field(description="地址编码（房屋：房屋编码）")
    text: str = Field(description="标准全称（房屋：所在地址）")
    level: int | None = Field(description="地址层级（房屋为 null）")
    ended_on: datetime.date | None
    end_reason: str


class MergeOut(Schema):
    id: int
    kind: str = Field(
        description="same_key=同级名称相同（规范后）；same_text=标准全称相同；same_address=一址多码"
    )
    key: str = Field(description="两者相同之处")
    status: str = Field(description="pending=待审核；approved=已合并；rejected=已驳回；superseded=已失效")
    a: MergeSideOut
    b: MergeSideOut
    survivor_id: int | None = Field(description="合并后保留的记录 id")
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    decided_by: str = Field(description="处理人用户名")
    decision_reason: str


class MergeDetailOut(MergeOut):
    a_moves: dict[str, int] = Field(description="合并甲时会迁移的记录数（您的范围内）")
    b_moves: dict[str, int] = Field(description="合并乙时会迁移的记录数（您的范围内）")


class DetectIn(Input):
    area: str = Field(
        "", max_length=18, pattern=r"^[0-9]*$", description="只在此区域编码前缀内查找；不填为您的全部范围"
    )


class DetectOut(Schema):
    addresses: int = Field(description="新发现的地址合并建议数")
    houses: int = Field(description="新发现的房屋合并建议（一址多码）数")


class ApproveIn(Input):
    survivor: Id = Field(description="保留的记录 id（须为甲、乙之一）")
    reason: Text(2000, description="说明（可不填）") = ""


class RejectIn(Input):
    reason: Text(2000, min_length=1, description="驳回原因") = Field(...)


MergePage = page_of(MergeOut, "AddressMergePage")


def address_side(address: StandardAddress) -> dict:
    return {
        "id": address.pk,
        "code": address.code,
        "text": address.full_text,
        "level": address.level,
        "ended_on": address.ended_on,
        "end_reason": address.end_reason,
    }


def merge_out(proposal, side) -> dict:
    first, second = proposal.records
    return {
        "id": proposal.pk,
        "kind": proposal.kind,
        "key": proposal.key,
        "status": proposal.status,
        "a": side(first),
        "b": side(second),
        "survivor_id": proposal.survivor_id,
        "created_at": proposal.created_at,
        "decided_at": proposal.decided_at,
        "decided_by": proposal.decided_by.username if proposal.decided_by else "",
        "decision_reason": proposal.decision_reason,
    }


def _merge(request, pk: int) -> AddressMergeProposal:
    return selectors.address_merge_detail(user=request.user, pk=pk)


def _merge_detail(request, proposal: AddressMergeProposal) -> dict:
    first, second = proposal.records
    return {
        **merge_out(proposal, address_side),
        "a_moves": selectors.address_merge_facts(user=request.user, address=first),
        "b_moves": selectors.address_merge_facts(user=request.user, address=second),
    }


@merge_router.get("/", response=responses({200: MergePage}), summary="地址合并建议列表")
def address_merge_list(request, filters: Query[MergeFilters]):
    proposals = selectors.address_merge_list(
        user=request.user,
        q=filters.q,
        status=filters.status or "",
        kind=filters.kind or "",
        area=filters.area,
    )
    page = paginate(proposals, filters)
    page["items"] = [merge_out(p, address_side) for p in page["items"]]
    return page


@merge_router.post(
    "/detect", response=responses({200: DetectOut}, forbidden=True), summary="查找重复地址与一址多码"
)
def address_merge_detect(request, payload: DetectIn):
    return services.find_duplicates(actor=actor(request), area=payload.area)


@merge_router.get("/{id}", response=responses({200: MergeDetailOut}, path=True), summary="地址合并建议详情")
def address_merge_detail(request, id: PathId):
    return _merge_detail(request, _merge(request, id))


@merge_router.post(
    "/{id}/approve",
    response=responses({200: MergeDetailOut}, path=True, write=True),
    summary="批准合并（选择保留的地址）",
)
def address_merge_approve(request, id: PathId, payload: ApproveIn):
    proposal = _merge(request, id)
    survivor = next((r for r in proposal.records if r.pk == payload.survivor), None)
    services.address_merge_approve(
        actor=actor(request), proposal=proposal, survivor=survivor, reason=payload.reason
    )
    return _merge_detail(request, _merge(request, id))


@merge_router.post(
    "/{id}/reject", response=responses({200: MergeDetailOut}, path=True, write=True), summary="驳回合并建议"
)
def address_merge_reject(request, id: PathId, payload: RejectIn):
    services.merge_reject(actor=actor(request), proposal=_merge(request, id), reason=payload.reason)
    return _merge_detail(request, _merge(request, id))


@merge_router.get(
    "/{id}/history", response=responses({200: ChangePage}, path=True), summary="地址合并建议变更记录"
)
def address_merge_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_merge(request, id), pagination)
