"""Import jobs: upload → preview (nothing written) → the user confirms → commit (one transaction) → done.

A file of IMPORT_BACKGROUND_ROWS rows or more runs both steps as background jobs (`wangge worker`); smaller
ones run in the request. Either way the same functions do the work, and every change is audited with source
"import" and the file's name.

Progress is written to a small JSON file beside the upload (var/imports/<id>.progress.json), not to the
database: the commit holds one transaction for the whole file, and on SQLite that transaction holds the
database's only write lock, so a progress row written through any connection would wait for the import it
reports on. A file is visible to every process on the machine at once, on both databases.
"""

import contextlib
import gc
import json
import logging
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.roles import can_edit
from wangge.core.actor import Actor
from wangge.core.bulk import RowStatus
from wangge.core.models import Source
from wangge.core.services import require, require_edit
from wangge.transfer import plans
from wangge.transfer.importing import Table, read_table, reasons, run
from wangge.transfer.models import TRANSITIONS, ImportJob, ImportKind, ImportStatus
from wangge.transfer.reading import FileProblem, check_name, estimate_rows, suffix_of
from wangge.transfer.registry import importer_for
from wangge.transfer.writing import error_report_xlsx

logger = logging.getLogger(__name__)

REJECTED_SAMPLE = 20
PROGRESS_EVERY = 0.3  # seconds between progress file writes
PREVIEW, COMMIT = "preview", "commit"


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def too_large_message() -> str:
    return _("文件超过 %(n)s MB 的上限，请拆分后再上传。") % {"n": settings.MAX_UPLOAD_MB}


def import_actor(job: ImportJob) -> Actor:
    return Actor.system(source=Source.IMPORT, user=job.user, file=job.file_name)


# --- steps -------------------------------------------------------------------------------------------------


def import_upload(*, actor: Actor, kind: str, upload) -> ImportJob:
    """Keep the uploaded file and check it (preview); a large file is checked in the background."""
    require_edit(actor)
    if actor.user is None:
        raise ValidationError({"file": [_("导入须以用户身份进行。")]})
    if kind not in ImportKind.values:
        raise ValidationError({"kind": [_("请选择导入类型。")]})
    if upload is None:
        raise ValidationError({"file": [_("请选择要上传的文件。")]})
    # Only printable characters of the name survive (no NUL, no right-to-left override): it is shown and audited.
    name = "".join(ch for ch in Path(str(upload.name or "")).name if ch.isprintable())[:200]
    try:
        suffix = check_name(name)
    except FileProblem as exc:
        raise ValidationError({"file": [exc.message]}) from exc
    if upload.size > max_upload_bytes():
        raise ValidationError({"file": [too_large_message()]})
    if upload.size == 0:
        raise ValidationError({"file": [_("文件是空的。")]})
    stored = f"{timezone.now():%Y%m%d}-{uuid.uuid4().hex}{suffix}"
    path = settings.IMPORT_DIR / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    user = actor.user
    job = ImportJob.objects.create(
        user=user,
        scope=scope_text(user),
        kind=kind,
        file_name=name,
        stored_file=stored,
        size=upload.size,
        background=estimate_rows(path, suffix) >= settings.IMPORT_BACKGROUND_ROWS,
    )
    start(job, PREVIEW)
    job.refresh_from_db()
    return job


def scope_text(user) -> str:
    """The codes of the areas (police grids: "PG:<id>") the uploader held: what the rows were checked against."""
    held = user.assignments.current().select_related("area")
    return " ".join(sorted(a.area.code if a.area_id else f"PG:{a.police_grid_id}" for a in held))[:400]


def import_commit(*, actor: Actor, job: ImportJob) -> ImportJob:
    """The user confirmed the preview: import every valid row, in one transaction."""
    _require_owner(actor, job)
    if job.status != ImportStatus.PREVIEWED:
        raise ValidationError(
            {"status": [_("该导入任务当前状态为“%(s)s”，不能导入。") % {"s": job.get_status_display()}]}
        )
    if job.new_count + job.changed_count == 0:
        raise ValidationError({"status": [_("没有可导入的新增或修改的行。")]})
    move(job, ImportStatus.IMPORTING, started_at=timezone.now(), progress_done=0, progress_total=0)
    start(job, COMMIT)
    job.refresh_from_db()
    return job


