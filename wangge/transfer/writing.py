"""Writing spreadsheets: import templates, error reports, exports (.xlsx with openpyxl, CSV with a BOM).

Text is always written as text: a value starting with "=" is never a formula, in .xlsx or in CSV (where it
also gets a leading apostrophe, the usual guard against formula injection when Excel opens the file).
"""

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

EXCEL_CELL_LIMIT = 32767
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REQUIRED_FONT = Font(bold=True, color="C0392B")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF2F6")
ERROR_FILL = PatternFill("solid", fgColor="FDECEA")
KIND_HELP = {
    "text": gettext_lazy("文字"),
    "code": gettext_lazy("编码（请把该列设为“文本”格式，以免 Excel 把长数字改写）"),
    "phone": gettext_lazy("手机或固话"),
    "date": gettext_lazy("日期，如 2024-01-05、2024/1/5、20240105"),
    "int": gettext_lazy("整数"),
    "decimal": gettext_lazy("数字"),
    "choice": gettext_lazy("从下拉列表中选择"),
}


def clean_text(value: str) -> str:
    """What an .xlsx cell can hold: no control characters, at most 32,767 characters."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_LIMIT]


def xlsx_cell(sheet, value, **style):
    if isinstance(value, str):
        value = clean_text(value)
    elif not isinstance(value, int | float | decimal.Decimal | datetime.date | bool) and value is not None:
        value = clean_text(str(value))
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


# --- templates ---------------------------------------------------------------------------------------------


def template_xlsx(importer) -> bytes:
    """The import template: Chinese headers (required ones in red with *), dropdowns for choice columns
    (lists on a hidden sheet, which has no 255-character limit), an example row, a sheet explaining each
    column. Written in Chinese whatever the page language: the importer reads Chinese headers."""
    with translation.override("zh-hans"):
        return _template_xlsx(importer)


def _template_xlsx(importer) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = importer.sheet_name
    options = workbook.create_sheet("选项")
    guide = workbook.create_sheet("说明")
    one_of = {key for group in importer.required_any for key in group}
    for index, col in enumerate(importer.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=("*" if col.required else "") + col.header)
        cell.font = REQUIRED_FONT if col.required else HEADER_FONT
        cell.fill = HEADER_FILL
        if col.help:
            cell.comment = Comment(str(col.help), "Wangge")
        sheet.column_dimensions[letter].width = max(12, min(40, len(col.header) * 2 + 6))
        if col.kind in ("code", "phone"):
            # Text format keeps 18-digit ID numbers and leading zeros as typed.
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
        if col.example:
            example = sheet.cell(row=2, column=index, value=str(col.example))
            example.font = Font(color="7F8C8D", italic=True)
        if col.kind == "choice":
            labels = col.labels
            for position, label in enumerate(labels, start=1):
                options.cell(row=position, column=index, value=label)
            validation = DataValidation(
                type="list",
                formula1=f"'选项'!${letter}$1:${letter}${len(labels)}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("不是可选值"),
                error=_("请从下拉列表中选择。"),
            )
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}100000")
    sheet.freeze_panes = "A2"
    options.sheet_state = "hidden"

    guide.append([_("列名"), _("是否必填"), _("格式 / 可选值"), _("说明"), _("示例")])
    for cell in guide[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for col in importer.columns:
        if col.required:
            required = _("必填")
        elif col.key in one_of:
            group = next(g for g in importer.required_any if col.key in g)
            others = "”“".join(importer.column(k).header for k in group if k != col.key)
            required = _("与“%(others)s”至少填一项") % {"others": others}
        else:
            required = _("选填")
        form = "、".join(col.labels) if col.kind == "choice" else str(KIND_HELP[col.kind])
        if col.max_length and col.kind in ("text", "code"):
            form += _("；最多 %(n)s 个字符") % {"n": col.max_length}
        guide.append([col.header, required, form, str(col.help), str(col.example)])
    guide.append([])
    guide.append([str(importer.intro)])
    guide.append(
        [
            _(
                "列名可用常见写法（如“身份证号”“公民身份号码”“证件号码”）；列的顺序不限；不认识的列忽略。"
                "空白单元格不会清除已登记的内容。第 2 行的示例原样留下时不会导入。"
            )
        ]
    )
    for letter, width in zip("ABCDE", (18, 18, 50, 60, 24), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- error reports -----------------------------------------------------------------------------------------


def error_report_xlsx(path: Path, *, header: list, rows: Iterable[tuple[int, list, list[str]]]) -> None:
    """The rejected rows as they were, with 错误原因 (each problem naming its column) and the row number.

    Fixed in place, the file can be imported again as it is: the two extra columns are not import columns.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("错误报告"))
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 60
    titles = [_("行号"), _("错误原因"), *["" if h is None else h for h in header]]
    sheet.append([xlsx_cell(sheet, t, font=HEADER_FONT, fill=HEADER_FILL) for t in titles])
    width = len(header)
    for number, cells, reasons in rows:
        values = list(cells[:width]) + [""] * (width - len(cells))
        sheet.append(
            [
                xlsx_cell(sheet, number),
                xlsx_cell(sheet, "；".join(reasons), fill=ERROR_FILL),
                *(xlsx_cell(sheet, v) for v in values),
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


# --- exports -----------------------------------------------------------------------------------------------


def export_xlsx(fh, *, title: str, headers: list[str], rows: Iterable[list]) -> int:
    """Write the rows to an open binary file; returns how many were written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, h, font=HEADER_FONT, fill=HEADER_FILL) for h in headers])
    count = 0
    for row in rows:
        sheet.append([xlsx_cell(sheet, v) for v in row])
        count += 1
    workbook.save(fh)
    return count


class _Echo:
    def write(self, value):
        return value


def csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def export_csv(*, headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV lines, UTF-8 with a BOM first so that Excel opens the Chinese correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow([csv_text(v) for v in row])
