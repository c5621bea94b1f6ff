"""A full anomaly run on the Haicang demo: seconds per rule, found/new counts, first run next to a second one.

    .venv/bin/wangge demo --scale haicang --no-serve                 # once, into its own WANGGE_VAR_DIR
    .venv/bin/python bench/anomalies_run.py --var-dir /tmp/demo       # SQLite
    .venv/bin/python bench/anomalies_run.py --database-url postgres://postgres@127.0.0.1:5432/wangge_bench
    .venv/bin/python bench/anomalies_run.py --var-dir /tmp/demo --later-days 200   # as if run 200 days on

Per rule it prints: what the rule finds, how long `find()` alone takes (the queries; the baseline), and how long
the rule took inside a real run (find + writing the items) twice: the first run opens every item (new), the
second finds them again (still). `--later-days` runs the rules as of a later day, so "not verified for 180
days" finds every person the demo never verified: the heaviest load one rule can make (a run opening hundreds
of thousands of items). The items the runs make stay in the database (anomalies are never deleted), so the
first run opens new items only on a database no run has touched yet.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--var-dir", help="WANGGE_VAR_DIR of an SQLite demo")
    parser.add_argument("--database-url", help="DATABASE_URL of a PostgreSQL demo")
    parser.add_argument("--area", default="", help="area code (default: the whole district)")
    parser.add_argument("--later-days", type=int, default=0, help="run as of this many days after today")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if args.var_dir:
        os.environ["WANGGE_VAR_DIR"] = args.var_dir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from wangge.anomalies.rules import all_rules
    from wangge.anomalies.services import anomalies_run, run_grids
    from wangge.areas.models import Area, AreaLevel
    from wangge.core.actor import Actor
    from wangge.people.models import Person

    area = (
        Area.objects.get(code=args.area)
        if args.area
        else Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code").first()
    )
    today = timezone.localdate() + datetime.timedelta(days=args.later_days)
    grids = run_grids(user=None, area=area)
    print(
        f"database: {connection.vendor} · area {area.code} {area.name} · {grids.count()} grids · "
        f"{Person.objects.filter(grid__in=grids).count():,} people · as of {today}"
    )

    find_seconds, found = {}, {}
    for rule_class in all_rules():
        t0 = time.perf_counter()
        found[rule_class.code] = sum(1 for _ in rule_class(today=today).find(grids))
        find_seconds[rule_class.code] = time.perf_counter() - t0

    runs = []
    for _i in range(args.runs):
        t0 = time.perf_counter()
        run = anomalies_run(actor=Actor.system(source="command"), area=area, today=today)
        runs.append((run, time.perf_counter() - t0))

    head = f"{'rule':30} {'found':>8} {'find() s':>9}"
    for i in range(len(runs)):
        head += f" {f'run {i + 1} s':>9} {'new/still':>14}"
    print(head)
    for rule_class in all_rules():
        code = rule_class.code
        line = f"{code:30} {found[code]:>8,} {find_seconds[code]:>9.2f}"
        for run, _seconds in runs:
            c = run.counts[code]
            line += f" {c['seconds']:>9.2f} {str(c['new']) + '/' + str(c['still']):>14}"
        print(line)
    total = f"{'total':30} {sum(found.values()):>8,} {sum(find_seconds.values()):>9.2f}"
    for _run, seconds in runs:
        total += f" {seconds:>9.2f} {'':>14}"
    print(total)


if __name__ == "__main__":
    main()
