"""Matching free text to the standard address library: variants, partial answers, no-match, scope, freshness."""

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wangge.addresses.engine.match import match, match_many
from wangge.addresses.management.commands.address import Command
from wangge.addresses.models import AddressLevel as L
from wangge.addresses.services import address_create, address_end, address_update
from wangge.core.actor import Actor
from wangge.core.tests.test_api import Api, errors

SYSTEM = Actor.system()


@pytest.fixture
def tree(world):
    """阳光路12号阳光花园: building 3 with units 1 and 2 (floor 5: rooms 501, 502 in each), building 4 without
    units (floor 2: room 201), in grid a1."""

    def add(parent, level, name):
        return address_create(actor=SYSTEM, level=level, name=name, parent=parent)

    road = address_create(actor=SYSTEM, level=L.ROAD, name="阳光路", grid=world.grid_a1)
    door = add(road, L.DOOR_PLATE, "12号")
    compound = add(door, L.COMPOUND, "阳光花园")
    building = add(compound, L.BUILDING, "3号楼")
    rooms = {}
    for unit_name in ("1单元", "2单元"):
        unit = add(building, L.UNIT, unit_name)
        floor = add(unit, L.FLOOR, "5层")
        for room in ("501室", "502室"):
            rooms[(unit_name, room)] = add(floor, L.ROOM, room)
    tower = add(compound, L.BUILDING, "4号楼")
    floor2 = add(tower, L.FLOOR, "2层")
    return SimpleNamespace(
        road=road,
        door=door,
        compound=compound,
        building=building,
        unit2=rooms[("2单元", "502室")].parent.parent,
        floor5=rooms[("2单元", "502室")].parent,
        room=rooms[("2单元", "502室")],
        tower=tower,
        room201=add(floor2, L.ROOM, "201室"),
    )


def found(text, **kwargs):
    result = match(text, **kwargs)
    return result.address.pk if result.address else None


def test_the_full_text_matches_exactly(tree):
    result = match(tree.room.full_text)
    assert result.address == tree.room
    assert result.score == 1.0 and result.complete and result.level == L.ROOM


@pytest.mark.parametrize(
    "text",
    [
        "厦门市海沧区阳光路12号阳光花园3号楼2单元5层502室",  # city in front, street and community left out
        "阳光路12号阳光花园三栋2单元5层502室",  # 三栋 for 3号楼
        "阳光路12号阳光花园3幢二单元五层502室",
        "阳光路12号阳光花园3#楼2单元502室",  # no floor: room 502 is on floor 5
        "阳光路１２号 阳光花园小区 3号楼 2单元 502室",  # full-width digits, spaces, 小区 added
        "阳光花园3号楼2单元502",  # no road at all: the compound anchors
        "阳光路12号阳光花园3号楼2单元502室（电话13812345678）",
    ],
)
def test_ways_of_writing_one_room(tree, text):
    result = match(text)
    assert result.address == tree.room, (text, result.reasons)
    assert result.complete and result.score >= 0.9


def test_a_compound_found_only_by_its_key_is_taken_at_a_discount(tree):
    result = match("阳光路12号阳光小区3号楼2单元5层502室")
    assert result.address == tree.room
    assert result.score < 1.0 and any("阳光花园" in reason for reason in result.reasons)


def test_a_building_the_register_lacks_answers_the_compound(tree):
    result = match("阳光路12号阳光花园9号楼1单元101室")
    assert result.address == tree.compound
    assert not result.complete and 0 < result.score < 1
    assert any("9号楼" in reason for reason in result.reasons)


def test_a_missing_room_still_denotes_its_floor(tree):
    result = match("阳光路12号阳光花园3号楼2单元509室")
    assert result.address == tree.floor5
    assert not result.complete


def test_two_rooms_502_in_two_units_answer_the_building(tree):
    result = match("阳光路12号阳光花园3号楼502室")
    assert result.address == tree.building
    assert not result.complete


def test_a_building_without_units_is_walked_through(tree):
    assert found("阳光路12号阳光花园4号楼201室") == tree.room201.pk
    # A unit the building does not have is no contradiction, only unmatched.
    result = match("阳光路12号阳光花园4号楼1单元2层201室")
    assert result.address == tree.room201 and result.score < 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "！！！",
        "长安大道88号",  # a road this register does not have
        "杭州市余杭区阳光路12号",  # the same road name in another district
        "3号楼2单元502室",  # a building number names nothing on its own
        "阳光路" * 200,
        "\x00\x00",
    ],
)
def test_no_match_rather_than_a_guess(tree, text):
    result = match(text)
    assert result.address is None and result.score == 0.0
    assert result.reasons


def test_same_named_places_in_two_grids_are_ambiguous_unless_the_scope_settles_it(world, tree):
    other = address_create(actor=SYSTEM, level=L.ROAD, name="阳光路", grid=world.grid_b1)
    door = address_create(actor=SYSTEM, level=L.DOOR_PLATE, name="12号", parent=other)
    assert found("阳光路12号") is None
    assert found("阳光路12号", user=world.users.grid_worker) == tree.door.pk
    assert found("阳光路12号", user=world.users.grid_worker_b) == door.pk
    assert found("阳光路12号", within="350205003") == door.pk


def test_nothing_outside_the_scope_is_ever_answered(world, tree):
    assert found(tree.room.full_text, user=world.users.district_admin) == tree.room.pk
    assert found(tree.room.full_text, user=world.users.grid_worker_b) is None
    assert found("阳光花园3号楼2单元502室", user=world.users.grid_worker_b) is None
    assert found(tree.room.full_text, within="350205003") is None
    assert found(tree.room.full_text, user=world.users.grid_worker, within="350205003") is None


