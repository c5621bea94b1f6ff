"""Importing 100,000 people with their residences, end to end, on SQLite and PostgreSQL.

    .venv/bin/python bench/import_speed.py                       # both databases, .xlsx and .csv
    .venv/bin/python bench/import_speed.py --db postgres --formats csv
    .venv/bin/python bench/import_speed.py --rows 20000 --orm-rows 500

Steps, per database:

1. A base database: migrate and build the demo district (`--scale`, default small: one street with 12,856
   houses), so the addresses and houses the rows live in exist. PostgreSQL: `wangge_bench_import_base`,
   copied for every measured run with CREATE DATABASE … TEMPLATE; SQLite: the file, copied.
2. The rows: `--rows` new people (names, ID numbers and phones from the demo generator's PeopleMaker), each
   living in a house of the district that is the only current house on its address; the row names the house
   by its address text, so every row goes through the address engine. Written once as .xlsx and as .csv.
3. Measured, each in a fresh child process on a fresh copy of the base database: the import of each file as
   the district administrator does it (upload → preview → commit, `transfer.services`, validation and
   address matching included), then the same file again (every row unchanged: nothing may be written).
4. Baselines: PostgreSQL COPY of the same CSV into a plain table with text columns (no index, no check —
   the physical ceiling of getting the bytes in), and a row-by-row save through the single-record services
   (person_create + residence_create per row, each its own transaction) on `--orm-rows` rows.

Figures: rows per second of the whole file; for the import also its two steps. docs/import-export.md holds a run.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
BASE_DB = "wangge_bench_import_base"
RUN_DB = "wangge_bench_import"
HEADER = ["姓名", "身份证号", "民族", "手机", "人员类别", "户籍地址", "地址", "与房屋关系", "入住日期"]


def pg_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def env_for(db: str, work: Path, database: str = RUN_DB) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="wangge.config.settings", PYTHONPATH=str(ROOT))
    env["WANGGE_VAR_DIR"] = str(work / db / "run")
    # Every run in the request, as `wangge serve` would for a small file: the background path adds only the
    # queue's latency, which is not what is measured here.
    env["WANGGE_IMPORT_BACKGROUND_ROWS"] = str(10**9)
    if db == "postgres":
        env["DATABASE_URL"] = f"{PG_SERVER}/{database}"
    else:
        env.pop("DATABASE_URL", None)
    return env


def child(command: list[str], env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *command], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- preparing ---------------------------------------------------------------------------------------------


def build_base(db: str, work: Path, scale: str) -> None:
    shutil.rmtree(work / db, ignore_errors=True)
    (work / db / "base").mkdir(parents=True)
    env = env_for(db, work, BASE_DB)
    env["WANGGE_VAR_DIR"] = str(work / db / "base")
    if db == "postgres":
        pg_admin(f'DROP DATABASE IF EXISTS "{BASE_DB}" WITH (FORCE)', f'CREATE DATABASE "{BASE_DB}"')
    print(f"== {db}: building the demo district ({scale})", file=sys.stderr, flush=True)
    subprocess.run(
        [sys.executable, "-m", "wangge.cli", "demo", "--scale", scale, "--no-serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        check=True,
    )


def fresh_copy(db: str, work: Path) -> None:
    run = work / db / "run"
    shutil.rmtree(run, ignore_errors=True)
    if db == "postgres":
        run.mkdir(parents=True)
        pg_admin(
            f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)',
            f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{BASE_DB}"',
        )
    else:
        shutil.copytree(work / db / "base", run)


def make_rows(rows: int, seed: int) -> dict:
    """Runs in a child on the base database: the people, written as .xlsx and .csv next to the database."""
    import django

    django.setup()
    from openpyxl import Workbook

    from wangge.demo.generator import AS_OF, PeopleMaker
    from wangge.housing.models import House
    from wangge.people.models import Person
    from wangge.transfer.writing import export_csv

    rng = random.Random(seed)
    counts: dict[int, int] = {}
    for address_id in House.objects.filter(ended_on__isnull=True).values_list("address_id", flat=True):
        counts[address_id] = counts.get(address_id, 0) + 1
    texts = sorted(
        House.objects.filter(
            ended_on__isnull=True, address_id__in=[a for a, n in counts.items() if n == 1]
        ).values_list("address__full_text", flat=True)
    )
    used = set(Person.objects.values_list("id_number", flat=True))
    maker = PeopleMaker(type("Used", (), {"used_ids": used})(), rng)
    relations = ["租客"] * 6 + ["家庭成员"] * 3 + ["房主"]
    table = []
    for _ in range(rows):
        sex = rng.choice(["male", "female"])
        age = rng.randint(1, 90)
        birth = AS_OF.replace(year=AS_OF.year - age) - datetime.timedelta(days=rng.randrange(365))
        table.append(
            [
                PeopleMaker.chinese_name(rng, sex, birth_year=birth.year, local=rng.random() < 0.4),
                maker.resident_id(
                    rng, rng.choice(["350205", "350206", "360102", "430104", "510104"]), birth, sex
                ),
                "汉族",
                PeopleMaker.phone(rng),
                rng.choice(["流动人口", "户籍人口"]),
                "",
                rng.choice(texts),
                rng.choice(relations),
                (AS_OF - datetime.timedelta(days=rng.randrange(3000))).isoformat(),
            ]
        )
    out = Path(os.environ["BENCH_OUT"])
    started = time.perf_counter()
    with open(out / "people.csv", "w", encoding="utf-8", newline="") as fh:
        for line in export_csv(headers=HEADER, rows=table):
            fh.write(line)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("实有人口")
    sheet.append(HEADER)
    for row in table:
        sheet.append(row)
    workbook.save(out / "people.xlsx")
    return {"rows": rows, "addresses": len(texts), "write_s": round(time.perf_counter() - started, 1)}


# --- measured ----------------------------------------------------------------------------------------------


def measure_import(path: str) -> dict:
    """Upload, preview and commit one file as the district administrator; then the same file once more."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wangge.accounts.models import User
    from wangge.accounts.roles import Role
    from wangge.core.actor import Actor
    from wangge.people.models import Person, Residence
    from wangge.transfer.services import import_commit, import_upload

    user = User.objects.filter(role=Role.DISTRICT_ADMIN, is_active=True).order_by("pk").first()
    actor = Actor(user=user, source="web")
    content = Path(path).read_bytes()
    before = Person.objects.count(), Residence.objects.count()
    # A server process has its modules loaded, its address index built and the parser's model read before an
    # import comes in: done here before the clock starts, and reported as `warm_s` (what the first import after a
    # start pays on top).
    warming = time.perf_counter()
    from wangge.addresses.engine import parse_many
    from wangge.addresses.engine.index import get_index
    from wangge.transfer.registry import importer_for

    importer_for("people")
    get_index()
    parse_many(["福建省厦门市海沧区"])
    result = {"file": Path(path).name, "warm_s": round(time.perf_counter() - warming, 2)}
    for run in ("first", "again"):
        started = time.perf_counter()
        job = import_upload(actor=actor, kind="people", upload=SimpleUploadedFile(Path(path).name, content))
        previewed = time.perf_counter()
        if job.new_count + job.changed_count:
            job = import_commit(actor=actor, job=job)
        finished = time.perf_counter()
        result[run] = {
            "status": job.status,
            "message": job.message,
            "counts": [job.new_count, job.changed_count, job.unchanged_count, job.rejected_count],
            "preview_s": round(previewed - started, 2),
            "commit_s": round(finished - previewed, 2),
            "total_s": round(finished - started, 2),
            "rows_per_s": round(job.total_rows / (finished - started)),
            "load": os.getloadavg()[0],
        }
    result["people_added"] = Person.objects.count() - before[0]
    result["residences_added"] = Residence.objects.count() - before[1]
    return result


