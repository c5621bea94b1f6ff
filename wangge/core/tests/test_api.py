"""The API's shared behaviour: JSON errors naming the field, 404 for anything unknown, offline docs, audit source.

`Api` below is the test client every app's test_api.py uses: JSON in, JSON out, one user's bearer token.
"""

import json
import re

import pytest
from django.test import Client

from wangge.accounts.models import ApiToken
from wangge.core.models import ChangeRecord

BASE = "/api/v1"


class Api:
    """A test client for /api/v1/ acting as one user (or as nobody)."""

    def __init__(self, user=None, token: str | None = None):
        self.client = Client()
        if user is not None:
            _record, token = ApiToken.objects.issue(user)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path, **params):
        return self.client.get(BASE + path, params, headers=self.headers)

    def _send(self, method, path, data, raw):
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return getattr(self.client, method)(
            BASE + path, body, content_type="application/json", headers=self.headers
        )

    def post(self, path, data=None, *, raw=None):
        return self._send("post", path, data, raw)

    def patch(self, path, data=None, *, raw=None):
        return self._send("patch", path, data, raw)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def errors(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"]
    return body["errors"]


def last_record(instance, action=None) -> ChangeRecord:
    from django.contrib.contenttypes.models import ContentType

    records = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
    )
    if action:
        records = records.filter(action=action)
    return records.order_by("-at", "-id").first()


@pytest.fixture
def admin_api(world):
    return Api(world.users.district_admin)


def test_every_answer_is_json_even_for_unknown_paths(admin_api):
    for path in ("/nothing", "/people/1/nothing", "/people/1/history/x"):
        response = admin_api.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": "未找到"}


def test_missing_token_and_bad_token_answer_401(world):
    for api in (Api(), Api(token="not-a-token"), Api(token="x" * 10_000)):
        response = api.get("/people/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "detail" in response.json()


def test_ids_in_the_path_are_validated_not_sent_to_the_database(admin_api):
    for bad in ("abc", "0", "-1", str(2**63), "1.5"):
        response = admin_api.get(f"/people/{bad}")
        assert response.status_code == 422, bad
        assert "id" in response.json()["errors"]


def test_body_that_is_not_json_is_400(world, admin_api):
    response = admin_api.post("/people/", raw="{not json")
    assert response.status_code == 400
    assert response.json()["detail"]
    response = admin_api.post("/people/", raw=b"\xff\xfe")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name": "张\x00三"}, "name"),  # NUL byte: PostgreSQL cannot store it
        ({"name": "a" * 1_048_576}, "name"),  # 1 MB string
        ({"name": 12}, "name"),  # wrong type
        ({"id_number": ["350205199005171110"]}, "id_number"),  # wrong type
        ({"surprise": 1}, "surprise"),  # unknown field
        ({"grid": "1"}, "grid"),  # a number in a string is still a string
        ({"grid": True}, "grid"),  # a boolean is not an id
        ({"birth_date": 1700000000}, "birth_date"),  # a timestamp is not a date
        ({"birth_date": "2024-02-30"}, "birth_date"),  # no such day
        ({"sex": "unknown"}, "sex"),  # not one of the documented values
        ({"name": "\ud800"}, "name"),  # lone surrogate: no encoding can store it
    ],
)
def test_malformed_input_is_422_naming_the_field(world, admin_api, payload, field):
    body = {"grid": world.grid_a1.pk, "name": "赵六", "id_number": "350205199005171110", **payload}
    problems = errors(admin_api.post("/people/", body))
    assert field in problems


def test_missing_body_names_required_fields(admin_api):
    problems = errors(admin_api.post("/people/", raw=""))
    assert problems


def test_error_messages_are_chinese_by_default(world, admin_api):
    problems = errors(admin_api.post("/people/", {"grid": world.grid_a1.pk}))
    assert problems["name"] == ["必填。"]
    assert problems["id_number"] == ["必填。"]


def test_query_parameters_are_validated(admin_api):
    assert errors(admin_api.get("/people/", page=0))["page"]
    assert errors(admin_api.get("/people/", page_size=201))["page_size"]
    assert errors(admin_api.get("/people/", category="nope"))["category"]
    assert errors(admin_api.get("/people/", q="x" * 101))["q"]
    assert errors(admin_api.get("/people/", area="35a"))["area"]


def test_nul_bytes_in_search_are_harmless(admin_api):
    response = admin_api.get("/people/", q="张\x00三", area="3502")
    assert response.status_code == 200


def test_pagination_shape_and_limits(world, admin_api):
    body = admin_api.get("/addresses/", page=2, page_size=5).json()
    assert set(body) == {"count", "page", "page_size", "items"}
    assert body["count"] == 12 and body["page"] == 2 and body["page_size"] == 5
    assert len(body["items"]) == 5
    past_the_end = admin_api.get("/addresses/", page=100).json()
    assert past_the_end["items"] == [] and past_the_end["count"] == 12


def test_unsupported_method_is_405_with_allow(world, admin_api):
    response = admin_api.client.delete(f"{BASE}/people/{world.a1.person.pk}", headers=admin_api.headers)
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


def test_openapi_document_declares_bearer_auth_and_errors(client):
    schema = client.get(f"{BASE}/openapi.json").json()
    assert schema["components"]["securitySchemes"]["BearerAuth"] == {"type": "http", "scheme": "bearer"}
    operation = schema["paths"][f"{BASE}/people/{{id}}"]["patch"]
    assert {"200", "400", "401", "403", "404", "409", "422"} <= set(operation["responses"])
    person_in = schema["components"]["schemas"]["PersonIn"]
    assert person_in["additionalProperties"] is False
    assert person_in["properties"]["name"]["maxLength"] == 100
    assert "resident_id=居民身份证" in person_in["properties"]["id_type"]["description"]


def test_docs_page_works_offline(client):
    response = client.get(f"{BASE}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    # Nothing from another host: every URL in the page is site-relative.
    assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", html)
    assert '"validatorUrl": null' in html
    # The files it needs are served by the site itself.
    for url in re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", html):
        assert client.get(url).status_code == 200, url


def test_writes_are_audited_with_source_api_and_address(world, admin_api):
    person = world.a1.person
    response = admin_api.patch(f"/people/{person.pk}", {"hukou_address": "福建省厦门市"})
    assert response.status_code == 200, response.content
    record = last_record(person, "change")
    assert record.source == "api"
    assert record.user == world.users.district_admin
    assert record.ip == "127.0.0.1"
    assert record.changes == {"hukou_address": ["", "福建省厦门市"]}


def test_answers_are_not_cached(world):
    response = Api(world.users.grid_chief).post(f"/people/{world.a1.person.pk}/reveal", {"field": "phone"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert Api().get("/people/")["Cache-Control"] == "no-store"
