"""Import of actual units (实有单位)."""

from dataclasses import replace

from django.utils.translation import gettext_lazy

from wangge.addresses.importers import ADDRESS_CODE, ADDRESS_TEXT, EXAMPLE_ADDRESS, resolve_addresses
from wangge.transfer.columns import Column, choices_of
from wangge.transfer.exports import ExportColumn, ExportList, display, ended
from wangge.transfer.importing import Importer
from wangge.units.models import Employment, Unit, UnitKind
from wangge.units.services import units_import

UNIT_KEYS = ("credit_code", "name", "kind", "contact_name", "contact_phone", "staff_count")


class UnitImporter(Importer):
    kind = "units"
    label = gettext_lazy("实有单位")
    sheet_name = "实有单位"
    intro = gettext_lazy(
        "每行一个单位，按统一社会信用代码识别；没有代码的，按同一地址上的同名单位识别。"
        "地址填地址编码或地址全文之一；地址不同则迁到新地址。"
    )
    columns = [
        Column(
            key="name",
            header="单位名称",
            variants=("名称", "单位", "企业名称", "商户名称", "店名"),
            required=True,
            max_length=200,
            example="示例便利店",
        ),
        Column(
            key="credit_code",
            header="统一社会信用代码",
            variants=("信用代码", "社会信用代码", "统一信用代码", "营业执照号"),
            kind="code",
            max_length=18,
            help=gettext_lazy("18 位；个体摊点没有可不填。"),
        ),
        Column(
            key="kind",
            header="单位类型",
            variants=("类型", "单位类别", "行业类别"),
            kind="choice",
            choices=choices_of(UnitKind),
            aliases=(("公司", "firm"), ("个体户", "shop"), ("商户", "shop"), ("店铺", "shop")),
            help=gettext_lazy("新登记的单位必填。"),
            example="个体商户",
        ),
        ADDRESS_CODE,
        replace(ADDRESS_TEXT, example=EXAMPLE_ADDRESS),
        Column(
            key="contact_name",
            header="联系人",
            variants=("负责人", "法定代表人", "法人", "联系人姓名"),
            max_length=100,
        ),
        Column(
            key="contact_phone",
            header="联系电话",
            variants=("电话", "手机", "联系人电话", "负责人电话", "联系方式"),
            kind="phone",
            max_length=32,
        ),
        Column(key="staff_count", header="从业人数", variants=("员工人数", "职工人数", "人数"), kind="int"),
    ]
    required_any = [("address_code", "address")]

    def apply(self, rows, *, actor, commit, report=None):
        resolve_addresses(rows, actor=actor)
        accepted = [r for r in rows if not r.errors]
        service_rows = [
            {"address": r.values.get("address_obj"), **{k: r.values[k] for k in UNIT_KEYS if k in r.values}}
            for r in accepted
        ]
        outcomes = units_import(actor=actor, rows=service_rows, commit=commit, report=report)
        for row, outcome in zip(accepted, outcomes, strict=True):
            row.take(outcome, fields={"address": row.values.get("_address_column", "address")})


UNITS_EXPORT = ExportList(
    name="units",
    title=gettext_lazy("实有单位"),
    model=Unit,
    import_kind="units",
    prepare=lambda queryset: queryset.select_related("address", "grid"),
    columns=[
        ExportColumn("单位名称", lambda u: u.name),
        ExportColumn("统一社会信用代码", lambda u: u.credit_code or ""),
        ExportColumn("单位类型", lambda u: display(u, "kind")),
        ExportColumn("地址编码", lambda u: u.address.code),
        ExportColumn("地址", lambda u: u.address.full_text),
        ExportColumn("联系人", lambda u: u.contact_name),
        ExportColumn("联系电话", lambda u: u.contact_phone, sensitive="phone"),
        ExportColumn("从业人数", lambda u: u.staff_count),
        ExportColumn("采集网格", lambda u: u.grid.code),
        ExportColumn("注销日期", ended),
    ],
)

EMPLOYMENTS_EXPORT = ExportList(
    name="employments",
    title=gettext_lazy("从业登记"),
    model=Employment,
    prepare=lambda queryset: queryset.select_related("person", "unit"),
    columns=[
        ExportColumn("姓名", lambda e: e.person.name),
        ExportColumn("身份证号", lambda e: e.person.id_number, sensitive="id"),
        ExportColumn("单位名称", lambda e: e.unit.name),
        ExportColumn("统一社会信用代码", lambda e: e.unit.credit_code or ""),
        ExportColumn("岗位", lambda e: e.position),
        ExportColumn("入职日期", lambda e: e.hired_on),
        ExportColumn("离职日期", ended),
    ],
)