def measure_orm(path: str, rows: int) -> dict:
    """The single-record services, one row at a time, each row its own transaction (what an import without a
    bulk path would do). The house of each address is looked up before the clock starts: this measures the
    writes and their checks, not the address engine."""
    import csv

    import django

    django.setup()
    from wangge.accounts.models import User
    from wangge.accounts.roles import Role
    from wangge.core.actor import Actor
    from wangge.housing.models import House
    from wangge.people.choices import Category, Relation
    from wangge.people.services import person_create, residence_create

    user = User.objects.filter(role=Role.DISTRICT_ADMIN, is_active=True).order_by("pk").first()
    actor = Actor(user=user, source="import", file="people.csv")
    categories = {str(label): value for value, label in Category.choices}
    relations = {str(label): value for value, label in Relation.choices}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))[1 : rows + 1]
    houses = {
        h.address.full_text: h
        for h in House.objects.filter(
            ended_on__isnull=True, address__full_text__in={r[6] for r in table}
        ).select_related("address", "grid")
    }
    started = time.perf_counter()
    for name, id_number, _ethnicity, phone, category, _hukou, address, relation, started_on in table:
        house = houses[address]
        person = person_create(
            actor=actor,
            grid=house.grid,
            name=name,
            id_number=id_number,
            ethnicity="01",
            phone=phone,
            category=categories[category],
        )
        residence_create(
            actor=actor,
            person=person,
            house=house,
            relation=relations[relation],
            started_on=datetime.date.fromisoformat(started_on),
            source="imported",
        )
    seconds = time.perf_counter() - started
    return {"rows": len(table), "total_s": round(seconds, 2), "rows_per_s": round(len(table) / seconds)}


