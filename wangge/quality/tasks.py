"""Background jobs of progress and quality, run by `wangge worker` (django-tasks)."""

import datetime
import logging

from django.utils import timezone
from django_tasks import task

from wangge.core.actor import Actor
from wangge.core.models import Source

log = logging.getLogger(__name__)


@task()
def rollup_nightly() -> dict:
    """Rebuild yesterday (now final: the day is over) and today for every grid (settings.NIGHTLY_JOBS)."""
    from wangge.quality.services import rollup_refresh

    today = timezone.localdate()
    result = rollup_refresh(
        actor=Actor.system(source=Source.TASK),
        day_from=today - datetime.timedelta(days=1),
        day_to=today,
    )
    log.info("quality rollup_nightly: %s", result)
    return result


@task()
def rollup_refresh_job(day_from: str, day_to: str, area_code: str = "") -> dict:
    """Rebuild the rows of an area the dashboard found stale and too large to recompute inline."""
    from wangge.areas.models import Area
    from wangge.quality.services import rollup_refresh

    area = Area.objects.filter(code=area_code).first() if area_code else None
    if area_code and area is None:
        return {"days": 0}
    return rollup_refresh(
        actor=Actor.system(source=Source.TASK),
        day_from=datetime.date.fromisoformat(day_from),
        day_to=datetime.date.fromisoformat(day_to),
        area=area,
    )


def _already_queued(day: str, area_code: str) -> bool:
    """A refresh of the same rows waiting or running: readers of a big area must not pile up jobs."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: nothing to look at
        return False
    return DBTaskResult.objects.filter(
        status__in=("READY", "RUNNING"),
        task_path=f"{__name__}.rollup_refresh_job",
        args_kwargs__kwargs__day_from=day,
        args_kwargs__kwargs__area_code=area_code,
    ).exists()


def enqueue_refresh(day: datetime.date, area_code: str = "") -> bool:
    """Queue a refresh of one day's rows under `area_code` unless one is already queued; True if queued."""
    from django.conf import settings

    iso = day.isoformat()
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend.startswith("django_tasks_db") and _already_queued(iso, area_code):
        return False
    rollup_refresh_job.enqueue(day_from=iso, day_to=iso, area_code=area_code)
    return True
