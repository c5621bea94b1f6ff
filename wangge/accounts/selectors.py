"""Reads of accounts: colleagues inside the user's scope, and the teams of the grids they can see."""

from django.db.models import F, Prefetch, QuerySet

from wangge.accounts.models import Assignment, TeamMember, User
from wangge.core.selectors import clean_query, current_only, text_q


def assignments_newest_first() -> Prefetch:
    """A user's assignments in one query: current ones first, then the ended ones, most recently ended first."""
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.select_related("area", "police_grid").order_by(
            F("ended_on").desc(nulls_first=True), "pk"
        ),
    )


def user_list(*, user, q: str = "", role: str = "") -> QuerySet:
    users = User.objects.visible_to(user)
    q = clean_query(q)
    if q:
        users = users.filter(text_q(q, "username", "name"))
    role = clean_query(role, 32)
    if role:
        users = users.filter(role=role)
    return users.prefetch_related(assignments_newest_first()).order_by("username")


def user_detail(*, user, pk: int) -> User:
    return User.objects.visible_to(user).prefetch_related(assignments_newest_first()).get(pk=pk)


def assignment_detail(*, account: User, pk: int) -> Assignment:
    """One assignment of an account already opened through user_detail (so already in scope)."""
    return Assignment.objects.select_related("user", "area", "police_grid").get(user=account, pk=pk)


def grantable_police_grids(*, user) -> QuerySet:
    """Current police grids whose every collection grid lies inside the user's scope: the ones they may assign
    to someone. A police grid may reach across streets; granting one must not widen anyone's view past the
    granter's own."""
    from wangge.accounts.scope import visible_grid_ids
    from wangge.areas.models import PoliceGrid

    coverage = PoliceGrid.grids.through.objects
    reaching_out = coverage.exclude(area__in=visible_grid_ids(user)).values("policegrid_id")
    return PoliceGrid.objects.visible_to(user).filter(ended_on__isnull=True).exclude(pk__in=reaching_out)


# --- teams -------------------------------------------------------------------------------------------------


def team_member_list(*, user, grid=None, current: bool | None = None) -> QuerySet:
    """Members in scope; current ones first, by kind (auxiliary police, grid worker, volunteers)."""
    members = TeamMember.objects.visible_to(user)
    if grid is not None:
        members = members.filter(team__grid=grid)
    return (
        current_only(members, current)
        .select_related("team__grid", "user")
        .order_by(F("ended_on").desc(nulls_first=True), "kind", "joined_on", "pk")
    )


def team_member_detail(*, user, pk: int) -> TeamMember:
    return TeamMember.objects.visible_to(user).select_related("team__grid", "user").get(pk=pk)


def team_member_candidates(*, user) -> QuerySet:
    """Accounts a team member may be linked to: active colleagues inside the user's scope."""
    return User.objects.visible_to(user).filter(is_active=True).order_by("username")
