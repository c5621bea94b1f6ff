"""Account rules hold in the service, whichever door (web, API, command) the request came through."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from wangge.accounts.models import Team, User
from wangge.accounts.roles import Role
from wangge.accounts.services import (
    assignment_add,
    assignment_end,
    team_add_member,
    team_member_end,
    team_member_update,
    user_create,
    user_deactivate,
    user_update,
)
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, RecordDeletionForbidden, Source
from wangge.people.models import Person

SYSTEM = Actor.system()


def as_user(user):
    return Actor(user=user, source=Source.WEB)


def test_a_new_account_needs_somewhere_to_work(world):
    with pytest.raises(ValidationError) as exc:
        user_create(
            actor=as_user(world.users.street_admin),
            username="nowhere",
            password="long-enough-pw-1",
            role=Role.GRID_WORKER,
        )
    assert "areas" in exc.value.message_dict


def test_no_one_grants_a_role_above_their_own(world):
    with pytest.raises(ValidationError) as exc:
        user_create(
            actor=as_user(world.users.community_admin),
            username="boss",
            password="long-enough-pw-1",
            role=Role.DISTRICT_ADMIN,
            areas=[world.community_a],
        )
    assert "role" in exc.value.message_dict


def test_no_one_grants_an_area_outside_their_scope(world):
    with pytest.raises(ValidationError) as exc:
        assignment_add(
            actor=as_user(world.users.street_admin), user=world.users.grid_worker, area=world.grid_b1
        )
    assert exc.value.message_dict == {"area": ["所选记录不存在。"]}


def test_managers_cannot_touch_higher_accounts_or_themselves(world):
    with pytest.raises(PermissionDenied):
        user_update(actor=as_user(world.users.community_admin), user=world.users.street_admin, name="X")
    with pytest.raises(ValidationError) as exc:
        user_update(actor=as_user(world.users.street_admin), user=world.users.street_admin, role=Role.VIEWER)
    assert "role" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        user_deactivate(actor=as_user(world.users.street_admin), user=world.users.street_admin, reason="x")
    assert "user" in exc.value.message_dict


def test_deactivation_is_recorded_and_blocks_login(world, client):
    user_deactivate(actor=as_user(world.users.district_admin), user=world.users.grid_worker, reason="离职")
    world.users.grid_worker.refresh_from_db()
    assert not world.users.grid_worker.is_active
    assert not client.login(username="grid_worker", password=world.password)


# --- ending an assignment (任职区域) -------------------------------------------------------------------------


def visible_people(user) -> set[int]:
    return set(Person.objects.visible_to(user).values_list("pk", flat=True))


def records_of(instance, action):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk, action=action
    )


def test_an_ended_assignment_takes_its_area_away_and_stays_recorded(world):
    admin = as_user(world.users.street_admin)
    worker = world.users.grid_worker
    old = worker.assignments.get()
    assignment_add(actor=admin, user=worker, area=world.grid_a2)
    assert visible_people(worker) == {world.a1.person.pk, world.a2.person.pk}
    assignment_end(actor=admin, assignment=old, reason="调整网格")
    assert visible_people(worker) == {world.a2.person.pk}
    old.refresh_from_db()
    assert old.ended_on is not None and old.end_reason == "调整网格"
    assert worker.assignments.count() == 2
    record = records_of(old, ChangeAction.END).get()
    assert record.user == world.users.street_admin and record.reason == "调整网格"
    assert record.changes["end_reason"] == ["", "调整网格"]


def test_the_last_current_assignment_of_an_active_user_cannot_end(world):
    admin = as_user(world.users.district_admin)
    worker = world.users.grid_worker
    with pytest.raises(ValidationError) as exc:
        assignment_end(actor=admin, assignment=worker.assignments.get(), reason="调离")
    assert "唯一" in exc.value.message_dict["assignment"][0]
    user_deactivate(actor=admin, user=worker, reason="离职")
    worker.refresh_from_db()
    assignment_end(actor=admin, assignment=worker.assignments.get(), reason="离职")
    assert not worker.assignments.current().exists()
    # A disabled account stays findable where it last worked, so its history can still be read.
    assert User.objects.visible_to(world.users.grid_manager).filter(pk=worker.pk).exists()


def test_ending_follows_the_rules_of_granting(world):
    street_admin = as_user(world.users.street_admin)
    # Another street's worker: the area lies outside this admin's scope.
    with pytest.raises(ValidationError) as exc:
        assignment_end(actor=street_admin, assignment=world.users.grid_worker_b.assignments.get(), reason="x")
    assert exc.value.message_dict == {"assignment": ["所选记录不存在。"]}
    # The police grid reaches into street b: this admin could not grant it, so cannot take it back either.
    with pytest.raises(ValidationError) as exc:
        assignment_end(
            actor=street_admin, assignment=world.users.police_officer.assignments.get(), reason="x"
        )
    assert exc.value.message_dict == {"assignment": ["所选记录不存在。"]}
    # A higher-ranked account, and a role that manages no one.
    with pytest.raises(PermissionDenied):
        assignment_end(
            actor=as_user(world.users.community_admin),
            assignment=world.users.street_admin.assignments.get(),
            reason="x",
        )
    with pytest.raises(PermissionDenied):
        assignment_end(
            actor=as_user(world.users.grid_chief),
            assignment=world.users.grid_worker.assignments.get(),
            reason="x",
        )


def test_ending_needs_a_reason_and_happens_once(world):
    admin = as_user(world.users.street_admin)
    worker = world.users.grid_worker
    assignment_add(actor=admin, user=worker, area=world.grid_a2)
    first = worker.assignments.get(area=world.grid_a1)
    with pytest.raises(ValidationError) as exc:
        assignment_end(actor=admin, assignment=first, reason="  ")
    assert "reason" in exc.value.message_dict
    assignment_end(actor=admin, assignment=first, reason="调整")
    with pytest.raises(ValidationError) as exc:
        assignment_end(actor=admin, assignment=first, reason="again")
    assert "assignment" in exc.value.message_dict


def test_an_area_is_not_assigned_twice_but_may_be_again_after_it_ended(world):
    admin = as_user(world.users.street_admin)
    worker = world.users.grid_worker
    with pytest.raises(ValidationError) as exc:
        assignment_add(actor=admin, user=worker, area=world.grid_a1)
    assert "area" in exc.value.message_dict
    assignment_add(actor=admin, user=worker, area=world.grid_a2)
    assignment_end(actor=admin, assignment=worker.assignments.get(area=world.grid_a1), reason="调整")
    assignment_add(actor=admin, user=worker, area=world.grid_a1)
    assert worker.assignments.current().count() == 2


def test_colleagues_who_left_an_area_drop_out_of_its_list(world):
    district = as_user(world.users.district_admin)
    worker = world.users.grid_worker
    assignment_add(actor=district, user=worker, area=world.grid_b1)
    assert User.objects.visible_to(world.users.viewer).filter(pk=worker.pk).exists()
    assignment_end(actor=district, assignment=worker.assignments.get(area=world.grid_b1), reason="调回")
    assert not User.objects.visible_to(world.users.viewer).filter(pk=worker.pk).exists()
    assert User.objects.visible_to(world.users.grid_manager).filter(pk=worker.pk).exists()


def test_assignments_are_never_deleted(world):
    with pytest.raises(RecordDeletionForbidden):
        world.users.grid_worker.assignments.get().delete()


# --- grid teams (入户工作小组) --------------------------------------------------------------------------------


def test_a_grid_chief_staffs_a_team_and_every_step_is_recorded(world):
    chief = as_user(world.users.grid_chief)
    member = team_add_member(
        actor=chief, grid=world.grid_a1, kind="volunteer", name="陈楼长", phone="138 1234 5678"
    )
    assert member.phone == "13812345678" and member.team.grid == world.grid_a1
    assert records_of(member.team, ChangeAction.CREATE).get().user == world.users.grid_chief
    assert records_of(member, ChangeAction.CREATE).get().changes["name"] == [None, "陈楼长"]
    # The worker's own account: the name comes with it.
    linked = team_add_member(
        actor=chief, grid=world.grid_a1, kind="grid_worker", user=world.users.grid_worker
    )
    assert linked.name == "grid_worker" and Team.objects.filter(grid=world.grid_a1).count() == 1

    diff = team_member_update(actor=chief, member=member, expected_version=1, kind="auxiliary_police")
    assert diff == {"kind": ["volunteer", "auxiliary_police"]} and member.version == 2
    with pytest.raises(ValidationError) as exc:
        team_member_update(actor=chief, member=member, expected_version=1, name="旧版本")
    assert "version" in exc.value.message_dict

    team_member_end(actor=chief, member=member, reason="搬离社区", left_on=datetime.date.today())
    member.refresh_from_db()
    assert member.ended_on == datetime.date.today() and member.end_reason == "搬离社区"
    assert records_of(member, ChangeAction.END).get().reason == "搬离社区"
    with pytest.raises(ValidationError) as exc:
        team_member_update(actor=chief, member=member, name="改名")
    assert "ended_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        team_member_end(actor=chief, member=member, reason="again")
    assert "ended_on" in exc.value.message_dict


def test_who_may_staff_which_team(world):
    for username in ("grid_worker", "grid_manager", "police_officer", "viewer", "deputy_grid_chief"):
        with pytest.raises(PermissionDenied):
            team_add_member(
                actor=as_user(getattr(world.users, username)), grid=world.grid_a1, kind="volunteer", name="x"
            )
    # A grid outside the chief's big grid reads as not found.
    with pytest.raises(ValidationError) as exc:
        team_add_member(actor=as_user(world.users.grid_chief), grid=world.grid_b1, kind="volunteer", name="x")
    assert exc.value.message_dict == {"grid": ["所选记录不存在。"]}
    with pytest.raises(ValidationError) as exc:
        team_add_member(actor=as_user(world.users.grid_chief), grid=world.big_a, kind="volunteer", name="x")
    assert "grid" in exc.value.message_dict
    member = team_add_member(actor=SYSTEM, grid=world.grid_b1, kind="volunteer", name="林阿姨")
    with pytest.raises(ValidationError):
        team_member_end(actor=as_user(world.users.community_admin), member=member, reason="x")


def test_member_input_is_checked(world):
    chief = as_user(world.users.grid_chief)
    cases = [
        ({"phone": "123"}, "phone"),
        ({"name": ""}, "name"),
        ({"kind": "boss"}, "kind"),
        ({"name": "坏\x00名"}, "name"),
        ({"name": "x" * 1000}, "name"),
        ({"user": world.users.grid_worker_b}, "user"),
        ({"joined_on": datetime.date.today() + datetime.timedelta(days=3)}, "joined_on"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationError) as exc:
            team_add_member(actor=chief, grid=world.grid_a1, **{"kind": "volunteer", "name": "x", **changes})
        assert field in exc.value.message_dict, changes
    member = team_add_member(
        actor=chief, grid=world.grid_a1, kind="volunteer", name="x", joined_on=datetime.date(2025, 1, 1)
    )
    with pytest.raises(ValidationError) as exc:
        team_member_end(actor=chief, member=member, reason="x", left_on=datetime.date(2024, 12, 31))
    assert "ended_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        team_member_end(actor=chief, member=member, reason="")
    assert "reason" in exc.value.message_dict


def test_within_one_request_the_scope_is_read_once_and_a_change_of_assignment_is_seen_at_once(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wangge.accounts.scope import RequestScopeMiddleware

    admin = as_user(world.users.street_admin)
    worker = world.users.grid_worker
    old = worker.assignments.get()
    seen = []

    def request_body(request):
        with CaptureQueriesContext(connection) as reads:
            first = visible_people(worker)
            assert visible_people(worker) == first
        seen.append(first)
        assignments_read = [q for q in reads.captured_queries if "accounts_assignment" in q["sql"]]
        assert len(assignments_read) == 1
        assignment_add(actor=admin, user=worker, area=world.grid_a2)
        seen.append(visible_people(worker))
        assignment_end(actor=admin, assignment=old, reason="调整网格")
        seen.append(visible_people(worker))
        return None

    RequestScopeMiddleware(request_body)(object())
    a1, a2 = world.a1.person.pk, world.a2.person.pk
    assert seen == [{a1}, {a1, a2}, {a2}]


def test_a_held_scope_is_read_once_follows_a_change_of_assignment_and_ends_with_its_block(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wangge.accounts.scope import grid_visible, request_memo, scope_held

    admin = as_user(world.users.street_admin)
    worker = world.users.grid_worker
    old = worker.assignments.get()
    grids = (world.a1.person.grid_id, world.a2.person.grid_id)
    with scope_held(worker):
        with CaptureQueriesContext(connection) as reads:
            first = [grid_visible(worker, g) for g in grids]
            assert [grid_visible(worker, g) for g in grids] == first
        assert first == [True, False]
        assert reads.captured_queries == []
        assignment_add(actor=admin, user=worker, area=world.grid_a2)
        assignment_end(actor=admin, assignment=old, reason="调整网格")
        assert [grid_visible(worker, g) for g in grids] == [False, True]
    assert request_memo() is None
