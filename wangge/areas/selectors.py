"""Reads of the area tree, always from the user's scope."""

from django.db.models import Prefetch, QuerySet

from wangge.areas.models import Area, PoliceGrid, PoliceOffice, PoliceStation
from wangge.core.selectors import clean_query, current_only, text_q, within_area


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


def police_station_list(*, user, q: str = "", current: bool | None = None) -> QuerySet:
    stations = current_only(PoliceStation.objects.visible_to(user), current)
    q = clean_query(q)
    if q:
        stations = stations.filter(text_q(q, "name", "code"))
    return stations.select_related("district").order_by("code")


def police_station_detail(*, user, pk: int) -> PoliceStation:
    return PoliceStation.objects.visible_to(user).select_related("district").get(pk=pk)


def police_office_list(
    *, user, q: str = "", station: int | None = None, current: bool | None = None
) -> QuerySet:
    offices = current_only(PoliceOffice.objects.visible_to(user), current)
    q = clean_query(q)
    if q:
        offices = offices.filter(text_q(q, "name", "code"))
    if station is not None:
        offices = offices.filter(station_id=station)
    return offices.select_related("station", "community").order_by("code")


def police_office_detail(*, user, pk: int) -> PoliceOffice:
    return PoliceOffice.objects.visible_to(user).select_related("station", "community").get(pk=pk)


def police_grid_list(
    *, user, q: str = "", office: int | None = None, grid: int | None = None, current: bool | None = None
) -> QuerySet:
    # A police grid may cover grids outside the user's scope; only the visible ones come along.
    visible_grids = Area.objects.visible_to(user).order_by("code")
    police_grids = current_only(PoliceGrid.objects.visible_to(user), current)
    q = clean_query(q)
    if q:
        police_grids = police_grids.filter(text_q(q, "name", "code"))
    if office is not None:
        police_grids = police_grids.filter(office_id=office)
    if grid is not None:
        police_grids = police_grids.filter(grids=grid)
    return (
        police_grids.select_related("office__station")
        .prefetch_related(Prefetch("grids", queryset=visible_grids))
        .order_by("code")
    )


def police_grid_detail(*, user, pk: int) -> PoliceGrid:
    return police_grid_list(user=user).get(pk=pk)


def area_ancestors(*, user, area: Area) -> QuerySet:
    """The visible part of the path from the district down to the area's parent (for breadcrumbs)."""
    return Area.objects.visible_to(user).filter(pk__in=area.ancestors().values("pk")).order_by("code")


def _holds(user, area_id: int | None) -> bool:
    return area_id is not None and Area.objects.visible_to(user).filter(pk=area_id).exists()


def _covers_only_visible_grids(user, grids: QuerySet) -> bool:
    from wangge.accounts.scope import visible_grid_ids

    return not grids.exclude(pk__in=visible_grid_ids(user)).exists()


def holds_police_record(*, user, record) -> bool:
    """Whether all of a police station, office or police grid lies inside the user's scope (then an admin may
    change it): a station, when they hold its district; an office or police grid also when they hold every
    collection grid it covers (and, for an office, its community)."""
    if isinstance(record, PoliceStation):
        return _holds(user, record.district_id)
    if isinstance(record, PoliceOffice):
        return _holds(user, record.station.district_id) or (
            _holds(user, record.community_id)
            and _covers_only_visible_grids(user, Area.objects.filter(police_grids__office=record))
        )
    # Not record.grids: a police grid read through police_grid_list carries only its visible grids.
    return _holds(user, record.office.station.district_id) or _covers_only_visible_grids(
        user, Area.objects.filter(police_grids=record)
    )
