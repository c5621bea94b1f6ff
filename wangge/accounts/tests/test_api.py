"""Accounts API: token login, tokens of disabled users, colleagues managed by admins within their scope."""

import pytest

from wangge.accounts.models import ApiToken, User
from wangge.accounts.services import team_add_member
from wangge.core.actor import Actor
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


# --- assignments --------------------------------------------------------------------------------------------


def test_add_and_end_an_assignment_and_the_token_loses_the_area_at_once(world):
    admin = Api(world.users.street_admin)
    worker = world.users.grid_worker
    worker_api = Api(worker)
    assert ids(worker_api.get("/people/")) == {world.a1.person.pk}
    response = admin.post(f"/users/{worker.pk}/assignments", {"area": world.grid_a2.pk})
    assert response.status_code == 201, response.content
    added = response.json()
    assert added["area_code"] == world.grid_a2.code and added["ended_on"] is None
    assert ids(worker_api.get("/people/")) == {world.a1.person.pk, world.a2.person.pk}
    old = worker.assignments.get(area=world.grid_a1)
    response = admin.post(f"/users/{worker.pk}/assignments/{old.pk}/end", {"reason": "调整网格"})
    assert response.status_code == 200, response.content
    assert response.json()["ended_on"] and response.json()["end_reason"] == "调整网格"
    # The same token, the very next request: grid a1 is gone.
    assert ids(worker_api.get("/people/")) == {world.a2.person.pk}
    assert worker_api.get(f"/people/{world.a1.person.pk}").status_code == 404
    assert worker_api.get(f"/areas/{world.grid_a1.pk}").status_code == 404
    body = admin.get(f"/users/{worker.pk}").json()
    assert [a["area_code"] for a in body["assignments"]] == [world.grid_a2.code]
    assert [(a["area_code"], a["end_reason"]) for a in body["past_assignments"]] == [
        (world.grid_a1.code, "调整网格")
    ]
    record = last_record(old, "end")
    assert record.source == "api" and record.user == world.users.street_admin and record.reason == "调整网格"


def test_assignment_errors_name_the_field(world):
    admin = Api(world.users.street_admin)
    worker = world.users.grid_worker
    url = f"/users/{worker.pk}/assignments"
    assert "area" in errors(admin.post(url, {}))
    assert "area" in errors(admin.post(url, {"area": world.grid_a2.pk, "police_grid": world.police_grid.pk}))
    assert errors(admin.post(url, {"area": world.grid_b1.pk}))["area"] == ["所选记录不存在。"]
    assert "area" in errors(admin.post(url, {"area": world.grid_a1.pk}))  # already there
    assert "police_grid" in errors(admin.post(url, {"police_grid": world.police_grid.pk}))
    assert "area" in errors(admin.post(url, {"area": "1"}))
    assert "area" in errors(admin.post(url, {"area": True}))
    assert "extra" in errors(admin.post(url, {"area": world.grid_a2.pk, "extra": 1}))
    only = worker.assignments.get()
    end = f"/users/{worker.pk}/assignments/{only.pk}/end"
    assert "assignment" in errors(admin.post(end, {"reason": "最后一个"}))
    assert "reason" in errors(admin.post(end, {"reason": "\x00"}))
    assert "reason" in errors(admin.post(end, {"reason": "x" * 1_000_000}))
    assert "reason" in errors(admin.post(end, {"reason": 12}))
    assert "reason" in errors(admin.post(end, {}))
    assert admin.post(end, raw="{not json").status_code == 400
    assert worker.assignments.get().ended_on is None


