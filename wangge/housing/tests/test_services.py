import pytest
from django.core.exceptions import ValidationError

from wangge.core.actor import Actor
from wangge.housing.services import house_create, house_end, house_update

SYSTEM = Actor.system()


def test_house_codes_count_up_on_one_address(world):
    second = house_create(actor=SYSTEM, address=world.a1.room, use="dwelling")
    assert second.house_code == world.a1.room.code + "H02"


def test_house_only_on_building_or_room(world):
    with pytest.raises(ValidationError) as exc:
        house_create(actor=SYSTEM, address=world.a1.road)
    assert "address" in exc.value.message_dict


def test_owner_phone_is_checked_and_normalised(world):
    house_update(actor=SYSTEM, house=world.a1.house, owner_phone="+86 139-1234-5678")
    assert world.a1.house.owner_phone == "13912345678"
    with pytest.raises(ValidationError) as exc:
        house_update(actor=SYSTEM, house=world.a1.house, owner_phone="12345")
    assert "owner_phone" in exc.value.message_dict


def test_a_house_with_residents_cannot_end(world):
    with pytest.raises(ValidationError):
        house_end(actor=SYSTEM, house=world.a1.house, reason="拆迁")
