"""The scope through the API, for every entity and every role in the world.

Lists hold exactly the records inside the user's areas (police: their police grid); anything else — detail,
history, change, end, reveal — answers 404 with exactly the body a missing id gets, so the answer tells nothing
about what lies outside.
"""

import pytest

from wangge.core.tests.test_api import Api, ids

# Which grids' records each user must see (and no others): the expectations of test_scope.py, through HTTP.
GRIDS = {
    "district_admin": {"a1", "a2", "b1"},
    "street_admin": {"a1", "a2"},
    "community_admin": {"a1", "a2"},
    "grid_chief": {"a1", "a2"},
    "deputy_grid_chief": {"a1", "a2"},
    "grid_manager": {"a1"},
    "grid_worker": {"a1"},
    "grid_worker_b": {"b1"},
    "informant": {"a1"},
    "police_officer": {"a1", "b1"},
    "department_staff": {"a1", "a2", "b1"},
    "viewer": {"b1"},
}
ROLES = sorted(GRIDS)

# Areas: the subtree of each assignment (police: only the collection grids their police grid covers).
AREAS = {
    "district_admin": {"district", "street_a", "street_b", "community_a", "community_b", "big_a", "big_b",
                       "grid_a1", "grid_a2", "grid_b1"},
    "street_admin": {"street_a", "community_a", "big_a", "grid_a1", "grid_a2"},
    "community_admin": {"community_a", "big_a", "grid_a1", "grid_a2"},
    "grid_chief": {"big_a", "grid_a1", "grid_a2"},
    "deputy_grid_chief": {"big_a", "grid_a1", "grid_a2"},
    "grid_manager": {"grid_a1"},
    "grid_worker": {"grid_a1"},
    "grid_worker_b": {"grid_b1"},
    "informant": {"grid_a1"},
    "police_officer": {"grid_a1", "grid_b1"},
    "department_staff": {"district", "street_a", "street_b", "community_a", "community_b", "big_a", "big_b",
                         "grid_a1", "grid_a2", "grid_b1"},
    "viewer": {"street_b", "community_b", "big_b", "grid_b1"},
}  # fmt: skip

# Colleagues: users with an assignment inside the viewer's areas (a police grid counts when one of its grids
# does, so the police officer, whose grid spans both streets, is seen from both).
EVERYONE = set(ROLES)
A1_TEAM = {"grid_manager", "grid_worker", "informant", "police_officer"}
USERS = {
    "district_admin": EVERYONE,
    "department_staff": EVERYONE,
    "street_admin": {"street_admin", "community_admin", "grid_chief", "deputy_grid_chief"} | A1_TEAM,
    "community_admin": {"community_admin", "grid_chief", "deputy_grid_chief"} | A1_TEAM,
    "grid_chief": {"grid_chief", "deputy_grid_chief"} | A1_TEAM,
    "deputy_grid_chief": {"grid_chief", "deputy_grid_chief"} | A1_TEAM,
    "grid_manager": A1_TEAM,
    "grid_worker": A1_TEAM,
    "informant": A1_TEAM,
    "grid_worker_b": {"grid_worker_b", "police_officer"},
    "police_officer": A1_TEAM | {"grid_worker_b"},
    "viewer": {"viewer", "grid_worker_b", "police_officer"},
}

# Entity → (endpoint, attributes of build_grid_contents that belong to it).
GRID_ENTITIES = {
    "addresses": ("/addresses/", ("road", "door", "building", "room")),
    "houses": ("/houses/", ("house",)),
    "people": ("/people/", ("person",)),
    "residences": ("/residences/", ("residence",)),
    "units": ("/units/", ("unit",)),
    "employments": ("/employments/", ("employment",)),
}
ALL_GRIDS = ("a1", "a2", "b1")
MISSING_ID = 987_654_321


def grid_records(world, grids, attrs) -> set[int]:
    return {getattr(getattr(world, grid), attr).pk for grid in grids for attr in attrs}


def all_cases(world, username):
    """(entity, endpoint, ids that must be visible, ids that must not) for every entity in the API."""
    for entity, (endpoint, attrs) in GRID_ENTITIES.items():
        inside = grid_records(world, GRIDS[username], attrs)
        yield entity, endpoint, inside, grid_records(world, ALL_GRIDS, attrs) - inside
    every_area = {name: getattr(world, name).pk for name in AREAS["district_admin"]}
    inside = {every_area[name] for name in AREAS[username]}
    yield "areas", "/areas/", inside, set(every_area.values()) - inside
    every_user = {name: getattr(world.users, name).pk for name in ROLES}
    inside = {every_user[name] for name in USERS[username]}
    yield "users", "/users/", inside, set(every_user.values()) - inside


@pytest.mark.parametrize("username", ROLES)
def test_lists_hold_exactly_the_records_in_scope(world, username):
    api = Api(getattr(world.users, username))
    for entity, endpoint, inside, _outside in all_cases(world, username):
        assert ids(api.get(endpoint, page_size=200)) == inside, f"{username} listing {entity}"


