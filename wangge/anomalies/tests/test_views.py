"""Anomaly pages: counts per rule, filters, the item with its subject link and decision form, runs started
from the web as background jobs; out of scope is 404, a read-only role cannot decide."""

import pytest
from django.test import Client
from django.urls import reverse

from wangge.anomalies.choices import AnomalyState, RunState
from wangge.anomalies.models import Anomaly, AnomalyRun
from wangge.anomalies.services import anomalies_run
from wangge.anomalies.tests.helpers import SYSTEM, today
from wangge.people.models import Person
from wangge.people.services import residence_end

RULE = "rented_without_tenant"


def login(world, name):
    client = Client()
    client.force_login(getattr(world.users, name))
    return client


@pytest.fixture
def found(world):
    for part in (world.a1, world.b1):
        residence_end(actor=SYSTEM, residence=part.residence, reason="退租", on=today())
    Person.objects.filter(pk=world.a2.person.pk).update(grid=world.grid_a1)
    anomalies_run(actor=SYSTEM, area=world.district)
    return {(i.rule, i.grid_id): i for i in Anomaly.objects.all()}


def test_list_counts_and_filters(world, found, django_assert_max_num_queries):
    worker = login(world, "grid_worker")
    with django_assert_max_num_queries(15):
        page = worker.get(reverse("anomalies:list")).content.decode()
    assert world.a1.house.house_code in page and world.b1.house.house_code not in page
    assert "出租房无租客" in page and "一人多处主要居住地" in page
    only_rule = worker.get(reverse("anomalies:list"), {"rule": "two_primary_residences"}).content.decode()
    assert world.a1.house.house_code not in only_rule and world.a2.person.name in only_rule
    htmx = worker.get(
        reverse("anomalies:list"), {"q": "李四"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert "<html" not in htmx.content.decode() and world.a2.person.name in htmx.content.decode()
    # Nonsense filters are dropped, never a 500.
    assert (
        worker.get(reverse("anomalies:list"), {"rule": "x\x00", "area": "abc", "state": "??"}).status_code
        == 200
    )


def test_detail_links_the_subject_and_is_404_outside_scope(world, found):
    item = found[(RULE, world.grid_a1.pk)]
    page = login(world, "grid_worker").get(reverse("anomalies:detail", args=[item.pk])).content.decode()
    assert reverse("housing:detail", args=[world.a1.house.pk]) in page
    person_item = found[("two_primary_residences", world.grid_a1.pk)]
    page = (
        login(world, "grid_worker").get(reverse("anomalies:detail", args=[person_item.pk])).content.decode()
    )
    assert reverse("people:detail", args=[world.a2.person.pk]) in page
    assert "主要居住地房屋" in page and world.a2.house.house_code in page
    assert login(world, "grid_worker_b").get(reverse("anomalies:detail", args=[item.pk])).status_code == 404


def test_a_worker_resolves_with_a_reason(world, found):
    item = found[(RULE, world.grid_a1.pk)]
    worker = login(world, "grid_worker")
    url = reverse("anomalies:detail", args=[item.pk])
    response = worker.post(url, {"decision": "resolved", "reason": ""})
    assert response.status_code == 200 and "error" in response.content.decode()
    response = worker.post(url, {"decision": "resolved", "reason": "已登记新租客"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == AnomalyState.RESOLVED and item.reason == "已登记新租客"
    page = worker.get(url).content.decode()
    assert "已登记新租客" in page and 'name="decision"' not in page


def test_a_read_only_role_cannot_decide(world, found):
    item = found[(RULE, world.grid_b1.pk)]
    viewer = login(world, "viewer")
    url = reverse("anomalies:detail", args=[item.pk])
    assert 'name="decision"' not in viewer.get(url).content.decode()
    assert viewer.post(url, {"decision": "dismissed", "reason": "x"}).status_code == 403


def test_a_supervisor_starts_a_run_and_follows_it(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    chief = login(world, "grid_chief")
    assert "开始检查" in chief.get(reverse("anomalies:runs")).content.decode()
    response = chief.post(
        reverse("anomalies:runs"), {"area": world.grid_a1.code, "rules": [RULE, "not_verified"]}
    )
    run = AnomalyRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("anomalies:run", args=[run.pk])
    assert run.state == RunState.DONE and set(run.counts) == {RULE, "not_verified"}
    page = chief.get(reverse("anomalies:run", args=[run.pk])).content.decode()
    assert "出租房无租客" in page and "已完成" in page
    assert chief.get(reverse("anomalies:run_status", args=[run.pk])).status_code == 200
    assert login(world, "grid_worker_b").get(reverse("anomalies:run", args=[run.pk])).status_code == 404


def test_a_queued_run_page_polls(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    chief = login(world, "grid_chief")
    chief.post(reverse("anomalies:runs"), {})
    run = AnomalyRun.objects.get()
    page = chief.get(reverse("anomalies:run", args=[run.pk])).content.decode()
    assert run.state == RunState.QUEUED and "hx-trigger" in page and "wangge worker" in page


def test_bad_run_form_and_roles(world):
    chief = login(world, "grid_chief")
    response = chief.post(reverse("anomalies:runs"), {"area": world.street_b.code})
    assert response.status_code == 200 and "所选记录不存在" in response.content.decode()
    assert chief.post(reverse("anomalies:runs"), {"rules": ["nope"]}).status_code == 200
    worker = login(world, "grid_worker")
    assert "开始检查" not in worker.get(reverse("anomalies:runs")).content.decode()
    assert worker.post(reverse("anomalies:runs"), {}).status_code == 403
    assert not AnomalyRun.objects.exists()


def test_nav_link(world):
    page = login(world, "grid_worker").get(reverse("home")).content.decode()
    assert reverse("anomalies:list") in page
