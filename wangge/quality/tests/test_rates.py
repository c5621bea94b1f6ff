"""The six rates on the `world` fixture, with visits and marks recorded through the collection services.

Expected values come from `reference_counts`, a plain reading of the rows one by one (docs/quality.md's
definitions written as loops), never from numbers typed into the test.
"""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from wangge.accounts.services import team_add_member
from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.addresses.services import address_create
from wangge.collection.models import VerificationMark, Visit
from wangge.collection.services import house_verify, person_verify, visit_record
from wangge.core.actor import Actor
from wangge.housing.models import House
from wangge.housing.services import house_create
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence
from wangge.people.services import person_create, person_deregister
from wangge.quality import selectors
from wangge.quality.rollup import day_start
from wangge.quality.services import campaign_create, rollup_refresh
from wangge.units.models import Unit

SYSTEM = Actor.system()


def reference_counts(grid, day: datetime.date, start: datetime.date) -> dict:
    """The counters of one grid on `day` over [start, day], read row by row."""
    begin, end = day_start(start), day_start(day + datetime.timedelta(days=1))

    def current(obj) -> bool:
        return obj.created_at < end and (obj.ended_on is None or obj.ended_on > day)

    def active(person) -> bool:
        if person.created_at >= end:
            return False
        return (person.ended_on is None and person.status == "active") or (
            person.ended_on is not None and person.ended_on > day
        )

    def in_period_visit(v) -> bool:
        # Counted on the day it was made, however late it reached the server.
        return (v.ended_on is None or v.ended_on > day) and begin <= v.visited_at < end

    addresses = [a for a in StandardAddress.objects.filter(grid=grid) if current(a)]
    flats = [a for a in addresses if not any(current(c) for c in StandardAddress.objects.filter(parent=a))]
    visited = [a for a in flats if any(in_period_visit(v) for v in Visit.objects.filter(address=a))]
    marks = [m for m in VerificationMark.objects.all() if start <= m.verified_on <= day]
    marked_people = {m.person_id for m in marks if m.person_id}
    marked_houses = {m.house_id for m in marks if m.house_id}
    people = [p for p in Person.objects.filter(grid=grid) if active(p)]
    registered = [p for p in Person.objects.filter(grid=grid) if begin <= p.created_at < end]
    houses = [h for h in House.objects.filter(grid=grid) if current(h)]

    def collected(h) -> bool:
        lives = any(current(r) and active(r.person) for r in Residence.objects.filter(house=h))
        return lives or any(current(u) for u in Unit.objects.filter(address_id=h.address_id))

    return {
        "flats": len(flats),
        "flats_visited": len(visited),
        "people": len(people),
        "people_verified": sum(p.pk in marked_people for p in people),
        "houses": len(houses),
        "houses_verified": sum(h.pk in marked_houses for h in houses),
        "houses_collected": sum(collected(h) for h in houses),
        "registered": len(registered),
        "registered_active": sum(active(p) for p in registered),
        "visits": sum(in_period_visit(v) for v in Visit.objects.filter(grid=grid)),
    }


def add_room(building, name):
    return address_create(actor=SYSTEM, level=AddressLevel.ROOM, name=name, parent=building)


def add_person(grid, house, seq, name="赵六"):
    person = person_create(
        actor=SYSTEM,
        grid=grid,
        name=name,
        category="registered",
        ethnicity="01",
        id_number=make_resident_id("350205", datetime.date(1985, 1, 2), seq),
    )
    from wangge.people.services import residence_create

    residence_create(
        actor=SYSTEM, person=person, house=house, relation="family", started_on=datetime.date(2025, 1, 1)
    )
    return person


@pytest.fixture
def field_work(world):
    """Grid a1: two more rooms (one with an empty house), one visited twice; a1's person and house verified;
    grid a2: one more person, deregistered; nothing in b1."""
    worker = Actor.system(source="field", user=world.users.grid_worker)
    room2 = add_room(world.a1.building, "302室")
    add_room(world.a1.building, "303室")
    empty_house = house_create(actor=SYSTEM, address=room2, use="dwelling", rental_status="empty")
    visit = visit_record(actor=worker, address=world.a1.room, outcome="met")
    visit_record(actor=worker, address=world.a1.room, outcome="met")
    visit_record(actor=worker, address=room2, outcome="nobody_home")
    person_verify(actor=worker, person=world.a1.person, visit=visit)
    house_verify(actor=worker, house=world.a1.house, visit=visit)
    leaver = add_person(world.grid_a2, world.a2.house, 444)
    person_deregister(actor=SYSTEM, person=leaver, reason="迁出本区")
    return {"room2": room2, "empty_house": empty_house, "leaver": leaver}


