"""The commit reuses the preview's work when the register has not changed since (transfer.plans), and checks
every row again when it has; what the bulk path writes for a new record is what a form would write."""

import dataclasses
import datetime
import decimal
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from wangge.core import bulk
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.services import creation_changes
from wangge.housing.services import house_end
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence
from wangge.people.services import person_create, person_update, residence_end
from wangge.transfer import plans, services
from wangge.transfer.tests.files import (
    commit,
    counts,
    import_dir,  # noqa: F401
    preview,
    web_actor,
)

SYSTEM = Actor.system()
HEADER = ["姓名", "身份证号", "手机", "民族", "人员类别", "房屋编码", "与房屋关系", "入住日期"]


def new_id(seq: int) -> str:
    return make_resident_id("350205", datetime.date(1988, 8, 8), seq)


def row(name, id_number, house, *, phone="13912345678", started="2024-01-05"):
    return [name, id_number, phone, "汉族", "流动人口", house.house_code, "租客", started]


@pytest.fixture
def file_reads(monkeypatch):
    """How often a step read the uploaded file (the preview once; a commit only when it checks again)."""
    calls = []
    real = services.read_table

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "read_table", counting)
    return calls


def records(obj):
    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


def test_the_commit_writes_the_previews_plan_without_reading_the_file_again(world, file_reads):
    user = world.users.grid_worker
    zhang, house = world.a1.person, world.a1.house
    moved_to = world.a1.house  # 张三 lives there already: a new phone only
    job = preview(
        user,
        "people",
        [
            HEADER,
            row("赵六", new_id(401), house, phone="13700001111"),
            ["张三", zhang.id_number, "13800009999", "", "", moved_to.house_code, "", ""],
        ],
        name="一格.xlsx",
    )
    assert counts(job) == (1, 1, 0, 0) and len(file_reads) == 1
    assert plans.plan_path(job).exists()
    job = commit(job)
    assert job.status == "done" and counts(job) == (1, 1, 0, 0)
    assert len(file_reads) == 1, "the commit read the file again"
    assert not plans.plan_path(job).exists()
    zhao = Person.objects.get(id_number=new_id(401))
    residence = Residence.objects.get(person=zhao)
    assert (zhao.phone, zhao.grid, residence.house, residence.relation) == (
        "13700001111",
        house.grid,
        house,
        "tenant",
    )
    for obj in (zhao, residence):
        (created,) = records(obj)
        assert (created.action, created.source, created.file, created.user, created.username) == (
            ChangeAction.CREATE,
            Source.IMPORT,
            "一格.xlsx",
            user,
            user.username,
        )
        assert created.changes == creation_changes(obj)
        assert created.object_repr == str(obj)
    zhang.refresh_from_db()
    assert zhang.phone == "13800009999" and zhang.version == 2
    assert records(zhang).filter(action=ChangeAction.CHANGE).get().changes == {
        "phone": ["13812340001", "13800009999"]
    }


def test_someone_registering_the_same_person_meanwhile_is_caught_by_checking_again(world, file_reads):
    user = world.users.grid_worker
    house = world.a1.house
    job = preview(user, "people", [HEADER, row("赵六", new_id(401), house)])
    assert counts(job) == (1, 0, 0, 0)
    # Between the preview and the commit someone registers 赵六 with the form.
    person_create(actor=SYSTEM, grid=house.grid, name="赵六", id_number=new_id(401), phone="13900000000")
    job = commit(job)
    assert job.status == "done", job.message
    assert len(file_reads) == 2, "the commit did not check the file again"
    # Now an update of the registered person (a phone, a residence), not a second 赵六.
    assert counts(job) == (0, 1, 0, 0)
    assert Person.objects.filter(id_number=new_id(401)).count() == 1
    assert Person.objects.get(id_number=new_id(401)).phone == "13912345678"


def test_an_edit_meanwhile_is_caught_and_the_row_checked_against_it(world, file_reads):
    user = world.users.grid_worker
    zhang = world.a1.person
    job = preview(user, "people", [HEADER, ["张三", zhang.id_number, "13800009999", "", "", "", "", ""]])
    assert counts(job) == (0, 1, 0, 0)
    # Someone else already made the same correction with the form: the row is now unchanged.
    person_update(actor=SYSTEM, person=zhang, phone="13800009999")
    job = commit(job)
    assert job.status == "done" and len(file_reads) == 2
    assert counts(job) == (0, 0, 1, 0)
    zhang.refresh_from_db()
    assert zhang.version == 2


def test_a_house_ended_meanwhile_is_caught(world, file_reads):
    user = world.users.grid_worker
    house = world.a1.house
    job = preview(user, "people", [HEADER, row("赵六", new_id(401), house)])
    assert counts(job) == (1, 0, 0, 0)
    for residence in Residence.objects.filter(house=house, ended_on__isnull=True):
        residence_end(actor=SYSTEM, residence=residence, reason="搬离")
    house_end(actor=SYSTEM, house=house, reason="拆除")
    job = commit(job)
    assert len(file_reads) == 2
    assert counts(job) == (0, 0, 0, 1)
    assert not Person.objects.filter(id_number=new_id(401)).exists()


