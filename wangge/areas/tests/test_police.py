"""The police overlay (派出所 → 警务室 → 警格): who sees it, who may reshape it, and what ending needs first."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from wangge.accounts.services import assignment_add, assignment_end
from wangge.areas.models import PoliceGrid, PoliceOffice, PoliceStation
from wangge.areas.services import (
    police_grid_create,
    police_grid_end,
    police_grid_set_grids,
    police_grid_update,
    police_office_create,
    police_office_end,
    police_office_update,
    police_station_create,
    police_station_end,
    police_station_update,
)
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.people.models import Person

SYSTEM = Actor.system()


def as_user(user):
    return Actor(user=user, source=Source.WEB)


def visible(model, user) -> set:
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def records(instance, action):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk, action=action
    )


@pytest.fixture
def street_a_police(world):
    """A police grid wholly inside street a (grid a2), in the world's office."""
    return police_grid_create(
        actor=SYSTEM, code="350205PG02", name="渐美警格", office=world.office, grids=[world.grid_a2]
    )


# --- scope ----------------------------------------------------------------------------------------------


def test_police_records_are_seen_where_they_touch_the_users_areas(world, street_a_police):
    u = world.users
    pg, pg2 = world.police_grid.pk, street_a_police.pk
    assert visible(PoliceGrid, u.police_officer) == {pg}
    assert visible(PoliceGrid, u.grid_worker) == {pg}
    assert visible(PoliceGrid, u.grid_chief) == {pg, pg2}
    assert visible(PoliceGrid, u.viewer) == {pg}
    assert visible(PoliceOffice, u.viewer) == {world.office.pk}
    assert visible(PoliceStation, u.police_officer) == {world.station.pk}
    lonely = police_station_create(actor=SYSTEM, code="350205PS09", name="空派出所", district=world.district)
    # A station with no office yet: seen by those who hold its district, by no one else.
    assert lonely.pk in visible(PoliceStation, u.district_admin)
    assert lonely.pk not in visible(PoliceStation, u.street_admin)
    assert lonely.pk not in visible(PoliceStation, u.police_officer)


def test_an_office_is_seen_in_its_community_before_it_has_police_grids(world):
    office = police_office_create(
        actor=as_user(world.users.street_admin),
        code="350205PO02",
        name="渐美警务室",
        station=world.station,
        community=world.community_a,
    )
    assert office.pk in visible(PoliceOffice, world.users.community_admin)
    assert office.pk not in visible(PoliceOffice, world.users.viewer)
    assert world.station.pk in visible(PoliceStation, world.users.community_admin)


# --- create ---------------------------------------------------------------------------------------------


def test_only_those_holding_the_district_create_a_station(world):
    with pytest.raises(ValidationError) as exc:
        police_station_create(
            actor=as_user(world.users.street_admin), code="PS9", name="新派出所", district=world.district
        )
    assert exc.value.message_dict == {"district": ["所选记录不存在。"]}
    with pytest.raises(ValidationError) as exc:
        police_station_create(
            actor=as_user(world.users.district_admin), code="PS9", name="新派出所", district=world.street_a
        )
    assert "district" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        police_station_create(
            actor=as_user(world.users.grid_chief), code="PS9", name="新派出所", district=world.district
        )
    station = police_station_create(
        actor=as_user(world.users.district_admin), code="PS9", name="新派出所", district=world.district
    )
    assert records(station, ChangeAction.CREATE).get().user == world.users.district_admin
    with pytest.raises(ValidationError) as exc:
        police_station_create(actor=SYSTEM, code="PS9", name="重复", district=world.district)
    assert "code" in exc.value.message_dict


def test_an_office_needs_a_community_of_its_own_scope_and_district(world):
    admin = as_user(world.users.street_admin)
    base = {"actor": admin, "code": "PO9", "name": "新警务室", "station": world.station}
    for community, message in [(None, "请选择"), (world.community_b, "不存在"), (world.big_a, "须选择")]:
        with pytest.raises(ValidationError) as exc:
            police_office_create(**base, community=community)
        assert message in exc.value.message_dict["community"][0]
    police_station_end(
        actor=SYSTEM,
        station=police_station_create(actor=SYSTEM, code="PS8", name="已撤销", district=world.district),
        reason="合并",
    )
    with pytest.raises(ValidationError) as exc:
        police_office_create(
            **{**base, "station": PoliceStation.objects.get(code="PS8")}, community=world.community_a
        )
    assert "station" in exc.value.message_dict


def test_a_police_grid_covers_at_least_one_grid_inside_the_scope(world):
    admin = as_user(world.users.street_admin)
    base = {"actor": admin, "code": "PG9", "name": "新警格", "office": world.office}
    for grids, message in [([], "至少"), ([world.big_a], "只能"), ([world.grid_b1], "不存在")]:
        with pytest.raises(ValidationError) as exc:
            police_grid_create(**base, grids=grids)
        assert message in exc.value.message_dict["grids"][0], grids
    police_grid = police_grid_create(**base, grids=[world.grid_a2])
    assert list(police_grid.grids.all()) == [world.grid_a2] and police_grid.version == 1


# --- change ---------------------------------------------------------------------------------------------