def test_assignments_out_of_scope_or_of_someone_else_answer_404(world):
    admin = Api(world.users.street_admin)
    other = world.users.grid_worker_b
    theirs = other.assignments.get()
    assert admin.post(f"/users/{other.pk}/assignments", {"area": world.grid_a2.pk}).status_code == 404
    assert admin.post(f"/users/{other.pk}/assignments/{theirs.pk}/end", {"reason": "x"}).status_code == 404
    # Someone in scope, but the assignment is not theirs: the same 404.
    worker = world.users.grid_worker
    response = admin.post(f"/users/{worker.pk}/assignments/{theirs.pk}/end", {"reason": "x"})
    assert response.status_code == 404 and response.json() == {"detail": "未找到"}
    assert admin.post(f"/users/{worker.pk}/assignments/{2**63 - 1}/end", {"reason": "x"}).status_code == 404


def test_only_admins_add_or_end_assignments(world):
    chief = Api(world.users.grid_chief)
    worker = world.users.grid_worker
    assignment = worker.assignments.get()
    assert chief.post(f"/users/{worker.pk}/assignments", {"area": world.grid_a2.pk}).status_code == 403
    assert (
        chief.post(f"/users/{worker.pk}/assignments/{assignment.pk}/end", {"reason": "x"}).status_code == 403
    )
    assert worker.assignments.count() == 1


# --- grid teams ------------------------------------------------------------------------------------------------


@pytest.fixture
def team(world):
    system = Actor.system()
    return [
        team_add_member(
            actor=system, grid=world.grid_a1, kind="auxiliary_police", name="郑辅警", phone="13900001111"
        ),
        team_add_member(actor=system, grid=world.grid_a1, kind="grid_worker", user=world.users.grid_worker),
        team_add_member(
            actor=system, grid=world.grid_a1, kind="volunteer", name="陈楼长", phone="13900002222"
        ),
    ]


def test_team_is_read_in_scope_with_phones_masked(world, team):
    body = Api(world.users.grid_worker).get(f"/areas/{world.grid_a1.pk}/team").json()
    assert body["grid_code"] == world.grid_a1.code and body["id"] == team[0].team_id
    assert [m["kind"] for m in body["members"]] == ["auxiliary_police", "grid_worker", "volunteer"]
    assert body["members"][0]["phone"] == "139****1111" and "13900001111" not in str(body)
    assert body["members"][1]["username"] == "grid_worker"
    empty = Api(world.users.grid_worker).get(f"/areas/{world.grid_a2.pk}")
    assert empty.status_code == 404  # grid a2 lies outside the grid worker's scope
    assert Api(world.users.grid_chief).get(f"/areas/{world.grid_a2.pk}/team").json() == {
        "id": None, "grid_id": world.grid_a2.pk, "grid_code": world.grid_a2.code, "grid_name": "海沧二格",
        "members": [],
    }  # fmt: skip


def test_team_out_of_scope_or_not_a_grid_answers_404(world, team):
    worker_b = Api(world.users.grid_worker_b)
    member = team[2]
    for response in [
        worker_b.get(f"/areas/{world.grid_a1.pk}/team"),
        worker_b.post(f"/areas/{world.grid_a1.pk}/team/members", {"kind": "volunteer", "name": "x"}),
        worker_b.get(f"/team-members/{member.pk}"),
        worker_b.patch(f"/team-members/{member.pk}", {"name": "x"}),
        worker_b.post(f"/team-members/{member.pk}/end", {"reason": "x"}),
        worker_b.get(f"/team-members/{member.pk}/history"),
        Api(world.users.district_admin).get(f"/areas/{world.big_a.pk}/team"),
        Api(world.users.street_admin).get(f"/team-members/{world.team_member.pk}"),
    ]:
        assert response.status_code == 404 and response.json() == {"detail": "未找到"}
    # Grid b1's volunteer: seen from street b and by the police grid covering b1.
    for username in ("viewer", "police_officer", "grid_worker_b"):
        body = Api(getattr(world.users, username)).get(f"/team-members/{world.team_member.pk}").json()
        assert body["name"] == "林阿姨" and body["phone"] == "139****4444"


