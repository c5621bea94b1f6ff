"""The imports API: upload with preview, progress, commit, error report, templates; malformed uploads never 500."""

import datetime
import io

import openpyxl
from django.test import Client

from wangge.accounts.models import ApiToken
from wangge.people.identity import make_resident_id
from wangge.people.models import Person
from wangge.transfer.models import ImportJob
from wangge.transfer.tests.files import import_dir, xlsx  # noqa: F401

BASE = "/api/v1/imports"
HEADER = ["姓名", "身份证号", "房屋编码", "与房屋关系", "入住日期"]


class Uploader:
    def __init__(self, user):
        _record, token = ApiToken.objects.issue(user)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def upload(self, kind, name, content):
        file = io.BytesIO(content)
        file.name = name
        return self.client.post(f"{BASE}/", {"kind": kind, "file": file}, headers=self.headers)

    def get(self, path):
        return self.client.get(BASE + path, headers=self.headers)

    def post(self, path, data=None, **kwargs):
        return self.client.post(BASE + path, data or {}, headers=self.headers, **kwargs)


def people(world):
    return xlsx(
        [
            HEADER,
            [
                "赵六",
                make_resident_id("350205", datetime.date(1988, 8, 8), 401),
                world.a1.house.house_code,
                "租客",
                "2024-01-05",
            ],
            ["坏号", "123", world.a1.house.house_code, "租客", "2024-01-05"],
        ]
    )


def test_upload_preview_then_commit(world):
    api = Uploader(world.users.grid_worker)
    response = api.upload("people", "人口.xlsx", people(world))
    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["status"], job["new_count"], job["rejected_count"], job["total_rows"]) == (
        "previewed",
        1,
        1,
        2,
    )
    assert job["rejected_sample"][0]["row"] == 3
    assert job["rejected_sample"][0]["reasons"][0].startswith("身份证号：")
    assert job["error_report"] == f"{BASE}/{job['id']}/errors.xlsx"
    assert api.get(f"/{job['id']}").json()["status"] == "previewed"
    assert [item["id"] for item in api.get("/").json()["items"]] == [job["id"]]

    report = api.get(f"/{job['id']}/errors.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert sheet["B1"].value == "错误原因" and sheet["C2"].value == "坏号"

    done = api.post(f"/{job['id']}/commit")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert Person.objects.filter(name="赵六").exists()
    again = api.post(f"/{job['id']}/commit")
    assert again.status_code == 422 and "status" in again.json()["errors"]


def test_cancel_and_scope_of_jobs(world):
    api = Uploader(world.users.grid_worker)
    job = api.upload("people", "人口.xlsx", people(world)).json()
    other = Uploader(world.users.grid_worker_b)
    for path in (f"/{job['id']}", f"/{job['id']}/errors.xlsx"):
        assert other.get(path).status_code == 404
    assert other.post(f"/{job['id']}/commit").status_code == 404
    admin = Uploader(world.users.community_admin)
    seen = admin.get(f"/{job['id']}").json()
    assert seen["rejected_sample"] == [] and seen["error_report"] is None
    assert admin.get(f"/{job['id']}/errors.xlsx").status_code == 404
    assert admin.post(f"/{job['id']}/commit").status_code == 403
    cancelled = api.post(f"/{job['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert not Person.objects.filter(name="赵六").exists()


def test_templates_download(world):
    api = Uploader(world.users.viewer)
    response = api.get("/templates/units.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "实有单位" and sheet["A1"].value == "*单位名称"
    assert api.get("/templates/pets.xlsx").status_code == 404


def test_malformed_uploads_answer_clear_errors_never_500(world, settings):
    api = Uploader(world.users.grid_worker)
    cases = [
        api.post("/", {"kind": "people"}),
        api.post("/", {"kind": "pets", "file": io.BytesIO(b"x")}),
        api.post("/", b"not multipart at all", content_type="application/json"),
        api.post("/", b"--x\r\nbroken", content_type="multipart/form-data; boundary=x"),
        api.post("/", b"", content_type="multipart/form-data"),
        api.upload("people", "照片.png", b"\x89PNG"),
        api.upload("people", "", b"abc"),
    ]
    for response in cases:
        assert response.status_code in (400, 422), (response.status_code, response.content)
        assert response.json()["detail"]
    named = api.upload("people", "a\x00b\u202e.csv", b"abc").json()
    assert named["file_name"] == "ab.csv" and named["status"] == "failed"
    assert Uploader(world.users.viewer).upload("people", "人口.xlsx", people(world)).status_code == 403
    settings.MAX_UPLOAD_MB = 1
    big = api.upload("people", "大.csv", b"a" * (2 * 1024 * 1024))
    assert big.status_code == 413 and "上限" in big.json()["detail"]
    assert not ImportJob.objects.filter(file_name="大.csv").exists()


def test_a_bad_file_is_a_failed_job_with_its_reason(world):
    response = Uploader(world.users.grid_worker).upload(
        "people", "照片.xlsx", b"\x89PNG\r\n\x1a\n" + b"x" * 100
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["message"]) == (
        "failed",
        "这不是电子表格，而是 PNG 文件。",
    )
