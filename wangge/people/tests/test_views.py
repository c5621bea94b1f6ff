"""Web pages of people and residences: scope, masking, reveal, edit with history, end, bad input."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.tests.test_scope import EXPECTED
from wangge.people.choices import PersonStatus
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence

GRIDS = ("a1", "a2", "b1")
USERS = sorted(EXPECTED)
EDITORS = ["district_admin", "community_admin", "grid_chief", "grid_worker", "informant", "police_officer"]


def login(client, world, username):
    client.force_login(getattr(world.users, username))
    return client


def page(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def records(model, instance):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=instance.pk
    )


# --- scope ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", USERS)
def test_person_list_shows_exactly_the_people_in_scope(client, world, username):
    html = page(login(client, world, username), reverse("people:list"))
    for grid in GRIDS:
        link = reverse("people:detail", args=[getattr(world, grid).person.pk])
        assert (f'href="{link}"' in html) == (grid in EXPECTED[username]), grid


@pytest.mark.parametrize("username", USERS)
def test_residence_list_shows_exactly_the_residences_in_scope(client, world, username):
    html = page(login(client, world, username), reverse("people:residence_list"))
    for grid in GRIDS:
        link = reverse("people:residence_detail", args=[getattr(world, grid).residence.pk])
        assert (f'href="{link}"' in html) == (grid in EXPECTED[username]), grid


def person_urls(person):
    return {
        "get": [
            reverse("people:detail", args=[person.pk]),
            reverse("people:edit", args=[person.pk]),
            reverse("people:end", args=[person.pk]),
            reverse("people:create") + f"?house={person.residences.first().house_id}",
            reverse("people:residence_create") + f"?person={person.pk}",
            reverse("units:employment_create") + f"?person={person.pk}",
        ],
        "post": [
            reverse("people:edit", args=[person.pk]),
            reverse("people:end", args=[person.pk]),
            reverse("people:reveal", args=[person.pk, "id_number"]),
            reverse("people:reveal", args=[person.pk, "phone"]),
        ],
    }


def residence_urls(residence):
    return {
        "get": [
            reverse("people:residence_detail", args=[residence.pk]),
            reverse("people:residence_edit", args=[residence.pk]),
            reverse("people:residence_end", args=[residence.pk]),
            reverse("people:residence_create") + f"?house={residence.house_id}",
        ],
        "post": [
            reverse("people:residence_edit", args=[residence.pk]),
            reverse("people:residence_end", args=[residence.pk]),
        ],
    }


@pytest.mark.parametrize("username", USERS)
def test_people_and_residences_outside_the_scope_answer_404(client, world, username):
    login(client, world, username)
    before = ChangeRecord.objects.count()
    for grid in GRIDS:
        contents = getattr(world, grid)
        for urls in (person_urls(contents.person), residence_urls(contents.residence)):
            if grid in EXPECTED[username]:
                assert client.get(urls["get"][0]).status_code == 200
                continue
            for url in urls["get"]:
                response = client.get(url)
                assert response.status_code == 404, url
                assert "404.html" in [t.name for t in response.templates]
            for url in urls["post"]:
                assert client.post(url, {"reason": "x", "name": "x", "version": 1}).status_code == 404, url
    assert ChangeRecord.objects.count() == before
    for contents in (world.a1, world.a2, world.b1):
        contents.person.refresh_from_db()
        assert contents.person.name in {"张三", "李四", "王五"} and contents.person.ended_on is None


def test_missing_and_malformed_ids_are_404(client, world):
    login(client, world, "district_admin")
    for url in [
        "/people/999999/",
        "/people/99999999999999999999999999/",
        "/people/abc/",
        "/people/-1/",
        "/people/1.5/",
        "/people/residences/999999/",
        f"/people/{world.a1.person.pk}/reveal/name/",
        f"/people/{world.a1.person.pk}/reveal/%00/",
        "/people/new/?house=abc",
        "/people/new/?house=%00",
        "/people/residences/new/?person=99999999999999999999999",
    ]:
        method = client.post if "/reveal/" in url else client.get
        assert method(url).status_code == 404, url


# --- masking and reveal -----------------------------------------------------------------------------------


def test_lists_and_details_mask_id_numbers_and_phones(client, world):
    login(client, world, "district_admin")
    person = world.a1.person
    for url in [
        reverse("people:list"),
        reverse("people:list") + "?q=zs",
        reverse("people:detail", args=[person.pk]),
        reverse("people:edit", args=[person.pk]),
        reverse("people:residence_detail", args=[world.a1.residence.pk]),
        reverse("housing:detail", args=[world.a1.house.pk]),
        reverse("units:detail", args=[world.a1.unit.pk]),
        reverse("search") + "?q=zs",
    ]:
        html = page(client, url)
        assert person.id_number not in html, url
        assert person.phone not in html, url
    html = page(client, reverse("people:detail", args=[person.pk]))
    assert "3502**********" + person.id_number[-4:] in html
    assert "138****0001" in html


def test_history_masks_identifiers_too(client, world):
    login(client, world, "district_admin")
    html = page(client, reverse("people:detail", args=[world.a1.person.pk]))
    assert 'id="history"' in html
    assert world.a1.person.id_number not in html


def test_reveal_shows_the_full_value_and_is_recorded(client, world):
    login(client, world, "district_admin")
    person = world.a1.person
    url = reverse("people:reveal", args=[person.pk, "id_number"])
    assert 'data-reveal="id_number"' in page(client, reverse("people:detail", args=[person.pk]))
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert person.id_number in response.content.decode()
    assert "<html" not in response.content.decode()
    record = records(Person, person).get(action=ChangeAction.REVEAL)
    assert record.changes == {"field": "id_number"}
    assert record.source == Source.WEB and record.user == world.users.district_admin
    # Without JavaScript the reveal answers the whole detail page, with the value in it.
    response = client.post(reverse("people:reveal", args=[person.pk, "phone"]))
    assert response.status_code == 200 and person.phone in response.content.decode()
    assert records(Person, person).filter(action=ChangeAction.REVEAL).count() == 2
    html = page(client, reverse("people:detail", args=[person.pk]))
    assert "查看明文" in html and "联系电话" in html


@pytest.mark.parametrize("username", ["grid_worker", "informant", "department_staff", "viewer_b"])
def test_roles_that_may_not_reveal_see_no_button_and_get_403(client, world, username):
    username, contents = ("viewer", world.b1) if username == "viewer_b" else (username, world.a1)
    login(client, world, username)
    person = contents.person
    html = page(client, reverse("people:detail", args=[person.pk]))
    assert "data-reveal" not in html
    assert client.get(reverse("people:reveal", args=[person.pk, "id_number"])).status_code == 405
    response = client.post(reverse("people:reveal", args=[person.pk, "id_number"]))
    assert response.status_code == 403
    assert person.id_number not in response.content.decode()
    assert not records(Person, person).filter(action=ChangeAction.REVEAL).exists()


# --- edit and history -------------------------------------------------------------------------------------


def edit_data(person, **changes):
    from wangge.core.masking import mask_id_number, mask_phone

    data = {
        "version": person.version,
        "name": person.name,
        "id_type": person.id_type,
        "id_number": mask_id_number(person.id_number),
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "ethnicity": person.ethnicity,
        "phone": mask_phone(person.phone),
        "category": person.category,
        "hukou_address": person.hukou_address,
        "hukou_division": person.hukou_division,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("username", EDITORS)
def test_edit_goes_into_the_history_with_source_web(client, world, username):
    login(client, world, username)
    person = world.a1.person
    response = client.post(
        reverse("people:edit", args=[person.pk]),
        edit_data(person, hukou_address="福建省厦门市思明区中山路1号"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.hukou_address == "福建省厦门市思明区中山路1号"
    assert person.version == 2
    # The masked identifiers were sent back unchanged, so they were not touched.
    assert person.id_number == world.a1.person.id_number and person.phone == "13812340001"
    record = records(Person, person).get(action=ChangeAction.CHANGE)
    assert record.source == Source.WEB
    assert record.changes == {"hukou_address": ["", "福建省厦门市思明区中山路1号"]}
    html = page(client, reverse("people:detail", args=[person.pk]))
    history = html[html.index('id="history"') :]
    assert "户籍地址" in history and "福建省厦门市思明区中山路1号" in history and "网页" in history


def test_a_changed_phone_is_saved_and_shown_masked_in_the_history(client, world):
    login(client, world, "grid_worker")
    person = world.a1.person
    response = client.post(reverse("people:edit", args=[person.pk]), edit_data(person, phone="139 1234 5678"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13912345678"
    html = page(client, reverse("people:detail", args=[person.pk]))
    assert "13912345678" not in html and "13812340001" not in html
    history = html[html.index('id="history"') :]
    assert "139****5678" in history and "138****0001" in history


def test_a_stale_version_is_refused_with_a_message(client, world):
    login(client, world, "grid_worker")
    person = world.a1.person
    stale = edit_data(person, hukou_address="甲")
    assert (
        client.post(
            reverse("people:edit", args=[person.pk]), edit_data(person, hukou_address="乙")
        ).status_code
        == 302
    )
    response = client.post(reverse("people:edit", args=[person.pk]), stale)
    assert response.status_code == 200
    assert "记录已被他人修改" in response.content.decode()
    person.refresh_from_db()
    assert person.hukou_address == "乙"


def test_bad_input_shows_field_errors_in_chinese_and_saves_nothing(client, world):
    login(client, world, "grid_worker")
    person = world.a1.person
    bad_id = person.id_number[:17] + ("0" if person.id_number[17] != "0" else "1")
    for changes, field, message in [
        ({"id_number": bad_id}, "id_number", "校验位错误"),
        ({"phone": "12345"}, "phone", "电话号码"),
        ({"name": ""}, "name", "这个字段是必填项"),
        ({"birth_date": "2020-02-30"}, "birth_date", "有效的日期"),
        ({"category": "martian"}, "category", "有效的选项"),
        ({"name": "张" * 101}, "name", "不超过 100 字符"),
        ({"hukou_address": "a\x00b"}, "hukou_address", "空字符"),
        ({"version": "x"}, "version", "整数"),
    ]:
        response = client.post(reverse("people:edit", args=[person.pk]), edit_data(person, **changes))
        assert response.status_code == 200, changes
        form = response.context["form"]
        assert field in form.errors, (changes, form.errors)
        html = response.content.decode()
        assert message in html, (changes, form.errors)
    person.refresh_from_db()
    assert person.version == 1
    assert not records(Person, person).filter(action=ChangeAction.CHANGE).exists()


@pytest.mark.parametrize("username", ["department_staff", "viewer"])
def test_read_only_roles_see_no_edit_buttons_and_get_403(client, world, username):
    login(client, world, username)
    contents = world.b1
    person = contents.person
    html = page(client, reverse("people:detail", args=[person.pk]))
    assert reverse("people:edit", args=[person.pk]) not in html
    assert reverse("people:end", args=[person.pk]) not in html
    for url in [
        reverse("people:edit", args=[person.pk]),
        reverse("people:end", args=[person.pk]),
        reverse("people:create"),
        reverse("people:residence_edit", args=[contents.residence.pk]),
        reverse("people:residence_end", args=[contents.residence.pk]),
        reverse("people:residence_create") + f"?person={person.pk}&house={contents.house.pk}",
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x", "version": 1, "name": "x"}).status_code == 403, url
    assert Person.objects.get(pk=person.pk).version == 1


# --- end ------------------------------------------------------------------------------------------------


def test_deregister_needs_a_reason_and_keeps_the_person(client, world):
    login(client, world, "grid_worker")
    person = world.a1.person
    url = reverse("people:end", args=[person.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    person.refresh_from_db()
    assert person.ended_on is None
    response = client.post(url, {"reason": "迁往外省"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == PersonStatus.DEREGISTERED and person.end_reason == "迁往外省"
    assert Person.objects.filter(pk=person.pk).exists()
    residence = Residence.objects.get(pk=world.a1.residence.pk)
    assert residence.ended_on is not None
    html = page(client, reverse("people:detail", args=[person.pk]))
    assert "迁往外省" in html and "已注销" in html
    assert reverse("people:edit", args=[person.pk]) not in html
    # The list still finds them: nothing is deleted.
    assert person.name in page(client, reverse("people:list"))


# --- create -----------------------------------------------------------------------------------------------


def new_person_data(**changes):
    data = {
        "name": "赵六",
        "id_type": "resident_id",
        "id_number": make_resident_id("350205", datetime.date(1988, 8, 8), 555),
        "ethnicity": "01",
        "phone": "13600000006",
        "category": "registered",
    }
    data.update(changes)
    return data


def test_create_a_person_in_a_grid(client, world):
    login(client, world, "grid_worker")
    response = client.post(reverse("people:create"), new_person_data(grid=world.grid_a1.pk))
    assert response.status_code == 302
    person = Person.objects.get(name="赵六")
    assert person.grid == world.grid_a1 and person.birth_date == datetime.date(1988, 8, 8)
    assert records(Person, person).get(action=ChangeAction.CREATE).source == Source.WEB


def test_create_a_person_moving_into_a_house(client, world):
    login(client, world, "grid_worker")
    house = world.a1.house
    url = reverse("people:create") + f"?house={house.pk}"
    response = client.post(url, new_person_data(relation="family", started_on="2025-01-02"))
    assert response.status_code == 302, response.content.decode()
    person = Person.objects.get(name="赵六")
    residence = person.residences.get()
    assert residence.house == house and residence.relation == "family"


def test_create_a_person_in_a_grid_outside_the_scope_is_refused(client, world):
    login(client, world, "grid_worker")
    response = client.post(reverse("people:create"), new_person_data(grid=world.grid_b1.pk))
    assert response.status_code == 200
    assert "grid" in response.context["form"].errors
    response = client.post(
        reverse("people:create"),
        new_person_data(
            grid=world.grid_a1.pk,
            house_code=world.b1.house.house_code,
            relation="tenant",
            started_on="2025-01-01",
        ),
    )
    assert response.status_code == 200
    assert "没有找到该房屋编码" in response.content.decode()
    assert not Person.objects.filter(name="赵六").exists()


def test_a_failing_residence_leaves_no_person_behind(client, world):
    login(client, world, "grid_worker")
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("people:create") + f"?house={world.a1.house.pk}",
        new_person_data(relation="tenant", started_on=future),
    )
    assert response.status_code == 200
    assert "入住日期不能在未来" in response.content.decode()
    assert not Person.objects.filter(name="赵六").exists()


def test_duplicate_id_number_is_refused(client, world):
    login(client, world, "grid_worker")
    response = client.post(
        reverse("people:create"), new_person_data(grid=world.grid_a1.pk, id_number=world.a1.person.id_number)
    )
    assert response.status_code == 200
    assert "该证件号码已登记" in response.content.decode()


# --- residences -------------------------------------------------------------------------------------------


def test_residence_create_picks_a_house_then_saves(client, world):
    login(client, world, "grid_worker")
    person = world.a1.person
    url = reverse("people:residence_create")
    html = page(client, url + f"?person={person.pk}&q=海沧路")
    pick = reverse("people:residence_create") + f"?person={person.pk}&amp;house={world.a1.house.pk}"
    assert pick in html
    # Houses outside the scope are never offered.
    assert f"house={world.b1.house.pk}" not in page(client, url + f"?person={person.pk}&q=海林")
    html = page(client, url + f"?q=zs&house={world.a1.house.pk}")
    assert f"person={person.pk}" in html
    response = client.post(
        url + f"?person={person.pk}&house={world.a1.house.pk}",
        {"relation": "family", "started_on": "2025-01-01", "source": "collected"},
    )
    assert response.status_code == 302
    residence = person.residences.get(relation="family")
    assert residence.is_primary is False


def test_residence_end_records_day_and_reason(client, world):
    login(client, world, "grid_worker")
    residence = world.a1.residence
    url = reverse("people:residence_end", args=[residence.pk])
    response = client.post(url, {"reason": "搬走", "on": "2024-01-01"})
    assert response.status_code == 200 and "迁出日期不能早于入住日期" in response.content.decode()
    response = client.post(url, {"reason": "搬走", "on": "2025-06-30"})
    assert response.status_code == 302
    residence.refresh_from_db()
    assert residence.ended_on == datetime.date(2025, 6, 30) and residence.end_reason == "搬走"
    html = page(client, reverse("housing:detail", args=[residence.house_id]))
    assert "曾住人员" in html and "张三" in html[html.index("曾住人员") :]


def test_residence_edit_records_history(client, world):
    login(client, world, "grid_worker")
    residence = world.a1.residence
    response = client.post(
        reverse("people:residence_edit", args=[residence.pk]),
        {"version": 1, "relation": "family", "is_primary": "on", "started_on": "2024-03-01"},
    )
    assert response.status_code == 302
    html = page(client, reverse("people:residence_detail", args=[residence.pk]))
    history = html[html.index('id="history"') :]
    assert "与房屋关系" in history and "家庭成员" in history


# --- search -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q,found",
    [
        ("zs", "张三"),
        ("张三", "张三"),
        ("0001", "张三"),
        ("1381234000", None),
        ("海沧路", "张三"),
        ("ls", "李四"),
    ],
)
def test_person_search(client, world, q, found):
    login(client, world, "grid_chief")
    html = page(client, reverse("people:list") + f"?q={q}")
    if found:
        assert found in html
    assert "王五" not in html


def test_live_search_answers_only_the_results(client, world):
    login(client, world, "district_admin")
    response = client.get(
        reverse("people:list") + "?q=zs", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "张三" in html and "李四" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_nul_bytes_and_huge_strings_never_500(client, world):
    login(client, world, "district_admin")
    person = world.a1.person
    for query in [
        "q=%00",
        "q=" + "张" * 5000,
        "area=%00",
        "page=%00",
        "category=%00&sex=%00&status=%00",
        "q=%ff%fe",
    ]:
        assert client.get(reverse("people:list") + "?" + query).status_code == 200, query
        assert client.get(reverse("people:residence_list") + "?" + query).status_code == 200, query
        assert client.get(reverse("people:residence_create") + "?" + query).status_code == 200, query
    for data in [
        {key: "\x00" for key in edit_data(person)},
        {key: "x" * 100_000 for key in edit_data(person)},
        edit_data(person, name="\x00"),
    ]:
        assert client.post(reverse("people:edit", args=[person.pk]), data).status_code == 200
        assert client.post(reverse("people:create"), data).status_code == 200
        assert (
            client.post(reverse("people:end", args=[person.pk]), {"reason": data["name"]}).status_code == 200
        )
    assert (
        client.post(reverse("people:create"), {"grid": "\x00", "name": "a", "house_code": "\x00"}).status_code
        == 200
    )
    person.refresh_from_db()
    assert person.version == 1 and person.ended_on is None
