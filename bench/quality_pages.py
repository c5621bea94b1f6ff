"""p50/p95 of the progress-and-quality web pages (dashboard, ranking of all grids, workers) on a built demo.

    .venv/bin/python bench/quality_pages.py --var-dir /tmp/h1bench/sqlite            # a SQLite demo
    .venv/bin/python bench/quality_pages.py --database-url postgres://postgres@127.0.0.1:5432/wangge_bench_h1q

In-process with Django's test client, as the demo's district admin, a street admin and a grid worker. Today's
rollup rows are made fresh first (as the worker keeps them), so the pages read rollups only: what a command
centre sees. bench/quality_rates.py measures the same figures through the API, next to raw aggregation.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_latency import percentile  # noqa: E402

USERS = ("district_admin", "street_admin", "grid_worker")
PAGES = {
    "dashboard": ("/quality/", {}),
    "ranking (all grids)": ("/quality/ranking/", {"level": "grid"}),
    "workers": ("/quality/workers/", {}),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--var-dir", help="WANGGE_VAR_DIR of a SQLite demo")
    where.add_argument("--database-url", help="a PostgreSQL demo")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    if args.var_dir:
        os.environ["WANGGE_VAR_DIR"] = args.var_dir
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from wangge.accounts.models import User
    from wangge.core.actor import Actor
    from wangge.quality.services import rollup_refresh

    settings.ALLOWED_HOSTS = ["*"]
    today = timezone.localdate()
    started = time.perf_counter()
    rollup_refresh(actor=Actor.system(source="task"), day_from=today, day_to=today)
    print(f"today's rollup refreshed in {time.perf_counter() - started:.1f} s")
    print("| user | page | p50 ms | p95 ms | queries | bytes |\n|---|---|---:|---:|---:|---:|")
    for username in USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for name, (url, params) in PAGES.items():
            if username == "grid_worker" and name != "dashboard":
                continue
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - t0) * 1000)
            with CaptureQueriesContext(connection) as queries:
                client.get(url, params)
            print(
                f"| {username} | {name} | {statistics.median(times):.1f} | {percentile(times, 95):.1f} "
                f"| {len(queries.captured_queries)} | {len(response.content):,} |"
            )


if __name__ == "__main__":
    main()
