"""POST /api/v1/addresses/parse and /compare: the CLI's JSON over HTTP, authenticated, never a 500."""

import pytest

from wangge.core.tests.test_api import Api, errors


@pytest.fixture
def api(world):
    return Api(world.users.grid_worker)


def test_parse_needs_a_token(db):
    response = Api().post("/addresses/parse", {"text": "文一西路998号"})
    assert response.status_code == 401
    assert Api().post("/addresses/compare", {"a": "x", "b": "y"}).status_code == 401


def test_parse_one_text(api):
    text = "浙江省杭州市西湖区文一路100号3幢2单元502室"
    response = api.post("/addresses/parse", {"text": text})
    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["input", "elements", "normalized", "division_code"]
    assert body["input"] == text and body["division_code"] == "330106"
    assert body["normalized"] == "浙江省杭州市西湖区文一路100号3栋2单元502室"
    for e in body["elements"]:
        assert list(e) == ["type", "text", "start", "end"]
        assert text[e["start"] : e["end"]] == e["text"]


def test_parse_many_texts_in_order(api):
    texts = ["余杭五常街道文一西路998号", "", "宁波江东区中山东路100号"]
    response = api.post("/addresses/parse", {"texts": texts})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [b["input"] for b in body] == texts
    assert body[0]["division_code"] == "330110005"
    assert body[1]["elements"] == []
    assert body[2]["normalized"].startswith("浙江省宁波市鄞州区")


def test_parse_input_errors_name_the_field(api):
    assert "text" in errors(api.post("/addresses/parse", {}))
    assert "text" in errors(api.post("/addresses/parse", {"text": "a", "texts": ["b"]}))
    assert "text" in errors(api.post("/addresses/parse", {"text": 12}))
    assert "text" in errors(api.post("/addresses/parse", {"text": "路" * 301}))
    assert "text" in errors(api.post("/addresses/parse", {"text": "路\x00"}))
    assert "texts" in errors(api.post("/addresses/parse", {"texts": "文一路"}))
    assert "texts" in errors(api.post("/addresses/parse", {"texts": ["x"] * 1001}))
    assert "texts" in errors(api.post("/addresses/parse", {"texts": [None]}))
    assert "other" in errors(api.post("/addresses/parse", {"text": "x", "other": 1}))
    assert api.post("/addresses/parse", raw="{not json").status_code == 400


def test_compare(api):
    response = api.post("/addresses/compare", {"a": "杭州市余杭区文一西路998号", "b": "文一西路998号6幢"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["relation"] == "partial" and 0 < body["score"] < 1
    same = api.post("/addresses/compare", {"a": "文一西路998号三栋", "b": "文一西路９９８号3号楼"}).json()
    assert same == {"relation": "exact", "score": 1.0}
    other = api.post("/addresses/compare", {"a": "文一西路998号", "b": "文二路998号"}).json()
    assert other == {"relation": "none", "score": 0.0}


def test_compare_errors_name_the_field(api):
    assert "b" in errors(api.post("/addresses/compare", {"a": "文一西路"}))
    assert "a" in errors(api.post("/addresses/compare", {"a": ["x"], "b": "y"}))


def test_engine_routes_do_not_clash_with_record_ids(api, world):
    # /parse and /compare are POST-only; GET on them is not read as an address id.
    assert api.get("/addresses/parse").status_code in (404, 405)
    assert api.get(f"/addresses/{world.a1.road.pk}").status_code == 200
