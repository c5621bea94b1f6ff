"""Records collected by a worker, so a round has something to draw: rooms with a house and a tenant each."""

import datetime
import itertools

from django.utils import timezone

from wangge.accounts.roles import Role
from wangge.accounts.services import team_add_member, user_create
from wangge.addresses.models import AddressLevel
from wangge.addresses.services import address_create
from wangge.core.actor import Actor
from wangge.housing.services import house_create
from wangge.people.identity import make_resident_id
from wangge.people.services import person_create, residence_create

SYSTEM = Actor.system()
_seq = itertools.count(500)


def worker(world, username, grid, *, role=Role.GRID_WORKER, team_kind="grid_worker"):
    """A field worker assigned to one grid and on its team."""
    user = user_create(
        actor=SYSTEM,
        username=username,
        password=world.password,
        role=role,
        name=username,
        areas=[grid],
    )
    if team_kind:
        team_add_member(actor=SYSTEM, grid=grid, kind=team_kind, user=user)
    return user


def collect(world, grid, parent, *, collector, flats: int, names: str = "居民") -> list:
    """`flats` rooms under `parent` (a building), each with a house and one tenant, registered by `collector`."""
    actor = Actor(user=collector, source="web")
    made = []
    for i in range(flats):
        n = next(_seq)
        room = address_create(actor=SYSTEM, level=AddressLevel.ROOM, name=f"{n}室", parent=parent)
        house = house_create(
            actor=actor, address=room, use="dwelling", rental_status="rented", rooms=2, floor_area="60.00"
        )
        person = person_create(
            actor=actor,
            grid=grid,
            name=f"{names}{i}",
            phone=f"1391234{n:04d}",
            category="migrant",
            id_number=make_resident_id("350205", datetime.date(1985, 1, 1), n),
        )
        residence_create(
            actor=actor, person=person, house=house, relation="tenant", started_on=datetime.date(2024, 1, 1)
        )
        made.append((person, house))
    return made


def this_month():
    today = timezone.localdate()
    return today.replace(day=1), today


def all_right(item) -> list[dict]:
    from wangge.rechecks.fields import FIELDS

    return [{"field": f.name, "verdict": "right"} for f in FIELDS[item.kind]]
