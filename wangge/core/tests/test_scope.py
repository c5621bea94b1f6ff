"""The one scoping chokepoint, at the query-set level: each role sees exactly its part."""

import pytest

from wangge.addresses.models import StandardAddress
from wangge.areas.models import Area, PoliceGrid
from wangge.housing.models import House
from wangge.people.models import Person, Residence
from wangge.units.models import Employment, Unit

ENTITIES = [
    (Person, "person"),
    (House, "house"),
    (Residence, "residence"),
    (Unit, "unit"),
    (Employment, "employment"),
]

# Which of the three grids' records each user must see (and no others).
EXPECTED = {
    "district_admin": {"a1", "a2", "b1"},
    "street_admin": {"a1", "a2"},
    "community_admin": {"a1", "a2"},
    "grid_chief": {"a1", "a2"},
    "grid_worker": {"a1"},
    "grid_worker_b": {"b1"},
    "informant": {"a1"},
    "police_officer": {"a1", "b1"},
    "department_staff": {"a1", "a2", "b1"},
    "viewer": {"b1"},
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
@pytest.mark.parametrize("model,attr", ENTITIES, ids=[e[1] for e in ENTITIES])
def test_each_role_sees_exactly_its_grids(world, username, model, attr):
    user = getattr(world.users, username)
    seen = set(model.objects.visible_to(user).values_list("pk", flat=True))
    expected = {getattr(getattr(world, grid), attr).pk for grid in EXPECTED[username]}
    assert seen == expected


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_addresses_follow_the_same_scope(world, username):
    user = getattr(world.users, username)
    seen = set(StandardAddress.objects.visible_to(user).values_list("grid__code", flat=True))
    assert seen == {getattr(world, grid).house.grid.code for grid in EXPECTED[username]}


def test_area_tree_is_cut_at_the_assignment(world):
    seen = set(Area.objects.visible_to(world.users.street_admin).values_list("code", flat=True))
    assert world.street_a.code in seen and world.district.code not in seen and world.grid_b1.code not in seen


def test_police_see_their_police_grid_only(world):
    assert list(PoliceGrid.objects.visible_to(world.users.police_officer)) == [world.police_grid]
    # The viewer's street holds one of the police grid's collection grids, so the police grid shows.
    assert PoliceGrid.objects.visible_to(world.users.viewer).filter(pk=world.police_grid.pk).exists()


def test_inactive_or_unassigned_user_sees_nothing(world, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-long-password")
    assert not Person.objects.visible_to(nobody).exists()
    world.users.district_admin.is_active = False
    assert not Person.objects.visible_to(world.users.district_admin).exists()
