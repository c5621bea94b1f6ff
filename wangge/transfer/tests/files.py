"""Spreadsheets made in tests, and importing them the way a user does (upload → preview → commit)."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from wangge.core.actor import Actor
from wangge.core.models import ChangeRecord
from wangge.transfer.services import import_commit, import_upload


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """Uploads, error reports and progress files of each test in its own directory; background jobs run at
    once (django-tasks' immediate backend) so that the background path is tested like the other."""
    settings.IMPORT_DIR = tmp_path / "imports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings.IMPORT_DIR


def xlsx(rows: list[list], *, sheet: str = "Sheet1", extra_sheets: dict | None = None) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for name, other in (extra_sheets or {}).items():
        extra = workbook.create_sheet(name)
        for row in other:
            extra.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], *, encoding: str = "utf-8-sig") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, datetime.date) else v for v in row]
        )
    return text.getvalue().encode(encoding)


def web_actor(user) -> Actor:
    return Actor(user=user, source="web", ip="127.0.0.1")


def upload(user, kind: str, name: str, content: bytes):
    return import_upload(actor=web_actor(user), kind=kind, upload=SimpleUploadedFile(name, content))


def preview(user, kind: str, rows: list[list], *, name: str = "导入.xlsx"):
    content = csv_bytes(rows) if name.endswith(".csv") else xlsx(rows)
    return upload(user, kind, name, content)


def commit(job):
    return import_commit(actor=web_actor(job.user), job=job)


def imported(user, kind: str, rows: list[list], *, name: str = "导入.xlsx"):
    """Preview and commit; the job afterwards."""
    job = preview(user, kind, rows, name=name)
    assert job.status == "previewed", (job.status, job.message)
    return commit(job)


def counts(job) -> tuple[int, int, int, int]:
    """(new, changed, unchanged, rejected)."""
    return job.new_count, job.changed_count, job.unchanged_count, job.rejected_count


def reasons(job) -> dict[int, list[str]]:
    """Row number → reasons, from the preview's sample."""
    return {item["row"]: item["reasons"] for item in job.rejected_sample}


def report_rows(job) -> list[list]:
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(str(job.error_report_path))
    return workbook.get_sheet_by_index(0).to_python()


def audit_count() -> int:
    return ChangeRecord.objects.count()
