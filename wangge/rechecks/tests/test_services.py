"""Re-check rounds end to end: the draw, checkers, recording with corrections, evaluation, cross-checks, scope."""

import math
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wangge.collection.choices import TaskKind, TaskState
from wangge.collection.models import Task
from wangge.core.actor import Actor
from wangge.core.models import ChangeRecord
from wangge.core.services import history
from wangge.people.models import Person
from wangge.rechecks import selectors, services
from wangge.rechecks.choices import ItemState, RecordKind, RoundKind, RoundState
from wangge.rechecks.models import GridResult, RecheckItem
from wangge.rechecks.tests.factories import all_right, collect, this_month, worker


def act(user):
    return Actor(user=user, source="web")


@pytest.fixture
def rig(world):
    """Street A with two grids: a1 collected by wa1 (20 flats, a second worker wa1b on the team), a2 by wa2
    (10 flats, alone in the grid)."""
    wa1 = worker(world, "wa1", world.grid_a1)
    wa1b = worker(world, "wa1b", world.grid_a1)
    wa2 = worker(world, "wa2", world.grid_a2)
    a1 = collect(world, world.grid_a1, world.a1.building, collector=wa1, flats=20)
    a2 = collect(world, world.grid_a2, world.a2.building, collector=wa2, flats=10)
    start, end = this_month()
    return SimpleNamespace(world=world, wa1=wa1, wa1b=wa1b, wa2=wa2, a1=a1, a2=a2, start=start, end=end)


def drawn_round(rig, *, percent=10, seed=7, area=None, admin=None):
    admin = admin or rig.world.users.district_admin
    round = services.round_create(
        actor=act(admin),
        area=area or rig.world.street_a,
        period_start=rig.start,
        period_end=rig.end,
        percent=percent,
        seed=seed,
    )
    result = services.round_draw(actor=act(admin), round=round)
    round.refresh_from_db()
    return round, result


def sampled(round):
    return sorted(RecheckItem.objects.filter(round=round).values_list("kind", "person_id", "house_id"))


def test_the_same_seed_draws_the_same_records_and_another_seed_others(rig):
    first, _ = drawn_round(rig, seed=1234)
    again, _ = drawn_round(rig, seed=1234)
    other, _ = drawn_round(rig, seed=99, percent=10)
    assert sampled(first) == sampled(again)
    assert sampled(first) != sampled(other)
    assert first.state == RoundState.DRAWN


def test_each_grid_and_kind_is_a_stratum_of_ceil_percent(rig):
    round, result = drawn_round(rig, percent=10)
    # a1: 20 collected flats + the world's own room (张三 and his house), a2: 10 + 1.
    expected = {
        (rig.world.grid_a1.pk, "person"): math.ceil(21 * 0.10),
        (rig.world.grid_a1.pk, "house"): math.ceil(21 * 0.10),
        (rig.world.grid_a2.pk, "person"): math.ceil(11 * 0.10),
        (rig.world.grid_a2.pk, "house"): math.ceil(11 * 0.10),
    }
    got = {}
    for item in RecheckItem.objects.filter(round=round):
        got[(item.grid_id, item.kind)] = got.get((item.grid_id, item.kind), 0) + 1
    assert got == expected
    assert result["items"] == sum(expected.values()) == result["tasks"]
    assert result["collected"] == 2 * (21 + 11)
    # Grid b1 is in the other street: nothing drawn there.
    assert not RecheckItem.objects.filter(round=round, grid=rig.world.grid_b1).exists()


def test_records_collected_before_the_period_are_not_drawn(rig):
    import datetime

    round = services.round_create(
        actor=act(rig.world.users.district_admin),
        area=rig.world.street_a,
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2020, 1, 31),
    )
    result = services.round_draw(actor=act(rig.world.users.district_admin), round=round)
    assert result["items"] == 0


def test_the_checker_is_never_the_collector_and_load_is_balanced(rig):
    round, _ = drawn_round(rig, percent=50)
    items = list(RecheckItem.objects.filter(round=round).select_related("task"))
    assert items and all(i.checker_id is not None for i in items)
    for item in items:
        assert item.checker_id != item.collector_id
    mine = [i for i in items if i.collector_id == rig.wa1.pk]
    assert mine and all(i.grid_id == rig.world.grid_a1.pk for i in mine)
    # a2 has no one but its collector: its records go to grid workers of the sibling grid in the community.
    a2_checkers = {
        i.checker_id for i in items if i.grid_id == rig.world.grid_a2.pk and i.collector_id == rig.wa2.pk
    }
    assert a2_checkers and a2_checkers <= {rig.wa1.pk, rig.wa1b.pk, rig.world.users.grid_worker.pk}
    loads = {}
    for i in items:
        loads[i.checker_id] = loads.get(i.checker_id, 0) + 1
    assert max(loads.values()) - min(loads.values()) <= 1 + len(loads)


