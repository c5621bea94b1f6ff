"""The pull cursor on PostgreSQL with two real concurrent connections: a change whose transaction took the
lower audit id but committed later is still filed in the feed and delivered (docs/sync.md, "How the cursor never
misses a change")."""

import threading
import time

import pytest
from django.db import connection, transaction

from wangge.addresses.services import address_update
from wangge.collection import feed
from wangge.collection.models import FeedIndex
from wangge.collection.tests.device import Device
from wangge.core.actor import Actor
from wangge.housing.models import House
from wangge.housing.services import house_update

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="commit order differs from id order only on PostgreSQL"
    ),
]
SYSTEM = Actor.system()


class SlowWriter(threading.Thread):
    """Changes a house in its own connection, then waits with the transaction open until told to finish."""

    def __init__(self, house_pk: int, rooms: int, *, rollback: bool = False):
        super().__init__(daemon=True)
        self.house_pk, self.rooms, self.rollback = house_pk, rooms, rollback
        self.written = threading.Event()
        self.finish = threading.Event()
        self.error = None

    def run(self):
        try:
            with transaction.atomic():
                house_update(actor=SYSTEM, house=House.objects.get(pk=self.house_pk), rooms=self.rooms)
                self.written.set()
                assert self.finish.wait(30)
                if self.rollback:
                    transaction.set_rollback(True)
        except Exception as exc:  # reported by the test thread
            self.error = exc
            self.written.set()
        finally:
            connection.close()


def test_change_committed_after_a_higher_id_is_not_missed(world):
    device = Device(world.users.grid_worker)
    device.pull()
    slow = SlowWriter(world.a1.house.pk, rooms=7)
    slow.start()
    assert slow.written.wait(30) and slow.error is None
    # Another connection changes another record and commits first, with a higher feed id.
    address_update(actor=SYSTEM, address=world.a1.door, name="8号之一")
    device.pull()
    assert device.store[("address", world.a1.door.pk)]["data"]["name"] == "8号之一"
    assert device.store[("house", world.a1.house.pk)]["data"]["rooms"] == 2  # not committed yet
    slow.finish.set()
    slow.join(30)
    assert slow.error is None
    device.pull()
    assert device.store[("house", world.a1.house.pk)]["data"]["rooms"] == 7


def test_rolled_back_gap_closes_once_its_transactions_ended(world, monkeypatch):
    monkeypatch.setattr(feed, "GAP_GRACE_SECONDS", 0)
    device = Device(world.users.grid_worker)
    device.pull()
    slow = SlowWriter(world.a1.house.pk, rooms=9, rollback=True)
    slow.start()
    assert slow.written.wait(30)
    address_update(actor=SYSTEM, address=world.a1.door, name="8号之二")
    device.pull()
    assert FeedIndex.objects.get().gaps, "the running transaction's id is held open as a gap"
    slow.finish.set()
    slow.join(30)
    # pg_snapshot_xmin is cluster-wide: another database's long transaction may legitimately keep the gap open.
    for _attempt in range(20):
        device.pull()
        gaps = FeedIndex.objects.get().gaps
        if not gaps:
            break
        xmin_now, _xmax = feed._xid_bounds()
        assert all(xmin_now <= gap[2] for gap in gaps), "a gap whose transactions all ended stayed open"
        time.sleep(0.5)
    assert device.store[("house", world.a1.house.pk)]["data"]["rooms"] == 2
