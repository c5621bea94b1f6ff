"""Actual units and who works there: list, detail with staff, create on an address, edit, end, reveal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.addresses.selectors import address_detail as select_address
from wangge.addresses.selectors import address_list
from wangge.core.masking import mask_id_number
from wangge.core.views import (
    actor,
    address_crumbs,
    apply_errors,
    bound,
    edit_page,
    end_page,
    field_rows,
    filter_form,
    get_or_404,
    optional_from_query,
    paginate,
    picker,
    render_list,
    require_editor,
    revealer,
    status_param,
    text_param,
    unit_tabs,
)
from wangge.housing.views import visible_person_ids
from wangge.people.selectors import person_detail as select_person
from wangge.people.selectors import person_list
from wangge.units.forms import (
    EmploymentCreateForm,
    EmploymentFilterForm,
    EmploymentForm,
    UnitCreateForm,
    UnitFilterForm,
    UnitForm,
)
from wangge.units.selectors import employment_detail as select_employment
from wangge.units.selectors import employment_list, unit_list
from wangge.units.selectors import unit_detail as select_unit
from wangge.units.services import employment_create as create_employment
from wangge.units.services import employment_end as end_employment
from wangge.units.services import employment_update, unit_update
from wangge.units.services import unit_create as create_unit
from wangge.units.services import unit_end as end_unit

DETAIL_FIELDS = ["name", "kind", "credit_code", "contact_name", "contact_phone", "staff_count"]


def unit_crumbs(user, unit):
    return [*address_crumbs(user, unit.address), (unit.name, reverse("units:detail", args=[unit.pk]))]


def employment_crumbs(user, employment):
    return [
        (_("从业登记"), reverse("units:employment_list")),
        (str(employment.person), reverse("units:employment_detail", args=[employment.pk])),
    ]


# --- units ------------------------------------------------------------------------------------------------


@login_required
def unit_index(request):
    units = unit_list(
        user=request.user,
        q=text_param(request, "q"),
        area=text_param(request, "area", 18),
        kind=text_param(request, "kind", 32),
        current=status_param(request),
    )
    context = {
        "title": _("实有单位"),
        "filter_form": filter_form(UnitFilterForm, request, user=request.user),
        "tabs": unit_tabs(),
        "results_template": "units/_unit_results.html",
        "page_obj": paginate(request, units),
        "create_url": reverse("units:create"),
        "create_label": _("新增单位"),
    }
    return render_list(request, "core/list_page.html", "units/_unit_results.html", context)


@login_required
def unit_detail(request, pk: int, revealed: dict | None = None):
    user = request.user
    unit = get_or_404(select_unit, user=user, pk=pk)
    employments = list(employment_list(user=user, unit=unit.pk))
    return render(
        request,
        "units/unit_detail.html",
        {
            "unit": unit,
            "rows": field_rows(
                unit, DETAIL_FIELDS, user=user, reveal_url_name="units:reveal", revealed=revealed
            ),
            "current": [e for e in employments if e.ended_on is None],
            "past": [e for e in employments if e.ended_on is not None],
            "linkable": visible_person_ids(user, {e.person_id for e in employments}),
            "breadcrumbs": unit_crumbs(user, unit),
        },
    )


unit_reveal = revealer(select_unit, unit_detail)


@login_required
def unit_create(request):
    user = request.user
    address = optional_from_query(request, "address", select_address)
    require_editor(request)
    crumbs = [(_("实有单位"), reverse("units:list")), (_("新增单位"), "")]
    if address is None:
        return render(
            request,
            "core/form_page.html",
            {
                "title": _("新增单位"),
                "breadcrumbs": crumbs,
                "picker": picker(
                    request,
                    title=_("选择单位所在的标准地址"),
                    placeholder=_("输入地址，如“海沧路8号”"),
                    param="address",
                    search=lambda q: address_list(user=user, q=q, current=True),
                    describe=lambda a: (a.full_text, a.get_level_display()),
                    keep={},
                ),
            },
        )
    form = UnitCreateForm(bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            unit = create_unit(actor=actor(request), address=address, **form.changes())
        except ValidationError as exc:
            apply_errors(form, exc, {"address": None})
        else:
            messages.success(request, _("已新增单位。"))
            return redirect("units:detail", unit.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("新增单位"),
            "subject": _("标准地址：%(a)s") % {"a": address.full_text},
            "form": form,
            "submit_label": _("保存"),
            "cancel_url": reverse("addresses:detail", args=[address.pk]),
            "breadcrumbs": [*address_crumbs(user, address), (_("新增单位"), "")],
        },
    )


@login_required
def unit_edit(request, pk: int):
    unit = get_or_404(select_unit, user=request.user, pk=pk)

    def save(**fields):
        return unit_update(unit=unit, **fields)

    return edit_page(
        request,
        record=unit,
        form_class=UnitForm,
        service=save,
        title=_("修改单位"),
        success_url=reverse("units:detail", args=[unit.pk]),
        breadcrumbs=unit_crumbs(request.user, unit),
    )


@login_required
def unit_end(request, pk: int):
    unit = get_or_404(select_unit, user=request.user, pk=pk)

    def end(**kwargs):
        return end_unit(unit=unit, **kwargs)

    return end_page(
        request,
        record=unit,
        service=end,
        title=_("注销单位"),
        intro=_("单位注销时，其在职人员的从业登记一并结束。记录仍保留。"),
        success_url=reverse("units:detail", args=[unit.pk]),
        breadcrumbs=unit_crumbs(request.user, unit),
    )


# --- employments ------------------------------------------------------------------------------------------


@login_required
def employment_index(request):
    employments = employment_list(
        user=request.user, area=text_param(request, "area", 18), current=status_param(request)
    )
    context = {
        "title": _("从业登记"),
        "filter_form": filter_form(EmploymentFilterForm, request, user=request.user),
        "tabs": unit_tabs(),
        "results_template": "units/_employment_results.html",
        "page_obj": paginate(request, employments),
        "create_url": reverse("units:employment_create"),
        "create_label": _("登记从业"),
    }
    return render_list(request, "core/list_page.html", "units/_employment_results.html", context)


@login_required
def employment_detail(request, pk: int):
    user = request.user
    employment = get_or_404(select_employment, user=user, pk=pk)
    return render(
        request,
        "units/employment_detail.html",
        {
            "employment": employment,
            "rows": field_rows(employment, ["position", "hired_on"], user=user),
            "person_visible": person_list(user=user).filter(pk=employment.person_id).exists(),
            "breadcrumbs": employment_crumbs(user, employment),
        },
    )


@login_required
def employment_create(request):
    """Someone starts working at a unit; person and unit come from the linking page, or a search."""
    user = request.user
    person = optional_from_query(request, "person", select_person)
    unit = optional_from_query(request, "unit", select_unit)
    require_editor(request)
    keep = {"person": person.pk if person else "", "unit": unit.pk if unit else ""}
    chosen = []
    if person:
        chosen.append(_("人员：%(p)s（%(id)s）") % {"p": person.name, "id": mask_id_number(person.id_number)})
    if unit:
        chosen.append(_("单位：%(u)s") % {"u": unit.name})
    context = {
        "title": _("登记从业"),
        "subject": "；".join(chosen),
        "breadcrumbs": [(_("从业登记"), reverse("units:employment_list")), (_("登记从业"), "")],
        "cancel_url": reverse("people:detail", args=[person.pk])
        if person
        else reverse("units:detail", args=[unit.pk])
        if unit
        else reverse("units:employment_list"),
    }
    if unit is None:
        context["picker"] = picker(
            request,
            title=_("选择单位"),
            placeholder=_("单位名称、信用代码、地址"),
            param="unit",
            search=lambda q: unit_list(user=user, q=q, current=True),
            describe=lambda u: (u.name, u.address.full_text),
            keep=keep,
        )
        return render(request, "core/form_page.html", context)
    if person is None:
        context["picker"] = picker(
            request,
            title=_("选择人员"),
            placeholder=_("姓名、拼音首字母、证件号、电话"),
            param="person",
            search=lambda q: person_list(user=user, q=q),
            describe=lambda p: (p.name, f"{mask_id_number(p.id_number)} · {p.grid.name}"),
            keep=keep,
        )
        return render(request, "core/form_page.html", context)
    form = EmploymentCreateForm(bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            employment = create_employment(actor=actor(request), person=person, unit=unit, **form.changes())
        except ValidationError as exc:
            apply_errors(form, exc, {"person": None, "unit": None})
        else:
            messages.success(request, _("已登记从业。"))
            return redirect("units:employment_detail", employment.pk)
    context.update(form=form, submit_label=_("保存"))
    return render(request, "core/form_page.html", context)


@login_required
def employment_edit(request, pk: int):
    employment = get_or_404(select_employment, user=request.user, pk=pk)

    def save(**fields):
        return employment_update(employment=employment, **fields)

    return edit_page(
        request,
        record=employment,
        form_class=EmploymentForm,
        service=save,
        title=_("修改从业登记"),
        success_url=reverse("units:employment_detail", args=[employment.pk]),
        breadcrumbs=employment_crumbs(request.user, employment),
    )


@login_required
def employment_end(request, pk: int):
    employment = get_or_404(select_employment, user=request.user, pk=pk)

    def end(**kwargs):
        return end_employment(employment=employment, **kwargs)

    return end_page(
        request,
        record=employment,
        service=end,
        title=_("办理离职"),
        intro=_("从业登记结束后仍保留在记录中。"),
        with_date=True,
        date_label=_("离职日期"),
        reason_label=_("离职原因"),
        success_url=reverse("units:employment_detail", args=[employment.pk]),
        breadcrumbs=employment_crumbs(request.user, employment),
    )
