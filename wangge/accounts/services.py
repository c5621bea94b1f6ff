"""Writes to accounts: users, their assignments and grid teams, all audited like the register.

The rules that keep anyone from handing out more than they hold live here, so the web UI, the API and
commands enforce the same ones: a manager acts only on accounts at or below their own rank, grants only
roles at or below it, and only areas and police grids inside their own scope.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.models import Assignment, Team, TeamMember, User
from wangge.accounts.roles import can_manage_users, role_rank
from wangge.accounts.selectors import grantable_police_grids
from wangge.areas.models import Area, AreaLevel, PoliceGrid
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction
from wangge.core.services import create_record, record_change, require, update_record

USER_FIELDS = {"name", "role", "phone", "is_party_member", "email"}


def _require_manager(actor: Actor, *, of: User | None = None, grants_role: str | None = None) -> None:
    """System actors (commands, the demo) may do anything; people only within their rank."""
    if actor.user is None:
        return
    require(actor, can_manage_users(actor.user))
    own = role_rank(actor.user.role)
    if of is not None and of.pk != actor.user.pk and role_rank(of.role) < own:
        raise PermissionDenied(_("您的角色无权执行此操作。"))
    if grants_role is not None and role_rank(grants_role) < own:
        raise ValidationError({"role": [_("不能授予高于自己的角色。")]})


def _require_grantable(
    actor: Actor, *, area: Area | None = None, police_grid: PoliceGrid | None = None
) -> None:
    """Granting an area or police grid outside one's own scope reads as "not found"."""
    if actor.user is None:
        return
    if area is not None and not Area.objects.visible_to(actor.user).filter(pk=area.pk).exists():
        raise ValidationError({"areas": [_("所选记录不存在。")]})
    if (
        police_grid is not None
        and not grantable_police_grids(user=actor.user).filter(pk=police_grid.pk).exists()
    ):
        raise ValidationError({"police_grids": [_("所选记录不存在。")]})


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, password: str, role: str, areas=(), police_grids=(), **fields
) -> User:
    """A new account always gets somewhere to work: without an assignment it would see nothing."""
    _require_manager(actor, grants_role=role)
    if not areas and not police_grids:
        raise ValidationError({"areas": [_("请至少指定一个任职区域或警格。")]})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [_("该用户名已被使用。")]})
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user = User(username=username, role=role, **{k: v for k, v in fields.items() if k in USER_FIELDS})
    user.set_password(password)
    user.full_clean()
    user.save()
    record_change(
        actor=actor,
        instance=user,
        action=ChangeAction.CREATE,
        changes={"username": [None, username], "role": [None, role]},
    )
    for area in areas:
        assignment_add(actor=actor, user=user, area=area)
    for police_grid in police_grids:
        assignment_add(actor=actor, user=user, police_grid=police_grid)
    return user


@transaction.atomic
def user_update(*, actor: Actor, user: User, **fields) -> dict:
    fields = {k: v for k, v in fields.items() if k in USER_FIELDS}
    role_changes = "role" in fields and fields["role"] != user.role
    _require_manager(actor, of=user, grants_role=fields["role"] if role_changes else None)
    if role_changes and actor.user is not None and actor.user.pk == user.pk:
        # An admin who demotes themselves cannot undo it.
        raise ValidationError({"role": [_("不能修改自己的角色。")]})
    return update_record(user, actor=actor, fields=fields, exclude_from_clean=["password"])


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User, reason: str) -> dict:
    """Accounts are never deleted; a disabled one can no longer log in or use its tokens."""
    _require_manager(actor, of=user)
    if actor.user is not None and actor.user.pk == user.pk:
        raise ValidationError({"user": [_("不能停用自己的账号。")]})
    if not user.is_active:
        raise ValidationError({"user": [_("该账号已停用。")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写停用原因。")]})
    user.api_tokens.all().delete()
    return update_record(
        user,
        actor=actor,
        fields={"is_active": False},
        action=ChangeAction.END,
        reason=reason,
        exclude_from_clean=["password"],
    )


@transaction.atomic
def assignment_add(
    *, actor: Actor, user: User, area: Area | None = None, police_grid: PoliceGrid | None = None
) -> Assignment:
    _require_manager(actor, of=user)
    _require_grantable(actor, area=area, police_grid=police_grid)
    return create_record(Assignment, actor=actor, user=user, area=area, police_grid=police_grid)


@transaction.atomic
def team_add_member(
    *, actor: Actor, grid: Area, kind: str, name: str, user: User | None = None, phone: str = ""
) -> TeamMember:
    if grid.level != AreaLevel.GRID:
        raise ValidationError({"grid": [_("工作小组只设在采集网格。")]})
    team, _created = Team.objects.get_or_create(grid=grid)
    return create_record(TeamMember, actor=actor, team=team, kind=kind, name=name, user=user, phone=phone)