def test_the_draw_makes_one_recheck_task_per_item_for_its_checker(rig):
    round, _ = drawn_round(rig)
    for item in RecheckItem.objects.filter(round=round).select_related("task"):
        task = item.task
        assert task.kind == TaskKind.RECHECK and task.state == TaskState.OPEN
        assert task.assignee_id == item.checker_id
        assert task.grid_id == item.grid_id and task.batch == f"recheck-{round.pk}"
        assert (task.person_id, task.house_id) == (item.person_id, item.house_id)
        assert task.address_id == item.address_id is not None
    assert ChangeRecord.objects.filter(object_id=item.task_id, action="create").exists()


def test_a_round_is_drawn_once(rig):
    round, _ = drawn_round(rig)
    with pytest.raises(ValidationError) as exc:
        services.round_draw(actor=act(rig.world.users.district_admin), round=round)
    assert "state" in exc.value.message_dict


def test_only_supervisors_create_rounds_and_only_in_scope(rig):
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=act(rig.wa1), area=rig.world.grid_a1, period_start=rig.start, period_end=rig.end
        )
    with pytest.raises(ValidationError) as exc:
        services.round_create(
            actor=act(rig.world.users.street_admin),
            area=rig.world.street_b,
            period_start=rig.start,
            period_end=rig.end,
        )
    assert "area" in exc.value.message_dict


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("percent", {"percent": 0}),
        ("percent", {"percent": 51}),
        ("percent", {"percent": "many"}),
        ("threshold", {"threshold": 101}),
        ("period_end", {"period_end": "reverse"}),
        ("seed", {"seed": -1}),
        ("pairs", {"kind": "cross"}),
    ],
)
def test_bad_round_settings_are_named(rig, field, kwargs):
    args = {"period_start": rig.end, "period_end": rig.end}
    if kwargs.get("period_end") == "reverse":
        kwargs = {"period_end": rig.end.replace(year=rig.end.year - 1)}
    args.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        services.round_create(actor=act(rig.world.users.district_admin), area=rig.world.district, **args)
    assert field in exc.value.message_dict


def test_recording_all_right_completes_the_item_and_its_task(rig):
    round, _ = drawn_round(rig)
    item = RecheckItem.objects.filter(round=round, kind=RecordKind.PERSON).first()
    checker = item.checker
    services.recheck_record(actor=act(checker), item=item, findings=all_right(item), note="见到本人")
    item.refresh_from_db()
    assert item.state == ItemState.DONE and item.is_right is True and item.checked_on is not None
    assert item.findings.count() == 8
    item.task.refresh_from_db()
    assert item.task.state == TaskState.DONE
    counts = selectors.accuracy_counts(start=rig.start, end=rig.end)
    assert counts == {item.grid_id: (1, 1)}


def test_a_correction_is_written_to_the_register_as_the_checker_with_the_reason(rig):
    round, _ = drawn_round(rig, percent=50)
    # A record of grid a2 checked by a worker of a1: outside the checker's own scope.
    item = RecheckItem.objects.filter(round=round, kind=RecordKind.PERSON, grid=rig.world.grid_a2).exclude(
        collector=None
    )[0]
    checker = item.checker
    assert item.grid_id != rig.world.grid_a1.pk
    assert not Person.objects.visible_to(checker).filter(pk=item.person_id).exists()
    findings = all_right(item)
    for f in findings:
        if f["field"] == "phone":
            f.update(verdict="corrected", value="13600001111")
        if f["field"] == "residence":
            f.update(verdict="wrong", value="已搬走")
    services.recheck_record(actor=act(checker), item=item, findings=findings)
    person = Person.objects.get(pk=item.person_id)
    assert person.phone == "13600001111"
    change = history(person).filter(action="change").first()
    assert change.user_id == checker.pk and change.reason.startswith("抽查更正")
    assert change.changes["phone"][1] == "13600001111"
    item.refresh_from_db()
    assert item.is_right is False
    verdicts = {f.field: (f.verdict, f.recorded, f.found) for f in item.findings.all()}
    assert verdicts["phone"] == ("corrected", item.snapshot["phone"], "13600001111")
    assert verdicts["residence"][0] == "wrong"
    # The snapshot keeps what was checked.
    assert item.snapshot["phone"] != person.phone


