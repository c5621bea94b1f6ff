"""The commit reuses the preview's work when the register has not changed since the preview.

A preview reads, parses, matches and classifies every row; what a commit would write (the importer's plan)
is kept in a file beside the upload (`<stored file>.plan`), with a *mark* of the register as the preview read
it. The commit, inside its transaction, checks the mark still holds; then it writes the plan as it is, without
reading the file and checking every row again. Otherwise (or without a plan) it does the full check again, as
before. docs/import-export.md, "Atomicity and audit", explains why the mark is enough; in short:

* Every change of the register goes through a service that writes the record first and then its ChangeRecord,
  in the same transaction (people, residences, houses, standard addresses and areas alike; the address
  engine's own index relies on it as well). So "no audit row since the mark" means "no change since".
* Audit ids come from a sequence: handed out at insert, visible at commit, so on PostgreSQL a lower id can
  become visible after a higher one. The mark is therefore the newest audit row visible in one snapshot *and*
  that snapshot's running transactions: the preview waits (briefly) for those to end before it reads anything,
  and any of them still running is written down and must not have committed by the commit's check. A
  transaction that started after the snapshot wrote its register row, and so had its transaction id, before
  it took an audit id; that id is larger than the newest visible one. So every change the preview could have
  missed leaves an audit row above the mark, or is one of the written-down transactions.
* On SQLite one writer at a time holds the lock and ids commit in order: the newest row (id and time, since an
  id freed by a rollback is handed out again) is the mark.
* Also in the mark, since they decide the outcome without leaving an audit row: the database, the applied
  migrations, the day (future dates), the grids the uploader may write in; and with the plan the code that
  classified the rows and the upload itself (digests of both).
* Import commits take one transaction-level advisory lock on PostgreSQL (SQLite's write lock does the same),
  so a concurrent import is either finished before the check (its audit rows are then above the mark: full
  check) or waits for this one.
"""

import contextlib
import datetime
import functools
import hashlib
import logging
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.utils import timezone

from wangge.core.actor import Actor
from wangge.core.bulk import scope_grid_ids
from wangge.core.models import ChangeRecord

logger = logging.getLogger(__name__)

# Bumped whenever what a plan holds, or how it is checked, changes: a plan of another version is ignored.
PLAN_VERSION = 1
# How long a preview waits for the write transactions running at its mark to end.
SETTLE_SECONDS = 2.0
# The key of the advisory lock every import commit takes on PostgreSQL.
COMMIT_LOCK = 0x57616E67  # "Wang"


@dataclass(frozen=True)
class Mark:
    """The register as a preview read it (see the module docstring)."""

    database: str
    change_id: int | None
    change_at: datetime.datetime | None
    # PostgreSQL transactions (full ids) that were running at the mark and had not ended after the wait.
    running: tuple[int, ...]
    migrations: tuple[int, int]
    today: datetime.date
    scope: tuple[int, ...] | None


# The code that decides what a row becomes: a plan made by other code (a deploy between preview and commit) is
# not used.
DECIDING_CODE = (
    "wangge/people/services.py",
    "wangge/people/importers.py",
    "wangge/people/identity.py",
    "wangge/housing/importers.py",
    "wangge/addresses/importers.py",
    "wangge/addresses/engine",
    "wangge/transfer/columns.py",
    "wangge/transfer/importing.py",
    "wangge/transfer/plans.py",
    "wangge/core/bulk.py",
    "wangge/core/services.py",
)


@functools.cache
def code_fingerprint() -> str:
    root = Path(__file__).resolve().parent.parent.parent
    digest = hashlib.sha256()
    for name in DECIDING_CODE:
        path = root / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


@dataclass
class Saved:
    version: int
    code: str
    job_id: int
    upload_digest: str
    mark: Mark
    plan: object


def plan_path(job) -> Path:
    return Path(job.path).with_name(f"{Path(job.path).name}.plan")


def _database() -> str:
    return f"{connection.vendor}:{connection.settings_dict.get('NAME')}"


def _migrations() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM django_migrations")
        count, last = cursor.fetchone()
    return int(count), int(last)


def _scope(actor: Actor) -> tuple[int, ...] | None:
    scope = scope_grid_ids(actor)
    return None if scope is None else tuple(sorted(scope))


