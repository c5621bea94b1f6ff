"""Shared pieces of the anomaly tests."""

import datetime

from django.utils import timezone

from wangge.areas.models import Area, AreaLevel
from wangge.core.actor import Actor
from wangge.people.identity import make_resident_id
from wangge.people.services import person_create, residence_create

SYSTEM = Actor.system()


def findings(rule_class, *, today=None, area=None, **params):
    """What one rule finds over every grid (or one area), as a list."""
    grids = Area.objects.filter(level=AreaLevel.GRID)
    if area is not None:
        grids = grids.filter(code__startswith=area.code)
    return list(rule_class(today=today, params=params or None).find(grids))


def resident(grid, house, *, seq: int, name: str = "住户", relation: str = "family", birth=None, **fields):
    """A person living in a house, registered through the services."""
    person = person_create(
        actor=SYSTEM,
        grid=grid,
        name=name,
        id_number=make_resident_id("350205", birth or datetime.date(1985, 1, 1), seq),
        **fields,
    )
    residence_create(
        actor=SYSTEM, person=person, house=house, relation=relation, started_on=datetime.date(2024, 1, 1)
    )
    return person


def today() -> datetime.date:
    return timezone.localdate()
