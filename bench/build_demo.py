"""Time and peak memory to build the demo district (default: the Haicang scale) on SQLite and PostgreSQL.

    .venv/bin/python bench/build_demo.py                      # both databases, haicang scale
    .venv/bin/python bench/build_demo.py --db sqlite --scale small
    .venv/bin/python bench/build_demo.py --db postgres --writer orm
    .venv/bin/python bench/build_demo.py --keep               # leave the databases for bench/api_latency.py

Each build runs in a fresh child process against a fresh database (SQLite: a new WANGGE_VAR_DIR under
--work-dir; PostgreSQL: the database `wangge_bench`, dropped and created here), so the peak resident set
size (getrusage ru_maxrss) is that one build's. The figures: migrate, generate (Python), write (INSERTs and
their audit rows), finish (sequence reset + ANALYZE), campaign (six weeks of field work, re-checks, anomalies
and rollups through the services, per step), total, peak RSS, database size.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "wangge_bench"


def pg_url(database: str = PG_DATABASE) -> str:
    return f"{PG_SERVER}/{database}"


def recreate_pg_database(database: str = PG_DATABASE) -> None:
    import psycopg

    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def drop_pg_database(database: str = PG_DATABASE) -> None:
    import psycopg

    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def bench_env(db: str, work_dir: Path) -> dict:
    """The environment of a build or latency run: its own var dir, and PostgreSQL when asked."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="wangge.config.settings", PYTHONPATH=str(ROOT))
    env["WANGGE_VAR_DIR"] = str(work_dir / db)
    if db == "postgres":
        env["DATABASE_URL"] = pg_url()
    else:
        env.pop("DATABASE_URL", None)
    return env


def child(scale: str, seed: int, writer: str) -> None:
    """Runs inside the measured process: migrate, build, report JSON on the last line of stdout."""
    import resource

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from wangge.demo import builder

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - started
    result = builder.build(
        scale, seed=seed, method=writer, progress=lambda m: print(m, file=sys.stderr, flush=True)
    )
    builder.write_accounts(result.accounts, result.password)
    total = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
    else:
        connection.close()
        db_file = Path(settings.DATABASES["default"]["NAME"])
        size = sum(p.stat().st_size for p in db_file.parent.glob(db_file.name + "*"))
    report = {
        "database": connection.vendor,
        "scale": scale,
        "seed": seed,
        "writer": writer,
        "migrate_s": round(migrate_seconds, 1),
        "generate_s": round(result.phases.get("generate", 0), 1),
        "write_s": round(result.phases.get("write", 0), 1),
        "finish_s": round(result.phases.get("finish", 0), 1),
        "field_work_s": round(result.phases.get("field_work", 0), 1),
        # The campaign (visits, marks, re-checks, anomalies, rollups through the services), step by step.
        "campaign_s": round(sum(v for k, v in result.phases.items() if k.startswith("campaign_")), 1),
        "campaign_steps_s": {
            k.removeprefix("campaign_"): round(v, 1)
            for k, v in result.phases.items()
            if k.startswith("campaign_")
        },
        "campaign": result.campaign,
        "cpu_register_s": round(result.phases.get("cpu_register", 0), 1),
        "cpu_total_s": round(result.phases.get("cpu_total", 0), 1),
        "build_s": round(result.seconds, 1),
        "total_s": round(total, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "batch_rss_mb": round(result.batch_rss_mb),
        "db_size_mb": round(size / 2**20),
        "counts": result.counts,
    }
    print(json.dumps(report, ensure_ascii=False), flush=True)


def run(db: str, args) -> dict:
    work_dir = Path(args.work_dir)
    var_dir = work_dir / db
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    if db == "postgres":
        recreate_pg_database()
    command = [
        sys.executable,
        __file__,
        "--child",
        "--scale",
        args.scale,
        "--seed",
        str(args.seed),
        "--writer",
        args.writer,
    ]
    print(f"== {db}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    done = subprocess.run(
        command, env=bench_env(db, work_dir), cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if not args.keep:
        if db == "postgres":
            drop_pg_database()
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--scale", default="haicang")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--writer", choices=["sql", "orm"], default="sql")
    parser.add_argument("--work-dir", default="/tmp/wangge-bench")
    parser.add_argument("--keep", action="store_true", help="keep the built databases (for api_latency.py)")
    parser.add_argument("--json", help="also write the reports to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.scale, args.seed, args.writer)
        return
    reports = [run(db, args) for db in (["sqlite", "postgres"] if args.db == "both" else [args.db])]
    columns = [
        "database",
        "scale",
        "writer",
        "migrate_s",
        "generate_s",
        "write_s",
        "finish_s",
        "campaign_s",
        "total_s",
        "peak_rss_mb",
        "batch_rss_mb",
        "db_size_mb",
    ]
    print(" | ".join(columns))
    for r in reports:
        print(" | ".join(str(r[c]) for c in columns))
    counts = reports[0]["counts"]
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    for r in reports:
        steps = ", ".join(f"{k} {v}" for k, v in r["campaign_steps_s"].items())
        print(f"campaign ({r['database']}): {steps}")
        print("  " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["campaign"].items())))
    if args.json:
        Path(args.json).write_text(json.dumps(reports, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
