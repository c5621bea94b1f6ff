"""Importing houses: by house code or by the one house on an address, choices, codes, re-import, scope, audit."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from wangge.addresses.models import AddressLevel
from wangge.addresses.services import address_create
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.housing.models import House
from wangge.housing.services import house_create
from wangge.transfer.tests.files import (
    audit_count,
    commit,
    counts,
    import_dir,  # noqa: F401
    imported,
    preview,
    reasons,
)

SYSTEM = Actor.system()
HEADER = ["房屋编码", "地址编码", "房屋用途", "使用状态", "房主姓名", "房主电话", "房间数", "建筑面积"]


def new_room(world, name="302室"):
    return address_create(actor=SYSTEM, level=AddressLevel.ROOM, name=name, parent=world.a1.building)


def test_new_changed_unchanged_and_rejected_houses(world):
    room = new_room(world)
    house = world.a1.house
    job = preview(
        world.users.grid_worker,
        "houses",
        [
            HEADER,
            ["", room.code, "住宅", "出租", "陈房东", "13912340000", 3, 88.5],
            [house.house_code, house.address.code, "dwelling", "empty", "", "", "", ""],
            [house.house_code[:-1] + "9", world.a1.building.code, "住宅", "自住", "", "", "", ""],
            ["", world.a1.door.code, "商铺", "出租", "", "", "", ""],
            ["", world.b1.room.code, "住宅", "出租", "", "", "", ""],
        ],
    )
    assert counts(job) == (2, 1, 0, 2), job.rejected_sample
    assert reasons(job) == {
        5: ["地址编码：房屋须登记在楼栋级或户室级标准地址上。"],
        6: ["地址编码：地址不在您的管辖范围内。"],
    }
    before = House.objects.count()
    commit(job)
    assert House.objects.count() == before + 2
    created = House.objects.get(address=room)
    assert created.house_code == f"{room.code}H01"
    assert (created.use, created.rental_status, created.rooms, created.floor_area, created.owner_phone) == (
        "dwelling",
        "rented",
        3,
        Decimal("88.50"),
        "13912340000",
    )
    house.refresh_from_db()
    assert house.rental_status == "empty" and house.version == 2
    change = ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(House), object_id=house.pk, action=ChangeAction.CHANGE
    )
    assert change.changes == {"rental_status": ["rented", "empty"]}
    assert (change.source, change.file, change.user) == (Source.IMPORT, "导入.xlsx", world.users.grid_worker)


def test_without_a_code_the_one_house_on_the_address_is_meant(world):
    house = world.a1.house
    job = preview(
        world.users.grid_worker, "houses", [["地址", "使用状态"], [house.address.full_text, "空置"]]
    )
    assert counts(job) == (0, 1, 0, 0), job.rejected_sample
    house_create(actor=SYSTEM, address=house.address, use="shop")
    job = preview(world.users.grid_worker, "houses", [["地址编码", "使用状态"], [house.address.code, "空置"]])
    assert reasons(job) == {2: ["地址编码：该地址上有多处房屋，请填写房屋编码。"]}


def test_reimport_changes_nothing_and_a_house_code_elsewhere_is_refused(world):
    room = new_room(world)
    rows = [HEADER, ["A-0001", room.code, "住宅", "出租", "陈房东", "", 2, "60"]]
    imported(world.users.grid_worker, "houses", rows)
    before = audit_count()
    again = preview(world.users.grid_worker, "houses", rows)
    assert counts(again) == (0, 0, 1, 0)
    assert audit_count() == before
    other = new_room(world, "303室")
    moved = preview(
        world.users.grid_worker, "houses", [HEADER, ["A-0001", other.code, "住宅", "出租", "", "", "", ""]]
    )
    assert reasons(moved) == {2: ["房屋编码：该房屋编码已登记在另一个地址上。"]}
    foreign = preview(
        world.users.grid_worker_b, "houses", [HEADER, ["A-0001", world.b1.room.code, "", "", "", "", "", ""]]
    )
    assert reasons(foreign) == {2: ["房屋编码：该房屋编码已登记。"]}


def test_values_are_checked_on_their_columns(world):
    room = new_room(world)
    job = preview(
        world.users.grid_worker,
        "houses",
        [
            HEADER,
            ["", room.code, "宫殿", "出租", "", "", "两间", ""],
            ["", room.code, "住宅", "出租", "", "12345", 0, "-3"],
        ],
    )
    assert reasons(job)[2][0].startswith("房屋用途：“宫殿”不是可选值（住宅、商铺、厂房")
    assert reasons(job)[2][1] == "房间数：应为整数。"
    assert reasons(job)[3] == [
        "房主电话：电话号码无效。",
        "房间数：房间数须在 1 到 32767 之间。",
        "建筑面积：建筑面积不合理。",
    ]
