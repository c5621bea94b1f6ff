"""Where a user may look: the collection grids inside their current assignments. Every read scopes through here.

Computed afresh on every call, so an assignment that ends takes its areas away at the next request, whether
that request carries a session or an API token issued before.
"""

from contextlib import contextmanager

from django.db.models import Q, QuerySet

from wangge.areas.models import Area, AreaLevel


def visible_area_q(user) -> Q:
    """Areas inside the user's area subtrees, plus the collection grids their police grids cover."""
    q = Q(pk__in=[])
    for assignment in user.assignments.current().select_related("area"):
        if assignment.area_id:
            q |= Q(code__startswith=assignment.area.code)
        else:
            q |= Q(police_grids=assignment.police_grid_id)
    return q


def visible_grid_ids(user) -> QuerySet:
    """A subquery of collection-grid ids; the database joins it, so it stays cheap at any scale."""
    if not user.is_authenticated or not user.is_active:
        return Area.objects.none().values("pk")
    held = getattr(user, "held_grid_ids", None)
    if held is not None:
        return Area.objects.filter(pk__in=held).values("pk")
    return Area.objects.filter(visible_area_q(user), level=AreaLevel.GRID).values("pk")


def grid_visible(user, grid_id) -> bool:
    held = getattr(user, "held_grid_ids", None)
    if held is not None:
        return grid_id in held
    return visible_grid_ids(user).filter(pk=grid_id).exists()


@contextmanager
def scope_held(user, grid_ids=None):
    """Read the scope once for a request that asks it many times (a sync push of 100 changes, a pull).

    Only for the length of that request: the next one reads the assignments afresh. `grid_ids`: the ids of
    visible_grid_ids(user) when the caller has just read them anyway.
    """
    if getattr(user, "held_grid_ids", None) is not None or not user.is_authenticated:
        yield
        return
    if grid_ids is None:
        grid_ids = visible_grid_ids(user).values_list("pk", flat=True)
    user.held_grid_ids = frozenset(grid_ids)
    try:
        yield
    finally:
        del user.held_grid_ids
