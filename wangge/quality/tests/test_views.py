"""The progress dashboards on the `world` fixture, with visits, marks and a deregistration recorded through the
real services and the rollups rebuilt by the real service: scope, numbers equal to the selectors', drill-down
links that list exactly the records behind each number, sorting, big-screen mode and the query count."""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wangge.accounts.services import team_add_member, user_update
from wangge.addresses.models import AddressLevel
from wangge.addresses.services import address_create
from wangge.areas.models import AreaLevel, GridKind
from wangge.areas.services import area_create
from wangge.collection.services import house_verify, person_verify, visit_record
from wangge.core.actor import Actor
from wangge.people.services import person_deregister
from wangge.quality import selectors
from wangge.quality.services import campaign_create, rollup_refresh

SYSTEM = Actor.system(source="task")


# --- reading the page --------------------------------------------------------------------------------------------


class Section(HTMLParser):
    """The text and links inside the element with a given id (enough of a browser for these pages)."""

    VOID = {"input", "br", "img", "meta", "link", "hr"}

    def __init__(self, element_id: str):
        super().__init__()
        self.element_id = element_id
        self.depth = 0
        self.text: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0 and attrs.get("id") == self.element_id:
            self.depth = 1
            return
        if self.depth and tag not in self.VOID:
            self.depth += 1
        if self.depth and tag == "a":
            self._href, self._link_text = attrs.get("href", ""), []

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "a" and self._href is not None:
            self.links.append(("".join(self._link_text).strip(), self._href))
            self._href = None
        self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)
            if self._href is not None:
                self._link_text.append(data)


def section(response, element_id: str) -> Section:
    parser = Section(element_id)
    parser.feed(response.content.decode())
    assert parser.text or parser.links, f"#{element_id} is not on the page"
    return parser


def words(parser: Section) -> str:
    return re.sub(r"\s+", " ", "".join(parser.text)).strip()


def link(parser: Section, text: str) -> str:
    found = [href for label, href in parser.links if text in label]
    assert found, f"no link {text!r} in {parser.links}"
    return found[0].replace("&amp;", "&")


def listed_pks(client, url: str, detail_prefix: str) -> set[int]:
    """The records a list page shows (all pages), by the ids in their detail links."""
    pks: set[int] = set()
    page = 1
    while True:
        response = client.get(url + f"&page={page}")
        assert response.status_code == 200
        found = {int(pk) for pk in re.findall(rf'href="{detail_prefix}(\d+)/"', response.content.decode())}
        pks |= found
        if 'rel="next"' not in response.content.decode():
            return pks
        page += 1


def pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# --- the campaign on the world -------------------------------------------------------------------------------------


def work(world):
    """A day of field work: grid a1 visited and its person verified, b1's house verified, a2's person
    deregistered (so a2's house has nobody left: not collected), then the rollups rebuilt."""
    today = timezone.localdate()
    worker = Actor(user=world.users.grid_worker, source="web")
    worker_b = Actor(user=world.users.grid_worker_b, source="web")
    admin = Actor(user=world.users.district_admin, source="web")
    campaign_create(
        actor=admin,
        area=world.district,
        name="秋季采集行动",
        starts_on=today - datetime.timedelta(days=2),
    )
    visit = visit_record(actor=worker, address=world.a1.room, outcome="met")
    person_verify(actor=worker, person=world.a1.person, visit=visit)
    house_verify(actor=worker_b, house=world.b1.house)
    person_deregister(actor=admin, person=world.a2.person, reason="迁出本区")
    team_add_member(actor=SYSTEM, grid=world.grid_a1, kind="grid_worker", user=world.users.grid_worker)
    team_add_member(actor=SYSTEM, grid=world.grid_b1, kind="grid_worker", user=world.users.grid_worker_b)
    user_update(actor=SYSTEM, user=world.users.grid_worker, is_party_member=True)
    refresh(today - datetime.timedelta(days=2))
    return today


def refresh(day_from):
    rollup_refresh(actor=SYSTEM, day_from=day_from, day_to=timezone.localdate())


@pytest.fixture
def worked(world):
    work(world)
    return world


