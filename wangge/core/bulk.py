"""The bulk write path of imports: thousands of records and their change records at once.

An app's `*_import` service validates every row first, then hands the records here, inside its own
transaction. The audit rows are the ones create_record / update_record / end_record write one at a time
(core.services builds both), so a record's history cannot tell an imported change from one made in a form.

How rows reach the database:

* PostgreSQL: new rows with COPY (their ids drawn from the table's sequence first, so the caller can link
  them), updates with one prepared UPDATE pipelined over a psycopg server-binding cursor on Django's own
  connection (and so inside the same transaction). COPY writes the 100,000 people, 100,000 residences and
  200,000 audit rows of the import benchmark 3.5 times faster than bulk_create (docs/import-export.md).
* SQLite: executemany of one prepared INSERT or UPDATE with explicit ids; the transaction is IMMEDIATE, so
  it holds the write lock from its first statement and max(id) + 1 cannot race another writer.
"""

import datetime
import decimal
import enum
import json
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, RegisterRecord
from wangge.core.services import (
    AUDIT_SKIP,
    PLAIN_TYPES,
    actor_fields,
    audit_value,
    creation_changes,
    field_diff,
    field_values,
)

# Rows per IN (…) lookup: far below SQLite's 32,766 bound parameters, few round trips on PostgreSQL.
LOOKUP_CHUNK = 5000
WRITE_CHUNK = 5000
NEEDS_PREP = (models.DateField, models.DecimalField, models.TimeField, models.UUIDField)

# Told how many more records were written; the caller turns that into a progress bar.
Tick = Callable[[int], None]


class Tally:
    """Counts written records against the total a service announced, reporting (done, total) as it goes."""

    def __init__(self, total: int, report: Callable[[int, int], None] | None):
        self.total = total
        self.done = 0
        self.report = report

    def __call__(self, count: int) -> None:
        self.done += count
        if self.report:
            self.report(self.done, self.total)


class RowStatus(models.TextChoices):
    NEW = "new", _("新增")
    CHANGED = "changed", _("修改")
    UNCHANGED = "unchanged", _("无变化")
    REJECTED = "rejected", _("拒绝")


@dataclass
class RowOutcome:
    """What a bulk service decided about one row: its status, or why it was rejected ({field: [messages]})."""

    status: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def reject(self, field_name: str, message) -> None:
        self.errors.setdefault(field_name, []).append(str(message))
        self.status = RowStatus.REJECTED

    @property
    def rejected(self) -> bool:
        return self.status == RowStatus.REJECTED


