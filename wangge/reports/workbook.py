"""The daily report as an .xlsx workbook, laid out the way a command centre mails it.

A summary sheet (the area's six rates with their counts and the change since the day before), then one
sheet per level below (街道, 社区/村, 网格, 网格员), ranked. Rates are numbers with a percent format and
changes are numbers of percentage points with an ↑/↓ format, so whoever receives the file can still sort
and sum; a rate with nothing to count is the text "—". No formulas: every figure is the one the selectors
gave. Each sheet prints on A4 landscape, fitted to the page width, with its header rows on every page.
"""

import os
import re
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from wangge.quality.selectors import RATE_LABELS, RATE_PARTS, RATES, WORKER
from wangge.reports.selectors import COUNT_LABELS, Line, counts_for

PERCENT = "0.00%"
# Percentage points: "↑1.25", "↓0.50", "0.00".
POINTS = '"↑"0.00;"↓"0.00;0.00'
PLACES = '"↑"0;"↓"0;"-"'
NONE = "—"

TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="B7C0CC")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right")
UP, DOWN = "1E7B34", "C0392B"

# Every table cell takes one of these named styles. Setting font, border and format cell by cell makes
# openpyxl hash style objects for every cell (20 s for a county's 1,715 grids); a named style is one lookup.
CELL_STYLES = {
    "日报-文字": {},
    "日报-数": {},
    "日报-无": {"alignment": RIGHT},
    "日报-比率": {"number_format": PERCENT},
    "日报-变化": {"number_format": POINTS},
    "日报-变化升": {"number_format": POINTS, "font": Font(color=UP)},
    "日报-变化降": {"number_format": POINTS, "font": Font(color=DOWN)},
    "日报-名次变化": {"number_format": PLACES},
    "日报-名次升": {"number_format": PLACES, "font": Font(color=UP)},
    "日报-名次降": {"number_format": PLACES, "font": Font(color=DOWN)},
    "日报-表头": {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor="EEF2F6"),
        "alignment": CENTER,
    },
    "日报-指标": {"font": Font(bold=True)},
}


def add_styles(workbook: Workbook) -> None:
    for name, attributes in CELL_STYLES.items():
        workbook.add_named_style(NamedStyle(name=name, border=BOX, **attributes))


def write_workbook(content, path: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the workbook to `path` (atomically: a reader never sees half a file); returns its size.

    Written in Chinese whatever the language of the request that asked for it: it is the document the
    command centre files and mails."""
    with translation.override("zh-hans"):
        workbook = build_workbook(content, progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    workbook.save(temporary)
    os.replace(temporary, path)
    return path.stat().st_size


def build_workbook(content, progress: Callable[[int, int], None] | None = None) -> Workbook:
    workbook = Workbook()
    add_styles(workbook)
    total = 1 + len(content.sheets)
    summary_sheet(workbook.active, content)
    if progress:
        progress(1, total)
    for done, sheet in enumerate(content.sheets, start=2):
        level_sheet(workbook.create_sheet(sheet_name(sheet.title)), content, sheet)
        if progress:
            progress(done, total)
    return workbook


def sheet_name(title: str) -> str:
    """Excel refuses / \\ ? * [ ] : in a sheet's name ("社区/村" becomes "社区、村")."""
    return re.sub(r"[/\\?*\[\]:]", "、", title)[:31]


# --- cells -------------------------------------------------------------------------------------------------


def put(ws, row: int, column: int, value, style: str = "日报-数"):
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text, even when it starts with "="
    cell.style = style
    return cell


def put_text(ws, row: int, column: int, value):
    return put(ws, row, column, value, "日报-文字")


def put_rate(ws, row: int, column: int, value: float | None):
    if value is None:
        return put(ws, row, column, NONE, "日报-无")
    return put(ws, row, column, value, "日报-比率")


def put_change(ws, row: int, column: int, value: float | int | None, kind: str = "变化"):
    """A change in points (kind "变化") or in places ("名次"), green up, red down."""
    if value is None:
        return put(ws, row, column, NONE, "日报-无")
    if value > 0:
        style = "日报-名次升" if kind == "名次" else "日报-变化升"
    elif value < 0:
        style = "日报-名次降" if kind == "名次" else "日报-变化降"
    else:
        style = "日报-名次变化" if kind == "名次" else "日报-变化"
    return put(ws, row, column, value, style)


def header(ws, row: int, column: int, text: str, *, rows: int = 1, columns: int = 1):
    for r in range(row, row + rows):
        for c in range(column, column + columns):
            ws.cell(row=r, column=c).style = "日报-表头"
    ws.cell(row=row, column=column, value=text)
    if rows > 1 or columns > 1:
        ws.merge_cells(
            start_row=row, start_column=column, end_row=row + rows - 1, end_column=column + columns - 1
        )


def title_rows(ws, content, title: str, width: int) -> None:
    ws.cell(row=1, column=1, value=title).font = TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).alignment = CENTER
    ws.row_dimensions[1].height = 24
    start, end = content.period
    ws.cell(
        row=2,
        column=1,
        value=_("统计日期：%(day)s　统计期间：%(start)s 至 %(end)s　排名依据：%(rate)s")
        % {
            "day": f"{content.day:%Y-%m-%d}",
            "start": f"{start:%Y-%m-%d}",
            "end": f"{end:%Y-%m-%d}",
            "rate": RATE_LABELS[content.rank_rate],
        },
    )
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def print_setup(ws, header_rows: str) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = header_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = _("第 &P 页，共 &N 页")
    ws.oddHeader.center.text = "&A"