def dashboard(client, world, user="district_admin", **params):
    client.force_login(getattr(world.users, user))
    return client.get(reverse("quality:dashboard"), params)


# --- scope ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_area_outside_the_scope_is_not_found(client, worked):
    client.force_login(worked.users.street_admin)
    url = reverse("quality:dashboard")
    assert client.get(url, {"area": worked.street_b.pk}).status_code == 404
    assert client.get(url, {"area": worked.district.pk}).status_code == 404
    assert client.get(url, {"area": worked.street_a.pk}).status_code == 200
    for name in ("quality:ranking", "quality:workers"):
        assert client.get(reverse(name), {"area": worked.grid_b1.pk}).status_code == 404


@pytest.mark.django_db
def test_bad_parameters_are_not_found_or_ignored_never_a_500(client, worked):
    client.force_login(worked.users.district_admin)
    url = reverse("quality:dashboard")
    for area in ("abc", "\x00", "9" * 40, "-1", "99999999"):
        assert client.get(url, {"area": area}).status_code == 404
    today = timezone.localdate()
    for day in (
        "garbage",
        "2026-02-31",
        "\x00",
        "x" * 1_000_000,
        (today + datetime.timedelta(days=9)).isoformat(),
    ):
        response = client.get(url, {"day": day, "sort": "nonsense\x00"})
        assert response.status_code == 200
        assert response.context["day"] == today
        assert response.context["sort"] == "visit"
        # What was sent is not echoed into the page's links, only the day as understood (the language
        # switch of every page carries the full path once).
        assert response.content.decode().count(day) <= 1
    response = client.get(reverse("quality:ranking"), {"area": worked.district.pk, "level": "nonsense"})
    assert response.status_code == 200 and response.context["level"] == AreaLevel.GRID
    response = client.get(reverse("quality:ranking"), {"area": worked.grid_a1.pk})
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_grid_worker_sees_their_grid_only(client, worked):
    response = dashboard(client, worked, "grid_worker")
    assert response.status_code == 200
    assert response.context["area"] == worked.grid_a1
    page = response.content.decode()
    for other in ("海沧二格", "海林一格", "嵩屿街道"):
        assert other not in page
    mine = selectors.area_figures(user=worked.users.grid_worker, area=worked.grid_a1)
    assert words(section(response, "rate-visit")).count(pct(mine.rate("visit"))) == 1
    assert dashboard(client, worked, "grid_worker", area=worked.grid_a2.pk).status_code == 404
    assert dashboard(client, worked, "grid_worker", area=worked.big_a.pk).status_code == 404


@pytest.mark.django_db
def test_several_roots_show_the_roots_as_rows(client, worked):
    # The police officer's grids lie in two streets: the scope sums them and lists both.
    response = dashboard(client, worked, "police_officer")
    assert response.status_code == 200
    assert response.context["area"] is None
    names = [row.figures.name for row in response.context["rows"]]
    assert sorted(names) == sorted(["海沧一格", "海林一格"])
    scope = selectors.area_figures(user=worked.users.police_officer)
    assert f"{scope.flats_visited} / {scope.flats}" in words(section(response, "rate-visit"))


# --- the numbers ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cards_show_the_selectors_numbers_and_the_change_since_yesterday(client, worked):
    user = worked.users.district_admin
    response = dashboard(client, worked)
    assert response.status_code == 200
    today = timezone.localdate()
    figures = selectors.area_figures(user=user, area=worked.district, day=today)
    before = selectors.area_figures(user=user, area=worked.district, day=today - datetime.timedelta(days=1))
    for rate, (numerator, denominator) in selectors.RATE_PARTS.items():
        text = words(section(response, f"rate-{rate}"))
        assert pct(figures.rate(rate)) in text
        assert f"{getattr(figures, numerator)} / {getattr(figures, denominator)}" in text
        if figures.rate(rate) is not None and before.rate(rate) is not None:
            points = round((figures.rate(rate) - before.rate(rate)) * 100, 1)
            assert (f"{points:+.1f}" if points else "±0.0") in text
        else:
            assert "较昨日 —" in text
    # What the work recorded: one flat of three visited, one person of two active verified.
    assert (figures.flats_visited, figures.flats) == (1, 3)
    assert (figures.people_verified, figures.people) == (1, 2)
    meta = words(section(response, "main"))
    assert "秋季采集行动" in meta
    assert f"{(today - datetime.timedelta(days=2)):%Y-%m-%d} 至 {today:%Y-%m-%d}" in meta


