"""The import page: choose a kind, download its template, upload, preview, confirm, follow the progress,
download the error report; and the history of one's imports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.accounts.roles import can_edit
from wangge.core.views import actor, apply_errors, get_or_404, paginate, require_editor
from wangge.transfer.exports import XLSX_TYPE
from wangge.transfer.forms import UploadForm
from wangge.transfer.models import ImportKind, ImportStatus
from wangge.transfer.registry import importer_for
from wangge.transfer.selectors import import_job_detail, import_job_list
from wangge.transfer.services import (
    import_cancel,
    import_commit,
    import_upload,
    read_progress,
    too_large_message,
)
from wangge.transfer.writing import template_xlsx

POLL_SECONDS = 1


def kinds() -> list[dict]:
    return [
        {
            "kind": kind,
            "label": label,
            "intro": importer_for(kind).intro,
            "template_url": reverse("transfer:template", args=[kind]),
        }
        for kind, label in ImportKind.choices
    ]


@login_required
def import_index(request):
    user = request.user
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in ImportKind.values else {}
    form = UploadForm(initial=initial)
    if request.method == "POST":
        require_editor(request)
        form = UploadForm(request.POST, request.FILES)
        if getattr(request, "upload_too_large", False):
            form.add_error("file", too_large_message())
        elif form.is_valid():
            try:
                job = import_upload(
                    actor=actor(request), kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("transfer:detail", job.pk)
    return render(
        request,
        "transfer/index.html",
        {
            "title": _("导入"),
            "form": form if can_edit(user) else None,
            "kinds": kinds(),
            "page_obj": paginate(request, import_job_list(user=user)),
        },
    )


def job_context(request, job) -> dict:
    owner = job.user_id == request.user.pk
    return {
        "job": job,
        "owner": owner,
        # The rejected rows quote the uploaded file: only its uploader reads them.
        "sample": job.rejected_sample if owner else [],
        "progress": read_progress(job),
        "poll_seconds": POLL_SECONDS,
        "can_commit": owner and can_edit(request.user) and job.status == ImportStatus.PREVIEWED,
        "can_cancel": owner
        and can_edit(request.user)
        and job.status in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED),
    }


@login_required
def import_detail(request, pk: int):
    job = get_or_404(import_job_detail, user=request.user, pk=pk)
    return render(
        request,
        "transfer/detail.html",
        {
            **job_context(request, job),
            "title": str(job),
            "breadcrumbs": [(_("导入"), reverse("transfer:index")), (job.file_name, "")],
        },
    )


@login_required
def import_status(request, pk: int):
    """The status card alone: polled while the job runs (HTMX), so the page follows its progress."""
    job = get_or_404(import_job_detail, user=request.user, pk=pk)
    return render(request, "transfer/_job_status.html", job_context(request, job))


@login_required
@require_POST
def import_confirm(request, pk: int):
    job = get_or_404(import_job_detail, user=request.user, pk=pk)
    try:
        import_commit(actor=actor(request), job=job)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("transfer:detail", job.pk)


@login_required
@require_POST
def import_abandon(request, pk: int):
    job = get_or_404(import_job_detail, user=request.user, pk=pk)
    try:
        import_cancel(actor=actor(request), job=job)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已取消，没有导入任何数据。"))
    return redirect("transfer:detail", job.pk)


def error_report_response(job) -> FileResponse:
    path = job.error_report_path
    if path is None or not path.is_file():
        raise Http404(_("记录不存在。"))
    name = f"{job.file_name.rsplit('.', 1)[0]}-错误报告.xlsx"
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX_TYPE)


@login_required
def import_errors(request, pk: int):
    job = get_or_404(import_job_detail, user=request.user, pk=pk)
    if job.user_id != request.user.pk:
        raise Http404(_("记录不存在。"))
    return error_report_response(job)


def template_response(kind: str) -> HttpResponse:
    if kind not in ImportKind.values:
        raise Http404(_("记录不存在。"))
    importer = importer_for(kind)
    response = HttpResponse(template_xlsx(importer), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"template-{kind}.xlsx\"; filename*=UTF-8''{_quote(importer.sheet_name)}.xlsx"
    )
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(f"{text}导入模板")


@login_required
def import_template(request, kind: str):
    return template_response(kind)