def measure_copy_tables(path: str) -> dict:
    """COPY of the same people, their residences and one audit row each into the real tables (indexes, foreign
    keys checked at commit): what writing these rows costs the server at the least, with nothing validated.
    The COPY text is built before the clock starts (`build_s`): only the server's work is timed."""
    import csv

    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from wangge.core.bulk import copy_text, creation_jsons
    from wangge.housing.models import House
    from wangge.people.models import Person, Residence

    with open(path, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))[1:]
    houses = {
        text: (pk, grid)
        for text, pk, grid in House.objects.filter(ended_on__isnull=True).values_list(
            "address__full_text", "pk", "grid_id"
        )
    }
    person_type = ContentType.objects.get_for_model(Person).pk
    residence_type = ContentType.objects.get_for_model(Residence).pk
    now = timezone.now()
    built = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('people_person_id_seq') FROM generate_series(1, %s)", [len(table)])
        person_ids = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT nextval('people_residence_id_seq') FROM generate_series(1, %s)", [len(table)])
        residence_ids = [r[0] for r in cursor.fetchall()]
    people = (
        "id, created_at, updated_at, version, ended_on, end_reason, id_type, id_number, name, name_initials, "
        "name_pinyin, sex, birth_date, ethnicity, phone, hukou_address, hukou_division, category, status, grid_id"
    )
    residences = (
        "id, created_at, updated_at, version, ended_on, end_reason, person_id, house_id, relation, is_primary, "
        "started_on, source"
    )
    audit = "content_type_id, object_id, object_repr, action, changes, reason, user_id, username, source, ip, device, file, at"
    person_rows = [
        [pk, now, now, 1, None, "", "resident_id", row[1], row[0], "", "", "", None, "01", row[3], "", ""]
        + ["migrant", "active", houses[row[6]][1]]
        for pk, row in zip(person_ids, table, strict=True)
    ]
    residence_rows = [
        [pk, now, now, 1, None, "", person, houses[row[6]][0], "tenant", True, row[8], "imported"]
        for pk, person, row in zip(residence_ids, person_ids, table, strict=True)
    ]
    names = [c.strip() for c in people.split(",")]
    audit_rows = [
        [person_type, pk, row[0], "create", changes, "", None, "bench", "import", None, "", "people.csv", now]
        for pk, row, changes in zip(person_ids, table, creation_jsons(names, person_rows), strict=True)
    ]
    names = [c.strip() for c in residences.split(",")]
    audit_rows += [
        [
            residence_type,
            pk,
            row[0],
            "create",
            changes,
            "",
            None,
            "bench",
            "import",
            None,
            "",
            "people.csv",
            now,
        ]
        for pk, row, changes in zip(residence_ids, table, creation_jsons(names, residence_rows), strict=True)
    ]
    data = [
        (f"COPY people_person ({people}) FROM STDIN", copy_text(person_rows).encode()),
        (f"COPY people_residence ({residences}) FROM STDIN", copy_text(residence_rows).encode()),
        (f"COPY core_changerecord ({audit}) FROM STDIN", copy_text(audit_rows).encode()),
    ]
    build_s = time.perf_counter() - built
    started = time.perf_counter()
    steps = {}
    with transaction.atomic():
        with connection.connection.cursor() as c:
            for (statement, text), step in zip(data, ("people_s", "residences_s", "audit_s"), strict=True):
                step_started = time.perf_counter()
                with c.copy(statement) as copy:
                    for start in range(0, len(text), 1 << 20):
                        copy.write(text[start : start + (1 << 20)])
                steps[step] = round(time.perf_counter() - step_started, 2)
        committing = time.perf_counter()
    # The commit checks the deferred foreign keys of every row.
    steps["commit_s"] = round(time.perf_counter() - committing, 2)
    seconds = time.perf_counter() - started
    return {
        "rows": len(table),
        "total_s": round(seconds, 2),
        "rows_per_s": round(len(table) / seconds),
        "build_s": round(build_s, 2),
        **steps,
    }


