"""Streams generated rows into the database, each with its demo change record.

Two ways to write, chosen with `wangge demo --writer`:

* ``sql`` (default): one parameterised INSERT per table run with ``executemany`` in batches. Values that
  need a database form (dates, datetimes, decimals, JSON) go through the model field's own
  ``get_db_prep_save``, so what lands in the table is what ``bulk_create`` would have written.
* ``orm``: ``Model.objects.bulk_create`` in batches. The same rows, about five times slower on SQLite
  (Django prepares every value of every row in Python and SQLite caps a statement at 999 parameters).

Both run inside the caller's transaction and neither calls save(), signals or the services: the
generator has already produced valid values, and the audit rows are written here in bulk.
"""

import time
from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

from wangge.core.models import ChangeAction, ChangeRecord, RegisterRecord, Source

DEMO_USERNAME = "<demo>"
NEEDS_PREP = (models.DateField, models.DecimalField, models.JSONField, models.TimeField, models.UUIDField)


class Writer:
    def __init__(self, *, method: str = "sql", batch_size: int | None = None, using: str = DEFAULT_DB_ALIAS):
        if method not in ("sql", "orm"):
            raise ValueError(f"unknown writer {method!r}")
        self.method = method
        self.using = using
        self.connection = connections[using]
        self.batch_size = batch_size or (5000 if method == "sql" else 2000)
        self.now = timezone.now()
        self.rows: Counter = Counter()
        self.seconds: Counter = Counter()
        self.models: list[type[models.Model]] = []

    # -- ids ------------------------------------------------------------------------------------------

    def start_ids(self, model_list) -> dict:
        """The first free primary key of each table, so the generator can number rows itself."""
        result = {}
        for model in model_list:
            last = model._default_manager.using(self.using).aggregate(m=models.Max("pk"))["m"]
            result[model] = (last or 0) + 1
        return result

    # -- writing --------------------------------------------------------------------------------------

    def write(self, model: type[models.Model], rows: list[dict], *, audit: bool = True) -> None:
        if not rows:
            return
        if model not in self.models:
            self.models.append(model)
        started = time.perf_counter()
        defaults = self._defaults(model)
        if self.method == "sql":
            self._insert_sql(model, rows, defaults)
        else:
            self._insert_orm(model, rows, defaults)
        self.seconds[model._meta.label] += time.perf_counter() - started
        self.rows[model._meta.label] += len(rows)
        if audit:
            self.audit(model, rows)

    def write_through(self, through: type[models.Model], rows: list[dict]) -> None:
        """Many-to-many link rows: part of their owner's record, so no audit rows of their own."""
        self.write(through, rows, audit=False)

    def audit(self, model: type[models.Model], rows: list[dict]) -> None:
        """One change record per created row. Demo creates keep `changes` empty: the row itself is the value."""
        started = time.perf_counter()
        content_type_id = ContentType.objects.db_manager(self.using).get_for_model(model).pk
        records = [
            {"content_type_id": content_type_id, "object_id": row["id"], "object_repr": row["_repr"][:200]}
            for row in rows
        ]
        constants = {
            "action": ChangeAction.CREATE,
            "changes": {},
            "reason": "",
            "user_id": None,
            "username": DEMO_USERNAME,
            "source": Source.DEMO,
            "ip": None,
            "device": "",
            "file": "",
            "at": self.now,
        }
        if self.method == "sql":
            self._insert_sql(ChangeRecord, records, constants, with_id=False)
        else:
            self._insert_orm(ChangeRecord, records, constants)
        self.seconds[ChangeRecord._meta.label] += time.perf_counter() - started
        self.rows[ChangeRecord._meta.label] += len(records)

    def _defaults(self, model) -> dict:
        if issubclass(model, RegisterRecord):
            return {
                "created_at": self.now,
                "updated_at": self.now,
                "version": 1,
                "ended_on": None,
                "end_reason": "",
            }
        return {}

    def _insert_sql(self, model, rows: list[dict], defaults: dict, *, with_id: bool = True) -> None:
        opts = model._meta
        present = set(defaults)
        for row in rows:
            present.update(row)
        fields = [f for f in opts.concrete_fields if f.attname in present and (with_id or not f.primary_key)]
        columns = [f.attname for f in fields]
        connection = self.connection

        def prep(field):
            return isinstance(field, NEEDS_PREP) and (lambda v: field.get_db_prep_save(v, connection))

        preps = [prep(f) for f in fields]
        # Constants are prepared once, not once per row (the audit rows are mostly constants).
        prepared_defaults = {
            k: (p(defaults[k]) if p else defaults[k])
            for k, p in zip(columns, preps, strict=True)
            if k in defaults
        }
        plan = [
            (name, p, name in defaults, prepared_defaults.get(name))
            for name, p in zip(columns, preps, strict=True)
        ]
        quote = connection.ops.quote_name
        head = "INSERT INTO {} ({}) VALUES ".format(
            quote(opts.db_table), ", ".join(quote(f.column) for f in fields)
        )
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        missing = object()
        with self._cursor() as cursor:
            for start in range(0, len(rows), self.batch_size):
                values = []
                for row in rows[start : start + self.batch_size]:
                    record = []
                    for name, p, has_default, default in plan:
                        value = row.get(name, missing)
                        if value is missing:
                            record.append(default if has_default else None)
                        else:
                            record.append(p(value) if p else value)
                    values.append(record)
                # sqlite3 runs an executemany as one prepared statement; psycopg pipelines it. Multi-row
                # VALUES statements measured slower on PostgreSQL (Django's psycopg binds client-side).
                cursor.executemany(head + one, values)

    def _cursor(self):
        """Django's cursor; on PostgreSQL a server-binding psycopg cursor on the same connection (and so the
        same transaction): its executemany sends all rows in one pipeline with one prepared statement, where
        Django's client-binding cursor sends them statement by statement."""
        if self.connection.vendor != "postgresql":
            return self.connection.cursor()
        import psycopg

        self.connection.ensure_connection()
        return psycopg.Cursor(self.connection.connection)

    def _insert_orm(self, model, rows: list[dict], defaults: dict) -> None:
        for start in range(0, len(rows), self.batch_size):
            objects = [
                model(**{**defaults, **{k: v for k, v in row.items() if not k.startswith("_")}})
                for row in rows[start : start + self.batch_size]
            ]
            model._default_manager.using(self.using).bulk_create(objects, batch_size=self.batch_size)

    # -- after the last row ---------------------------------------------------------------------------

    def finish(self) -> float:
        """Move the id sequences past the explicit ids (PostgreSQL) and refresh planner statistics."""
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            for statement in self.connection.ops.sequence_reset_sql(no_style(), self.models + [ChangeRecord]):
                cursor.execute(statement)
            cursor.execute("ANALYZE")
        return time.perf_counter() - started
