"""Reads of actual population, always from the user's scope."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from wangge.collection.models import VerificationMark
from wangge.core.selectors import CJK, ID_LIKE, clean_query, current_only, within_area
from wangge.people.models import Person, Residence


def person_search_q(q: str, *, user) -> Q:
    """One search box for names, pinyin initials ("zs" → 张三), ID numbers, phones and addresses."""
    if CJK.search(q):
        # Scoped too: a grid worker's address search then reads their grid's houses, not the district's.
        residences = Residence.objects.visible_to(user).filter(ended_on__isnull=True)
        at_address = residences.filter(house__address__full_text__contains=q)
        return Q(name__contains=q) | Q(pk__in=at_address.values("person_id"))
    compact = q.replace(" ", "")
    if ID_LIKE.match(compact):
        # Tail digits are how people read a masked number aloud ("尾号 1234").
        return Q(id_number__contains=compact.upper()) | Q(phone__contains=compact)
    if compact.isalpha() and compact.isascii():
        lower = compact.lower()
        return Q(name_initials__startswith=lower) | Q(name_pinyin__startswith=lower)
    return Q(name__icontains=q) | Q(id_number__iexact=compact)


def person_list(
    *,
    user,
    q: str = "",
    area: str = "",
    category: str = "",
    status: str = "",
    sex: str = "",
    id_type: str = "",
    current: bool | None = None,
    unverified_since: datetime.date | None = None,
    registered_since: datetime.date | None = None,
) -> QuerySet:
    """The filters `unverified_since` (no verification mark on or after that day) and `registered_since`
    (record made on or after that day) are the drill-downs of the progress dashboard's rates."""
    people = current_only(within_area(Person.objects.visible_to(user), area), current)
    q = clean_query(q)
    if q:
        people = people.filter(person_search_q(q, user=user))
    for field, value in (("category", category), ("status", status), ("sex", sex), ("id_type", id_type)):
        value = clean_query(value, 32)
        if value:
            people = people.filter(**{field: value})
    if unverified_since:
        marks = VerificationMark.objects.filter(person=OuterRef("pk"), verified_on__gte=unverified_since)
        people = people.exclude(Exists(marks))
    if registered_since:
        people = people.filter(created_at__date__gte=registered_since)
    return people.select_related("grid")


def person_detail(*, user, pk: int) -> Person:
    """Raises Person.DoesNotExist both for a missing person and for one outside the scope."""
    return Person.objects.visible_to(user).select_related("grid").get(pk=pk)


def residence_list(
    *, user, person: int | None = None, house: int | None = None, area: str = "", current: bool | None = None
) -> QuerySet:
    residences = current_only(within_area(Residence.objects.visible_to(user), area), current)
    if person is not None:
        residences = residences.filter(person_id=person)
    if house is not None:
        residences = residences.filter(house_id=house)
    return residences.select_related("person", "house__address")


def residence_detail(*, user, pk: int) -> Residence:
    return Residence.objects.visible_to(user).select_related("person", "house__address").get(pk=pk)
