"""Rollups: the stored rows equal the raw aggregation, past days rebuild from the dates on the rows, refreshes are
idempotent, today's rows stay fresh, and the command line does the same as the service."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wangge.accounts.models import TeamMember
from wangge.accounts.services import team_add_member, team_member_end
from wangge.addresses.models import StandardAddress
from wangge.collection.models import VerificationMark
from wangge.collection.services import house_verify, person_verify, visit_record
from wangge.core.actor import Actor
from wangge.housing.models import House
from wangge.people.models import Person, Residence
from wangge.quality import rollup, selectors
from wangge.quality.models import COUNTERS, GridDayStat, WorkerDayStat
from wangge.quality.rollup import day_start
from wangge.quality.services import rollup_refresh
from wangge.quality.tests.test_rates import reference_counts
from wangge.units.models import Unit

SYSTEM = Actor.system()
TODAY = timezone.localdate


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


@pytest.fixture
def history(world):
    """The world as if recorded 10 days ago, with field work spread over the days since."""
    recorded = day_start(days_ago(10)) + datetime.timedelta(hours=9)
    for model in (StandardAddress, House, Person, Residence, Unit):
        model.objects.update(created_at=recorded)
    worker = Actor.system(source="field", user=world.users.grid_worker)
    worker_b = Actor.system(source="field", user=world.users.grid_worker_b)
    for ago, actor, flat in (
        (6, worker, world.a1.room),
        (3, worker_b, world.b1.room),
        (1, worker, world.a1.room),
    ):
        visit_record(
            actor=actor,
            address=flat,
            outcome="met",
            visited_at=day_start(days_ago(ago)) + datetime.timedelta(hours=10),
        )
    # Marks carry the day they were made; these were made on the days of the visits.
    mark = person_verify(actor=worker, person=world.a1.person)
    VerificationMark.objects.filter(pk=mark.pk).update(verified_on=days_ago(6))
    mark = house_verify(actor=worker_b, house=world.b1.house)
    VerificationMark.objects.filter(pk=mark.pk).update(verified_on=days_ago(3))
    return world


def test_back_filled_rows_equal_the_rows_read_one_by_one(history):
    world = history
    rollup_refresh(actor=SYSTEM, day_from=days_ago(8), day_to=TODAY())
    assert GridDayStat.objects.count() == 9 * 3
    for ago in range(8, -1, -1):
        day = days_ago(ago)
        for grid in (world.grid_a1, world.grid_a2, world.grid_b1):
            row = GridDayStat.objects.get(grid=grid, day=day)
            expected = reference_counts(grid, day, day.replace(day=1))
            assert {k: getattr(row, k) for k in expected} == expected, (grid.name, day)
            assert row.period_start == day.replace(day=1)
            assert row.grid_code == grid.code
    # The days before the first visit show no visit at all (unless the month started in between).
    b1 = GridDayStat.objects.get(grid=world.grid_b1, day=days_ago(4))
    assert b1.flats == 1 and b1.flats_visited == 0 and b1.houses_verified == 0


def test_rows_equal_the_raw_compute(history):
    day = days_ago(1)
    rollup_refresh(actor=SYSTEM, day_from=day)
    raw = rollup.compute(day)
    for row in GridDayStat.objects.filter(day=day):
        assert {c: getattr(row, c) for c in COUNTERS} == {c: raw[row.grid_id][c] for c in COUNTERS}
    # A subset of grids computes the same numbers as the whole.
    some = rollup.compute(day, [history.grid_b1.pk])
    assert some == {history.grid_b1.pk: raw[history.grid_b1.pk]}


def test_refresh_is_idempotent(history):
    rollup_refresh(actor=SYSTEM, day_from=days_ago(2), day_to=TODAY())
    first = sorted(GridDayStat.objects.values_list("grid_id", "day", *COUNTERS))
    again = rollup_refresh(actor=SYSTEM, day_from=days_ago(2), day_to=TODAY())
    assert again["days"] == 3 and again["grid_rows"] == 9
    assert sorted(GridDayStat.objects.values_list("grid_id", "day", *COUNTERS)) == first


def test_refresh_of_one_area_leaves_the_others(history):
    rollup_refresh(actor=SYSTEM, day_from=TODAY())
    before = GridDayStat.objects.get(grid=history.grid_b1, day=TODAY()).computed_at
    result = rollup_refresh(actor=SYSTEM, day_from=TODAY(), area=history.street_a)
    assert result["grid_rows"] == 2
    assert GridDayStat.objects.get(grid=history.grid_b1, day=TODAY()).computed_at == before


def test_the_query_count_does_not_grow_with_the_grids(history):
    day = days_ago(1)
    with CaptureQueriesContext(connection) as one:
        rollup.compute(day, [history.grid_a1.pk])
    with CaptureQueriesContext(connection) as all_grids:
        rollup.compute(day)
    assert len(all_grids) == len(one) <= 12


def test_worker_rows_follow_the_team(history):
    world = history
    team_add_member(
        actor=SYSTEM,
        grid=world.grid_a1,
        kind="grid_worker",
        user=world.users.grid_worker,
        joined_on=days_ago(20),
    )
    member_b = team_add_member(
        actor=SYSTEM,
        grid=world.grid_b1,
        kind="grid_worker",
        user=world.users.grid_worker_b,
        joined_on=days_ago(20),
    )
    rollup_refresh(actor=SYSTEM, day_from=days_ago(1))
    rows = {r.user_id: r for r in WorkerDayStat.objects.filter(day=days_ago(1))}
    assert set(rows) == {world.users.grid_worker.pk, world.users.grid_worker_b.pk}
    mine = rows[world.users.grid_worker.pk]
    a1 = GridDayStat.objects.get(grid=world.grid_a1, day=days_ago(1))
    assert (mine.flats, mine.flats_visited) == (a1.flats, a1.flats_visited)
    in_month = [d for d in (days_ago(6), days_ago(1)) if d >= days_ago(1).replace(day=1)]
    assert mine.visits == len(in_month)
    assert mine.own_people_verified == int(days_ago(6) >= days_ago(1).replace(day=1))
    team_member_end(actor=SYSTEM, member=member_b, reason="调离")
    TeamMember.objects.filter(pk=member_b.pk).update(ended_on=days_ago(0))
    rollup_refresh(actor=SYSTEM, day_from=TODAY(), area=world.grid_b1)
    assert not WorkerDayStat.objects.filter(day=TODAY(), user=world.users.grid_worker_b).exists()


def test_stale_rows_of_today_are_recomputed_when_read(world, settings):
    admin = world.users.district_admin
    rollup_refresh(actor=SYSTEM, day_from=TODAY())
    worker = Actor.system(source="field", user=world.users.grid_worker)
    visit_record(actor=worker, address=world.a1.room, outcome="met")
    # Fresh rows are read as they are (the "as of" time says how old they are) …
    assert selectors.area_figures(user=admin, area=world.grid_a1).flats_visited == 0
    # … and once older than QUALITY_FRESH_MINUTES, recomputed by the read itself (a small area).
    old = timezone.now() - datetime.timedelta(minutes=settings.QUALITY_FRESH_MINUTES + 1)
    GridDayStat.objects.update(computed_at=old)
    figures = selectors.area_figures(user=admin, area=world.grid_a1)
    assert figures.flats_visited == 1 and figures.computed_at > old


def test_a_large_stale_area_queues_one_refresh_and_answers_from_its_rows(world, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.QUALITY_INLINE_GRIDS = 2
    admin = world.users.district_admin
    rollup_refresh(actor=SYSTEM, day_from=TODAY())
    old = timezone.now() - datetime.timedelta(hours=1)
    GridDayStat.objects.update(computed_at=old)
    figures = selectors.area_figures(user=admin, area=world.district)
    assert figures.computed_at == old and figures.grid_count == 3
    selectors.area_figures(user=admin, area=world.district)
    job = DBTaskResult.objects.get()
    assert job.task_path == "wangge.quality.tasks.rollup_refresh_job"
    from wangge.quality.tasks import rollup_refresh_job

    rollup_refresh_job.call(**job.args_kwargs["kwargs"])
    assert selectors.area_figures(user=admin, area=world.district).computed_at > old
    # Small areas are still answered inline.
    assert selectors.area_figures(user=admin, area=world.grid_a1).grid_count == 1


def test_the_command_rebuilds_a_range(history, capsys):
    call_command(
        "quality",
        "rollup",
        "--from",
        days_ago(2).isoformat(),
        "--to",
        TODAY().isoformat(),
        "--area",
        history.street_b.code,
    )
    assert set(GridDayStat.objects.values_list("grid_id", flat=True)) == {history.grid_b1.pk}
    assert GridDayStat.objects.count() == 3
    assert "3" in capsys.readouterr().out
    call_command("quality", "rollup")
    assert GridDayStat.objects.filter(day=TODAY()).count() == 3
    with pytest.raises(CommandError):
        call_command("quality", "rollup", "--from", "2026-02-30")
    with pytest.raises(CommandError):
        call_command("quality", "rollup", "--area", "999999")
    with pytest.raises(CommandError):
        call_command("quality", "rollup", "--from", TODAY().isoformat(), "--to", days_ago(1).isoformat())


def test_the_nightly_task_rebuilds_yesterday_and_today(world):
    from wangge.quality.tasks import rollup_nightly

    result = rollup_nightly.call()
    assert result["days"] == 2
    assert set(GridDayStat.objects.values_list("day", flat=True)) == {days_ago(1), TODAY()}


def test_a_user_refreshes_only_inside_their_scope(world):
    from django.core.exceptions import ValidationError

    street_admin = Actor(user=world.users.street_admin, source="web")
    with pytest.raises(ValidationError) as e:
        rollup_refresh(actor=street_admin, day_from=TODAY(), area=world.street_b)
    assert "area" in e.value.message_dict
    result = rollup_refresh(actor=street_admin, day_from=TODAY())
    assert result["grid_rows"] == 2
    assert set(GridDayStat.objects.values_list("grid_id", flat=True)) == {world.grid_a1.pk, world.grid_a2.pk}
    with pytest.raises(ValidationError) as e:
        rollup_refresh(actor=SYSTEM, day_from=TODAY() + datetime.timedelta(days=1))
    assert "day_to" in e.value.message_dict


def test_system_jobs_read_every_area_and_none_reads_nothing(world):
    from django.http import Http404

    roots = selectors.root_areas(user=selectors.SYSTEM)
    assert [a.code for a in roots] == [world.district.code]
    figures = selectors.area_figures(user=selectors.SYSTEM)
    assert figures.key == world.district.code and figures.grid_count == 3
    with pytest.raises(Http404):
        selectors.area_figures(user=None)


def test_a_range_computes_what_each_day_computes(history):
    """compute_range (back-fills) and compute (one day) agree day by day, through everything that changes a
    count: a campaign starting mid-range, a month boundary, a child address added, a visit and a residence ended,
    a deregistration, a unit opened."""
    from wangge.addresses.services import address_create
    from wangge.collection.models import Visit
    from wangge.core.services import end_record
    from wangge.people.services import person_deregister
    from wangge.quality.services import campaign_create
    from wangge.units.services import unit_create

    world = history
    room = address_create(actor=SYSTEM, level=7, name="302室", parent=world.a2.building)
    StandardAddress.objects.filter(pk=room.pk).update(
        created_at=day_start(days_ago(4)) + datetime.timedelta(hours=8)
    )
    end_record(
        Visit.objects.filter(address=world.b1.room).first(), actor=SYSTEM, reason="误录", on=days_ago(2)
    )
    end_record(world.a2.residence, actor=SYSTEM, reason="搬离", on=days_ago(5))
    person_deregister(actor=SYSTEM, person=world.b1.person, reason="迁出", on=days_ago(1))
    unit = unit_create(actor=SYSTEM, address=world.a2.room, name="小卖部", kind="shop")
    Unit.objects.filter(pk=unit.pk).update(created_at=day_start(days_ago(3)))
    campaign_create(actor=SYSTEM, area=world.street_a, name="秋季采集", starts_on=days_ago(5))
    first = days_ago(40)  # across a month boundary whatever today is
    by_day = rollup.compute_range(first, TODAY())
    assert sorted(by_day) == [first + datetime.timedelta(days=n) for n in range(41)]
    for day, counts in by_day.items():
        assert counts == rollup.compute(day), day
    some = rollup.compute_range(days_ago(6), days_ago(2), [world.grid_a2.pk])
    for day, counts in some.items():
        assert counts == rollup.compute(day, [world.grid_a2.pk]), day