# What each part of the schema costs the server, for measure_ceiling: (what, statements run before the COPY).
PEOPLE_INDEXES = [
    "people_pers_grid_id_b647d6_idx",
    "people_pers_id_numb_1f4e14_idx",
    "people_person_grid_id_9efab4f6",
    "people_person_name_initials_a0be91d8",
    "people_person_name_initials_a0be91d8_like",
    "people_person_phone_13c6e3c0",
    "people_person_phone_13c6e3c0_like",
]
RESIDENCE_INDEXES = ["people_residence_house_id_588ebab6", "people_residence_person_id_8f8d598c"]
AUDIT_INDEXES = [
    "core_change_content_e32b06_idx",
    "core_changerecord_at_23183ad4",
    "core_changerecord_content_type_id_8ffaa8a5",
    "core_changerecord_user_id_11a3a940",
]
FOREIGN_KEYS = [
    ("people_person", "people_person_grid_id_9efab4f6_fk_areas_area_id"),
    ("people_residence", "people_residence_house_id_588ebab6_fk_housing_house_id"),
    ("people_residence", "people_residence_person_id_8f8d598c_fk_people_person_id"),
    ("core_changerecord", "core_changerecord_content_type_id_8ffaa8a5_fk_django_co"),
    ("core_changerecord", "core_changerecord_user_id_11a3a940_fk_accounts_user_id"),
]


def _drop_indexes(names: list[str]) -> list[str]:
    return [f'DROP INDEX "{name}"' for name in names]


