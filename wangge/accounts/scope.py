"""Where a user may look: the collection grids inside their current assignments. Every read scopes through here.

Computed afresh on every call, so an assignment that ends takes its areas away at the next request, whether
that request carries a session or an API token issued before.
"""

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
    return Area.objects.filter(visible_area_q(user), level=AreaLevel.GRID).values("pk")
