"""Reads of the area tree, always from the user's scope."""

from django.db.models import Prefetch, QuerySet

from wangge.areas.models import Area, PoliceGrid
from wangge.core.selectors import clean_query, within_area


def area_list(*, user, q: str = "", level: str = "", parent: int | None = None, area: str = "") -> QuerySet:
    areas = within_area(Area.objects.visible_to(user), area)
    q = clean_query(q)
    if q:
        areas = areas.filter(name__contains=q)
    level = clean_query(level, 16)
    if level:
        areas = areas.filter(level=level)
    if parent is not None:
        areas = areas.filter(parent_id=parent)
    return areas


def area_detail(*, user, pk: int) -> Area:
    return Area.objects.visible_to(user).get(pk=pk)


def area_roots(*, user) -> QuerySet:
    """The top of what the user may walk: their assigned areas (or, for police, the grids they cover)."""
    visible = Area.objects.visible_to(user)
    return visible.exclude(parent__in=visible.values("pk"))


def police_grid_list(*, user) -> QuerySet:
    # A police grid may cover grids outside the user's scope; only the visible ones come along.
    visible_grids = Area.objects.visible_to(user).order_by("code")
    return (
        PoliceGrid.objects.visible_to(user)
        .select_related("office__station")
        .prefetch_related(Prefetch("grids", queryset=visible_grids))
    )


def area_ancestors(*, user, area: Area) -> QuerySet:
    """The visible part of the path from the district down to the area's parent (for breadcrumbs)."""
    return Area.objects.visible_to(user).filter(pk__in=area.ancestors().values("pk")).order_by("code")
