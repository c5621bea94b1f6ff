"""Import of actual housing, and how the people importer finds the house a row names."""

from dataclasses import replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.addresses.importers import ADDRESS_CODE, ADDRESS_TEXT, EXAMPLE_ADDRESS, resolve_addresses
from wangge.core.bulk import fetch_in, in_scope, scope_grid_ids
from wangge.housing.models import House, HouseUse, RentalStatus
from wangge.housing.services import houses_import
from wangge.transfer.columns import Column, choices_of
from wangge.transfer.exports import ExportColumn, ExportList, display, ended
from wangge.transfer.importing import Importer, Row

HOUSE_CODE = Column(
    key="house_code",
    header="房屋编码",
    variants=("房屋代码", "房屋编号", "房屋号"),
    kind="code",
    max_length=64,
    help=gettext_lazy("房屋的编码；填了编码就不再按地址查找。"),
)


def resolve_houses(rows: list[Row], *, actor) -> None:
    """Set row.values["house_obj"] from the house code, or else from the address (code or text): the one
    current house on it. Problems are named on the column the row used."""
    scope = scope_grid_ids(actor)
    codes = {r.values["house_code"] for r in rows if "house_code" in r.values}
    by_code = {
        h.house_code: h for h in fetch_in(House.objects.select_related("address"), "house_code", codes)
    }
    for row in rows:
        code = row.values.get("house_code")
        if code is None:
            continue
        house = by_code.get(code)
        if house is None:
            row.reject("house_code", _("没有这个房屋编码。"))
        elif not in_scope(scope, house.grid_id):
            row.reject("house_code", _("房屋不在您的管辖范围内。"))
        else:
            row.values["house_obj"] = house
            row.values["_house_column"] = "house_code"
    by_address = [r for r in rows if not r.errors and "house_code" not in r.values]
    resolve_addresses(by_address, actor=actor)
    located = [r for r in by_address if "address_obj" in r.values]
    houses: dict[int, list[House]] = {}
    current = House.objects.filter(ended_on__isnull=True)
    for house in fetch_in(current, "address_id", {r.values["address_obj"].pk for r in located}):
        houses.setdefault(house.address_id, []).append(house)
    for row in located:
        column = row.values["_address_column"]
        found = houses.get(row.values["address_obj"].pk, [])
        if len(found) == 1:
            # The address is already in hand: no join to fetch it again for every house.
            found[0].address = row.values["address_obj"]
            row.values["house_obj"] = found[0]
            row.values["_house_column"] = column
        elif found:
            row.reject(column, _("该地址上有多处房屋，请填写房屋编码。"))
        else:
            row.reject(column, _("该地址上没有登记房屋，请先登记（或导入）房屋。"))


class HouseImporter(Importer):
    kind = "houses"
    label = gettext_lazy("实有房屋")
    sheet_name = "实有房屋"
    intro = gettext_lazy(
        "每行一处房屋，登记在楼栋级或户室级标准地址上（填地址编码或地址全文）。"
        "已有房屋按房屋编码找到；不填编码时，指该地址上现有的唯一一处房屋，没有则新建并生成编码。"
    )
    columns = [
        HOUSE_CODE,
        ADDRESS_CODE,
        replace(ADDRESS_TEXT, example=EXAMPLE_ADDRESS),
        Column(
            key="use",
            header="房屋用途",
            variants=("用途", "房屋类型"),
            kind="choice",
            choices=choices_of(HouseUse),
            aliases=(("住房", "dwelling"), ("商业", "shop"), ("门面", "shop"), ("工业", "factory")),
            example="住宅",
        ),
        Column(
            key="rental_status",
            header="使用状态",
            variants=("使用情况", "出租情况", "房屋状态", "居住状态"),
            kind="choice",
            choices=choices_of(RentalStatus),
            aliases=(("出租屋", "rented"), ("闲置", "empty"), ("空房", "empty")),
            example="出租",
        ),
        Column(
            key="owner_name",
            header="房主姓名",
            variants=("房主", "产权人", "业主", "业主姓名", "产权人姓名"),
            max_length=100,
        ),
        Column(
            key="owner_phone",
            header="房主电话",
            variants=("房主手机", "房主联系电话", "业主电话", "产权人电话"),
            kind="phone",
            max_length=32,
        ),
        Column(key="rooms", header="房间数", variants=("间数", "房间数量"), kind="int", example="2"),
        Column(
            key="floor_area",
            header="建筑面积",
            variants=("面积", "建筑面积（平方米）", "房屋面积"),
            kind="decimal",
            help=gettext_lazy("平方米，最多两位小数。"),
            example="65.5",
        ),
    ]
    required_any = [("house_code", "address_code", "address")]

    def apply(self, rows, *, actor, commit, report=None):
        resolve_addresses(
            [r for r in rows if "address_code" in r.values or "address" in r.values], actor=actor
        )
        # A row with only a house code updates that house where it is.
        by_code_only = [
            r for r in rows if not r.errors and "address_obj" not in r.values and "house_code" in r.values
        ]
        known = fetch_in(
            House.objects.select_related("address"),
            "house_code",
            (r.values["house_code"] for r in by_code_only),
        )
        addresses = {h.house_code: h.address for h in known}
        for row in by_code_only:
            if row.values["house_code"] in addresses:
                row.values["address_obj"] = addresses[row.values["house_code"]]
                row.values["_address_column"] = "house_code"
        for row in rows:
            if not row.errors and "address_obj" not in row.values:
                row.reject("address", _("请填写地址编码或地址。"))
        accepted = [r for r in rows if not r.errors]
        fields = ("use", "rental_status", "owner_name", "owner_phone", "rooms", "floor_area")
        service_rows = [
            {
                "address": r.values["address_obj"],
                "house_code": r.values.get("house_code", ""),
                **{k: r.values[k] for k in fields if k in r.values},
            }
            for r in accepted
        ]
        outcomes = houses_import(actor=actor, rows=service_rows, commit=commit, report=report)
        for row, outcome in zip(accepted, outcomes, strict=True):
            column = row.values["_address_column"]
            # Without a house code in the row, "which house" is a question about its address.
            row.take(
                outcome,
                fields={
                    "address": column,
                    "house_code": "house_code" if "house_code" in row.values else column,
                },
            )


HOUSES_EXPORT = ExportList(
    name="houses",
    title=gettext_lazy("实有房屋"),
    model=House,
    import_kind="houses",
    prepare=lambda queryset: queryset.select_related("address", "grid"),
    columns=[
        ExportColumn("房屋编码", lambda h: h.house_code),
        ExportColumn("地址编码", lambda h: h.address.code),
        ExportColumn("地址", lambda h: h.address.full_text),
        ExportColumn("房屋用途", lambda h: display(h, "use")),
        ExportColumn("使用状态", lambda h: display(h, "rental_status")),
        ExportColumn("房主姓名", lambda h: h.owner_name),
        ExportColumn("房主电话", lambda h: h.owner_phone, sensitive="phone"),
        ExportColumn("房间数", lambda h: h.rooms),
        ExportColumn("建筑面积", lambda h: h.floor_area),
        ExportColumn("采集网格", lambda h: h.grid.code),
        ExportColumn("注销日期", ended),
    ],
)