def test_an_address_added_after_the_index_was_built_is_found(world, tree):
    assert found("阳光路12号阳光花园3号楼2单元5层503室") == tree.floor5.pk  # builds the index
    room = address_create(actor=SYSTEM, level=L.ROOM, name="503室", parent=tree.floor5)
    assert found("阳光路12号阳光花园3号楼2单元5层503室") == room.pk


def test_renamed_and_ended_addresses_are_seen_at_once(world, tree):
    assert found(tree.room.full_text) == tree.room.pk
    address_update(actor=SYSTEM, address=tree.compound, name="阳光家园")
    tree.room.refresh_from_db()
    assert tree.room.full_text.endswith("阳光家园3号楼2单元5层502室")
    assert found(tree.room.full_text) == tree.room.pk
    address_end(actor=SYSTEM, address=tree.room201, reason="拆除")
    assert found("阳光路12号阳光家园4号楼2层201室") == tree.room201.parent_id


def test_match_many_answers_in_order(tree):
    results = match_many(["阳光路12号阳光花园3号楼2单元502室", "长安大道1号", tree.door.full_text])
    assert [r.address.pk if r.address else None for r in results] == [tree.room.pk, None, tree.door.pk]


# --- the API and the command ------------------------------------------------------------------------------


def test_api_match_one_and_many(world, tree):
    api = Api(world.users.grid_worker)
    response = api.post("/addresses/match", {"text": "阳光路12号阳光花园三栋2单元502室"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["address"] == {
        "id": tree.room.pk,
        "code": tree.room.code,
        "full_text": tree.room.full_text,
        "level": L.ROOM,
    }
    assert body["score"] >= 0.9 and body["level"] == L.ROOM and body["complete"] is True
    many = api.post("/addresses/match", {"texts": ["阳光路12号", "长安大道1号"]}).json()
    assert [m["address"] and m["address"]["id"] for m in many] == [tree.door.pk, None]
    assert many[1]["reasons"]


def test_api_match_stays_in_the_callers_scope(world, tree):
    body = Api(world.users.grid_worker_b).post("/addresses/match", {"text": tree.room.full_text}).json()
    assert body["address"] is None
    body = (
        Api(world.users.district_admin)
        .post("/addresses/match", {"text": tree.room.full_text, "area": "350205003"})
        .json()
    )
    assert body["address"] is None


def test_api_match_bad_input_names_the_field(world):
    api = Api(world.users.grid_worker)
    assert "text" in errors(api.post("/addresses/match", {}))
    assert "text" in errors(api.post("/addresses/match", {"text": "a", "texts": ["b"]}))
    assert "text" in errors(api.post("/addresses/match", {"text": 12}))
    assert "texts" in errors(api.post("/addresses/match", {"texts": ["路"] * 1001}))
    assert "area" in errors(api.post("/addresses/match", {"text": "路", "area": "35x"}))
    assert "text" in errors(api.post("/addresses/match", {"text": "路\x00"}))
    assert api.post("/addresses/match", raw=b"\xff").status_code == 400
    assert Api().post("/addresses/match", {"text": "路"}).status_code == 401


def run_command(*args, stdin: bytes) -> str:
    command = Command()
    command.stdin_stream = io.BytesIO(stdin)
    command.stdout_stream = io.StringIO()
    call_command(command, *args)
    return command.stdout_stream.getvalue()


def test_command_match_writes_one_json_line_per_input_line(tree):
    import json

    lines = ["阳光路12号阳光花园3号楼2单元502室", "", "长安大道1号"]
    out = run_command("match", stdin=("\n".join(lines) + "\n").encode() + b"\xff\xfe\n")
    objects = [json.loads(line) for line in out.splitlines()]
    assert [o["input"] for o in objects[:3]] == lines and len(objects) == 4
    assert objects[0]["address"]["id"] == tree.room.pk
    assert objects[1]["address"] is None and objects[2]["address"] is None
    assert list(objects[0]) == ["input", "address", "score", "level", "complete", "reasons"]
    inside = json.loads(run_command("match", "--area", "350205003", stdin=lines[0].encode()))
    assert inside["address"] is None
    with pytest.raises(CommandError):
        run_command("match", "--area", "35x", stdin=b"")


def test_the_fuzzy_pool_does_not_depend_on_hashing(monkeypatch):
    # Which names are compared for a typo must not depend on a set's order, which changes from one process to
    # the next: the same text then matched differently in two runs. Names of the same three characters in
    # turn: each one's own first character's nodes must come first, which no single set order gives them all.
    from wangge.addresses.engine import match as engine

    monkeypatch.setattr(engine, "FUZZY_POOL", 2)
    by_char = {(L.ROAD, "甲"): [1, 2], (L.ROAD, "乙"): [3, 4], (L.ROAD, "丙"): [5, 6]}
    index = SimpleNamespace(by_char=by_char, alive=dict.fromkeys(range(1, 7), True))
    matcher = engine.Matcher(index, None)

    def pool(name):
        step = engine.Step(kind="road", text=name, levels=(L.ROAD,), keys={L.ROAD: name}, soft=False)
        return matcher.named_pool(step)

    assert [pool(name) for name in ("甲乙丙", "乙丙甲", "丙甲乙")] == [[1, 2], [3, 4], [5, 6]]
