"""The daily report's workbook: time to write it at the Haicang and county shapes, next to openpyxl writing the
same values with no styling at all (the floor), and the time LibreOffice takes to open and convert it.

    .venv/bin/python bench/report_workbook.py                         # synthetic figures, both shapes
    .venv/bin/python bench/report_workbook.py --var-dir /tmp/demo     # also a real report of a demo (SQLite)
    .venv/bin/python bench/report_workbook.py --database-url postgres://postgres@127.0.0.1:5432/wangge_bench

The synthetic figures have the shape of the documents (Haicang: 4 streets, 40 communities, 430 grids and as
many grid workers; a county like Shuyang: 30 towns, 450 communities and villages, 1,715 grids and workers). With
a demo database it also times `report_content` (the quality selectors, rollups made fresh first) of the district.
"""

import argparse
import datetime
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHAPES = {
    "haicang": (4, 40, 430, 430),
    "county": (30, 450, 1715, 1715),
}


def synthetic(shape: tuple[int, int, int, int], seed: int = 5):
    from types import SimpleNamespace

    from wangge.quality.selectors import Figures
    from wangge.reports.selectors import Line, ReportContent, Sheet

    rnd = random.Random(seed)
    day = datetime.date(2026, 11, 21)

    def figures(key, name, level, size, user=None):
        flats, people, houses = (size * rnd.randint(400, 600), size * rnd.randint(700, 1000), size * 600)
        registered, checked = size * rnd.randint(0, 30), size * rnd.randint(0, 40)
        return Figures(
            key=key,
            name=name,
            level=level,
            area_id=1,
            user_id=user,
            day=day,
            code="" if user else key,
            flats=flats,
            flats_visited=int(flats * rnd.uniform(0.6, 0.95)),
            people=people,
            people_verified=int(people * rnd.uniform(0.6, 0.95)),
            houses=houses,
            houses_verified=int(houses * rnd.uniform(0.6, 0.95)),
            houses_collected=int(houses * 0.92),
            registered=registered,
            registered_active=int(registered * 0.97),
            rechecked=checked,
            recheck_right=int(checked * 0.93),
            visits=flats,
            grid_count=size,
        )

    def lines(prefix, n, level, size):
        return [
            Line(
                figures(f"{prefix}{i:04d}", f"{level}{i}", level, size),
                figures(f"{prefix}{i:04d}", "", level, size),
                rank=i + 1,
                rank_before=i + 1,
                place="某街道 / 某社区",
            )
            for i in range(n)
        ]

    streets, communities, grids, workers = shape
    return ReportContent(
        area=SimpleNamespace(name="海沧区", code="350205", level="district"),
        day=day,
        period=(datetime.date(2026, 11, 1), day),
        summary=Line(
            figures("350205", "海沧区", "district", grids), figures("350205", "", "district", grids)
        ),
        sheets=[
            Sheet("street", "街道", lines("350205", streets, "street", grids // streets)),
            Sheet("community", "社区/村", lines("35020500", communities, "community", grids // communities)),
            Sheet("grid", "网格", lines("3502050010010", grids, "grid", 1)),
            Sheet(
                "worker",
                "网格员",
                [
                    Line(figures(f"user:{i}", f"员{i}", "worker", 1, i), None, rank=i + 1)
                    for i in range(workers)
                ],
            ),
        ],
    )


def plain_workbook(content, path: Path) -> None:
    """The floor: the same values, one sheet per level, no styles, merges, widths or print setup."""
    from openpyxl import Workbook

    from wangge.quality.selectors import RATES
    from wangge.reports.selectors import counts_for

    workbook = Workbook()
    for sheet in content.sheets:
        ws = workbook.create_sheet(sheet.level)
        for line in sheet.lines:
            row = [line.rank, line.rank_change, line.name, line.place, line.figures.key]
            for name in RATES:
                row += [line.rate(name), line.change(name)]
            ws.append(row + [line.part(name) for name in counts_for(sheet.level)])
    workbook.save(path)


def libreoffice(path: Path) -> float | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    started = time.perf_counter()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{path.parent}/lo-profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
            "--outdir",
            str(path.parent / "csv"),
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def measure(label: str, content) -> None:
    from wangge.reports.workbook import write_workbook

    work = Path(tempfile.mkdtemp(prefix="wangge-report-"))
    try:
        started = time.perf_counter()
        size = write_workbook(content, work / "report.xlsx")
        ours = time.perf_counter() - started
        started = time.perf_counter()
        plain_workbook(content, work / "plain.xlsx")
        plain = time.perf_counter() - started
        converted = libreoffice(work / "report.xlsx")
        rows = sum(len(s.lines) for s in content.sheets)
        lo = (
            "LibreOffice missing"
            if converted is None
            else f"LibreOffice → CSV (every sheet) {converted:.1f} s"
        )
        print(
            f"{label}: {rows:,} rows, workbook {ours:.2f} s ({size / 1024:.0f} KiB) "
            f"vs. plain openpyxl {plain:.2f} s; {lo}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--var-dir", help="WANGGE_VAR_DIR of an SQLite demo")
    parser.add_argument("--database-url", help="DATABASE_URL of a PostgreSQL demo")
    parser.add_argument("--day", help="report day YYYY-MM-DD (default: yesterday)")
    args = parser.parse_args()
    if args.var_dir:
        os.environ["WANGGE_VAR_DIR"] = args.var_dir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.config.settings")
    import django

    django.setup()
    for name, shape in SHAPES.items():
        measure(f"synthetic {name}", synthetic(shape))
    if args.var_dir or args.database_url:
        from wangge.areas.models import Area, AreaLevel
        from wangge.quality.selectors import SYSTEM
        from wangge.reports.selectors import report_content
        from wangge.reports.services import fresh_rollups, nightly_day

        day = datetime.date.fromisoformat(args.day) if args.day else nightly_day()
        district = Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code").first()
        started = time.perf_counter()
        fresh_rollups(district, day)
        rollups = time.perf_counter() - started
        started = time.perf_counter()
        content = report_content(user=SYSTEM, area=district, day=day)
        read = time.perf_counter() - started
        print(f"demo {district.name} {day}: rollups made final {rollups:.2f} s, figures read {read:.2f} s")
        measure(f"demo {district.name}", content)


if __name__ == "__main__":
    main()
