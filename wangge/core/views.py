"""The home page, the global search, and the small toolkit every app's views share.

Views read only through selectors (which start from visible_to) and write only through services, so the web
UI cannot see or change more than the API or a command could. Anything outside the user's scope raises
Http404 exactly like a missing record: the UI never confirms that something exists elsewhere.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wangge.accounts.roles import can_edit, can_manage_users, can_reveal
from wangge.addresses.selectors import address_list
from wangge.areas.selectors import area_roots
from wangge.core.actor import Actor
from wangge.core.forms import EndForm
from wangge.core.masking import mask
from wangge.core.models import ChangeAction, ChangeRecord, RegisterRecord
from wangge.core.selectors import clean_query
from wangge.core.services import history, reveal_field
from wangge.housing.selectors import house_list
from wangge.people.selectors import person_list
from wangge.units.selectors import unit_list

PER_PAGE = 25
HISTORY_LIMIT = 200

# Personal identifiers outside RegisterRecord.sensitive_fields (staff accounts) are masked the same way.
EXTRA_SENSITIVE = {"phone": "phone"}


# --- parameters -------------------------------------------------------------------------------------------


def int_param(value) -> int | None:
    """A positive id from a query string; anything else (letters, NUL, "²", 40 digits) is simply absent."""
    value = (value or "").strip() if isinstance(value, str) else ""
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def text_param(request, name: str, max_length: int = 100) -> str:
    return clean_query(request.GET.get(name), max_length)


def date_param(request, name: str) -> datetime.date | None:
    """A YYYY-MM-DD day from a query string; anything else (31 February, NUL, a megabyte) is simply absent."""
    value = (request.GET.get(name) or "").strip()
    if len(value) != 10 or not value.isascii():
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def flag_param(request, name: str) -> bool:
    return request.GET.get(name, "") in ("1", "on", "true")


def get_or_404(selector: Callable, **kwargs):
    """Run a *_detail selector; "not in your scope" and "does not exist" are the same 404."""
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404(_("记录不存在。")) from exc


def optional_from_query(request, name: str, selector: Callable):
    """A record named in the query string (?house=12), scoped; a bad or foreign id is a 404."""
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    pk = int_param(raw)
    if pk is None:
        raise Http404(_("记录不存在。"))
    return get_or_404(selector, user=request.user, pk=pk)


# --- permissions ------------------------------------------------------------------------------------------


def require_editor(request) -> None:
    """Read-only roles get 403 on every write, whatever the form says."""
    if not can_edit(request.user):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def require_manager(request) -> None:
    if not can_manage_users(request.user):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


# --- lists ------------------------------------------------------------------------------------------------


def paginate(request, queryset, per_page: int = PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def render_list(request, page_template: str, results_template: str, context: dict) -> HttpResponse:
    """The whole page, or only the results block when HTMX asks for it (live search).

    A list that can be exported answers ?export=xlsx|csv with the whole filtered list (transfer.exports)
    and links to those exports and to its import page."""
    from wangge.transfer import exports

    name = exports.EXPORT_VIEWS.get(getattr(request.resolver_match, "view_name", ""))
    if name:
        fmt = exports.wants_export(request)
        if fmt:
            queryset = context["page_obj"].paginator.object_list
            return exports.export_response(
                actor=actor(request), name=name, queryset=queryset, filters=dict(request.GET.items()), fmt=fmt
            )
        context = {**context, **exports.list_links(request, name)}
    template = results_template if request.htmx and request.htmx.target == "results" else page_template
    response = render(request, template, context)
    if name and template == results_template:
        # The export links carry the filters, which live search has just changed: swap them too.
        links = render_to_string("transfer/_list_links.html", {**context, "oob": True}, request)
        response.content += links.encode()
    # The same URL answers a fragment or a page: caches and the back button must keep them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def people_tabs() -> list[tuple[str, str]]:
    return [(_("实有人口"), reverse("people:list")), (_("居住登记"), reverse("people:residence_list"))]


def unit_tabs() -> list[tuple[str, str]]:
    return [(_("实有单位"), reverse("units:list")), (_("从业登记"), reverse("units:employment_list"))]


# --- forms and services -----------------------------------------------------------------------------------


def apply_errors(form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field-named errors next to the matching form fields; the rest go on top."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, errors in exc.message_dict.items():
        name = aliases.get(name, name)
        visible = name in form.fields and not form.fields[name].widget.is_hidden
        for message in errors:
            form.add_error(name if visible else None, message)


def actor(request) -> Actor:
    return Actor.from_request(request)


# --- detail pages -----------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    value: object
    url: str = ""
    field: str = ""
    reveal_url: str = ""


def sensitive_kinds(model) -> dict[str, str]:
    kinds = dict(getattr(model, "sensitive_fields", None) or {})
    if not issubclass(model, RegisterRecord):
        names = {f.name for f in model._meta.concrete_fields}
        kinds.update({name: kind for name, kind in EXTRA_SENSITIVE.items() if name in names})
    return kinds


def display(instance: models.Model, name: str):
    field_obj = instance._meta.get_field(name)
    value = getattr(instance, name)
    if field_obj.choices:
        return getattr(instance, f"get_{name}_display")() if value not in (None, "") else ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return "" if value is None else value


def field_rows(
    instance: models.Model,
    names: Iterable[str],
    *,
    user,
    reveal_url_name: str = "",
    revealed: dict | None = None,
) -> list[Row]:
    """Label/value rows of a record; identifiers masked, with a reveal button for roles that may."""
    revealed = revealed or {}
    kinds = sensitive_kinds(instance._meta.model)
    rows = []
    for name in names:
        label = instance._meta.get_field(name).verbose_name
        kind = kinds.get(name)
        if not kind:
            rows.append(Row(label=label, value=display(instance, name)))
            continue
        raw = getattr(instance, name) or ""
        if name in revealed:
            rows.append(Row(label=label, value=revealed[name], field=name))
            continue
        reveal_url = ""
        if raw and reveal_url_name and can_reveal(user) and name in instance.sensitive_fields:
            reveal_url = reverse(reveal_url_name, args=[instance.pk, name])
        rows.append(Row(label=label, value=mask(kind, raw), field=name, reveal_url=reveal_url))
    return rows


def reveal_response(request, instance, name: str, detail_view: Callable, **detail_kwargs) -> HttpResponse:
    """POST only. The full value goes back as a fragment (HTMX) or inside the detail page; either way recorded."""
    if name not in getattr(instance, "sensitive_fields", {}):
        raise Http404(_("记录不存在。"))
    try:
        value = reveal_field(instance, actor=actor(request), field=name)
    except ValidationError as exc:
        raise Http404(_("记录不存在。")) from exc
    if request.htmx:
        return render(request, "core/_revealed.html", {"value": value, "field": name})
    return detail_view(request, instance.pk, revealed={name: value}, **detail_kwargs)


def revealer(selector: Callable, detail_view: Callable) -> Callable:
    """The reveal view of one entity: scope first (404), then role (403), then the recorded reveal."""

    @login_required
    @require_POST
    def view(request, pk: int, name: str):
        instance = get_or_404(selector, user=request.user, pk=pk)
        return reveal_response(request, instance, name, detail_view)

    return view


# --- history ----------------------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    record: ChangeRecord
    changes: list[tuple[str, object, object]] = field(default_factory=list)
    revealed_field: str = ""


HIDDEN_IN_HISTORY = {"password", "name_initials", "name_pinyin", "last_login"}


def history_entries(instance: models.Model, user, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The record's change records, newest first, each field by its verbose name, identifiers masked."""
    model = instance._meta.model
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    kinds = sensitive_kinds(model)
    records = list(history(instance)[:limit])

    # Foreign keys are stored as ids; show names, but only of records the user may see.
    wanted: dict[str, set] = {}
    for record in records:
        for attname, pair in (record.changes or {}).items():
            f = by_attname.get(attname)
            if f is not None and f.is_relation and isinstance(pair, list):
                wanted.setdefault(attname, set()).update(v for v in pair if isinstance(v, int))
    names: dict[str, dict] = {}
    for attname, pks in wanted.items():
        related = by_attname[attname].related_model
        manager = related._default_manager
        visible = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.none()
        names[attname] = {obj.pk: str(obj) for obj in visible.filter(pk__in=pks)}

    def show(attname: str, f, value):
        if value in (None, ""):
            return "—"
        if attname in kinds or (f is not None and f.name in kinds):
            return mask(kinds.get(attname) or kinds[f.name], str(value))
        if f is None:
            return value
        if f.is_relation:
            return names.get(attname, {}).get(value, f"#{value}")
        if f.choices:
            return dict(f.flatchoices).get(value, value)
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return value

    entries = []
    for record in records:
        entry = HistoryEntry(record=record)
        changes = record.changes or {}
        if record.action == ChangeAction.REVEAL:
            revealed = changes.get("field", "")
            f = by_attname.get(revealed)
            entry.revealed_field = str(f.verbose_name) if f is not None else revealed
        else:
            for attname, pair in changes.items():
                if attname in HIDDEN_IN_HISTORY or not isinstance(pair, list) or len(pair) != 2:
                    continue
                f = by_attname.get(attname)
                label = str(f.verbose_name) if f is not None else attname
                entry.changes.append((label, show(attname, f, pair[0]), show(attname, f, pair[1])))
        entries.append(entry)
    return entries


