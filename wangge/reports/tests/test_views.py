"""The report pages: ask for one with the button, follow it, download it, print the same tables; within scope."""

import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wangge.core.models import ChangeAction, ChangeRecord
from wangge.quality import selectors as quality
from wangge.reports.models import DailyReport
from wangge.reports.services import report_nightly_run
from wangge.reports.tests.conftest import SYSTEM


def login(world, name) -> Client:
    client = Client()
    client.force_login(getattr(world.users, name))
    return client


def test_the_menu_leads_to_the_reports(world):
    page = login(world, "district_admin").get(reverse("home"))
    assert f'href="{reverse("reports:index")}"' in page.content.decode()


def test_the_button_makes_a_report_and_its_page_offers_the_download(world, campaign):
    client = login(world, "district_admin")
    page = client.get(reverse("reports:index"))
    html = page.content.decode()
    assert "生成日报" in html and world.district.name in html and world.street_b.name in html
    # Only districts and streets are offered.
    assert world.community_a.name not in html

    response = client.post(
        reverse("reports:index"), {"area": world.district.pk, "day": campaign.today.isoformat()}
    )
    report = DailyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:detail", args=[report.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "已生成" in detail and reverse("reports:download", args=[report.pk]) in detail
    assert 'hx-trigger="every' not in detail  # nothing left to poll

    download = client.get(reverse("reports:download", args=[report.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    record = ChangeRecord.objects.get(action=ChangeAction.EXPORT)
    assert (record.object_id, record.source) == (report.pk, "web")


def test_a_queued_report_page_polls_its_status(world, campaign, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = login(world, "district_admin")
    client.post(reverse("reports:index"), {"area": world.district.pk, "day": campaign.today.isoformat()})
    report = DailyReport.objects.get()
    status = client.get(reverse("reports:status", args=[report.pk])).content.decode()
    assert "排队" in status and f'hx-get="{reverse("reports:status", args=[report.pk])}"' in status
    assert reverse("reports:download", args=[report.pk]) not in status
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 404


def test_a_bad_day_is_named_on_the_form(world):
    client = login(world, "district_admin")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for day in (tomorrow.isoformat(), "2026-02-30", "x\x00"):
        page = client.post(reverse("reports:index"), {"area": world.district.pk, "day": day})
        assert page.status_code == 200
        assert page.context["form"].errors.get("day"), day
    page = client.post(reverse("reports:index"), {"area": world.community_a.pk, "day": "2026-01-01"})
    assert page.context["form"].errors.get("area")
    assert not DailyReport.objects.exists()


def test_out_of_scope_reports_are_not_found(world, campaign):
    report_nightly_run(actor=SYSTEM)
    district_report = DailyReport.objects.get(area=world.district)
    client = login(world, "street_admin")
    for name in ("reports:detail", "reports:status", "reports:download"):
        assert client.get(reverse(name, args=[district_report.pk])).status_code == 404, name
    listing = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:detail", args=[district_report.pk]) not in listing
    page = client.post(
        reverse("reports:index"), {"area": world.district.pk, "day": campaign.today.isoformat()}
    )
    assert page.context["form"].errors.get("area")
    # A grid worker sees no whole street: no form, no reports.
    worker_page = login(world, "grid_worker").get(reverse("reports:index"))
    assert worker_page.status_code == 200 and worker_page.context["form"] is None


def test_the_print_page_shows_the_same_tables_for_a4_landscape(world, campaign):
    client = login(world, "district_admin")
    url = reverse("reports:print", args=[world.district.code, campaign.today.isoformat()])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "海沧区网格化基础信息采集日报" in html and "reports/print.css" in html
    tables = page.context["tables"]
    assert [t["title"] for t in tables] == ["街道", "社区/村", "网格", "网格员"]
    grids = {row[2][0]: row for row in tables[2]["rows"]}
    ranked = quality.ranking(
        user=world.users.district_admin, area=world.district, level="grid", day=campaign.today
    )
    for rank, f in ranked:
        assert grids[f.name][0][0] == rank
        assert grids[f.name][5][0] == f"{f.rate('visit') * 100:.2f}%"
    assert grids["海沧一格"][6] == ("↑25.00", "num up")
    assert '<td class="num up">↑25.00</td>' in html
    assert [row["name"] for row in page.context["behind"]] == ["海沧二格", "海沧一格", "海林一格"]
    assert page.context["overview"][0] == {"title": "街道", "count": 2, "best": "嵩屿街道（100.00%）"}
    summary = {row["label"]: row for row in page.context["summary"]}
    assert (summary["访查率"]["rate"], summary["访查率"]["numerator"], summary["访查率"]["denominator"]) == (
        "50.00%",
        3,
        6,
    )


def test_print_css_removes_navigation_and_breaks_pages_per_level(client):
    from django.contrib.staticfiles import finders

    css = open(finders.find("reports/print.css"), encoding="utf-8").read()
    assert "size: A4 landscape" in css
    assert ".mainnav" in css and ".topbar" in css and "display: none" in css
    assert "break-before: page" in css


def test_the_print_page_is_within_scope_and_wants_a_real_day(world, campaign):
    client = login(world, "street_admin")
    today = campaign.today.isoformat()
    assert client.get(reverse("reports:print", args=[world.street_a.code, today])).status_code == 200
    tomorrow = (campaign.today + datetime.timedelta(days=1)).isoformat()
    for code, day in (
        (world.district.code, today),
        (world.street_b.code, today),
        (world.community_a.code, today),
        (world.street_a.code, tomorrow),
        (world.street_a.code, "2026-02-30"),
        (world.street_a.code, "today"),
        ("35020500１", today),
        ("9" * 40, today),
    ):
        assert client.get(reverse("reports:print", args=[code, day])).status_code == 404, (code, day)


def test_pages_need_a_login(world):
    response = Client().get(reverse("reports:index"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_report_asked_for_in_english_is_still_the_chinese_document(world, campaign):
    from openpyxl import load_workbook

    client = login(world, "district_admin")
    client.cookies["django_language"] = "en"
    client.post(reverse("reports:index"), {"area": world.street_a.pk, "day": campaign.today.isoformat()})
    report = DailyReport.objects.get()
    workbook = load_workbook(report.path)
    assert workbook.sheetnames == ["汇总", "社区、村", "网格", "网格员"]
    assert workbook["汇总"]["A1"].value == "海沧街道网格化基础信息采集日报"
