"""Reads of the standard address library, always from the user's scope."""

from django.db.models import QuerySet

from wangge.addresses.models import StandardAddress
from wangge.core.selectors import clean_query, current_only, text_q, within_area


def address_list(
    *,
    user,
    q: str = "",
    area: str = "",
    level: int | None = None,
    parent: int | None = None,
    current: bool | None = None,
) -> QuerySet:
    addresses = current_only(within_area(StandardAddress.objects.visible_to(user), area), current)
    q = clean_query(q)
    if q:
        addresses = addresses.filter(text_q(q, "full_text", "code"))
    if level is not None:
        addresses = addresses.filter(level=level)
    if parent is not None:
        addresses = addresses.filter(parent_id=parent)
    return addresses.select_related("grid")


def address_detail(*, user, pk: int) -> StandardAddress:
    return StandardAddress.objects.visible_to(user).select_related("grid", "parent").get(pk=pk)


def address_ancestors(*, user, address: StandardAddress) -> list[StandardAddress]:
    """The visible addresses from the road down to the parent (for breadcrumbs), in one query: an address code
    is its parent's code plus a segment, so every ancestor's code is a prefix of this one."""
    prefixes = [address.code[:n] for n in range(13, len(address.code))]
    visible = StandardAddress.objects.visible_to(user).filter(code__in=prefixes)
    return list(visible.order_by("level"))