def figures_of(world, grid, day=None):
    return selectors.area_figures(user=world.users.district_admin, area=grid, day=day)


def test_grid_figures_are_the_counts_of_the_rows(world, field_work):
    today = timezone.localdate()
    start = today.replace(day=1)
    for grid in (world.grid_a1, world.grid_a2, world.grid_b1):
        expected = reference_counts(grid, today, start)
        figures = figures_of(world, grid)
        assert {k: getattr(figures, k) for k in expected} == expected, grid.name
        assert figures.period_start == start
    a1 = figures_of(world, world.grid_a1)
    # The numbers a grid leader checks by hand: 3 flats, 2 visited; 1 of 2 houses verified, 1 empty.
    assert (a1.flats, a1.flats_visited, a1.visits) == (3, 2, 3)
    assert a1.rate("visit") == pytest.approx(2 / 3)
    assert a1.rate("house_verification") == pytest.approx(1 / 2)
    assert a1.rate("collection") == pytest.approx(1 / 2)
    assert a1.rate("person_verification") == 1


def test_not_deregistered_counts_people_registered_in_the_period(world, field_work):
    a2 = figures_of(world, world.grid_a2)
    assert a2.registered == 2 and a2.registered_active == 1
    assert a2.rate("not_deregistered") == pytest.approx(0.5)
    # A deregistered person is no longer among the people to verify.
    assert a2.people == Person.objects.filter(grid=world.grid_a2, status="active").count()


def test_zero_denominators_are_none_not_zero(world):
    b1 = figures_of(world, world.grid_b1)
    assert b1.rechecked == 0 and b1.rate("accuracy") is None
    assert b1.rates["accuracy"] is None
    assert b1.rate("visit") == 0  # flats exist, none visited: a real 0 %


def test_areas_sum_counts_and_never_average_rates(world, field_work):
    grids = [figures_of(world, g) for g in (world.grid_a1, world.grid_a2, world.grid_b1)]
    district = figures_of(world, world.district)
    for counter in ("flats", "flats_visited", "people", "houses", "houses_verified", "registered"):
        assert getattr(district, counter) == sum(getattr(g, counter) for g in grids)
    assert district.rate("visit") == pytest.approx(
        sum(g.flats_visited for g in grids) / sum(g.flats for g in grids)
    )
    assert district.grid_count == 3
    street_a = figures_of(world, world.street_a)
    assert street_a.flats == grids[0].flats + grids[1].flats


def test_children_ranking_and_behind(world, field_work):
    admin = world.users.district_admin
    children = selectors.child_figures(user=admin, area=world.district)
    assert [c.key for c in children] == [world.street_a.code, world.street_b.code]
    ranked = selectors.ranking(user=admin, area=world.district, level="grid", rate="visit")
    rates = {f.key: f.rate("visit") for _, f in ranked}
    assert [f.key for _, f in ranked][0] == world.grid_a1.code
    assert [r for r, _ in ranked] == [1, 2, 2] and rates[world.grid_a2.code] == rates[world.grid_b1.code] == 0
    # Accuracy is unknown everywhere: nobody ranks, everybody is listed.
    assert [
        r for r, _ in selectors.ranking(user=admin, area=world.district, level="grid", rate="accuracy")
    ] == [None] * 3
    worst = selectors.behind(user=admin, area=world.district, rate="visit", n=2)
    assert [f.key for f in worst] == [world.grid_a2.code, world.grid_b1.code]


def test_a_campaign_sets_the_period(world, field_work):
    today = timezone.localdate()
    worker = Actor.system(source="field", user=world.users.grid_worker)
    old = today - datetime.timedelta(days=3)
    visit_record(
        actor=worker, address=world.a1.building, outcome="met", visited_at=day_start(old).replace(hour=10)
    )
    campaign_create(
        actor=Actor.system(user=world.users.street_admin),
        area=world.street_a,
        name="十一月采集",
        starts_on=today - datetime.timedelta(days=1),
    )
    start, day = selectors.campaign_period(area=world.grid_a1, day=today)
    assert (start, day) == (today - datetime.timedelta(days=1), today)
    a1 = figures_of(world, world.grid_a1)
    assert a1.period_start == start
    assert a1.visits == reference_counts(world.grid_a1, today, start)["visits"] == 3
    # Street b has no campaign: its period is the month.
    assert selectors.campaign_period(area=world.grid_b1, day=today)[0] == today.replace(day=1)


