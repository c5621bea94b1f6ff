"""Importing people with their residences: classification, header variants, encodings, dates, re-import,
atomicity, audit, scope; and the fast checks the import relies on agree with the full ones."""

import datetime
import random

import phonenumbers
import pytest
from django.contrib.contenttypes.models import ContentType
from pypinyin import Style, lazy_pinyin

from wangge.addresses.models import AddressLevel
from wangge.addresses.services import address_create
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.housing.services import house_create
from wangge.people.identity import make_resident_id, normalise_phone
from wangge.people.models import Person, Residence
from wangge.people.services import person_deregister, pinyin_keys
from wangge.transfer.tests.files import (
    audit_count,
    commit,
    counts,
    csv_bytes,
    import_dir,  # noqa: F401
    imported,
    preview,
    reasons,
    report_rows,
    upload,
)

SYSTEM = Actor.system()
HEADER = ["姓名", "身份证号", "手机", "民族", "人员类别", "房屋编码", "与房屋关系", "入住日期"]


def new_id(seq: int, birth=datetime.date(1988, 8, 8)) -> str:
    return make_resident_id("350205", birth, seq)


def row(name, id_number, house, *, phone="13912345678", relation="租客", started="2024-01-05"):
    return [name, id_number, phone, "汉族", "流动人口", house.house_code if house else "", relation, started]


def test_preview_counts_every_kind_of_row_and_writes_nothing(world):
    user = world.users.grid_worker
    zhang = world.a1.person
    before_people, before_audit = Person.objects.count(), audit_count()
    job = preview(
        user,
        "people",
        [
            HEADER,
            row("赵六", new_id(401), world.a1.house),
            # 张三 as registered: unchanged …
            [
                "张三",
                zhang.id_number,
                zhang.phone,
                "汉族",
                "流动人口",
                world.a1.house.house_code,
                "租客",
                "2024-03-01",
            ],
            # … and again with a new phone: changed (a second row of one person is refused, so another person).
            [
                "错号",
                "350205199001011234",
                "13912345678",
                "",
                "",
                world.a1.house.house_code,
                "租客",
                "2024-01-05",
            ],
            ["无房", new_id(402), "", "", "", "", "", ""],
        ],
    )
    assert job.status == "previewed"
    assert counts(job) == (1, 0, 1, 2)
    assert reasons(job) == {
        4: ["身份证号：身份证号码校验位错误。"],
        5: ["房屋编码：新登记的人员须填写居住的房屋。"],
    }
    assert Person.objects.count() == before_people
    assert audit_count() == before_audit


def test_commit_writes_people_residences_and_their_audit(world):
    user = world.users.grid_worker
    house = world.a1.house
    zhang = world.a1.person
    job = imported(
        user,
        "people",
        [
            HEADER,
            row("赵六", new_id(401), house, phone="13700001111", started="2024-02-01"),
            ["张三", zhang.id_number, "13800009999", "", "", "", "", ""],
        ],
        name="海沧一格人口.xlsx",
    )
    assert job.status == "done" and counts(job) == (1, 1, 0, 0)
    zhao = Person.objects.get(id_number=new_id(401))
    assert (zhao.name, zhao.phone, zhao.category, zhao.ethnicity, zhao.grid) == (
        "赵六",
        "13700001111",
        "migrant",
        "01",
        house.grid,
    )
    assert zhao.birth_date == datetime.date(1988, 8, 8) and zhao.name_initials == "zl"
    residence = Residence.objects.get(person=zhao)
    assert (
        residence.house,
        residence.relation,
        residence.started_on,
        residence.is_primary,
        residence.source,
    ) == (
        house,
        "tenant",
        datetime.date(2024, 2, 1),
        True,
        "imported",
    )
    zhang.refresh_from_db()
    assert zhang.phone == "13800009999" and zhang.version == 2

    def records(obj):
        return ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        )

    for obj in (zhao, residence):
        (created,) = records(obj)
        assert (created.action, created.source, created.file, created.user) == (
            ChangeAction.CREATE,
            Source.IMPORT,
            "海沧一格人口.xlsx",
            user,
        )
    assert records(zhao).get().changes["name"] == [None, "赵六"]
    change = records(zhang).filter(action=ChangeAction.CHANGE).get()
    assert change.changes == {"phone": ["13812340001", "13800009999"]}
    assert (change.source, change.file) == (Source.IMPORT, "海沧一格人口.xlsx")


