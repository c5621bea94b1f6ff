"""Background jobs of the daily report, run by `wangge worker` (django-tasks, database backend)."""

from django_tasks import task


@task()
def make_report(report_id: int) -> None:
    """One report someone asked for (web or API)."""
    from wangge.core.actor import Actor
    from wangge.core.models import Source
    from wangge.reports.models import DailyReport
    from wangge.reports.services import report_make

    report = DailyReport.objects.filter(pk=report_id).first()
    if report is not None:
        report_make(actor=Actor.system(source=Source.TASK), report=report)


@task()
def report_nightly() -> dict:
    """Every district's and street's workbook of the day that has just ended (settings.NIGHTLY_JOBS)."""
    from wangge.core.actor import Actor
    from wangge.core.models import Source
    from wangge.reports.services import report_nightly_run

    reports = report_nightly_run(actor=Actor.system(source=Source.TASK))
    return {
        "made": len(reports),
        "failed": [report.pk for report in reports if report.state == "failed"],
    }
