"""The small world every test can stand on: two streets, three grids, a police grid across streets, and a
user of every role. Built through the services, so it is audited like anything else."""

import datetime
from types import SimpleNamespace

import pytest

from wangge.accounts.roles import Role
from wangge.accounts.services import team_add_member, user_create
from wangge.addresses.models import AddressLevel
from wangge.addresses.services import address_create
from wangge.areas.models import AreaLevel, GridKind
from wangge.areas.services import (
    area_create,
    police_grid_create,
    police_office_create,
    police_station_create,
)
from wangge.core.actor import Actor
from wangge.housing.services import house_create
from wangge.people.identity import make_resident_id
from wangge.people.services import person_create, residence_create
from wangge.units.services import employment_create, unit_create

PASSWORD = "wangge-test-pw-2026"


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = (
        db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db.get('HOST')}:{db.get('PORT')}/{db['NAME']}"
    )
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({where})"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests create a dozen users each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SYSTEM = Actor.system()


def build_grid_contents(
    grid, *, road: str, person_name: str, id_seq: int, phone: str, unit_name: str, credit_code: str
):
    """One road, one door plate, one building with a room, a rented house, a tenant, a shop and its clerk."""
    road_node = address_create(actor=SYSTEM, level=AddressLevel.ROAD, name=road, grid=grid)
    door = address_create(actor=SYSTEM, level=AddressLevel.DOOR_PLATE, name="8号", parent=road_node)
    building = address_create(actor=SYSTEM, level=AddressLevel.BUILDING, name="1号楼", parent=door)
    room = address_create(actor=SYSTEM, level=AddressLevel.ROOM, name="301室", parent=building)
    house = house_create(
        actor=SYSTEM,
        address=room,
        use="dwelling",
        rental_status="rented",
        rooms=2,
        floor_area="65.00",
        owner_name="房东" + person_name[0],
        owner_phone="13900000000",
    )
    person = person_create(
        actor=SYSTEM,
        grid=grid,
        name=person_name,
        phone=phone,
        category="migrant",
        ethnicity="01",
        id_number=make_resident_id("350205", datetime.date(1990, 5, 17), id_seq),
    )
    residence = residence_create(
        actor=SYSTEM, person=person, house=house, relation="tenant", started_on=datetime.date(2024, 3, 1)
    )
    unit = unit_create(
        actor=SYSTEM,
        address=door,
        name=unit_name,
        kind="shop",
        credit_code=credit_code,
        contact_name="店主",
        contact_phone="13700000000",
        staff_count=3,
    )
    employment = employment_create(
        actor=SYSTEM, person=person, unit=unit, hired_on=datetime.date(2024, 4, 1), position="店员"
    )
    return SimpleNamespace(
        road=road_node,
        door=door,
        building=building,
        room=room,
        house=house,
        person=person,
        residence=residence,
        unit=unit,
        employment=employment,
    )


