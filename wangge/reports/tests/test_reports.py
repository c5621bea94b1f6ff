"""The daily workbook: its figures are the quality selectors' figures, level by level, with the change since
yesterday; made on request (in the background) and every night, once per district and street; within scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from wangge.accounts.services import assignment_add, assignment_end
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord
from wangge.quality import selectors as quality
from wangge.reports.models import DailyReport, ReportState, ReportTrigger
from wangge.reports.selectors import COUNTS, WORKER_COUNTS, report_list
from wangge.reports.services import report_download, report_nightly_run, report_request
from wangge.reports.tasks import make_report, report_nightly
from wangge.reports.tests.conftest import SYSTEM, data_rows, sheets_of

RATES = quality.RATES
NONE = "—"


def web(user) -> Actor:
    return Actor(user=user, source="web")


def made(world, area, day, user=None) -> DailyReport:
    report = report_request(actor=web(user or world.users.district_admin), area=area, day=day)
    assert report.state == ReportState.DONE, report.error
    return report


def expected_rate(value):
    return NONE if value is None else pytest.approx(value)


def expected_change(now, then):
    if now is None or then is None:
        return NONE
    return pytest.approx(round((now - then) * 100, 2))


def rate_cells(row: list, first: int) -> list:
    """(rate, change) pairs from column `first` on, as the level sheets hold them."""
    return [(row[first + 2 * i], row[first + 2 * i + 1]) for i in range(len(RATES))]


def expected_rate_cells(today, yesterday) -> list:
    return [
        (
            expected_rate(today.rate(name)),
            expected_change(today.rate(name), yesterday.rate(name) if yesterday else None),
        )
        for name in RATES
    ]


# --- content ------------------------------------------------------------------------------------------------


def test_the_district_workbook_holds_the_selectors_figures_at_every_level(world, campaign):
    admin = world.users.district_admin
    day, yesterday = campaign.today, campaign.yesterday
    report = made(world, world.district, day)
    sheets = sheets_of(report.path)
    assert list(sheets) == ["汇总", "街道", "社区、村", "网格", "网格员"]

    summary = sheets["汇总"]
    assert summary[0][0] == "海沧区网格化基础信息采集日报"
    period_start, _ = quality.campaign_period(area=world.district, day=day)
    assert f"{day:%Y-%m-%d}" in summary[1][0] and f"{period_start:%Y-%m-%d}" in summary[1][0]
    now = quality.area_figures(user=admin, area=world.district, day=day)
    then = quality.area_figures(user=admin, area=world.district, day=yesterday)
    rows = {row[0]: row for row in summary[4:11]}
    for name in RATES:
        numerator, denominator = quality.RATE_PARTS[name]
        row = rows[str(quality.RATE_LABELS[name])]
        assert row[1] == expected_rate(now.rate(name)), name
        assert row[2:4] == [getattr(now, numerator), getattr(now, denominator)], name
        assert row[4] == expected_change(now.rate(name), then.rate(name)), name
    assert rows["访查次数"][1] == now.visits

    for level, title in (("street", "街道"), ("community", "社区、村"), ("grid", "网格")):
        ranked = quality.ranking(user=admin, area=world.district, level=level, day=day)
        before = {
            f.key: f for _r, f in quality.ranking(user=admin, area=world.district, level=level, day=yesterday)
        }
        rows = data_rows(sheets[title])
        assert [(row[0], row[2], row[4]) for row in rows] == [
            (NONE if rank is None else rank, f.name, f.code) for rank, f in ranked
        ], title
        for row, (_rank, f) in zip(rows, ranked, strict=True):
            assert rate_cells(row, 5) == expected_rate_cells(f, before.get(f.key)), (title, f.name)
            assert row[17 : 17 + len(COUNTS)] == [getattr(f, c) for c in COUNTS], (title, f.name)

    workers = quality.worker_figures(user=admin, area=world.district, day=day)
    rows = data_rows(sheets["网格员"])
    by_name = {row[2]: row for row in rows}
    assert set(by_name) == {f.name for f in workers} == {"grid_worker", "grid_worker_b"}
    for f in workers:
        assert by_name[f.name][16 : 16 + len(WORKER_COUNTS)] == [getattr(f, c) for c in WORKER_COUNTS]


def test_the_figures_are_those_of_the_work_recorded(world, campaign):
    """What a command centre checks by hand: 6 flats, 3 visited; one person and one house verified; a1 second."""
    sheets = sheets_of(made(world, world.district, campaign.today).path)
    summary = {row[0]: row for row in sheets["汇总"][4:11]}
    assert summary["访查率"][1:5] == [pytest.approx(0.5), 3, 6, pytest.approx(33.33)]
    assert summary["人口核实率"][1:4] == [pytest.approx(1 / 3), 1, 3]
    assert summary["房屋核实率"][1:4] == [pytest.approx(1 / 3), 1, 3]
    assert summary["采集率"][1:4] == [1, 3, 3]
    # Nobody was registered during the campaign, and nothing was re-checked: no rate, not 0 % or 100 %.
    assert summary["未注销率"][1] == NONE and summary["准确率"][1] == NONE

    # Per level: how many, and the first; then the grids furthest behind, worst first.
    overview = {row[0]: row for row in sheets["汇总"][12:17]}
    assert (overview["街道"][2], overview["街道"][3]) == (2, "嵩屿街道（100.00%）")
    assert (overview["网格"][2], overview["网格"][3]) == (3, "海林一格（100.00%）")
    assert (overview["网格员"][2], overview["网格员"][3]) == (2, "grid_worker_b（100.00%）")
    start = next(i for i, row in enumerate(sheets["汇总"]) if row[0] == "访查率最低的网格")
    behind = sheets["汇总"][start + 2 : start + 5]
    assert [(row[0], row[1], row[2], row[3]) for row in behind] == [
        (3, "海沧二格", "海沧街道 / 海沧社区", 0),
        (2, "海沧一格", "海沧街道 / 海沧社区", pytest.approx(0.5)),
        (1, "海林一格", "嵩屿街道 / 海林社区", 1),
    ]

    grids = data_rows(sheets["网格"])
    assert [(row[0], row[2]) for row in grids] == [(1, "海林一格"), (2, "海沧一格"), (3, "海沧二格")]
    streets = data_rows(sheets["街道"])
    assert [(row[0], row[2], row[5]) for row in streets] == [
        (1, "嵩屿街道", 1),
        (2, "海沧街道", pytest.approx(0.4)),
    ]
    workers = data_rows(sheets["网格员"])
    assert [(row[0], row[2], row[3]) for row in workers] == [
        (1, "grid_worker_b", "海林一格"),
        (2, "grid_worker", "海沧一格"),
    ]


def test_the_change_since_yesterday_is_in_points_with_arrows(world, campaign):
    report = made(world, world.district, campaign.today)
    workbook = load_workbook(report.path)
    grids = workbook["网格"]
    cells = {grids.cell(row=r, column=3).value: r for r in range(5, grids.max_row + 1)}
    a1 = cells["海沧一格"]
    # a1: 1 of 4 rooms visited yesterday, 2 today: 25 % → 50 %, up 25 points; it fell from 1st to 2nd.
    assert grids.cell(row=a1, column=6).value == pytest.approx(0.5)
    assert grids.cell(row=a1, column=6).number_format == "0.00%"
    change = grids.cell(row=a1, column=7)
    assert change.value == pytest.approx(25.0) and change.number_format.startswith('"↑"')
    assert grids.cell(row=a1, column=2).value == -1
    b1 = cells["海林一格"]
    assert grids.cell(row=b1, column=7).value == pytest.approx(100.0)
    assert grids.cell(row=b1, column=2).value == 1
    # 海沧二格: nothing visited on either day, so it stays at 0 %, 0 points.
    a2 = cells["海沧二格"]
    assert grids.cell(row=a2, column=6).value == 0 and grids.cell(row=a2, column=7).value == 0


def test_a_street_report_starts_at_its_communities_and_holds_only_its_own(world, campaign):
    report = made(world, world.street_a, campaign.today, user=world.users.street_admin)
    sheets = sheets_of(report.path)
    assert list(sheets) == ["汇总", "社区、村", "网格", "网格员"]
    assert sheets["汇总"][0][0] == "海沧街道网格化基础信息采集日报"
    assert [row[2] for row in data_rows(sheets["网格"])] == ["海沧一格", "海沧二格"]
    assert [row[2] for row in data_rows(sheets["网格员"])] == ["grid_worker"]


def test_the_workbook_is_laid_out_for_mailing_and_printing(world, campaign):
    report = made(world, world.district, campaign.today)
    workbook = load_workbook(report.path)
    for ws in workbook.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    for title in ("街道", "社区、村", "网格", "网格员"):
        ws = workbook[title]
        assert ws.freeze_panes == "D5", title
        assert ws.print_title_rows == "$3:$4", title
        assert ws.column_dimensions["C"].width >= 12, title
    assert report.download_name == f"海沧区网格化基础信息采集日报-{campaign.today:%Y%m%d}.xlsx"


# --- making it --------------------------------------------------------------------------------------------


def test_a_requested_report_waits_for_the_worker_and_its_history_tells_the_story(world, campaign, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    report = report_request(actor=web(world.users.district_admin), area=world.district, day=campaign.today)
    assert report.state == ReportState.QUEUED and report.trigger == ReportTrigger.MANUAL
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get(task_path="wangge.reports.tasks.make_report")
    assert task.args_kwargs == {"args": [report.pk], "kwargs": {}}
    # Asking again while it waits answers the same report.
    again = report_request(actor=web(world.users.district_admin), area=world.district, day=campaign.today)
    assert again.pk == report.pk
    make_report.call(report.pk)
    report.refresh_from_db()
    assert (
        report.state == ReportState.DONE
        and report.path.is_file()
        and report.size == report.path.stat().st_size
    )
    assert (report.progress_done, report.progress_total) == (5, 5)
    records = ChangeRecord.objects.filter(object_id=report.pk, content_type__model="dailyreport").order_by(
        "at", "id"
    )
    assert [r.action for r in records] == ["create", "change", "change"]
    assert [r.changes.get("state") for r in records[1:]] == [["queued", "running"], ["running", "done"]]
    assert records[0].username == "district_admin"


def test_a_report_asked_for_by_someone_who_has_since_lost_the_area_fails_saying_why(
    world, campaign, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    admin = world.users.street_admin
    report = report_request(actor=web(admin), area=world.street_a, day=campaign.today)
    held = admin.assignments.get()
    assignment_add(actor=SYSTEM, user=admin, area=world.street_b)
    assignment_end(actor=SYSTEM, assignment=held, reason="调岗")
    make_report.call(report.pk)
    report.refresh_from_db()
    assert report.state == ReportState.FAILED
    assert "管辖范围" in report.error and not report.file


@pytest.mark.parametrize(
    "day, field",
    [
        (lambda today: today + datetime.timedelta(days=1), "day"),
        (lambda today: datetime.date(1999, 12, 31), "day"),
        (lambda today: "2026-01-01", "day"),
    ],
)
def test_a_bad_day_is_refused_on_its_field(world, day, field):
    with pytest.raises(ValidationError) as caught:
        report_request(
            actor=web(world.users.district_admin), area=world.district, day=day(timezone.localdate())
        )
    assert field in caught.value.message_dict


def test_only_districts_and_streets_have_reports(world):
    with pytest.raises(ValidationError) as caught:
        report_request(
            actor=web(world.users.district_admin), area=world.community_a, day=timezone.localdate()
        )
    assert "area" in caught.value.message_dict


# --- the nightly job ---------------------------------------------------------------------------------------


def test_the_nightly_job_makes_yesterdays_report_of_every_district_and_street_once(world, campaign):
    result = report_nightly.call()
    assert result == {"made": 3, "failed": []}
    reports = DailyReport.objects.order_by("area__code")
    assert [(r.area.code, r.day, r.trigger, r.state) for r in reports] == [
        (code, campaign.yesterday, ReportTrigger.NIGHTLY, ReportState.DONE)
        for code in (world.district.code, world.street_a.code, world.street_b.code)
    ]
    assert all(r.created_by is None for r in reports)
    files = {r.pk: (r.file, r.path.stat().st_mtime_ns) for r in reports}
    records = ChangeRecord.objects.filter(content_type__model="dailyreport").count()

    # Run again (the worker restarted, someone ran it by hand): nothing new.
    assert report_nightly.call() == {"made": 0, "failed": []}
    assert DailyReport.objects.count() == 3
    assert {r.pk: (r.file, r.path.stat().st_mtime_ns) for r in DailyReport.objects.all()} == files
    assert ChangeRecord.objects.filter(content_type__model="dailyreport").count() == records


def test_the_nightly_report_is_of_the_day_just_ended_with_that_days_figures(world, campaign):
    report_nightly_run(actor=SYSTEM)
    report = DailyReport.objects.get(area=world.district)
    assert report.day == campaign.yesterday
    summary = {row[0]: row for row in sheets_of(report.path)["汇总"][4:11]}
    figures = quality.area_figures(user=quality.SYSTEM, area=world.district, day=campaign.yesterday)
    # Yesterday one room of six had been visited.
    assert (
        summary["访查率"][1:4]
        == [pytest.approx(1 / 6), 1, 6]
        == [
            pytest.approx(figures.rate("visit")),
            figures.flats_visited,
            figures.flats,
        ]
    )


def test_a_failed_nightly_report_is_made_again_in_the_same_row(world, campaign):
    report_nightly_run(actor=SYSTEM)
    report = DailyReport.objects.get(area=world.street_b)
    DailyReport.objects.filter(pk=report.pk).update(state=ReportState.FAILED, error="磁盘已满", file="")
    made_again = report_nightly_run(actor=SYSTEM)
    assert [r.pk for r in made_again] == [report.pk]
    report.refresh_from_db()
    assert report.state == ReportState.DONE and report.error == "" and report.path.is_file()


# --- scope and downloads ----------------------------------------------------------------------------------


def test_a_street_admin_reports_on_their_street_only(world, campaign):
    admin = world.users.street_admin
    for area in (world.district, world.street_b):
        with pytest.raises(ValidationError) as caught:
            report_request(actor=web(admin), area=area, day=campaign.today)
        assert caught.value.message_dict["area"] == ["所选记录不存在。"]
    report_nightly_run(actor=SYSTEM)
    assert {r.area for r in report_list(user=admin)} == {world.street_a}
    assert {r.area for r in report_list(user=world.users.viewer)} == {world.street_b}
    assert {r.area for r in report_list(user=world.users.district_admin)} == {
        world.district,
        world.street_a,
        world.street_b,
    }
    # Police officers and grid workers see grids, never a whole street: no report is theirs.
    assert not report_list(user=world.users.police_officer).exists()
    assert not report_list(user=world.users.grid_worker).exists()


def test_a_download_is_recorded_as_an_export(world, campaign):
    report = made(world, world.district, campaign.today)
    admin = world.users.district_admin
    path = report_download(actor=web(admin), report=report)
    assert path == report.path
    record = ChangeRecord.objects.get(action=ChangeAction.EXPORT)
    assert (record.object_id, record.user, record.source) == (report.pk, admin, "web")
    assert record.changes == {
        "area": world.district.code,
        "day": campaign.today.isoformat(),
        "format": "xlsx",
        "size": report.size,
    }


def test_an_unfinished_report_cannot_be_downloaded(world, campaign, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    report = report_request(actor=web(world.users.district_admin), area=world.district, day=campaign.today)
    with pytest.raises(ValidationError) as caught:
        report_download(actor=web(world.users.district_admin), report=report)
    assert "state" in caught.value.message_dict
    assert not ChangeRecord.objects.filter(action=ChangeAction.EXPORT).exists()