def chunks(items: Sequence, size: int = LOOKUP_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_in(queryset, field_name: str, values: Iterable) -> list:
    """queryset.filter(field__in=values), in chunks; duplicates and blanks in `values` are ignored.

    On PostgreSQL one array parameter (= ANY(%s)) instead of thousands of IN placeholders: psycopg spends
    four times longer splitting the placeholders of a 20,000-value IN than the server takes to answer."""
    wanted = sorted({v for v in values if v not in (None, "")})
    result = []
    if connections[queryset.db].vendor == "postgresql":
        quote = connections[queryset.db].ops.quote_name
        opts = queryset.model._meta
        target = opts.pk if field_name == "pk" else opts.get_field(field_name)
        column = f"{quote(opts.db_table)}.{quote(target.column)}"
        for part in chunks(wanted, 50 * LOOKUP_CHUNK):
            result.extend(queryset.extra(where=[f"{column} = ANY(%s)"], params=[list(part)]))
        return result
    for part in chunks(wanted):
        result.extend(queryset.filter(**{f"{field_name}__in": part}))
    return result


def _plain(value):
    # TextChoices members are str subclasses; the drivers want the plain value.
    return value.value if isinstance(value, enum.Enum) else value


class _Writer:
    def __init__(self, model: type[models.Model]):
        self.model = model
        self.using = router.db_for_write(model)
        self.connection = connections[self.using]
        self.quote = self.connection.ops.quote_name
        self.table = self.quote(model._meta.db_table)

    def prep(self, f: models.Field) -> Callable | None:
        connection = self.connection
        if isinstance(f, models.JSONField):
            encoder = f.encoder
            return lambda v: None if v is None else json.dumps(v, cls=encoder, ensure_ascii=False)
        if connection.vendor != "postgresql" and isinstance(f, NEEDS_PREP):
            # The timestamps of one batch are one value: converted once, not once a row.
            last: list = [object(), None]

            def prepared(v):
                if v is not last[0]:
                    last[0], last[1] = v, f.get_db_prep_save(v, connection)
                return last[1]

            return prepared
        return None

    def cursor(self):
        """On PostgreSQL a server-binding psycopg cursor on Django's connection: executemany then sends one
        prepared statement and pipelines the rows, where Django's client-binding cursor sends them one by one."""
        self.connection.ensure_connection()
        if self.connection.vendor == "postgresql":
            import psycopg

            return psycopg.Cursor(self.connection.connection)
        return self.connection.cursor()

    def new_ids(self, count: int) -> list[int]:
        pk = self.model._meta.pk
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [self.model._meta.db_table, pk.column, count],
                )
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT MAX({self.quote(pk.column)}) FROM {self.table}")
            last = cursor.fetchone()[0] or 0
            return list(range(last + 1, last + 1 + count))

    def insert(self, instances: list[models.Model], *, with_ids: bool) -> None:
        opts = self.model._meta
        if with_ids:
            allocate_ids(self.model, instances)
        fields = [f for f in opts.concrete_fields if with_ids or not f.primary_key]
        preps = [self.prep(f) for f in fields]
        attnames = [f.attname for f in fields]
        columns = ", ".join(self.quote(f.column) for f in fields)

        defaults = {f.attname: f.get_default() for f in fields}
        read = operator.attrgetter(*attnames)

        def values(obj):
            if isinstance(obj, dict):
                # Audit rows come as dicts of column values: no model instance for each of 200,000.
                row = [obj.get(a, defaults[a]) for a in attnames]
            else:
                row = read(obj)
            return [
                p(v) if p else v if type(v) in PLAIN_TYPES else _plain(v)
                for v, p in zip(row, preps, strict=True)
            ]

        with self.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for part in chunks(instances, WRITE_CHUNK):
                        copy.write(copy_text([values(obj) for obj in part]))
            else:
                marks = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {self.table} ({columns}) VALUES ({marks})"
                for part in chunks(instances, WRITE_CHUNK):
                    cursor.executemany(sql, [values(obj) for obj in part])
        for obj in instances:
            if not isinstance(obj, dict):
                obj._state.adding = False
                obj._state.db = self.using

    def insert_values(self, attnames: Sequence[str], parts: Iterable[Sequence[Sequence]]) -> None:
        """INSERT rows of plain values in `attnames` order (JSON columns as JSON text), given in chunks: no
        model instances.

        PostgreSQL: one COPY, each chunk written as COPY text built column by column (psycopg's write_row
        per row costs three times as much on these rows), so the server takes in a chunk while the caller
        builds the next; SQLite: executemany per chunk."""
        opts = self.model._meta
        fields = [next(f for f in opts.concrete_fields if f.attname == a) for a in attnames]
        columns = ", ".join(self.quote(f.column) for f in fields)
        with self.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for part in parts:
                        if part:
                            copy.write(copy_text(part))
                return
            preps = [None if isinstance(f, models.JSONField) else self.prep(f) for f in fields]
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {self.table} ({columns}) VALUES ({marks})"
            for part in parts:
                if any(preps):
                    values = [
                        [p(v) if p else _plain(v) for v, p in zip(row, preps, strict=True)] for row in part
                    ]
                else:
                    values = [[_plain(v) for v in row] for row in part]
                if values:
                    cursor.executemany(sql, values)

    def update(self, instances: list[models.Model], names: list[str], read_versions: dict | None) -> None:
        """UPDATE by primary key; with read_versions ({pk: version as read}) only rows nobody changed since."""
        opts = self.model._meta
        fields = [opts.get_field(name) for name in names]
        preps = [self.prep(f) for f in fields]
        plan = list(zip([f.attname for f in fields], preps, strict=True))
        mark = "%s"
        sets = ", ".join(f"{self.quote(f.column)} = {mark}" for f in fields)
        sql = f"UPDATE {self.table} SET {sets} WHERE {self.quote(opts.pk.column)} = {mark}"
        if read_versions is not None:
            sql += f" AND {self.quote('version')} = {mark}"
        updated = 0
        with self.cursor() as cursor:
            for part in chunks(instances, WRITE_CHUNK):
                rows = []
                for obj in part:
                    row = [p(_plain(getattr(obj, a))) if p else _plain(getattr(obj, a)) for a, p in plan]
                    row.append(obj.pk)
                    if read_versions is not None:
                        row.append(read_versions[obj.pk])
                    rows.append(row)
                cursor.executemany(sql, rows)
                updated += cursor.rowcount
        if updated != len(instances):
            raise ValidationError(
                {"__all__": [_("有记录在检查之后被他人修改，本次导入没有写入任何数据，请重新导入。")]}
            )