@pytest.mark.parametrize("username", ROLES)
def test_out_of_scope_reads_like_missing(world, username):
    api = Api(getattr(world.users, username))
    for entity, endpoint, inside, outside in all_cases(world, username):
        missing = api.get(f"{endpoint}{MISSING_ID}")
        assert missing.status_code == 404
        for pk in inside:
            assert api.get(f"{endpoint}{pk}").status_code == 200, f"{username} {entity} {pk}"
        for pk in outside:
            for suffix in ("", "/history"):
                response = api.get(f"{endpoint}{pk}{suffix}")
                assert response.status_code == 404, f"{username} {entity} {pk}{suffix}"
                assert response.content == missing.content


WRITES = {
    "addresses": [("patch", "", {"name": "改名"}), ("post", "/end", {"reason": "拆除"})],
    "houses": [
        ("patch", "", {"rooms": 3}),
        ("post", "/end", {"reason": "拆除"}),
        ("post", "/reveal", {"field": "owner_phone"}),
    ],
    "people": [
        ("patch", "", {"hukou_address": "某地"}),
        ("post", "/end", {"reason": "迁走"}),
        ("post", "/reveal", {"field": "id_number"}),
    ],
    "residences": [("patch", "", {"relation": "family"}), ("post", "/end", {"reason": "搬走"})],
    "units": [
        ("patch", "", {"staff_count": 9}),
        ("post", "/end", {"reason": "关闭"}),
        ("post", "/reveal", {"field": "contact_phone"}),
    ],
    "employments": [("patch", "", {"position": "经理"}), ("post", "/end", {"reason": "离职"})],
    "areas": [("patch", "", {"name": "改名"})],
    "users": [("patch", "", {"name": "改名"}), ("post", "/end", {"reason": "调离"})],
}


@pytest.mark.parametrize(
    "username", ["district_admin", "street_admin", "grid_worker", "police_officer", "viewer"]
)
def test_out_of_scope_writes_read_like_missing(world, username):
    """A change, an end or a reveal of something outside answers 404 before the role or the input is looked at."""
    api = Api(getattr(world.users, username))
    for entity, endpoint, _inside, outside in all_cases(world, username):
        for method, suffix, payload in WRITES[entity]:
            missing = getattr(api, method)(f"{endpoint}{MISSING_ID}{suffix}", payload)
            assert missing.status_code == 404, (entity, suffix, missing.content)
            for pk in outside:
                response = getattr(api, method)(f"{endpoint}{pk}{suffix}", payload)
                assert response.status_code == 404, f"{username} {method} {entity} {pk}{suffix}"
                assert response.content == missing.content


def test_police_grids_list_only_the_visible_part(world):
    police_grid = world.police_grid
    for username, grids in [("police_officer", {"grid_a1", "grid_b1"}), ("street_admin", {"grid_a1"}),
                            ("viewer", {"grid_b1"})]:  # fmt: skip
        body = Api(getattr(world.users, username)).get("/police-grids/").json()
        assert [item["id"] for item in body["items"]] == [police_grid.pk]
        assert {g["id"] for g in body["items"][0]["grids"]} == {getattr(world, g).pk for g in grids}


def test_foreign_keys_outside_the_scope_read_like_missing(world):
    """Pointing a new record at something outside gives the same field error as pointing at nothing."""
    api = Api(world.users.grid_worker)  # grid a1 only
    cases = [
        ("/people/", {"name": "赵六", "id_number": "350205199005171110"}, "grid", world.grid_b1.pk),
        ("/houses/", {}, "address", world.b1.room.pk),
        ("/addresses/", {"level": 1, "name": "新路"}, "grid", world.grid_a2.pk),
        ("/addresses/", {"level": 2, "name": "9号"}, "parent", world.b1.road.pk),
        ("/units/", {"name": "新店", "kind": "shop"}, "address", world.b1.door.pk),
        ("/residences/", {"house": world.a1.house.pk, "relation": "family", "started_on": "2024-01-01"},
         "person", world.b1.person.pk),
        ("/residences/", {"person": world.a1.person.pk, "relation": "family", "started_on": "2024-01-01",
                          "is_primary": False}, "house", world.b1.house.pk),
        ("/employments/", {"unit": world.a1.unit.pk, "hired_on": "2024-01-01"}, "person", world.b1.person.pk),
        ("/employments/", {"person": world.a1.person.pk, "hired_on": "2024-01-01"}, "unit", world.b1.unit.pk),
    ]  # fmt: skip
    for endpoint, body, field, outside_pk in cases:
        outside = api.post(endpoint, {**body, field: outside_pk})
        missing = api.post(endpoint, {**body, field: MISSING_ID})
        assert outside.status_code == missing.status_code == 422, (endpoint, field, outside.content)
        assert outside.json() == missing.json()
        assert field in outside.json()["errors"]
