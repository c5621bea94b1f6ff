"""/api/v1/reports/: ask for a report, follow it, list, download; scope and bad input."""

import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from wangge.accounts.models import ApiToken
from wangge.core.models import ChangeAction, ChangeRecord
from wangge.reports.models import DailyReport
from wangge.reports.services import report_nightly_run
from wangge.reports.tests.conftest import SYSTEM

URL = "/api/v1/reports/"


class Api:
    def __init__(self, user):
        _record, token = ApiToken.objects.issue(user)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path, body):
        return self.client.post(path, json.dumps(body), content_type="application/json", headers=self.headers)


def test_a_report_is_asked_for_followed_and_downloaded(world, campaign, tmp_path):
    api = Api(world.users.district_admin)
    response = api.post(URL, {"area": world.district.pk, "day": campaign.today.isoformat()})
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["area_code"], body["day"], body["trigger"], body["state"]) == (
        world.district.code,
        campaign.today.isoformat(),
        "manual",
        "done",
    )
    assert body["created_by"] == "district_admin" and body["progress"] == {"done": 5, "total": 5}
    assert body["print_page"] == f"/reports/{world.district.code}/{campaign.today.isoformat()}/print/"

    detail = api.get(f"{URL}{body['id']}")
    assert detail.status_code == 200 and detail.json()["state"] == "done"
    download = api.get(body["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in download["Content-Disposition"]
    saved = tmp_path / "downloaded.xlsx"
    saved.write_bytes(b"".join(download.streaming_content))
    assert load_workbook(saved).sheetnames == ["汇总", "街道", "社区、村", "网格", "网格员"]
    record = ChangeRecord.objects.get(action=ChangeAction.EXPORT)
    assert (record.object_id, record.source, record.username) == (body["id"], "api", "district_admin")


def test_the_day_defaults_to_yesterday(world, campaign):
    response = Api(world.users.district_admin).post(URL, {"area": world.street_b.pk})
    assert response.status_code == 202, response.content
    assert response.json()["day"] == campaign.yesterday.isoformat()


def test_a_queued_report_has_no_download_yet(world, campaign, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    api = Api(world.users.district_admin)
    body = api.post(URL, {"area": world.district.pk}).json()
    assert body["state"] == "queued" and body["download"] is None
    response = api.get(f"{URL}{body['id']}/download")
    assert response.status_code == 422 and "state" in response.json()["errors"]


def test_the_list_shows_only_the_reports_in_scope_and_filters(world, campaign, django_assert_max_num_queries):
    report_nightly_run(actor=SYSTEM)
    api = Api(world.users.street_admin)
    with django_assert_max_num_queries(8):
        response = api.get(URL)
    assert response.status_code == 200
    assert [item["area_code"] for item in response.json()["items"]] == [world.street_a.code]
    admin = Api(world.users.district_admin)
    everything = admin.get(URL).json()
    assert everything["count"] == 3
    only = admin.get(
        URL, {"area": world.street_b.pk, "trigger": "nightly", "day": campaign.yesterday.isoformat()}
    )
    assert [item["area_code"] for item in only.json()["items"]] == [world.street_b.code]
    assert admin.get(URL, {"day": campaign.today.isoformat()}).json()["count"] == 0


def test_the_list_costs_the_same_queries_for_many_reports(world, campaign, django_assert_max_num_queries):
    report_nightly_run(actor=SYSTEM)
    api = Api(world.users.district_admin)
    for _ in range(4):
        api.post(URL, {"area": world.street_a.pk, "day": campaign.today.isoformat()})
    assert DailyReport.objects.count() == 7
    with django_assert_max_num_queries(8):
        response = api.get(URL, {"page_size": 200})
    assert response.json()["count"] == 7


def test_out_of_scope_reports_are_not_found(world, campaign):
    report_nightly_run(actor=SYSTEM)
    district_report = DailyReport.objects.get(area=world.district)
    api = Api(world.users.street_admin)
    for path in (f"{URL}{district_report.pk}", f"{URL}{district_report.pk}/download", f"{URL}999999"):
        response = api.get(path)
        assert response.status_code == 404 and response.json() == {"detail": "未找到"}, path
    assert not ChangeRecord.objects.filter(action=ChangeAction.EXPORT).exists()
    response = api.post(URL, {"area": world.district.pk})
    assert response.status_code == 422 and response.json()["errors"] == {"area": ["所选记录不存在。"]}


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "area"),
        ({"area": "abc"}, "area"),
        ({"area": 1.5}, "area"),
        ({"area": 2**70}, "area"),
        ({"area": 999999}, "area"),
        ({"area": "AREA", "day": "2026-02-30"}, "area"),
        ({"area": 0, "day": "2026-02-30"}, "area"),
        ({"area": "DISTRICT", "day": "2026-02-30"}, "day"),
        ({"area": "DISTRICT", "day": "yesterday"}, "day"),
        ({"area": "DISTRICT", "day": "2999-01-01"}, "day"),
        ({"area": "DISTRICT", "day": "1999-01-01"}, "day"),
        ({"area": "DISTRICT", "day": "2026-01-01\x00"}, "day"),
        ({"area": "DISTRICT", "extra": 1}, "extra"),
        ({"area": "COMMUNITY"}, "area"),
    ],
)
def test_bad_input_is_refused_on_its_field(world, body, field):
    ids = {"DISTRICT": world.district.pk, "COMMUNITY": world.community_a.pk}
    body = {k: ids.get(v, v) if isinstance(v, str) and k == "area" else v for k, v in body.items()}
    response = Api(world.users.district_admin).post(URL, body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize("query", [{"area": "x"}, {"day": "2026-13-01"}, {"trigger": "weekly"}, {"page": 0}])
def test_bad_filters_are_refused_on_their_field(world, query):
    response = Api(world.users.district_admin).get(URL, query)
    assert response.status_code == 422 and next(iter(query)) in response.json()["errors"]


def test_without_a_token_nothing_answers(world):
    assert Client().get(URL).status_code == 401
