"""Background steps of large imports, run by `wangge worker` (django-tasks, database backend)."""

from django_tasks import task


@task()
def run_import_step(job_id: int, step: str) -> None:
    from wangge.transfer.models import ImportJob
    from wangge.transfer.services import run_step

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None:
        run_step(job, step)
