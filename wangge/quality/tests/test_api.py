"""/api/v1/quality/: the rates as the selectors compute them, inside the caller's scope; campaigns audited."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from wangge.accounts.models import ApiToken
from wangge.accounts.services import team_add_member
from wangge.collection.services import person_verify, visit_record
from wangge.core.actor import Actor
from wangge.core.models import ChangeRecord
from wangge.quality import selectors
from wangge.quality.models import Campaign

SYSTEM = Actor.system()


class Api:
    def __init__(self, user):
        _record, token = ApiToken.objects.issue(user)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path, **params):
        return self.client.get(f"/api/v1/quality{path}", params, headers=self.headers)

    def post(self, path, body):
        return self.client.post(
            f"/api/v1/quality{path}", json.dumps(body), content_type="application/json", headers=self.headers
        )

    def patch(self, path, body):
        return self.client.patch(
            f"/api/v1/quality{path}", json.dumps(body), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def worked(world):
    worker = Actor.system(source="field", user=world.users.grid_worker)
    visit = visit_record(actor=worker, address=world.a1.room, outcome="met")
    person_verify(actor=worker, person=world.a1.person, visit=visit)
    team_add_member(actor=SYSTEM, grid=world.grid_a1, kind="grid_worker", user=world.users.grid_worker)
    return world


def test_figures_of_an_area_match_the_selector(worked):
    world = worked
    response = Api(world.users.street_admin).get("/figures", area=world.street_a.code)
    assert response.status_code == 200, response.content
    body = response.json()
    expected = selectors.area_figures(user=world.users.street_admin, area=world.street_a)
    assert body["key"] == world.street_a.code and body["level"] == "street"
    assert (body["flats"], body["flats_visited"]) == (expected.flats, expected.flats_visited) == (2, 1)
    assert body["rates"]["visit"] == pytest.approx(0.5)
    assert body["rates"]["accuracy"] is None
    assert (
        body["computed_at"] is not None
        and body["period_start"] == timezone.localdate().replace(day=1).isoformat()
    )


def test_without_an_area_the_root_of_the_scope(worked):
    body = Api(worked.users.grid_worker).get("/figures").json()
    assert body["key"] == worked.grid_a1.code


def test_children_ranking_trend_workers_groups_behind(worked, django_assert_max_num_queries):
    world = worked
    api = Api(world.users.district_admin)
    children = api.get("/children", area=world.district.code).json()
    assert [c["key"] for c in children] == [world.street_a.code, world.street_b.code]
    ranking = api.get("/ranking", area=world.district.code, level="grid", rate="visit").json()
    assert [(r["rank"], r["key"]) for r in ranking][0] == (1, world.grid_a1.code)
    assert [r["rank"] for r in ranking] == [1, 2, 2]
    start = timezone.localdate() - datetime.timedelta(days=1)
    trend = api.get("/trend", area=world.district.code, start=start.isoformat()).json()
    assert [d["day"] for d in trend] == [start.isoformat(), timezone.localdate().isoformat()]
    workers = api.get("/workers", area=world.district.code).json()
    assert [w["user_id"] for w in workers] == [world.users.grid_worker.pk]
    assert workers[0]["visits"] == 1 and workers[0]["own_people_verified"] == 1
    groups = api.get("/groups", area=world.district.code).json()
    assert groups["all"]["count"] == 1 and groups["party_member"]["count"] == 0
    assert groups["party_member"]["visit"] is None
    behind = api.get("/behind", area=world.district.code, n=1).json()
    assert len(behind) == 1 and behind[0]["rates"]["visit"] == 0
    # Ranking every grid of an area costs a fixed number of queries (rows are fresh now).
    with django_assert_max_num_queries(12):
        api.get("/ranking", area=world.district.code, level="grid")


def test_out_of_scope_is_not_found(worked):
    api = Api(worked.users.grid_worker)
    for path in ("/figures", "/children", "/ranking", "/trend", "/workers", "/groups", "/behind"):
        response = api.get(path, area=worked.street_b.code)
        assert response.status_code == 404, (path, response.content)
        assert response.json() == {"detail": "未找到"}
    assert api.get("/figures", area="999999").status_code == 404


@pytest.mark.parametrize(
    "params, field",
    [
        ({"day": "2026-13-01"}, "day"),
        ({"day": "yesterday"}, "day"),
        ({"area": "35a"}, "area"),
        ({"area": "3" * 19}, "area"),
        ({"level": "planet"}, "level"),
        ({"rate": "speed"}, "rate"),
        ({"level": "street"}, "level"),  # a street is not below a street
    ],
)
def test_bad_query_parameters_name_the_field(worked, params, field):
    api = Api(worked.users.street_admin)
    response = api.get("/ranking", **{"area": worked.street_a.code, **params})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


def test_a_future_day_and_a_reversed_range_are_refused(worked):
    api = Api(worked.users.district_admin)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert "day" in api.get("/figures", day=tomorrow).json()["errors"]
    response = api.get("/trend", start=timezone.localdate().isoformat(), end="2020-01-01")
    assert response.status_code == 422 and "start" in response.json()["errors"]


def test_campaigns_are_created_changed_and_ended_by_admins_audited(worked):
    world = worked
    api = Api(world.users.street_admin)
    today = timezone.localdate()
    body = {
        "area": world.street_a.code,
        "name": "入户大走访",
        "starts_on": (today - datetime.timedelta(days=2)).isoformat(),
    }
    response = api.post("/campaigns", body)
    assert response.status_code == 201, response.content
    campaign_id = response.json()["id"]
    assert response.json()["area_code"] == world.street_a.code
    # The period of the street's grids starts with the campaign now.
    figures = api.get("/figures", area=world.grid_a1.code).json()
    assert figures["period_start"] == body["starts_on"]
    overlap = api.post("/campaigns", {**body, "name": "重复"})
    assert overlap.status_code == 422 and "starts_on" in overlap.json()["errors"]
    changed = api.patch(f"/campaigns/{campaign_id}", {"version": 1, "name": "入户大走访（十一月）"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api.patch(f"/campaigns/{campaign_id}", {"version": 1, "name": "x"})
    assert stale.status_code == 422 and "version" in stale.json()["errors"]
    ended = api.post(f"/campaigns/{campaign_id}/end", {"reason": "提前完成", "on": today.isoformat()})
    assert ended.status_code == 200 and ended.json()["ends_on"] == today.isoformat()
    actions = list(
        ChangeRecord.objects.filter(object_id=campaign_id, content_type__model="campaign")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "change", "end"]
    history = api.get(f"/campaigns/{campaign_id}/history").json()
    assert history["count"] == 3
    listed = api.get("/campaigns", running_on=today.isoformat()).json()
    assert [c["id"] for c in listed["items"]] == [campaign_id]


def test_campaigns_need_a_command_centre_and_the_area_in_scope(worked):
    world = worked
    body = {"area": world.street_a.code, "name": "行动", "starts_on": timezone.localdate().isoformat()}
    # Department staff see the whole district but do not run campaigns.
    assert Api(world.users.department_staff).post("/campaigns", body).status_code == 403
    # A street admin cannot run a campaign over the district, nor over another street.
    street_admin = Api(world.users.street_admin)
    for code in (world.district.code, world.street_b.code):
        response = street_admin.post("/campaigns", {**body, "area": code})
        assert response.status_code == 422 and "area" in response.json()["errors"]
    # A community is not a campaign's area.
    response = street_admin.post("/campaigns", {**body, "area": world.community_a.code})
    assert response.status_code == 422 and "area" in response.json()["errors"]
    bad = street_admin.post("/campaigns", {**body, "name": "行\x00动"})
    assert bad.status_code == 422 and "name" in bad.json()["errors"]
    reversed_dates = street_admin.post("/campaigns", {**body, "ends_on": "2020-01-01"})
    assert reversed_dates.status_code == 422 and "ends_on" in reversed_dates.json()["errors"]
    assert not Campaign.objects.exists()
    # The district's campaign is seen (not changed) by the street it covers; not by another district's users.
    district = Api(world.users.district_admin).post("/campaigns", {**body, "area": world.district.code})
    assert district.status_code == 201
    campaign_id = district.json()["id"]
    assert street_admin.get(f"/campaigns/{campaign_id}").status_code == 200
    response = street_admin.post(f"/campaigns/{campaign_id}/end", {"reason": "x"})
    assert response.status_code == 422 and "area" in response.json()["errors"]
    assert Api(world.users.viewer).get("/campaigns/999999").status_code == 404