# --- pages ------------------------------------------------------------------------------------------------


@login_required
def home(request):
    user = request.user
    counts = [
        (gettext_lazy("实有人口"), person_list(user=user).count(), reverse("people:list")),
        (gettext_lazy("实有房屋"), house_list(user=user, current=True).count(), reverse("housing:list")),
        (gettext_lazy("标准地址"), address_list(user=user, current=True).count(), reverse("addresses:list")),
        (gettext_lazy("实有单位"), unit_list(user=user, current=True).count(), reverse("units:list")),
    ]
    return render(
        request,
        "core/home.html",
        {"counts": counts, "roots": area_roots(user=user).order_by("code")[:50]},
    )


SEARCH_LIMIT = 10


@login_required
def search(request):
    """One box for everything: people, houses, addresses, units, each cut short with a link to the full list."""
    q = text_param(request, "q")
    sections = []
    if q:
        user = request.user
        sections = [
            ("people", _("实有人口"), person_list(user=user, q=q), "people:list"),
            ("houses", _("实有房屋"), house_list(user=user, q=q), "housing:list"),
            ("addresses", _("标准地址"), address_list(user=user, q=q), "addresses:list"),
            ("units", _("实有单位"), unit_list(user=user, q=q), "units:list"),
        ]
        sections = [
            {
                "key": key,
                "title": title,
                "items": list(queryset[: SEARCH_LIMIT + 1]),
                "more_url": f"{reverse(url_name)}?{urlencode({'q': q})}",
            }
            for key, title, queryset, url_name in sections
        ]
        for section in sections:
            section["more"] = len(section["items"]) > SEARCH_LIMIT
            section["items"] = section["items"][:SEARCH_LIMIT]
    return render_list(
        request, "core/search.html", "core/_search_results.html", {"q": q, "sections": sections}
    )


