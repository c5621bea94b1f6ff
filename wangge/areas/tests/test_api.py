"""Areas API: the tree is read within the scope and reshaped by admins only."""

import pytest

from wangge.areas.models import Area
from wangge.core.tests.test_api import Api, errors, ids, last_record

GRID_CODE = "350205001001001009"
SQUARE = {"type": "Polygon", "coordinates": [[[118.0, 24.4], [118.1, 24.4], [118.1, 24.5], [118.0, 24.4]]]}


@pytest.fixture
def admin(world):
    return Api(world.users.street_admin)


def test_list_filters(world, admin):
    assert ids(admin.get("/areas/", level="grid")) == {world.grid_a1.pk, world.grid_a2.pk}
    assert ids(admin.get("/areas/", parent=world.big_a.pk)) == {world.grid_a1.pk, world.grid_a2.pk}
    assert ids(admin.get("/areas/", q="二格")) == {world.grid_a2.pk}
    assert ids(admin.get("/areas/", area="350205001001001001")) == {world.grid_a1.pk}
    # A prefix outside the scope narrows to nothing; it never widens the scope.
    assert ids(admin.get("/areas/", area="350205003")) == set()


def test_children(world, admin):
    assert ids(admin.get(f"/areas/{world.big_a.pk}/children")) == {world.grid_a1.pk, world.grid_a2.pk}
    assert admin.get(f"/areas/{world.big_b.pk}/children").status_code == 404


def test_admin_creates_an_area_inside_their_scope(world, admin):
    response = admin.post(
        "/areas/",
        {"code": GRID_CODE, "name": "海沧九格", "level": "grid", "parent": world.big_a.pk, "kind": "rural",
         "boundary": SQUARE},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == GRID_CODE and body["boundary"]["type"] == "Polygon"
    area = Area.objects.get(code=GRID_CODE)
    record = last_record(area, "create")
    assert record.source == "api" and record.user == world.users.street_admin
    assert admin.get(f"/areas/{area.pk}").status_code == 200


def test_create_checks_parent_scope_code_and_kind(world, admin):
    base = {"code": GRID_CODE, "name": "九格", "level": "grid", "kind": "rural"}
    assert errors(admin.post("/areas/", {**base, "parent": world.big_b.pk}))["parent"] == ["所选记录不存在。"]
    assert "code" in errors(
        admin.post("/areas/", {**base, "parent": world.big_a.pk, "code": "3502050010010019"})
    )
    assert "kind" in errors(admin.post("/areas/", {**base, "parent": world.big_a.pk, "kind": ""}))
    assert "code" in errors(
        admin.post("/areas/", {**base, "parent": world.big_a.pk, "code": world.grid_a1.code})
    )


def test_boundary_must_be_a_valid_polygon(world, admin):
    base = {"code": GRID_CODE, "name": "九格", "level": "grid", "kind": "rural", "parent": world.big_a.pk}
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert "boundary" in errors(admin.post("/areas/", {**base, "boundary": bow_tie}))
    assert "boundary" in errors(
        admin.post("/areas/", {**base, "boundary": {"type": "Point", "coordinates": [1, 2]}})
    )
    assert "boundary" in errors(
        admin.post("/areas/", {**base, "boundary": {"type": "Polygon", "coordinates": "x"}})
    )


def test_non_admins_may_not_reshape_the_tree(world):
    api = Api(world.users.grid_chief)
    body = {"code": GRID_CODE, "name": "九格", "level": "grid", "kind": "rural", "parent": world.big_a.pk}
    assert api.post("/areas/", body).status_code == 403
    assert api.patch(f"/areas/{world.grid_a1.pk}", {"name": "新名"}).status_code == 403


def test_update_with_version(world, admin):
    area = world.grid_a1
    response = admin.patch(f"/areas/{area.pk}", {"name": "海沧新一格", "version": area.version})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "海沧新一格"
    assert response.json()["version"] == area.version + 1
    stale = admin.patch(f"/areas/{area.pk}", {"name": "又一名", "version": area.version})
    assert "version" in errors(stale)
    # The code is an identity: not a field the update accepts.
    assert "code" in errors(admin.patch(f"/areas/{area.pk}", {"code": "350205001001001003"}))
    assert "name" in errors(admin.patch(f"/areas/{area.pk}", {"name": None}))


def test_history(world, admin):
    admin.patch(f"/areas/{world.grid_a1.pk}", {"name": "改名一格"})
    items = admin.get(f"/areas/{world.grid_a1.pk}/history").json()["items"]
    assert [i["action"] for i in items] == ["change", "create"]
    assert items[0]["changes"] == {"name": ["海沧一格", "改名一格"]} and items[0]["source"] == "api"


def test_list_query_count_is_constant(world, admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert admin.get("/areas/").status_code == 200
    with django_assert_max_num_queries(6):
        assert admin.get("/police-grids/").status_code == 200