# --- plain rows: COPY text and audit JSON without model instances -------------------------------------------


def _copy_str(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _copy_other(value) -> str:
    if isinstance(value, enum.Enum):
        return _copy_value(value.value)
    if isinstance(value, datetime.date | datetime.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, decimal.Decimal | float):
        return str(value)
    return _copy_str(str(value))


_COPY_BY_TYPE: dict[type, Callable] = {
    str: _copy_str,
    int: str,
    bool: lambda v: "t" if v else "f",
    type(None): lambda v: "\\N",
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,
}


def _copy_value(value) -> str:
    return _COPY_BY_TYPE.get(type(value), _copy_other)(value)


_ESCAPED = re.compile(r"[\\\t\n\r]")


def _copy_column(column: tuple) -> list | tuple:
    """One column of a chunk as COPY text, converted column by column: a constant once, a column of clean
    strings as it is (one scan of the joined text), others value by value."""
    first = column[0]
    kinds = set(map(type, column))
    if len(kinds) == 1 and column.count(first) == len(column):
        return [_copy_value(first)] * len(column)
    if kinds == {str}:
        return column if not _ESCAPED.search("".join(column)) else list(map(_copy_str, column))
    if kinds == {int}:
        return list(map(str, column))
    return list(map(_copy_value, column))


def copy_text(rows: Sequence[Sequence]) -> str:
    """Rows in PostgreSQL's COPY text format: tab between values, \\N for NULL, backslash escapes."""
    if not rows:
        return ""
    columns = [_copy_column(column) for column in zip(*rows, strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


_json_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a str


def _json_value(value) -> str:
    """One audit value (audit_value's result) as JSON, as json.dumps(ensure_ascii=False) writes it."""
    kind = type(value)
    if kind is str:
        return _json_str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _creation_parts(name: str, column: tuple) -> list:
    """`"name": [null, value]` of each value of one column (None where the value is empty)."""
    key = _json_str(name) + ": [null, "
    first = column[0]
    kinds = set(map(type, column))
    if len(kinds) == 1 and type(first) in PLAIN_TYPES and column.count(first) == len(column):
        part = None if first is None or first == "" else f"{key}{_json_value(first)}]"
        return [part] * len(column)
    if kinds <= {str, type(None)}:
        return [f"{key}{_json_str(v)}]" if v else None for v in column]
    parts = []
    for value in column:
        if type(value) not in PLAIN_TYPES:
            value = audit_value(value)
        parts.append(None if value is None or value == "" else f"{key}{_json_value(value)}]")
    return parts


def creation_jsons(names: Sequence[str], rows: Sequence[Sequence]) -> list[str]:
    """creation_changes() of records with these field values, as JSON text: {"name": [null, value], …} of
    every non-empty value except the id, timestamps and version, exactly the text json.dumps writes for it."""
    if not rows:
        return []
    columns = [
        _creation_parts(name, column)
        for name, column in zip(names, zip(*rows, strict=True), strict=True)
        if name not in AUDIT_SKIP
    ]
    return ["{" + ", ".join(filter(None, parts)) + "}" for parts in zip(*columns, strict=True)]


AUDIT_COLUMNS = (
    "content_type_id",
    "object_id",
    "object_repr",
    "action",
    "changes",
    "reason",
    "user_id",
    "username",
    "source",
    "ip",
    "device",
    "file",
    "at",
)


def create_rows(
    model: type[models.Model],
    rows: Sequence[dict],
    *,
    actor: Actor,
    reprs: Sequence[str],
    tick: Tick | None = None,
) -> list[int]:
    """create_records for plain values ({attname: value}, defaults filled in as build() does): the records and
    one create record each, no model instance for any of them. `reprs` are the records' str() for the audit.
    Returns the new ids, in the order of the rows."""
    if not rows:
        return []
    opts = model._meta
    fields = opts.concrete_fields
    names = [f.attname for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    if issubclass(model, RegisterRecord):
        now = timezone.now()
        defaults["created_at"] = defaults["updated_at"] = now
    ids = _Writer(model).new_ids(len(rows))
    pk_name = opts.pk.attname
    assert names[0] == pk_name
    create = ChangeAction.CREATE.value
    constants = Audit(model, actor).constants
    head = (constants["content_type_id"],)
    tail = tuple(constants[c] for c in AUDIT_COLUMNS[6:])
    tables: list[list] = []

    def record_parts() -> Iterator[list]:
        for start in range(0, len(rows), WRITE_CHUNK):
            part = rows[start : start + WRITE_CHUNK]
            table = [
                [pk if name == pk_name else row.get(name, defaults[name]) for name in names]
                for pk, row in zip(ids[start : start + len(part)], part, strict=True)
            ]
            tables.append(table)
            yield table

    def audit_parts() -> Iterator[list]:
        for start, table in zip(range(0, len(rows), WRITE_CHUNK), tables, strict=True):
            yield [
                (*head, values[0], str(reprs[offset])[:200], create, changes, "", *tail)
                for offset, values, changes in zip(
                    range(start, start + len(table)), table, creation_jsons(names, table), strict=True
                )
            ]
            if tick:
                tick(len(table))

    # One COPY per table, chunk after chunk: the server takes in one chunk while the next is being built.
    insert(model, record_parts(), columns=names)
    insert(ChangeRecord, audit_parts(), columns=AUDIT_COLUMNS)
    return ids


def build(model: type[models.Model], rows: list[dict]) -> list[models.Model]:
    """New instances from {attname: value} rows, positionally like Model.from_db: a field's default is computed
    once for the batch (one `now` for all timestamps), not once per instance; no JSON or other mutable defaults
    may be left to it."""
    fields = model._meta.concrete_fields
    defaults = {f.attname: f.get_default() for f in fields}
    names = [f.attname for f in fields]
    return [model(*[row.get(name, defaults[name]) for name in names]) for row in rows]


def allocate_ids(model: type[models.Model], instances: list[models.Model]) -> None:
    """Give unsaved instances their primary keys now, so records created together can point at each other."""
    missing = [obj for obj in instances if obj.pk is None]
    if missing:
        for obj, pk in zip(missing, _Writer(model).new_ids(len(missing)), strict=True):
            obj.pk = pk


def insert(
    model: type[models.Model],
    instances: Sequence | Iterator[Sequence],
    *,
    with_ids: bool = True,
    columns: Sequence[str] | None = None,
) -> None:
    """INSERT the instances (no save(), no signals); with_ids sets each one's pk for the caller to link.

    With `columns` (attnames) the instances are rows of plain values in that order instead (JSON columns as
    JSON text), ids included when wanted: no model instances at all; or an iterator of lists of such rows,
    written as they come."""
    if columns is not None:
        if isinstance(instances, Sequence):
            if not instances:
                return
            instances = chunks(instances, WRITE_CHUNK)
        _Writer(model).insert_values(columns, instances)
    elif instances:
        _Writer(model).insert(instances, with_ids=with_ids)


def create_records(
    model: type[models.Model], instances: list[models.Model], *, actor: Actor, tick: Tick | None = None
) -> None:
    """Insert new records and one create record each, as create_record would have written them."""
    now = timezone.now()
    for obj in instances:
        if isinstance(obj, RegisterRecord):
            obj.created_at = obj.updated_at = now
    audit = Audit(model, actor)
    for part in chunks(instances, WRITE_CHUNK):
        insert(model, list(part))
        rows = [audit.row(obj, ChangeAction.CREATE, creation_changes(obj)) for obj in part]
        insert(ChangeRecord, rows, with_ids=False)
        if tick:
            tick(len(part))


class Audit:
    """Audit rows of one model by one actor: what record_change writes, as plain column values."""

    def __init__(self, model: type[models.Model], actor: Actor):
        self.constants = {
            **actor_fields(actor),
            "content_type_id": ContentType.objects.get_for_model(model, for_concrete_model=False).pk,
            "at": timezone.now(),
        }

    def row(self, instance: models.Model, action: str, changes: dict, reason: str = "") -> dict:
        return {
            **self.constants,
            "object_id": instance.pk,
            "object_repr": str(instance)[:200],
            "action": action,
            "changes": changes,
            "reason": reason,
        }


@dataclass
class Change:
    """One record to update: the instance as read, and the field values to set."""

    instance: models.Model
    fields: dict
    action: str = ChangeAction.CHANGE
    reason: str = ""
    diff: dict = field(default_factory=dict)


def diff_of(instance: models.Model, fields: dict) -> dict:
    """{field attname: [old, new]} that setting `fields` would record; the instance is left as it was."""
    before = field_values(instance)
    saved = {name: getattr(instance, name) for name in fields}
    for name, value in fields.items():
        setattr(instance, name, value)
    after = field_values(instance)
    for name, value in saved.items():
        setattr(instance, name, value)
    return field_diff(before, after)


def update_records(
    model: type[models.Model], changes: list[Change], *, actor: Actor, tick: Tick | None = None
) -> None:
    """Apply each change, bump the version, write one change record each, as update_record would have.

    Rows are updated grouped by the set of fields that changed, so a field nobody changed is never written
    back (a concurrent edit of it is not overwritten by the value read earlier).
    """
    now = timezone.now()
    groups: dict[tuple, list[models.Model]] = defaultdict(list)
    versioned = issubclass(model, RegisterRecord)
    read_versions = {} if versioned else None
    audit = Audit(model, actor)
    records = []
    for change in changes:
        obj = change.instance
        diff = change.diff or diff_of(obj, change.fields)
        if not diff and change.action == ChangeAction.CHANGE:
            continue
        for name, value in change.fields.items():
            setattr(obj, name, value)
        names = sorted(obj._meta.get_field(attname).name for attname in diff)
        if versioned:
            read_versions[obj.pk] = obj.version
            obj.version += 1
            obj.updated_at = now
            names += ["version", "updated_at"]
        groups[tuple(names)].append(obj)
        records.append(audit.row(obj, change.action, diff, change.reason))
    writer = _Writer(model)
    for names, objects in groups.items():
        writer.update(objects, list(names), read_versions)
    for part in chunks(records, WRITE_CHUNK):
        insert(ChangeRecord, list(part), with_ids=False)
        if tick:
            tick(len(part))


def end_change(instance: RegisterRecord, *, reason: str, on: datetime.date, **extra) -> Change:
    """注销 in bulk: the same fields and record end_record writes."""
    return Change(
        instance=instance,
        fields={"ended_on": on, "end_reason": reason, **extra},
        action=ChangeAction.END,
        reason=reason,
    )


def scope_grid_ids(actor: Actor) -> set[int] | None:
    """The collection grids the acting user may write in (None: a system actor, everywhere)."""
    from wangge.accounts.scope import visible_grid_ids

    if actor.user is None:
        return None
    return {row["pk"] for row in visible_grid_ids(actor.user)}


def in_scope(scope: set[int] | None, grid_id: int | None) -> bool:
    return scope is None or grid_id in scope
