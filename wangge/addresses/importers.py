"""Import of standard addresses, and how every importer turns an address column into a standard address."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.addresses.models import AddressLevel, StandardAddress, normalise_text
from wangge.addresses.services import addresses_import
from wangge.areas.models import Area, AreaLevel
from wangge.core.bulk import fetch_in, in_scope, scope_grid_ids
from wangge.transfer.columns import Column
from wangge.transfer.exports import ExportColumn, ExportList, display, ended
from wangge.transfer.importing import Importer, Row

# Template examples carry 示例 so that a left-in example row can never be mistaken for real data.
EXAMPLE_ADDRESS = "示例路8号1号楼301室"
ADDRESS_CODE = Column(
    key="address_code",
    header="地址编码",
    variants=("标准地址编码", "地址代码"),
    kind="code",
    max_length=48,
    help=gettext_lazy("标准地址的编码；填了编码就不再按地址文字匹配。"),
)
ADDRESS_TEXT = Column(
    key="address",
    header="地址",
    variants=(
        "现住址",
        "居住地址",
        "详细地址",
        "现居住地址",
        "住址",
        "居住地",
        "标准地址",
        "单位地址",
        "房屋地址",
    ),
    max_length=300,
    help=gettext_lazy("地址全文，由地址引擎匹配到标准地址（只在您的管辖范围内匹配）。"),
)

# Bare numbers in a level's column get the level's usual word: 门牌 8 → 8号, 楼栋 3 → 3号楼.
LEVEL_SUFFIX = {
    AddressLevel.DOOR_PLATE: "号",
    AddressLevel.BUILDING: "号楼",
    AddressLevel.UNIT: "单元",
    AddressLevel.FLOOR: "层",
    AddressLevel.ROOM: "室",
}
LEVEL_HELP = gettext_lazy(
    "本级名称；门牌、楼栋、单元、楼层、户室只填数字时，自动加上号、号楼、单元、层、室。"
)
PATH_COLUMNS = [
    ("road", AddressLevel.ROAD, "街路巷", ("街路巷名称", "道路", "路名", "街路巷（村）", "街巷")),
    ("door_plate", AddressLevel.DOOR_PLATE, "门牌号", ("门牌", "门牌号码", "门楼牌号")),
    ("compound", AddressLevel.COMPOUND, "小区", ("小区/院落", "小区名称", "院落", "小区（院落）")),
    ("building", AddressLevel.BUILDING, "楼栋", ("楼栋号", "栋", "幢", "楼号")),
    ("unit", AddressLevel.UNIT, "单元", ("单元号",)),
    ("floor", AddressLevel.FLOOR, "楼层", ("层", "所在楼层")),
    ("room", AddressLevel.ROOM, "户室", ("户室号", "室", "房号", "门牌室号")),
]


def match_texts(texts: list[str], *, user) -> dict[str, tuple[StandardAddress | None, str]]:
    """Each distinct text → (the standard address it certainly denotes, or None with the reason).

    Matched first inside the user's scope; a text that only matches outside it is refused with a sentence
    that says no more than that (the address found elsewhere is never shown)."""
    from wangge.addresses.engine.match import match_many

    result: dict[str, tuple[StandardAddress | None, str]] = {}
    if not texts:
        return result
    unmatched = []
    for text, found in zip(texts, match_many(texts, user=user), strict=True):
        if found.address is not None and found.complete:
            result[text] = (found.address, "")
        else:
            unmatched.append(text)
            result[text] = (None, "；".join(str(r) for r in found.reasons) or _("没有匹配的标准地址。"))
    if unmatched and user is not None:
        for text, found in zip(unmatched, match_many(unmatched), strict=True):
            if found.address is not None and found.complete:
                result[text] = (None, _("地址不在您的管辖范围内。"))
    return result


def resolve_addresses(rows: list[Row], *, actor, target: str = "address_obj") -> None:
    """Set row.values[target] from the address code, or else the address text (matched through the engine);
    a row naming an address it may not see, an unknown code or an unmatched text is rejected on that column."""
    scope = scope_grid_ids(actor)
    codes = {r.values["address_code"] for r in rows if "address_code" in r.values}
    by_code = {a.code: a for a in fetch_in(StandardAddress.objects.select_related("grid"), "code", codes)}
    texts = sorted(
        {r.values["address"] for r in rows if "address" in r.values and "address_code" not in r.values}
    )
    matched = match_texts(texts, user=actor.user)
    for row in rows:
        if "address_code" in row.values:
            key, address = "address_code", by_code.get(row.values["address_code"])
            if address is None:
                row.reject(key, _("没有这个地址编码。"))
                continue
        elif "address" in row.values:
            key = "address"
            address, reason = matched[row.values["address"]]
            if address is None:
                row.reject(key, reason)
                continue
        else:
            continue
        if not in_scope(scope, address.grid_id):
            row.reject(key, _("地址不在您的管辖范围内。"))
        elif address.ended_on:
            row.reject(key, _("该标准地址已注销。"))
        else:
            row.values[target] = address
            row.values["_address_column"] = key


def resolve_grids(rows: list[Row], *, actor) -> None:
    """The grid column: an 18-digit code, or a grid's name when only one grid the user sees bears it."""
    grids = Area.objects.visible_to(actor.user) if actor.user is not None else Area.objects.all()
    grids = grids.filter(level=AreaLevel.GRID)
    wanted = {r.values["grid"] for r in rows if "grid" in r.values}
    by_code = {g.code: g for g in fetch_in(grids, "code", {w for w in wanted if w.isdigit()})}
    by_name: dict[str, list[Area]] = {}
    for g in fetch_in(grids, "name", {w for w in wanted if not w.isdigit()}):
        by_name.setdefault(g.name, []).append(g)
    for row in rows:
        if "grid" not in row.values:
            continue
        text = row.values["grid"]
        found = [by_code[text]] if text in by_code else by_name.get(text, [])
        if len(found) == 1:
            row.values["grid"] = found[0]
        elif found:
            row.reject("grid", _("有多个采集网格叫这个名称，请填写网格编码。"))
        else:
            row.reject("grid", _("没有这个采集网格（或不在您的管辖范围内）。"))