def test_reimporting_the_same_file_changes_nothing(world):
    user = world.users.grid_worker
    rows = [HEADER, row("赵六", new_id(401), world.a1.house), row("钱七", new_id(403), world.a1.house)]
    imported(user, "people", rows)
    before = audit_count(), Person.objects.count(), Residence.objects.count()
    again = preview(user, "people", rows)
    assert counts(again) == (0, 0, 2, 0)
    with pytest.raises(Exception, match="没有可导入"):
        commit(again)
    assert (audit_count(), Person.objects.count(), Residence.objects.count()) == before


def test_header_variants_widths_and_marks_are_understood(world):
    header = [
        "* 名字",
        "公民身份号码（必填）",
        "联系电话",
        "民族",
        "人口类别",
        "房屋编号",
        "人房关系",
        "入住时间",
    ]
    job = preview(world.users.grid_worker, "people", [header, row("赵六", new_id(401), world.a1.house)])
    assert counts(job) == (1, 0, 0, 0), job.rejected_sample
    full_width = ["姓　名", "ＩＤ", "身份证号码", "手机号", "房屋编码", "与房屋关系", "入住日期"]
    job = preview(
        world.users.grid_worker,
        "people",
        [
            full_width,
            ["赵六", "x", new_id(401), "13912345678", world.a1.house.house_code, "tenant", "2024-1-5"],
        ],
    )
    assert counts(job) == (1, 0, 0, 0), job.rejected_sample


def test_missing_required_columns_are_named(world):
    job = preview(world.users.grid_worker, "people", [["姓名", "手机"], ["赵六", "13912345678"]])
    assert job.status == "failed"
    assert "缺少必填列" in job.message
    assert "身份证号" in job.message and "房屋编码或地址编码或地址" in job.message


def test_gbk_and_utf8_csv_read_the_same(world):
    rows = [HEADER, row("赵六", new_id(401), world.a1.house, relation="家庭成员")]
    for encoding in ("gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"):
        job = upload(
            world.users.grid_worker, "people", f"人口-{encoding}.csv", csv_bytes(rows, encoding=encoding)
        )
        assert job.status == "previewed", (encoding, job.message)
        assert counts(job) == (1, 0, 0, 0), (encoding, job.rejected_sample)
    commit(job)
    assert Person.objects.get(id_number=new_id(401)).name == "赵六"


@pytest.mark.parametrize(
    "cell",
    [
        45296,
        45296.0,
        "45296",
        "2024-01-05",
        "2024/1/5",
        "2024.01.05",
        "20240105",
        "2024年1月5日",
        datetime.datetime(2024, 1, 5, 8, 30),
        datetime.date(2024, 1, 5),
    ],
)
def test_dates_in_the_usual_forms_and_excel_serials(world, cell):
    job = imported(
        world.users.grid_worker, "people", [HEADER, row("赵六", new_id(401), world.a1.house, started=cell)]
    )
    residence = Residence.objects.get(person__id_number=new_id(401))
    assert residence.started_on == datetime.date(2024, 1, 5), job.rejected_sample


def test_bad_dates_and_future_dates_are_refused_on_their_column(world):
    job = preview(
        world.users.grid_worker,
        "people",
        [
            HEADER,
            row("赵六", new_id(401), world.a1.house, started="2024-02-30"),
            row("钱七", new_id(403), world.a1.house, started="下个月"),
            row(
                "孙八",
                new_id(405),
                world.a1.house,
                started=(datetime.date.today() + datetime.timedelta(days=3)),
            ),
        ],
    )
    assert reasons(job) == {
        2: ["入住日期：日期不存在。"],
        3: ["入住日期：不是日期（可写作 2024-01-05、2024/1/5 或 20240105）。"],
        4: ["入住日期：入住日期不能在未来。"],
    }


def test_choices_by_label_value_or_alias_and_unknown_ones_named(world):
    job = preview(
        world.users.grid_worker,
        "people",
        [
            HEADER,
            ["赵六", new_id(401), "", "回", "migrant", world.a1.house.house_code, "租户", "2024-01-05"],
            ["钱七", new_id(403), "", "火星族", "流动人口", world.a1.house.house_code, "邻居", "2024-01-05"],
        ],
    )
    assert counts(job) == (1, 0, 0, 1)
    (messages,) = reasons(job).values()
    assert messages[0].startswith("民族：“火星族”不是可选值")
    assert messages[1].startswith("与房屋关系：“邻居”不是可选值（房主、租客、家庭成员")


