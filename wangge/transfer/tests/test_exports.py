"""Exports of the lists: the filters and scope of the list, masked for every role, one audit record each."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from wangge.core.models import ChangeAction, ChangeRecord
from wangge.core.tests.test_api import Api

LISTS = [
    ("people:list", "/people/export", "people", "person"),
    ("people:residence_list", "/residences/export", "residences", "residence"),
    ("housing:list", "/houses/export", "houses", "house"),
    ("addresses:list", "/addresses/export", "addresses", "room"),
    ("units:list", "/units/export", "units", "unit"),
    ("units:employment_list", "/employments/export", "employments", "employment"),
]


def xlsx_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def csv_rows(content: bytes) -> list[list]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def export_records():
    return ChangeRecord.objects.filter(action=ChangeAction.EXPORT).order_by("pk")


@pytest.mark.parametrize("view,path,name,attr", LISTS, ids=[x[2] for x in LISTS])
def test_every_list_exports_its_scope_from_the_web_and_the_api(client, world, view, path, name, attr):
    user = world.users.grid_worker  # grid a1
    client.force_login(user)
    for fmt, read in (("xlsx", xlsx_rows), ("csv", csv_rows)):
        response = client.get(reverse(view), {"export": fmt})
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        rows = read(body(response))
        assert len(rows) >= 2
        text = str(rows)
        if name != "addresses":
            assert (
                world.a1.person.name in text
                or world.a1.house.house_code in text
                or world.a1.unit.name in text
            )
        for other in (world.a2, world.b1):
            for thing in (other.person.name, other.house.house_code, other.unit.name):
                assert thing not in text, (name, thing)
    api = Api(user).get(path, format="csv")
    assert api.status_code == 200 and api["Content-Type"].startswith("text/csv")
    records = list(export_records())
    assert len(records) == 3
    assert [r.changes["format"] for r in records] == ["xlsx", "csv", "csv"]
    assert {r.changes["list"] for r in records} == {name}
    assert [r.source for r in records] == ["web", "web", "api"]
    assert all(r.user == user and r.changes["rows"] == len(rows) - 1 for r in records)


@pytest.mark.parametrize("username", ["grid_worker", "district_admin", "police_officer", "grid_chief"])
def test_exports_are_masked_for_every_role(client, world, username):
    client.force_login(getattr(world.users, username))
    text = body(client.get(reverse("people:list"), {"export": "csv"})).decode()
    person = world.a1.person
    assert person.id_number not in text and person.phone not in text
    assert "3502**********" in text and "138****0001" in text
    houses = body(client.get(reverse("housing:list"), {"export": "csv"})).decode()
    assert "13900000000" not in houses and "139****0000" in houses


def test_the_export_carries_the_lists_filters_and_records_them(client, world):
    client.force_login(world.users.district_admin)
    rows = csv_rows(body(client.get(reverse("people:list"), {"q": "张三", "export": "csv", "page": "2"})))
    assert [r[0] for r in rows[1:]] == ["张三"]
    record = export_records().last()
    assert record.changes == {"list": "people", "filters": {"q": "张三"}, "rows": 1, "format": "csv"}
    api = Api(world.users.district_admin).get("/people/export", q="李四", format="xlsx")
    assert [r[0] for r in xlsx_rows(body(api))[1:]] == ["李四"]
    assert export_records().last().changes["filters"] == {"q": "李四"}


def test_list_pages_link_to_their_exports_and_import(client, world):
    client.force_login(world.users.grid_worker)
    html = client.get(reverse("housing:list"), {"q": "海沧", "use": "dwelling"}).content.decode()
    assert "?q=%E6%B5%B7%E6%B2%A7&amp;use=dwelling&amp;export=xlsx" in html
    assert f"{reverse('transfer:index')}?kind=houses" in html
    live = client.get(
        reverse("housing:list"), {"q": "渐美"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert 'hx-swap-oob="true"' in live.content.decode() and "export=csv" in live.content.decode()


def test_a_bad_export_format_is_refused_on_the_api(world):
    response = Api(world.users.grid_worker).get("/people/export", format="pdf")
    assert response.status_code == 422 and "format" in response.json()["errors"]
    assert not export_records().exists()


def test_text_is_never_a_formula_in_an_export(client, world):
    from wangge.people.services import person_update
    from wangge.transfer.tests.files import web_actor

    person_update(
        actor=web_actor(world.users.grid_worker), person=world.a1.person, hukou_address='=HYPERLINK("x")'
    )
    client.force_login(world.users.grid_worker)
    rows = csv_rows(body(client.get(reverse("people:list"), {"export": "csv"})))
    assert '\'=HYPERLINK("x")' in rows[1]
    sheet = openpyxl.load_workbook(
        io.BytesIO(body(client.get(reverse("people:list"), {"export": "xlsx"})))
    ).active
    cell = next(c for c in sheet[2] if c.value == '=HYPERLINK("x")')
    assert cell.data_type == "s"


def test_odd_filters_are_recorded_cleanly(client, world):
    client.force_login(world.users.district_admin)
    response = client.get(reverse("people:list"), {"q": "张\x00三", "x\x00y": "1", "export": "csv"})
    assert response.status_code == 200
    assert export_records().last().changes["filters"] == {"q": "张三", "xy": "1"}
