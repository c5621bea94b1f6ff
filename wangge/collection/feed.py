"""The sync change feed (同步变更流): filed by grid and by task assignee, so a pull reads only the worker's part.

Every write leaves a ChangeRecord (the audit row) in its own transaction, and the audit ids can commit out of
order. The indexer reads the audit table past a gap-aware mark (docs/sync.md, "How the cursor never misses a
change") and writes one FeedEntry per grid (and, for a task, per assignee) a change concerns, old and new.
One indexer runs at a time (the row lock on FeedIndex), so feed entries commit in id order and a device's
cursor is one number. Any pull runs the indexer first; a pull that finds it busy reads what is filed already.
"""

import datetime
import time

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from wangge.collection.models import FeedEntry, FeedIndex, Task
from wangge.collection.records import RECORD_TYPES
from wangge.core.models import ChangeAction, ChangeRecord
from wangge.housing.models import House
from wangge.people.models import Residence

# A gap in the audit ids is given up (its id was rolled back) only this long after it was first seen, and only
# once every transaction running then has ended: a sequence value is taken an instant before its transaction
# gets an id, and this covers that instant.
GAP_GRACE_SECONDS = 60
MAX_GAPS = 64
# Audit rows read per indexer query, and queries per pass: a pass after a large import files 20,000 rows
# and leaves the rest to the next pull.
INDEX_BATCH = 2000
INDEX_BATCHES = 10


# --- reading the audit table with gaps ---------------------------------------------------------------------


def _xid_bounds() -> tuple[int, int] | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
            " pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
        )
        return cur.fetchone()


def _gap_closed(gap: list, xmin_now: int | None, now: int) -> bool:
    """Rolled back for good: everyone running when it was seen has finished, and the grace time has passed."""
    _lo, _hi, xmax_seen, seen_at = gap
    if xmin_now is None:
        return True  # SQLite: one writer, ids commit in order; a hole is a rollback
    return xmin_now > xmax_seen and now - seen_at >= GAP_GRACE_SECONDS


def _merge_gaps(gaps: list[list]) -> list[list]:
    gaps = sorted(gaps)
    while len(gaps) > MAX_GAPS:
        # Join the two ranges closest together; the ids between them are only filed twice.
        i = min(range(len(gaps) - 1), key=lambda k: gaps[k + 1][0] - gaps[k][1])
        a, b = gaps[i], gaps[i + 1]
        gaps[i : i + 2] = [[a[0], b[1], max(a[2], b[2]), min(a[3], b[3])]]
    return gaps


def _holes(seen: list[int], low: int, high: int) -> list[tuple[int, int]]:
    holes, expect = [], low + 1
    for value in seen:
        if value > expect:
            holes.append((expect, value - 1))
        expect = value + 1
    if high >= expect:
        holes.append((expect, high))
    return holes


