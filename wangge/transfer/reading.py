"""Reading uploaded spreadsheets (.xlsx, .csv) into rows of cell values, and refusing what is not one.

Every problem with the file itself becomes a FileProblem carrying a Chinese sentence for the user; nothing
here raises anything else for any input (the tests feed it images, junk, broken and encrypted files).
.xlsx is read with python-calamine (Rust, about ten times faster than openpyxl); a formula cell gives the
value Excel saved with it and is never evaluated. CSV is decoded as UTF-8 (with or without BOM), UTF-16
(Excel's "Unicode text") or GB18030, the superset of the GBK that Chinese Excel saves CSV in.
"""

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

MAX_COLUMNS = 200
# Unpacked size an .xlsx may claim: generous for real sheets, refuses zip bombs before anything is inflated.
MAX_UNPACKED_BYTES = 2 * 1024**3
# Rows scanned from the top to find the header (title rows and notes often come first).
HEADER_SCAN_ROWS = 10
SUFFIXES = {".xlsx", ".csv"}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Whole signatures, so that no CSV whose first cell happens to start with the same letters is mistaken.
OTHER_FORMATS = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"%PDF-": "PDF",
    b"Rar!\x1a\x07": "RAR",
    b"7z\xbc\xaf\x27\x1c": "7z",
    b"\x1f\x8b\x08": "gzip",
}
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')


