import pytest
from django.core.exceptions import ValidationError

from wangge.areas.models import Area, AreaLevel
from wangge.areas.services import area_create, area_update
from wangge.core.actor import Actor

SYSTEM = Actor.system()


def test_subtree_by_code_prefix(world):
    codes = set(Area.objects.subtree(world.street_a.code).values_list("code", flat=True))
    assert world.grid_a2.code in codes and world.grid_b1.code not in codes


def test_codes_have_the_length_of_their_level(world):
    with pytest.raises(ValidationError) as exc:
        area_create(
            actor=SYSTEM,
            code="3502050010010010",
            name="坏网格",
            level=AreaLevel.GRID,
            parent=world.big_a,
            kind="rural",
        )
    assert "code" in exc.value.message_dict


def test_child_code_extends_the_parent(world):
    with pytest.raises(ValidationError) as exc:
        area_create(
            actor=SYSTEM,
            code="350205003010001009",
            name="错位网格",
            level=AreaLevel.GRID,
            parent=world.big_a,
            kind="rural",
        )
    assert "code" in exc.value.message_dict


def test_boundary_must_be_a_valid_polygon(world):
    square = {
        "type": "Polygon",
        "coordinates": [[[118.0, 24.4], [118.01, 24.4], [118.01, 24.41], [118.0, 24.4]]],
    }
    area_update(actor=SYSTEM, area=world.grid_a1, boundary=square)
    with pytest.raises(ValidationError) as exc:
        area_update(actor=SYSTEM, area=world.grid_a1, boundary={"type": "Point", "coordinates": [1, 2]})
    assert "boundary" in exc.value.message_dict


def test_ancestors_are_found_by_prefix(world):
    assert [a.code for a in world.grid_b1.ancestors()] == [
        "350205",
        "350205003",
        "350205003010",
        "350205003010001",
    ]