def level_name(level: int, text: str) -> str:
    name = normalise_text(text)
    if re.fullmatch(r"[0-9]+[A-Za-z]?|[A-Za-z]", name) and level in LEVEL_SUFFIX:
        return name + LEVEL_SUFFIX[level]
    return name


class AddressImporter(Importer):
    kind = "addresses"
    label = gettext_lazy("标准地址")
    sheet_name = "标准地址"
    intro = gettext_lazy(
        "每行一个地址，从街路巷起逐级填写（没有的层级留空）；不存在的各级地址自动新建并编码。"
        "已有的地址按各级名称找到，可更新经纬度。填“地址编码”则按编码找到已有地址。"
    )
    columns = [
        Column(
            key="grid",
            header="采集网格",
            variants=("采集网格编码", "网格编码", "所属网格", "网格", "网格名称"),
            kind="code",
            max_length=100,
            help=gettext_lazy("采集网格的 18 位编码，或名称（名称唯一时）；新建地址时必填。"),
            example="350205001001001001",
        ),
        *[
            Column(
                key=key,
                header=header,
                variants=variants,
                max_length=100,
                help=LEVEL_HELP,
                example={"road": "示例路", "door_plate": "8号", "building": "1号楼", "room": "301室"}.get(
                    key, ""
                ),
            )
            for key, level, header, variants in PATH_COLUMNS
        ],
        Column(
            key="code",
            header="地址编码",
            variants=("标准地址编码",),
            kind="code",
            max_length=48,
            help=gettext_lazy("已有地址的编码；新地址不填，由系统生成。"),
        ),
        Column(key="longitude", header="经度", kind="decimal", help=gettext_lazy("WGS 84，如 118.03。")),
        Column(key="latitude", header="纬度", kind="decimal", help=gettext_lazy("WGS 84，如 24.48。")),
    ]
    required_any = [("road", "code")]

    def apply(self, rows, *, actor, commit, report=None):
        resolve_grids(rows, actor=actor)
        accepted = [r for r in rows if not r.errors]
        service_rows = []
        for row in accepted:
            values = row.values
            path = [
                (level, level_name(level, values[key]))
                for key, level, *_rest in PATH_COLUMNS
                if key in values
            ]
            service_rows.append(
                {
                    "grid": values.get("grid"),
                    "path": path,
                    "code": values.get("code") or None,
                    "latitude": values.get("latitude"),
                    "longitude": values.get("longitude"),
                }
            )
        outcomes = addresses_import(actor=actor, rows=service_rows, commit=commit, report=report)
        for row, outcome in zip(accepted, outcomes, strict=True):
            row.take(outcome, fields={"path": _path_column(row)})


def _path_column(row: Row) -> str:
    """A problem with the path is shown on its deepest column."""
    present = [key for key, *_rest in PATH_COLUMNS if key in row.values]
    return present[-1] if present else "road"


ADDRESSES_EXPORT = ExportList(
    name="addresses",
    title=gettext_lazy("标准地址"),
    model=StandardAddress,
    import_kind="addresses",
    prepare=lambda queryset: queryset.select_related("grid"),
    columns=[
        ExportColumn("地址编码", lambda a: a.code),
        ExportColumn("层级", lambda a: display(a, "level")),
        ExportColumn("名称", lambda a: a.name),
        ExportColumn("标准全称", lambda a: a.full_text),
        ExportColumn("采集网格", lambda a: a.grid.code),
        ExportColumn("经度", lambda a: a.longitude),
        ExportColumn("纬度", lambda a: a.latitude),
        ExportColumn("注销日期", ended),
    ],
)