def test_long_numbers_that_excel_stored_as_numbers_are_explained(world):
    job = preview(
        world.users.grid_worker,
        "people",
        [HEADER, ["赵六", 350205198808084011, "", "", "", world.a1.house.house_code, "租客", "2024-01-05"]],
    )
    assert "超过 15 位的部分已丢失" in job.rejected_sample[0]["reasons"][0]


def test_duplicates_in_the_file_and_deregistered_people_are_refused(world):
    person_deregister(actor=SYSTEM, person=world.a1.person, reason="迁出本区")
    job = preview(
        world.users.grid_worker,
        "people",
        [
            HEADER,
            row("赵六", new_id(401), world.a1.house),
            row("赵六", new_id(401), world.a1.house),
            row("张三", world.a1.person.id_number, world.a1.house),
        ],
    )
    assert reasons(job) == {
        3: ["身份证号：与第 1 条记录的证件号码重复。"],
        4: ["身份证号：此人已注销，不能修改。"],
    }


def test_a_person_moving_house_ends_the_old_residence(world):
    door = world.a1.door
    building = address_create(actor=SYSTEM, level=AddressLevel.BUILDING, name="2号楼", parent=door)
    room = address_create(actor=SYSTEM, level=AddressLevel.ROOM, name="502室", parent=building)
    new_house = house_create(actor=SYSTEM, address=room)
    zhang = world.a1.person
    job = imported(
        world.users.grid_worker,
        "people",
        [HEADER, ["张三", zhang.id_number, "", "", "", new_house.house_code, "房主", "2025-01-02"]],
    )
    assert counts(job) == (0, 1, 0, 0)
    old = Residence.objects.get(pk=world.a1.residence.pk)
    assert old.ended_on == datetime.date(2025, 1, 2) and new_house.house_code in old.end_reason
    current = Residence.objects.get(person=zhang, ended_on__isnull=True)
    assert (current.house, current.relation) == (new_house, "owner")
    end = ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(Residence), object_id=old.pk, action=ChangeAction.END
    )
    assert end.source == Source.IMPORT and end.changes["ended_on"] == [None, "2025-01-02"]


def test_scope_rows_outside_the_users_grids_are_refused_without_details(world):
    user = world.users.grid_worker  # grid a1 only
    b1 = world.b1
    job = preview(
        user,
        "people",
        [
            HEADER,
            row("赵六", new_id(401), b1.house),
            [
                "王五",
                b1.person.id_number,
                "13912345678",
                "",
                "",
                world.a1.house.house_code,
                "租客",
                "2024-01-05",
            ],
            ["钱七", new_id(403), "", "", "", "", "租客", "2024-01-05"],
        ],
    )
    sample = reasons(job)
    assert sample[2] == ["房屋编码：房屋不在您的管辖范围内。"]
    assert sample[3] == ["身份证号：该证件号码已登记。"]
    assert b1.house.address.full_text not in str(job.rejected_sample)


def test_free_text_addresses_are_matched_through_the_engine(world):
    house = world.a1.house
    text = house.address.full_text
    spaced = " ".join(text[:6]) + text[6:].replace("8号", "８号")
    header = ["姓名", "身份证号", "现住址", "与房屋关系", "入住日期"]
    job = imported(
        world.users.grid_worker,
        "people",
        [
            header,
            ["赵六", new_id(401), text, "租客", "2024-01-05"],
            ["钱七", new_id(403), spaced, "租客", "2024-01-05"],
            ["孙八", new_id(405), world.b1.house.address.full_text, "租客", "2024-01-05"],
            ["周九", new_id(407), "火星基地9号", "租客", "2024-01-05"],
        ],
    )
    assert counts(job)[:2] == (2, 0)
    assert set(
        Residence.objects.filter(person__id_number__in=[new_id(401), new_id(403)]).values_list(
            "house", flat=True
        )
    ) == {house.pk}
    sample = reasons(job)
    assert sample[4] == ["现住址：地址不在您的管辖范围内。"]
    assert sample[5][0].startswith("现住址：")


