"""Actual housing: list, detail with current and past residents, create on an address, edit, end, reveal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wangge.addresses.models import AddressLevel, DuplicateKind
from wangge.addresses.selectors import address_detail as select_address
from wangge.addresses.selectors import address_list
from wangge.addresses.views import MergeDesk, merge_decision, merge_index_page, merge_review_page, merge_tabs
from wangge.core.views import (
    Node,
    actor,
    address_crumbs,
    apply_errors,
    bound,
    date_param,
    edit_page,
    end_page,
    field_rows,
    filter_form,
    flag_param,
    get_or_404,
    optional_from_query,
    paginate,
    picker,
    render_list,
    render_nodes,
    require_editor,
    revealer,
    status_param,
    text_param,
)
from wangge.housing.forms import HouseCreateForm, HouseFilterForm, HouseForm
from wangge.housing.selectors import house_detail as select_house
from wangge.housing.selectors import house_list, house_merge_detail, house_merge_facts, house_merge_list
from wangge.housing.services import house_create as create_house
from wangge.housing.services import house_end as end_house
from wangge.housing.services import house_merge_approve, house_update
from wangge.people.models import Person
from wangge.people.selectors import residence_list

DETAIL_FIELDS = ["house_code", "use", "rental_status", "owner_name", "owner_phone", "rooms", "floor_area"]


def house_crumbs(user, house):
    return [*address_crumbs(user, house.address), (_("房屋 %(c)s") % {"c": house.house_code}, "")]


@login_required
def house_index(request):
    houses = house_list(
        user=request.user,
        q=text_param(request, "q"),
        area=text_param(request, "area", 18),
        use=text_param(request, "use", 32),
        rental_status=text_param(request, "rental_status", 32),
        current=status_param(request),
        unverified_since=date_param(request, "unverified_since"),
        uncollected=flag_param(request, "uncollected"),
    )
    context = {
        "title": _("实有房屋"),
        "tabs": merge_tabs("housing", _("实有房屋")),
        "filter_form": filter_form(HouseFilterForm, request, user=request.user),
        "results_template": "housing/_house_results.html",
        "page_obj": paginate(request, houses),
    }
    return render_list(request, "core/list_page.html", "housing/_house_results.html", context)


def visible_person_ids(user, person_ids) -> set[int]:
    """Residents who moved to another grid are listed, but linked only if the user may open them."""
    return set(Person.objects.visible_to(user).filter(pk__in=list(person_ids)).values_list("pk", flat=True))


@login_required
def house_children(request, pk: int):
    """The walk's last step: the people living in the house now."""
    house = get_or_404(select_house, user=request.user, pk=pk)
    residences = list(residence_list(user=request.user, house=house.pk, current=True))
    linkable = visible_person_ids(request.user, {r.person_id for r in residences})
    nodes = [
        Node(
            label=r.person.name,
            url=reverse("people:detail", args=[r.person_id])
            if r.person_id in linkable
            else reverse("people:residence_detail", args=[r.pk]),
            sub=r.get_relation_display(),
        )
        for r in residences
    ]
    return render_nodes(request, nodes)


@login_required
def house_detail(request, pk: int, revealed: dict | None = None):
    user = request.user
    house = get_or_404(select_house, user=user, pk=pk)
    residences = list(residence_list(user=user, house=house.pk))
    linkable = visible_person_ids(user, {r.person_id for r in residences})
    return render(
        request,
        "housing/house_detail.html",
        {
            "house": house,
            "rows": field_rows(
                house, DETAIL_FIELDS, user=user, reveal_url_name="housing:reveal", revealed=revealed
            ),
            "current": [r for r in residences if r.ended_on is None],
            "past": [r for r in residences if r.ended_on is not None],
            "linkable": linkable,
            "breadcrumbs": house_crumbs(user, house),
        },
    )


house_reveal = revealer(select_house, house_detail)


def _address_picker(request):
    return picker(
        request,
        title=_("选择房屋所在的标准地址（楼栋或户室）"),
        placeholder=_("输入地址，如“海沧路8号1号楼301”"),
        param="address",
        search=lambda q: address_list(user=request.user, q=q, current=True).filter(
            level__in=[AddressLevel.BUILDING, AddressLevel.ROOM]
        ),
        describe=lambda a: (a.full_text, a.get_level_display()),
        keep={},
    )


@login_required
def house_create(request):
    address = optional_from_query(request, "address", select_address)
    require_editor(request)
    if address is None:
        return render(
            request,
            "core/form_page.html",
            {
                "title": _("新增房屋"),
                "picker": _address_picker(request),
                "breadcrumbs": [(_("实有房屋"), reverse("housing:list")), (_("新增房屋"), "")],
            },
        )
    form = HouseCreateForm(bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            house = create_house(actor=actor(request), address=address, **form.changes())
        except ValidationError as exc:
            apply_errors(form, exc, {"address": None})
        else:
            messages.success(request, _("已新增房屋。"))
            return redirect("housing:detail", house.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("新增房屋"),
            "subject": _("标准地址：%(a)s") % {"a": address.full_text},
            "form": form,
            "submit_label": _("保存"),
            "cancel_url": reverse("addresses:detail", args=[address.pk]),
            "breadcrumbs": [*address_crumbs(request.user, address), (_("新增房屋"), "")],
        },
    )


@login_required
def house_edit(request, pk: int):
    house = get_or_404(select_house, user=request.user, pk=pk)

    def save(**fields):
        return house_update(house=house, **fields)

    return edit_page(
        request,
        record=house,
        form_class=HouseForm,
        service=save,
        title=_("修改房屋"),
        success_url=reverse("housing:detail", args=[house.pk]),
        breadcrumbs=house_crumbs(request.user, house),
    )


@login_required
def house_end(request, pk: int):
    house = get_or_404(select_house, user=request.user, pk=pk)

    def end(**kwargs):
        return end_house(house=house, **kwargs)

    return end_page(
        request,
        record=house,
        service=end,
        title=_("注销房屋"),
        intro=_("在住人员须先办理迁出。注销后记录仍保留。"),
        success_url=reverse("housing:detail", args=[house.pk]),
        breadcrumbs=house_crumbs(request.user, house),
    )


# --- "one address, several house codes": merge review (the machinery is addresses.views') -----------------


def house_describe(house):
    url = reverse("housing:detail", args=[house.pk])
    return (
        house.house_code,
        house.address.full_text,
        url,
        ["house_code", "use", "rental_status", "owner_name", "rooms", "floor_area"],
    )


def house_facts(user, house) -> dict:
    counts = house_merge_facts(user=user, house=house)
    return {_("在住人员"): counts["people"], _("曾住人员"): counts["past"]}


HOUSE_DESK = MergeDesk(
    namespace="housing",
    title=gettext_lazy("房屋合并审核（一址多码）"),
    kinds=[(DuplicateKind.SAME_ADDRESS.value, DuplicateKind.SAME_ADDRESS.label)],
    list_selector=house_merge_list,
    detail_selector=house_merge_detail,
    approve=house_merge_approve,
    describe=house_describe,
    facts=house_facts,
)


@login_required
def house_merge_index(request):
    return merge_index_page(request, HOUSE_DESK, merge_tabs("housing", _("实有房屋")))


@login_required
def house_merge_review(request, pk: int):
    return merge_review_page(request, HOUSE_DESK, pk)


@login_required
@require_POST
def house_merge_approve_view(request, pk: int):
    return merge_decision(request, HOUSE_DESK, pk, "approve")


@login_required
@require_POST
def house_merge_reject_view(request, pk: int):
    return merge_decision(request, HOUSE_DESK, pk, "reject")