class FileProblem(Exception):
    """The file cannot be read as a table; the message says why, in words the uploader understands."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """One table: a worksheet, or the whole CSV. `load(n)` gives its first n rows (all with n=None)."""

    name: str
    load: Callable[[int | None], list[list]]


def suffix_of(file_name: str) -> str:
    return Path(file_name or "").suffix.lower()


def check_name(file_name: str) -> str:
    suffix = suffix_of(file_name)
    if suffix == ".xls":
        raise FileProblem(_("不支持旧版 .xls 格式，请在 Excel 中“另存为” .xlsx 或 CSV 后再上传。"))
    if suffix not in SUFFIXES:
        raise FileProblem(_("只能导入 .xlsx 或 .csv 文件。"))
    return suffix


def sniff(head: bytes, suffix: str) -> None:
    """Refuse by the first bytes what is plainly something else (a picture renamed to .xlsx, …)."""
    if not head:
        raise FileProblem(_("文件是空的。"))
    for magic, kind in OTHER_FORMATS.items():
        if head.startswith(magic):
            raise FileProblem(_("这不是电子表格，而是 %(kind)s 文件。") % {"kind": kind})
    if suffix == ".xlsx":
        if head.startswith(OLE_MAGIC):
            raise FileProblem(
                _(
                    "这是加密（设了打开密码）的 Excel 文件或旧版 .xls 文件，请取消密码并另存为 .xlsx 后再上传。"
                )
            )
        if not head.startswith(ZIP_MAGIC):
            raise FileProblem(_("这不是有效的 .xlsx 文件（如果是 CSV，请把扩展名改为 .csv）。"))
    elif head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC):
        raise FileProblem(_("这是 Excel 文件，不是 CSV，请把扩展名改为 .xlsx。"))


def open_sheets(path: Path, suffix: str) -> list[Sheet]:
    with open(path, "rb") as fh:
        head = fh.read(16)
    sniff(head, suffix)
    if suffix == ".csv":
        return [Sheet(name=Path(path).stem, load=_csv_loader(path))]
    return _xlsx_sheets(path)


def estimate_rows(path: Path, suffix: str) -> int:
    """Rows in the file without reading it (decides whether the import runs in the background)."""
    try:
        if suffix == ".csv":
            count = 0
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    count += chunk.count(b"\n")
            return count
        with zipfile.ZipFile(path) as archive:
            rows = [d[1] for d in _dimensions(archive).values() if d]
            if rows:
                return max(rows)
            # No dimension written: about 60 packed bytes a row is what Excel writes.
            return Path(path).stat().st_size // 60
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, zlib.error):
        # Unreadable: the preview will say why; it is small work either way.
        return 0


# --- CSV ---------------------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(_("无法识别文件的编码（支持 UTF-8、GBK/GB18030、UTF-16），或者这不是文本格式的 CSV。"))


def _csv_loader(path: Path) -> Callable[[int | None], list[list]]:
    cache: dict = {}

    def load(limit: int | None) -> list[list]:
        if "rows" not in cache:
            data = Path(path).read_bytes()
            text = decode(data)
            if text.count("\x00") > max(16, len(text) // 1000):
                raise FileProblem(_("文件中有大量空字符（NUL），这不是文本格式的 CSV。"))
            first_line = text[: text.find("\n") if "\n" in text else len(text)]
            delimiter = max(",\t;", key=first_line.count) if first_line else ","
            if first_line.count(delimiter) == 0:
                delimiter = ","
            # A cell may be as long as the whole file; the column's own length limit rejects the row later.
            csv.field_size_limit(max(len(data), 131072))
            try:
                cache["rows"] = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            except csv.Error as exc:
                raise FileProblem(_("CSV 格式有误：%(e)s") % {"e": exc}) from exc
        rows = cache["rows"]
        return rows if limit is None else rows[:limit]

    return load


# --- .xlsx -------------------------------------------------------------------------------------------------


def _column_number(letters: bytes | None) -> int:
    number = 0
    for ch in letters or b"":
        number = number * 26 + ch - 64
    return number


def _dimensions(archive: zipfile.ZipFile) -> dict[str, tuple[int, int] | None]:
    """(columns, rows) each worksheet declares in its <dimension>, read from the first bytes of its XML."""
    result = {}
    for name in archive.namelist():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            with archive.open(name) as fh:
                head = fh.read(4096)
            match = DIMENSION.search(head)
            if not match:
                result[name] = None
                continue
            first_col, first_row, last_col, last_row = match.groups()
            columns = _column_number(last_col or first_col)
            rows = int(last_row or first_row or 0)
            result[name] = (columns, rows)
    return result


def _xlsx_sheets(path: Path) -> list[Sheet]:
    import python_calamine as calamine

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise FileProblem(
                    _("这个压缩文件不是 Excel 工作簿（可能是 Word、WPS 或其他文件改了扩展名）。")
                )
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise FileProblem(_("文件解压后过大，无法导入。"))
            for columns, _rows in filter(None, _dimensions(archive).values()):
                if columns > MAX_COLUMNS:
                    raise FileProblem(
                        _("工作表有 %(n)s 列，超过上限 %(max)s 列；请删去多余的列。")
                        % {"n": columns, "max": MAX_COLUMNS}
                    )
    except zipfile.BadZipFile as exc:
        raise FileProblem(_("Excel 文件已损坏（无法解压），请重新保存后再上传。")) from exc
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        raise FileProblem(_("Excel 文件已损坏，请重新保存后再上传。")) from exc

    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        metadata = [m for m in workbook.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
    except calamine.PasswordError as exc:
        raise FileProblem(_("Excel 文件设有密码，请取消密码后再上传。")) from exc
    except Exception as exc:  # calamine raises several error types for broken packages
        raise FileProblem(_("Excel 文件已损坏，请重新保存后再上传。")) from exc

    def loader(name: str) -> Callable[[int | None], list[list]]:
        def load(limit: int | None) -> list[list]:
            try:
                sheet = workbook.get_sheet_by_name(name)
                if sheet.width > MAX_COLUMNS:
                    raise FileProblem(
                        _("工作表有 %(n)s 列，超过上限 %(max)s 列；请删去多余的列。")
                        % {"n": sheet.width, "max": MAX_COLUMNS}
                    )
                rows = sheet.to_python(skip_empty_area=False, nrows=limit)
                merged = sheet.merged_cell_ranges or []
            except FileProblem:
                raise
            except Exception as exc:
                raise FileProblem(_("工作表“%(name)s”无法读取（文件可能已损坏）。") % {"name": name}) from exc
            _fill_merged(rows, merged)
            return rows

        return load

    return [Sheet(name=m.name, load=loader(m.name)) for m in metadata]


def _fill_merged(rows: list[list], merged) -> None:
    """A merged area (one address over a family's rows) means its value in every cell it covers."""
    for (top, left), (bottom, right) in merged:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                if (r, c) != (top, left) and row[c] in ("", None):
                    row[c] = value
