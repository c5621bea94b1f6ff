"""Background jobs of the anomaly rules (django-tasks; run by `wangge worker`)."""

from django_tasks import task


@task()
def run_nightly() -> list[int]:
    """The nightly run (settings.NIGHTLY_JOBS): every rule over every district. Returns the run ids."""
    from wangge.anomalies.choices import RunTrigger
    from wangge.anomalies.services import anomalies_run
    from wangge.areas.models import Area, AreaLevel
    from wangge.core.actor import Actor
    from wangge.core.models import Source

    actor = Actor.system(source=Source.TASK)
    runs = []
    for district in Area.objects.filter(level=AreaLevel.DISTRICT, ended_on__isnull=True).order_by("code"):
        runs.append(anomalies_run(actor=actor, area=district, trigger=RunTrigger.NIGHTLY).pk)
    return runs


@task()
def execute_run(run_id: int) -> str:
    """A run someone asked for from the web or the API (services.anomalies_request)."""
    from wangge.anomalies.choices import RunState
    from wangge.anomalies.models import AnomalyRun
    from wangge.anomalies.services import run_execute
    from wangge.core.actor import Actor
    from wangge.core.models import Source

    run = AnomalyRun.objects.filter(pk=run_id, state=RunState.QUEUED).select_related("by", "area").first()
    if run is None:
        return "missing"
    run_execute(run=run, actor=Actor.system(source=Source.TASK, user=run.by))
    return run.state
