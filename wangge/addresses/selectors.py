"""Reads of the standard address library, always from the user's scope."""

import datetime

from django.db.models import Case, Exists, OuterRef, QuerySet, When

from wangge.addresses.models import AddressMergeProposal, MergeStatus, StandardAddress
from wangge.collection.models import Visit
from wangge.core.selectors import clean_query, current_only, text_q, within_area


def address_list(
    *,
    user,
    q: str = "",
    area: str = "",
    level: int | None = None,
    parent: int | None = None,
    current: bool | None = None,
    not_visited_since: datetime.date | None = None,
) -> QuerySet:
    """`not_visited_since` keeps the flats (current addresses with no current address under them) that have
    had no visit on or after that day: the drill-down of the progress dashboard's visit rate."""
    addresses = current_only(within_area(StandardAddress.objects.visible_to(user), area), current)
    q = clean_query(q)
    if q:
        addresses = addresses.filter(text_q(q, "full_text", "code"))
    if level is not None:
        addresses = addresses.filter(level=level)
    if parent is not None:
        addresses = addresses.filter(parent_id=parent)
    if not_visited_since:
        inner = StandardAddress.objects.filter(parent=OuterRef("pk"), ended_on__isnull=True)
        visits = Visit.objects.filter(
            address=OuterRef("pk"), visited_at__date__gte=not_visited_since, ended_on__isnull=True
        )
        addresses = addresses.filter(ended_on__isnull=True).exclude(Exists(inner)).exclude(Exists(visits))
    return addresses.select_related("grid")


def address_detail(*, user, pk: int) -> StandardAddress:
    return StandardAddress.objects.visible_to(user).select_related("grid", "parent").get(pk=pk)


def address_ancestors(*, user, address: StandardAddress) -> list[StandardAddress]:
    """The visible addresses from the road down to the parent (for breadcrumbs), in one query: an address code
    is its parent's code plus a segment, so every ancestor's code is a prefix of this one."""
    prefixes = [address.code[:n] for n in range(13, len(address.code))]
    visible = StandardAddress.objects.visible_to(user).filter(code__in=prefixes)
    return list(visible.order_by("level"))


# --- merge proposals: a proposal is visible to whoever sees both of its records ------------------------------


def merge_proposal_list(
    model, *, user, q: str = "", status: str = "", kind: str = "", area: str = ""
) -> QuerySet:
    a, b = model.a_field, model.b_field
    proposals = within_area(model.objects.visible_to(user), area)
    q = clean_query(q)
    if q:
        proposals = proposals.filter(
            text_q(q, *(f"{side}__{f}" for side in (a, b) for f in model.search_fields))
        )
    status = clean_query(status, 16)
    if status:
        proposals = proposals.filter(status=status)
    kind = clean_query(kind, 16)
    if kind:
        proposals = proposals.filter(kind=kind)
    # Pending first; then in tree order (a code is a prefix of its descendants' codes), so a road's proposal
    # comes before those of its door plates, which merging the road settles too.
    pending_first = Case(When(status=MergeStatus.PENDING, then=0), default=1)
    return proposals.select_related(a, b, "decided_by").order_by(pending_first, *model.review_order, "-pk")


def merge_proposal_detail(model, *, user, pk: int):
    a, b = model.a_field, model.b_field
    related = (a, b, f"{a}__grid", f"{b}__grid", "decided_by", "survivor")
    return model.objects.visible_to(user).select_related(*related).get(pk=pk)


def address_merge_list(*, user, **filters) -> QuerySet:
    return merge_proposal_list(AddressMergeProposal, user=user, **filters)


def address_merge_detail(*, user, pk: int) -> AddressMergeProposal:
    return merge_proposal_detail(AddressMergeProposal, user=user, pk=pk)


def address_merge_facts(*, user, address: StandardAddress) -> dict[str, int]:
    """What merging this address would move, counted in the reviewer's scope: current sub-addresses (all
    levels), houses on them, people living in those houses, units."""
    from wangge.housing.models import House
    from wangge.people.models import Residence
    from wangge.units.models import Unit

    below = {"address__code__startswith": address.code, "ended_on__isnull": True}
    return {
        "addresses": StandardAddress.objects.visible_to(user)
        .filter(code__startswith=address.code, ended_on__isnull=True)
        .exclude(pk=address.pk)
        .count(),
        "houses": House.objects.visible_to(user).filter(**below).count(),
        "people": Residence.objects.visible_to(user)
        .filter(
            house__address__code__startswith=address.code, ended_on__isnull=True, house__ended_on__isnull=True
        )
        .count(),
        "units": Unit.objects.visible_to(user).filter(**below).count(),
    }