def test_a_house_correction_goes_through_the_housing_rules(rig):
    round, _ = drawn_round(rig, percent=50)
    item = RecheckItem.objects.filter(round=round, kind=RecordKind.HOUSE).exclude(collector=None)[0]
    findings = all_right(item)
    for f in findings:
        if f["field"] == "rooms":
            f.update(verdict="corrected", value="0")
    with pytest.raises(ValidationError) as exc:
        services.recheck_record(actor=act(item.checker), item=item, findings=findings)
    assert "rooms" in exc.value.message_dict
    item.refresh_from_db()
    assert item.state == ItemState.PENDING and not item.findings.exists()
    for f in findings:
        if f["field"] == "rooms":
            f["value"] = "3"
    services.recheck_record(actor=act(item.checker), item=item, findings=findings)
    item.house.refresh_from_db()
    assert item.house.rooms == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"field": "shoe_size", "verdict": "right"}, "shoe_size"),
        ({"field": "name", "verdict": "maybe"}, "name"),
        ({"field": "name", "verdict": "corrected", "value": ""}, "name"),
        ({"field": "residence", "verdict": "corrected", "value": "别处"}, "residence"),
        ({"field": "name", "verdict": "corrected", "value": "x" * 1_000_000}, "name"),
        ({"field": "name", "verdict": "corrected", "value": "张\x00三"}, "name"),
        ({"field": "birth_date", "verdict": "corrected", "value": "yesterday"}, "birth_date"),
        ({"field": "sex", "verdict": "corrected", "value": "robot"}, "sex"),
    ],
)
def test_bad_findings_are_refused_on_their_field_and_nothing_is_saved(rig, change, field):
    round, _ = drawn_round(rig)
    item = RecheckItem.objects.filter(round=round, kind=RecordKind.PERSON).first()
    findings = [f for f in all_right(item) if f["field"] != change["field"]] + [change]
    with pytest.raises(ValidationError) as exc:
        services.recheck_record(actor=act(item.checker), item=item, findings=findings)
    assert field in exc.value.message_dict
    item.refresh_from_db()
    assert item.state == ItemState.PENDING and not item.findings.exists()


def test_every_field_needs_a_verdict(rig):
    round, _ = drawn_round(rig)
    item = RecheckItem.objects.filter(round=round, kind=RecordKind.HOUSE).first()
    with pytest.raises(ValidationError) as exc:
        services.recheck_record(actor=act(item.checker), item=item, findings=all_right(item)[:2])
    assert "residents" in exc.value.message_dict


def test_recording_twice_returns_the_first_and_different_findings_are_refused(rig):
    round, _ = drawn_round(rig)
    item = RecheckItem.objects.filter(round=round, kind=RecordKind.HOUSE).first()
    services.recheck_record(actor=act(item.checker), item=item, findings=all_right(item))
    audit = ChangeRecord.objects.count()
    again = services.recheck_record(actor=act(item.checker), item=item, findings=all_right(item))
    assert again.pk == item.pk and ChangeRecord.objects.count() == audit
    assert again.findings.count() == 6
    other = all_right(item)
    other[0]["verdict"] = "wrong"
    with pytest.raises(ValidationError) as exc:
        services.recheck_record(actor=act(item.checker), item=item, findings=other)
    assert "item" in exc.value.message_dict


def test_someone_else_cannot_record_an_item(rig):
    round, _ = drawn_round(rig)
    item = RecheckItem.objects.filter(round=round).exclude(checker=rig.world.users.grid_worker_b).first()
    with pytest.raises(ValidationError) as exc:
        services.recheck_record(actor=act(rig.world.users.grid_worker_b), item=item, findings=all_right(item))
    assert "item" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.recheck_record(actor=act(rig.world.users.viewer), item=item, findings=all_right(item))


def _record_all(round, *, wrong_in=None, wrong_count=1):
    wrong_left = wrong_count
    for item in RecheckItem.objects.filter(round=round).order_by("id"):
        findings = all_right(item)
        if item.grid_id == wrong_in and wrong_left:
            findings[0]["verdict"] = "wrong"
            wrong_left -= 1
        services.recheck_record(actor=act(item.checker), item=item, findings=findings)