def test_the_mark_holds_until_something_it_covers_changes(world):
    actor = web_actor(world.users.grid_worker)
    mark = plans.take_mark(actor)
    assert plans.holds(mark, actor)
    assert not plans.holds(dataclasses.replace(mark, today=mark.today - datetime.timedelta(days=1)), actor)
    assert not plans.holds(dataclasses.replace(mark, scope=(mark.scope or ()) + (10**9,)), actor)
    assert not plans.holds(dataclasses.replace(mark, migrations=(0, 0)), actor)
    assert not plans.holds(dataclasses.replace(mark, database="elsewhere"), actor)
    # Any audited change, whatever it is.
    person_update(actor=SYSTEM, person=world.a2.person, phone="13800001234")
    assert not plans.holds(mark, actor)
    assert plans.holds(plans.take_mark(actor), actor)
    # The grids the uploader may write in are part of it (an assignment may change without an audit row).
    assert not plans.holds(mark, web_actor(world.users.community_admin))


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL transaction ids")
def test_a_transaction_running_at_the_mark_that_commits_later_is_noticed(world):
    import psycopg

    actor = web_actor(world.users.grid_worker)
    mark = plans.take_mark(actor)
    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "password": settings["PASSWORD"] or None,
    }

    def xid_of(end: str) -> int:
        with psycopg.connect(**{k: v for k, v in params.items() if v}) as other:
            xid = int(other.execute("SELECT pg_current_xact_id()::text").fetchone()[0])
            other.commit() if end == "commit" else other.rollback()
        return xid

    assert plans.holds(dataclasses.replace(mark, running=(xid_of("rollback"),)), actor)
    assert not plans.holds(dataclasses.replace(mark, running=(xid_of("commit"),)), actor)


def test_a_cancelled_or_failed_job_leaves_no_plan(world, monkeypatch):
    user = world.users.grid_worker
    job = preview(user, "people", [HEADER, row("赵六", new_id(401), world.a1.house)])
    assert plans.plan_path(job).exists()
    services.import_cancel(actor=web_actor(user), job=job)
    assert not plans.plan_path(job).exists()

    job = preview(user, "people", [HEADER, row("钱七", new_id(403), world.a1.house)])

    def failing(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "insert", failing)
    job = commit(job)
    assert job.status == "failed" and not plans.plan_path(job).exists()
    assert not Person.objects.filter(id_number=new_id(403)).exists()


def test_a_plan_of_another_upload_or_version_is_not_used(world, file_reads, monkeypatch):
    user = world.users.grid_worker
    job = preview(user, "people", [HEADER, row("赵六", new_id(401), world.a1.house)])
    assert plans.load(job) is not None
    monkeypatch.setattr(plans, "PLAN_VERSION", plans.PLAN_VERSION + 1)
    assert plans.load(job) is None
    monkeypatch.undo()
    # A deploy between the preview and the commit: other code decides.
    monkeypatch.setattr(plans, "code_fingerprint", lambda: "other code")
    assert plans.load(job) is None
    monkeypatch.undo()
    assert plans.load(job) is not None
    job.path.write_bytes(job.path.read_bytes() + b"\n")
    assert plans.load(job) is None


# --- what the bulk path writes --------------------------------------------------------------------------------


TRICKY = ["", "张三", 'a"b', "back\\slash", "tab\there", "new\nline", "cr\rhere", "\u2028", "é😀", "\\N"]


def test_creation_json_is_the_text_json_dumps_writes_for_creation_changes():
    names = ["id", "name", "count", "flag", "day", "amount", "nothing", "empty", "version", "ratio"]
    rows = [
        [1, text, 7, True, datetime.date(2024, 1, 5), decimal.Decimal("1.50"), None, "", 1, 0.5]
        for text in TRICKY
    ]
    rows.append([2, "x", 0, False, None, None, None, "", 1, None])
    for values, made in zip(rows, bulk.creation_jsons(names, rows), strict=True):
        expected = {
            name: [None, value.isoformat() if isinstance(value, datetime.date) else value]
            for name, value in zip(names, values, strict=True)
            if name not in ("id", "version") and value not in (None, "")
        }
        expected = {
            k: [None, str(v[1])] if isinstance(v[1], decimal.Decimal) else v for k, v in expected.items()
        }
        assert made == json.dumps(expected, ensure_ascii=False)
        assert bulk.creation_jsons(names, [values]) == [made]


def test_copy_text_escapes_what_copy_would_misread():
    rows = [[1, text, None, True, datetime.date(2024, 1, 5)] for text in TRICKY]
    lines = bulk.copy_text(rows).split("\n")
    assert lines[-1] == "" and len(lines) == len(rows) + 1
    assert lines[3] == "1\tback\\\\slash\t\\N\tt\t2024-01-05"
    assert lines[4].split("\t")[1] == "tab\\there"
    assert lines[5].split("\t")[1] == "new\\nline"
    assert lines[9].split("\t")[1] == "\\\\N"


def test_odd_text_goes_in_and_comes_out_unchanged(world):
    """Through COPY on PostgreSQL, executemany on SQLite: what a cell held is what the register holds."""
    grid = world.a1.house.grid
    rows = [
        {"id_number": new_id(500 + i), "name": f"人{i}", "hukou_address": text, "grid_id": grid.pk}
        for i, text in enumerate(TRICKY)
    ]
    ids = bulk.create_rows(Person, rows, actor=SYSTEM, reprs=[r["name"] for r in rows])
    stored = dict(Person.objects.filter(pk__in=ids).values_list("pk", "hukou_address"))
    assert [stored[pk] for pk in ids] == TRICKY
    for pk in ids:
        person = Person.objects.get(pk=pk)
        assert records(person).get().changes == creation_changes(person)
