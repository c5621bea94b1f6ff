"""Re-check pages: rounds (list, create, detail with per-grid accuracy, draw / evaluate / cancel), the items of a
round, the cross-check side by side, the checker's own items and the field-by-field recording form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.accounts.models import User
from wangge.areas.models import Area
from wangge.collection.services import can_supervise
from wangge.core.views import actor, apply_errors, get_or_404, paginate, require_editor
from wangge.rechecks import selectors, services
from wangge.rechecks.choices import ItemState, RoundKind, RoundState
from wangge.rechecks.fields import BY_NAME, shown
from wangge.rechecks.forms import (
    AllItemsFilterForm,
    AssignForm,
    ItemFilterForm,
    ReasonForm,
    RecordForm,
    RoundFilterForm,
    RoundForm,
)


def require_supervisor(request) -> None:
    if not can_supervise(request.user):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


@login_required
def round_index(request):
    form = RoundFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rounds = selectors.round_list(
        user=request.user, kind=filters.get("kind", ""), state=filters.get("state", "")
    )
    return render(
        request,
        "rechecks/round_list.html",
        {
            "title": _("抽查轮次"),
            "filter_form": form,
            "page_obj": paginate(request, rounds),
            "may_supervise": can_supervise(request.user),
        },
    )


@login_required
def round_create(request):
    require_supervisor(request)
    areas = Area.objects.visible_to(request.user)
    form = RoundForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.round_create(
                actor=actor(request),
                area=data["area"],
                kind=data["kind"],
                name=data["name"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                percent=data["percent"],
                threshold=data["threshold"],
                seed=data["seed"],
                due_on=data["due_on"],
                pairs=data["pairs"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已新建抽查轮次，请核对后抽样。"))
            return redirect("rechecks:round", pk=created.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("新建抽查轮次"),
            "intro": _(
                "随机抽查：从各网格在采集期内采集（新登记或核实）的人员、房屋中按比例分层抽样。"
                "交叉检查：配对的街道或社区互相抽查对方的记录。"
            ),
            "form": form,
            "submit_label": _("新建"),
            "cancel_url": "../",
        },
    )


@login_required
def round_detail(request, pk: int):
    round = get_or_404(selectors.round_detail, user=request.user, pk=pk)
    grids = selectors.round_progress(user=request.user, round=round)
    return render(
        request,
        "rechecks/round_detail.html",
        {
            "round": round,
            "grids": grids,
            "total": selectors.totals(grids),
            "may_supervise": can_supervise(request.user),
            "reason_form": ReasonForm(),
            "is_cross": round.kind == RoundKind.CROSS,
        },
    )


@login_required
@require_POST
def round_action(request, pk: int, action: str):
    round = get_or_404(selectors.round_detail, user=request.user, pk=pk)
    require_supervisor(request)
    if action not in ("draw", "evaluate", "cancel"):
        raise Http404
    try:
        if action == "draw":
            result = services.round_draw(actor=actor(request), round=round)
            messages.success(
                request,
                _("已抽取 %(n)s 条记录，派发 %(t)s 个抽查任务。")
                % {"n": result["items"], "t": result["tasks"]},
            )
            if result["unassigned"]:
                messages.warning(
                    request, _("%(n)s 条记录找不到可派的抽查人，请逐条指派。") % {"n": result["unassigned"]}
                )
        elif action == "evaluate":
            result = services.round_evaluate(actor=actor(request), round=round)
            messages.success(
                request,
                _("已评定：%(f)s 个网格低于合格线，新建重新采集任务 %(t)s 个。")
                % {"f": result["flagged"], "t": result["recollect_tasks"]},
            )
        else:
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
            services.round_cancel(actor=actor(request), round=round, reason=form.cleaned_data["reason"])
            messages.success(request, _("已取消。"))
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    return redirect("rechecks:round", pk=round.pk)


@login_required
def round_items(request, pk: int):
    round = get_or_404(selectors.round_detail, user=request.user, pk=pk)
    form = ItemFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    grid = request.GET.get("grid", "")
    items = selectors.item_list(
        user=request.user,
        round=round,
        grid_id=int(grid) if grid.isdigit() and len(grid) < 19 else None,
        state=filters.get("state", ""),
        is_right=filters.get("is_right"),
    )
    return render(
        request,
        "rechecks/item_list.html",
        {
            "title": _("抽查项"),
            "round": round,
            "filter_form": form,
            "grid": grid,
            "page_obj": paginate(request, items),
        },
    )


@login_required
def item_index(request):
    """Items of every round in scope: the records behind an accuracy figure (the dashboards link here)."""
    form = AllItemsFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    items = selectors.item_list(
        user=request.user,
        state=filters.get("state", ""),
        is_right=filters.get("is_right"),
        area=filters.get("area", ""),
        checked_from=filters.get("checked_from"),
        checked_to=filters.get("checked_to"),
    )
    return render(
        request,
        "rechecks/item_index.html",
        {"title": _("抽查项"), "filter_form": form, "page_obj": paginate(request, items)},
    )


@login_required
def round_cross(request, pk: int):
    round = get_or_404(selectors.round_detail, user=request.user, pk=pk)
    if round.kind != RoundKind.CROSS:
        raise Http404
    return render(
        request,
        "rechecks/cross.html",
        {"round": round, "pairs": selectors.cross_comparison(round=round)},
    )


@login_required
def my_items(request):
    state = request.GET.get("state", ItemState.PENDING)
    if state not in (*ItemState.values, "all"):
        state = ItemState.PENDING
    return render(
        request,
        "rechecks/my_items.html",
        {
            "title": _("我的抽查"),
            "state": state,
            "states": [(ItemState.PENDING, _("待抽查")), (ItemState.DONE, _("已抽查")), ("all", _("全部"))],
            "page_obj": paginate(request, selectors.my_items(user=request.user, state=state)),
        },
    )


@login_required
def item_detail(request, pk: int):
    item = get_or_404(selectors.item_detail, user=request.user, pk=pk)
    form = None
    may_record = item.state == ItemState.PENDING and services.may_record(request.user, item)
    if may_record and item.round.state != RoundState.CANCELLED:
        form = RecordForm(request.POST or None, item=item)
        if request.method == "POST":
            require_editor(request)
            if form.is_valid():
                try:
                    services.recheck_record(
                        actor=actor(request),
                        item=item,
                        findings=form.findings(),
                        note=form.cleaned_data["note"],
                    )
                except ValidationError as exc:
                    apply_errors(form, exc, aliases=form.aliases())
                else:
                    messages.success(request, _("抽查结果已登记。"))
                    return redirect("rechecks:item", pk=item.pk)
    elif request.method == "POST":
        if item.state == ItemState.PENDING:
            raise PermissionDenied(_("您的角色无权执行此操作。"))
        # A second submit of the same form (a double tap): the first one was recorded.
        messages.info(request, _("该抽查项已登记。"))
        return redirect("rechecks:item", pk=item.pk)
    known = BY_NAME[item.kind]
    findings = [
        {
            "label": known[f.field].label if f.field in known else f.field,
            "verdict": f.get_verdict_display(),
            "is_right": f.verdict == "right",
            "recorded": shown(known[f.field], f.recorded, reveal=False) if f.field in known else f.recorded,
            "found": shown(known[f.field], f.found, reveal=False) if f.field in known else f.found,
        }
        for f in item.findings.all()
    ]
    assign_form = None
    if item.state == ItemState.PENDING and can_supervise(request.user):
        users = User.objects.visible_to(request.user).filter(is_active=True).order_by("username")
        assign_form = AssignForm(users=users)
    return render(
        request,
        "rechecks/item_detail.html",
        {"item": item, "form": form, "findings": findings, "assign_form": assign_form},
    )


@login_required
@require_POST
def item_assign(request, pk: int):
    item = get_or_404(selectors.item_detail, user=request.user, pk=pk)
    require_supervisor(request)
    form = AssignForm(request.POST, users=User.objects.visible_to(request.user).filter(is_active=True))
    try:
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        services.item_assign(
            actor=actor(request),
            item=item,
            checker=form.cleaned_data["checker"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("已指派。"))
    return redirect("rechecks:item", pk=item.pk)