@pytest.mark.django_db
def test_the_children_are_ranked_and_sortable_by_any_rate(client, worked):
    user = worked.users.district_admin
    for rate in selectors.RATES:
        response = dashboard(client, worked, sort=rate)
        rows = response.context["rows"]
        expected = selectors.ranking(user=user, area=worked.district, level=AreaLevel.STREET, rate=rate)
        assert [(r.rank, r.figures.key) for r in rows] == [(rank, f.key) for rank, f in expected]
        headers = section(response, "children")
        label = str(selectors.RATE_LABELS[rate])
        assert f"sort={rate}" in link(headers, label)
    # Each child links to its own dashboard, and from the street on down to the grid.
    response = dashboard(client, worked)
    street_url = link(section(response, "children"), "海沧街道")
    response = client.get(street_url)
    assert response.context["area"] == worked.street_a
    community_url = link(section(response, "children"), "海沧社区")
    big_grid_url = link(section(client.get(community_url), "children"), "海沧第一大网格")
    grid_url = link(section(client.get(big_grid_url), "children"), "海沧一格")
    response = client.get(grid_url)
    assert response.context["area"] == worked.grid_a1
    assert response.context["rows"] == []


@pytest.mark.django_db
def test_the_trend_has_one_row_per_campaign_day_and_the_chart_its_data(client, worked):
    response = dashboard(client, worked)
    today = timezone.localdate()
    days = selectors.trend(user=worked.users.district_admin, area=worked.district, end=today)
    assert len(days) == 3
    table = words(section(response, "trend"))
    for figures in days:
        assert f"{figures.day:%Y-%m-%d}" in table
    chart = response.context["chart"]
    assert chart["days"] == [f.day.isoformat() for f in days]
    visit = chart["series"][0]
    assert visit["data"][-1] == round(days[-1].rate("visit") * 100, 2)
    page = response.content.decode()
    assert 'id="trend-data"' in page
    assert "/static/vendor/echarts/dist/echarts.min.js" in page


@pytest.mark.django_db
def test_a_past_day_shows_that_days_figures_and_a_long_campaign_its_last_year(client, world):
    today = timezone.localdate()
    admin = Actor(user=world.users.district_admin, source="web")
    campaign_create(
        actor=admin, area=world.district, name="常态采集", starts_on=today - datetime.timedelta(days=500)
    )
    visit_record(actor=admin, address=world.a1.room, outcome="met")
    response = dashboard(client, world)
    assert response.status_code == 200
    assert len(response.context["trend"]) == 366
    assert response.context["figures"].flats_visited == 1
    yesterday = today - datetime.timedelta(days=1)
    response = dashboard(client, world, day=yesterday.isoformat())
    assert response.context["day"] == yesterday
    # Nothing existed yesterday (the world was built today): no rate, shown as "—", never 0 % or 100 %.
    assert response.context["figures"].flats == 0
    assert "—" in words(section(response, "rate-visit"))
    assert f"day={today.isoformat()}" in link(section(response, "main"), "后一日")


@pytest.mark.django_db
def test_behind_workers_and_the_party_member_comparison(client, worked):
    user = worked.users.district_admin
    response = dashboard(client, worked, sort="person_verification")
    worst = selectors.behind(user=user, area=worked.district, rate="person_verification")
    assert [row.figures.key for row in response.context["behind_grids"]] == [f.key for f in worst]
    behind = words(section(response, "behind-grids"))
    for figures in worst:
        assert figures.name in behind
    groups = words(section(response, "groups"))
    comparison = selectors.group_comparison(user=user, area=worked.district)
    assert "党员网格员" in groups
    assert pct(comparison["party_member"]["person_verification"]) in groups

    response = client.get(reverse("quality:workers"), {"area": worked.district.pk, "sort": "visit"})
    assert response.status_code == 200
    workers = selectors.worker_figures(user=user, area=worked.district)
    assert {row.figures.user_id for row in response.context["rows"]} == {w.user_id for w in workers}
    assert len(workers) == 2
    page = response.content.decode()
    assert "党员" in page
    first = response.context["rows"][0]
    assert first.rank == 1 and first.figures.rate("visit") == max(w.rate("visit") or 0 for w in workers)


