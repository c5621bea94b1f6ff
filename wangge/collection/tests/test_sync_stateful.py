"""The sync protocol under hypothesis stateful testing: two devices edit one house and record visits with
duplicates, reordering, retries, tampered resends, stale cursors and a worker moved out of the grid.

Invariants: every change is applied at most once and a retry returns its first answer; the server's house
equals a model that applies exactly the changes answered `applied`, in answer order; a device's store never
holds the house once its worker left the grid, whatever cursor it pulls with."""

import itertools
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from wangge.accounts.models import Assignment
from wangge.accounts.roles import Role
from wangge.accounts.services import assignment_add, assignment_end, user_create
from wangge.collection.models import SyncChange, SyncConflict, Visit
from wangge.collection.tests.device import Device, change, new_uuid
from wangge.core.actor import Actor
from wangge.core.models import ChangeRecord
from wangge.housing.models import House
from wangge.housing.services import house_create

SYSTEM = Actor.system()
counter = itertools.count(1)


class SyncMachine(RuleBasedStateMachine):
    world = None

    @initialize()
    def setup(self):
        n = next(counter)
        w = self.world
        self.house = house_create(actor=SYSTEM, address=w.a1.room, rooms=1)
        self.devices = []
        for i in range(2):
            user = user_create(
                actor=SYSTEM,
                username=f"hyp{n}_{i}",
                password="wangge-test-pw-2026",
                role=Role.GRID_WORKER,
                areas=[w.grid_a1],
            )
            device = Device(user)
            device.pull()
            device.outbox, device.sent, device.stale = [], [], device.cursor
            self.devices.append(device)
        self.rooms = 1
        self.values = itertools.count(100)
        self.answers: dict[str, dict] = {}
        self.applied_updates = 0
        self.moved_out = False

    # --- making changes on a device -----------------------------------------------------------------

    @rule(
        d=st.integers(0, 1),
        kinds=st.lists(st.sampled_from(["edit", "met", "nobody_home", "refused"]), min_size=1, max_size=4),
    )
    def work(self, d, kinds):
        """A worker edits the house and records visits, offline: everything goes to the outbox."""
        device = self.devices[d]
        local = device.store.get(("house", self.house.pk))
        for kind in kinds:
            if kind == "edit" and local is not None:
                target = {"type": "house", "id": self.house.pk}
                payload = {"rooms": next(self.values)}
                device.outbox.append(change("house.update", target, payload, local["version"]))
            elif kind != "edit":
                target = {"type": "visit", "ref": new_uuid()}
                payload = {"address": {"id": self.world.a1.room.pk}, "outcome": kind}
                device.outbox.append(change("visit.record", target, payload))

    # --- talking to the server ----------------------------------------------------------------------

    def _send(self, device, changes):
        results = device.push(changes)
        for sent, result in zip(changes, results, strict=True):
            key = sent["uuid"]
            first = self.answers.get(key)
            if result["status"] == "retry":
                continue
            if first is None:
                assert not result.get("duplicate"), result
                self.answers[key] = result
                device.sent.append(sent)
                if result["status"] == "applied" and sent["op"] == "house.update":
                    self.rooms = sent["payload"]["rooms"]
                    self.applied_updates += 1
            else:
                assert result["duplicate"] and {k: v for k, v in result.items() if k != "duplicate"} == {
                    k: v for k, v in first.items() if k != "duplicate"
                }
            for item in result.get("records", []):
                stored = device.store.get((item["type"], item["id"]))
                if stored is None or stored["version"] <= item["version"]:
                    device.store[(item["type"], item["id"])] = item

    @rule(d=st.integers(0, 1), data=st.data())
    def push(self, d, data):
        device = self.devices[d]
        if not device.outbox:
            return
        batch = device.outbox[:]
        # Duplicates inside one push and a lost answer (the same batch sent again) are both normal on a phone.
        if data.draw(st.booleans()):
            batch.append(data.draw(st.sampled_from(batch)))
        self._send(device, batch)
        if data.draw(st.booleans()):
            self._send(device, batch)
        device.outbox = []

    @rule(d=st.integers(0, 1), data=st.data())
    def push_reordered(self, d, data):
        device = self.devices[d]
        visits = [c for c in device.outbox if c["op"] == "visit.record"]
        if len(visits) < 2:
            return
        shuffled = data.draw(st.permutations(visits))
        self._send(device, list(shuffled))
        device.outbox = [c for c in device.outbox if c["op"] != "visit.record"]

    @rule(d=st.integers(0, 1), data=st.data(), tampered=st.booleans())
    def resend_old(self, d, data, tampered):
        """A change sent long ago comes again: the same one gets its first answer, an altered one a 409."""
        device = self.devices[d]
        if not device.sent:
            return
        original = data.draw(st.sampled_from(device.sent))
        if not tampered:
            self._send(device, [original])
            return
        forged = {**original, "made_at": "2020-01-01T00:00:00+08:00"}
        before = (House.objects.get(pk=self.house.pk).version, Visit.objects.count())
        result = device.push([forged])[0]
        assert result["status"] == "refused" and result["code"] == 409
        assert (House.objects.get(pk=self.house.pk).version, Visit.objects.count()) == before

    @rule(d=st.integers(0, 1), stale=st.booleans())
    def pull(self, d, stale):
        """Pull to the end, sometimes from the very first cursor (older than anything that left the scope)."""
        device = self.devices[d]
        if stale:
            device.cursor = device.stale
        device.pull()

    @precondition(lambda self: not self.moved_out)
    @rule()
    def move_first_worker_out(self):
        user = self.devices[0].user
        assignment_add(actor=SYSTEM, user=user, area=self.world.grid_b1)
        assignment_end(
            actor=SYSTEM, assignment=Assignment.objects.get(user=user, area=self.world.grid_a1), reason="调岗"
        )
        self.moved_out = True

    # --- what must always hold ----------------------------------------------------------------------

    @invariant()
    def server_matches_model(self):
        house = House.objects.get(pk=self.house.pk)
        assert house.rooms == self.rooms
        updates = ChangeRecord.objects.filter(
            content_type__model="house", object_id=house.pk, action="change"
        )
        assert updates.count() == self.applied_updates

    @invariant()
    def each_change_once(self):
        uuids = [uuid.UUID(u) for u in self.answers]
        stored = SyncChange.objects.filter(uuid__in=uuids)
        assert stored.count() == len(self.answers)
        visit_ids = [
            a["target"]["id"]
            for u, a in self.answers.items()
            if a["status"] == "applied" and a["target"]["type"] == "visit"
        ]
        assert len(set(visit_ids)) == len(visit_ids)
        assert Visit.objects.filter(pk__in=visit_ids).count() == len(visit_ids)
        conflicts = [a["conflict_id"] for a in self.answers.values() if a["status"] == "conflict"]
        assert SyncConflict.objects.filter(pk__in=conflicts).count() == len(conflicts)

    @invariant()
    def moved_worker_holds_nothing_of_the_old_grid_after_a_pull(self):
        device = self.devices[0]
        if self.moved_out and device.resets:
            assert ("house", self.house.pk) not in device.store


@pytest.mark.django_db
def test_sync_state_machine(world):
    SyncMachine.world = world
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=20, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