def test_evaluation_flags_grids_under_the_threshold_and_orders_their_recollection_once(rig):
    round, _ = drawn_round(rig, percent=10)
    _record_all(round, wrong_in=rig.world.grid_a2.pk, wrong_count=1)
    admin = act(rig.world.users.district_admin)
    result = services.round_evaluate(actor=admin, round=round)
    by_grid = {g["grid_id"]: g for g in result["grids"]}
    a1, a2 = by_grid[rig.world.grid_a1.pk], by_grid[rig.world.grid_a2.pk]
    assert (a1["checked"], a1["right"], a1["flagged"]) == (6, 6, False)
    assert (a2["checked"], a2["right"], a2["flagged"]) == (4, 3, True)
    assert float(a2["accuracy"]) == 75.0
    stored = GridResult.objects.get(round=round, grid=rig.world.grid_a2)
    assert stored.flagged and stored.recollect_tasks == result["recollect_tasks"]
    tasks = Task.objects.filter(kind=TaskKind.RECOLLECT, batch=f"recollect-{round.pk}")
    # Every flat of a2 collected in the period: 10 rooms and the world's own room.
    assert tasks.count() == 11 == result["recollect_tasks"]
    assert set(tasks.values_list("grid_id", flat=True)) == {rig.world.grid_a2.pk}
    assert not Task.objects.filter(kind=TaskKind.RECOLLECT, grid=rig.world.grid_a1).exists()
    again = services.round_evaluate(actor=admin, round=round)
    assert again["recollect_tasks"] == 0 and tasks.count() == 11
    assert GridResult.objects.filter(round=round).count() == 2
    round.refresh_from_db()
    assert round.state == RoundState.EVALUATED


def test_accuracy_by_collector_counts_the_records_each_worker_collected(rig):
    round, _ = drawn_round(rig, percent=10)
    _record_all(round, wrong_in=rig.world.grid_a2.pk, wrong_count=1)
    by_collector = selectors.accuracy_by_collector(start=rig.start, end=rig.end)
    wa1_items = RecheckItem.objects.filter(round=round, collector=rig.wa1).count()
    wa2_items = RecheckItem.objects.filter(round=round, collector=rig.wa2)
    wa2_right = wa2_items.filter(is_right=True).count()
    assert by_collector[rig.wa1.pk] == (wa1_items, wa1_items)
    assert by_collector[rig.wa2.pk] == (wa2_items.count(), wa2_right)
    grid_only = selectors.accuracy_counts(start=rig.start, end=rig.end, grid_ids=[rig.world.grid_a1.pk])
    assert list(grid_only) == [rig.world.grid_a1.pk]


def test_a_checker_from_another_grid_sees_their_items_and_tasks_and_nothing_else(rig):
    round, _ = drawn_round(rig, percent=50)
    item = RecheckItem.objects.filter(round=round, grid=rig.world.grid_a2).exclude(collector=None)[0]
    checker = item.checker
    assert selectors.item_detail(user=checker, pk=item.pk) == item
    assert Task.objects.visible_to(checker).filter(pk=item.task_id).exists()
    assert selectors.round_detail(user=checker, pk=round.pk) == round
    outsider = rig.world.users.grid_worker_b
    with pytest.raises(RecheckItem.DoesNotExist):
        selectors.item_detail(user=outsider, pk=item.pk)
    assert not Task.objects.visible_to(outsider).filter(pk=item.task_id).exists()
    from wangge.rechecks.models import RecheckRound

    with pytest.raises(RecheckRound.DoesNotExist):
        selectors.round_detail(user=outsider, pk=round.pk)
    mine = selectors.my_items(user=checker)
    assert item in mine and all(i.checker_id == checker.pk for i in mine)


def test_cancelling_a_round_cancels_its_pending_items_and_tasks(rig):
    round, _ = drawn_round(rig)
    done = RecheckItem.objects.filter(round=round).first()
    services.recheck_record(actor=act(done.checker), item=done, findings=all_right(done))
    services.round_cancel(actor=act(rig.world.users.district_admin), round=round, reason="期间重复")
    round.refresh_from_db()
    assert round.state == RoundState.CANCELLED and round.end_reason == "期间重复"
    pending = RecheckItem.objects.filter(round=round).exclude(pk=done.pk)
    assert all(i.state == ItemState.CANCELLED for i in pending)
    assert all(i.task.state == TaskState.CANCELLED for i in pending)
    done.refresh_from_db()
    assert done.state == ItemState.DONE
    assert selectors.accuracy_counts(start=rig.start, end=rig.end) == {done.grid_id: (1, 1)}


