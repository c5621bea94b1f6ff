"""Web pages of the area tree: each user walks only their own subtree; everything else is a 404."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from wangge.areas.models import Area
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.tests.test_scope import EXPECTED

GRIDS = {"a1": "grid_a1", "a2": "grid_a2", "b1": "grid_b1"}
USERS = sorted(EXPECTED)


def login(client, world, username):
    client.force_login(getattr(world.users, username))
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("username", USERS)
def test_grid_list_shows_exactly_the_grids_in_scope(client, world, username):
    html = page(login(client, world, username), reverse("areas:list") + "?level=grid")
    for key, attr in GRIDS.items():
        link = reverse("areas:detail", args=[getattr(world, attr).pk])
        assert (f'href="{link}"' in html) == (key in EXPECTED[username]), key


@pytest.mark.parametrize(
    "username,roots",
    [
        ("district_admin", ["district"]),
        ("street_admin", ["street_a"]),
        ("grid_chief", ["big_a"]),
        ("grid_worker", ["grid_a1"]),
        ("viewer", ["street_b"]),
        ("police_officer", ["grid_a1", "grid_b1"]),
    ],
)
def test_the_tree_starts_at_the_users_areas(client, world, username, roots):
    html = page(login(client, world, username), reverse("areas:list"))
    shown = {a.pk for a in Area.objects.all() if f'href="{reverse("areas:detail", args=[a.pk])}"' in html}
    assert shown == {getattr(world, r).pk for r in roots}


@pytest.mark.parametrize("username", USERS)
def test_areas_outside_the_scope_answer_404(client, world, username):
    login(client, world, username)
    visible = set(Area.objects.visible_to(getattr(world.users, username)).values_list("pk", flat=True))
    for area in Area.objects.all():
        urls = [
            reverse("areas:detail", args=[area.pk]),
            reverse("areas:children", args=[area.pk]),
        ]
        if area.pk in visible:
            assert client.get(urls[0]).status_code == 200
            continue
        for url in [*urls, reverse("areas:edit", args=[area.pk])]:
            assert client.get(url).status_code == 404, url
        assert (
            client.post(reverse("areas:edit", args=[area.pk]), {"name": "x", "version": 1}).status_code == 404
        )


def test_walk_down_from_the_district(client, world):
    login(client, world, "district_admin")
    fragment = page(client, reverse("areas:children", args=[world.district.pk]))
    assert "海沧街道" in fragment and "嵩屿街道" in fragment and "<html" not in fragment
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    assert reverse("addresses:detail", args=[world.a1.road.pk]) in html
    assert "海沧一号警格" in html
    fragment = page(client, reverse("areas:children", args=[world.grid_a1.pk]))
    assert reverse("addresses:children", args=[world.a1.road.pk]) in fragment


def test_area_counts_stay_in_scope(client, world):
    login(client, world, "grid_worker")
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    assert 'class="stat-n">1<' in html


def test_only_admins_reshape_the_tree(client, world):
    login(client, world, "grid_chief")
    response = client.post(
        reverse("areas:edit", args=[world.grid_a2.pk]), {"name": "X", "kind": "rural", "version": 1}
    )
    assert response.status_code == 403


def test_edit_area_name(client, world):
    login(client, world, "community_admin")
    grid = world.grid_a2
    response = client.post(
        reverse("areas:edit", args=[grid.pk]), {"name": "渐美网格", "kind": "urban_village", "version": 1}
    )
    assert response.status_code == 302
    grid.refresh_from_db()
    assert grid.name == "渐美网格"
    record = ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(Area), object_id=grid.pk, action=ChangeAction.CHANGE
    )
    assert record.source == Source.WEB
    response = client.post(reverse("areas:edit", args=[grid.pk]), {"name": "", "kind": "x", "version": 1})
    assert response.status_code == 200 and response.context["form"].errors.keys() >= {"name", "kind"}
    response = client.post(
        reverse("areas:edit", args=[grid.pk]), {"name": "旧版本", "kind": "urban_village", "version": 1}
    )
    assert response.status_code == 200 and "记录已被他人修改" in response.content.decode()


def test_read_only_roles_get_403(client, world):
    login(client, world, "department_staff")
    html = page(client, reverse("areas:detail", args=[world.grid_a1.pk]))
    assert reverse("areas:edit", args=[world.grid_a1.pk]) not in html
    assert (
        client.post(reverse("areas:edit", args=[world.grid_a1.pk]), {"name": "x", "version": 1}).status_code
        == 403
    )


def test_nul_and_huge_input_never_500(client, world):
    login(client, world, "district_admin")
    for query in ["q=%00", "level=%00", "q=" + "区" * 10000, "page=abc"]:
        assert client.get(reverse("areas:list") + "?" + query).status_code == 200
    for value in ["\x00", "x" * 100_000]:
        data = {"name": value, "kind": value, "version": value}
        assert client.post(reverse("areas:edit", args=[world.grid_a1.pk]), data).status_code == 200
