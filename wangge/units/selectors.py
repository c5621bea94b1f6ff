"""Reads of actual units and employments, always from the user's scope."""

from django.db.models import QuerySet

from wangge.core.selectors import clean_query, current_only, text_q, within_area
from wangge.units.models import Employment, Unit


def unit_list(
    *,
    user,
    q: str = "",
    area: str = "",
    kind: str = "",
    current: bool | None = None,
    address: int | None = None,
) -> QuerySet:
    units = current_only(within_area(Unit.objects.visible_to(user), area), current)
    if address is not None:
        units = units.filter(address_id=address)
    q = clean_query(q)
    if q:
        units = units.filter(text_q(q, "name", "credit_code", "address__full_text"))
    kind = clean_query(kind, 32)
    if kind:
        units = units.filter(kind=kind)
    return units.select_related("address", "grid")


def unit_detail(*, user, pk: int) -> Unit:
    return Unit.objects.visible_to(user).select_related("address", "grid").get(pk=pk)


def employment_list(
    *, user, person: int | None = None, unit: int | None = None, area: str = "", current: bool | None = None
) -> QuerySet:
    employments = current_only(within_area(Employment.objects.visible_to(user), area), current)
    if person is not None:
        employments = employments.filter(person_id=person)
    if unit is not None:
        employments = employments.filter(unit_id=unit)
    return employments.select_related("person", "unit")


def employment_detail(*, user, pk: int) -> Employment:
    return Employment.objects.visible_to(user).select_related("person", "unit").get(pk=pk)