# --- the tree walk ----------------------------------------------------------------------------------------


@dataclass
class Node:
    """One line of the area tree walk; children_url (if any) loads its children on expand."""

    label: str
    url: str
    sub: str = ""
    children_url: str = ""
    ended: bool = False


def render_nodes(request, nodes: list[Node]) -> HttpResponse:
    return render(request, "core/_tree.html", {"nodes": nodes})


def area_node(area) -> Node:
    return Node(
        label=area.name,
        url=reverse("areas:detail", args=[area.pk]),
        sub=f"{area.get_level_display()} · {area.code}",
        children_url=reverse("areas:children", args=[area.pk]),
        ended=bool(area.ended_on),
    )


def address_node(address) -> Node:
    return Node(
        label=address.name,
        url=reverse("addresses:detail", args=[address.pk]),
        sub=address.get_level_display(),
        children_url=reverse("addresses:children", args=[address.pk]),
        ended=bool(address.ended_on),
    )


def house_node(house) -> Node:
    return Node(
        label=_("房屋 %(code)s") % {"code": house.house_code},
        url=reverse("housing:detail", args=[house.pk]),
        sub=f"{house.get_use_display()} · {house.get_rental_status_display()}",
        children_url=reverse("housing:children", args=[house.pk]),
        ended=bool(house.ended_on),
    )


# --- breadcrumbs ------------------------------------------------------------------------------------------


def area_crumbs(user, area) -> list[tuple[str, str]]:
    """区域 › 海沧区 › 海沧街道 › … › the area: only the levels the user may see."""
    from wangge.areas.selectors import area_ancestors

    crumbs = [(_("区域"), reverse("areas:list"))]
    for node in [*area_ancestors(user=user, area=area), area]:
        crumbs.append((node.name, reverse("areas:detail", args=[node.pk])))
    return crumbs


