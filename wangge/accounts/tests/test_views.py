"""Web pages of staff accounts: colleagues in scope only; admins manage, within their own level."""

import pytest
from django.urls import reverse

from wangge.accounts.models import User
from wangge.accounts.roles import Role
from wangge.accounts.services import assignment_add, team_add_member
from wangge.core.actor import Actor


def login(client, world, username):
    client.force_login(getattr(world.users, username))
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize(
    "username",
    [
        "district_admin",
        "street_admin",
        "community_admin",
        "grid_chief",
        "grid_worker",
        "police_officer",
        "viewer",
    ],
)
def test_user_list_shows_exactly_the_colleagues_in_scope(client, world, username):
    viewer = getattr(world.users, username)
    html = page(login(client, world, username), reverse("accounts:list"))
    visible = set(User.objects.visible_to(viewer).values_list("pk", flat=True))
    for account in User.objects.all():
        assert (f'href="{reverse("accounts:detail", args=[account.pk])}"' in html.split("<main", 1)[1]) == (
            account.pk in visible
        ), account.username
    expected_pairs = {
        "grid_worker": ({"grid_worker", "grid_manager", "informant"}, {"grid_worker_b", "district_admin"}),
        "viewer": ({"grid_worker_b", "viewer"}, {"grid_worker", "street_admin"}),
        "street_admin": ({"street_admin", "grid_worker", "grid_chief"}, {"district_admin", "viewer"}),
    }
    if username in expected_pairs:
        seen, unseen = expected_pairs[username]
        names = set(User.objects.filter(pk__in=visible).values_list("username", flat=True))
        assert seen <= names and not (unseen & names)


def test_users_outside_the_scope_answer_404(client, world):
    login(client, world, "street_admin")
    for account in (world.users.district_admin, world.users.viewer, world.users.grid_worker_b):
        for url in [
            reverse("accounts:detail", args=[account.pk]),
            reverse("accounts:edit", args=[account.pk]),
            reverse("accounts:deactivate", args=[account.pk]),
            reverse("accounts:assignment_create", args=[account.pk]),
        ]:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"reason": "x", "role": "viewer"}).status_code == 404, url
    assert User.objects.get(pk=world.users.viewer.pk).is_active


def test_own_account_always_opens(client, world, django_user_model):
    lonely = django_user_model.objects.create_user("lonely", password="a-long-password-1")
    client.force_login(lonely)
    assert client.get(reverse("accounts:detail", args=[lonely.pk])).status_code == 200
    assert client.get(reverse("home")).status_code == 200


def test_user_phone_is_masked(client, world):
    account = world.users.grid_worker
    account.phone = "13512345678"
    account.save()
    html = page(login(client, world, "district_admin"), reverse("accounts:detail", args=[account.pk]))
    assert "13512345678" not in html and "135****5678" in html


def test_admin_creates_a_user_with_an_area(client, world):
    login(client, world, "community_admin")
    data = {
        "username": "new_worker",
        "password": "a-good-pass-2026",
        "name": "新网格员",
        "role": Role.GRID_WORKER,
        "phone": "",
        "email": "",
        "area": world.grid_a2.pk,
    }
    response = client.post(reverse("accounts:create"), data)
    assert response.status_code == 302
    account = User.objects.get(username="new_worker")
    assert account.check_password("a-good-pass-2026")
    assert list(account.assignments.values_list("area_id", flat=True)) == [world.grid_a2.pk]
    html = page(client, reverse("accounts:detail", args=[account.pk]))
    assert "网页" in html[html.index('id="history"') :]


def test_create_user_errors(client, world):
    login(client, world, "community_admin")
    base = {
        "username": "u1",
        "password": "a-good-pass-2026",
        "name": "",
        "role": Role.GRID_WORKER,
        "area": world.grid_a1.pk,
    }
    for changes, field in [
        ({"username": "grid_worker"}, "username"),
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"area": world.grid_b1.pk}, "area"),
        ({"area": ""}, "area"),
        ({"role": Role.DISTRICT_ADMIN}, "role"),
        ({"username": "bad name!"}, "username"),
        ({"username": "\x00"}, "username"),
    ]:
        response = client.post(reverse("accounts:create"), {**base, **changes})
        assert response.status_code == 200, changes
        assert field in response.context["form"].errors, (changes, response.context["form"].errors)
    assert not User.objects.filter(username="u1").exists()


