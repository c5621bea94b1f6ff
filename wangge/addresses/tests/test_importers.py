"""Importing standard addresses as paths: missing levels created with continuing codes, existing paths found,
locations updated, codes looked up, scope kept, re-import unchanged."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from wangge.addresses.models import AddressLevel, StandardAddress
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

HEADER = ["采集网格", "街路巷", "门牌号", "小区", "楼栋", "单元", "楼层", "户室", "经度", "纬度"]


def test_paths_create_what_is_missing_and_find_what_exists(world):
    grid = world.grid_a1
    job = preview(
        world.users.grid_worker,
        "addresses",
        [
            HEADER,
            # Exists down to 301室: unchanged.
            [grid.code, "海沧路", "8号", "", "1号楼", "", "", "301室", "", ""],
            # Same building, a new room given as a bare number: 302 → 302室.
            [grid.code, "海沧路", "8号", "", "1号楼", "", "", "302", "", ""],
            # A new door plate with a building and a room under the existing road.
            [grid.code, "海沧路", 10, "", 2, "", "", 501, "118.05", "24.49"],
            # A new road.
            [grid.name, "新阳路", "1号", "", "", "", "", "", "", ""],
        ],
    )
    assert counts(job) == (3, 0, 1, 0), job.rejected_sample
    before = StandardAddress.objects.count()
    commit(job)
    assert StandardAddress.objects.count() == before + 1 + 3 + 2
    road = world.a1.road
    room = StandardAddress.objects.get(full_text=road.full_text + "10号2号楼501室")
    assert room.level == AddressLevel.ROOM and room.grid == grid
    assert (room.longitude, room.latitude) == (Decimal("118.05"), Decimal("24.49"))
    door = room.parent.parent
    assert door.name == "10号" and door.parent == road
    # Codes continue each parent's numbering as the single service's next_code does.
    assert door.code == road.code + "20002"
    assert StandardAddress.objects.get(name="302室").code == world.a1.building.code + "70002"
    new_road = StandardAddress.objects.get(name="新阳路")
    assert new_road.full_text == "海沧区海沧街道海沧社区新阳路" and new_road.code.startswith(
        grid.code[:12] + "1"
    )
    created = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(StandardAddress), object_id=room.pk
    ).get()
    assert (created.action, created.source) == (ChangeAction.CREATE, Source.IMPORT)


def test_reimport_is_unchanged_and_a_new_location_is_a_change(world):
    rows = [HEADER, [world.grid_a1.code, "海沧路", "12号", "", "", "", "", "", "118.01", "24.40"]]
    imported(world.users.grid_worker, "addresses", rows)
    before = audit_count()
    assert counts(preview(world.users.grid_worker, "addresses", rows)) == (0, 0, 1, 0)
    assert audit_count() == before
    rows[1][-1] = "24.41"
    job = imported(world.users.grid_worker, "addresses", rows)
    assert counts(job) == (0, 1, 0, 0)
    assert StandardAddress.objects.get(full_text__endswith="海沧路12号").latitude == Decimal("24.41")


def test_addresses_by_code_and_the_scope(world):
    job = preview(
        world.users.grid_worker,
        "addresses",
        [
            ["地址编码", "经度", "纬度"],
            [world.a1.room.code, "118.02", "24.45"],
            [world.b1.room.code, "118.02", "24.45"],
            ["350205001001199", "118.02", "24.45"],
        ],
    )
    assert counts(job) == (0, 1, 0, 2)
    assert reasons(job) == {
        3: ["地址编码：地址不在您的管辖范围内。"],
        4: ["地址编码：没有这个地址编码（新地址不填编码，由系统生成）。"],
    }
    outside = preview(
        world.users.grid_worker,
        "addresses",
        [HEADER, [world.grid_b1.code, "海林路", "9号", "", "", "", "", "", "", ""]],
    )
    assert reasons(outside) == {2: ["采集网格：没有这个采集网格（或不在您的管辖范围内）。"]}
    # 渐美路 lies in grid a2 of the same community: nothing may be added under a parent outside one's grids.
    under_foreign = preview(
        world.users.grid_worker,
        "addresses",
        [HEADER, [world.grid_a1.code, "渐美路", "99号", "", "", "", "", "", "", ""]],
    )
    assert reasons(under_foreign) == {2: ["门牌号：上级地址不在您的管辖范围内。"]}


def test_rows_need_a_road_or_a_code_and_names_in_order(world):
    job = preview(
        world.users.grid_worker,
        "addresses",
        [
            HEADER,
            [world.grid_a1.code, "", "8号", "", "", "", "", "", "", ""],
            [world.grid_a1.code, "海沧路", "", "", "", "", "", "", "200", ""],
        ],
    )
    assert reasons(job) == {2: ["门牌号：请填写街路巷。"], 3: ["经度：须在 -180 到 180 之间。"]}