# --- the summary ---------------------------------------------------------------------------------------------


def summary_sheet(ws, content) -> None:
    ws.title = _("汇总")
    width = 6
    title_rows(ws, content, content.title, width)
    line: Line = content.summary
    row = 4
    for col, text in enumerate(
        [_("指标"), _("比率"), _("分子"), _("分母"), _("较昨日（百分点）"), _("计算口径")], start=1
    ):
        header(ws, row, col, text)
    for name in RATES:
        row += 1
        numerator, denominator = RATE_PARTS[name]
        put(ws, row, 1, str(RATE_LABELS[name]), "日报-指标")
        put_rate(ws, row, 2, line.rate(name))
        put(ws, row, 3, line.part(numerator))
        put(ws, row, 4, line.part(denominator))
        put_change(ws, row, 5, line.change(name))
        put_text(ws, row, 6, f"{COUNT_LABELS[numerator]} ÷ {COUNT_LABELS[denominator]}")
    row += 1
    put(ws, row, 1, str(COUNT_LABELS["visits"]), "日报-指标")
    put(ws, row, 2, line.part("visits"))
    for col in range(3, width + 1):
        put(ws, row, col, None)

    row += 2
    header(ws, row, 1, _("各级单位"), columns=2)
    header(ws, row, 3, _("数量"))
    header(ws, row, 4, _("最高"), columns=3)
    for sheet in content.sheets:
        row += 1
        put(ws, row, 1, sheet.title, "日报-指标")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        put(ws, row, 3, len(sheet.lines))
        best = content.best(sheet)
        put_text(ws, row, 4, f"{best.name}（{rate_text(best.rate(content.rank_rate))}）" if best else NONE)
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=6)

    behind = content.behind()
    if behind:
        row += 2
        header(ws, row, 1, _("%(rate)s最低的网格") % {"rate": RATE_LABELS[content.rank_rate]}, columns=width)
        row += 1
        for col, text in enumerate(
            [_("名次"), _("网格"), _("所属"), _("比率"), _("较昨日（百分点）")], start=1
        ):
            header(ws, row, col, text)
        for line in behind:
            row += 1
            put(ws, row, 1, line.rank)
            put_text(ws, row, 2, line.name)
            put_text(ws, row, 3, line.place)
            put_rate(ws, row, 4, line.rate(content.rank_rate))
            put_change(ws, row, 5, line.change(content.rank_rate))

    row += 2
    ws.cell(
        row=row,
        column=1,
        value=_(
            "说明：比率无可统计对象时显示“—”；“较昨日”为与前一日同口径比率之差（百分点）；生成于 %(at)s。"
        )
        % {"at": f"{timezone.localtime():%Y-%m-%d %H:%M}"},
    )
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row].height = 30
    for col, w in enumerate([16, 28, 12, 12, 16, 34], start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    print_setup(ws, "4:4")


def rate_text(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.2f}%"


# --- one level ---------------------------------------------------------------------------------------------


def level_columns(level: str) -> list[tuple[str, int]]:
    """The columns before the rates: (header, width)."""
    if level == WORKER:
        return [(_("名次"), 6), (_("名次变化"), 8), (_("网格员"), 12), (_("所在网格"), 24)]
    return [(_("名次"), 6), (_("名次变化"), 8), (_("名称"), 18), (_("所属"), 22), (_("编码"), 20)]


def level_sheet(ws, content, sheet) -> None:
    leading = level_columns(sheet.level)
    counts = counts_for(sheet.level)
    width = len(leading) + 2 * len(RATES) + len(counts)
    title_rows(ws, content, f"{content.title} · {sheet.title}", width)
    top = 3
    for col, (text, _w) in enumerate(leading, start=1):
        header(ws, top, col, text, rows=2)
    col = len(leading) + 1
    for name in RATES:
        header(ws, top, col, str(RATE_LABELS[name]), columns=2)
        header(ws, top + 1, col, _("比率"))
        header(ws, top + 1, col + 1, _("较昨日"))
        col += 2
    header(ws, top, col, _("数量"), columns=len(counts))
    for offset, name in enumerate(counts):
        header(ws, top + 1, col + offset, str(COUNT_LABELS[name]))
    ws.row_dimensions[top + 1].height = 30

    row = top + 1
    for line in sheet.lines:
        row += 1
        if line.rank is None:
            put(ws, row, 1, NONE, "日报-无")
        else:
            put(ws, row, 1, line.rank)
        put_change(ws, row, 2, line.rank_change, "名次")
        put_text(ws, row, 3, line.name)
        put_text(ws, row, 4, line.place)
        if sheet.level != WORKER:
            put_text(ws, row, 5, line.figures.code or line.figures.key)
        col = len(leading) + 1
        for name in RATES:
            put_rate(ws, row, col, line.rate(name))
            put_change(ws, row, col + 1, line.change(name))
            col += 2
        for offset, name in enumerate(counts):
            put(ws, row, col + offset, line.part(name))
    if not sheet.lines:
        ws.cell(row=row + 1, column=1, value=_("没有数据。"))

    for index, (_text, w) in enumerate(leading, start=1):
        ws.column_dimensions[get_column_letter(index)].width = w
    for index in range(len(leading) + 1, width + 1):
        ws.column_dimensions[get_column_letter(index)].width = 9
    # Rank and name stay in view while scrolling right through the rates and counts.
    ws.freeze_panes = ws.cell(row=top + 2, column=4)
    print_setup(ws, f"{top}:{top + 1}")
