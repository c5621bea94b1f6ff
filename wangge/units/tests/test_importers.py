"""Importing units: by credit code, or by name at an address; checks, moves, re-import, scope, audit."""

from django.contrib.contenttypes.models import ContentType

from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.transfer.tests.files import (
    audit_count,
    commit,
    counts,
    import_dir,  # noqa: F401
    imported,
    preview,
    reasons,
)
from wangge.units.models import Unit

HEADER = ["单位名称", "统一社会信用代码", "单位类型", "地址编码", "联系人", "联系电话", "从业人数"]


def valid_code() -> str:
    from stdnum.cn import uscc

    body = "91350205MA31ABCE1"
    return body + uscc.calc_check_digit(body)


def test_new_changed_unchanged_and_rejected_units(world):
    shop = world.a1.unit  # credit code 91350205MA31ABCD1Q
    hardware = world.a2.unit  # no credit code
    code = valid_code()
    job = preview(
        world.users.grid_manager,  # grid a1
        "units",
        [
            HEADER,
            ["海沧新店", code, "企业", world.a1.door.code, "李经理", "13600001111", 12],
            [shop.name, shop.credit_code, "个体商户", world.a1.door.code, "店主", "", ""],
            ["海沧便利店（新名）", shop.credit_code, "", "", "", "13600002222", ""],
            ["坏代码", "91350205MA31ABCD1X", "企业", world.a1.door.code, "", "", ""],
            [hardware.name, "", "个体商户", world.a2.door.code, "", "", ""],
        ],
    )
    assert reasons(job) == {
        4: ["统一社会信用代码：与第 2 条记录是同一单位。"],
        5: ["统一社会信用代码：统一社会信用代码校验位错误。"],
        6: ["地址编码：地址不在您的管辖范围内。"],
    }
    assert counts(job) == (1, 0, 1, 3)
    commit(job)
    created = Unit.objects.get(credit_code=code)
    assert (created.name, created.kind, created.address, created.grid, created.staff_count) == (
        "海沧新店",
        "firm",
        world.a1.door,
        world.grid_a1,
        12,
    )
    record = ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(Unit), object_id=created.pk
    )
    assert (record.action, record.source, record.file) == (ChangeAction.CREATE, Source.IMPORT, "导入.xlsx")


def test_units_without_a_code_are_found_by_name_at_their_address_and_may_move(world):
    hardware = world.a2.unit
    job = imported(
        world.users.street_admin,
        "units",
        [["单位名称", "地址", "从业人数"], [hardware.name, hardware.address.full_text, 5]],
    )
    assert counts(job) == (0, 1, 0, 0)
    hardware.refresh_from_db()
    assert hardware.staff_count == 5 and hardware.version == 2
    shop = world.a1.unit
    moved = imported(
        world.users.street_admin,
        "units",
        [["统一社会信用代码", "单位名称", "地址编码"], [shop.credit_code, shop.name, world.a2.door.code]],
    )
    assert counts(moved) == (0, 1, 0, 0)
    shop.refresh_from_db()
    assert (shop.address, shop.grid) == (world.a2.door, world.grid_a2)


def test_reimport_changes_nothing_and_foreign_codes_are_refused(world):
    rows = [HEADER, ["海沧新店", valid_code(), "企业", world.a1.door.code, "李经理", "13600001111", 12]]
    imported(world.users.grid_manager, "units", rows)
    before = audit_count()
    assert counts(preview(world.users.grid_manager, "units", rows)) == (0, 0, 1, 0)
    assert audit_count() == before
    foreign = preview(
        world.users.grid_worker_b,
        "units",
        [HEADER, ["别家", world.a1.unit.credit_code, "企业", world.b1.door.code, "", "", ""]],
    )
    assert reasons(foreign) == {2: ["统一社会信用代码：该统一社会信用代码已登记。"]}


def test_a_new_unit_needs_its_kind(world):
    job = preview(
        world.users.grid_manager, "units", [["单位名称", "地址编码"], ["无类型", world.a1.door.code]]
    )
    assert reasons(job) == {2: ["请填写单位类型。"]}