def test_cross_check_pairs_streets_and_compares_them_side_by_side(rig):
    world = rig.world
    wb = worker(world, "wb1", world.grid_b1)
    collect(world, world.grid_b1, world.b1.building, collector=wb, flats=9)
    admin = act(world.users.district_admin)
    round = services.round_create(
        actor=admin,
        area=world.district,
        kind=RoundKind.CROSS,
        period_start=rig.start,
        period_end=rig.end,
        percent=20,
        seed=3,
        pairs=[(world.street_a, world.street_b)],
    )
    assert round.pairs.count() == 2
    services.round_draw(actor=admin, round=round)
    items = list(RecheckItem.objects.filter(round=round).select_related("pair"))
    b_workers = {wb.pk, world.users.grid_worker_b.pk}
    for item in items:
        assert item.grid.code.startswith(item.pair.checked_area.code)
        assert item.checker_id != item.collector_id
        if item.grid_id == world.grid_b1.pk:
            assert item.checker_id not in b_workers
        else:
            assert item.checker_id in b_workers
    # Street b's records: a1 workers are wrong once; street a's are all right.
    _record_all(round, wrong_in=world.grid_b1.pk, wrong_count=2)
    ((a_by_b, b_by_a),) = selectors.cross_comparison(round=round)
    assert a_by_b.checked == world.street_b.name or a_by_b.checked == world.street_a.name
    sides = {a_by_b.checked: a_by_b, b_by_a.checked: b_by_a}
    b = sides[world.street_b.name]
    a = sides[world.street_a.name]
    assert b.checker == world.street_a.name and a.checker == world.street_b.name
    assert b.done == b.sampled == math.ceil(10 * 0.2) * 2
    assert b.right == b.done - 2 and a.right == a.done == a.sampled
    assert b.wrong_fields and b.wrong_fields[0][1] >= 1
    assert a.accuracy == 100.0


@pytest.mark.parametrize(
    "pairs",
    [
        lambda w: [(w.street_a, w.street_a)],
        lambda w: [(w.street_a, w.community_b)],
        lambda w: [(w.street_a, w.street_b), (w.street_b, w.street_a)],
        lambda w: [(w.grid_a1, w.grid_b1)],
    ],
)
def test_bad_pairs_are_refused(rig, pairs):
    with pytest.raises(ValidationError) as exc:
        services.round_create(
            actor=act(rig.world.users.district_admin),
            area=rig.world.district,
            kind=RoundKind.CROSS,
            period_start=rig.start,
            period_end=rig.end,
            pairs=pairs(rig.world),
        )
    assert "pairs" in exc.value.message_dict


def test_an_item_nobody_could_take_is_assigned_by_a_supervisor(rig):
    world = rig.world
    # Only the collector works in the street: nobody else can check a2's records.
    round = services.round_create(
        actor=act(world.users.district_admin),
        area=world.grid_a2,
        period_start=rig.start,
        period_end=rig.end,
        percent=10,
    )
    from wangge.accounts.services import user_deactivate

    for user in (rig.wa1, rig.wa1b, world.users.grid_worker):
        user_deactivate(actor=Actor.system(), user=user, reason="调走")
    result = services.round_draw(actor=act(world.users.district_admin), round=round)
    item = RecheckItem.objects.filter(round=round, collector=rig.wa2).first()
    assert result["unassigned"] >= 1 and item.checker_id is None and item.task_id is None
    with pytest.raises(ValidationError) as exc:
        services.item_assign(actor=act(world.users.district_admin), item=item, checker=rig.wa2)
    assert "checker" in exc.value.message_dict
    services.item_assign(actor=act(world.users.district_admin), item=item, checker=world.users.grid_worker_b)
    item.refresh_from_db()
    assert item.checker == world.users.grid_worker_b
    assert item.task.assignee == world.users.grid_worker_b and item.task.kind == TaskKind.RECHECK


def test_items_and_findings_are_never_deleted(rig):
    from wangge.core.models import RecordDeletionForbidden

    round, _ = drawn_round(rig)
    item = RecheckItem.objects.filter(round=round).first()
    services.recheck_record(actor=act(item.checker), item=item, findings=all_right(item))
    with pytest.raises(RecordDeletionForbidden):
        item.delete()
    with pytest.raises(RecordDeletionForbidden):
        item.findings.first().delete()