@pytest.mark.parametrize(
    "username", ["grid_chief", "grid_worker", "police_officer", "department_staff", "viewer"]
)
def test_only_admins_manage_users(client, world, username):
    login(client, world, username)
    target = world.users.informant if username != "viewer" else world.users.grid_worker_b
    role_before = target.role
    html = page(client, reverse("accounts:detail", args=[target.pk]))
    assert reverse("accounts:edit", args=[target.pk]) not in html
    for url in [
        reverse("accounts:create"),
        reverse("accounts:edit", args=[target.pk]),
        reverse("accounts:deactivate", args=[target.pk]),
        reverse("accounts:assignment_create", args=[target.pk]),
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x", "role": "district_admin"}).status_code == 403, url
    target.refresh_from_db()
    assert target.is_active and target.role == role_before


def test_admin_edits_role_and_deactivates(client, world):
    login(client, world, "street_admin")
    target = world.users.informant
    response = client.post(
        reverse("accounts:edit", args=[target.pk]),
        {"name": "信息员甲", "role": Role.GRID_WORKER, "phone": "", "email": "", "is_party_member": "on"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.GRID_WORKER and target.is_party_member
    # A street admin cannot hand out the district admin role.
    response = client.post(
        reverse("accounts:edit", args=[target.pk]), {"name": "x", "role": Role.DISTRICT_ADMIN}
    )
    assert response.status_code == 200 and "role" in response.context["form"].errors
    response = client.post(reverse("accounts:deactivate", args=[target.pk]), {"reason": ""})
    assert response.status_code == 200
    response = client.post(reverse("accounts:deactivate", args=[target.pk]), {"reason": "调离"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert User.objects.filter(pk=target.pk).exists()
    html = page(client, reverse("accounts:detail", args=[target.pk]))
    assert "已停用" in html and "调离" in html


def test_an_admin_cannot_deactivate_themselves_or_a_higher_admin(client, world):
    login(client, world, "community_admin")
    me = world.users.community_admin
    response = client.post(reverse("accounts:deactivate", args=[me.pk]), {"reason": "x"})
    assert response.status_code == 200 and "不能停用自己的账号" in response.content.decode()
    assert User.objects.get(pk=me.pk).is_active
    # The street admin works in the community admin's street, but above it: not visible, so 404.
    assert (
        client.post(
            reverse("accounts:deactivate", args=[world.users.street_admin.pk]), {"reason": "x"}
        ).status_code
        == 404
    )


def test_assignment_add(client, world):
    login(client, world, "district_admin")
    target = world.users.grid_worker_b
    url = reverse("accounts:assignment_create", args=[target.pk])
    assert client.post(url, {}).status_code == 200
    assert (
        client.post(url, {"area": world.grid_a1.pk, "police_grid": world.police_grid.pk}).status_code == 200
    )
    assert client.post(url, {"area": world.grid_a2.pk}).status_code == 302
    assert set(target.assignments.values_list("area_id", flat=True)) == {world.grid_b1.pk, world.grid_a2.pk}


def test_nul_and_huge_input_never_500(client, world):
    login(client, world, "district_admin")
    for query in ["q=%00", "role=%00", "q=" + "x" * 10000]:
        assert client.get(reverse("accounts:list") + "?" + query).status_code == 200
    for value in ["\x00", "x" * 100_000]:
        data = {
            k: value
            for k in ["username", "password", "name", "role", "phone", "email", "area", "police_grid"]
        }
        assert client.post(reverse("accounts:create"), data).status_code == 200
        assert (
            client.post(reverse("accounts:edit", args=[world.users.grid_worker.pk]), data).status_code == 200
        )
        assert (
            client.post(
                reverse("accounts:assignment_create", args=[world.users.grid_worker.pk]), data
            ).status_code
            == 200
        )


def test_an_admin_cannot_change_their_own_role(client, world):
    login(client, world, "community_admin")
    me = world.users.community_admin
    response = client.post(
        reverse("accounts:edit", args=[me.pk]), {"name": "社区管理员甲", "role": Role.VIEWER}
    )
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.role == Role.COMMUNITY_ADMIN and me.name == "社区管理员甲"


# --- ending an assignment -----------------------------------------------------------------------------------


def test_end_an_assignment_on_the_user_page(client, world):
    worker = world.users.grid_worker
    assignment_add(actor=Actor.system(), user=worker, area=world.grid_a2)
    old = worker.assignments.get(area=world.grid_a1)
    worker_client = type(client)()
    worker_client.force_login(worker)
    person_url = reverse("people:detail", args=[world.a1.person.pk])
    assert worker_client.get(person_url).status_code == 200

    login(client, world, "street_admin")
    url = reverse("accounts:assignment_end", args=[worker.pk, old.pk])
    html = page(client, reverse("accounts:detail", args=[worker.pk]))
    assert f'href="{url}"' in html
    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "调整网格"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:detail", args=[worker.pk]
    )
    old.refresh_from_db()
    assert old.end_reason == "调整网格" and old.ended_on is not None
    html = page(client, reverse("accounts:detail", args=[worker.pk]))
    table = html[html.index('id="assignments"') :]
    assert 'class="ended"' in table and "调整网格" in table and f'href="{url}"' not in table
    # The worker's session, already open: the next page of grid a1 is a 404.
    assert worker_client.get(person_url).status_code == 404
    assert worker_client.get(reverse("areas:detail", args=[world.grid_a1.pk])).status_code == 404
    assert worker_client.get(reverse("people:detail", args=[world.a2.person.pk])).status_code == 200


def test_the_last_assignment_is_refused_with_a_message(client, world):
    login(client, world, "street_admin")
    worker = world.users.grid_worker
    url = reverse("accounts:assignment_end", args=[worker.pk, worker.assignments.get().pk])
    response = client.post(url, {"reason": "调离"})
    assert response.status_code == 200 and "唯一的当前任职区域" in response.content.decode()
    assert worker.assignments.get().ended_on is None


def test_ending_the_last_assignment_in_ones_scope_goes_back_to_the_list(client, world):
    worker = world.users.grid_worker_b
    assignment_add(actor=Actor.system(), user=worker, area=world.grid_a2)
    login(client, world, "street_admin")
    url = reverse("accounts:assignment_end", args=[worker.pk, worker.assignments.get(area=world.grid_a2).pk])
    response = client.post(url, {"reason": "调回嵩屿"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:list")
    assert client.get(reverse("accounts:detail", args=[worker.pk])).status_code == 404


def test_assignment_end_out_of_scope_or_by_a_non_admin(client, world):
    other = world.users.grid_worker_b
    login(client, world, "street_admin")
    url = reverse("accounts:assignment_end", args=[other.pk, other.assignments.get().pk])
    assert client.get(url).status_code == 404 and client.post(url, {"reason": "x"}).status_code == 404
    # Someone else's assignment under an account in scope: 404 as well.
    wrong = reverse("accounts:assignment_end", args=[world.users.grid_worker.pk, other.assignments.get().pk])
    assert client.get(wrong).status_code == 404
    login(client, world, "grid_chief")
    worker = world.users.grid_worker
    url = reverse("accounts:assignment_end", args=[worker.pk, worker.assignments.get().pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert f'href="{url}"' not in page(client, reverse("accounts:detail", args=[worker.pk]))
    for value in ["\x00", "x" * 100_000]:
        login(client, world, "district_admin")
        assert client.post(url, {"reason": value}).status_code == 200
    assert worker.assignments.get().ended_on is None


# --- grid teams ---------------------------------------------------------------------------------------------


@pytest.fixture
def member(world):
    return team_add_member(
        actor=Actor.system(), grid=world.grid_a1, kind="volunteer", name="陈楼长", phone="13900002222"
    )


def test_the_grid_page_shows_its_team_with_masked_phones(client, world, member):
    login(client, world, "grid_worker")
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    team = html[html.index('id="team"') :]
    assert "陈楼长" in team and "139****2222" in team and "13900002222" not in html
    assert reverse("accounts:team_member_detail", args=[member.pk]) in team
    # A grid worker reads the team but gets no buttons.
    assert reverse("accounts:team_member_create", args=[world.grid_a1.pk]) not in html
    assert reverse("accounts:team_member_edit", args=[member.pk]) not in html
    login(client, world, "grid_chief")
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    assert reverse("accounts:team_member_create", args=[world.grid_a1.pk]) in html
    assert reverse("accounts:team_member_end", args=[member.pk]) in html


def test_a_grid_chief_adds_edits_and_ends_members(client, world, member):
    login(client, world, "grid_chief")
    response = client.post(
        reverse("accounts:team_member_create", args=[world.grid_a1.pk]),
        {"kind": "grid_worker", "name": "", "phone": "", "user": world.users.grid_worker.pk, "joined_on": ""},
    )
    assert response.status_code == 302, response.context["form"].errors
    created = world.grid_a1.team.members.get(kind="grid_worker")
    assert created.name == "grid_worker" and created.user == world.users.grid_worker
    edit = reverse("accounts:team_member_edit", args=[member.pk])
    form = page(client, edit)
    assert "139****2222" in form and "13900002222" not in form
    data = {"kind": "volunteer", "name": "陈楼长", "phone": "139****2222", "user": "", "joined_on": member.joined_on,
            "version": 1}  # fmt: skip
    assert client.post(edit, {**data, "name": "陈大爷"}).status_code == 302
    member.refresh_from_db()
    assert member.name == "陈大爷" and member.phone == "13900002222" and member.version == 2
    response = client.post(edit, {**data, "name": "旧版本"})
    assert response.status_code == 200 and "记录已被他人修改" in response.content.decode()
    end = reverse("accounts:team_member_end", args=[member.pk])
    assert client.post(end, {"reason": "", "on": ""}).status_code == 200
    response = client.post(end, {"reason": "x", "on": "2000-01-01"})
    assert response.status_code == 200 and "离开日期不能早于加入日期" in response.content.decode()
    assert client.post(end, {"reason": "搬离社区", "on": ""}).status_code == 302
    member.refresh_from_db()
    assert member.ended_on is not None and member.end_reason == "搬离社区"
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    former = html[html.index('class="former"') :]
    assert "陈大爷" in former and "搬离社区" in former
    detail = page(client, reverse("accounts:team_member_detail", args=[member.pk]))
    history = detail[detail.index('id="history"') :]
    assert "搬离社区" in history and "陈楼长" in history and "网页" in history
    assert "13900002222" not in detail and edit not in detail


@pytest.mark.parametrize("username", ["grid_worker", "grid_manager", "police_officer", "department_staff"])
def test_others_cannot_staff_a_team(client, world, member, username):
    login(client, world, username)
    for url in [
        reverse("accounts:team_member_create", args=[world.grid_a1.pk]),
        reverse("accounts:team_member_edit", args=[member.pk]),
        reverse("accounts:team_member_end", args=[member.pk]),
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"kind": "volunteer", "name": "x", "reason": "x"}).status_code == 403, url
    member.refresh_from_db()
    assert member.ended_on is None and member.name == "陈楼长"


def test_teams_out_of_scope_answer_404(client, world, member):
    login(client, world, "grid_worker_b")
    for url in [
        reverse("accounts:team_member_create", args=[world.grid_a1.pk]),
        reverse("accounts:team_member_detail", args=[member.pk]),
        reverse("accounts:team_member_edit", args=[member.pk]),
        reverse("accounts:team_member_end", args=[member.pk]),
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    login(client, world, "district_admin")
    assert client.get(reverse("accounts:team_member_create", args=[world.big_a.pk])).status_code == 404


def test_team_forms_take_bad_input_without_500(client, world, member):
    login(client, world, "community_admin")
    create = reverse("accounts:team_member_create", args=[world.grid_a1.pk])
    for value in ["\x00", "x" * 100_000]:
        data = {k: value for k in ["kind", "name", "phone", "user", "joined_on", "version", "reason", "on"]}
        assert client.post(create, data).status_code == 200
        assert client.post(reverse("accounts:team_member_edit", args=[member.pk]), data).status_code == 200
        assert client.post(reverse("accounts:team_member_end", args=[member.pk]), data).status_code == 200
    response = client.post(create, {"kind": "volunteer", "name": "x", "user": world.users.grid_worker_b.pk})
    assert response.status_code == 200 and "user" in response.context["form"].errors
    response = client.post(create, {"kind": "volunteer", "name": "x", "phone": "123"})
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    assert world.grid_a1.team.members.count() == 1
