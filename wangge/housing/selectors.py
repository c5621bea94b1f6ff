"""Reads of actual housing, always from the user's scope."""

from django.db.models import QuerySet

from wangge.addresses.selectors import merge_proposal_detail, merge_proposal_list
from wangge.core.selectors import clean_query, current_only, text_q, within_area
from wangge.housing.models import House, HouseMergeProposal


def house_list(
    *,
    user,
    q: str = "",
    area: str = "",
    use: str = "",
    rental_status: str = "",
    address: int | None = None,
    current: bool | None = None,
) -> QuerySet:
    houses = current_only(within_area(House.objects.visible_to(user), area), current)
    q = clean_query(q)
    if q:
        houses = houses.filter(text_q(q, "house_code", "address__full_text", "owner_name"))
    for field, value in (("use", use), ("rental_status", rental_status)):
        value = clean_query(value, 32)
        if value:
            houses = houses.filter(**{field: value})
    if address is not None:
        houses = houses.filter(address_id=address)
    return houses.select_related("address", "grid")


def house_detail(*, user, pk: int) -> House:
    return House.objects.visible_to(user).select_related("address", "grid", "owner").get(pk=pk)


def house_by_code(*, user, code: str) -> House:
    """The house with this code in the user's scope; DoesNotExist for a code elsewhere or unknown."""
    houses = House.objects.visible_to(user).select_related("address", "grid")
    return houses.get(house_code=clean_query(code, 64))


def house_merge_list(*, user, **filters) -> QuerySet:
    return merge_proposal_list(HouseMergeProposal, user=user, **filters)


def house_merge_detail(*, user, pk: int) -> HouseMergeProposal:
    return merge_proposal_detail(HouseMergeProposal, user=user, pk=pk)


def house_merge_facts(*, user, house: House) -> dict[str, int]:
    """What merging this house would move, counted in the reviewer's scope."""
    from wangge.people.models import Residence

    residences = Residence.objects.visible_to(user).filter(house=house)
    return {
        "people": residences.filter(ended_on__isnull=True).count(),
        "past": residences.filter(ended_on__isnull=False).count(),
    }
