"""Staff accounts: colleagues in the user's scope; admins create them, change roles, assign areas, disable."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.accounts.forms import AssignmentForm, UserCreateForm, UserFilterForm, UserForm
from wangge.accounts.models import User
from wangge.accounts.roles import role_rank
from wangge.accounts.selectors import user_detail as select_user
from wangge.accounts.selectors import user_list
from wangge.accounts.services import assignment_add, user_update
from wangge.accounts.services import user_create as create_user
from wangge.accounts.services import user_deactivate as deactivate_user
from wangge.core.views import (
    actor,
    apply_errors,
    bound,
    edit_page,
    end_page,
    field_rows,
    filter_form,
    get_or_404,
    paginate,
    render_list,
    require_manager,
    text_param,
)

DETAIL_FIELDS = ["username", "name", "role", "phone", "email", "is_party_member", "is_active"]


def list_crumbs():
    return [(_("用户"), reverse("accounts:list"))]


def user_crumbs(account):
    return [*list_crumbs(), (str(account), reverse("accounts:detail", args=[account.pk]))]


def get_account(request, pk: int) -> User:
    """A colleague in scope; one's own account always opens, even before any assignment."""
    if pk == request.user.pk:
        return request.user
    return get_or_404(select_user, user=request.user, pk=pk)


def require_manager_of(request, account: User) -> None:
    """Managers act on accounts at or below their own level only (the services enforce it too; checking
    first answers 403 before a form is shown)."""
    require_manager(request)
    if role_rank(account.role) < role_rank(request.user.role):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


@login_required
def user_index(request):
    users = user_list(user=request.user, q=text_param(request, "q"), role=text_param(request, "role", 32))
    context = {
        "title": _("用户"),
        "filter_form": filter_form(UserFilterForm, request),
        "results_template": "accounts/_user_results.html",
        "page_obj": paginate(request, users),
    }
    from wangge.accounts.roles import can_manage_users

    if can_manage_users(request.user):
        context.update(create_url=reverse("accounts:create"), create_label=_("新增用户"))
    return render_list(request, "core/list_page.html", "accounts/_user_results.html", context)


@login_required
def user_detail(request, pk: int):
    account = get_account(request, pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "rows": field_rows(account, DETAIL_FIELDS, user=request.user),
            "assignments": account.assignments.select_related("area", "police_grid"),
            "breadcrumbs": user_crumbs(account),
        },
    )


@login_required
def user_create(request):
    require_manager(request)
    manager = request.user
    form = UserCreateForm(bound(request), manager=manager)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = create_user(
                actor=actor(request),
                password=data["password"],
                areas=[data["area"]] if data.get("area") else [],
                police_grids=[data["police_grid"]] if data.get("police_grid") else [],
                **form.user_fields(),
            )
        except ValidationError as exc:
            apply_errors(form, exc, {"user": None})
        else:
            messages.success(request, _("已新增用户。"))
            return redirect("accounts:detail", account.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("新增用户"),
            "form": form,
            "submit_label": _("保存"),
            "cancel_url": reverse("accounts:list"),
            "breadcrumbs": [*list_crumbs(), (_("新增用户"), "")],
        },
    )


@login_required
def user_edit(request, pk: int):
    account = get_account(request, pk)

    def save(**fields):
        return user_update(user=account, **fields)

    return edit_page(
        request,
        record=account,
        form_class=UserForm,
        form_kwargs={"manager": request.user},
        service=save,
        title=_("修改用户"),
        success_url=reverse("accounts:detail", args=[account.pk]),
        breadcrumbs=user_crumbs(account),
        permission=lambda req: require_manager_of(req, account),
        versioned=False,
    )


@login_required
def user_deactivate(request, pk: int):
    account = get_account(request, pk)

    def deactivate(*, actor, reason):
        return deactivate_user(actor=actor, user=account, reason=reason)

    return end_page(
        request,
        record=account,
        service=deactivate,
        title=_("停用账号"),
        intro=_("账号不会被删除；停用后不能再登录，接口令牌立即失效。"),
        reason_label=_("停用原因"),
        success_url=reverse("accounts:detail", args=[account.pk]),
        breadcrumbs=user_crumbs(account),
        permission=lambda req: require_manager_of(req, account),
    )


@login_required
def assignment_create(request, pk: int):
    account = get_account(request, pk)
    require_manager_of(request, account)
    form = AssignmentForm(bound(request), manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            assignment_add(
                actor=actor(request),
                user=account,
                area=form.cleaned_data.get("area"),
                police_grid=form.cleaned_data.get("police_grid"),
            )
        except ValidationError as exc:
            apply_errors(form, exc, {"user": None})
        else:
            messages.success(request, _("已添加任职区域。"))
            return redirect("accounts:detail", account.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("添加任职区域"),
            "subject": str(account),
            "form": form,
            "submit_label": _("保存"),
            "cancel_url": reverse("accounts:detail", args=[account.pk]),
            "breadcrumbs": [*user_crumbs(account), (_("添加任职区域"), "")],
        },
    )