@pytest.mark.django_db
def test_the_ranking_of_all_grids_under_the_district(client, worked):
    user = worked.users.district_admin
    client.force_login(user)
    response = client.get(
        reverse("quality:ranking"),
        {"area": worked.district.pk, "level": "grid", "rate": "house_verification"},
    )
    assert response.status_code == 200
    expected = selectors.ranking(user=user, area=worked.district, level="grid", rate="house_verification")
    assert [(r.rank, r.figures.name) for r in response.context["rows"]] == [(k, f.name) for k, f in expected]
    assert response.context["rows"][0].figures.name == "海林一格"
    # The dashboard links to it for every level below.
    levels = section(dashboard(client, worked), "children")
    assert "level=grid" in link(levels, "全部采集网格排名")


# --- drill-down ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_missing_number_lists_exactly_the_records_behind_it(client, worked):
    user = worked.users.district_admin
    response = dashboard(client, worked)
    figures = selectors.area_figures(user=user, area=worked.district)

    url = link(section(response, "rate-visit"), "未访查")
    flats = listed_pks(client, url, "/addresses/")
    assert flats == {worked.a2.room.pk, worked.b1.room.pk}
    assert len(flats) == figures.flats - figures.flats_visited

    url = link(section(response, "rate-person_verification"), "未核实")
    people = listed_pks(client, url, "/people/")
    assert people == {worked.b1.person.pk}
    assert len(people) == figures.people - figures.people_verified

    url = link(section(response, "rate-house_verification"), "未核实")
    houses = listed_pks(client, url, "/houses/")
    assert houses == {worked.a1.house.pk, worked.a2.house.pk}
    assert len(houses) == figures.houses - figures.houses_verified

    url = link(section(response, "rate-collection"), "未采集")
    uncollected = listed_pks(client, url, "/houses/")
    assert uncollected == {worked.a2.house.pk}
    assert len(uncollected) == figures.houses - figures.houses_collected

    url = link(section(response, "rate-not_deregistered"), "已注销")
    gone = listed_pks(client, url, "/people/")
    assert gone == {worked.a2.person.pk}
    assert len(gone) == figures.registered - figures.registered_active

    # The coverage tree of the same period is one click from the visit rate.
    coverage = link(section(response, "rate-visit"), "覆盖情况")
    assert client.get(coverage).status_code == 200


@pytest.mark.django_db
def test_a_childs_drill_down_is_narrowed_to_that_child(client, worked):
    response = dashboard(client, worked)
    rows = {row.figures.name: row for row in response.context["rows"]}
    street_b = rows["嵩屿街道"]
    cell = next(c for c in street_b.cells if c.rate == "house_verification")
    assert cell.missing == 0 and cell.url == ""
    street_a = rows["海沧街道"]
    cell = next(c for c in street_a.cells if c.rate == "house_verification")
    assert parse_qs(urlsplit(cell.url).query)["area"] == [worked.street_a.code]
    assert listed_pks(client, cell.url, "/houses/") == {worked.a1.house.pk, worked.a2.house.pk}


@pytest.mark.django_db
def test_the_drill_down_filters_respect_the_scope(client, worked):
    # A grid worker following a district-wide link sees only their own grid's records.
    since = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    client.force_login(worked.users.grid_worker_b)
    url = reverse("housing:list") + f"?status=current&unverified_since={since}"
    assert listed_pks(client, url, "/houses/") == set()
    url = reverse("addresses:list") + f"?not_visited_since={since}"
    assert listed_pks(client, url, "/addresses/") == {worked.b1.room.pk}
    # A bad date is no filter at all, never an error.
    url = reverse("people:list") + "?unverified_since=2026-13-45&registered_since=%00"
    assert listed_pks(client, url, "/people/") == {worked.b1.person.pk}