@pytest.fixture
def world(db):
    district = area_create(actor=SYSTEM, code="350205", name="海沧区", level=AreaLevel.DISTRICT)
    street_a = area_create(
        actor=SYSTEM, code="350205001", name="海沧街道", level=AreaLevel.STREET, parent=district
    )
    street_b = area_create(
        actor=SYSTEM, code="350205003", name="嵩屿街道", level=AreaLevel.STREET, parent=district
    )
    community_a = area_create(
        actor=SYSTEM, code="350205001001", name="海沧社区", level=AreaLevel.COMMUNITY, parent=street_a
    )
    community_b = area_create(
        actor=SYSTEM, code="350205003010", name="海林社区", level=AreaLevel.COMMUNITY, parent=street_b
    )
    big_a = area_create(
        actor=SYSTEM,
        code="350205001001001",
        name="海沧第一大网格",
        level=AreaLevel.BIG_GRID,
        parent=community_a,
    )
    big_b = area_create(
        actor=SYSTEM,
        code="350205003010001",
        name="海林第一大网格",
        level=AreaLevel.BIG_GRID,
        parent=community_b,
    )
    grid_a1 = area_create(
        actor=SYSTEM,
        code="350205001001001001",
        name="海沧一格",
        level=AreaLevel.GRID,
        parent=big_a,
        kind=GridKind.URBAN_COMMUNITY,
    )
    grid_a2 = area_create(
        actor=SYSTEM,
        code="350205001001001002",
        name="海沧二格",
        level=AreaLevel.GRID,
        parent=big_a,
        kind=GridKind.URBAN_VILLAGE,
    )
    grid_b1 = area_create(
        actor=SYSTEM,
        code="350205003010001001",
        name="海林一格",
        level=AreaLevel.GRID,
        parent=big_b,
        kind=GridKind.URBAN_COMMUNITY,
    )
    station = police_station_create(actor=SYSTEM, code="350205PS01", name="海沧派出所", district=district)
    office = police_office_create(
        actor=SYSTEM, code="350205PO01", name="海沧社区警务室", station=station, community=community_a
    )
    police_grid = police_grid_create(
        actor=SYSTEM, code="350205PG01", name="海沧一号警格", office=office, grids=[grid_a1, grid_b1]
    )

    a1 = build_grid_contents(
        grid_a1,
        road="海沧路",
        person_name="张三",
        id_seq=111,
        phone="13812340001",
        unit_name="海沧便利店",
        credit_code="91350205MA31ABCD1Q",
    )
    a2 = build_grid_contents(
        grid_a2,
        road="渐美路",
        person_name="李四",
        id_seq=222,
        phone="13812340002",
        unit_name="渐美五金店",
        credit_code="",
    )
    b1 = build_grid_contents(
        grid_b1,
        road="海林路",
        person_name="王五",
        id_seq=333,
        phone="13812340003",
        unit_name="海林药房",
        credit_code="",
    )

    # The team of grid b1 has one volunteer (R-04); the other grids' teams are made by the tests that need them.
    team_member = team_add_member(
        actor=SYSTEM, grid=grid_b1, kind="volunteer", name="林阿姨", phone="13900004444"
    )

    def user(username, role, areas=(), police_grids=()):
        return user_create(
            actor=SYSTEM,
            username=username,
            password=PASSWORD,
            role=role,
            name=username,
            areas=areas,
            police_grids=police_grids,
        )

    users = SimpleNamespace(
        district_admin=user("district_admin", Role.DISTRICT_ADMIN, [district]),
        street_admin=user("street_admin", Role.STREET_ADMIN, [street_a]),
        community_admin=user("community_admin", Role.COMMUNITY_ADMIN, [community_a]),
        grid_chief=user("grid_chief", Role.GRID_CHIEF, [big_a]),
        deputy_grid_chief=user("deputy_grid_chief", Role.DEPUTY_GRID_CHIEF, [big_a]),
        grid_manager=user("grid_manager", Role.GRID_MANAGER, [grid_a1]),
        grid_worker=user("grid_worker", Role.GRID_WORKER, [grid_a1]),
        grid_worker_b=user("grid_worker_b", Role.GRID_WORKER, [grid_b1]),
        informant=user("informant", Role.INFORMANT, [grid_a1]),
        police_officer=user("police_officer", Role.POLICE_OFFICER, police_grids=[police_grid]),
        department_staff=user("department_staff", Role.DEPARTMENT_STAFF, [district]),
        viewer=user("viewer", Role.VIEWER, [street_b]),
    )
    return SimpleNamespace(
        district=district,
        street_a=street_a,
        street_b=street_b,
        community_a=community_a,
        community_b=community_b,
        big_a=big_a,
        big_b=big_b,
        grid_a1=grid_a1,
        grid_a2=grid_a2,
        grid_b1=grid_b1,
        station=station,
        office=office,
        police_grid=police_grid,
        team_member=team_member,
        a1=a1,
        a2=a2,
        b1=b1,
        users=users,
        password=PASSWORD,
    )
