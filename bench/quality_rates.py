"""p50/p95 of the progress-and-quality API (/api/v1/quality/…), rolled up next to raw, on a demo database.

    .venv/bin/python bench/quality_rates.py --db sqlite --build          # once: builds the haicang demo here
    .venv/bin/python bench/quality_rates.py --db sqlite
    .venv/bin/python bench/quality_rates.py --db postgres --build
    .venv/bin/python bench/quality_rates.py --db sqlite --var-dir /tmp/county --scale-name county

For a district admin, a street admin and a grid worker, each call (figures, children, ranking of all grids,
trend over the period, workers, groups, behind) is made twice over the same API, in-process with Django's test
client:

* **rolled up**: today's rollup rows are fresh, so the call only sums stored rows (what a dashboard does);
* **raw**: QUALITY_FRESH_MINUTES = 0 and no size limit on inline recomputation, so every call first recomputes
  today's rows of every grid it covers from the raw tables (rollup.compute), then answers — the cost of having
  no rollup.

It also times `rollup.compute` for the whole district and one refresh of a day (what the nightly job does per
day). The database is its own: a SQLite file under --work-dir, or the PostgreSQL database `wangge_bench_h1q`
(never the shared `wangge_bench`), built with bench/build_demo.py's child when --build is given.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_latency import percentile  # noqa: E402
from bench.build_demo import pg_url, recreate_pg_database  # noqa: E402

PG_DATABASE = "wangge_bench_h1q"
USERS = ("district_admin", "street_admin", "grid_worker")
CALLS = ("figures", "children", "ranking", "trend", "workers", "groups", "behind")


def environment(db: str, var_dir: Path, database: str) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="wangge.config.settings", PYTHONPATH=str(ROOT))
    env["WANGGE_VAR_DIR"] = str(var_dir)
    if db == "postgres":
        env["DATABASE_URL"] = pg_url(database)
    else:
        env.pop("DATABASE_URL", None)
    return env


def build(db: str, var_dir: Path, scale: str, database: str) -> None:
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    if db == "postgres":
        recreate_pg_database(database)
    command = [sys.executable, str(ROOT / "bench" / "build_demo.py"), "--child", "--scale", scale]
    print(f"== building {scale} on {db} in {var_dir}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run(
        command, env=environment(db, var_dir, database), cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    print(f"   built in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def paths_for(user, area, start: datetime.date) -> dict[str, str]:
    code = area.code
    return {
        "figures": f"/api/v1/quality/figures?area={code}",
        "children": f"/api/v1/quality/children?area={code}",
        "ranking": f"/api/v1/quality/ranking?area={code}&level=grid&rate=visit",
        "trend": f"/api/v1/quality/trend?area={code}&start={start.isoformat()}",
        "workers": f"/api/v1/quality/workers?area={code}",
        "groups": f"/api/v1/quality/groups?area={code}",
        "behind": f"/api/v1/quality/behind?area={code}&level=grid&n=10",
    }


def measure(client, path: str, token: str, requests: int, warmup: int) -> list[float]:
    timings = []
    for i in range(warmup + requests):
        started = time.perf_counter()
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.content[:300]!r}")
        if i >= warmup:
            timings.append(elapsed * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--work-dir", default="/tmp/wangge-bench-quality")
    parser.add_argument(
        "--var-dir", help="use the demo in this WANGGE_VAR_DIR (SQLite) instead of --work-dir/<db>"
    )
    parser.add_argument("--database", default=PG_DATABASE, help="PostgreSQL database name")
    parser.add_argument("--scale", default="haicang", help="scale to --build")
    parser.add_argument("--build", action="store_true", help="build the demo first (replaces the database)")
    parser.add_argument("--partial", action="store_true", help="measure a demo whose build was interrupted")
    parser.add_argument(
        "--requests", type=int, default=30, help="measured rolled-up requests per call and user"
    )
    parser.add_argument("--raw-requests", type=int, default=5, help="measured raw requests per call and user")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--trend-days", type=int, default=14, help="days back-filled and asked for by trend")
    parser.add_argument("--users", nargs="+", default=list(USERS), choices=USERS)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    var_dir = Path(args.var_dir) if args.var_dir else Path(args.work_dir) / args.db
    if args.build:
        build(args.db, var_dir, args.scale, args.database)
    os.environ.update(environment(args.db, var_dir, args.database))
    if args.db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from wangge.accounts.models import ApiToken, User
    from wangge.areas.models import AreaLevel
    from wangge.collection.models import Visit
    from wangge.core.actor import Actor
    from wangge.demo.builder import current_demo
    from wangge.demo.models import DemoBuild
    from wangge.quality import rollup, selectors
    from wangge.quality.services import refresh_day, rollup_refresh

    demo = current_demo()
    if demo is None:
        demo = DemoBuild.objects.first()
        if demo is None or not args.partial:
            sys.exit(f"No finished demo in {connection.settings_dict['NAME']}: --build first (or --partial).")
        print("   (the demo build did not finish: measuring the rows it wrote)", flush=True)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=args.trend_days - 1)
    visits = Visit.objects.count()
    print(f"{connection.vendor}, {demo.scale} demo: {visits} visits recorded", flush=True)
    if not visits:
        print("   (no visits in this demo yet: the rates are 0, the work done is the same)", flush=True)

    started = time.perf_counter()
    counts = rollup.compute(today)
    compute_s = time.perf_counter() - started
    started = time.perf_counter()
    refresh_day(today)
    refresh_s = time.perf_counter() - started
    started = time.perf_counter()
    rollup_refresh(actor=Actor.system(source="command"), day_from=start, day_to=today)
    backfill_s = time.perf_counter() - started
    print(
        f"rollup.compute(today) for {len(counts)} grids: {compute_s:.2f} s; refresh of one day (grids + workers, "
        f"written): {refresh_s:.2f} s; back-fill of {args.trend_days} days: {backfill_s:.1f} s",
        flush=True,
    )

    client = Client()
    rows = []
    for username in args.users:
        user = User.objects.get(username=username)
        # Issued directly (the token endpoint's password hashing is not what is measured here).
        _record, token = ApiToken.objects.issue(user)
        root = selectors.root_areas(user=user)[0]
        grids = len(selectors._grid_ids(user, root.code))
        for call, path in paths_for(user, root, start).items():
            if call in ("children", "ranking") and root.level == AreaLevel.GRID:
                continue  # a grid has no children to list or rank
            if call == "behind" and root.level == AreaLevel.GRID:
                path = path.replace("level=grid", "level=worker")
            settings.QUALITY_FRESH_MINUTES = 10**6
            rolled = measure(client, path, token, args.requests, args.warmup)
            settings.QUALITY_FRESH_MINUTES = 0
            settings.QUALITY_INLINE_GRIDS = 10**6
            raw = measure(client, path, token, args.raw_requests, 1)
            settings.QUALITY_INLINE_GRIDS = 40
            row = {
                "user": username,
                "area": f"{root.level} {root.code}",
                "grids": grids,
                "call": call,
                "rolled_p50": round(percentile(rolled, 50), 1),
                "rolled_p95": round(percentile(rolled, 95), 1),
                "raw_p50": round(percentile(raw, 50), 1),
                "raw_p95": round(percentile(raw, 95), 1),
                "rolled_mean": round(statistics.fmean(rolled), 1),
            }
            rows.append(row)
            print(
                f"{username:15} {call:9} ({grids:4} grids) rolled-up p50 {row['rolled_p50']:8.1f} p95 "
                f"{row['rolled_p95']:8.1f}   raw p50 {row['raw_p50']:9.1f} p95 {row['raw_p95']:9.1f} ms",
                flush=True,
            )
    settings.QUALITY_FRESH_MINUTES = 10
    print(
        f"\n{connection.vendor}, {demo.scale} scale, {len(counts)} grids, {visits} visits; "
        f"{args.requests} rolled-up / {args.raw_requests} raw requests per call; trend over {args.trend_days} days"
    )
    print("| user | call | grids | rolled-up p50 | rolled-up p95 | raw p50 | raw p95 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['user']} | {r['call']} | {r['grids']} | {r['rolled_p50']} | {r['rolled_p95']} | "
            f"{r['raw_p50']} | {r['raw_p95']} |"
        )
    if args.json:
        report = {
            "db": connection.vendor,
            "scale": demo.scale,
            "grids": len(counts),
            "visits": visits,
            "compute_s": round(compute_s, 2),
            "refresh_day_s": round(refresh_s, 2),
            "backfill_s": round(backfill_s, 1),
            "rows": rows,
        }
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
