"""Account rules hold in the service, whichever door (web, API, command) the request came through."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wangge.accounts.roles import Role
from wangge.accounts.services import assignment_add, user_create, user_deactivate, user_update
from wangge.core.actor import Actor
from wangge.core.models import Source


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
    assert "areas" in exc.value.message_dict


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
