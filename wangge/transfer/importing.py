"""From a file to checked rows: find the sheet and its header, map the columns, parse every cell, then let the
entity's importer resolve references and its bulk service classify (and, on commit, write) the rows.

parse → validate everything → one atomic commit (the commit runs in the caller's transaction).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from wangge.core.actor import Actor
from wangge.core.bulk import RowOutcome, RowStatus
from wangge.transfer.columns import CellError, Column, is_blank, normalise_header
from wangge.transfer.reading import HEADER_SCAN_ROWS, FileProblem, Sheet, open_sheets

MAX_ROWS = 1_000_000
# Sheets of our own templates that never hold data.
HELPER_SHEETS = {"说明", "选项", "instructions", "options"}
Report = Callable[[int, int], None]


@dataclass
class Row:
    """One data row: where it is in the file, its cells as read, the parsed values, what is wrong with it."""

    number: int
    cells: list
    values: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    status: str = ""

    def reject(self, key: str, message) -> None:
        self.errors.setdefault(key, []).append(str(message))
        self.status = RowStatus.REJECTED

    def take(self, outcome: RowOutcome, fields: dict[str, str] | None = None) -> None:
        """A bulk service's verdict; its field names become this importer's column keys (`fields`)."""
        for name, messages in outcome.errors.items():
            key = (fields or {}).get(name, name)
            for message in messages:
                self.reject(key, message)
        if not self.errors:
            self.status = outcome.status


class Importer:
    """One kind of import. Subclasses (each app's importers.py) declare the columns and `apply` the rows."""

    kind: str = ""
    label = ""
    sheet_name: str = ""
    columns: list[Column] = []
    # Groups of columns of which a file must have at least one (a person's house: code, address code or text).
    required_any: list[tuple[str, ...]] = []
    intro = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def header_index(self) -> dict[str, Column]:
        index: dict[str, Column] = {}
        for col in self.columns:
            for header in col.headers:
                index.setdefault(normalise_header(header), col)
        return index

    def apply(self, rows: list[Row], *, actor: Actor, commit: bool, report: Report | None = None) -> object:
        """Resolve references, call the bulk service, set each row's status or errors.

        Without commit it may return what a commit would write (picklable; None if it keeps nothing): the
        preview stores it, and the commit hands it to `write` when the register has not changed since
        (transfer.plans), instead of reading and checking the file again."""
        raise NotImplementedError

    def write(self, plan: object, *, actor: Actor, report: Report | None = None) -> None:
        """Write what `apply` returned, inside the caller's transaction."""
        raise NotImplementedError


@dataclass
class Table:
    sheet: str
    header_row: int
    header: list
    mapping: dict[int, Column]
    rows: list[Row]
    skipped_example: bool = False
    # What the importer's apply returned without commit (see Importer.apply).
    plan: object = None

    def header_text(self, key: str) -> str:
        """The column as the file calls it, so a message points at what the user sees."""
        for index, col in self.mapping.items():
            if col.key == key:
                text = str(self.header[index] or "").strip()
                return text or col.header
        return ""


def map_header(cells: list, index: dict[str, Column]) -> dict[int, Column]:
    mapping: dict[int, Column] = {}
    taken: set[str] = set()
    for position, cell in enumerate(cells):
        if is_blank(cell):
            continue
        col = index.get(normalise_header(cell))
        if col is not None and col.key not in taken:
            mapping[position] = col
            taken.add(col.key)
    return mapping


def missing_columns(importer: Importer, mapping: dict[int, Column]) -> list[str]:
    present = {col.key for col in mapping.values()}
    missing = [col.header for col in importer.columns if col.required and col.key not in present]
    for group in importer.required_any:
        if not present.intersection(group):
            missing.append(_("或").join(importer.column(key).header for key in group))
    return missing


def _ordered(sheets: list[Sheet], importer: Importer) -> list[Sheet]:
    def rank(sheet: Sheet):
        name = sheet.name.strip()
        return (name != importer.sheet_name, name.lower() in HELPER_SHEETS)

    return sorted(sheets, key=rank)


def find_header(sheets: list[Sheet], importer: Importer) -> tuple[Sheet, int, list, dict[int, Column]]:
    """The sheet (named like the template, else the first that fits) and the row holding the header."""
    index = importer.header_index()
    best = None
    any_content = False
    for sheet in _ordered(sheets, importer):
        head = sheet.load(HEADER_SCAN_ROWS)
        for number, cells in enumerate(head):
            if any(not is_blank(c) for c in cells):
                any_content = True
            mapping = map_header(cells, index)
            if not mapping:
                continue
            missing = missing_columns(importer, mapping)
            if not missing:
                return sheet, number, cells, mapping
            if best is None or len(mapping) > best[0]:
                best = (len(mapping), sheet.name, number, missing)
    if not any_content:
        raise FileProblem(_("文件中没有内容。"))
    if best is None:
        expected = "、".join(col.header for col in importer.columns if col.required)
        raise FileProblem(
            _("没有找到表头：前 %(n)s 行中没有可识别的列名（至少需要：%(cols)s）。请使用导入模板。")
            % {"n": HEADER_SCAN_ROWS, "cols": expected or "、".join(c.header for c in importer.columns[:3])}
        )
    _score, sheet_name, number, missing = best
    raise FileProblem(
        _("缺少必填列：%(cols)s（工作表“%(sheet)s”第 %(row)s 行的表头中没有找到）。")
        % {"cols": "、".join(missing), "sheet": sheet_name, "row": number + 1}
    )


def is_example(cells: list, mapping: dict[int, Column]) -> bool:
    """The template's example row, left in by the user: skipped, never imported."""
    checked = [(position, col) for position, col in mapping.items() if col.example and position < len(cells)]
    return bool(checked) and all(
        str(cells[position]).strip() == str(col.example) for position, col in checked
    )


def read_table(path: Path, suffix: str, importer: Importer) -> Table:
    sheets = open_sheets(path, suffix)
    if not sheets:
        raise FileProblem(_("文件中没有工作表。"))
    sheet, header_row, header, mapping = find_header(sheets, importer)
    all_rows = sheet.load(None)
    if len(all_rows) - header_row - 1 > MAX_ROWS:
        raise FileProblem(_("数据超过 %(n)s 行，请拆分成几个文件。") % {"n": f"{MAX_ROWS:,}"})
    table = Table(sheet=sheet.name, header_row=header_row + 1, header=list(header), mapping=mapping, rows=[])
    plan = [(position, col, col.key, col.parser) for position, col in sorted(mapping.items())]
    for offset, cells in enumerate(all_rows[header_row + 1 :], start=header_row + 2):
        if not any(cells) or all(is_blank(c) for c in cells):
            continue
        if not table.rows and not table.skipped_example and is_example(cells, mapping):
            table.skipped_example = True
            continue
        row = Row(number=offset, cells=cells)
        values = row.values
        size = len(cells)
        for position, col, key, parse in plan:
            raw = cells[position] if position < size else None
            # is_blank, inline: it runs for every cell of the file.
            if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
                if col.required:
                    row.reject(key, _("必填。"))
                continue
            try:
                values[key] = parse(col, raw)
            except CellError as exc:
                row.reject(key, exc.message)
        table.rows.append(row)
    if not table.rows:
        raise FileProblem(_("文件中只有表头，没有数据行。"))
    return table


def run(
    importer: Importer, table: Table, *, actor: Actor, commit: bool, report: Report | None = None
) -> dict[str, int]:
    """Classify every row (and write, when committing); return the counts by status."""
    table.plan = importer.apply(
        [r for r in table.rows if not r.errors], actor=actor, commit=commit, report=report
    )
    counts = {status: 0 for status in RowStatus.values}
    for row in table.rows:
        if row.errors:
            row.status = RowStatus.REJECTED
        counts[row.status or RowStatus.REJECTED] += 1
    return counts


def reasons(table: Table, row: Row) -> list[str]:
    """ "身份证号：身份证号码校验位错误。" for each problem, the column named as in the file."""
    result = []
    for key, messages in row.errors.items():
        label = table.header_text(key) if key != "__all__" else ""
        for message in messages:
            # A message may quote the cell; a NUL in it could not be stored with the job.
            message = message.replace("\x00", "")
            result.append(f"{label}：{message}" if label else message)
    return result