def test_out_of_scope_areas_are_not_found(world):
    with pytest.raises(Http404):
        selectors.area_figures(user=world.users.grid_worker, area=world.grid_b1)
    with pytest.raises(Http404):
        selectors.child_figures(user=world.users.street_admin, area=world.district)
    with pytest.raises(Http404):
        selectors.ranking(user=world.users.viewer, area=world.street_a, level="grid")
    with pytest.raises(Http404):
        selectors.area_figures(user=None, area=world.district)
    # The district's figures seen by a street admin are their street's: nothing from outside leaks in.
    root = selectors.area_figures(user=world.users.street_admin)
    assert root.key == world.street_a.code


def test_a_police_officer_sees_the_sum_of_their_grids(world, field_work):
    officer = world.users.police_officer
    scope = selectors.area_figures(user=officer)
    grids = [figures_of(world, g) for g in (world.grid_a1, world.grid_b1)]
    assert scope.level == "scope" and scope.grid_count == 2
    assert scope.flats == sum(g.flats for g in grids)
    assert [c.key for c in selectors.child_figures(user=officer)] == [world.grid_a1.code, world.grid_b1.code]


def test_workers_and_party_member_comparison(world, field_work):
    worker_b = world.users.grid_worker_b
    worker_b.is_party_member = True
    worker_b.save(update_fields=["is_party_member"])
    team_add_member(actor=SYSTEM, grid=world.grid_a1, kind="grid_worker", user=world.users.grid_worker)
    team_add_member(actor=SYSTEM, grid=world.grid_b1, kind="grid_worker", user=worker_b)
    # A volunteer with an account is not a grid worker.
    team_add_member(actor=SYSTEM, grid=world.grid_a2, kind="volunteer", user=world.users.informant)
    admin = world.users.district_admin
    workers = selectors.worker_figures(user=admin, area=world.district)
    assert [w.user_id for w in workers] == [world.users.grid_worker.pk, worker_b.pk]
    mine = workers[0]
    a1 = figures_of(world, world.grid_a1)
    assert (mine.flats, mine.flats_visited, mine.houses_verified) == (
        a1.flats,
        a1.flats_visited,
        a1.houses_verified,
    )
    assert mine.visits == Visit.objects.filter(visitor=world.users.grid_worker).count() == 3
    assert (mine.own_people_verified, mine.own_houses_verified) == (1, 1)
    groups = selectors.group_comparison(user=admin, area=world.district)
    assert groups["party_member"]["count"] == 1 and groups["all"]["count"] == 2
    assert groups["party_member"]["visit"] == workers[1].rate("visit")
    assert groups["all"]["visit"] == pytest.approx((workers[0].rate("visit") + workers[1].rate("visit")) / 2)
    assert groups["others"]["visit"] == workers[0].rate("visit")
    assert groups["all"]["accuracy"] is None
    # A grid worker sees only themself among the workers.
    assert [
        w.user_id for w in selectors.worker_figures(user=world.users.grid_worker, area=world.grid_a1)
    ] == [world.users.grid_worker.pk]
    worst = selectors.behind(user=admin, area=world.district, level="worker", rate="visit")
    assert worst[0].user_id == worker_b.pk


def test_trend_is_one_figure_per_day(world, field_work):
    today = timezone.localdate()
    start = today - datetime.timedelta(days=2)
    rollup_refresh(actor=SYSTEM, day_from=start, day_to=today)
    days = selectors.trend(user=world.users.district_admin, area=world.district, start=start)
    assert [f.day for f in days] == [start + datetime.timedelta(days=i) for i in range(3)]
    # The world was recorded today: on the days before, nothing existed yet.
    assert days[0].flats == 0 and days[0].rate("visit") is None
    assert days[-1].flats == figures_of(world, world.district).flats


def test_bad_arguments_name_the_field(world):
    from django.core.exceptions import ValidationError

    admin = world.users.district_admin
    with pytest.raises(ValidationError) as e:
        selectors.ranking(user=admin, area=world.street_a, level="street")
    assert "level" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        selectors.ranking(user=admin, area=world.district, level="grid", rate="speed")
    assert "rate" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        selectors.area_figures(user=admin, day=timezone.localdate() + datetime.timedelta(days=1))
    assert "day" in e.value.message_dict
