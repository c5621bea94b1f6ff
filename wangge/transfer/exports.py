"""Exports of filtered lists to .xlsx and CSV, from the web list pages and from the API.

An export is the list the user is looking at: the same selector, the same filters, the same scope. ID numbers
and phones are masked for every role, as in the lists: seeing one in full is a recorded reveal of one record,
and an export is not a way around that. Each export leaves one audit record (action "export") naming the
list, the filters and the number of rows.
"""

import datetime
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.actor import Actor
from wangge.core.masking import mask
from wangge.core.models import ChangeAction, ChangeRecord
from wangge.core.selectors import clean_query
from wangge.transfer.writing import export_csv, export_xlsx

FORMATS = ("xlsx", "csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
ITERATOR_CHUNK = 2000
MAX_RECORDED_FILTERS = 30


@dataclass
class ExportColumn:
    header: str
    value: Callable
    # "id" or "phone": always masked.
    sensitive: str = ""


@dataclass
class ExportList:
    name: str
    title: object
    model: type[models.Model]
    columns: list[ExportColumn]
    # Joins and annotations the columns need, so an export of 100,000 rows runs a handful of queries.
    prepare: Callable = field(default=lambda queryset: queryset)
    # The import kind whose template matches (the list page links to it).
    import_kind: str = ""

    def rows(self, queryset):
        columns = self.columns
        for obj in self.prepare(queryset).iterator(chunk_size=ITERATOR_CHUNK):
            row = []
            for col in columns:
                value = col.value(obj)
                if col.sensitive:
                    value = mask(col.sensitive, value or "")
                row.append(value)
            yield row


def display(obj, name: str) -> str:
    value = getattr(obj, name)
    return getattr(obj, f"get_{name}_display")() if value not in (None, "") else ""


def ended(obj) -> datetime.date | None:
    return obj.ended_on


# Which web list page exports which list (view name → export name).
EXPORT_VIEWS = {
    "people:list": "people",
    "people:residence_list": "residences",
    "housing:list": "houses",
    "addresses:list": "addresses",
    "units:list": "units",
    "units:employment_list": "employments",
}
LISTS = {
    "people": "wangge.people.importers.PEOPLE_EXPORT",
    "residences": "wangge.people.importers.RESIDENCES_EXPORT",
    "houses": "wangge.housing.importers.HOUSES_EXPORT",
    "addresses": "wangge.addresses.importers.ADDRESSES_EXPORT",
    "units": "wangge.units.importers.UNITS_EXPORT",
    "employments": "wangge.units.importers.EMPLOYMENTS_EXPORT",
}


def export_list(name: str) -> ExportList:
    from django.utils.module_loading import import_string

    return import_string(LISTS[name])


def record_export(*, actor: Actor, spec: ExportList, filters: dict, rows: int, fmt: str) -> ChangeRecord:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    return ChangeRecord.objects.create(
        content_type=ContentType.objects.get_for_model(spec.model),
        object_id=None,
        object_repr=str(spec.title)[:200],
        action=ChangeAction.EXPORT,
        changes={"list": spec.name, "filters": filters, "rows": rows, "format": fmt},
        user=user,
        username=actor.username,
        source=actor.source,
        ip=actor.ip,
        device=actor.device,
    )


def recorded_filters(filters: dict) -> dict:
    """The filters as the audit keeps them: what a query string held, without NUL bytes (PostgreSQL's JSON
    refuses them) or megabytes, and without the paging and format parameters."""
    result = {}
    for key, value in list(filters.items())[:MAX_RECORDED_FILTERS]:
        key = clean_query(str(key), 40)
        if isinstance(value, str):
            value = clean_query(value)
        if key and key not in ("page", "page_size", "export", "format") and value not in (None, ""):
            result[key] = value
    return result


def file_name(spec: ExportList, fmt: str) -> str:
    return f"{spec.title}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def export_response(*, actor: Actor, name: str, queryset, filters: dict, fmt: str):
    """The whole filtered list as a download. CSV streams row by row; .xlsx is written to a temporary file
    first (a zip cannot be streamed before it is finished) and then streamed from disk."""
    spec = export_list(name)
    filters = recorded_filters(filters)
    headers = [col.header for col in spec.columns]
    if fmt == "csv":
        record_export(actor=actor, spec=spec, filters=filters, rows=queryset.count(), fmt=fmt)
        response = StreamingHttpResponse(
            export_csv(headers=headers, rows=spec.rows(queryset)), content_type=CSV_TYPE
        )
        response["Content-Disposition"] = _disposition(file_name(spec, fmt))
    else:
        fh = tempfile.TemporaryFile()
        count = export_xlsx(fh, title=str(spec.title), headers=headers, rows=spec.rows(queryset))
        fh.seek(0)
        record_export(actor=actor, spec=spec, filters=filters, rows=count, fmt=fmt)
        response = FileResponse(fh, content_type=XLSX_TYPE)
        response["Content-Disposition"] = _disposition(file_name(spec, fmt))
    response["Cache-Control"] = "no-store"
    return response


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"export.{name.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(name)}"


def export_links(request) -> list[tuple[str, str]]:
    """The list page's own URL with its filters, asking for each format."""
    query = {k: v for k, v in request.GET.items() if k not in ("page", "export")}
    return [(label, f"{request.path}?{urlencode({**query, 'export': fmt})}") for fmt, label in EXPORT_LABELS]


EXPORT_LABELS = [("xlsx", gettext_lazy("导出 Excel")), ("csv", gettext_lazy("导出 CSV"))]


def wants_export(request) -> str:
    fmt = request.GET.get("export", "")
    return fmt if fmt in FORMATS else ""


def bad_format_message() -> str:
    return _("导出格式须为 xlsx 或 csv。")


def list_links(request, name: str) -> dict:
    """Context of a list page that exports: its export links and the import page for its kind."""
    from django.urls import reverse

    spec = export_list(name)
    links = {"export_links": export_links(request)}
    if spec.import_kind:
        links["import_url"] = f"{reverse('transfer:index')}?kind={spec.import_kind}"
    return links
