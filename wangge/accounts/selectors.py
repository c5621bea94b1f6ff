"""Reads of accounts: colleagues inside the user's scope."""

from django.db.models import QuerySet

from wangge.accounts.models import User
from wangge.core.selectors import clean_query, text_q


def user_list(*, user, q: str = "", role: str = "") -> QuerySet:
    users = User.objects.visible_to(user)
    q = clean_query(q)
    if q:
        users = users.filter(text_q(q, "username", "name"))
    role = clean_query(role, 32)
    if role:
        users = users.filter(role=role)
    return users.prefetch_related("assignments__area", "assignments__police_grid").order_by("username")


def user_detail(*, user, pk: int) -> User:
    return (
        User.objects.visible_to(user)
        .prefetch_related("assignments__area", "assignments__police_grid")
        .get(pk=pk)
    )


def grantable_police_grids(*, user) -> QuerySet:
    """Police grids whose every collection grid lies inside the user's scope: the ones they may assign to
    someone. A police grid may reach across streets; granting one must not widen anyone's view past the
    granter's own."""
    from wangge.accounts.scope import visible_grid_ids
    from wangge.areas.models import PoliceGrid

    coverage = PoliceGrid.grids.through.objects
    reaching_out = coverage.exclude(area__in=visible_grid_ids(user)).values("policegrid_id")
    return PoliceGrid.objects.visible_to(user).exclude(pk__in=reaching_out)
