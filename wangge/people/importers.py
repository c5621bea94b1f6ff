"""Import of actual population with where each person lives (居住登记)."""

from dataclasses import replace

from django.db.models import OuterRef, Subquery
from django.utils import translation
from django.utils.translation import gettext_lazy

from wangge.addresses.importers import ADDRESS_CODE, ADDRESS_TEXT, EXAMPLE_ADDRESS
from wangge.housing.importers import HOUSE_CODE, resolve_houses
from wangge.people.choices import ETHNICITIES, Category, IdType, Relation, Sex
from wangge.people.models import Person, Residence
from wangge.people.services import people_import_plan, people_import_write
from wangge.transfer.columns import Column, choices_of
from wangge.transfer.exports import ExportColumn, ExportList, display, ended
from wangge.transfer.importing import Importer

PERSON_KEYS = (
    "id_type",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "hukou_address",
    "hukou_division",
    "category",
)


def short_ethnicities() -> tuple[tuple[str, str], ...]:
    """汉 for 汉族: the short names people write."""
    with translation.override("zh-hans"):
        labels = [(str(label), value) for value, label in ETHNICITIES]
    return tuple((label.removesuffix("族"), value) for label, value in labels if label.endswith("族"))


class PersonImporter(Importer):
    kind = "people"
    label = gettext_lazy("实有人口及居住登记")
    sheet_name = "实有人口"
    intro = gettext_lazy(
        "每行一人，按证件号码识别：未登记的人新建，并在所填房屋登记居住；已登记的人更新所填的信息，"
        "房屋不同则办理迁居（原居住登记以新的入住日期结束）。房屋填房屋编码、地址编码或地址全文之一。"
    )
    columns = [
        Column(
            key="name",
            header="姓名",
            variants=("名字", "人员姓名", "居民姓名"),
            required=True,
            max_length=100,
            example="张三（示例）",
        ),
        Column(
            key="id_type",
            header="证件类型",
            variants=("证件种类",),
            kind="choice",
            choices=choices_of(IdType),
            aliases=(("身份证", "resident_id"), ("二代身份证", "resident_id")),
            help=gettext_lazy("不填即居民身份证。"),
        ),
        Column(
            key="id_number",
            header="身份证号",
            variants=("公民身份号码", "身份证号码", "证件号码", "证件号", "身份证", "公民身份证号"),
            required=True,
            kind="code",
            max_length=32,
            help=gettext_lazy("居民身份证校验 18 位与校验位；请把该列设为“文本”格式。"),
            example="350205199005179016",
        ),
        Column(
            key="sex",
            header="性别",
            kind="choice",
            choices=choices_of(Sex),
            aliases=(("男性", "male"), ("女性", "female")),
            help=gettext_lazy("居民身份证以证件为准。"),
        ),
        Column(
            key="birth_date",
            header="出生日期",
            variants=("出生年月日", "生日"),
            kind="date",
            help=gettext_lazy("居民身份证以证件为准。"),
        ),
        Column(
            key="ethnicity",
            header="民族",
            kind="choice",
            choices=choices_of(ETHNICITIES),
            aliases=short_ethnicities(),
            example="汉族",
        ),
        Column(
            key="phone",
            header="手机",
            variants=("手机号", "手机号码", "联系电话", "电话", "电话号码", "联系方式", "移动电话"),
            kind="phone",
            max_length=32,
            example="13812345678",
        ),
        Column(
            key="hukou_address",
            header="户籍地址",
            variants=("户籍地", "户籍地详址", "户口所在地", "户籍所在地", "户籍详址"),
            max_length=200,
        ),
        Column(
            key="hukou_division",
            header="户籍地区划代码",
            variants=("户籍区划", "户籍地区划"),
            kind="code",
            max_length=12,
        ),
        Column(
            key="category",
            header="人员类别",
            variants=("人口类别", "人员类型", "人口类型", "类别"),
            kind="choice",
            choices=choices_of(Category),
            aliases=(
                ("户籍", "registered"),
                ("常住人口", "registered"),
                ("流动", "migrant"),
                ("外来人口", "migrant"),
                ("暂住人口", "migrant"),
                ("境外", "overseas"),
                ("未落户", "unsettled"),
            ),
            help=gettext_lazy("不填：新登记的人为户籍人口，已登记的人不变。"),
            example="流动人口",
        ),
        HOUSE_CODE,
        ADDRESS_CODE,
        replace(ADDRESS_TEXT, example=EXAMPLE_ADDRESS),
        Column(
            key="relation",
            header="与房屋关系",
            variants=("与房主关系", "居住关系", "人房关系", "关系"),
            kind="choice",
            choices=choices_of(Relation),
            aliases=(
                ("户主", "owner"),
                ("业主", "owner"),
                ("产权人", "owner"),
                ("租户", "tenant"),
                ("承租人", "tenant"),
                ("租住", "tenant"),
                ("家属", "family"),
                ("亲属", "family"),
                ("寄住", "lodger"),
                ("宿舍", "staff_dormitory"),
                ("单位宿舍", "staff_dormitory"),
            ),
            help=gettext_lazy("登记居住时必填。"),
            example="租客",
        ),
        Column(
            key="started_on",
            header="入住日期",
            variants=("入住时间", "居住日期", "起住日期", "来本地日期", "入住"),
            kind="date",
            help=gettext_lazy("登记居住时必填；如 2024-01-05、2024/1/5、20240105。"),
            example="2024-03-01",
        ),
    ]
    required_any = [("house_code", "address_code", "address")]

    def apply(self, rows, *, actor, commit, report=None):
        resolve_houses(rows, actor=actor)
        accepted = [r for r in rows if not r.errors]
        service_rows = []
        for row in accepted:
            values = row.values
            service_row = {k: values[k] for k in PERSON_KEYS if k in values}
            for key in ("relation", "started_on"):
                if key in values:
                    service_row[key] = values[key]
            if "house_obj" in values:
                service_row["house"] = values["house_obj"]
            service_rows.append(service_row)
        outcomes, writes = people_import_plan(actor=actor, rows=service_rows)
        for row, outcome in zip(accepted, outcomes, strict=True):
            row.take(outcome, fields={"house": row.values.get("_house_column", "house_code")})
        if commit:
            self.write(writes, actor=actor, report=report)
            return None
        # What the commit writes, kept by the preview for its commit (transfer.plans).
        return writes

    def write(self, plan, *, actor, report=None):
        people_import_write(actor=actor, writes=plan, report=report)


