"""Staff accounts: colleagues in the user's scope; admins create them, change roles, assign areas and end
assignments, disable. Grid teams: admins and grid chiefs add, edit and end members of a grid's team."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from wangge.accounts.forms import (
    AssignmentForm,
    TeamMemberCreateForm,
    TeamMemberForm,
    UserCreateForm,
    UserFilterForm,
    UserForm,
)
from wangge.accounts.models import User
from wangge.accounts.roles import can_manage_teams, role_rank
from wangge.accounts.selectors import assignment_detail as select_assignment
from wangge.accounts.selectors import team_member_detail as select_member
from wangge.accounts.selectors import user_detail as select_user
from wangge.accounts.selectors import user_list
from wangge.accounts.services import assignment_add, team_add_member, team_member_update, user_update
from wangge.accounts.services import assignment_end as end_assignment
from wangge.accounts.services import team_member_end as end_member
from wangge.accounts.services import user_create as create_user
from wangge.accounts.services import user_deactivate as deactivate_user
from wangge.areas.models import AreaLevel
from wangge.areas.selectors import area_detail as select_area
from wangge.core.views import (
    actor,
    apply_errors,
    area_crumbs,
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
MEMBER_FIELDS = ["kind", "name", "phone", "user", "joined_on"]


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
            "assignments": account.assignments.select_related("area", "police_grid").order_by(
                F("ended_on").desc(nulls_first=True), "pk"
            ),
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
            apply_errors(form, exc, {"user": None, "areas": "area", "police_grids": "police_grid"})
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


@login_required
def assignment_end(request, pk: int, assignment_pk: int):
    account = get_account(request, pk)
    assignment = get_or_404(select_assignment, account=account, pk=assignment_pk)

    def end(*, actor, reason):
        return end_assignment(actor=actor, assignment=assignment, reason=reason)

    def back() -> str:
        # Ending the last assignment inside one's own scope takes the colleague out of sight: back to the list.
        if User.objects.visible_to(request.user).filter(pk=account.pk).exists() or account == request.user:
            return reverse("accounts:detail", args=[account.pk])
        return reverse("accounts:list")

    return end_page(
        request,
        record=assignment,
        service=end,
        title=_("结束任职区域"),
        intro=_("结束后该用户立即看不到这一范围的记录；任职记录保留，显示结束日期和原因。"),
        reason_label=_("结束原因"),
        # Evaluated only when redirecting, after the service has run.
        success_url=lazy(back, str)(),
        breadcrumbs=user_crumbs(account),
        permission=lambda req: require_manager_of(req, account),
    )


# --- grid teams --------------------------------------------------------------------------------------------


def require_team_manager(request) -> None:
    if not can_manage_teams(request.user):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def team_url(grid) -> str:
    return reverse("areas:detail", args=[grid.pk]) + "#team"


def team_crumbs(user, grid) -> list:
    return [*area_crumbs(user, grid), (_("工作小组"), team_url(grid))]


def member_crumbs(user, member) -> list:
    return [
        *team_crumbs(user, member.team.grid),
        (member.name, reverse("accounts:team_member_detail", args=[member.pk])),
    ]


@login_required
def team_member_create(request, grid_pk: int):
    grid = get_or_404(select_area, user=request.user, pk=grid_pk)
    if grid.level != AreaLevel.GRID:
        raise Http404(_("记录不存在。"))
    require_team_manager(request)
    form = TeamMemberCreateForm(bound(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            team_add_member(actor=actor(request), grid=grid, **form.changes())
        except ValidationError as exc:
            apply_errors(form, exc, {"grid": None})
        else:
            messages.success(request, _("已添加小组成员。"))
            return redirect(team_url(grid))
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("添加小组成员"),
            "subject": _("%(grid)s 工作小组") % {"grid": grid.name},
            "form": form,
            "submit_label": _("保存"),
            "cancel_url": team_url(grid),
            "breadcrumbs": [*team_crumbs(request.user, grid), (_("添加小组成员"), "")],
        },
    )


@login_required
def team_member_detail(request, pk: int):
    member = get_or_404(select_member, user=request.user, pk=pk)
    rows = field_rows(member, MEMBER_FIELDS, user=request.user)
    if member.user_id and User.objects.visible_to(request.user).filter(pk=member.user_id).exists():
        rows[MEMBER_FIELDS.index("user")].url = reverse("accounts:detail", args=[member.user_id])
    return render(
        request,
        "accounts/team_member_detail.html",
        {
            "member": member,
            "rows": rows,
            "may_manage": can_manage_teams(request.user),
            "team_url": team_url(member.team.grid),
            "breadcrumbs": member_crumbs(request.user, member),
        },
    )


@login_required
def team_member_edit(request, pk: int):
    member = get_or_404(select_member, user=request.user, pk=pk)

    def save(**fields):
        return team_member_update(member=member, **fields)

    return edit_page(
        request,
        record=member,
        form_class=TeamMemberForm,
        form_kwargs={"user": request.user},
        service=save,
        title=_("修改小组成员"),
        success_url=reverse("accounts:team_member_detail", args=[member.pk]),
        breadcrumbs=member_crumbs(request.user, member),
        aliases={"ended_on": None, "grid": None},
        permission=require_team_manager,
    )


@login_required
def team_member_end(request, pk: int):
    member = get_or_404(select_member, user=request.user, pk=pk)

    def end(*, actor, reason, on=None):
        return end_member(actor=actor, member=member, reason=reason, left_on=on)

    return end_page(
        request,
        record=member,
        service=end,
        title=_("离开小组"),
        intro=_("成员离开后仍保留在小组名单的“已离开”一栏，显示离开日期和原因。"),
        with_date=True,
        date_label=_("离开日期"),
        reason_label=_("离开原因"),
        success_url=reverse("accounts:team_member_detail", args=[member.pk]),
        breadcrumbs=member_crumbs(request.user, member),
        permission=require_team_manager,
    )