# --- big screen, home, nav ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_big_screen_mode_refreshes_itself_and_keeps_its_mode_in_links(client, worked):
    response = dashboard(client, worked, screen="1")
    assert response["Refresh"] == "300"
    assert 'class="dash screen"' in response.content.decode()
    assert "screen=1" in link(section(response, "children"), "海沧街道")
    assert "Refresh" not in dashboard(client, worked)


@pytest.mark.django_db
def test_the_navigation_and_the_home_page_lead_to_the_dashboard(client, worked):
    client.force_login(worked.users.grid_worker)
    page = client.get(reverse("home")).content.decode()
    assert page.count(f'href="{reverse("quality:dashboard")}"') >= 2


# --- speed ------------------------------------------------------------------------------------------------------


def add_grids(world, n: int):
    """n more collection grids (with a flat each) in a new big grid of community a."""
    big = area_create(
        actor=SYSTEM,
        code="350205001001002",
        name="海沧第二大网格",
        level=AreaLevel.BIG_GRID,
        parent=world.community_a,
    )
    for i in range(n):
        grid = area_create(
            actor=SYSTEM,
            code=f"350205001001002{i + 1:03d}",
            name=f"新网格{i + 1}",
            level=AreaLevel.GRID,
            parent=big,
            kind=GridKind.URBAN_COMMUNITY,
        )
        address_create(actor=SYSTEM, level=AddressLevel.ROAD, name=f"新路{i + 1}", grid=grid)


def queries_of(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_number_of_grids(client, worked):
    client.force_login(worked.users.district_admin)
    pages = [
        (reverse("quality:dashboard"), {"area": worked.district.pk}),
        (reverse("quality:dashboard"), {"area": worked.street_a.pk, "sort": "accuracy"}),
        (reverse("quality:ranking"), {"area": worked.district.pk, "level": "grid"}),
        (reverse("quality:workers"), {"area": worked.district.pk}),
    ]
    small = [queries_of(client, url, params) for url, params in pages]
    add_grids(worked, 45)
    refresh(timezone.localdate() - datetime.timedelta(days=2))
    large = [queries_of(client, url, params) for url, params in pages]
    assert large == small
    # Pinned: the rollup rows are read in a fixed number of queries (session, user, scope, campaign …).
    assert small[0] <= 64


@pytest.mark.django_db
def test_the_accuracy_rate_links_to_the_re_checks_behind_it(client, world):
    from wangge.rechecks.models import RecheckItem
    from wangge.rechecks.services import recheck_record, round_create, round_draw
    from wangge.rechecks.tests.factories import all_right, collect, this_month, worker

    wa1, wa2 = worker(world, "wa1", world.grid_a1), worker(world, "wa2", world.grid_a2)
    collect(world, world.grid_a1, world.a1.building, collector=wa1, flats=4)
    collect(world, world.grid_a2, world.a2.building, collector=wa2, flats=4)
    start, end = this_month()
    admin = Actor(user=world.users.district_admin, source="web")
    round = round_create(
        actor=admin, area=world.street_a, period_start=start, period_end=end, percent=50, seed=3
    )
    round_draw(actor=admin, round=round)
    first, second = RecheckItem.objects.filter(round=round).exclude(checker=None).order_by("pk")[:2]
    wrong = all_right(first)
    wrong[0].update(verdict="wrong", value="")
    recheck_record(actor=Actor(user=first.checker, source="web"), item=first, findings=wrong)
    recheck_record(actor=Actor(user=second.checker, source="web"), item=second, findings=all_right(second))
    refresh(start)

    response = dashboard(client, world, area=world.street_a.pk)
    figures = selectors.area_figures(user=world.users.district_admin, area=world.street_a)
    assert (figures.recheck_right, figures.rechecked) == (1, 2)
    card = section(response, "rate-accuracy")
    assert "50.0%" in words(card) and "1 / 2" in words(card)
    url = link(card, "有误 1 条")
    query = parse_qs(urlsplit(url).query)
    assert query["area"] == [world.street_a.code] and query["is_right"] == ["0"]
    page = client.get(url).content.decode()
    # The items of every round checked in the period: exactly the one found not wholly right.
    assert f"/rechecks/items/{first.pk}/" in page
    assert f"/rechecks/items/{second.pk}/" not in page
