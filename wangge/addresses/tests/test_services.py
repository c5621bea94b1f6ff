import pytest
from django.core.exceptions import ValidationError

from wangge.addresses.models import AddressLevel, StandardAddress, address_code, normalise_text
from wangge.addresses.services import address_create, address_end, address_update
from wangge.core.actor import Actor

SYSTEM = Actor.system()


def test_code_is_the_parent_code_plus_level_and_sequence(world):
    room = world.a1.room
    assert room.code.startswith(world.a1.building.code)
    assert room.code == address_code(world.a1.building.code, AddressLevel.ROOM, 1)
    second = address_create(actor=SYSTEM, level=AddressLevel.ROOM, name="302室", parent=world.a1.building)
    assert second.code == address_code(world.a1.building.code, AddressLevel.ROOM, 2)


def test_full_text_is_normalised_and_spelled_from_the_tree(world):
    node = address_create(actor=SYSTEM, level=AddressLevel.FLOOR, name=" ５ 层", parent=world.a1.building)
    assert node.name == "5层"
    assert node.full_text == "海沧区海沧街道海沧社区海沧路8号1号楼5层"
    assert normalise_text("１２号　楼") == "12号楼"


def test_every_address_is_in_one_collection_grid(world):
    with pytest.raises(ValidationError) as exc:
        address_create(actor=SYSTEM, level=AddressLevel.ROAD, name="新路", grid=world.community_a)
    assert "grid" in exc.value.message_dict
    assert world.a1.room.grid == world.grid_a1


def test_levels_go_down_only(world):
    with pytest.raises(ValidationError) as exc:
        address_create(actor=SYSTEM, level=AddressLevel.DOOR_PLATE, name="9号", parent=world.a1.building)
    assert "level" in exc.value.message_dict


def test_rename_rewrites_the_subtree_text(world):
    address_update(actor=SYSTEM, address=world.a1.road, name="海沧大道")
    assert StandardAddress.objects.get(pk=world.a1.room.pk).full_text.endswith("海沧大道8号1号楼301室")


def test_an_address_with_live_houses_cannot_end(world):
    with pytest.raises(ValidationError):
        address_end(actor=SYSTEM, address=world.a1.room, reason="拆除")
