"""Writes to accounts: users, their assignments and grid teams, all audited like the register."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.models import Assignment, Team, TeamMember, User
from wangge.accounts.roles import can_manage_users
from wangge.areas.models import Area, AreaLevel, PoliceGrid
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction
from wangge.core.services import create_record, record_change, require, update_record

USER_FIELDS = {"name", "role", "phone", "is_party_member", "email"}


def _require_manager(actor: Actor) -> None:
    if actor.user is not None:
        require(actor, can_manage_users(actor.user))


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, password: str, role: str, areas=(), police_grids=(), **fields
) -> User:
    _require_manager(actor)
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
    _require_manager(actor)
    return update_record(
        user,
        actor=actor,
        fields={k: v for k, v in fields.items() if k in USER_FIELDS},
        exclude_from_clean=["password"],
    )


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User, reason: str) -> dict:
    """Accounts are never deleted; a disabled one can no longer log in or use its tokens."""
    _require_manager(actor)
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
    _require_manager(actor)
    return create_record(Assignment, actor=actor, user=user, area=area, police_grid=police_grid)


@transaction.atomic
def team_add_member(
    *, actor: Actor, grid: Area, kind: str, name: str, user: User | None = None, phone: str = ""
) -> TeamMember:
    if grid.level != AreaLevel.GRID:
        raise ValidationError({"grid": [_("工作小组只设在采集网格。")]})
    team, _created = Team.objects.get_or_create(grid=grid)
    return create_record(TeamMember, actor=actor, team=team, kind=kind, name=name, user=user, phone=phone)
