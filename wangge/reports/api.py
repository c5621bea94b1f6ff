"""Daily reports over the API (/api/v1/reports/): ask for one, follow it, download the workbook.

POST answers at once with the report, usually still "queued": the worker (`wangge worker`) makes it; poll
GET /reports/{id} until state is "done", then GET /reports/{id}/download.
"""

import datetime

from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from wangge.core.api import (
    MAX_ID,
    Day,
    Id,
    Input,
    Pagination,
    PathId,
    actor,
    choice,
    optional,
    page_of,
    paginate,
    resolve,
    responses,
)
from wangge.reports.models import ReportState, ReportTrigger
from wangge.reports.selectors import report_detail, report_list, reportable_areas
from wangge.reports.services import nightly_day, report_download, report_request
from wangge.reports.views import file_response
from wangge.transfer.exports import XLSX_TYPE

router = Router(tags=["reports 日报"])


class ProgressOut(Schema):
    done: int = Field(description="已写好的工作表数")
    total: int = Field(description="工作表总数（未开始时为 0）")


class ReportOut(Schema):
    id: int
    area_id: int
    area_code: str
    area_name: str
    day: datetime.date = Field(description="统计日期（数据截至该日）")
    trigger: str = Field(description="nightly=夜间自动生成；manual=手动生成")
    state: str = Field(description="queued=排队中；running=正在生成；done=已生成；failed=失败")
    error: str = Field(description="失败的原因")
    progress: ProgressOut
    size: int = Field(description="文件大小（字节）")
    created_at: datetime.datetime
    created_by: str | None = Field(description="手动生成者的用户名；夜间自动生成为 null")
    finished_at: datetime.datetime | None
    download: str | None = Field(description="下载地址（已生成时）")
    print_page: str = Field(description="打印页面（网页，同样的表格）")


ReportPage = page_of(ReportOut, "ReportPage")


def report_out(report) -> dict:
    done = report.state == ReportState.DONE
    return {
        "id": report.pk,
        "area_id": report.area_id,
        "area_code": report.area.code,
        "area_name": report.area.name,
        "day": report.day,
        "trigger": report.trigger,
        "state": report.state,
        "error": report.error,
        "progress": {"done": report.progress_done, "total": report.progress_total},
        "size": report.size,
        "created_at": report.created_at,
        "created_by": report.created_by.get_username() if report.created_by_id else None,
        "finished_at": report.finished_at,
        "download": f"/api/v1/reports/{report.pk}/download" if done else None,
        "print_page": reverse("reports:print", args=[report.area.code, f"{report.day:%Y-%m-%d}"]),
    }


class ReportFilters(Pagination):
    area: int = optional(ge=1, le=MAX_ID, description="区域 id")
    day: Day | None = Field(None, description="统计日期 YYYY-MM-DD")
    trigger: choice(ReportTrigger, blank=True) = ""


class ReportIn(Input):
    area: Id = Field(description="区县或街道的 id（须在您的管辖范围内）")
    day: Day | None = Field(None, description="统计日期 YYYY-MM-DD，默认昨天")


@router.get("/", response=responses({200: ReportPage}), summary="日报列表（新的在前）")
def list_reports(request, filters: Query[ReportFilters]):
    reports = report_list(user=request.user, area=filters.area, day=filters.day, trigger=filters.trigger)
    page = paginate(reports, filters)
    page["items"] = [report_out(report) for report in page["items"]]
    return page


@router.post(
    "/",
    response=responses({202: ReportOut}, write=True),
    summary="生成日报（后台任务）",
    description="同一区域、同一日期的手动日报正在生成时，返回那一份而不另起一份。",
)
def create_report(request, payload: ReportIn):
    area = resolve(reportable_areas(user=request.user), payload.area, "area")
    report = report_request(actor=actor(request), area=area, day=payload.day or nightly_day())
    return Status(202, report_out(report))


@router.get("/{id}", response=responses({200: ReportOut}, path=True), summary="日报详情与进度")
def get_report(request, id: PathId):
    return report_out(report_detail(user=request.user, pk=id))


@router.get(
    "/{id}/download",
    response=responses({200: None}, path=True),
    openapi_extra={
        "responses": {
            "200": {
                "description": "日报工作簿（.xlsx）",
                "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="下载日报（记为导出）",
)
def download_report(request, id: PathId):
    report = report_detail(user=request.user, pk=id)
    return file_response(report, report_download(actor=actor(request), report=report))
