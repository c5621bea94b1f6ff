"""Web pages of units and employments: scope, masked contact phones, reveal, staff, create, edit, end."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.tests.test_scope import EXPECTED
from wangge.units.models import Employment, Unit

GRIDS = ("a1", "a2", "b1")
USERS = sorted(EXPECTED)
CONTACT_PHONE = "13700000000"


def login(client, world, username):
    client.force_login(getattr(world.users, username))
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def records(model, instance):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=instance.pk
    )


def unit_data(unit, **changes):
    data = {
        "version": unit.version,
        "name": unit.name,
        "kind": unit.kind,
        "credit_code": unit.credit_code or "",
        "contact_name": unit.contact_name,
        "contact_phone": "137****0000",
        "staff_count": unit.staff_count or "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("username", USERS)
def test_unit_list_shows_exactly_the_units_in_scope(client, world, username):
    html = page(login(client, world, username), reverse("units:list"))
    for grid in GRIDS:
        link = reverse("units:detail", args=[getattr(world, grid).unit.pk])
        assert (f'href="{link}"' in html) == (grid in EXPECTED[username]), grid


@pytest.mark.parametrize("username", USERS)
def test_employment_list_shows_exactly_the_employments_in_scope(client, world, username):
    html = page(login(client, world, username), reverse("units:employment_list"))
    for grid in GRIDS:
        link = reverse("units:employment_detail", args=[getattr(world, grid).employment.pk])
        assert (f'href="{link}"' in html) == (grid in EXPECTED[username]), grid


@pytest.mark.parametrize("username", USERS)
def test_units_and_employments_outside_the_scope_answer_404(client, world, username):
    login(client, world, username)
    before = ChangeRecord.objects.count()
    for grid in GRIDS:
        contents = getattr(world, grid)
        unit, employment = contents.unit, contents.employment
        if grid in EXPECTED[username]:
            assert client.get(reverse("units:detail", args=[unit.pk])).status_code == 200
            assert client.get(reverse("units:employment_detail", args=[employment.pk])).status_code == 200
            continue
        for url in [
            reverse("units:detail", args=[unit.pk]),
            reverse("units:edit", args=[unit.pk]),
            reverse("units:end", args=[unit.pk]),
            reverse("units:create") + f"?address={unit.address_id}",
            reverse("units:employment_create") + f"?unit={unit.pk}",
            reverse("units:employment_detail", args=[employment.pk]),
            reverse("units:employment_edit", args=[employment.pk]),
            reverse("units:employment_end", args=[employment.pk]),
        ]:
            assert client.get(url).status_code == 404, url
        for url in [
            reverse("units:edit", args=[unit.pk]),
            reverse("units:end", args=[unit.pk]),
            reverse("units:reveal", args=[unit.pk, "contact_phone"]),
            reverse("units:employment_edit", args=[employment.pk]),
            reverse("units:employment_end", args=[employment.pk]),
        ]:
            assert client.post(url, unit_data(unit, reason="x")).status_code == 404, url
    assert ChangeRecord.objects.count() == before


def test_contact_phone_is_masked_and_reveal_is_recorded(client, world):
    login(client, world, "grid_chief")
    unit = world.a2.unit
    for url in [reverse("units:list"), reverse("units:detail", args=[unit.pk])]:
        html = page(client, url)
        assert CONTACT_PHONE not in html and "137****0000" in html
    response = client.post(
        reverse("units:reveal", args=[unit.pk, "contact_phone"]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and CONTACT_PHONE in response.content.decode()
    assert records(Unit, unit).filter(action=ChangeAction.REVEAL, source=Source.WEB).count() == 1


def test_reveal_refused_for_a_grid_worker(client, world):
    login(client, world, "grid_worker")
    unit = world.a1.unit
    assert "data-reveal" not in page(client, reverse("units:detail", args=[unit.pk]))
    assert client.post(reverse("units:reveal", args=[unit.pk, "contact_phone"])).status_code == 403
    assert not records(Unit, unit).filter(action=ChangeAction.REVEAL).exists()


def test_unit_detail_lists_its_staff_with_masked_ids(client, world):
    login(client, world, "grid_worker")
    html = page(client, reverse("units:detail", args=[world.a1.unit.pk]))
    staff = html[html.index("在职人员") : html.index("曾在职人员")]
    assert "张三" in staff and world.a1.person.id_number not in html


def test_edit_unit_goes_into_history(client, world):
    login(client, world, "grid_worker")
    unit = world.a1.unit
    response = client.post(reverse("units:edit", args=[unit.pk]), unit_data(unit, staff_count=5))
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.staff_count == 5 and unit.contact_phone == CONTACT_PHONE
    assert records(Unit, unit).get(action=ChangeAction.CHANGE).changes == {"staff_count": [3, 5]}
    html = page(client, reverse("units:detail", args=[unit.pk]))
    assert "从业人数" in html[html.index('id="history"') :]


def test_edit_unit_bad_credit_code(client, world):
    login(client, world, "grid_worker")
    unit = world.a1.unit
    response = client.post(
        reverse("units:edit", args=[unit.pk]), unit_data(unit, credit_code="91350205MA31ABCD1X")
    )
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    assert "credit_code" in response.context["form"].errors
    unit.refresh_from_db()
    assert unit.version == 1


def test_end_unit_ends_its_employments(client, world):
    login(client, world, "grid_worker")
    unit = world.a1.unit
    assert client.post(reverse("units:end", args=[unit.pk]), {"reason": ""}).status_code == 200
    response = client.post(reverse("units:end", args=[unit.pk]), {"reason": "歇业"})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.ended_on and unit.end_reason == "歇业"
    assert Employment.objects.get(pk=world.a1.employment.pk).ended_on is not None
    html = page(client, reverse("units:detail", args=[unit.pk]))
    assert "歇业" in html and reverse("units:edit", args=[unit.pk]) not in html


def test_create_unit_on_an_address(client, world):
    login(client, world, "grid_worker")
    url = reverse("units:create")
    assert f"address={world.a1.door.pk}" in page(client, url + "?q=海沧路8号")
    response = client.post(
        url + f"?address={world.a1.door.pk}",
        {
            "name": "新开小吃店",
            "kind": "shop",
            "credit_code": "",
            "contact_name": "",
            "contact_phone": "",
            "staff_count": "",
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name="新开小吃店")
    assert unit.grid == world.grid_a1
    assert records(Unit, unit).get(action=ChangeAction.CREATE).source == Source.WEB


def test_create_employment_from_the_unit_page(client, world):
    login(client, world, "grid_worker")
    unit = world.a1.unit
    url = reverse("units:employment_create")
    html = page(client, url + f"?unit={unit.pk}&q=zs")
    assert f"person={world.a1.person.pk}" in html
    # Only people in scope can be picked.
    assert f"person={world.b1.person.pk}" not in page(client, url + f"?unit={unit.pk}&q=ww")
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        url + f"?unit={unit.pk}&person={world.a1.person.pk}", {"position": "收银", "hired_on": future}
    )
    assert response.status_code == 200 and "入职日期不能在未来" in response.content.decode()
    response = client.post(
        url + f"?unit={unit.pk}&person={world.a1.person.pk}", {"position": "收银", "hired_on": "2025-02-01"}
    )
    assert response.status_code == 302
    assert Employment.objects.filter(unit=unit, position="收银").exists()


def test_employment_edit_and_end(client, world):
    login(client, world, "grid_worker")
    employment = world.a1.employment
    response = client.post(
        reverse("units:employment_edit", args=[employment.pk]),
        {"version": 1, "position": "店长", "hired_on": "2024-04-01"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("units:employment_end", args=[employment.pk]), {"reason": "离职", "on": "2025-01-31"}
    )
    assert response.status_code == 302
    employment.refresh_from_db()
    assert employment.position == "店长" and employment.ended_on == datetime.date(2025, 1, 31)
    html = page(client, reverse("units:employment_detail", args=[employment.pk]))
    history = html[html.index('id="history"') :]
    assert "店长" in history and "离职" in history


def test_read_only_roles_get_403(client, world):
    login(client, world, "viewer")
    contents = world.b1
    html = page(client, reverse("units:detail", args=[contents.unit.pk]))
    assert reverse("units:edit", args=[contents.unit.pk]) not in html
    for url in [
        reverse("units:edit", args=[contents.unit.pk]),
        reverse("units:end", args=[contents.unit.pk]),
        reverse("units:employment_edit", args=[contents.employment.pk]),
        reverse("units:employment_end", args=[contents.employment.pk]),
        reverse("units:create") + f"?address={contents.door.pk}",
    ]:
        assert client.post(url, unit_data(contents.unit, reason="x")).status_code == 403, url


def test_nul_and_huge_input_never_500(client, world):
    login(client, world, "district_admin")
    unit = world.a1.unit
    for query in ["q=%00", "q=" + "x" * 10000, "kind=%00&area=%00&status=%00", "page=-1"]:
        assert client.get(reverse("units:list") + "?" + query).status_code == 200, query
        assert client.get(reverse("units:employment_list") + "?" + query).status_code == 200, query
        assert client.get(reverse("units:employment_create") + "?" + query).status_code == 200, query
    for value in ["\x00", "9" * 100_000]:
        data = {key: value for key in unit_data(unit)}
        assert client.post(reverse("units:edit", args=[unit.pk]), data).status_code == 200
        assert client.post(reverse("units:create") + f"?address={world.a1.door.pk}", data).status_code == 200
        data = {"version": value, "position": value, "hired_on": value, "reason": value, "on": value}
        assert (
            client.post(reverse("units:employment_edit", args=[world.a1.employment.pk]), data).status_code
            == 200
        )
        assert (
            client.post(reverse("units:employment_end", args=[world.a1.employment.pk]), data).status_code
            == 200
        )
    unit.refresh_from_db()
    assert unit.version == 1
