"""Standard addresses: list, the address tree below a grid, detail with houses and units, create, edit, end."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.addresses.forms import AddressCreateForm, AddressFilterForm, AddressForm
from wangge.addresses.models import AddressLevel
from wangge.addresses.selectors import address_detail as select_address
from wangge.addresses.selectors import address_list
from wangge.addresses.services import address_create as create_address
from wangge.addresses.services import address_end as end_address
from wangge.addresses.services import address_update
from wangge.areas.models import AreaLevel
from wangge.areas.selectors import area_detail as select_area
from wangge.core.views import (
    actor,
    address_crumbs,
    address_node,
    apply_errors,
    area_crumbs,
    bound,
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
    )
    context = {
        "title": _("标准地址"),
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
