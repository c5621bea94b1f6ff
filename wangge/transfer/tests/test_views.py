"""The import page: templates, upload, preview, confirm, progress, error report, history; who sees what."""

import datetime
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wangge.people.identity import make_resident_id
from wangge.people.models import Person
from wangge.transfer.models import ImportJob
from wangge.transfer.tests.files import import_dir, preview, xlsx  # noqa: F401

HEADER = ["姓名", "身份证号", "房屋编码", "与房屋关系", "入住日期"]


def rows(world, *extra):
    return [
        HEADER,
        [
            "赵六",
            make_resident_id("350205", datetime.date(1988, 8, 8), 401),
            world.a1.house.house_code,
            "租客",
            "2024-01-05",
        ],
        *extra,
    ]


def login(client, user):
    client.force_login(user)
    return client


def test_the_import_page_offers_kinds_templates_and_the_form(client, world):
    html = (
        login(client, world.users.grid_worker)
        .get(reverse("transfer:index") + "?kind=houses")
        .content.decode()
    )
    for kind in ("addresses", "houses", "people", "units"):
        assert reverse("transfer:template", args=[kind]) in html
    assert 'enctype="multipart/form-data"' in html
    assert '<option value="houses" selected>' in html
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("transfer:index")}"' in home


def test_read_only_roles_see_no_form_and_may_not_post(client, world):
    login(client, world.users.viewer)
    assert 'enctype="multipart/form-data"' not in client.get(reverse("transfer:index")).content.decode()
    content = xlsx(rows(world))
    response = client.post(
        reverse("transfer:index"), {"kind": "people", "file": SimpleUploadedFile("a.xlsx", content)}
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_upload_preview_confirm_and_the_history(client, world):
    login(client, world.users.grid_worker)
    content = xlsx(rows(world, ["坏号", "123", world.a1.house.house_code, "租客", "2024-01-05"]))
    response = client.post(
        reverse("transfer:index"), {"kind": "people", "file": SimpleUploadedFile("海沧一格.xlsx", content)}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("transfer:detail", args=[job.pk])
    html = client.get(response["Location"]).content.decode()
    assert "待确认" in html and "确认导入 1 行" in html
    assert "身份证号：身份证号码须为 18 位" in html
    assert reverse("transfer:errors", args=[job.pk]) in html
    assert not Person.objects.filter(name="赵六").exists()

    report = client.get(reverse("transfer:errors", args=[job.pk]))
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert [c.value for c in sheet[1]][:3] == ["行号", "错误原因", "姓名"]
    assert sheet.max_row == 2

    response = client.post(reverse("transfer:commit", args=[job.pk]))
    assert response.status_code == 302
    assert Person.objects.filter(name="赵六").exists()
    assert "已导入" in client.get(reverse("transfer:detail", args=[job.pk])).content.decode()
    history = client.get(reverse("transfer:index")).content.decode()
    assert "海沧一格.xlsx" in history and "已导入" in history


def test_a_bad_file_is_explained_on_the_job_page(client, world):
    login(client, world.users.grid_worker)
    response = client.post(
        reverse("transfer:index"),
        {"kind": "people", "file": SimpleUploadedFile("照片.xlsx", b"\x89PNG\r\n\x1a\n" + b"x" * 50)},
    )
    html = client.get(response["Location"]).content.decode()
    assert "这不是电子表格，而是 PNG 文件。" in html and "失败" in html


def test_the_form_names_what_is_wrong_with_the_upload(client, world):
    login(client, world.users.grid_worker)
    response = client.post(reverse("transfer:index"), {"kind": "people"})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    response = client.post(
        reverse("transfer:index"), {"kind": "people", "file": SimpleUploadedFile("人口.doc", b"abc")}
    )
    assert "只能导入 .xlsx 或 .csv 文件。" in response.content.decode()
    response = client.post(
        reverse("transfer:index"), {"kind": "pets", "file": SimpleUploadedFile("人口.csv", b"abc")}
    )
    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, world, settings):
    settings.MAX_UPLOAD_MB = 1
    login(client, world.users.grid_worker)
    big = SimpleUploadedFile("大.csv", b"a" * (2 * 1024 * 1024))
    response = client.post(reverse("transfer:index"), {"kind": "people", "file": big}, follow=True)
    assert "文件超过 1 MB 的上限" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_others_jobs_are_404_and_admins_see_no_rows_of_them(client, world):
    job = preview(world.users.grid_worker, "people", rows(world, ["坏号", "123", "", "", ""]))
    for user in (world.users.grid_worker_b, world.users.informant):
        login(client, user)
        for name in ("detail", "status", "errors"):
            assert client.get(reverse(f"transfer:{name}", args=[job.pk])).status_code == 404
        assert client.post(reverse("transfer:commit", args=[job.pk])).status_code == 404
    login(client, world.users.community_admin)
    html = client.get(reverse("transfer:detail", args=[job.pk])).content.decode()
    assert "待确认" in html and "身份证号码须为" not in html and "确认导入" not in html
    assert client.get(reverse("transfer:errors", args=[job.pk])).status_code == 404
    client.post(reverse("transfer:commit", args=[job.pk]))
    assert ImportJob.objects.get(pk=job.pk).status == "previewed"


def test_a_running_job_polls_its_status(client, world):
    job = preview(world.users.grid_worker, "people", rows(world))
    ImportJob.objects.filter(pk=job.pk).update(status="importing")
    html = (
        login(client, world.users.grid_worker).get(reverse("transfer:status", args=[job.pk])).content.decode()
    )
    assert f'hx-get="{reverse("transfer:status", args=[job.pk])}"' in html and "every 1s" in html
    ImportJob.objects.filter(pk=job.pk).update(status="done")
    assert "hx-get" not in client.get(reverse("transfer:status", args=[job.pk])).content.decode()


def test_templates_have_headers_required_marks_dropdowns_an_example_and_a_guide(client, world):
    response = login(client, world.users.viewer).get(reverse("transfer:template", args=["people"]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["实有人口", "选项", "说明"]
    sheet = workbook["实有人口"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["*姓名", "证件类型", "*身份证号"]
    assert sheet["A1"].font.color.rgb.endswith("C0392B")
    assert sheet["A2"].value == "张三（示例）"
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    relation_column = openpyxl.utils.get_column_letter(headers.index("与房屋关系") + 1)
    formula = lists[f"{relation_column}2:{relation_column}100000"]
    options = workbook["选项"]
    labels = [c.value for c in options[relation_column] if c.value]
    assert formula.startswith("'选项'!") and labels == ["房主", "租客", "家庭成员", "员工宿舍", "借住"]
    guide = [[c.value for c in r] for r in workbook["说明"].iter_rows()]
    assert guide[0] == ["列名", "是否必填", "格式 / 可选值", "说明", "示例"]
    assert ["身份证号", "必填"] == guide[3][:2]
    assert client.get(reverse("transfer:template", args=["pets"])).status_code == 404


def test_a_template_left_as_downloaded_holds_no_data_and_filled_in_imports(client, world):
    login(client, world.users.grid_worker)
    template = client.get(reverse("transfer:template", args=["houses"])).content
    client.post(
        reverse("transfer:index"), {"kind": "houses", "file": SimpleUploadedFile("模板.xlsx", template)}
    )
    assert ImportJob.objects.get().message == "文件中只有表头，没有数据行。"
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook["实有房屋"]
    headers = [c.value.lstrip("*") for c in sheet[1]]
    sheet.cell(row=3, column=headers.index("地址编码") + 1, value=world.a1.house.address.code)
    sheet.cell(row=3, column=headers.index("使用状态") + 1, value="空置")
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.post(
        reverse("transfer:index"),
        {"kind": "houses", "file": SimpleUploadedFile("填好.xlsx", buffer.getvalue())},
    )
    job = ImportJob.objects.order_by("-pk").first()
    assert (job.status, job.changed_count, job.rejected_count) == ("previewed", 1, 0), job.rejected_sample
