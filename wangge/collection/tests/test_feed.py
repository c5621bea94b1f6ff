"""The sync feed filed by grid and assignee (wangge/collection/feed.py): a pull reads only the worker's part."""

import datetime

import pytest
from django.core import signing

from wangge.collection import feed, sync
from wangge.collection.models import FeedEntry
from wangge.collection.tests.device import Device, change, new_uuid
from wangge.core.actor import Actor
from wangge.housing.services import house_update
from wangge.people.services import residence_create, residence_end

SYSTEM = Actor.system()


def drained(user) -> Device:
    """A device that bootstrapped and then took the repeats the first pulls after a bootstrap may bring."""
    device = Device(user)
    device.pull()
    device.pull()
    return device


def test_changes_elsewhere_cost_the_worker_nothing(world):
    device = drained(world.users.grid_worker)
    for n in range(30):
        house_update(actor=SYSTEM, house=world.b1.house, rooms=n + 3)  # another street's grid
    house_update(actor=SYSTEM, house=world.a1.house, rooms=5)
    body = device.pull_once(limit=5)
    assert body["more"] is False
    assert [(r["type"], r["id"]) for r in body["records"]] == [("house", world.a1.house.pk)]
    assert body["records"][0]["data"]["rooms"] == 5
    other = Device(world.users.grid_worker_b)
    other.pull()
    assert other.store[("house", world.b1.house.pk)]["data"]["rooms"] == 32


def test_a_record_that_moves_is_removed_from_the_old_grid_and_reaches_the_new(world):
    a, b = Device(world.users.grid_worker), Device(world.users.grid_worker_b)
    a.pull()
    b.pull()
    person = world.a1.person
    assert ("person", person.pk) in a.store and ("person", person.pk) not in b.store
    # Moving out, then a primary residence in another grid, takes the person there.
    residence_end(actor=SYSTEM, residence=world.a1.residence, reason="搬走")
    residence_create(
        actor=SYSTEM,
        person=person,
        house=world.b1.house,
        relation="tenant",
        started_on=datetime.date(2026, 11, 1),
    )
    a.pull()
    b.pull()
    assert ("person", person.pk) not in a.store
    assert b.store[("person", person.pk)]["data"]["grid_id"] == world.grid_b1.pk


def test_each_change_is_filed_once(world):
    Device(world.users.grid_worker).pull()  # starts the feed
    feed.index_feed()
    before = FeedEntry.objects.count()
    house_update(actor=SYSTEM, house=world.a1.house, rooms=6)
    feed.index_feed()
    feed.index_feed()
    filed = list(FeedEntry.objects.order_by("id").values_list("grid_id", "type", "object_id")[before:])
    assert filed == [(world.grid_a1.pk, "house", world.a1.house.pk)]


def test_a_cursor_of_the_old_layout_starts_afresh(world):
    device = Device(world.users.grid_worker)
    device.pull()
    state = signing.loads(device.cursor, salt=sync.CURSOR_SALT)
    del state["v"]
    device.cursor = signing.dumps(state, salt=sync.CURSOR_SALT, compress=True)
    body = device.pull_once()
    assert body["reset"] is True and ("house", world.a1.house.pk) in device.store


@pytest.mark.parametrize("n", [1, 10])
def test_push_reads_the_scope_once(world, django_assert_max_num_queries, n):
    device = Device(world.users.grid_worker)
    changes = [
        change(
            "visit.record",
            {"type": "visit", "ref": new_uuid()},
            {"address": {"id": world.a1.door.pk}, "outcome": "met"},
        )
        for _ in range(n)
    ]
    # Per change: the address, the visit with its audit row, three foreign-key checks of the model's validation,
    # the record read back, its ledger row, savepoints. Per push: token, device, scope, one ledger lookup.
    with django_assert_max_num_queries(14 + 12 * n):
        results = device.push(changes)
    assert [r["status"] for r in results] == ["applied"] * n
    assert results[-1]["records"][0]["data"]["visitor_name"]


def test_pull_of_a_few_changes_is_a_few_queries(world, django_assert_max_num_queries):
    device = drained(world.users.grid_worker)
    for n in range(5):
        house_update(actor=SYSTEM, house=world.a1.house, rooms=n + 3)
    with django_assert_max_num_queries(20):
        body = device.pull_once()
    assert body["records"][0]["data"]["rooms"] == 7
