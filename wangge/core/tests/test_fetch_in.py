"""core.bulk.fetch_in: the lookup every bulk service and the address matcher use (an array parameter on
PostgreSQL, IN lists in chunks on SQLite) answers the same on both databases."""

from wangge.core.bulk import fetch_in
from wangge.people.models import Person


def test_by_primary_key_and_by_field_ignoring_duplicates_and_blanks(world):
    people = [world.a1.person, world.a2.person]
    pks = [p.pk for p in people]
    by_pk = fetch_in(Person.objects.all(), "pk", [*pks, pks[0], None, ""])
    assert sorted(p.pk for p in by_pk) == sorted(pks)
    assert sorted(p.pk for p in fetch_in(Person.objects.all(), "id", pks)) == sorted(pks)
    numbers = [p.id_number for p in people]
    by_number = fetch_in(Person.objects.all(), "id_number", [*numbers, "", None, "no-such-number"])
    assert sorted(p.id_number for p in by_number) == sorted(numbers)
    assert fetch_in(Person.objects.filter(pk=pks[0]), "pk", pks) == [world.a1.person]
    assert fetch_in(Person.objects.all(), "pk", []) == []
