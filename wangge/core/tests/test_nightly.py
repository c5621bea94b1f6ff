"""The nightly scheduler queues each job once per local day after NIGHTLY_AT, with the clock injected."""

import datetime

import pytest
from django.utils import timezone

from wangge.core.models import NightlyRun
from wangge.core.nightly import Scheduler, claim_and_enqueue, due_day

JOB = "wangge.quality.tasks.rollup_nightly"
MISSING = "wangge.nowhere.tasks.job"


def local(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 11, day, hour, minute))


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def db_tasks(settings, db):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NIGHTLY_AT = "02:00"
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects


def test_nothing_is_due_before_the_hour(settings):
    settings.NIGHTLY_AT = "02:00"
    assert due_day(local(22, 1, 59)) is None
    assert due_day(local(22, 2, 0)) == datetime.date(2026, 11, 22)
    # The day is the local one: 23:30 UTC on the 21st is 07:30 on the 22nd in Asia/Shanghai.
    utc = datetime.datetime(2026, 11, 21, 23, 30, tzinfo=datetime.UTC)
    assert due_day(utc) == timezone.localtime(utc).date()


def test_each_job_is_queued_once_per_day(db_tasks):
    clock = Clock(local(22, 1, 0))
    scheduler = Scheduler(clock=clock, jobs=[JOB])
    assert scheduler.run_due() == []
    clock.now = local(22, 2, 1)
    assert scheduler.run_due() == [JOB]
    assert db_tasks.filter(task_path=JOB).count() == 1
    clock.now = local(22, 23, 59)
    assert scheduler.run_due() == []
    clock.now = local(23, 0, 30)  # after midnight, before the hour: still nothing for the 23rd
    assert scheduler.run_due() == []
    clock.now = local(23, 2, 0)
    assert scheduler.run_due() == [JOB]
    assert list(NightlyRun.objects.order_by("day").values_list("day", flat=True)) == [
        datetime.date(2026, 11, 22),
        datetime.date(2026, 11, 23),
    ]
    assert db_tasks.filter(task_path=JOB).count() == 2
    assert all(run.task_id for run in NightlyRun.objects.all())


def test_two_workers_queue_it_once(db_tasks):
    clock = Clock(local(22, 3))
    first, second = Scheduler(clock=clock, jobs=[JOB]), Scheduler(clock=clock, jobs=[JOB])
    assert first.run_due() == [JOB]
    assert second.run_due() == []
    # Even when both looked before either claimed: the unique (job, day) row decides.
    from wangge.quality.tasks import rollup_nightly

    assert claim_and_enqueue(JOB, rollup_nightly, datetime.date(2026, 11, 22)) is None
    assert db_tasks.count() == 1 and NightlyRun.objects.count() == 1


def test_a_job_that_cannot_be_imported_is_skipped_not_fatal(db_tasks, caplog):
    scheduler = Scheduler(clock=Clock(local(22, 4)), jobs=[MISSING, JOB])
    assert scheduler.run_due() == [JOB]
    assert scheduler.run_due() == []
    assert not NightlyRun.objects.filter(job=MISSING).exists()
    assert sum(MISSING in r.message for r in caplog.records) == 1


def test_a_failed_enqueue_leaves_no_claim(db_tasks, monkeypatch):
    from wangge.quality.tasks import rollup_nightly

    def broken(*args, **kwargs):
        raise RuntimeError("queue down")

    monkeypatch.setattr(type(rollup_nightly), "enqueue", broken)
    scheduler = Scheduler(clock=Clock(local(22, 4)), jobs=[JOB])
    assert scheduler.tick() == []
    assert not NightlyRun.objects.exists()
    monkeypatch.undo()
    assert scheduler.run_due() == [JOB]


def test_the_settings_list_is_the_default(db_tasks, settings):
    settings.NIGHTLY_JOBS = [JOB]
    assert Scheduler(clock=Clock(local(22, 5))).run_due() == [JOB]


def test_the_loop_ticks_until_told_to_stop(db_tasks):
    class StopAfter:
        """Stands in for threading.Event: set after `n` waits."""

        def __init__(self, n):
            self.n = n

        def is_set(self):
            return self.n <= 0

        def wait(self, timeout):
            self.n -= 1

    scheduler = Scheduler(clock=Clock(local(22, 3)), jobs=[JOB], interval=0)
    scheduler.loop(StopAfter(3))
    assert NightlyRun.objects.filter(job=JOB).count() == 1
    assert db_tasks.count() == 1
