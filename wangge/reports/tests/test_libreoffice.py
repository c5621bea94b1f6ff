"""The daily workbook opens where command centres open it: LibreOffice converts every sheet, and what it shows
(percentages, arrows, counts) are the selectors' figures.

Needs LibreOffice (`soffice`); without it this test fails, on purpose (.ci/run installs libreoffice-calc-nogui).
"""

import csv
import io

from wangge.core.actor import Actor
from wangge.quality import selectors as quality
from wangge.reports.services import report_request
from wangge.reports.tests.conftest import to_csv


def shown(value) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def arrow(now, then) -> str:
    if now is None or then is None:
        return "—"
    points = round((now - then) * 100, 2)
    return f"↑{points:.2f}" if points > 0 else f"↓{-points:.2f}" if points < 0 else "0.00"


def test_the_workbook_opens_in_libreoffice_and_shows_the_selectors_figures(world, campaign, tmp_path):
    admin = world.users.district_admin
    report = report_request(actor=Actor(user=admin, source="web"), area=world.district, day=campaign.today)
    assert report.state == "done", report.error

    converted = to_csv(report.path, tmp_path / "csv", tmp_path / "libreoffice-profile")
    assert set(converted) == {"汇总", "街道", "社区、村", "网格", "网格员"}
    sheets = {name: list(csv.reader(io.StringIO(text))) for name, text in converted.items()}

    now = quality.area_figures(user=admin, area=world.district, day=campaign.today)
    then = quality.area_figures(user=admin, area=world.district, day=campaign.yesterday)
    summary = {row[0]: row for row in sheets["汇总"] if row}
    assert summary["海沧区网格化基础信息采集日报"]
    for name in quality.RATES:
        numerator, denominator = quality.RATE_PARTS[name]
        assert summary[str(quality.RATE_LABELS[name])][:5] == [
            str(quality.RATE_LABELS[name]),
            shown(now.rate(name)),
            str(getattr(now, numerator)),
            str(getattr(now, denominator)),
            arrow(now.rate(name), then.rate(name)),
        ], name
    # The figures a reader checks first, spelled out: 3 of 6 flats, up 33.33 points since yesterday.
    assert summary["访查率"][:5] == ["访查率", "50.00%", "3", "6", "↑33.33"]

    before = {
        f.key: f
        for _r, f in quality.ranking(user=admin, area=world.district, level="grid", day=campaign.yesterday)
    }
    grid_rows = {row[2]: row for row in sheets["网格"][4:] if row and row[0]}
    for rank, f in quality.ranking(user=admin, area=world.district, level="grid", day=campaign.today):
        row = grid_rows[f.name]
        assert row[0] == str(rank) and row[4] == f.code
        old = before[f.key]
        assert row[5:17] == [
            cell
            for name in quality.RATES
            for cell in (shown(f.rate(name)), arrow(f.rate(name), old.rate(name)))
        ], f.name
        assert row[17:20] == [str(f.flats), str(f.flats_visited), str(f.visits)], f.name
    assert grid_rows["海沧一格"][5:7] == ["50.00%", "↑25.00"]
    assert grid_rows["海沧一格"][1] == "↓1"