def address_crumbs(user, address) -> list[tuple[str, str]]:
    """The area path down to the grid, then the address path down to the address."""
    from wangge.addresses.selectors import address_ancestors
    from wangge.areas.models import Area

    grid = Area.objects.visible_to(user).filter(pk=address.grid_id).first()
    crumbs = area_crumbs(user, grid) if grid else [(_("标准地址"), reverse("addresses:list"))]
    for node in [*address_ancestors(user=user, address=address), address]:
        crumbs.append((node.name, reverse("addresses:detail", args=[node.pk])))
    return crumbs


# --- edit and end pages -----------------------------------------------------------------------------------


def bound(request):
    return request.POST if request.method == "POST" else None


def edit_page(
    request,
    *,
    record,
    form_class,
    service: Callable,
    title: str,
    success_url: str,
    breadcrumbs: list,
    form_kwargs: dict | None = None,
    aliases: dict | None = None,
    permission: Callable = require_editor,
    versioned: bool = True,
) -> HttpResponse:
    """GET shows the form; POST hands the changes to the service. Nothing is saved unless all is valid."""
    permission(request)
    form = form_class(bound(request), record=record, **(form_kwargs or {}))
    if request.method == "POST" and form.is_valid():
        extra = {"expected_version": form.expected_version} if versioned else {}
        try:
            diff = service(actor=actor(request), **extra, **form.changes())
        except ValidationError as exc:
            apply_errors(form, exc, aliases)
        else:
            messages.success(request, _("已保存。") if diff else _("没有改动。"))
            for warning in getattr(record, "warnings", None) or []:
                messages.warning(request, warning)
            return redirect(success_url)
    return render(
        request,
        "core/form_page.html",
        {
            "title": title,
            "subject": str(record),
            "form": form,
            "submit_label": _("保存"),
            "cancel_url": success_url,
            "breadcrumbs": [*breadcrumbs, (_("修改"), "")],
        },
    )


def end_page(
    request,
    *,
    record,
    service: Callable,
    title: str,
    success_url: str,
    breadcrumbs: list,
    intro: str = "",
    with_date: bool = False,
    date_label=None,
    reason_label=None,
    permission: Callable = require_editor,
) -> HttpResponse:
    """注销 with a required reason; the record stays and shows as ended."""
    permission(request)
    form = EndForm(bound(request), with_date=with_date, date_label=date_label)
    if reason_label:
        form.fields["reason"].label = reason_label
    if request.method == "POST" and form.is_valid():
        extra = {"on": form.cleaned_data["on"]} if with_date and form.cleaned_data.get("on") else {}
        try:
            service(actor=actor(request), reason=form.cleaned_data["reason"], **extra)
        except ValidationError as exc:
            apply_errors(form, exc, {"ended_on": "on"} if with_date else {"ended_on": "reason"})
        else:
            messages.success(request, _("已注销。"))
            return redirect(success_url)
    return render(
        request,
        "core/form_page.html",
        {
            "title": title,
            "subject": str(record),
            "intro": intro,
            "form": form,
            "submit_label": title,
            "danger": True,
            "cancel_url": success_url,
            "breadcrumbs": [*breadcrumbs, (title, "")],
        },
    )


def filter_form(form_class, request, **kwargs):
    """A GET filter form bound to cleaned values (no NUL bytes, no megabytes) so it can show them back."""
    data = {key: clean_query(value) for key, value in request.GET.items()}
    return form_class(data, **kwargs)


def status_param(request) -> bool | None:
    """?status=current / ended / (anything else: all) → the selectors' `current` argument."""
    return {"current": True, "ended": False}.get(request.GET.get("status"))


PICK_LIMIT = 20


def picker(
    request, *, title: str, placeholder: str, param: str, search: Callable, describe: Callable, keep: dict
):
    """A search step of a create page: find a record, and its link fills `param` in the query string."""
    q = text_param(request, "q")
    items = []
    if q:
        for obj in search(q)[:PICK_LIMIT]:
            label, detail = describe(obj)
            query = urlencode({**{k: v for k, v in keep.items() if v}, param: obj.pk})
            items.append({"label": label, "detail": detail, "url": f"{request.path}?{query}"})
    return {
        "title": title,
        "placeholder": placeholder,
        "q": q,
        "items": items,
        "keep": [(k, v) for k, v in keep.items() if v],
    }
