"""Files that are not what they claim, or are spreadsheets in awkward shapes: a clear Chinese message, nothing
changed, never an exception."""

import io
import os
import zipfile

import pytest
from openpyxl import Workbook

from wangge.core.models import ChangeRecord
from wangge.people.models import Person
from wangge.transfer.tests.files import counts, csv_bytes, import_dir, upload, xlsx  # noqa: F401

HEADER = ["姓名", "身份证号", "房屋编码", "与房屋关系", "入住日期"]
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)


def row(world, name="赵六", number="350205198808084016"):
    return [name, number, world.a1.house.house_code, "租客", "2024-01-05"]


def failed(world, name: str, content: bytes, kind: str = "people") -> str:
    before = Person.objects.count(), ChangeRecord.objects.count()
    job = upload(world.users.grid_worker, kind, name, content)
    assert job.status == "failed", (job.status, counts(job))
    assert (Person.objects.count(), ChangeRecord.objects.count()) == before
    assert job.message
    return job.message


def test_a_picture_renamed_to_xlsx_or_csv(world):
    assert failed(world, "人口.xlsx", PNG) == "这不是电子表格，而是 PNG 文件。"
    assert failed(world, "人口.csv", PNG) == "这不是电子表格，而是 PNG 文件。"


def test_an_empty_file_is_refused_before_it_is_stored(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        upload(world.users.grid_worker, "people", "人口.xlsx", b"")
    assert exc.value.message_dict == {"file": ["文件是空的。"]}


def test_a_sheet_with_nothing_or_only_a_header(world):
    assert failed(world, "空.xlsx", xlsx([])) == "文件中没有内容。"
    assert failed(world, "空.csv", b"\xef\xbb\xbf\r\n\r\n") == "文件中没有内容。"
    assert failed(world, "表头.xlsx", xlsx([HEADER])) == "文件中只有表头，没有数据行。"
    assert failed(world, "表头.csv", csv_bytes([HEADER, [], []])) == "文件中只有表头，没有数据行。"


def test_fifty_megabytes_of_junk(world):
    junk = os.urandom(50 * 1024 * 1024 - 1024)
    assert "无法识别文件的编码" in failed(world, "垃圾.csv", junk)
    assert failed(world, "垃圾.xlsx", junk) == "这不是有效的 .xlsx 文件（如果是 CSV，请把扩展名改为 .csv）。"


def test_a_file_over_the_limit_is_refused_without_being_stored(world, settings):
    from django.core.exceptions import ValidationError

    settings.MAX_UPLOAD_MB = 1
    with pytest.raises(ValidationError) as exc:
        upload(world.users.grid_worker, "people", "大.csv", b"a" * (1024 * 1024 + 1))
    assert exc.value.message_dict == {"file": ["文件超过 1 MB 的上限，请拆分后再上传。"]}
    assert not settings.IMPORT_DIR.exists() or not any(settings.IMPORT_DIR.iterdir())


def test_other_suffixes(world):
    from django.core.exceptions import ValidationError

    for name, message in (
        ("人口.xls", "不支持旧版 .xls 格式"),
        ("人口.txt", "只能导入 .xlsx 或 .csv 文件。"),
        ("人口", "只能导入 .xlsx 或 .csv 文件。"),
    ):
        with pytest.raises(ValidationError) as exc:
            upload(world.users.grid_worker, "people", name, b"x")
        assert message in exc.value.message_dict["file"][0]


def test_formulas_give_their_saved_values_and_are_never_evaluated(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(
        ['=CONCATENATE("赵","六")', "350205198808084016", world.a1.house.house_code, "租客", "2024-01-05"]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    # openpyxl saves no cached value: the name cell reads as empty, so the row is refused, not computed.
    job = upload(world.users.grid_worker, "people", "公式.xlsx", buffer.getvalue())
    assert counts(job) == (0, 0, 0, 1)
    assert job.rejected_sample[0]["reasons"] == ["姓名：必填。"]


def test_merged_cells_mean_their_value_in_every_cell_they_cover(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["XX社区人口登记表"])
    sheet.merge_cells("A1:E1")
    sheet.append(HEADER)
    sheet.append(["赵六", "350205198808084016", world.a1.house.house_code, "租客", "2024-01-05"])
    sheet.append(["钱七", "350205198808084032", None, None, None])
    sheet.merge_cells("C3:C4")
    sheet.merge_cells("D3:D4")
    sheet.merge_cells("E3:E4")
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = upload(world.users.grid_worker, "people", "合并.xlsx", buffer.getvalue())
    assert job.status == "previewed", job.message
    assert counts(job) == (2, 0, 0, 0), job.rejected_sample


def test_the_sheet_named_like_the_template_or_the_first_that_fits(world):
    content = xlsx(
        [["说明"], ["这张表是说明"]],
        sheet="封面",
        extra_sheets={"统计": [["合计", 1]], "实有人口": [HEADER, row(world)]},
    )
    job = upload(world.users.grid_worker, "people", "多表.xlsx", content)
    assert (job.status, job.sheet) == ("previewed", "实有人口")
    other = xlsx([["说明"]], sheet="封面", extra_sheets={"Sheet2": [HEADER, row(world)]})
    assert upload(world.users.grid_worker, "people", "多表.xlsx", other).sheet == "Sheet2"


def test_a_wrong_sheet_names_the_missing_columns(world):
    message = failed(world, "单位.xlsx", xlsx([["单位名称", "地址"], ["某店", "某路"]]))
    assert message == "缺少必填列：姓名、身份证号（工作表“Sheet1”第 1 行的表头中没有找到）。"
    message = failed(world, "房屋.xlsx", xlsx([["姓名", "手机"], ["赵六", "13912345678"]]))
    assert (
        message == "缺少必填列：身份证号、房屋编码或地址编码或地址（工作表“Sheet1”第 1 行的表头中没有找到）。"
    )
    message = failed(world, "随便.xlsx", xlsx([["甲", "乙"], [1, 2]]))
    assert message.startswith("没有找到表头")


def test_ten_thousand_columns(world):
    wide = [[f"列{i}" for i in range(10_000)], list(range(10_000))]
    message = failed(world, "宽.xlsx", xlsx(wide))
    assert message == "工作表有 10000 列，超过上限 200 列；请删去多余的列。"
    # A CSV that wide simply has columns nobody asked for; the known ones are still found.
    job = upload(
        world.users.grid_worker, "people", "宽.csv", csv_bytes([HEADER + wide[0], row(world) + wide[1]])
    )
    assert counts(job) == (1, 0, 0, 0)


def test_a_megabyte_in_one_cell_rejects_that_row_only(world):
    huge = "长" * (1024 * 1024)
    for name, content in (
        ("长.xlsx", xlsx([HEADER, row(world), row(world, name=huge, number="350205198808084032")])),
        ("长.csv", csv_bytes([HEADER, row(world), row(world, name=huge, number="350205198808084032")])),
    ):
        job = upload(world.users.grid_worker, "people", name, content)
        assert counts(job) == (1, 0, 0, 1), name
        # (.xlsx keeps at most 32,767 characters in a cell; CSV keeps them all.)
        assert job.rejected_sample[0]["reasons"][0].startswith("姓名：最多 100 个字符（现有 ")


def test_nul_bytes_in_cells(world):
    content = csv_bytes([HEADER, row(world, name="赵\x00六")])
    job = upload(world.users.grid_worker, "people", "空字符.csv", content)
    assert job.rejected_sample[0]["reasons"] == ["姓名：不能包含空字符（NUL）。"]
    assert "空字符" in failed(world, "空字符.csv", b"\x00" * 5000 + content)


def test_a_broken_zip(world):
    content = xlsx([HEADER, row(world)])
    assert failed(world, "坏.xlsx", content[: len(content) // 2]).startswith("Excel 文件已损坏")
    # The worksheet's own compressed bytes overwritten: the zip opens, the sheet does not.
    start = content.index(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    garbled = content[:start] + bytes(b ^ 0x5A for b in content[start : start + 300]) + content[start + 300 :]
    assert "损坏" in failed(world, "乱.xlsx", garbled)


def test_a_zip_that_is_not_a_workbook(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "不是 Excel 工作簿" in failed(world, "文档.xlsx", buffer.getvalue())


def test_a_password_protected_workbook(world):
    # Excel saves an encrypted workbook as an OLE compound file holding an "EncryptedPackage" stream.
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")
    assert "设了打开密码" in failed(world, "加密.xlsx", encrypted + os.urandom(4096))


def test_a_csv_starting_like_a_picture_signature_is_still_a_csv(world):
    for first in ("BM", "GIF8", "%PDF", "Rar!"):
        job = upload(
            world.users.grid_worker, "people", "人口.csv", csv_bytes([[first, *HEADER], ["x", *row(world)]])
        )
        assert counts(job) == (1, 0, 0, 0), (first, job.message)


def test_a_nul_in_a_choice_cell_is_reported_like_any_wrong_choice(world):
    content = csv_bytes([[*HEADER, "民族"], [*row(world), "汉\x00族"]])
    job = upload(world.users.grid_worker, "people", "空字符.csv", content)
    assert job.status == "previewed"
    assert job.rejected_sample[0]["reasons"][0].startswith("民族：“汉族”不是可选值")
