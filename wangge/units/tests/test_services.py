import datetime

import pytest
from django.core.exceptions import ValidationError

from wangge.core.actor import Actor
from wangge.units.services import check_credit_code, employment_end, unit_create, unit_end

SYSTEM = Actor.system()


def test_credit_code_check_digit():
    assert check_credit_code(" 91350205MA31ABCD1Q ") == "91350205MA31ABCD1Q"
    assert check_credit_code("") is None
    with pytest.raises(ValidationError) as exc:
        check_credit_code("91350205MA31ABCD1K")
    assert "credit_code" in exc.value.message_dict


def test_unit_takes_the_grid_of_its_address(world):
    unit = unit_create(actor=SYSTEM, address=world.a2.door, name="  渐美  小吃 ", kind="shop")
    assert unit.grid == world.grid_a2 and unit.name == "渐美 小吃"


def test_closing_a_unit_ends_its_employments(world):
    unit_end(actor=SYSTEM, unit=world.a1.unit, reason="歇业")
    world.a1.employment.refresh_from_db()
    assert world.a1.employment.ended_on is not None and world.a1.employment.end_reason == "歇业"


def test_leaving_before_hiring_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        employment_end(
            actor=SYSTEM, employment=world.a1.employment, reason="离职", on=datetime.date(2020, 1, 1)
        )
    assert "ended_on" in exc.value.message_dict