# --- exports ----------------------------------------------------------------------------------------------


def _with_current_house(queryset):
    """Each person's current primary house, as two subqueries of the one export query (no query per row)."""
    current = Residence.objects.filter(person=OuterRef("pk"), is_primary=True, ended_on__isnull=True)
    return queryset.select_related("grid").annotate(
        current_house_code=Subquery(current.values("house__house_code")[:1]),
        current_address=Subquery(current.values("house__address__full_text")[:1]),
    )


PEOPLE_EXPORT = ExportList(
    name="people",
    title=gettext_lazy("实有人口"),
    model=Person,
    import_kind="people",
    prepare=_with_current_house,
    columns=[
        ExportColumn("姓名", lambda p: p.name),
        ExportColumn("证件类型", lambda p: display(p, "id_type")),
        ExportColumn("身份证号", lambda p: p.id_number, sensitive="id"),
        ExportColumn("性别", lambda p: display(p, "sex")),
        ExportColumn("出生日期", lambda p: p.birth_date),
        ExportColumn("民族", lambda p: display(p, "ethnicity")),
        ExportColumn("手机", lambda p: p.phone, sensitive="phone"),
        ExportColumn("户籍地址", lambda p: p.hukou_address),
        ExportColumn("人员类别", lambda p: display(p, "category")),
        ExportColumn("状态", lambda p: display(p, "status")),
        ExportColumn("房屋编码", lambda p: p.current_house_code or ""),
        ExportColumn("地址", lambda p: p.current_address or ""),
        ExportColumn("采集网格", lambda p: p.grid.code),
        ExportColumn("注销日期", ended),
    ],
)

RESIDENCES_EXPORT = ExportList(
    name="residences",
    title=gettext_lazy("居住登记"),
    model=Residence,
    import_kind="people",
    prepare=lambda queryset: queryset.select_related("person", "house__address"),
    columns=[
        ExportColumn("姓名", lambda r: r.person.name),
        ExportColumn("身份证号", lambda r: r.person.id_number, sensitive="id"),
        ExportColumn("房屋编码", lambda r: r.house.house_code),
        ExportColumn("地址", lambda r: r.house.address.full_text),
        ExportColumn("与房屋关系", lambda r: display(r, "relation")),
        ExportColumn("主要居住地", lambda r: r.is_primary),
        ExportColumn("入住日期", lambda r: r.started_on),
        ExportColumn("来源", lambda r: display(r, "source")),
        ExportColumn("迁出日期", ended),
    ],
)
