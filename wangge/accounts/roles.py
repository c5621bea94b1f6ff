"""Roles and what each may do. The scope (which records) comes from assignments; this says which actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    STREET_ADMIN = "street_admin", _("街道管理员")
    COMMUNITY_ADMIN = "community_admin", _("社区管理员")
    GRID_CHIEF = "grid_chief", _("网格长")
    DEPUTY_GRID_CHIEF = "deputy_grid_chief", _("副网格长")
    GRID_MANAGER = "grid_manager", _("网格管理员")
    GRID_WORKER = "grid_worker", _("网格员")
    INFORMANT = "informant", _("信息员")
    POLICE_OFFICER = "police_officer", _("社区民警")
    DEPARTMENT_STAFF = "department_staff", _("部门工作人员")
    VIEWER = "viewer", _("只读用户")


ADMIN_ROLES = {Role.DISTRICT_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_ADMIN}
# Who may see an ID number or phone in full (each time recorded): those who must act on the person.
REVEAL_ROLES = ADMIN_ROLES | {Role.POLICE_OFFICER, Role.GRID_CHIEF}
READ_ONLY_ROLES = {Role.DEPARTMENT_STAFF, Role.VIEWER}
# Who may look for duplicates and merge or reject them: a merge rewires people, houses and codes across grids,
# so it is decided at community level or above (community, street and district admins), within their scope.
MERGE_ROLES = ADMIN_ROLES
# Who may change a grid's team (入户工作小组): admins, and the grid chief, who leads the teams of the grids in
# their big grid ("定编定员"). Grid workers and everyone else see the team but do not staff it.
TEAM_ROLES = ADMIN_ROLES | {Role.GRID_CHIEF}


# Lower is higher: a manager hands out roles at or below their own level and manages accounts at or below it.
ROLE_RANK = {Role.DISTRICT_ADMIN: 0, Role.STREET_ADMIN: 1, Role.COMMUNITY_ADMIN: 2}
OTHER_RANK = 3


def role_rank(role: str) -> int:
    return ROLE_RANK.get(role, OTHER_RANK)


def _role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def can_reveal(user) -> bool:
    return _role(user) in REVEAL_ROLES


def can_edit(user) -> bool:
    role = _role(user)
    return role is not None and role not in READ_ONLY_ROLES


def can_manage_users(user) -> bool:
    return _role(user) in ADMIN_ROLES


def can_manage_teams(user) -> bool:
    return _role(user) in TEAM_ROLES


def can_review_merges(user) -> bool:
    return _role(user) in MERGE_ROLES
