"""Runs keep the items true: new findings open, found again refresh, fixed ones go; people resolve or dismiss
with a reason, audited, within their scope."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wangge.anomalies.choices import AnomalyState, RunState, RunTrigger
from wangge.anomalies.models import Anomaly, AnomalyRun
from wangge.anomalies.services import anomalies_request, anomalies_run, anomaly_dismiss, anomaly_resolve
from wangge.anomalies.tasks import run_nightly
from wangge.anomalies.tests.helpers import SYSTEM, today
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, RecordDeletionForbidden
from wangge.housing.services import house_update
from wangge.people.services import residence_create, residence_end

RULE = "rented_without_tenant"


def as_user(user) -> Actor:
    return Actor.system(source="web", user=user)


def tenant_leaves(world, part="a1"):
    grid = getattr(world, part)
    residence_end(actor=SYSTEM, residence=grid.residence, reason="退租", on=today())


def items(**filters):
    return list(Anomaly.objects.filter(rule=RULE, **filters).order_by("pk"))


def test_a_run_opens_items_and_counts_them(world):
    tenant_leaves(world)
    run = anomalies_run(actor=SYSTEM, rules=[RULE])
    assert run.state == RunState.DONE and run.finished_at and run.seconds is not None
    assert run.counts[RULE]["found"] == 1 and run.counts[RULE]["new"] == 1
    [item] = items()
    assert item.state == AnomalyState.OPEN and item.house == world.a1.house and item.grid == world.grid_a1
    assert item.first_run == run and item.last_run == run


def test_found_again_refreshes_the_same_item(world):
    tenant_leaves(world)
    first = anomalies_run(actor=SYSTEM, rules=[RULE])
    [item] = items()
    second = anomalies_run(actor=SYSTEM, rules=[RULE])
    assert second.counts[RULE] | {"seconds": 0} == {"found": 1, "new": 0, "still": 1, "gone": 0, "seconds": 0}
    [again] = items()
    assert again.pk == item.pk and again.first_run == first and again.last_run == second
    assert again.last_found_at >= item.last_found_at


def test_fixed_data_closes_the_item_as_gone(world):
    tenant_leaves(world)
    anomalies_run(actor=SYSTEM, rules=[RULE])
    residence_create(
        actor=SYSTEM,
        person=world.a2.person,
        house=world.a1.house,
        relation="tenant",
        started_on=today(),
        is_primary=False,
    )
    run = anomalies_run(actor=SYSTEM, rules=[RULE])
    assert run.counts[RULE]["gone"] == 1
    [item] = items()
    assert item.state == AnomalyState.GONE and str(run.pk) in item.reason and item.resolved_by is None


def test_a_dismissed_item_stays_dismissed_when_found_again(world):
    tenant_leaves(world)
    anomalies_run(actor=SYSTEM, rules=[RULE])
    [item] = items()
    anomaly_dismiss(actor=as_user(world.users.grid_worker), anomaly=item, reason="房东自己偶尔住，实际未出租")
    run = anomalies_run(actor=SYSTEM, rules=[RULE])
    assert run.counts[RULE]["new"] == 0
    [again] = items()
    assert again.pk == item.pk and again.state == AnomalyState.DISMISSED and again.last_run == run


def test_a_resolved_item_that_comes_back_is_a_new_item(world):
    tenant_leaves(world)
    anomalies_run(actor=SYSTEM, rules=[RULE])
    [item] = items()
    anomaly_resolve(actor=as_user(world.users.grid_worker), anomaly=item, reason="已改为自住")
    anomalies_run(actor=SYSTEM, rules=[RULE])
    old, new = items()
    assert old.pk == item.pk and old.state == AnomalyState.RESOLVED
    assert new.state == AnomalyState.OPEN and new.key == old.key


def test_a_run_over_one_area_leaves_the_others_alone(world):
    tenant_leaves(world, "a1")
    tenant_leaves(world, "b1")
    anomalies_run(actor=SYSTEM, rules=[RULE])
    assert len(items(state=AnomalyState.OPEN)) == 2
    house_update(actor=SYSTEM, house=world.a1.house, rental_status="empty")
    house_update(actor=SYSTEM, house=world.b1.house, rental_status="empty")
    run = anomalies_run(actor=SYSTEM, area=world.street_a, rules=[RULE])
    assert run.counts[RULE]["gone"] == 1
    assert {i.grid_id for i in items(state=AnomalyState.OPEN)} == {world.grid_b1.pk}


def test_a_supervisor_runs_only_over_what_they_see(world):
    tenant_leaves(world, "a1")
    tenant_leaves(world, "b1")
    run = anomalies_run(actor=as_user(world.users.community_admin), rules=[RULE])
    assert run.by == world.users.community_admin and run.counts[RULE]["found"] == 1
    with pytest.raises(ValidationError) as exc:
        anomalies_run(actor=as_user(world.users.community_admin), area=world.street_b)
    assert "area" in exc.value.message_dict


def test_who_may_run(world):
    with pytest.raises(PermissionDenied):
        anomalies_run(actor=as_user(world.users.grid_worker))
    with pytest.raises(ValidationError) as exc:
        anomalies_run(actor=SYSTEM, rules=["no_such_rule"])
    assert "rules" in exc.value.message_dict
    assert not AnomalyRun.objects.exists()


def test_every_rule_runs_on_the_world(world):
    run = anomalies_run(actor=SYSTEM)
    assert run.state == RunState.DONE and len(run.counts) >= 9
    assert run.total("found") == 0


def test_a_background_run(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    tenant_leaves(world)
    run = anomalies_request(actor=as_user(world.users.street_admin), rules=[RULE])
    assert run.state == RunState.DONE and run.trigger == RunTrigger.MANUAL and run.counts[RULE]["new"] == 1


def test_a_queued_run_waits_for_the_worker(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    run = anomalies_request(actor=as_user(world.users.street_admin))
    assert run.state == RunState.QUEUED and run.started_at is None


def test_the_nightly_job_runs_every_district(world):
    tenant_leaves(world)
    [run_id] = run_nightly.call()
    run = AnomalyRun.objects.get(pk=run_id)
    assert run.trigger == RunTrigger.NIGHTLY and run.area == world.district and run.by is None
    assert run.counts[RULE]["new"] == 1


# --- resolving and dismissing -------------------------------------------------------------------------------


@pytest.fixture
def item(world):
    tenant_leaves(world)
    anomalies_run(actor=SYSTEM, rules=[RULE])
    return Anomaly.objects.get(rule=RULE)


def test_resolving_is_audited(world, item):
    anomaly_resolve(actor=as_user(world.users.grid_worker), anomaly=item, reason="  已登记新租客  ")
    item.refresh_from_db()
    assert item.state == AnomalyState.RESOLVED and item.resolved_by == world.users.grid_worker
    assert item.reason == "已登记新租客" and item.resolved_at
    record = ChangeRecord.objects.get(object_id=item.pk, content_type__model="anomaly")
    assert record.action == ChangeAction.CHANGE and record.reason == "已登记新租客"
    assert record.changes["state"] == ["open", "resolved"] and record.user == world.users.grid_worker


@pytest.mark.parametrize("reason", ["", "   ", "有\x00空字符", "长" * 2001])
def test_a_reason_is_required(world, item, reason):
    with pytest.raises(ValidationError) as exc:
        anomaly_dismiss(actor=as_user(world.users.grid_worker), anomaly=item, reason=reason)
    assert "reason" in exc.value.message_dict
    item.refresh_from_db()
    assert item.state == AnomalyState.OPEN


def test_only_an_open_item_is_decided(world, item):
    anomaly_dismiss(actor=as_user(world.users.grid_worker), anomaly=item, reason="核实无误")
    with pytest.raises(ValidationError) as exc:
        anomaly_resolve(actor=as_user(world.users.grid_worker), anomaly=item, reason="再改")
    assert "state" in exc.value.message_dict


def test_scope_and_role_of_who_decides(world, item):
    with pytest.raises(ValidationError):
        anomaly_resolve(actor=as_user(world.users.grid_worker_b), anomaly=item, reason="不是我的网格")
    with pytest.raises(PermissionDenied):
        anomaly_resolve(actor=as_user(world.users.department_staff), anomaly=item, reason="只读")
    item.refresh_from_db()
    assert item.state == AnomalyState.OPEN


def test_nothing_is_deleted(item):
    with pytest.raises(RecordDeletionForbidden):
        item.delete()
    with pytest.raises(RecordDeletionForbidden):
        item.last_run.delete()


def test_an_item_follows_its_subject_into_another_area(world):
    from wangge.people.models import Person

    person = world.a1.person
    Person.objects.filter(pk=person.pk).update(grid=world.grid_b1)
    anomalies_run(actor=SYSTEM, rules=["two_primary_residences"])
    [item] = Anomaly.objects.filter(rule="two_primary_residences")
    assert item.grid == world.grid_b1
    Person.objects.filter(pk=person.pk).update(grid=world.grid_a2)
    run = anomalies_run(actor=SYSTEM, area=world.street_a, rules=["two_primary_residences"])
    assert run.counts["two_primary_residences"]["new"] == 0
    [moved] = Anomaly.objects.filter(rule="two_primary_residences")
    assert moved.pk == item.pk and moved.grid == world.grid_a2 and moved.state == AnomalyState.OPEN


def test_the_command(world):
    import io
    import json

    from django.core.management import CommandError, call_command

    tenant_leaves(world)
    out = io.StringIO()
    call_command("anomalies", "run", "--area", world.street_a.code, "--rule", RULE, stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["state"] == "done" and answer["counts"][RULE]["new"] == 1
    for bad in (["--area", "abc"], ["--area", "999999"], ["--rule", "nope"]):
        with pytest.raises(CommandError):
            call_command("anomalies", "run", *bad, stdout=io.StringIO())
    out = io.StringIO()
    call_command("anomalies", "rules", stdout=out)
    assert RULE in out.getvalue()
