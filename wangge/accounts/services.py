"""Writes to accounts: users, their assignments and grid teams, all audited like the register.

The rules that keep anyone from handing out more than they hold live here, so the web UI, the API and
commands enforce the same ones: a manager acts only on accounts at or below their own rank, grants only
roles at or below it, and only areas and police grids inside their own scope. Ending an assignment follows
the same rules as granting it.
"""

import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Assignment, Team, TeamMember, User
from wangge.accounts.roles import can_manage_teams, can_manage_users, role_rank
from wangge.accounts.scope import forget_assignments
from wangge.accounts.selectors import grantable_police_grids
from wangge.areas.models import Area, AreaLevel, PoliceGrid
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction
from wangge.core.services import (
    create_record,
    end_record,
    record_change,
    require,
    require_in_scope,
    update_record,
)
from wangge.people.identity import normalise_phone

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
    actor: Actor,
    *,
    area: Area | None = None,
    police_grid: PoliceGrid | None = None,
    field: str | None = None,
) -> None:
    """Granting (or taking back) an area or police grid outside one's own scope reads as "not found" (on
    `field`, or on the argument that pointed outside)."""
    if actor.user is None:
        return
    if area is not None and not Area.objects.visible_to(actor.user).filter(pk=area.pk).exists():
        raise ValidationError({field or "area": [_("所选记录不存在。")]})
    if (
        police_grid is not None
        and not grantable_police_grids(user=actor.user).filter(pk=police_grid.pk).exists()
    ):
        raise ValidationError({field or "police_grid": [_("所选记录不存在。")]})


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
    try:
        for area in areas:
            assignment_add(actor=actor, user=user, area=area)
        for police_grid in police_grids:
            assignment_add(actor=actor, user=user, police_grid=police_grid)
    except ValidationError as exc:
        # This service takes lists: name them as its caller sent them.
        plural = {"area": "areas", "police_grid": "police_grids"}
        raise ValidationError({plural.get(k, k): v for k, v in exc.message_dict.items()}) from exc
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
    if police_grid is not None and police_grid.ended_on is not None:
        raise ValidationError({"police_grid": [_("该警格已注销。")]})
    current = user.assignments.current()
    if area is not None and current.filter(area=area).exists():
        raise ValidationError({"area": [_("该用户已任职于此区域。")]})
    if police_grid is not None and current.filter(police_grid=police_grid).exists():
        raise ValidationError({"police_grid": [_("该用户已任职于此警格。")]})
    assignment = create_record(Assignment, actor=actor, user=user, area=area, police_grid=police_grid)
    forget_assignments()
    return assignment


@transaction.atomic
def assignment_end(*, actor: Actor, assignment: Assignment, reason: str) -> dict:
    """The user stops working there: from their next request on they no longer see that area.

    The row stays with the day and the reason. An active account keeps at least one current assignment (it
    would see nothing otherwise): add the new one first, or disable the account.
    """
    # Serialises assignment changes of one user, so two admins cannot each end "the other" last assignment.
    user = User.objects.select_for_update().get(pk=assignment.user_id)
    _require_manager(actor, of=user)
    _require_grantable(actor, area=assignment.area, police_grid=assignment.police_grid, field="assignment")
    if assignment.ended_on is not None:
        raise ValidationError({"assignment": [_("该任职区域已于 %(d)s 结束。") % {"d": assignment.ended_on}]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写结束原因。")]})
    if user.is_active and not user.assignments.current().exclude(pk=assignment.pk).exists():
        raise ValidationError(
            {
                "assignment": [
                    _("这是该用户唯一的当前任职区域，不能结束：请先添加新的任职区域，或停用该账号。")
                ]
            }
        )
    result = end_record(assignment, actor=actor, reason=reason)
    forget_assignments()
    return result


# --- grid teams --------------------------------------------------------------------------------------------

TEAM_MEMBER_FIELDS = {"kind", "name", "phone", "user", "joined_on"}


def _require_team_manager(actor: Actor, grid: Area) -> None:
    """Admins and grid chiefs staff the teams of the grids they see; a grid outside reads as "not found"."""
    if actor.user is None:
        return
    require(actor, can_manage_teams(actor.user))
    require_in_scope(actor, grid, "grid")


def _clean_member(actor: Actor, fields: dict) -> dict:
    fields = {k: v for k, v in fields.items() if k in TEAM_MEMBER_FIELDS}
    if "phone" in fields:
        fields["phone"] = normalise_phone(fields["phone"] or "", "phone")
    if fields.get("joined_on") and fields["joined_on"] > timezone.localdate():
        raise ValidationError({"joined_on": [_("加入日期不能在未来。")]})
    account = fields.get("user")
    if account is not None:
        if actor.user is not None and not User.objects.visible_to(actor.user).filter(pk=account.pk).exists():
            raise ValidationError({"user": [_("所选记录不存在。")]})
        if not account.is_active:
            raise ValidationError({"user": [_("该账号已停用。")]})
    return fields


@transaction.atomic
def team_add_member(
    *,
    actor: Actor,
    grid: Area,
    kind: str,
    name: str = "",
    user: User | None = None,
    phone: str = "",
    joined_on: datetime.date | None = None,
) -> TeamMember:
    """A member joins the grid's team; the team itself is made (and recorded) with its first member."""
    if grid.level != AreaLevel.GRID:
        raise ValidationError({"grid": [_("工作小组只设在采集网格。")]})
    _require_team_manager(actor, grid)
    fields = _clean_member(
        actor, {"kind": kind, "name": name, "user": user, "phone": phone, "joined_on": joined_on}
    )
    if not fields["name"] and user is not None:
        fields["name"] = user.name or user.username
    if fields["joined_on"] is None:
        del fields["joined_on"]
    team = Team.objects.filter(grid=grid).first() or create_record(Team, actor=actor, grid=grid)
    return create_record(TeamMember, actor=actor, team=team, **fields)


@transaction.atomic
def team_member_update(
    *, actor: Actor, member: TeamMember, expected_version: int | None = None, **fields
) -> dict:
    """Kind, name, phone, linked account and the day they joined; who left stays as they were."""
    _require_team_manager(actor, member.team.grid)
    if member.ended_on is not None:
        raise ValidationError({"ended_on": [_("该成员已离开小组，不能修改。")]})
    fields = _clean_member(actor, fields)
    if "joined_on" in fields and fields["joined_on"] is None:
        raise ValidationError({"joined_on": [_("请填写加入日期。")]})
    return update_record(member, actor=actor, fields=fields, expected_version=expected_version)


@transaction.atomic
def team_member_end(
    *, actor: Actor, member: TeamMember, reason: str, left_on: datetime.date | None = None
) -> dict:
    """A member leaves the team on a day, with a reason; they stay listed as a former member."""
    _require_team_manager(actor, member.team.grid)
    if member.ended_on is not None:
        raise ValidationError({"ended_on": [_("该成员已于 %(d)s 离开小组。") % {"d": member.ended_on}]})
    left_on = left_on or timezone.localdate()
    if left_on < member.joined_on:
        raise ValidationError({"ended_on": [_("离开日期不能早于加入日期。")]})
    if left_on > timezone.localdate():
        raise ValidationError({"ended_on": [_("离开日期不能在未来。")]})
    return end_record(member, actor=actor, reason=reason, on=left_on)
