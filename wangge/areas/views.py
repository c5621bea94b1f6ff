"""The area tree: walk from the user's top areas down to the collection grids and their roads; a grid's team;
and the police overlay (公安警格): stations → offices → police grids, each with detail, edit, end and history."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wangge.accounts.models import Assignment, User
from wangge.accounts.roles import can_manage_teams, can_manage_users
from wangge.accounts.selectors import team_member_list
from wangge.addresses.models import AddressLevel
from wangge.addresses.selectors import address_list
from wangge.areas import services
from wangge.areas.forms import (
    AreaFilterForm,
    AreaForm,
    PoliceFilterForm,
    PoliceGridCreateForm,
    PoliceGridForm,
    PoliceOfficeCreateForm,
    PoliceOfficeForm,
    PoliceStationCreateForm,
    PoliceStationForm,
)
from wangge.areas.models import AreaLevel
from wangge.areas.selectors import area_detail as select_area
from wangge.areas.selectors import (
    area_list,
    area_roots,
    holds_police_record,
    police_grid_detail,
    police_grid_list,
    police_office_detail,
    police_office_list,
    police_station_detail,
    police_station_list,
)
from wangge.areas.services import area_update
from wangge.core.views import (
    Node,
    actor,
    address_node,
    apply_errors,
    area_crumbs,
    area_node,
    bound,
    edit_page,
    end_page,
    field_rows,
    filter_form,
    get_or_404,
    int_param,
    optional_from_query,
    paginate,
    picker,
    render_list,
    render_nodes,
    require_manager,
    text_param,
)
from wangge.housing.selectors import house_list
from wangge.people.selectors import person_list
from wangge.units.selectors import unit_list


def area_tabs() -> list[tuple[str, str]]:
    return [(_("区域"), reverse("areas:list")), (_("公安警格"), reverse("areas:police"))]


@login_required
def area_index(request):
    """The roots of the user's tree; with a name or level filter, a flat list instead."""
    q = text_param(request, "q")
    level = text_param(request, "level", 16)
    context = {
        "title": _("区域"),
        "tabs": area_tabs(),
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
    is_grid = area.level == AreaLevel.GRID
    members = list(team_member_list(user=user, grid=area)) if is_grid else []
    linked = {m.user_id for m in members if m.user_id}
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "rows": field_rows(area, ["code", "name", "level", "kind"], user=user),
            "children": children,
            "roads": roads,
            "counts": counts,
            "police_grids": police_grid_list(user=user, grid=area.pk) if is_grid else [],
            "team": [m for m in members if m.ended_on is None],
            "former_members": [m for m in members if m.ended_on is not None],
            "linkable": set(User.objects.visible_to(user).filter(pk__in=linked).values_list("pk", flat=True)),
            "may_manage_team": can_manage_teams(user),
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


# --- the police overlay 公安警格 ----------------------------------------------------------------------------


def police_crumbs(*records) -> list[tuple[str, str]]:
    crumbs = [(_("区域"), reverse("areas:list")), (_("公安警格"), reverse("areas:police"))]
    for record in records:
        crumbs.append((record.name, police_url(record)))
    return crumbs


def police_url(record) -> str:
    name = {"policestation": "station", "policeoffice": "office", "policegrid": "police_grid"}
    return reverse(f"areas:{name[record._meta.model_name]}_detail", args=[record.pk])


def station_crumbs(station):
    return police_crumbs(station)


def office_crumbs(office):
    return police_crumbs(office.station, office)


def police_grid_crumbs(police_grid):
    return police_crumbs(police_grid.office.station, police_grid.office, police_grid)


def police_node(record, sub: str, children_url: str = "") -> Node:
    return Node(
        label=record.name,
        url=police_url(record),
        sub=sub,
        children_url=children_url,
        ended=bool(record.ended_on),
    )


def office_nodes(user, station) -> list[Node]:
    return [
        police_node(o, _("警务室 · %(c)s") % {"c": o.code}, reverse("areas:office_children", args=[o.pk]))
        for o in police_office_list(user=user, station=station.pk)
    ]


def police_grid_nodes(user, office) -> list[Node]:
    return [
        police_node(pg, _("警格 · %(c)s") % {"c": pg.code})
        for pg in police_grid_list(user=user, office=office.pk)
    ]


def require_police_admin(request, record) -> None:
    """Admins change a station, office or police grid only when all of it lies in their scope."""
    require_manager(request)
    if not holds_police_record(user=request.user, record=record):
        raise PermissionDenied(_("该记录有部分范围不在您的管辖区域内，请由上级管理员修改。"))


def may_change(user, record) -> bool:
    return can_manage_users(user) and not record.ended_on and holds_police_record(user=user, record=record)


@login_required
def police_index(request):
    """Stations → offices → police grids as a tree; with a search, a flat list of police grids."""
    user = request.user
    q = text_param(request, "q")
    context = {
        "title": _("公安警格"),
        "tabs": area_tabs(),
        "filter_form": filter_form(PoliceFilterForm, request),
        "results_template": "areas/_police_results.html",
    }
    if q:
        context["page_obj"] = paginate(request, police_grid_list(user=user, q=q))
    else:
        context["nodes"] = [
            police_node(
                s, _("派出所 · %(c)s") % {"c": s.code}, reverse("areas:station_children", args=[s.pk])
            )
            for s in police_station_list(user=user)
        ]
    if can_manage_users(user) and area_list(user=user, level=AreaLevel.DISTRICT).exists():
        context.update(create_url=reverse("areas:station_create"), create_label=_("新增派出所"))
    return render_list(request, "core/list_page.html", "areas/_police_results.html", context)


@login_required
def station_children(request, pk: int):
    station = get_or_404(police_station_detail, user=request.user, pk=pk)
    return render_nodes(request, office_nodes(request.user, station))


@login_required
def office_children(request, pk: int):
    office = get_or_404(police_office_detail, user=request.user, pk=pk)
    return render_nodes(request, police_grid_nodes(request.user, office))


def police_page(request, record, *, name: str, kind: str, rows, children_title, children, **extra):
    """The detail page of a station, an office or a police grid: fields, what lies under it, and the edit and end
    links for those who may change it (`name`: the URL name prefix, "station", "office", "police_grid")."""
    may = may_change(request.user, record)
    return render(
        request,
        "areas/police_detail.html",
        {
            "record": record,
            "kind": kind,
            "rows": rows,
            "children_title": children_title,
            "children": children,
            "edit_url": reverse(f"areas:{name}_edit", args=[record.pk]) if may else "",
            "end_url": reverse(f"areas:{name}_end", args=[record.pk]) if may else "",
            "breadcrumbs": POLICE_KINDS[name].crumbs(record),
            **extra,
        },
    )


def add_link(user, record, url_name: str, param: str) -> str:
    """Where to add a child under a record still in force, for those who manage accounts."""
    if not can_manage_users(user) or record.ended_on:
        return ""
    return reverse(url_name) + f"?{param}={record.pk}"


@login_required
def station_detail(request, pk: int):
    user = request.user
    station = get_or_404(police_station_detail, user=user, pk=pk)
    rows = field_rows(station, ["code", "name", "district"], user=user)
    if area_list(user=user).filter(pk=station.district_id).exists():
        rows[2].url = reverse("areas:detail", args=[station.district_id])
    return police_page(
        request,
        station,
        name="station",
        kind=_("派出所"),
        rows=rows,
        children_title=_("警务室"),
        children=office_nodes(user, station),
        add_url=add_link(user, station, "areas:office_create", "station"),
        add_label=_("新增警务室"),
    )


@login_required
def office_detail(request, pk: int):
    user = request.user
    office = get_or_404(police_office_detail, user=user, pk=pk)
    rows = field_rows(office, ["code", "name", "station", "community"], user=user)
    rows[2].url = police_url(office.station)
    if office.community_id and area_list(user=user).filter(pk=office.community_id).exists():
        rows[3].url = reverse("areas:detail", args=[office.community_id])
    return police_page(
        request,
        office,
        name="office",
        kind=_("警务室"),
        rows=rows,
        children_title=_("警格"),
        children=police_grid_nodes(user, office),
        add_url=add_link(user, office, "areas:police_grid_create", "office"),
        add_label=_("新增警格"),
    )


@login_required
def police_grid_view(request, pk: int):
    user = request.user
    police_grid = get_or_404(police_grid_detail, user=user, pk=pk)
    rows = field_rows(police_grid, ["code", "name", "office"], user=user)
    rows[2].url = police_url(police_grid.office)
    officers = (
        User.objects.visible_to(user)
        .filter(pk__in=Assignment.objects.current().filter(police_grid=police_grid).values("user_id"))
        .order_by("username")
    )
    may = may_change(user, police_grid)
    return police_page(
        request,
        police_grid,
        name="police_grid",
        kind=_("警格"),
        rows=rows,
        children_title=_("覆盖的采集网格"),
        children=[area_node(g) for g in police_grid.grids.all()],
        officers=officers,
        grids_url=reverse("areas:police_grid_grids", args=[pk]) if may else "",
    )


def create_page(request, *, title: str, form, save, breadcrumbs, cancel_url: str, subject: str = ""):
    """The create pages of the police overlay: the form, then the service; nothing saved unless all is valid."""
    if request.method == "POST" and form.is_valid():
        try:
            record = save(**form.changes())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已新增。"))
            return redirect(police_url(record))
    return render(
        request,
        "core/form_page.html",
        {
            "title": title,
            "subject": subject,
            "form": form,
            "submit_label": _("保存"),
            "cancel_url": cancel_url,
            "breadcrumbs": [*breadcrumbs, (title, "")],
        },
    )


@login_required
def station_create(request):
    require_manager(request)
    return create_page(
        request,
        title=_("新增派出所"),
        form=PoliceStationCreateForm(bound(request), user=request.user),
        save=lambda **fields: services.police_station_create(actor=actor(request), **fields),
        breadcrumbs=police_crumbs(),
        cancel_url=reverse("areas:police"),
    )


@login_required
def office_create(request):
    station = optional_from_query(request, "station", police_station_detail)
    if station is None:
        raise Http404(_("记录不存在。"))
    require_manager(request)
    return create_page(
        request,
        title=_("新增警务室"),
        subject=_("派出所：%(s)s") % {"s": station.name},
        form=PoliceOfficeCreateForm(bound(request), user=request.user, station=station),
        save=lambda **fields: services.police_office_create(actor=actor(request), station=station, **fields),
        breadcrumbs=station_crumbs(station),
        cancel_url=police_url(station),
    )


def grid_picker(request, *, keep: dict, exclude=()):
    """Search the collection grids inside the user's scope (by name, or by code prefix)."""

    def search(q):
        grids = area_list(user=request.user, level=AreaLevel.GRID).exclude(pk__in=list(exclude))
        grids = grids.filter(code__startswith=q) if q.isdigit() else grids.filter(name__contains=q)
        return grids.select_related("parent__parent").order_by("code")

    return picker(
        request,
        title=_("查找采集网格"),
        placeholder=_("网格名称或编码"),
        param="grid",
        search=search,
        describe=lambda g: (g.name, f"{g.parent.parent.name} · {g.code}"),
        keep=keep,
    )


@login_required
def police_grid_create(request):
    """Two steps: pick the first collection grid it covers, then name it (more grids on its coverage page)."""
    office = optional_from_query(request, "office", police_office_detail)
    if office is None:
        raise Http404(_("记录不存在。"))
    require_manager(request)
    grid = optional_from_query(request, "grid", select_area)
    title = _("新增警格")
    breadcrumbs = [*office_crumbs(office), (title, "")]
    if grid is None:
        return render(
            request,
            "core/form_page.html",
            {
                "title": title,
                "subject": _("警务室：%(o)s") % {"o": office.name},
                "intro": _("先选择警格覆盖的第一个采集网格；其余网格可在保存后添加。"),
                "picker": grid_picker(request, keep={"office": office.pk}),
                "breadcrumbs": breadcrumbs,
            },
        )
    return create_page(
        request,
        title=title,
        subject=_("警务室：%(o)s；覆盖网格：%(g)s") % {"o": office.name, "g": grid.name},
        form=PoliceGridCreateForm(bound(request)),
        save=lambda **fields: services.police_grid_create(
            actor=actor(request), office=office, grids=[grid], **fields
        ),
        breadcrumbs=office_crumbs(office),
        cancel_url=police_url(office),
    )


@dataclass(frozen=True)
class PoliceKind:
    """What differs between editing or ending a station, an office and a police grid."""

    detail: Callable
    form_class: type
    update: Callable  # (record, **fields) -> dict
    end: Callable  # (record, *, actor, reason) -> dict
    crumbs: Callable
    edit_title: str
    end_title: str
    end_intro: str


POLICE_KINDS = {
    "station": PoliceKind(
        detail=police_station_detail,
        form_class=PoliceStationForm,
        update=lambda r, **f: services.police_station_update(station=r, **f),
        end=lambda r, **kw: services.police_station_end(station=r, **kw),
        crumbs=station_crumbs,
        edit_title=gettext_lazy("修改派出所"),
        end_title=gettext_lazy("注销派出所"),
        end_intro=gettext_lazy("须先注销其下所有警务室。注销后记录仍保留。"),
    ),
    "office": PoliceKind(
        detail=police_office_detail,
        form_class=PoliceOfficeForm,
        update=lambda r, **f: services.police_office_update(office=r, **f),
        end=lambda r, **kw: services.police_office_end(office=r, **kw),
        crumbs=office_crumbs,
        edit_title=gettext_lazy("修改警务室"),
        end_title=gettext_lazy("注销警务室"),
        end_intro=gettext_lazy("须先注销其下所有警格。注销后记录仍保留。"),
    ),
    "police_grid": PoliceKind(
        detail=police_grid_detail,
        form_class=PoliceGridForm,
        update=lambda r, **f: services.police_grid_update(police_grid=r, **f),
        end=lambda r, **kw: services.police_grid_end(police_grid=r, **kw),
        crumbs=police_grid_crumbs,
        edit_title=gettext_lazy("修改警格"),
        end_title=gettext_lazy("注销警格"),
        end_intro=gettext_lazy("以该警格为任职警格的民警须先结束任职。注销后记录仍保留。"),
    ),
}


@login_required
def police_edit(request, pk: int, kind: str):
    spec = POLICE_KINDS[kind]
    record = get_or_404(spec.detail, user=request.user, pk=pk)
    return edit_page(
        request,
        record=record,
        form_class=spec.form_class,
        service=lambda **fields: spec.update(record, **fields),
        title=spec.edit_title,
        success_url=police_url(record),
        breadcrumbs=spec.crumbs(record),
        permission=lambda req: require_police_admin(req, record),
    )


@login_required
def police_end(request, pk: int, kind: str):
    spec = POLICE_KINDS[kind]
    record = get_or_404(spec.detail, user=request.user, pk=pk)
    return end_page(
        request,
        record=record,
        service=lambda *, actor, reason: spec.end(record, actor=actor, reason=reason),
        title=spec.end_title,
        intro=spec.end_intro,
        success_url=police_url(record),
        breadcrumbs=spec.crumbs(record),
        permission=lambda req: require_police_admin(req, record),
    )


@login_required
def police_grid_grids(request, pk: int):
    """The collection grids a police grid covers: remove one, or find one inside one's scope and add it."""
    police_grid = get_or_404(police_grid_detail, user=request.user, pk=pk)
    require_police_admin(request, police_grid)
    covered = list(police_grid.grids.all())
    adding = optional_from_query(request, "grid", select_area)
    if adding is not None and adding.level != AreaLevel.GRID:
        raise Http404(_("记录不存在。"))
    return render(
        request,
        "areas/police_grid_grids.html",
        {
            "police_grid": police_grid,
            "covered": covered,
            "adding": adding if adding is not None and adding not in covered else None,
            "picker": grid_picker(request, keep={}, exclude=[g.pk for g in covered]),
            "breadcrumbs": [*police_grid_crumbs(police_grid), (_("覆盖的采集网格"), "")],
        },
    )


@login_required
@require_POST
def police_grid_grid_change(request, pk: int, action: str):
    """POST add/remove one collection grid; the service checks the scope and that one grid always remains."""
    police_grid = get_or_404(police_grid_detail, user=request.user, pk=pk)
    require_police_admin(request, police_grid)
    grid = get_or_404(select_area, user=request.user, pk=int_param(request.POST.get("grid")))
    covered = list(police_grid.grids.all())
    if action == "add":
        grids = [*covered, grid]
    elif action == "remove":
        grids = [g for g in covered if g.pk != grid.pk]
    else:
        raise Http404(_("记录不存在。"))
    try:
        services.police_grid_set_grids(actor=actor(request), police_grid=police_grid, grids=grids)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已保存。"))
    return redirect("areas:police_grid_grids", pk)