def import_cancel(*, actor: Actor, job: ImportJob) -> ImportJob:
    _require_owner(actor, job)
    if ImportStatus.CANCELLED not in TRANSITIONS[ImportStatus(job.status)]:
        raise ValidationError(
            {"status": [_("该导入任务当前状态为“%(s)s”，不能取消。") % {"s": job.get_status_display()}]}
        )
    move(job, ImportStatus.CANCELLED, finished_at=timezone.now())
    plans.discard(job)
    return job


def _require_owner(actor: Actor, job: ImportJob) -> None:
    # An administrator may follow the imports of the accounts they manage, but only the uploader decides.
    require(actor, actor.user is not None and job.user_id == actor.user.pk and can_edit(actor.user))


def start(job: ImportJob, step: str) -> None:
    if job.background:
        from wangge.transfer.tasks import run_import_step

        run_import_step.enqueue(job.pk, step)
    else:
        run_step(job, step)


def run_step(job: ImportJob, step: str) -> None:
    """One step, start to end; whatever goes wrong ends the job as failed with a sentence, never as a 500."""
    with _no_cyclic_gc():
        _run_step(job, step)


@contextlib.contextmanager
def _no_cyclic_gc():
    """A step builds a few million small objects (rows, cells, values) and frees them at its end; the cyclic
    garbage collector would scan the growing heap again and again meanwhile: 40 % of a 100,000-row preview.
    Reference counting still frees what it frees; cycles wait until the step ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_step(job: ImportJob, step: str) -> None:
    try:
        if step == PREVIEW:
            _preview(job)
        else:
            _commit(job)
    except FileProblem as exc:
        _fail(job, exc.message)
    except PermissionDenied:
        _fail(job, _("您的角色无权导入。"))
    except ValidationError as exc:
        _fail(job, "；".join(exc.messages))
    except IntegrityError:
        logger.exception("import %s: integrity error", job.pk)
        _fail(job, _("与其他人同时提交的数据冲突，本次导入没有写入任何数据，请重新导入。"))
    except Exception:
        logger.exception("import %s failed", job.pk)
        _fail(job, _("处理文件时出错，本次导入没有写入任何数据。"))
    finally:
        _clear_progress(job)
        if step != PREVIEW or job.status != ImportStatus.PREVIEWED:
            plans.discard(job)


def _table(job: ImportJob) -> tuple[object, Table]:
    importer = importer_for(job.kind)
    return importer, read_table(job.path, suffix_of(job.stored_file), importer)


def _preview(job: ImportJob) -> None:
    move(job, ImportStatus.PREVIEWING)
    progress = ProgressFile(job, _("正在检查"))
    progress.phase(_("正在读取文件"))
    importer, table = _table(job)
    progress.phase(_("正在逐行检查 %(n)s 行") % {"n": f"{len(table.rows):,}"})
    actor = import_actor(job)
    # Before the register is read: what the commit checks to reuse this preview's work (transfer.plans).
    mark = plans.take_mark(actor)
    counts = run(importer, table, actor=actor, commit=False)
    results = _results(job, table, counts)
    if table.plan is not None and counts[RowStatus.NEW] + counts[RowStatus.CHANGED]:
        plans.save(job, mark, table.plan)
    move(job, ImportStatus.PREVIEWED, previewed_at=timezone.now(), **results)


def _commit(job: ImportJob) -> None:
    """Write what the preview decided when the register has not changed since (transfer.plans); else read
    the file and check every row again, then write. Either way in one transaction."""
    progress = ProgressFile(job, _("正在导入"))
    actor = import_actor(job)
    importer = importer_for(job.kind)
    saved = plans.load(job)
    table = None
    # Checked once before the transaction too: when it already fails, the file is read outside it.
    if saved is None or not plans.holds(saved.mark, actor):
        saved = None
        progress.phase(_("正在读取文件"))
        importer, table = _table(job)
        progress.phase(_("正在逐行检查 %(n)s 行") % {"n": f"{len(table.rows):,}"})
    with transaction.atomic():
        plans.lock_commits()
        if saved is not None and plans.holds(saved.mark, actor):
            progress.phase(_("正在写入"))
            importer.write(saved.plan, actor=actor, report=progress.writing)
            results = {"progress_done": job.total_rows, "progress_total": job.total_rows}
        else:
            if table is None:
                importer, table = _table(job)
            counts = run(importer, table, actor=actor, commit=True, report=progress.writing)
            results = _results(job, table, counts)
    move(job, ImportStatus.DONE, finished_at=timezone.now(), **results)


def _results(job: ImportJob, table: Table, counts: dict) -> dict:
    rejected = [row for row in table.rows if row.status == RowStatus.REJECTED]
    report = ""
    if rejected:
        report = f"{job.pk}-errors-{uuid.uuid4().hex[:8]}.xlsx"
        error_report_xlsx(
            settings.IMPORT_DIR / report,
            header=table.header,
            rows=((row.number, row.cells, reasons(table, row)) for row in rejected),
        )
    return {
        "sheet": table.sheet[:100],
        "total_rows": len(table.rows),
        "progress_done": len(table.rows),
        "progress_total": len(table.rows),
        "new_count": counts[RowStatus.NEW],
        "changed_count": counts[RowStatus.CHANGED],
        "unchanged_count": counts[RowStatus.UNCHANGED],
        "rejected_count": counts[RowStatus.REJECTED],
        "rejected_sample": [
            {"row": row.number, "reasons": reasons(table, row)} for row in rejected[:REJECTED_SAMPLE]
        ],
        "error_report": report,
        "message": "",
    }


def _fail(job: ImportJob, message: str) -> None:
    job.refresh_from_db()
    if ImportStatus.FAILED in TRANSITIONS[ImportStatus(job.status)]:
        move(job, ImportStatus.FAILED, message=message[:2000], finished_at=timezone.now())


def move(job: ImportJob, status: str, **fields) -> None:
    """A state change, only from the state the job is in (two clicks on "import" start one import)."""
    allowed = TRANSITIONS[ImportStatus(job.status)]
    if status not in allowed:
        raise ValidationError(
            {"status": [_("该导入任务当前状态为“%(s)s”。") % {"s": job.get_status_display()}]}
        )
    updated = ImportJob.objects.filter(pk=job.pk, status=job.status).update(status=status, **fields)
    if not updated:
        raise ValidationError({"status": [_("该导入任务已在处理中。")]})
    job.status = status
    for name, value in fields.items():
        setattr(job, name, value)


# --- progress ----------------------------------------------------------------------------------------------


class ProgressFile:
    """Phase and counts of a running step, in a file any process can read (see the module docstring)."""

    def __init__(self, job: ImportJob, title: str):
        self.path = job.progress_path
        self.title = title
        self.label = ""
        self.done = 0
        self.total = 0
        self.written = 0.0

    def phase(self, label: str, total: int = 0) -> None:
        self.label, self.done, self.total = label, 0, total
        self.write(force=True)

    def writing(self, done: int, total: int) -> None:
        if self.label != _("正在写入"):
            self.label = _("正在写入")
        self.done, self.total = done, total
        self.write(force=done >= total)

    def write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.written < PROGRESS_EVERY:
            return
        self.written = now
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(
            json.dumps({"title": self.title, "label": self.label, "done": self.done, "total": self.total})
        )
        os.replace(temporary, self.path)


def read_progress(job: ImportJob) -> dict:
    """What the progress bar shows: the running step's phase and counts (empty when nothing runs)."""
    if not job.is_running:
        return {}
    try:
        return json.loads(Path(job.progress_path).read_text())
    except (OSError, ValueError):
        return {}


def _clear_progress(job: ImportJob) -> None:
    try:
        Path(job.progress_path).unlink()
    except (OSError, TypeError):
        pass
