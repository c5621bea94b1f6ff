"""The anomaly API: scope (out of scope is 404), resolve/dismiss, runs, bad input is 422 never 500."""

import pytest

from wangge.anomalies.choices import AnomalyState
from wangge.anomalies.models import Anomaly, AnomalyRun
from wangge.anomalies.services import anomalies_run
from wangge.anomalies.tests.helpers import SYSTEM, today
from wangge.core.tests.test_api import Api, errors, ids
from wangge.people.services import residence_end

RULE = "rented_without_tenant"


@pytest.fixture
def found(world):
    """One open item in grid a1 and one in grid b1."""
    for part in (world.a1, world.b1):
        residence_end(actor=SYSTEM, residence=part.residence, reason="退租", on=today())
    anomalies_run(actor=SYSTEM, area=world.district)
    return {i.grid_id: i for i in Anomaly.objects.all()}


def test_list_is_scoped(world, found, django_assert_max_num_queries):
    a1, b1 = found[world.grid_a1.pk], found[world.grid_b1.pk]
    assert ids(Api(world.users.district_admin).get("/anomalies/")) == {a1.pk, b1.pk}
    api = Api(world.users.grid_worker)
    with django_assert_max_num_queries(8):
        response = api.get("/anomalies/", rule=RULE)
    assert ids(response) == {a1.pk}
    item = response.json()["items"][0]
    assert item["house_id"] == world.a1.house.pk and item["subject"] == "house" and item["rule_title"]
    assert ids(Api(world.users.viewer).get("/anomalies/")) == {b1.pk}
    assert ids(api.get("/anomalies/", state="resolved")) == set()
    assert ids(api.get("/anomalies/", q=world.a1.house.house_code)) == {a1.pk}
    assert ids(Api(world.users.district_admin).get("/anomalies/", area=world.street_b.code)) == {b1.pk}


def test_detail_and_history_outside_scope_are_404(world, found):
    b1 = found[world.grid_b1.pk]
    api = Api(world.users.grid_worker)
    assert api.get(f"/anomalies/{b1.pk}").status_code == 404
    assert api.get(f"/anomalies/{b1.pk}/history").status_code == 404
    assert api.get("/anomalies/999999999").status_code == 404
    assert api.post(f"/anomalies/{b1.pk}/resolve", {"reason": "x"}).status_code == 404
    assert Api(world.users.grid_worker_b).get(f"/anomalies/{b1.pk}").json()["grid_name"] == world.grid_b1.name


def test_resolve_and_dismiss(world, found):
    a1 = found[world.grid_a1.pk]
    api = Api(world.users.grid_worker)
    assert "reason" in errors(api.post(f"/anomalies/{a1.pk}/resolve", {"reason": ""}))
    assert "reason" in errors(api.post(f"/anomalies/{a1.pk}/resolve", {}))
    assert "reason" in errors(api.post(f"/anomalies/{a1.pk}/resolve", {"reason": "x\x00"}))
    assert "reason" in errors(api.post(f"/anomalies/{a1.pk}/resolve", {"reason": 5}))
    assert "extra" in errors(api.post(f"/anomalies/{a1.pk}/resolve", {"reason": "ok", "extra": 1}))
    assert api.post(f"/anomalies/{a1.pk}/resolve", raw="{not json").status_code == 400
    response = api.post(f"/anomalies/{a1.pk}/dismiss", {"reason": "实际未出租"})
    assert response.status_code == 200, response.content
    assert (
        response.json()["state"] == AnomalyState.DISMISSED and response.json()["resolved_by"] == "grid_worker"
    )
    assert "state" in errors(api.post(f"/anomalies/{a1.pk}/resolve", {"reason": "再改"}))
    history = api.get(f"/anomalies/{a1.pk}/history").json()
    assert history["items"][0]["reason"] == "实际未出租"
    viewer = Api(world.users.viewer)
    b1 = found[world.grid_b1.pk]
    assert viewer.post(f"/anomalies/{b1.pk}/resolve", {"reason": "只读"}).status_code == 403


def test_rule_counts(world, found):
    rules = {r["code"]: r for r in Api(world.users.grid_worker).get("/anomalies/rules").json()}
    assert rules[RULE]["count"] == 1 and rules["not_verified"]["params"] == {"days": 180}
    assert {r["code"]: r["count"] for r in Api(world.users.district_admin).get("/anomalies/rules").json()}[
        RULE
    ] == 2


def test_runs(world, found, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    admin = Api(world.users.community_admin)
    response = admin.post("/anomalies/runs", {"area": world.grid_a1.code, "rules": [RULE]})
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["state"] == "done" and run["area_code"] == world.grid_a1.code
    assert run["counts"][RULE]["still"] == 1 and run["by"] == "community_admin"
    assert admin.get(f"/anomalies/runs/{run['id']}").json()["id"] == run["id"]
    # The district's nightly run is not the community admin's to see; their own run is.
    assert ids(admin.get("/anomalies/runs")) == {run["id"]}
    assert len(ids(Api(world.users.district_admin).get("/anomalies/runs"))) == 2
    nightly = AnomalyRun.objects.exclude(pk=run["id"]).get()
    assert admin.get(f"/anomalies/runs/{nightly.pk}").status_code == 404


def test_bad_run_requests(world):
    admin = Api(world.users.community_admin)
    assert "area" in errors(admin.post("/anomalies/runs", {"area": world.street_b.code}))
    assert "area" in errors(admin.post("/anomalies/runs", {"area": "abc"}))
    assert "rules" in errors(admin.post("/anomalies/runs", {"rules": ["nope"]}))
    assert "rules" in errors(admin.post("/anomalies/runs", {"rules": "not_verified"}))
    assert Api(world.users.grid_worker).post("/anomalies/runs", {}).status_code == 403
    assert not AnomalyRun.objects.exists()


def test_bad_filters_are_422(world):
    api = Api(world.users.grid_worker)
    assert "state" in errors(api.get("/anomalies/", state="bogus"))
    assert "rule" in errors(api.get("/anomalies/", rule="bogus"))
    assert "page" in errors(api.get("/anomalies/", page="x"))
    assert ids(api.get("/anomalies/", q="\x00" * 50)) == set()
    assert api.get("/anomalies/runs/0").status_code == 422


def test_needs_a_token(world):
    assert Api().get("/anomalies/").status_code == 401
