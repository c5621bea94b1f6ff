"""The nightly scheduler: `wangge worker` queues each of settings.NIGHTLY_JOBS once per local day, after
settings.NIGHTLY_AT, for django-tasks' worker to run.

Exactly once, even with several workers: a job is claimed by inserting its NightlyRun (unique on job and day) in
the same transaction that queues it, so a second worker's claim fails on the constraint and queues nothing, and
a failed enqueue leaves no claim behind. A worker started late in the day (after a restart, a power cut) still
queues that day's jobs. The clock is a parameter, so the logic is tested without waiting for the night.
"""

import datetime
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from wangge.core.models import NightlyRun

log = logging.getLogger(__name__)

# How often the scheduler looks at the clock: a minute late at worst, a trivial query each time.
INTERVAL_SECONDS = 60


def nightly_at() -> datetime.time:
    try:
        return datetime.time.fromisoformat(settings.NIGHTLY_AT)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"NIGHTLY_AT must be HH:MM, not {settings.NIGHTLY_AT!r}") from exc


def due_day(now: datetime.datetime) -> datetime.date | None:
    """The local day whose jobs are due at `now`, or None before NIGHTLY_AT."""
    local = timezone.localtime(now)
    return local.date() if local.time() >= nightly_at() else None


def claim_and_enqueue(job: str, task, day: datetime.date) -> NightlyRun | None:
    """Queue `task` for `day` unless some worker already did; None when it was already claimed."""
    try:
        with transaction.atomic():
            run = NightlyRun.objects.create(job=job, day=day)
            result = task.enqueue()
            run.task_id = str(getattr(result, "id", ""))[:64]
            run.save(update_fields=["task_id"])
            return run
    except IntegrityError:
        return None


class Scheduler:
    """Looks at the clock every `interval` seconds and queues the jobs that are due and not yet queued today."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime.datetime] = timezone.now,
        jobs: list[str] | None = None,
        interval: float = INTERVAL_SECONDS,
    ):
        self.clock = clock
        self.jobs = jobs
        self.interval = interval
        # Job paths that could not be imported, per day: warned about once, retried every tick.
        self._warned: set[tuple[str, datetime.date]] = set()

    def run_due(self) -> list[str]:
        """One look at the clock: the jobs this call queued."""
        day = due_day(self.clock())
        if day is None:
            return []
        jobs = list(settings.NIGHTLY_JOBS if self.jobs is None else self.jobs)
        done = set(NightlyRun.objects.filter(day=day, job__in=jobs).values_list("job", flat=True))
        queued = []
        for job in jobs:
            if job in done:
                continue
            try:
                task = import_string(job)
            except ImportError:
                # A job whose app is not installed yet must not stop the others, nor the worker.
                if (job, day) not in self._warned:
                    self._warned.add((job, day))
                    log.warning("nightly job %s cannot be imported; skipped", job)
                continue
            if claim_and_enqueue(job, task, day) is not None:
                log.info("nightly job %s queued for %s", job, day)
                queued.append(job)
        return queued

    def tick(self) -> list[str]:
        """run_due for the background thread: a database hiccup is logged and tried again next tick."""
        self._fresh_connection()
        try:
            return self.run_due()
        except Exception:
            log.exception("nightly scheduler tick failed")
            return []
        finally:
            self._fresh_connection()

    @staticmethod
    def _fresh_connection() -> None:
        # The thread's connection lives for hours: drop it when broken or old, as Django does between requests;
        # never one inside a transaction (a caller's, or a test's).
        if not connection.in_atomic_block:
            close_old_connections()

    def loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.tick()
            stop.wait(self.interval)

    def start(self) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(target=self.loop, args=(stop,), name="wangge-nightly", daemon=True)
        thread.start()
        return thread, stop