def _newest_change() -> tuple[int | None, datetime.datetime | None]:
    return ChangeRecord.objects.order_by("-pk").values_list("pk", "at").first() or (None, None)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _pg_snapshot_mark() -> tuple[int | None, datetime.datetime | None, list[int]]:
    """The newest audit row visible in one snapshot, and the transactions running in it."""
    table = connection.ops.quote_name(ChangeRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_snapshot()::text, c.id, c.at FROM (SELECT 1) AS one LEFT JOIN LATERAL"
            f" (SELECT id, at FROM {table} ORDER BY id DESC LIMIT 1) AS c ON true"
        )
        snapshot, change_id, change_at = cursor.fetchone()
    running = [int(x) for x in snapshot.split(":")[2].split(",") if x]
    return change_id, change_at, running


def _still_running(xids: list[int]) -> list[int]:
    """Those still running, but for the transactions of other databases of the server (they cannot write
    this one's tables; a running transaction's 32-bit id names it without doubt)."""
    if not xids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x::text FROM unnest(%s::text[]) AS t(x) WHERE pg_xact_status(x::xid8) = 'in progress'",
            [[str(x) for x in xids]],
        )
        running = [int(row[0]) for row in cursor.fetchall()]
        if running:
            cursor.execute(
                "SELECT backend_xid::text FROM pg_stat_activity"
                " WHERE backend_xid IS NOT NULL AND datname <> current_database()"
            )
            elsewhere = {int(row[0]) for row in cursor.fetchall()}
            running = [x for x in running if x & 0xFFFFFFFF not in elsewhere]
    return running


def _committed_any(xids: tuple[int, ...]) -> bool:
    """Has any of these transactions committed (or can that no longer be told)?"""
    if not xids:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM unnest(%s::text[]) AS t(x)"
            " WHERE pg_xact_status(x::xid8) IS DISTINCT FROM 'in progress'"
            " AND pg_xact_status(x::xid8) IS DISTINCT FROM 'aborted'",
            [[str(x) for x in xids]],
        )
        return cursor.fetchone()[0] > 0


def take_mark(actor: Actor) -> Mark:
    """Before the preview reads the register: where it stands (see the module docstring)."""
    running: list[int] = []
    if connection.vendor == "postgresql":
        change_id, change_at, running = _pg_snapshot_mark()
        deadline = time.monotonic() + SETTLE_SECONDS
        while running:
            running = _still_running(running)
            if not running or time.monotonic() > deadline:
                break
            time.sleep(0.02)
    else:
        change_id, change_at = _newest_change()
    return Mark(
        database=_database(),
        change_id=change_id,
        change_at=change_at,
        running=tuple(running),
        migrations=_migrations(),
        today=timezone.localdate(),
        scope=_scope(actor),
    )


def holds(mark: Mark, actor: Actor) -> bool:
    """Nothing the preview's outcome depends on has changed since the mark (checked in the commit's
    transaction, after lock_commits)."""
    if mark.database != _database() or mark.today != timezone.localdate():
        return False
    if _newest_change() != (mark.change_id, mark.change_at):
        return False
    if connection.vendor == "postgresql" and _committed_any(mark.running):
        return False
    return mark.migrations == _migrations() and mark.scope == _scope(actor)


def lock_commits() -> None:
    """One import commit at a time on PostgreSQL (until the transaction ends); SQLite's IMMEDIATE transaction
    already holds the database's write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [COMMIT_LOCK])


def save(job, mark: Mark, plan: object) -> None:
    """Keep the plan for the commit; when it cannot be kept, the commit checks the file again."""
    path = plan_path(job)
    saved = Saved(
        version=PLAN_VERSION,
        code=code_fingerprint(),
        job_id=job.pk,
        upload_digest=_digest(job.path),
        mark=mark,
        plan=plan,
    )
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as fh:
            pickle.dump(saved, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        logger.warning(
            "import %s: the preview's plan could not be kept; the commit checks the file again", job.pk
        )
        with contextlib.suppress(OSError):
            temporary.unlink()


def load(job) -> Saved | None:
    """The preview's plan, or None (none kept, unreadable, of another version, job or upload)."""
    path = plan_path(job)
    try:
        with open(path, "rb") as fh:
            # The file is this server's own, written beside the upload in WANGGE_VAR_DIR.
            saved = pickle.load(fh)  # noqa: S301
    except FileNotFoundError:
        return None
    except Exception:
        logger.warning("import %s: the preview's plan could not be read; checking the file again", job.pk)
        return None
    if (
        not isinstance(saved, Saved)
        or saved.version != PLAN_VERSION
        or saved.code != code_fingerprint()
        or saved.job_id != job.pk
        or saved.upload_digest != _digest(job.path)
    ):
        return None
    return saved


def discard(job) -> None:
    try:
        plan_path(job).unlink()
    except (OSError, TypeError):
        pass
