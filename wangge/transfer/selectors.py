"""Reads of import jobs: a user's own, and (administrators) those of the accounts they manage."""

from django.db.models import QuerySet

from wangge.transfer.models import ImportJob


def import_job_list(*, user, kind: str = "") -> QuerySet:
    jobs = ImportJob.objects.visible_to(user).select_related("user")
    if kind:
        jobs = jobs.filter(kind=kind)
    return jobs


def import_job_detail(*, user, pk: int) -> ImportJob:
    """DoesNotExist for a job that is not the user's to see, exactly as for one that does not exist."""
    return ImportJob.objects.visible_to(user).select_related("user").get(pk=pk)
