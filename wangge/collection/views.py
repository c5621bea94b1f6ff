"""Collection pages: task lists and actions, bulk creation, visits, conflicts, coverage tree, door notes,
shifts, and the resident's booking page (the one page here that needs no login)."""

import datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.accounts.models import User
from wangge.accounts.roles import can_reveal
from wangge.addresses.models import StandardAddress
from wangge.addresses.selectors import address_detail
from wangge.areas.models import Area, AreaLevel
from wangge.collection import appointments, selectors, services
from wangge.collection.choices import ConflictState
from wangge.collection.forms import (
    BookingForm,
    BulkTaskForm,
    DoneForm,
    ReasonForm,
    ReassignForm,
    ResolveForm,
    ShiftForm,
    TaskFilterForm,
)
from wangge.collection.models import DoorNote, Shift
from wangge.collection.records import masked_values
from wangge.collection.shifts import grid_hours
from wangge.core.views import actor, apply_errors, get_or_404, int_param, paginate, require_editor, text_param


def require_supervisor(request) -> None:
    if not services.can_supervise(request.user):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- tasks -----------------------------------------------------------------------------------------------


@login_required
def task_index(request):
    scope = request.GET.get("scope", "mine")
    if scope not in selectors.TASK_SCOPES:
        scope = "mine"
    form = TaskFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tasks = selectors.task_list(
        user=request.user,
        scope=scope,
        state=filters.get("state", ""),
        kind=filters.get("kind", ""),
        area=filters.get("area", ""),
        overdue=filters.get("overdue", False),
    )
    return render(
        request,
        "collection/task_list.html",
        {
            "title": _("采集任务"),
            "scope": scope,
            "scopes": [("mine", _("我的")), ("team", _("我和小组")), ("all", _("范围内全部"))],
            "filter_form": form,
            "page_obj": paginate(request, tasks),
            "now_shift": selectors.current_shift_by_grid({t.grid_id for t in tasks[:200]}),
            "may_supervise": services.can_supervise(request.user),
        },
    )


@login_required
def task_detail(request, pk: int, revealed_phone: str = ""):
    task = get_or_404(selectors.task_detail, user=request.user, pk=pk)
    users = User.objects.visible_to(request.user).filter(is_active=True).order_by("username")
    return render(
        request,
        "collection/task_detail.html",
        {
            "task": task,
            "visits": selectors.visit_list(user=request.user).filter(task=task)[:50],
            "may_supervise": services.can_supervise(request.user),
            "is_mine": services.is_mine(task, request.user),
            "may_reveal": can_reveal(request.user),
            "revealed_phone": revealed_phone,
            "done_form": DoneForm(),
            "reason_form": ReasonForm(),
            "reassign_form": ReassignForm(users=users),
        },
    )


@login_required
@require_POST
def task_appointment_reveal(request, pk: int):
    """The booked resident's phone for the worker who is to call them: scope first (404), then who (403)."""
    task = get_or_404(selectors.task_detail, user=request.user, pk=pk)
    if task.appointment_id is None:
        raise Http404
    phone = appointments.appointment_phone_reveal(actor=actor(request), task=task)
    if request.htmx:
        return render(request, "core/_revealed.html", {"value": phone, "field": "phone"})
    return task_detail(request, pk, revealed_phone=phone)


@login_required
@require_POST
def task_action(request, pk: int, action: str):
    task = get_or_404(selectors.task_detail, user=request.user, pk=pk)
    require_editor(request)
    if action not in ("start", "done", "cannot", "cancel", "reassign"):
        raise Http404
    if action == "reassign":
        form = ReassignForm(request.POST, users=User.objects.visible_to(request.user))
    elif action in ("cannot", "cancel"):
        form = ReasonForm(request.POST)
    else:
        form = DoneForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        data = form.cleaned_data
        who = actor(request)
        if action == "start":
            services.task_start(actor=who, task=task)
        elif action == "done":
            services.task_done(actor=who, task=task, note=data["note"])
        elif action == "cannot":
            services.task_cannot(actor=who, task=task, reason=data["reason"])
        elif action == "cancel":
            services.task_cancel(actor=who, task=task, reason=data["reason"])
        else:
            services.task_reassign(actor=who, task=task, assignee=data["assignee"], reason=data["reason"])
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("已保存。"))
    return redirect("collection:task", pk=task.pk)


