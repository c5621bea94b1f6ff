"""The area tree: walk from the user's top areas down to the collection grids and their roads."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.addresses.models import AddressLevel
from wangge.addresses.selectors import address_list
from wangge.areas.forms import AreaFilterForm, AreaForm
from wangge.areas.models import AreaLevel
from wangge.areas.selectors import area_detail as select_area
from wangge.areas.selectors import area_list, area_roots, police_grid_list
from wangge.areas.services import area_update
from wangge.core.views import (
    address_node,
    area_crumbs,
    area_node,
    edit_page,
    field_rows,
    filter_form,
    get_or_404,
    paginate,
    render_list,
    render_nodes,
    require_manager,
    text_param,
)
from wangge.housing.selectors import house_list
from wangge.people.selectors import person_list
from wangge.units.selectors import unit_list


@login_required
def area_index(request):
    """The roots of the user's tree; with a name or level filter, a flat list instead."""
    q = text_param(request, "q")
    level = text_param(request, "level", 16)
    context = {
        "title": _("区域"),
        "filter_form": filter_form(AreaFilterForm, request),
        "results_template": "areas/_area_results.html",
    }
    if q or level:
        context["page_obj"] = paginate(request, area_list(user=request.user, q=q, level=level))
    else:
        context["nodes"] = [area_node(a) for a in area_roots(user=request.user).order_by("code")]
    return render_list(request, "core/list_page.html", "areas/_area_results.html", context)


def _roads(user, area):
    return address_list(user=user, area=area.code, level=AddressLevel.ROAD).order_by("code")


@login_required
def area_children(request, pk: int):
    """One level of the walk, as an HTMX fragment: sub-areas, and for a collection grid its roads."""
    area = get_or_404(select_area, user=request.user, pk=pk)
    nodes = [area_node(a) for a in area_list(user=request.user, parent=area.pk).order_by("code")]
    if area.level == AreaLevel.GRID:
        nodes += [address_node(a) for a in _roads(request.user, area)]
    return render_nodes(request, nodes)


@login_required
def area_detail(request, pk: int):
    user = request.user
    area = get_or_404(select_area, user=user, pk=pk)
    children = [area_node(a) for a in area_list(user=user, parent=area.pk).order_by("code")]
    roads = [address_node(a) for a in _roads(user, area)] if area.level == AreaLevel.GRID else []
    counts = [
        (_("实有人口"), person_list(user=user, area=area.code).count(), reverse("people:list")),
        (_("实有房屋"), house_list(user=user, area=area.code, current=True).count(), reverse("housing:list")),
        (
            _("标准地址"),
            address_list(user=user, area=area.code, current=True).count(),
            reverse("addresses:list"),
        ),
        (_("实有单位"), unit_list(user=user, area=area.code, current=True).count(), reverse("units:list")),
    ]
    police_grids = police_grid_list(user=user).filter(grids=area) if area.level == AreaLevel.GRID else []
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "rows": field_rows(area, ["code", "name", "level", "kind"], user=user),
            "children": children,
            "roads": roads,
            "counts": counts,
            "police_grids": police_grids,
            "breadcrumbs": area_crumbs(user, area),
        },
    )


@login_required
def area_edit(request, pk: int):
    area = get_or_404(select_area, user=request.user, pk=pk)

    def save(**fields):
        return area_update(area=area, **fields)

    return edit_page(
        request,
        record=area,
        form_class=AreaForm,
        service=save,
        title=_("修改区域"),
        success_url=reverse("areas:detail", args=[area.pk]),
        breadcrumbs=area_crumbs(request.user, area),
        # The tree is the skeleton of every scope: only admins reshape it (the service insists too).
        permission=require_manager,
    )
