"""The daily report pages: ask for a report and follow it, download it, and print the same tables."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.core.views import actor, apply_errors, get_or_404, paginate
from wangge.quality.selectors import RATE_LABELS, RATE_PARTS, RATES, WORKER
from wangge.reports.forms import ReportForm
from wangge.reports.selectors import (
    COUNT_LABELS,
    counts_for,
    report_content,
    report_detail,
    report_list,
    reportable_areas,
)
from wangge.reports.services import check_day, report_download, report_request
from wangge.transfer.exports import XLSX_TYPE

POLL_SECONDS = 2
NONE = "—"


@login_required
def report_index(request):
    form = ReportForm(user=request.user)
    if request.method == "POST":
        form = ReportForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                report = report_request(
                    actor=actor(request), area=form.cleaned_data["area"], day=form.cleaned_data["day"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("reports:detail", report.pk)
    areas = reportable_areas(user=request.user)
    return render(
        request,
        "reports/index.html",
        {
            "title": _("日报"),
            "form": form if areas.exists() else None,
            "page_obj": paginate(request, report_list(user=request.user)),
        },
    )


def report_context(report) -> dict:
    return {
        "report": report,
        "poll_seconds": POLL_SECONDS,
        "print_url": reverse("reports:print", args=[report.area.code, f"{report.day:%Y-%m-%d}"]),
    }


@login_required
def report_page(request, pk: int):
    report = get_or_404(report_detail, user=request.user, pk=pk)
    return render(
        request,
        "reports/detail.html",
        {
            **report_context(report),
            "title": str(report),
            "breadcrumbs": [(_("日报"), reverse("reports:index")), (str(report), "")],
        },
    )


@login_required
def report_status(request, pk: int):
    """The status card alone, polled (HTMX) while the report is being made."""
    report = get_or_404(report_detail, user=request.user, pk=pk)
    return render(request, "reports/_status.html", report_context(report))


@login_required
def report_file(request, pk: int):
    report = get_or_404(report_detail, user=request.user, pk=pk)
    try:
        path = report_download(actor=actor(request), report=report)
    except ValidationError as exc:
        raise Http404(_("日报尚未生成完成。")) from exc
    return file_response(report, path)


def file_response(report, path) -> FileResponse:
    response = FileResponse(
        open(path, "rb"), as_attachment=True, filename=report.download_name, content_type=XLSX_TYPE
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the printable page ------------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.2f}%"


def points(value: float | int | None, digits: int = 2) -> tuple[str, str]:
    """(text, css class) of a change: "↑1.25" up, "↓0.50" down."""
    if value is None:
        return NONE, ""
    if value > 0:
        return f"↑{value:.{digits}f}", "up"
    if value < 0:
        return f"↓{-value:.{digits}f}", "down"
    return f"{0:.{digits}f}", ""


def table_of(sheet) -> dict:
    """The rows of one level as the print page shows them: the workbook's columns, formatted the same way."""
    rows = []
    for line in sheet.lines:
        cells = [
            (NONE if line.rank is None else line.rank, "num"),
            points(line.rank_change, 0),
            (line.name, ""),
            (line.place, ""),
        ]
        if sheet.level != WORKER:
            cells.append((line.figures.key, "mono"))
        for name in RATES:
            cells.append((percent(line.rate(name)), "num"))
            text, css = points(line.change(name))
            cells.append((text, f"num {css}"))
        cells += [(line.part(name), "num") for name in counts_for(sheet.level)]
        rows.append(cells)
    return {
        "level": sheet.level,
        "title": sheet.title,
        "worker": sheet.level == WORKER,
        "counts": [COUNT_LABELS[name] for name in counts_for(sheet.level)],
        "rows": rows,
    }


def summary_of(line) -> list[dict]:
    result = []
    for name in RATES:
        numerator, denominator = RATE_PARTS[name]
        text, css = points(line.change(name))
        result.append(
            {
                "label": RATE_LABELS[name],
                "rate": percent(line.rate(name)),
                "numerator": line.part(numerator),
                "denominator": line.part(denominator),
                "change": text,
                "css": css,
                "basis": f"{COUNT_LABELS[numerator]} ÷ {COUNT_LABELS[denominator]}",
            }
        )
    return result


def overview_of(content) -> list[dict]:
    rows = []
    for sheet in content.sheets:
        best = content.best(sheet)
        rows.append(
            {
                "title": sheet.title,
                "count": len(sheet.lines),
                "best": f"{best.name}（{percent(best.rate(content.rank_rate))}）" if best else NONE,
            }
        )
    return rows


def behind_of(content) -> list[dict]:
    rows = []
    for line in content.behind():
        text, css = points(line.change(content.rank_rate))
        rows.append(
            {
                "rank": line.rank,
                "name": line.name,
                "place": line.place,
                "rate": percent(line.rate(content.rank_rate)),
                "change": text,
                "css": css,
            }
        )
    return rows


def parse_day(text: str) -> datetime.date | None:
    """A YYYY-MM-DD day a report can be made for; anything else is None (the page answers 404)."""
    try:
        day = datetime.date.fromisoformat(text) if len(text) == 10 else None
        if day is not None:
            check_day(day)
    except (ValueError, ValidationError):
        return None
    return day


@login_required
def report_print(request, code: str, day: str):
    """打印版: the workbook's tables as one page, read afresh from the selectors; A4 landscape, a page per level."""
    parsed = parse_day(day)
    area = None
    if parsed is not None and code.isascii() and code.isdigit():
        area = reportable_areas(user=request.user).filter(code=code).first()
    if not area:
        raise Http404(_("记录不存在。"))
    content = report_content(user=request.user, area=area, day=parsed)
    return render(
        request,
        "reports/print.html",
        {
            "title": content.title,
            "content": content,
            "summary": summary_of(content.summary),
            "visits": content.summary.part("visits"),
            "tables": [table_of(sheet) for sheet in content.sheets],
            "overview": overview_of(content),
            "behind": behind_of(content),
            "rates": [RATE_LABELS[name] for name in RATES],
            "rank_rate": RATE_LABELS[content.rank_rate],
            "breadcrumbs": [(_("日报"), reverse("reports:index")), (content.title, "")],
        },
    )