@login_required
def task_bulk(request):
    require_supervisor(request)
    form = BulkTaskForm(request.POST or None, initial={"area": text_param(request, "area", 18)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = Area.objects.visible_to(request.user).filter(code=data["area"]).first()
        try:
            if area is None:
                raise ValidationError({"area": [_("所选记录不存在。")]})
            created = services.tasks_bulk_create(
                actor=actor(request),
                area=area,
                level=data["level"],
                kind=data["kind"],
                due_on=data["due_on"],
                priority=data["priority"],
                shift=data["shift"] or None,
                note=data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已生成 %(n)s 个任务。") % {"n": created})
            return redirect(reverse("collection:tasks") + "?scope=all")
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("批量生成任务"),
            "intro": _("为区域内每个门牌、楼栋或户室各生成一个任务；已有同类未完成任务的地址跳过。"),
            "form": form,
            "submit_label": _("生成"),
            "cancel_url": reverse("collection:tasks"),
        },
    )


# --- visits ---------------------------------------------------------------------------------------------


@login_required
def visit_index(request):
    address = None
    pk = int_param(request.GET.get("address"))
    if pk:
        address = get_or_404(address_detail, user=request.user, pk=pk)
    visits = selectors.visit_list(user=request.user, address=pk, area=text_param(request, "area", 18))
    return render(
        request,
        "collection/visit_list.html",
        {"title": _("访查记录"), "address": address, "page_obj": paginate(request, visits)},
    )


# --- conflicts ------------------------------------------------------------------------------------------


@login_required
def conflict_index(request):
    require_supervisor(request)
    state = request.GET.get("state", ConflictState.OPEN)
    if state not in ConflictState.values:
        state = ""
    return render(
        request,
        "collection/conflict_list.html",
        {
            "title": _("同步冲突"),
            "state": state,
            "states": ConflictState.choices,
            "page_obj": paginate(request, selectors.conflict_list(user=request.user, state=state)),
        },
    )


@login_required
def conflict_detail(request, pk: int):
    require_supervisor(request)
    conflict = get_or_404(selectors.conflict_detail, user=request.user, pk=pk)
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.conflict_resolve(
                actor=actor(request),
                conflict=conflict,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已处理。"))
            return redirect("collection:conflicts")
    server = masked_values(conflict.target_type, conflict.server_values)
    device = masked_values(conflict.target_type, conflict.payload)
    rows = [
        (name, server.get(name, server.get(f"{name}_id", "")), value)
        for name, value in device.items()
        if name != "visit"
    ]
    return render(
        request, "collection/conflict_detail.html", {"conflict": conflict, "rows": rows, "form": form}
    )


# --- coverage -------------------------------------------------------------------------------------------


def _coverage_args(request):
    start, end = selectors.coverage_period(
        _day(request.GET.get("start", "")), _day(request.GET.get("end", ""))
    )
    if start > end:
        start = end
    return start, end


@login_required
def coverage(request):
    start, end = _coverage_args(request)
    area = None
    code = text_param(request, "area", 18)
    if code:
        area = Area.objects.visible_to(request.user).filter(code=code).first()
        if area is None:
            raise Http404
    nodes = selectors.coverage_children(user=request.user, area=area, start=start, end=end)
    return render(
        request,
        "collection/coverage.html",
        {"title": _("覆盖情况"), "nodes": nodes, "start": start, "end": end, "area": area},
    )


@login_required
def coverage_children(request):
    start, end = _coverage_args(request)
    area = address = None
    pk = int_param(request.GET.get("address"))
    if pk:
        address = get_or_404(address_detail, user=request.user, pk=pk)
    else:
        area = Area.objects.visible_to(request.user).filter(code=text_param(request, "area", 18)).first()
        if area is None:
            raise Http404
    nodes = selectors.coverage_children(user=request.user, area=area, address=address, start=start, end=end)
    return render(request, "collection/_coverage_nodes.html", {"nodes": nodes, "start": start, "end": end})


# --- door notes and booking ----------------------------------------------------------------------------


@login_required
def door_notes(request, address_pk: int):
    """Printable notes for an address: one per flat under it (a whole building on a few A4 sheets)."""
    require_editor(request)
    address = get_or_404(address_detail, user=request.user, pk=address_pk)
    flats = list(
        StandardAddress.objects.visible_to(request.user)
        .filter(code__startswith=address.code, ended_on__isnull=True, children__isnull=True)
        .order_by("code")
        .distinct()[:400]
    ) or [address]
    notes = []
    for flat in flats:
        note = appointments.door_note_for(actor=actor(request), address=flat)
        url = request.build_absolute_uri(reverse("booking:booking", args=[note.token]))
        svg = segno.make(url, error="m").svg_inline(scale=3, dark="#000")
        notes.append({"flat": flat, "url": url, "qr": svg})
    return render(
        request, "collection/door_notes.html", {"address": address, "notes": notes, "worker": request.user}
    )


def booking(request, token: str):
    note = DoorNote.objects.select_related("address", "worker").filter(token=token[:64]).first()
    if note is None or not note.worker.is_active:
        raise Http404
    slots = appointments.offered_slots(note)
    form = BookingForm(request.POST or None, slots=slots)
    booked = None
    limited = False
    if request.method == "POST":
        if appointments.over_limit(note, request.META.get("REMOTE_ADDR")):
            limited = True
        elif form.is_valid():
            try:
                booked = appointments.appointment_book(
                    note=note,
                    starts_at=datetime.datetime.fromisoformat(form.cleaned_data["starts_at"]),
                    phone=form.cleaned_data["phone"],
                    message=form.cleaned_data["message"],
                    ip=request.META.get("REMOTE_ADDR"),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
    response = render(
        request,
        "collection/booking.html",
        {
            "address_text": appointments.public_address_text(note.address),
            "worker_name": str(note.worker),
            "worker_phone": note.worker.phone,
            "form": form,
            "booked": booked,
            "limited": limited,
        },
        status=429 if limited else 200,
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- shifts ---------------------------------------------------------------------------------------------


@login_required
def shift_index(request):
    grids = list(Area.objects.visible_to(request.user).filter(level=AreaLevel.GRID).order_by("code")[:200])
    form = ShiftForm(request.POST or None, auto_id=f"id_%s_{int_param(request.POST.get('grid')) or 0}")
    if request.method == "POST":
        require_supervisor(request)
        grid = next((g for g in grids if g.pk == int_param(request.POST.get("grid"))), None)
        if grid is None:
            raise Http404
        if form.is_valid():
            try:
                services.shift_set(actor=actor(request), grid=grid, **form.cleaned_data)
            except ValidationError as exc:
                for text in exc.messages:
                    messages.error(request, text)
            else:
                messages.success(request, _("已保存。"))
                return redirect("collection:shifts")
        else:
            messages.error(request, _("请检查时间。"))
    hours = grid_hours([g.pk for g in grids])
    own = set(Shift.objects.filter(grid__in=grids).values_list("grid_id", "kind"))
    posted = int_param(request.POST.get("grid")) if request.method == "POST" else None
    # One form per row, each with its own element ids; the row just posted keeps what was typed and its errors.
    rows = [
        (
            g,
            hours[g.pk],
            {k for gid, k in own if gid == g.pk},
            form if g.pk == posted else ShiftForm(auto_id=f"id_%s_{g.pk}"),
        )
        for g in grids
    ]
    return render(
        request,
        "collection/shifts.html",
        {
            "title": _("班次设置"),
            "rows": rows,
            "may_supervise": services.can_supervise(request.user),
            "now": timezone.localtime(),
        },
    )
