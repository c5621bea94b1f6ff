"""Areas API: the tree is read within the scope and reshaped by admins only."""

import pytest

from wangge.areas.models import Area
from wangge.areas.services import police_grid_create, police_office_create, police_station_create
from wangge.core.actor import Actor
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


# --- the police overlay ---------------------------------------------------------------------------------------

POLICE = ["/police-stations/", "/police-offices/", "/police-grids/"]


# The world's one police grid covers grids a1 and b1: everyone holding either sees the whole chain.
@pytest.mark.parametrize(
    "username", ["district_admin", "police_officer", "viewer", "grid_worker", "grid_worker_b"]
)
def test_police_lists_follow_the_covered_grids(world, username):
    api = Api(getattr(world.users, username))
    assert ids(api.get("/police-stations/")) == {world.station.pk}
    assert ids(api.get("/police-offices/")) == {world.office.pk}
    assert ids(api.get("/police-grids/")) == {world.police_grid.pk}


def test_police_records_out_of_scope_answer_404(world):
    system = Actor.system()
    station = police_station_create(actor=system, code="PS7", name="嵩屿派出所", district=world.district)
    office = police_office_create(
        actor=system, code="PO7", name="海林警务室", station=station, community=world.community_b
    )
    police_grid = police_grid_create(
        actor=system, code="PG7", name="海林警格", office=office, grids=[world.grid_b1]
    )
    api = Api(world.users.street_admin)
    assert ids(api.get("/police-grids/")) == {world.police_grid.pk}
    for path, pk in [("/police-stations/", station.pk), ("/police-offices/", office.pk),
                     ("/police-grids/", police_grid.pk)]:  # fmt: skip
        for response in [
            api.get(f"{path}{pk}"),
            api.get(f"{path}{pk}/history"),
            api.patch(f"{path}{pk}", {"name": "x"}),
            api.post(f"{path}{pk}/end", {"reason": "x"}),
        ]:
            assert response.status_code == 404 and response.json() == {"detail": "未找到"}
    assert Api(world.users.viewer).get(f"/police-grids/{police_grid.pk}").status_code == 200


