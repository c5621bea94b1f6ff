"""Accounts API: token login, tokens of disabled users, colleagues managed by admins within their scope."""

import pytest

from wangge.accounts.models import ApiToken, User
from wangge.core.tests.test_api import Api, errors, ids, last_record

NEW_PASSWORD = "a-long-enough-passphrase"


def login(username, password):
    return Api().post("/auth/token", {"username": username, "password": password})


def test_token_login_and_use(world):
    response = login("grid_worker", world.password)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert Api(token=body["token"]).get("/people/").status_code == 200


def test_wrong_credentials_give_one_answer(world):
    wrong_password = login("grid_worker", "wrong-password")
    unknown_user = login("nobody-at-all", world.password)
    world.users.informant.is_active = False
    world.users.informant.save()
    disabled = login("informant", world.password)
    assert wrong_password.status_code == unknown_user.status_code == disabled.status_code == 401
    # No hint which part was wrong.
    assert wrong_password.content == unknown_user.content == disabled.content


def test_login_input_is_validated(world):
    assert "username" in errors(login("gr\x00id", world.password))
    assert "password" in errors(Api().post("/auth/token", {"username": "grid_worker"}))
    assert "extra" in errors(Api().post("/auth/token", {"username": "a", "password": "b", "extra": 1}))


def test_disabled_users_token_stops_working(world):
    api = Api(world.users.grid_worker)
    assert api.get("/people/").status_code == 200
    world.users.grid_worker.is_active = False
    world.users.grid_worker.save()
    assert api.get("/people/").status_code == 401


def test_deactivation_through_the_api_kills_tokens_and_is_audited(world):
    admin = Api(world.users.street_admin)
    worker = Api(world.users.grid_worker)
    response = admin.post(f"/users/{world.users.grid_worker.pk}/end", {"reason": "调离"})
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert worker.get("/people/").status_code == 401
    assert not ApiToken.objects.filter(user=world.users.grid_worker).exists()
    record = last_record(world.users.grid_worker, "end")
    assert record.source == "api" and record.user == world.users.street_admin and record.reason == "调离"
    assert "user" in errors(admin.post(f"/users/{world.users.grid_worker.pk}/end", {"reason": "again"}))
    assert "user" in errors(admin.post(f"/users/{world.users.street_admin.pk}/end", {"reason": "self"}))


def test_admin_creates_user_within_scope(world):
    admin = Api(world.users.street_admin)
    body = {"username": "new_worker", "password": NEW_PASSWORD, "role": "grid_worker", "name": "新网格员",
            "phone": "13800001111", "areas": [world.grid_a2.pk]}  # fmt: skip
    response = admin.post("/users/", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["phone"] == "138****1111"
    assert [a["area_code"] for a in created["assignments"]] == [world.grid_a2.code]
    assert "password" not in created
    user = User.objects.get(username="new_worker")
    assert user.check_password(NEW_PASSWORD)
    assert last_record(user, "create").source == "api"
    assert login("new_worker", NEW_PASSWORD).status_code == 200
    assert ids(Api(user).get("/people/")) == {world.a2.person.pk}


def test_user_create_errors(world):
    admin = Api(world.users.street_admin)
    body = {
        "username": "someone",
        "password": NEW_PASSWORD,
        "role": "grid_worker",
        "areas": [world.grid_a1.pk],
    }
    assert errors(admin.post("/users/", {**body, "areas": [world.grid_b1.pk]}))["areas"] == [
        "所选记录不存在。"
    ]
    assert "areas" in errors(admin.post("/users/", {**body, "areas": []}))
    assert "username" in errors(admin.post("/users/", {**body, "username": "grid_worker"}))
    assert "username" in errors(admin.post("/users/", {**body, "username": "有 空格"}))
    assert "password" in errors(admin.post("/users/", {**body, "password": "short"}))
    assert "role" in errors(admin.post("/users/", {**body, "role": "superuser"}))
    assert "phone" in errors(admin.post("/users/", {**body, "phone": "123"}))
    assert "email" in errors(admin.post("/users/", {**body, "email": "not-an-email"}))
    # The police grid reaches into street b, outside this admin's scope: granting it would widen a view.
    assert "police_grids" in errors(admin.post("/users/", {**body, "police_grids": [world.police_grid.pk]}))
    assert (
        Api(world.users.district_admin)
        .post(
            "/users/", {**body, "role": "police_officer", "areas": [], "police_grids": [world.police_grid.pk]}
        )
        .status_code
        == 201
    )


def test_only_admins_manage_users(world):
    api = Api(world.users.grid_chief)
    body = {"username": "x_user", "password": NEW_PASSWORD, "role": "viewer", "areas": [world.grid_a1.pk]}
    assert api.post("/users/", body).status_code == 403
    assert api.patch(f"/users/{world.users.grid_worker.pk}", {"name": "改名"}).status_code == 403
    assert api.post(f"/users/{world.users.grid_worker.pk}/end", {"reason": "x"}).status_code == 403


def test_update_and_history_masks_phone(world):
    admin = Api(world.users.street_admin)
    target = world.users.grid_worker
    response = admin.patch(f"/users/{target.pk}", {"phone": "13955556666", "role": "grid_manager"})
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "139****6666" and response.json()["role"] == "grid_manager"
    history = admin.get(f"/users/{target.pk}/history").json()["items"]
    assert history[0]["changes"]["phone"] == ["", "139****6666"]
    assert "13955556666" not in str(history)
    assert "role" in errors(admin.patch(f"/users/{world.users.street_admin.pk}", {"role": "viewer"}))


def test_filters(world):
    api = Api(world.users.district_admin)
    assert ids(api.get("/users/", role="police_officer")) == {world.users.police_officer.pk}
    assert ids(api.get("/users/", q="grid_worker_b")) == {world.users.grid_worker_b.pk}


def test_list_query_count_is_constant(world, django_assert_max_num_queries):
    api = Api(world.users.district_admin)
    with django_assert_max_num_queries(8):
        assert api.get("/users/").json()["count"] == 12


@pytest.mark.parametrize("path", ["/users/", "/people/", "/areas/"])
def test_every_resource_needs_a_token(world, path):
    assert Api().get(path).status_code == 401