def _drop_keys(keys: list[tuple[str, str]]) -> list[str]:
    return [f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"' for table, name in keys]


CEILING_VARIANTS = [
    ("as is (9 + 4 + 5 indexes, 5 foreign keys)", []),
    ("without the 7 secondary indexes of people", _drop_indexes(PEOPLE_INDEXES)),
    ("without the 2 secondary indexes of residences", _drop_indexes(RESIDENCE_INDEXES)),
    ("without the 4 secondary indexes of the audit", _drop_indexes(AUDIT_INDEXES)),
    (
        "without the 2 redundant ones (person grid, audit content type)",
        _drop_indexes(["people_person_grid_id_9efab4f6", "core_changerecord_content_type_id_8ffaa8a5"]),
    ),
    ("without the 5 foreign keys", _drop_keys(FOREIGN_KEYS)),
    (
        "primary keys and unique constraints only",
        _drop_indexes(PEOPLE_INDEXES + RESIDENCE_INDEXES + AUDIT_INDEXES) + _drop_keys(FOREIGN_KEYS),
    ),
]


def measure_ceiling(work: Path, files: Path) -> list:
    """measure_copy_tables on the schema as it is and with parts of it dropped (on a copy of the base)."""
    import psycopg

    results = []
    for what, statements in CEILING_VARIANTS:
        fresh_copy("postgres", work)
        with psycopg.connect(f"{PG_SERVER}/{RUN_DB}", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)
            conn.execute("VACUUM ANALYZE")
        print(f"== postgres: COPY into the real tables, {what}", file=sys.stderr, flush=True)
        result = child(["--child", "copy-tables", str(files / "people.csv")], env_for("postgres", work))
        result["load"] = os.getloadavg()[0]
        print(f"   {result}", file=sys.stderr, flush=True)
        results.append(("postgres", f"COPY, {what}", result))
    return results


def measure_copy(path: str) -> dict:
    """COPY of the CSV into a plain table: the bytes in, nothing checked, no index."""
    import psycopg

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with psycopg.connect(f"{PG_SERVER}/{RUN_DB}") as conn:
        conn.execute(f"CREATE TABLE plain_people ({columns})")
        started = time.perf_counter()
        with conn.cursor() as cursor, open(path, "rb") as fh:
            fh.read(3)  # the BOM
            with cursor.copy("COPY plain_people FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while data := fh.read(1 << 20):
                    copy.write(data)
        conn.commit()
        seconds = time.perf_counter() - started
        count = conn.execute("SELECT count(*) FROM plain_people").fetchone()[0]
    return {"rows": count, "total_s": round(seconds, 2), "rows_per_s": round(count / seconds)}


# --- main --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--orm-rows", type=int, default=2_000)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--work-dir", default="/tmp/wangge-bench-import")
    parser.add_argument("--keep", action="store_true", help="keep the databases and files")
    parser.add_argument(
        "--reuse", action="store_true", help="use the base database and files a --keep run left (no rebuild)"
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="PostgreSQL: also COPY the rows with parts of the schema dropped (what indexes and keys cost)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, *rest = args.child
        if step == "rows":
            print(json.dumps(make_rows(int(rest[0]), int(rest[1]))))
        elif step == "import":
            print(json.dumps(measure_import(rest[0]), ensure_ascii=False))
        elif step == "orm":
            print(json.dumps(measure_orm(rest[0], int(rest[1]))))
        elif step == "copy-tables":
            print(json.dumps(measure_copy_tables(rest[0])))
        return

    work = Path(args.work_dir)
    formats = [f for f in args.formats.split(",") if f]
    results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        files = work / "files"
        if not args.reuse:
            build_base(db, work, args.scale)
            files.mkdir(parents=True, exist_ok=True)
            env = env_for(db, work, BASE_DB)
            env["WANGGE_VAR_DIR"] = str(work / db / "base")
            env["BENCH_OUT"] = str(files)
            made = child(["--child", "rows", str(args.rows), str(args.seed)], env)
            print(
                f"== {db}: {made['rows']:,} rows on {made['addresses']:,} addresses",
                file=sys.stderr,
                flush=True,
            )
        for fmt in formats:
            fresh_copy(db, work)
            print(f"== {db}: importing people.{fmt}", file=sys.stderr, flush=True)
            report = child(["--child", "import", str(files / f"people.{fmt}")], env_for(db, work))
            results.append((db, f"import .{fmt}", report))
        fresh_copy(db, work)
        print(f"== {db}: row-by-row services on {args.orm_rows:,} rows", file=sys.stderr, flush=True)
        orm = child(["--child", "orm", str(files / "people.csv"), str(args.orm_rows)], env_for(db, work))
        results.append((db, "row-by-row services", orm))
        if db == "postgres":
            fresh_copy(db, work)
            print(f"== {db}: COPY into the register's tables", file=sys.stderr, flush=True)
            tables = child(["--child", "copy-tables", str(files / "people.csv")], env_for(db, work))
            results.append((db, "COPY into the real tables", tables))
            results.append((db, "COPY into a plain table", measure_copy(str(files / "people.csv"))))
            if args.ceiling:
                results.extend(measure_ceiling(work, files))
        if not args.keep:
            shutil.rmtree(work / db, ignore_errors=True)
            if db == "postgres":
                pg_admin(
                    f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)',
                    f'DROP DATABASE IF EXISTS "{BASE_DB}" WITH (FORCE)',
                )

    print(f"\n{args.rows:,} people with residences; demo district {args.scale}\n")
    print(
        f"{'database':<11}{'what':<28}{'rows':>9}{'preview s':>11}{'commit s':>10}{'total s':>9}{'rows/s':>9}"
        f"{'again s':>9}{'again rows/s':>14}{'load':>6}"
    )
    for db, what, r in results:
        if "first" in r:
            first, again = r["first"], r["again"]
            rows = sum(first["counts"])
            print(
                f"{db:<11}{what:<28}{rows:>9,}{first['preview_s']:>11}{first['commit_s']:>10}{first['total_s']:>9}"
                f"{first['rows_per_s']:>9,}{again['total_s']:>9}{again['rows_per_s']:>14,}{first['load']:>6.1f}"
            )
            print(f"{'':<11}(warming up before the clock: {r['warm_s']} s)")
            if first["status"] != "done" or r["people_added"] != rows - first["counts"][3]:
                print(
                    f"{'':<11}!! {first['status']} {first['message']} counts={first['counts']} "
                    f"people added {r['people_added']:,}"
                )
        elif what.startswith("COPY,"):
            print(f"{db:<11}{what}")
            print(
                f"{'':<11}{'':<28}{r['rows']:>9,}{'':>11}{'':>10}{r['total_s']:>9}{r['rows_per_s']:>9,}",
                end="",
            )
            print(f"{'':>23}{r['load']:>6.1f}")
        else:
            print(f"{db:<11}{what:<28}{r['rows']:>9,}{'':>11}{'':>10}{r['total_s']:>9}{r['rows_per_s']:>9,}")


if __name__ == "__main__":
    main()
