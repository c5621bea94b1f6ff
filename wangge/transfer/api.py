"""Imports over the API (/api/v1/imports/), and the export endpoint every list shares (…/export).

An upload answers with the job and its preview (counts, the first rejected rows); a large file answers
status "previewing" or "uploaded" and is checked in the background: poll GET /imports/{id}.
"""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from wangge.core.api import ErrorOut, Pagination, PathId, actor, page_of, paginate, responses
from wangge.transfer import exports, views
from wangge.transfer.models import ImportKind, ImportStatus
from wangge.transfer.selectors import import_job_detail, import_job_list
from wangge.transfer.services import (
    import_cancel,
    import_commit,
    import_upload,
    read_progress,
    too_large_message,
)

router = Router(tags=["imports 导入"])

KIND_HELP = "；".join(f"{value}={label}" for value, label in ImportKind.choices)
STATUS_HELP = "；".join(f"{value}={label}" for value, label in ImportStatus.choices)


def file_response(content_type: str, description: str) -> dict:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


class RejectedRowOut(Schema):
    row: int = Field(description="文件中的行号（与 Excel 显示的一致）")
    reasons: list[str] = Field(description="“列名：问题”")


class ProgressOut(Schema):
    label: str = ""
    done: int = 0
    total: int = 0


class ImportJobOut(Schema):
    id: int
    kind: str = Field(description=KIND_HELP)
    file_name: str
    status: str = Field(description=STATUS_HELP)
    message: str = Field(description="失败的原因")
    background: bool = Field(description="是否作为后台任务运行（大文件）")
    sheet: str
    username: str
    total_rows: int
    new_count: int
    changed_count: int
    unchanged_count: int
    rejected_count: int
    rejected_sample: list[RejectedRowOut] = Field(description="前 20 个被拒绝的行及原因（仅上传者可见）")
    progress: ProgressOut | None = Field(description="运行中的进度（阶段、已写入、总数）；未在运行时为 null")
    error_report: str | None = Field(description="错误报告的下载地址（仅上传者可见）")
    created_at: datetime.datetime
    previewed_at: datetime.datetime | None
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None


ImportJobPage = page_of(ImportJobOut, "ImportJobPage")


def job_out(request, job) -> dict:
    owner = job.user_id == request.user.pk
    return {
        **{name: getattr(job, name) for name in ImportJobOut.model_fields if hasattr(job, name)},
        "username": job.user.get_username(),
        "rejected_sample": job.rejected_sample if owner else [],
        "progress": read_progress(job) or None,
        "error_report": f"/api/v1/imports/{job.pk}/errors.xlsx" if owner and job.error_report else None,
    }


def _job(request, pk: int):
    return import_job_detail(user=request.user, pk=pk)


@router.get("/", response=responses({200: ImportJobPage}), summary="我的导入任务")
def job_list(request, pagination: Query[Pagination]):
    page = paginate(import_job_list(user=request.user), pagination)
    page["items"] = [job_out(request, job) for job in page["items"]]
    return page


@router.post(
    "/",
    response=responses({201: ImportJobOut, 413: ErrorOut}, write=True),
    summary="上传文件并预览（不写入任何数据）",
    description=f"multipart/form-data：kind（{KIND_HELP}）、file（.xlsx 或 .csv，最大 WANGGE_MAX_UPLOAD_MB，默认 50 MB）。",
)
def job_create(request, kind: Form[Literal[tuple(ImportKind.values)]], file: File[UploadedFile]):
    if getattr(request, "upload_too_large", False):
        raise ValidationError({"file": [too_large_message()]})
    job = import_upload(actor=actor(request), kind=kind, upload=file)
    return Status(201, job_out(request, job))


@router.get(
    "/templates/{kind}.xlsx",
    response=responses({200: None}, path=True),
    openapi_extra=file_response(exports.XLSX_TYPE, "导入模板（.xlsx）"),
    summary="下载导入模板",
)
def job_template(request, kind: str):
    return views.template_response(kind)


@router.get("/{id}", response=responses({200: ImportJobOut}, path=True), summary="导入任务详情与进度")
def job_detail(request, id: PathId):
    return job_out(request, _job(request, id))


@router.post(
    "/{id}/commit",
    response=responses({200: ImportJobOut}, path=True, write=True),
    summary="确认导入（整个文件一个事务）",
)
def job_commit(request, id: PathId):
    job = import_commit(actor=actor(request), job=_job(request, id))
    return job_out(request, job)


@router.post(
    "/{id}/cancel", response=responses({200: ImportJobOut}, path=True, write=True), summary="取消导入任务"
)
def job_cancel(request, id: PathId):
    job = import_cancel(actor=actor(request), job=_job(request, id))
    return job_out(request, job)


@router.get(
    "/{id}/errors.xlsx",
    response=responses({200: None}, path=True),
    openapi_extra=file_response(exports.XLSX_TYPE, "错误报告（.xlsx）：被拒绝的原始行及“错误原因”"),
    summary="下载错误报告",
)
def job_errors(request, id: PathId):
    job = _job(request, id)
    if job.user_id != request.user.pk:
        raise Http404
    return views.error_report_response(job)


# --- exports of the lists ---------------------------------------------------------------------------------

ExportFormat = Literal["xlsx", "csv"]
EXPORT_OPENAPI = {
    "responses": {
        "200": {
            "description": "整个筛选结果（证件号码、电话打码）",
            "content": {
                exports.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
}


class ExportQuery(Schema):
    """Mixed into a list's filter schema for its …/export endpoint."""

    format: ExportFormat = Field("xlsx", description="xlsx（Excel）或 csv（UTF-8，带 BOM）")


def export(request, name: str, queryset, filters: ExportQuery):
    """The shared body of every …/export endpoint: the list's own filters, the user's scope, masked."""
    return exports.export_response(
        actor=actor(request),
        name=name,
        queryset=queryset,
        filters=filters.model_dump(exclude={"page", "page_size", "format"}, exclude_none=True, mode="json"),
        fmt=filters.format,
    )


def export_route(router: Router, summary: str):
    """Decorator registering GET …/export on a list's router (before its /{id} routes)."""
    return router.get(
        "/export", response=responses({200: None}), openapi_extra=EXPORT_OPENAPI, summary=summary
    )