def test_create_rename_and_end_a_police_chain(world):
    admin = Api(world.users.district_admin)
    response = admin.post(
        "/police-stations/", {"code": "PS5", "name": "新阳派出所", "district": world.district.pk}
    )
    assert response.status_code == 201, response.content
    station = response.json()
    assert station["district_name"] == "海沧区" and station["version"] == 1
    response = admin.post(
        "/police-offices/",
        {"code": "PO5", "name": "海林警务室", "station": station["id"], "community": world.community_b.pk},
    )
    assert response.status_code == 201, response.content
    office = response.json()
    response = admin.post(
        "/police-grids/",
        {"code": "PG5", "name": "海林警格", "office": office["id"], "grids": [world.grid_b1.pk]},
    )
    assert response.status_code == 201, response.content
    police_grid = response.json()
    assert [g["id"] for g in police_grid["grids"]] == [world.grid_b1.pk] and police_grid[
        "station_name"
    ] == "新阳派出所"
    assert ids(Api(world.users.viewer).get("/police-grids/")) == {world.police_grid.pk, police_grid["id"]}

    pg = f"/police-grids/{police_grid['id']}"
    response = admin.patch(
        pg, {"name": "海林一号警格", "grids": [world.grid_b1.pk, world.grid_a2.pk], "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "海林一号警格" and len(response.json()["grids"]) == 2
    assert "version" in errors(admin.patch(pg, {"name": "旧", "version": 1}))
    assert "code" in errors(admin.patch(pg, {"code": "PG6"}))
    assert "grids" in errors(admin.patch(pg, {"grids": []}))

    assert "station" in errors(admin.post(f"/police-stations/{station['id']}/end", {"reason": "撤并"}))
    assert "office" in errors(admin.post(f"/police-offices/{office['id']}/end", {"reason": "撤并"}))
    assert admin.post(f"{pg}/end", {"reason": "撤并"}).json()["end_reason"] == "撤并"
    assert admin.post(f"/police-offices/{office['id']}/end", {"reason": "撤并"}).status_code == 200
    ended = admin.post(f"/police-stations/{station['id']}/end", {"reason": "撤并"})
    assert ended.status_code == 200 and ended.json()["ended_on"]
    assert ids(admin.get("/police-stations/", current=False)) == {station["id"]}
    history = admin.get(f"{pg}/history").json()["items"]
    assert [i["action"] for i in history] == ["end", "change", "change", "change", "create"]
    assert history[-1]["source"] == "api"
    # Officers cannot be assigned an ended police grid.
    assert "police_grids" in errors(
        admin.post("/users/", {"username": "po_new", "password": "a-long-enough-passphrase",
                               "role": "police_officer", "police_grids": [police_grid["id"]]})
    )  # fmt: skip


def test_a_police_grid_still_giving_scope_cannot_end(world):
    admin = Api(world.users.district_admin)
    error = errors(admin.post(f"/police-grids/{world.police_grid.pk}/end", {"reason": "撤并"}))
    assert "police_officer" in error["police_grid"][0]


def test_police_writes_need_an_admin_holding_all_of_it(world):
    body = {"code": "PS6", "name": "x", "district": world.district.pk}
    for username in ("grid_worker", "grid_chief", "police_officer", "viewer"):
        api = Api(getattr(world.users, username))
        assert api.post("/police-stations/", body).status_code == 403
        assert api.patch(f"/police-grids/{world.police_grid.pk}", {"name": "x"}).status_code == 403
        assert api.post(f"/police-offices/{world.office.pk}/end", {"reason": "x"}).status_code == 403
    street = Api(world.users.street_admin)
    # Sees the police grid (grid a1) but not all of it (grid b1): read yes, change no.
    assert street.get(f"/police-grids/{world.police_grid.pk}").status_code == 200
    assert street.patch(f"/police-grids/{world.police_grid.pk}", {"name": "x"}).status_code == 403
    assert street.post(f"/police-stations/{world.station.pk}/end", {"reason": "x"}).status_code == 403
    assert errors(street.post("/police-stations/", body))["district"] == ["所选记录不存在。"]
    world.police_grid.refresh_from_db()
    assert world.police_grid.name == "海沧一号警格"


def test_police_input_errors_name_the_field(world):
    admin = Api(world.users.district_admin)
    station = {"code": "PS4", "name": "新所", "district": world.district.pk}
    for body, field in [
        ({**station, "code": ""}, "code"),
        ({**station, "code": "P\x00S"}, "code"),
        ({**station, "name": "x" * 1_000_000}, "name"),
        ({**station, "district": "1"}, "district"),
        ({**station, "district": world.street_a.pk}, "district"),
        ({**station, "code": world.station.code}, "code"),
        ({**station, "extra": 1}, "extra"),
    ]:
        assert field in errors(admin.post("/police-stations/", body)), body
    office = {"code": "PO4", "name": "新室", "station": world.station.pk, "community": world.community_a.pk}
    for body, field in [
        ({**office, "community": world.grid_a1.pk}, "community"),
        ({**office, "station": 2**63 - 1}, "station"),
        ({k: v for k, v in office.items() if k != "community"}, "community"),
    ]:
        assert field in errors(admin.post("/police-offices/", body)), body
    grid = {"code": "PG4", "name": "新格", "office": world.office.pk, "grids": [world.grid_a1.pk]}
    for body, field in [
        ({**grid, "grids": []}, "grids"),
        ({**grid, "grids": [world.big_a.pk]}, "grids"),
        ({**grid, "grids": [2**63 - 1]}, "grids"),
        ({**grid, "grids": "1"}, "grids"),
        ({**grid, "grids": [True]}, "grids"),
    ]:
        assert field in errors(admin.post("/police-grids/", body)), body
    assert "reason" in errors(admin.post(f"/police-grids/{world.police_grid.pk}/end", {"reason": "\x00"}))


def test_police_lists_filter_and_stay_cheap(world, django_assert_max_num_queries):
    admin = Api(world.users.district_admin)
    assert ids(admin.get("/police-grids/", office=world.office.pk, grid=world.grid_b1.pk)) == {
        world.police_grid.pk
    }
    assert ids(admin.get("/police-grids/", grid=world.grid_a2.pk)) == set()
    assert ids(admin.get("/police-offices/", station=world.station.pk, q="海沧")) == {world.office.pk}
    assert ids(admin.get("/police-stations/", q="不存在")) == set()
    for path in POLICE:
        with django_assert_max_num_queries(6):
            assert admin.get(path).status_code == 200
