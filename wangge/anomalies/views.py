"""Web pages of anomaly data: the list with counts per rule, an item with its resolve/dismiss form, the runs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.roles import can_edit
from wangge.anomalies import selectors, services
from wangge.anomalies.choices import AnomalyState, Subject
from wangge.anomalies.forms import AnomalyFilterForm, DecisionForm, RunForm
from wangge.anomalies.rules import rule_for
from wangge.areas.models import Area
from wangge.collection.services import can_supervise
from wangge.core.views import actor, apply_errors, get_or_404, paginate, render_list

POLL_SECONDS = 2
SUBJECT_URLS = {
    Subject.PERSON: ("people:detail", "person_id"),
    Subject.HOUSE: ("housing:detail", "house_id"),
    Subject.ADDRESS: ("addresses:detail", "address_id"),
    Subject.AREA: ("areas:detail", "grid_id"),
}


# The keys rules write into an item's detail, as the detail page labels them.
DETAIL_LABELS = {
    "residents": gettext_lazy("在住人数"),
    "rooms": gettext_lazy("房间数"),
    "floor_area": gettext_lazy("建筑面积（平方米）"),
    "people_per_room": gettext_lazy("每间人数上限"),
    "m2_per_person": gettext_lazy("人均面积下限（平方米）"),
    "houses": gettext_lazy("房屋编码"),
    "address_level": gettext_lazy("地址层级"),
    "others": gettext_lazy("同号的其他记录"),
    "house": gettext_lazy("主要居住地房屋"),
    "records": gettext_lazy("注销后的新记录（编号）"),
    "deregistered_on": gettext_lazy("注销日期"),
    "problem": gettext_lazy("问题"),
    "role": gettext_lazy("登记身份"),
    "record": gettext_lazy("记录编号"),
    "birth_date": gettext_lazy("出生日期"),
    "age": gettext_lazy("年龄"),
    "last_verified_on": gettext_lazy("最近核实日期"),
    "days": gettext_lazy("天数"),
    "from": gettext_lazy("起"),
    "to": gettext_lazy("止"),
    "recent": gettext_lazy("近 7 天注销人数"),
    "weekly_mean": gettext_lazy("此前 8 周周均"),
    "threshold": gettext_lazy("阈值"),
    "rental_status": gettext_lazy("使用状态"),
    "residence": gettext_lazy("居住登记"),
    "verification": gettext_lazy("核实记录"),
    "task": gettext_lazy("采集任务"),
    "house_owner": gettext_lazy("房屋房主"),
    "employment": gettext_lazy("从业登记"),
}


def detail_value(value) -> str:
    """A detail value as one line of text: lists joined, records by their code or name."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(detail_value(v) for v in value)
    if isinstance(value, dict):
        for name in ("house_code", "name"):
            if name in value:
                extra = f"（{value['grid']}）" if value.get("grid") else ""
                return f"{value[name]}{extra}"
        return "；".join(f"{DETAIL_LABELS.get(k, k)}：{detail_value(v)}" for k, v in value.items())
    return str(value)


def _filters(request) -> dict:
    """The list's filters; open items unless another state (or "all": empty) was chosen."""
    data = request.GET.copy()
    data.setdefault("state", AnomalyState.OPEN)
    form = AnomalyFilterForm(data)
    form.is_valid()
    # An invalid filter (an unknown rule code) is dropped rather than failing the page.
    clean = form.cleaned_data
    return {"form": form, **{name: clean.get(name, "") for name in ("rule", "state", "area", "q")}}


@login_required
def anomaly_index(request):
    f = _filters(request)
    items = selectors.anomaly_list(
        user=request.user, rule=f["rule"], state=f["state"], area=f["area"], q=f["q"]
    )
    counts = selectors.rule_counts(user=request.user, state=f["state"], area=f["area"])
    return render_list(
        request,
        "anomalies/anomaly_list.html",
        "anomalies/_anomaly_results.html",
        {
            "title": _("异动数据"),
            "filter_form": f["form"],
            "rule_counts": counts,
            "rule": f["rule"],
            "page_obj": paginate(request, items),
            "results_template": "anomalies/_anomaly_results.html",
            "can_run": can_supervise(request.user),
            "last_run": selectors.run_list(user=request.user).first(),
        },
    )