def read_feed(high: int, gaps: list[list], limit: int) -> tuple[list[tuple], int, list[list], bool]:
    """Audit rows after `high` or inside a gap; the new high-water mark and gaps; whether more rows wait.

    Rows are (id, content type id, object id, action).
    """
    # The snapshot before the read decides which gaps have closed; without gaps it is not needed.
    bounds_before = _xid_bounds() if gaps else None
    in_gap = Q()
    for lo, hi, *_rest in gaps:
        in_gap |= Q(id__gte=lo, id__lte=hi)
    rows = list(
        ChangeRecord.objects.filter(Q(id__gt=high) | in_gap)
        .order_by("id")
        .values_list("id", "content_type_id", "object_id", "action")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    bounds_after = _xid_bounds()
    now = int(time.time())
    seen = {r[0] for r in rows}
    new_high = max([high, *(r[0] for r in rows if r[0] > high)])
    # With more rows waiting, gap ids past the last row read were not looked at yet; they stay as they are.
    last = rows[-1][0] if more else None
    kept = []
    for gap in gaps:
        lo, hi = gap[0], gap[1]
        checked_hi = hi if last is None else min(hi, last)
        if checked_hi >= lo:
            for a, b in _holes(sorted(i for i in seen if lo <= i <= checked_hi), lo - 1, checked_hi):
                part = [a, b, gap[2], gap[3]]
                if not _gap_closed(part, bounds_before[0] if bounds_before else None, now):
                    kept.append(part)
        if checked_hi < hi:
            kept.append([max(lo, checked_hi + 1), hi, gap[2], gap[3]])
    xmax = bounds_after[1] if bounds_after else 0
    for a, b in _holes(sorted(i for i in seen if i > high), high, new_high):
        if bounds_after is not None:
            kept.append([a, b, xmax, now])
    return rows, new_high, _merge_gaps(kept), more


def settled_mark() -> int:
    """An audit id below which every id is visible or rolled back for good: where a new feed starts.

    On SQLite the largest id (ids commit in order); on PostgreSQL the largest id written a minute before the
    oldest running write transaction of this database began (every id such a transaction holds was taken
    after it began, so it is larger).
    """
    if connection.vendor != "postgresql":
        return ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with connection.cursor() as cur:
        cur.execute(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
            " AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        oldest = cur.fetchone()[0]
    cutoff = min(oldest or timezone.now(), timezone.now()) - datetime.timedelta(seconds=GAP_GRACE_SECONDS)
    recent = ChangeRecord.objects.filter(at__lt=cutoff).order_by("-at").values_list("id", flat=True)[:1000]
    return max(recent, default=0)


# --- filing -----------------------------------------------------------------------------------------------------


def _content_types() -> dict[int, str]:
    return {
        ContentType.objects.get_for_model(kind.model, for_concrete_model=False).pk: name
        for name, kind in RECORD_TYPES.items()
    }


# Fields whose old value also names where a change must be filed (the record left that grid or that worker).
MOVING = {"grid_id", "house_id", "assignee_id"}


def _entries(rows: list[tuple]) -> list[FeedEntry]:
    types = _content_types()
    ids: dict[str, set[int]] = {}
    changed: list[int] = []
    for change_id, ct, object_id, action in rows:
        name = types.get(ct)
        if name is None or object_id is None:
            continue
        ids.setdefault(name, set()).add(object_id)
        if action in (ChangeAction.CHANGE, ChangeAction.END):
            changed.append(change_id)
    # (type, object id) -> grids and users to file it under
    grids: dict[tuple[str, int], set] = {}
    users: dict[tuple[str, int], set] = {}
    for name, pks in ids.items():
        model = RECORD_TYPES[name].model
        if model is Residence:
            pairs = Residence.objects.filter(pk__in=pks).values_list("pk", "house__grid_id")
        elif model is Task:
            pairs = []
            for pk, grid_id, assignee_id in Task.objects.filter(pk__in=pks).values_list(
                "pk", "grid_id", "assignee_id"
            ):
                pairs.append((pk, grid_id))
                if assignee_id is not None:
                    users.setdefault((name, pk), set()).add(assignee_id)
        else:
            pairs = model._default_manager.filter(pk__in=pks).values_list("pk", "grid_id")
        for pk, grid_id in pairs:
            grids.setdefault((name, pk), set()).add(grid_id)
    if changed:
        moving = Q()
        for field in MOVING:
            moving |= Q(changes__has_key=field)
        old_houses: dict[tuple[str, int], int] = {}
        for ct, object_id, changes in ChangeRecord.objects.filter(moving, id__in=changed).values_list(
            "content_type_id", "object_id", "changes"
        ):
            key = (types[ct], object_id)
            old = {field: value[0] for field, value in changes.items() if field in MOVING and value}
            if old.get("grid_id") is not None:
                grids.setdefault(key, set()).add(old["grid_id"])
            if old.get("assignee_id") is not None:
                users.setdefault(key, set()).add(old["assignee_id"])
            if old.get("house_id") is not None:
                old_houses[key] = old["house_id"]
        if old_houses:
            house_grid = dict(House.objects.filter(pk__in=old_houses.values()).values_list("pk", "grid_id"))
            for key, house_id in old_houses.items():
                grids.setdefault(key, set()).add(house_grid.get(house_id))
    entries = [
        FeedEntry(grid_id=grid_id, type=name, object_id=pk)
        for (name, pk), grid_ids in grids.items()
        for grid_id in grid_ids
        if grid_id is not None
    ]
    entries += [
        FeedEntry(user_id=user_id, type=name, object_id=pk)
        for (name, pk), user_ids in users.items()
        for user_id in user_ids
    ]
    return entries


def index_feed(*, batches: int = INDEX_BATCHES) -> int:
    """File the audit rows written since the last pass; returns how many entries were written.

    Skipped (0) while another pass runs: that one files the same rows.
    """
    with transaction.atomic():
        queryset = FeedIndex.objects.filter(pk=1)
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        state = queryset.first()
        if state is None:
            if not FeedIndex.objects.filter(pk=1).exists():
                FeedIndex.objects.get_or_create(pk=1, defaults={"high": settled_mark()})
            return 0
        high, gaps, written, read = state.high, state.gaps, 0, 0
        for _batch in range(batches):
            rows, high, gaps, more = read_feed(high, gaps, INDEX_BATCH)
            entries = _entries(rows)
            FeedEntry.objects.bulk_create(entries)
            written += len(entries)
            read += len(rows)
            if not more:
                break
        if not read and gaps == state.gaps:
            return 0  # nothing new: no write, so the pull stays a read-only transaction
        # Where rows lock nothing (SQLite), two passes may have read the same rows: only the first one counts.
        if not FeedIndex.objects.filter(pk=1, passes=state.passes).update(
            high=high, gaps=gaps, passes=F("passes") + 1
        ):
            transaction.set_rollback(True)
            return 0
    return written


def feed_end() -> int:
    """The newest entry id: every entry up to it is committed (entries commit in order)."""
    return FeedEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def read_entries(*, user, grid_ids, after: int, limit: int) -> list[tuple[int, str, int]]:
    """The worker's entries after `after`, oldest first, at most limit + 1 (the last one says more wait)."""
    return list(
        FeedEntry.objects.filter(Q(grid_id__in=grid_ids) | Q(user_id=user.pk), id__gt=after)
        .order_by("id")
        .values_list("id", "type", "object_id")[: limit + 1]
    )