def test_error_report_holds_the_rejected_rows_and_their_reasons(world):
    job = preview(
        world.users.grid_worker,
        "people",
        [HEADER, row("赵六", new_id(401), world.a1.house), row("坏号", "123", world.a1.house, phone="12345")],
    )
    rows = report_rows(job)
    assert rows[0][:2] == ["行号", "错误原因"] and rows[0][2:] == HEADER
    assert len(rows) == 2
    number, why, *cells = rows[1]
    assert number == 3
    assert "身份证号：身份证号码须为 18 位" in why and "手机：电话号码" in why
    assert cells[:2] == ["坏号", "123"]


def test_a_failure_while_writing_leaves_nothing_behind(world, monkeypatch):
    """Atomicity: the residences' insert fails after the people went in; the whole file is rolled back."""
    from wangge.core import bulk

    real_insert = bulk.insert

    def failing(model, instances, **kwargs):
        if model is Residence:
            raise RuntimeError("disk full")
        return real_insert(model, instances, **kwargs)

    job = preview(
        world.users.grid_worker,
        "people",
        [HEADER, row("赵六", new_id(401), world.a1.house), row("钱七", new_id(403), world.a1.house)],
    )
    before = audit_count(), Person.objects.count(), Residence.objects.count()
    monkeypatch.setattr(bulk, "insert", failing)
    job = commit(job)
    assert job.status == "failed" and "没有写入任何数据" in job.message
    assert (audit_count(), Person.objects.count(), Residence.objects.count()) == before


def test_read_only_roles_cannot_import(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        preview(world.users.viewer, "people", [HEADER, row("赵六", new_id(401), world.b1.house)])


# --- the fast checks ----------------------------------------------------------------------------------------


def full_phone_check(raw: str) -> str:
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return "format"
    if not phonenumbers.is_valid_number(parsed):
        return "invalid"
    return "".join(
        ch
        for ch in phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        if ch.isdigit()
    )


def fast_phone_check(raw: str) -> str:
    from django.core.exceptions import ValidationError

    try:
        return normalise_phone(raw)
    except ValidationError as exc:
        return "format" if "格式" in exc.messages[0] else "invalid"


def test_the_mobile_fast_path_answers_as_the_full_parse():
    rng = random.Random(11)
    numbers = [f"{rng.randrange(130, 200)}{rng.randrange(10**8):08d}" for _ in range(20_000)]
    numbers += ["17400012345", "17406012345", "16100012345", "19000000000", "12345678901"]
    assert [fast_phone_check(n) for n in numbers] == [full_phone_check(n) for n in numbers]


def test_pinyin_keys_put_together_per_character_equal_the_whole_name_reading():
    names = [
        "张三",
        "单于丹",
        "曾乐乐",
        "重庆",
        "长孙无忌",
        "解小东",
        "O'Brien",
        "李 四",
        "欧阳朝阳",
        "行长",
        "乐乐",
    ]
    for name in names:
        slow = {
            "name_pinyin": "".join(lazy_pinyin(name, errors="ignore")).lower()[:400],
            "name_initials": "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()[
                :100
            ],
        }
        assert pinyin_keys(name) == slow, name


def test_the_number_of_queries_does_not_grow_with_the_rows(world, settings):
    """No query per row: ten times the rows (new people, a changed person, a move) cost the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wangge.transfer.importing import read_table, run
    from wangge.transfer.registry import importer_for
    from wangge.transfer.tests.files import web_actor, xlsx

    building = address_create(actor=SYSTEM, level=AddressLevel.BUILDING, name="9号楼", parent=world.a1.door)
    houses = [
        house_create(
            actor=SYSTEM,
            address=address_create(actor=SYSTEM, level=AddressLevel.ROOM, name=f"{n}室", parent=building),
        )
        for n in range(101, 131)
    ]
    settings.IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    importer = importer_for("people")

    def queries(n: int, offset: int) -> int:
        rows = [HEADER] + [row(f"人{i}", new_id(offset + i), houses[i % len(houses)]) for i in range(n)]
        zhang = world.a1.person
        rows.append(
            ["张三", zhang.id_number, "", "", "", houses[offset % 30].house_code, "房主", "2025-01-02"]
        )
        path = settings.IMPORT_DIR / f"rows-{offset}.xlsx"
        path.write_bytes(xlsx(rows))
        table = read_table(path, ".xlsx", importer)
        with CaptureQueriesContext(connection) as captured:
            run(importer, table, actor=web_actor(world.users.grid_worker), commit=True)
        assert Person.objects.filter(id_number=new_id(offset + n - 1)).exists()
        return len(captured)

    assert queries(3, 100) == queries(30, 300)
