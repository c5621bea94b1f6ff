"""Reads of actual housing, always from the user's scope."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from wangge.addresses.selectors import merge_proposal_detail, merge_proposal_list
from wangge.collection.models import VerificationMark
from wangge.core.selectors import clean_query, current_only, text_q, within_area
from wangge.housing.models import House, HouseMergeProposal
from wangge.people.choices import PersonStatus
from wangge.people.models import Residence
from wangge.units.models import Unit


def house_list(
    *,
    user,
    q: str = "",
    area: str = "",
    use: str = "",
    rental_status: str = "",
    address: int | None = None,
    current: bool | None = None,
    unverified_since: datetime.date | None = None,
    uncollected: bool = False,
) -> QuerySet:
    """`unverified_since` (no verification mark on or after that day) and `uncollected` (nobody active lives
    there and no unit is registered at its address) are the drill-downs of the progress dashboard's rates."""
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
    if unverified_since:
        marks = VerificationMark.objects.filter(house=OuterRef("pk"), verified_on__gte=unverified_since)
        houses = houses.exclude(Exists(marks))
    if uncollected:
        houses = houses.exclude(collected_q())
    return houses.select_related("address", "grid")


def collected_q() -> Q:
    """采集: somebody active lives in the house now, or a current unit is registered at its address."""
    residents = Residence.objects.filter(
        house=OuterRef("pk"), ended_on__isnull=True, person__status=PersonStatus.ACTIVE
    )
    units = Unit.objects.filter(address=OuterRef("address_id"), ended_on__isnull=True)
    return Q(Exists(residents)) | Q(Exists(units))


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