def subject_link(anomaly) -> str:
    name, attname = SUBJECT_URLS[anomaly.subject]
    pk = getattr(anomaly, attname)
    return reverse(name, args=[pk]) if pk else ""


@login_required
def anomaly_detail(request, pk: int):
    anomaly = get_or_404(selectors.anomaly_detail, user=request.user, pk=pk)
    may_decide = can_edit(request.user) and anomaly.state == AnomalyState.OPEN
    form = DecisionForm(request.POST if request.method == "POST" else None) if may_decide else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("您的角色无权执行此操作。"))
        if form.is_valid():
            close = (
                services.anomaly_resolve
                if form.cleaned_data["decision"] == AnomalyState.RESOLVED
                else services.anomaly_dismiss
            )
            try:
                close(actor=actor(request), anomaly=anomaly, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已处理。"))
                return redirect("anomalies:detail", anomaly.pk)
    rule = rule_for(anomaly.rule)
    return render(
        request,
        "anomalies/anomaly_detail.html",
        {
            "anomaly": anomaly,
            "rule": rule,
            "rule_title": rule.title if rule else anomaly.rule,
            "subject_url": subject_link(anomaly),
            "detail_rows": [
                (DETAIL_LABELS.get(name, name), detail_value(value))
                for name, value in (anomaly.detail or {}).items()
            ],
            "form": form,
            "breadcrumbs": [(_("异动数据"), reverse("anomalies:list")), (f"#{anomaly.pk}", "")],
        },
    )


# --- runs ---------------------------------------------------------------------------------------------------


@login_required
def run_index(request):
    supervisor = can_supervise(request.user)
    form = RunForm(request.POST if request.method == "POST" else None) if supervisor else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("您的角色无权执行此操作。"))
        if form.is_valid():
            try:
                area = _area(request, form.cleaned_data["area"])
                run = services.anomalies_request(
                    actor=actor(request), area=area, rules=form.cleaned_data["rules"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("anomalies:run", run.pk)
    return render(
        request,
        "anomalies/run_list.html",
        {
            "title": _("异动检查"),
            "form": form,
            "page_obj": paginate(request, selectors.run_list(user=request.user)),
            "breadcrumbs": [(_("异动数据"), reverse("anomalies:list")), (_("异动检查"), "")],
        },
    )


def _area(request, code: str):
    if not code:
        return None
    area = Area.objects.visible_to(request.user).filter(code=code).first()
    if area is None:
        raise ValidationError({"area": [_("所选记录不存在。")]})
    return area


def run_context(run) -> dict:
    rows = []
    for code, counts in run.counts.items():
        rule = rule_for(code)
        rows.append({"code": code, "title": rule.title if rule else code, **counts})
    current = rule_for(run.current_rule) if run.current_rule else None
    return {
        "run": run,
        "rows": rows,
        "current_title": current.title if current else "",
        "poll_seconds": POLL_SECONDS,
    }


@login_required
def run_detail(request, pk: int):
    run = get_or_404(selectors.run_detail, user=request.user, pk=pk)
    return render(
        request,
        "anomalies/run_detail.html",
        {
            **run_context(run),
            "breadcrumbs": [
                (_("异动数据"), reverse("anomalies:list")),
                (_("异动检查"), reverse("anomalies:runs")),
                (f"#{run.pk}", ""),
            ],
        },
    )


@login_required
def run_status(request, pk: int):
    """The status card alone, polled (HTMX) while the run is queued or running."""
    run = get_or_404(selectors.run_detail, user=request.user, pk=pk)
    return render(request, "anomalies/_run_status.html", run_context(run))
