"""Actual population: people (list, search, detail, create, edit, deregister, reveal) and their residences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.core.masking import mask_id_number
from wangge.core.views import (
    actor,
    apply_errors,
    area_crumbs,
    bound,
    date_param,
    edit_page,
    end_page,
    field_rows,
    filter_form,
    get_or_404,
    optional_from_query,
    paginate,
    people_tabs,
    picker,
    render_list,
    require_editor,
    revealer,
    status_param,
    text_param,
)
from wangge.housing.models import House
from wangge.housing.selectors import house_by_code, house_list
from wangge.housing.selectors import house_detail as select_house
from wangge.people.forms import (
    PersonCreateForm,
    PersonFilterForm,
    PersonForm,
    ResidenceCreateForm,
    ResidenceFilterForm,
    ResidenceForm,
)
from wangge.people.selectors import person_detail as select_person
from wangge.people.selectors import person_list, residence_list
from wangge.people.selectors import residence_detail as select_residence
from wangge.people.services import person_create as create_person
from wangge.people.services import person_deregister, person_update, residence_update
from wangge.people.services import residence_create as create_residence
from wangge.people.services import residence_end as end_residence
from wangge.units.selectors import employment_list

PERSON_DETAIL_FIELDS = [
    "name",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "category",
    "status",
    "hukou_address",
    "hukou_division",
]


def person_crumbs(user, person):
    from wangge.areas.models import Area

    grid = Area.objects.visible_to(user).filter(pk=person.grid_id).first()
    base = area_crumbs(user, grid) if grid else [(_("实有人口"), reverse("people:list"))]
    return [*base, (person.name, reverse("people:detail", args=[person.pk]))]


def residence_crumbs(user, residence):
    return [
        (_("居住登记"), reverse("people:residence_list")),
        (str(residence.person), reverse("people:residence_detail", args=[residence.pk])),
    ]


# --- people -----------------------------------------------------------------------------------------------


@login_required
def person_index(request):
    people = person_list(
        user=request.user,
        q=text_param(request, "q"),
        area=text_param(request, "area", 18),
        category=text_param(request, "category", 32),
        status=text_param(request, "status", 32),
        sex=text_param(request, "sex", 32),
        unverified_since=date_param(request, "unverified_since"),
        registered_since=date_param(request, "registered_since"),
    )
    context = {
        "title": _("实有人口"),
        "filter_form": filter_form(PersonFilterForm, request, user=request.user),
        "tabs": people_tabs(),
        "results_template": "people/_person_results.html",
        "page_obj": paginate(request, people),
        "create_url": reverse("people:create"),
        "create_label": _("新增人员"),
    }
    return render_list(request, "core/list_page.html", "people/_person_results.html", context)


@login_required
def person_detail(request, pk: int, revealed: dict | None = None):
    user = request.user
    person = get_or_404(select_person, user=user, pk=pk)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "rows": field_rows(
                person, PERSON_DETAIL_FIELDS, user=user, reveal_url_name="people:reveal", revealed=revealed
            ),
            "residences": residence_list(user=user, person=person.pk),
            "employments": employment_list(user=user, person=person.pk),
            "breadcrumbs": person_crumbs(user, person),
        },
    )


person_reveal = revealer(select_person, person_detail)


@login_required
def person_create(request):
    """A new person in a grid; with a house (?house= or a typed house code) they move in at once."""
    user = request.user
    house = optional_from_query(request, "house", select_house)
    require_editor(request)
    form = PersonCreateForm(bound(request), user=user, house=house)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = house
        if target is None and data.get("house_code"):
            try:
                target = house_by_code(user=user, code=data["house_code"])
            except House.DoesNotExist:
                form.add_error("house_code", _("没有找到该房屋编码。"))
        if not form.errors:
            try:
                # Person and residence stand or fall together: no half-registered person is left behind.
                with transaction.atomic():
                    person = create_person(
                        actor=actor(request),
                        grid=target.grid if target else data["grid"],
                        **form.person_fields(),
                    )
                    if target is not None:
                        create_residence(
                            actor=actor(request),
                            person=person,
                            house=target,
                            relation=data["relation"],
                            started_on=data["started_on"],
                        )
            except ValidationError as exc:
                apply_errors(form, exc, {"house": "house_code", "person": None})
            else:
                messages.success(request, _("已新增人员。"))
                for warning in getattr(person, "warnings", []):
                    messages.warning(request, warning)
                return redirect("people:detail", person.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("新增人员"),
            "subject": _("入住房屋：%(h)s") % {"h": house} if house else "",
            "form": form,
            "submit_label": _("保存"),
            "cancel_url": reverse("housing:detail", args=[house.pk]) if house else reverse("people:list"),
            "breadcrumbs": [(_("实有人口"), reverse("people:list")), (_("新增人员"), "")],
        },
    )


@login_required
def person_edit(request, pk: int):
    person = get_or_404(select_person, user=request.user, pk=pk)

    def save(**fields):
        return person_update(person=person, **fields)

    return edit_page(
        request,
        record=person,
        form_class=PersonForm,
        service=save,
        title=_("修改人员信息"),
        success_url=reverse("people:detail", args=[person.pk]),
        breadcrumbs=person_crumbs(request.user, person),
    )


@login_required
def person_end(request, pk: int):
    person = get_or_404(select_person, user=request.user, pk=pk)

    def end(**kwargs):
        return person_deregister(person=person, **kwargs)

    return end_page(
        request,
        record=person,
        service=end,
        title=_("注销人员"),
        intro=_("注销后此人仍留在登记中，标为“已注销”；其当前居住登记一并结束。"),
        with_date=True,
        success_url=reverse("people:detail", args=[person.pk]),
        breadcrumbs=person_crumbs(request.user, person),
    )


# --- residences -------------------------------------------------------------------------------------------


@login_required
def residence_index(request):
    residences = residence_list(
        user=request.user, area=text_param(request, "area", 18), current=status_param(request)
    )
    context = {
        "title": _("居住登记"),
        "filter_form": filter_form(ResidenceFilterForm, request, user=request.user),
        "tabs": people_tabs(),
        "results_template": "people/_residence_results.html",
        "page_obj": paginate(request, residences),
        "create_url": reverse("people:residence_create"),
        "create_label": _("登记入住"),
    }
    return render_list(request, "core/list_page.html", "people/_residence_results.html", context)


@login_required
def residence_detail(request, pk: int):
    user = request.user
    residence = get_or_404(select_residence, user=user, pk=pk)
    person_visible = person_list(user=user).filter(pk=residence.person_id).exists()
    rows = field_rows(residence, ["relation", "is_primary", "started_on", "source"], user=user)
    return render(
        request,
        "people/residence_detail.html",
        {
            "residence": residence,
            "rows": rows,
            "person_visible": person_visible,
            "breadcrumbs": residence_crumbs(user, residence),
        },
    )


@login_required
def residence_create(request):
    """Someone moves into a house: the person and the house come from the pages that link here, or a search."""
    user = request.user
    person = optional_from_query(request, "person", select_person)
    house = optional_from_query(request, "house", select_house)
    require_editor(request)
    keep = {"person": person.pk if person else "", "house": house.pk if house else ""}
    chosen = []
    if person:
        chosen.append(_("人员：%(p)s（%(id)s）") % {"p": person.name, "id": mask_id_number(person.id_number)})
    if house:
        chosen.append(_("房屋：%(h)s") % {"h": house})
    context = {
        "title": _("登记入住"),
        "subject": "；".join(chosen),
        "breadcrumbs": [(_("居住登记"), reverse("people:residence_list")), (_("登记入住"), "")],
        "cancel_url": reverse("people:detail", args=[person.pk])
        if person
        else reverse("housing:detail", args=[house.pk])
        if house
        else reverse("people:residence_list"),
    }
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
    if house is None:
        context["picker"] = picker(
            request,
            title=_("选择房屋"),
            placeholder=_("地址、房屋编码、房主姓名"),
            param="house",
            search=lambda q: house_list(user=user, q=q, current=True),
            describe=lambda h: (h.address.full_text, h.house_code),
            keep=keep,
        )
        return render(request, "core/form_page.html", context)
    form = ResidenceCreateForm(bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            residence = create_residence(actor=actor(request), person=person, house=house, **form.changes())
        except ValidationError as exc:
            apply_errors(form, exc, {"person": None, "house": None})
        else:
            messages.success(request, _("已登记入住。"))
            return redirect("people:residence_detail", residence.pk)
    context.update(form=form, submit_label=_("保存"))
    return render(request, "core/form_page.html", context)


@login_required
def residence_edit(request, pk: int):
    residence = get_or_404(select_residence, user=request.user, pk=pk)

    def save(**fields):
        return residence_update(residence=residence, **fields)

    return edit_page(
        request,
        record=residence,
        form_class=ResidenceForm,
        service=save,
        title=_("修改居住登记"),
        success_url=reverse("people:residence_detail", args=[residence.pk]),
        breadcrumbs=residence_crumbs(request.user, residence),
    )


@login_required
def residence_end(request, pk: int):
    residence = get_or_404(select_residence, user=request.user, pk=pk)

    def end(**kwargs):
        return end_residence(residence=residence, **kwargs)

    return end_page(
        request,
        record=residence,
        service=end,
        title=_("办理迁出"),
        intro=_("居住登记结束后仍保留在记录中。"),
        with_date=True,
        date_label=_("迁出日期"),
        reason_label=_("迁出原因"),
        success_url=reverse("people:residence_detail", args=[residence.pk]),
        breadcrumbs=residence_crumbs(request.user, residence),
    )