def test_grid_workers_read_the_team_but_do_not_staff_it(world, team):
    worker = Api(world.users.grid_worker)
    member = team[2]
    assert worker.get(f"/team-members/{member.pk}").status_code == 200
    assert (
        worker.post(f"/areas/{world.grid_a1.pk}/team/members", {"kind": "volunteer", "name": "x"}).status_code
        == 403
    )
    assert worker.patch(f"/team-members/{member.pk}", {"name": "x"}).status_code == 403
    assert worker.post(f"/team-members/{member.pk}/end", {"reason": "x"}).status_code == 403
    member.refresh_from_db()
    assert member.name == "陈楼长" and member.ended_on is None


def test_a_grid_chief_adds_edits_and_ends_a_member(world, team):
    chief = Api(world.users.grid_chief)
    response = chief.post(
        f"/areas/{world.grid_a1.pk}/team/members",
        {"kind": "volunteer", "name": "黄大爷", "phone": "13900003333", "joined_on": "2025-06-01"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (
        created["phone"] == "139****3333" and created["joined_on"] == "2025-06-01" and created["version"] == 1
    )
    pk = created["id"]
    response = chief.patch(f"/team-members/{pk}", {"user": world.users.informant.pk, "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["username"] == "informant" and response.json()["version"] == 2
    assert "version" in errors(chief.patch(f"/team-members/{pk}", {"name": "旧", "version": 1}))
    assert chief.patch(f"/team-members/{pk}", {"user": None}).json()["user_id"] is None
    response = chief.post(f"/team-members/{pk}/end", {"reason": "身体原因", "on": "2026-01-05"})
    assert response.status_code == 200, response.content
    assert response.json()["ended_on"] == "2026-01-05" and response.json()["end_reason"] == "身体原因"
    history = chief.get(f"/team-members/{pk}/history").json()["items"]
    assert [i["action"] for i in history] == ["end", "change", "change", "create"]
    assert history[-1]["changes"]["phone"] == [None, "139****3333"] and "13900003333" not in str(history)
    assert all(i["source"] == "api" and i["username"] == "grid_chief" for i in history)
    members = chief.get(f"/areas/{world.grid_a1.pk}/team").json()["members"]
    assert members[-1]["id"] == pk  # who left is listed last
    assert "ended_on" in errors(chief.patch(f"/team-members/{pk}", {"name": "x"}))


def test_team_member_input_errors_name_the_field(world, team):
    chief = Api(world.users.grid_chief)
    url = f"/areas/{world.grid_a1.pk}/team/members"
    base = {"kind": "volunteer", "name": "新成员"}
    for body, field in [
        ({**base, "kind": "boss"}, "kind"),
        ({**base, "kind": 1}, "kind"),
        ({"kind": "volunteer"}, "name"),
        ({**base, "name": "坏\x00名"}, "name"),
        ({**base, "name": "x" * 1_000_000}, "name"),
        ({**base, "phone": "12"}, "phone"),
        ({**base, "user": world.users.grid_worker_b.pk}, "user"),
        ({**base, "user": "3"}, "user"),
        ({**base, "joined_on": "2025-13-01"}, "joined_on"),
        ({**base, "joined_on": 1700000000}, "joined_on"),
        ({**base, "joined_on": "2999-01-01"}, "joined_on"),
        ({**base, "nickname": "x"}, "nickname"),
    ]:
        assert field in errors(chief.post(url, body)), body
    member = team[2]
    for body, field in [({"name": None}, "name"), ({"name": ""}, "name"), ({"version": 0}, "version"),
                        ({"joined_on": None}, "joined_on")]:  # fmt: skip
        assert field in errors(chief.patch(f"/team-members/{member.pk}", body)), body
    end = f"/team-members/{member.pk}/end"
    assert "reason" in errors(chief.post(end, {"reason": ""}))
    assert "ended_on" in errors(chief.post(end, {"reason": "x", "on": "2000-01-01"}))


def test_team_query_count_is_constant(world, team, django_assert_max_num_queries):
    api = Api(world.users.district_admin)
    with django_assert_max_num_queries(6):
        assert len(api.get(f"/areas/{world.grid_a1.pk}/team").json()["members"]) == 3
