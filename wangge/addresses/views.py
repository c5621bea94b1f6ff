"""Standard addresses: list, the address tree below a grid, detail with houses and units, create, edit, end."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wangge.accounts.roles import can_review_merges
from wangge.addresses.forms import (
    AddressCreateForm,
    AddressFilterForm,
    AddressForm,
    DetectForm,
    MergeApproveForm,
    MergeFilterForm,
    MergeRejectForm,
)
from wangge.addresses.models import AddressLevel, DuplicateKind, StandardAddress
from wangge.addresses.selectors import address_detail as select_address
from wangge.addresses.selectors import (
    address_list,
    address_merge_detail,
    address_merge_facts,
    address_merge_list,
)
from wangge.addresses.services import address_create as create_address
from wangge.addresses.services import address_end as end_address
from wangge.addresses.services import address_merge_approve, address_update, find_duplicates, merge_reject
from wangge.areas.models import AreaLevel
from wangge.areas.selectors import area_detail as select_area
from wangge.core.views import (
    actor,
    address_crumbs,
    address_node,
    apply_errors,
    area_crumbs,
    bound,
    date_param,
    edit_page,
    end_page,
    field_rows,
    filter_form,
    get_or_404,
    house_node,
    int_param,
    optional_from_query,
    paginate,
    render_list,
    render_nodes,
    require_editor,
    status_param,
    text_param,
)
from wangge.housing.selectors import house_list
from wangge.units.selectors import unit_list

HOUSE_LEVELS = (AddressLevel.BUILDING, AddressLevel.ROOM)


@login_required
def address_index(request):
    level = int_param(request.GET.get("level"))
    addresses = address_list(
        user=request.user,
        q=text_param(request, "q"),
        area=text_param(request, "area", 18),
        level=level,
        current=status_param(request),
        not_visited_since=date_param(request, "not_visited_since"),
    )
    context = {
        "title": _("标准地址"),
        "tabs": merge_tabs("addresses", _("标准地址")),
        "filter_form": filter_form(AddressFilterForm, request, user=request.user),
        "results_template": "addresses/_address_results.html",
        "page_obj": paginate(request, addresses),
    }
    return render_list(request, "core/list_page.html", "addresses/_address_results.html", context)


@login_required
def address_children(request, pk: int):
    """One level of the walk below an address: its sub-addresses, then the houses on it."""
    address = get_or_404(select_address, user=request.user, pk=pk)
    nodes = [address_node(a) for a in address_list(user=request.user, parent=address.pk)]
    nodes += [house_node(h) for h in house_list(user=request.user, address=address.pk)]
    return render_nodes(request, nodes)


@login_required
def address_detail(request, pk: int):
    user = request.user
    address = get_or_404(select_address, user=user, pk=pk)
    rows = field_rows(
        address, ["name", "level", "full_text", "code", "grid", "latitude", "longitude"], user=user
    )
    return render(
        request,
        "addresses/address_detail.html",
        {
            "address": address,
            "rows": rows,
            "children": [address_node(a) for a in address_list(user=user, parent=address.pk)],
            "houses": house_list(user=user, address=address.pk),
            "units": unit_list(user=user, address=address.pk),
            "may_have_houses": address.level in HOUSE_LEVELS,
            "may_have_children": address.level < AddressLevel.ROOM,
            "breadcrumbs": address_crumbs(user, address),
        },
    )


@login_required
def address_create(request):
    """A road under a grid (?grid=), or any lower level under a parent address (?parent=)."""
    user = request.user
    parent = optional_from_query(request, "parent", select_address)
    grid = None if parent else optional_from_query(request, "grid", select_area)
    require_editor(request)
    if grid is not None and grid.level != AreaLevel.GRID:
        grid = None
    form = AddressCreateForm(bound(request), user=user, parent=parent, grid=grid)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            address = create_address(
                actor=actor(request),
                level=data["level"],
                name=data["name"],
                parent=parent,
                grid=grid or data.get("grid"),
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
            )
        except ValidationError as exc:
            apply_errors(form, exc, {"parent": "level"})
        else:
            messages.success(request, _("已新增标准地址。"))
            return redirect("addresses:detail", address.pk)
    if parent is not None:
        crumbs, subject = address_crumbs(user, parent), _("上级地址：%(a)s") % {"a": parent.full_text}
    elif grid is not None:
        crumbs, subject = area_crumbs(user, grid), _("采集网格：%(g)s") % {"g": grid.name}
    else:
        crumbs, subject = [(_("标准地址"), reverse("addresses:list"))], ""
    cancel = (
        reverse("addresses:detail", args=[parent.pk])
        if parent
        else reverse("areas:detail", args=[grid.pk])
        if grid
        else reverse("addresses:list")
    )
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("新增标准地址"),
            "subject": subject,
            "form": form,
            "submit_label": _("保存"),
            "cancel_url": cancel,
            "breadcrumbs": [*crumbs, (_("新增标准地址"), "")],
        },
    )


@login_required
def address_edit(request, pk: int):
    address = get_or_404(select_address, user=request.user, pk=pk)

    def save(**fields):
        return address_update(address=address, **fields)

    return edit_page(
        request,
        record=address,
        form_class=AddressForm,
        form_kwargs={"user": request.user},
        service=save,
        title=_("修改标准地址"),
        success_url=reverse("addresses:detail", args=[address.pk]),
        breadcrumbs=address_crumbs(request.user, address),
    )


@login_required
def address_end(request, pk: int):
    address = get_or_404(select_address, user=request.user, pk=pk)

    def end(**kwargs):
        return end_address(address=address, **kwargs)

    return end_page(
        request,
        record=address,
        service=end,
        title=_("注销标准地址"),
        intro=_("地址下的下级地址和房屋须先注销。注销后记录仍保留。"),
        success_url=reverse("addresses:detail", args=[address.pk]),
        breadcrumbs=address_crumbs(request.user, address),
    )


# --- duplicates and merges: the list, the side-by-side review, the decision ----------------------------------


@dataclass(frozen=True)
class MergeDesk:
    """One kind of merge proposal as the web pages show it (addresses here, houses in housing.views)."""

    namespace: str
    title: str
    kinds: list
    list_selector: Callable
    detail_selector: Callable
    approve: Callable
    # record → (title, subtitle, url, field names shown); (user, record) → {label: count}
    describe: Callable
    facts: Callable

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.namespace}:{name}", args=args)


def merge_tabs(namespace: str, list_title: str) -> list[tuple[str, str]]:
    return [(list_title, reverse(f"{namespace}:list")), (_("合并审核"), reverse(f"{namespace}:merges"))]


def merge_index_page(request, desk: MergeDesk, tabs: list):
    proposals = desk.list_selector(
        user=request.user,
        q=text_param(request, "q"),
        status=text_param(request, "status", 16),
        kind=text_param(request, "kind", 16),
        area=text_param(request, "area", 18),
    )
    context = {
        "title": desk.title,
        "tabs": tabs,
        "filter_form": filter_form(MergeFilterForm, request, user=request.user, kinds=desk.kinds),
        "results_template": "addresses/_merge_results.html",
        "page_obj": paginate(request, proposals),
        "desk": desk,
    }
    for proposal in context["page_obj"]:
        proposal.sides = [desk.describe(record)[:2] for record in proposal.records]
        proposal.url = desk.url("merge_detail", proposal.pk)
    if can_review_merges(request.user):
        context.update(create_url=reverse("addresses:merge_detect"), create_label=_("查找重复"))
    return render_list(request, "core/list_page.html", "addresses/_merge_results.html", context)


def survivor_choices(desk: MergeDesk, proposal) -> list[tuple[int, str]]:
    labels = (_("甲"), _("乙"))
    return [
        (r.pk, f"{label}：{desk.describe(r)[0]}") for label, r in zip(labels, proposal.records, strict=True)
    ]


def merge_review_page(request, desk: MergeDesk, pk: int, approve_form=None, reject_form=None, status=200):
    user = request.user
    proposal = get_or_404(desk.detail_selector, user=user, pk=pk)
    sides = []
    for label, record in zip((_("甲"), _("乙")), proposal.records, strict=True):
        title, subtitle, url, fields = desk.describe(record)
        sides.append(
            {
                "label": label,
                "record": record,
                "title": title,
                "subtitle": subtitle,
                "url": url,
                "rows": field_rows(record, fields, user=user),
                "facts": desk.facts(user, record),
                "kept": proposal.survivor_id == record.pk,
            }
        )
    may_decide = proposal.is_pending and can_review_merges(user)
    context = {
        "proposal": proposal,
        "sides": sides,
        "desk": desk,
        "may_decide": may_decide,
        "approve_form": approve_form or MergeApproveForm(choices=survivor_choices(desk, proposal)),
        "reject_form": reject_form or MergeRejectForm(),
        "approve_url": desk.url("merge_approve", proposal.pk),
        "reject_url": desk.url("merge_reject", proposal.pk),
        "breadcrumbs": [(desk.title, desk.url("merges")), (_("合并建议 #%(n)s") % {"n": proposal.pk}, "")],
    }
    return render(request, "addresses/merge_review.html", context, status=status)


def merge_decision(request, desk: MergeDesk, pk: int, decision: str):
    """POST only: approve with the chosen survivor, or reject with a reason; errors show on the review page."""
    proposal = get_or_404(desk.detail_selector, user=request.user, pk=pk)
    if not can_review_merges(request.user):
        raise PermissionDenied(_("您的角色无权执行此操作。"))
    if decision == "approve":
        form = MergeApproveForm(request.POST, choices=survivor_choices(desk, proposal))
    else:
        form = MergeRejectForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if decision == "approve":
                survivor = next(r for r in proposal.records if r.pk == data["survivor"])
                desk.approve(
                    actor=actor(request), proposal=proposal, survivor=survivor, reason=data["reason"]
                )
            else:
                merge_reject(actor=actor(request), proposal=proposal, reason=data["reason"])
        except ValidationError as exc:
            apply_errors(
                form, exc, {"status": None, "survivor": "survivor" if decision == "approve" else None}
            )
        else:
            messages.success(request, _("已合并。") if decision == "approve" else _("已驳回。"))
            return redirect(desk.url("merge_detail", proposal.pk))
    forms_ = {"approve_form": form} if decision == "approve" else {"reject_form": form}
    return merge_review_page(request, desk, pk, status=422, **forms_)


def address_describe(address: StandardAddress):
    subtitle = f"{address.get_level_display()} · {address.code}"
    url = reverse("addresses:detail", args=[address.pk])
    return address.full_text, subtitle, url, ["name", "level", "code", "grid"]


def address_facts(user, address: StandardAddress) -> dict:
    counts = address_merge_facts(user=user, address=address)
    return {
        _("下级地址"): counts["addresses"],
        _("房屋"): counts["houses"],
        _("在住人员"): counts["people"],
        _("单位"): counts["units"],
    }


ADDRESS_DESK = MergeDesk(
    namespace="addresses",
    title=gettext_lazy("地址合并审核"),
    kinds=[(k, label) for k, label in DuplicateKind.choices if k != DuplicateKind.SAME_ADDRESS],
    list_selector=address_merge_list,
    detail_selector=address_merge_detail,
    approve=address_merge_approve,
    describe=address_describe,
    facts=address_facts,
)


@login_required
def address_merge_index(request):
    return merge_index_page(request, ADDRESS_DESK, merge_tabs("addresses", _("标准地址")))


@login_required
def address_merge_review(request, pk: int):
    return merge_review_page(request, ADDRESS_DESK, pk)


@login_required
@require_POST
def address_merge_approve_view(request, pk: int):
    return merge_decision(request, ADDRESS_DESK, pk, "approve")


@login_required
@require_POST
def address_merge_reject_view(request, pk: int):
    return merge_decision(request, ADDRESS_DESK, pk, "reject")


@login_required
def merge_detect(request):
    """Look for duplicate addresses and house codes in the reviewer's scope (or one area of it)."""
    if not can_review_merges(request.user):
        raise PermissionDenied(_("您的角色无权执行此操作。"))
    form = DetectForm(bound(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            found = find_duplicates(actor=actor(request), area=form.cleaned_data["area"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("新发现地址合并建议 %(a)s 条、房屋合并建议（一址多码）%(h)s 条。")
                % {"a": found["addresses"], "h": found["houses"]},
            )
            return redirect("addresses:merges")
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("查找重复"),
            "intro": _(
                "在所选范围内查找同级名称相同（如“3栋”与“三栋”）或标准全称相同的地址，以及一址多码的房屋，生成合并建议，由人工审核。已提出或已驳回的不会重复提出。"
            ),
            "form": form,
            "submit_label": _("查找"),
            "cancel_url": reverse("addresses:merges"),
            "breadcrumbs": [(ADDRESS_DESK.title, reverse("addresses:merges")), (_("查找重复"), "")],
        },
    )