def test_rename_with_version_code_stays(world, street_a_police):
    admin = as_user(world.users.community_admin)
    diff = police_grid_update(
        actor=admin, police_grid=street_a_police, expected_version=1, name="渐美一号警格", code="X"
    )
    assert diff == {"name": ["渐美警格", "渐美一号警格"]}
    street_a_police.refresh_from_db()
    assert street_a_police.code == "350205PG02" and street_a_police.version == 2
    with pytest.raises(ValidationError) as exc:
        police_grid_update(actor=admin, police_grid=street_a_police, expected_version=1, name="旧")
    assert "version" in exc.value.message_dict
    assert police_office_update(
        actor=as_user(world.users.district_admin), office=world.office, name="改名"
    ) == {"name": ["海沧社区警务室", "改名"]}


def test_only_an_admin_holding_all_of_it_may_reshape_it(world, street_a_police):
    # The world's police grid covers a grid of street b too: street a's admins read it but may not change it.
    for username in ("street_admin", "community_admin"):
        with pytest.raises(PermissionDenied):
            police_grid_update(
                actor=as_user(getattr(world.users, username)), police_grid=world.police_grid, name="x"
            )
        with pytest.raises(PermissionDenied):
            police_station_update(
                actor=as_user(getattr(world.users, username)), station=world.station, name="x"
            )
    with pytest.raises(PermissionDenied):
        police_office_update(actor=as_user(world.users.community_admin), office=world.office, name="x")
    with pytest.raises(PermissionDenied):
        police_grid_update(actor=as_user(world.users.grid_chief), police_grid=street_a_police, name="x")
    police_grid_update(
        actor=as_user(world.users.district_admin), police_grid=world.police_grid, name="跨街警格"
    )
    police_station_update(actor=as_user(world.users.district_admin), station=world.station, name="海沧所")


def test_coverage_change_moves_the_officers_scope_and_is_recorded(world, street_a_police):
    officer = world.users.police_officer
    admin = as_user(world.users.district_admin)
    assert {p.grid_id for p in Person.objects.visible_to(officer)} == {world.grid_a1.pk, world.grid_b1.pk}
    police_grid_set_grids(actor=admin, police_grid=world.police_grid, grids=[world.grid_a1, world.grid_a2])
    assert {p.grid_id for p in Person.objects.visible_to(officer)} == {world.grid_a1.pk, world.grid_a2.pk}
    record = records(world.police_grid, ChangeAction.CHANGE).first()
    before = sorted([world.grid_a1.pk, world.grid_b1.pk])
    assert record.changes == {"grids": [before, sorted([world.grid_a1.pk, world.grid_a2.pk])]}
    world.police_grid.refresh_from_db()
    assert world.police_grid.version == 2
    with pytest.raises(ValidationError) as exc:
        police_grid_set_grids(actor=admin, police_grid=world.police_grid, grids=[])
    assert "grids" in exc.value.message_dict
    # A community admin holding all of the second police grid extends it, but only inside their scope.
    community = as_user(world.users.community_admin)
    police_grid_set_grids(actor=community, police_grid=street_a_police, grids=[world.grid_a2, world.grid_a1])
    with pytest.raises(ValidationError) as exc:
        police_grid_set_grids(actor=community, police_grid=street_a_police, grids=[world.grid_b1])
    assert exc.value.message_dict == {"grids": ["所选记录不存在。"]}


# --- end ------------------------------------------------------------------------------------------------


def test_ending_goes_from_the_bottom_up(world):
    admin = as_user(world.users.district_admin)
    with pytest.raises(ValidationError) as exc:
        police_station_end(actor=admin, station=world.station, reason="撤并")
    assert "警务室" in exc.value.message_dict["station"][0]
    with pytest.raises(ValidationError) as exc:
        police_office_end(actor=admin, office=world.office, reason="撤并")
    assert "警格" in exc.value.message_dict["office"][0]
    with pytest.raises(ValidationError) as exc:
        police_grid_end(actor=admin, police_grid=world.police_grid, reason="撤并")
    assert "police_officer" in exc.value.message_dict["police_grid"][0]

    officer = world.users.police_officer
    assignment_add(actor=admin, user=officer, area=world.grid_a1)
    assignment_end(
        actor=admin, assignment=officer.assignments.get(police_grid=world.police_grid), reason="调整"
    )
    police_grid_end(actor=admin, police_grid=world.police_grid, reason="撤并")
    police_office_end(actor=admin, office=world.office, reason="撤并")
    police_station_end(actor=admin, station=world.station, reason="撤并")
    world.station.refresh_from_db()
    assert world.station.ended_on is not None and world.station.end_reason == "撤并"
    assert records(world.station, ChangeAction.END).get().reason == "撤并"
    # Ended records stay, and are no longer renamed or given to anyone.
    with pytest.raises(ValidationError):
        police_station_update(actor=admin, station=world.station, name="x")
    with pytest.raises(ValidationError) as exc:
        assignment_add(actor=admin, user=officer, police_grid=world.police_grid)
    assert "police_grid" in exc.value.message_dict
    assert PoliceGrid.objects.filter(pk=world.police_grid.pk).exists()
