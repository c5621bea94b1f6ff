"""The demo as a campaign in progress: what the campaign recorded, counted back from the rows themselves."""

import datetime
from collections import Counter, defaultdict

from wangge.accounts.models import TeamMember, TeamMemberKind
from wangge.addresses.models import StandardAddress
from wangge.anomalies.models import Anomaly
from wangge.areas.models import Area, AreaLevel
from wangge.collection.choices import TaskKind, VerificationKind
from wangge.collection.models import Task, VerificationMark, Visit
from wangge.core.models import ChangeRecord, Source
from wangge.demo.campaign import CAMPAIGN_DAYS
from wangge.demo.generator import DemoGenerator
from wangge.demo.scales import SCALES, SHUYANG
from wangge.demo.tests.conftest import TODAY
from wangge.housing.models import House
from wangge.people.choices import PersonStatus
from wangge.people.models import Person
from wangge.quality import selectors
from wangge.quality.models import Campaign, GridDayStat
from wangge.rechecks.models import GridResult, RecheckRound

START = TODAY - datetime.timedelta(days=CAMPAIGN_DAYS)


def flats_of(grid_ids=None):
    """Current leaf addresses (the coverage tree's flats), per grid."""
    addresses = StandardAddress.objects.filter(ended_on__isnull=True)
    parents = set(addresses.exclude(parent_id=None).values_list("parent_id", flat=True))
    flats = defaultdict(set)
    for pk, grid_id in addresses.values_list("pk", "grid_id"):
        if pk not in parents:
            flats[grid_id].add(pk)
    return flats


def test_a_campaign_covers_the_district_from_six_weeks_ago(demo):
    campaign = Campaign.objects.get()
    assert campaign.area.level == AreaLevel.DISTRICT
    assert campaign.starts_on == START
    assert campaign.ends_on is None or campaign.ends_on > TODAY


def test_visit_and_verification_rates_counted_from_the_rows_are_believable(demo):
    flats = flats_of()
    all_flats = set().union(*flats.values())
    visited = set(Visit.objects.values_list("address_id", flat=True))
    visit_rate = len(visited & all_flats) / len(all_flats)
    active = set(Person.objects.filter(status=PersonStatus.ACTIVE).values_list("pk", flat=True))
    marked = set(
        VerificationMark.objects.filter(kind=VerificationKind.PERSON).values_list("person_id", flat=True)
    )
    person_rate = len(marked & active) / len(active)
    houses = set(House.objects.filter(ended_on__isnull=True).values_list("pk", flat=True))
    marked_houses = set(
        VerificationMark.objects.filter(kind=VerificationKind.HOUSE).values_list("house_id", flat=True)
    )
    house_rate = len(marked_houses & houses) / len(houses)
    # Seed 000: 80.95 %, 81.20 %, 80.73 %; four grids of a tiny district scatter around that.
    for rate in (visit_rate, person_rate, house_rate):
        assert 0.65 <= rate <= 0.97
    # Every visit is somewhere on a flat (the door knocked on), never on a road or a building above flats.
    assert visited <= all_flats
    # The dashboard's figures are these same rows.
    figures = selectors.area_figures(
        user=selectors.SYSTEM, area=Area.objects.get(level=AreaLevel.DISTRICT), day=TODAY
    )
    assert figures.flats == len(all_flats) and figures.flats_visited == len(visited & all_flats)
    assert figures.people == len(active) and figures.people_verified == len(marked & active)


def test_visits_are_by_the_grid_worker_on_campaign_days_near_the_grid(demo):
    workers = dict(
        TeamMember.objects.filter(kind=TeamMemberKind.GRID_WORKER, user__isnull=False).values_list(
            "team__grid_id", "user_id"
        )
    )
    grids = {a.pk: a for a in Area.objects.filter(level=AreaLevel.GRID)}
    days = Counter()
    outcomes = Counter()
    for visit in Visit.objects.select_related("address"):
        assert visit.visitor_id == workers[visit.grid_id]
        assert visit.grid_id == visit.address.grid_id
        day = visit.visited_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
        assert START <= day < TODAY
        days[day] += 1
        outcomes[visit.outcome] += 1
        if visit.latitude is not None:
            west, south, east, north = _bounds(grids[visit.grid_id].boundary)
            margin = 0.001
            assert south - margin <= float(visit.latitude) <= north + margin
            assert west - margin <= float(visit.longitude) <= east + margin
    # Spread over the campaign, not all on one day; most doors answered, some not.
    assert len(days) >= CAMPAIGN_DAYS // 2
    assert outcomes["met"] > sum(outcomes.values()) / 2
    assert outcomes["nobody_home"] > 0 and outcomes["empty"] > 0
    audit = ChangeRecord.objects.filter(content_type__model="visit")
    assert audit.count() == Visit.objects.count()
    assert set(audit.values_list("source", flat=True)) == {Source.DEMO}
    assert set(audit.values_list("user_id", flat=True)) <= set(workers.values())


def _bounds(geometry):
    points = [p for ring in geometry["coordinates"] for p in ring] if geometry["type"] == "Polygon" else []
    if geometry["type"] == "MultiPolygon":
        points = [p for poly in geometry["coordinates"] for ring in poly for p in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def test_marks_fall_on_campaign_days_and_follow_visits(demo):
    marks = VerificationMark.objects.all()
    assert marks.exists()
    assert all(START <= day < TODAY for day in marks.values_list("verified_on", flat=True))
    # Most verifications happen at a door answered on a visit.
    assert marks.filter(visit__isnull=False).count() > marks.count() / 2
    for mark in marks.filter(visit__isnull=False).select_related("visit")[:200]:
        assert mark.visit.outcome in ("met", "empty") and mark.grid_id == mark.visit.grid_id


def test_a_random_recheck_round_is_recorded_and_flags_a_grid(demo):
    round = RecheckRound.objects.get(kind="random")
    items = round.items.all()
    assert items.exists() and not items.exclude(state="done").exists()
    assert items.filter(is_right=True).count() > items.count() / 2
    # The checker is never the one who collected the record.
    assert not [i for i in items if i.collector_id and i.collector_id == i.checker_id]
    results = GridResult.objects.filter(round=round)
    flagged = results.filter(flagged=True)
    assert flagged.exists() and results.filter(flagged=False).exists()
    for result in results:
        done = items.filter(grid=result.grid)
        assert result.checked == done.count() and result.right == done.filter(is_right=True).count()
        assert result.flagged == (result.accuracy < round.threshold)
    # Each flagged grid has its re-collection tasks (the cross-check may have flagged others too).
    recollect = set(Task.objects.filter(kind=TaskKind.RECOLLECT).values_list("grid_id", flat=True))
    assert set(flagged.values_list("grid_id", flat=True)) <= recollect
    assert all(r.recollect_tasks > 0 for r in flagged)


def test_a_cross_check_between_two_communities_is_recorded(demo):
    round = RecheckRound.objects.get(kind="cross")
    pairs = list(round.pairs.all())
    assert len(pairs) == 2 and {p.checker_area_id for p in pairs} == {p.checked_area_id for p in pairs}
    assert round.items.exists() and not round.items.exclude(state="done").exists()
    for item in round.items.select_related("pair__checked_area", "grid"):
        assert item.grid.code.startswith(item.pair.checked_area.code)


def test_the_anomaly_run_finds_every_planted_case(demo):
    found = Counter(Anomaly.objects.values_list("rule", flat=True))
    for rule in (
        "age_contradicts_relation",
        "id_check_digit",
        "overcrowded_house",
        "rented_without_tenant",
        "address_several_houses",
        "deregistration_wave",
        "deregistered_in_new_records",
    ):
        assert found[rule] >= 1, rule
    # Nobody deregistered during the campaign was verified afterwards, except the one planted.
    assert found["deregistered_in_new_records"] == 1


def test_rollups_are_back_filled_for_every_campaign_day(demo):
    days = set(GridDayStat.objects.values_list("day", flat=True))
    assert {START + datetime.timedelta(days=i) for i in range(CAMPAIGN_DAYS + 1)} <= days
    trend = selectors.trend(user=selectors.SYSTEM, area=Area.objects.get(level=AreaLevel.DISTRICT), end=TODAY)
    visited = [f.flats_visited for f in trend]
    assert visited == sorted(visited) and visited[0] < visited[-1]


def test_people_registered_and_deregistered_during_the_campaign(demo):
    registered = ChangeRecord.objects.filter(
        content_type__model="person", action="create", user_id__isnull=False
    ).values_list("object_id", flat=True)
    assert registered.exists()
    ended = Person.objects.filter(status=PersonStatus.DEREGISTERED, ended_on__gte=START)
    assert ended.exists() and all(START <= p.ended_on < TODAY for p in ended)


def test_county_scale_plans_seed_003s_grids_without_building():
    generator = DemoGenerator(SCALES["county"], seed=0)
    grids = [g for plan in generator.communities for g in plan.grids]
    kinds = Counter(g.kind for g in grids)
    assert kinds == {"urban_community": 349, "rural": 1291, "dedicated": 75}
    assert len({g.code for g in grids}) == 1715
    towns = {code: name for _id, code, name in generator.streets}
    assert len(towns) == 32 and towns["321322001"] == "沭城街道" and towns["321322105"] == "马厂镇"
    assert all(code.startswith(SHUYANG.code) for code in towns)
    # Every village and community of the county is in the plan, each with at least one grid.
    assert all(plan.grids for plan in generator.communities) and len(generator.communities) == 487
    # Grids per town follow the towns' people: the sum of their communities' weights.
    weight = Counter()
    count = Counter()
    for plan in generator.communities:
        weight[plan.street_code] += plan.weight
        count[plan.street_code] += len(plan.grids)
    per_weight = [count[code] / weight[code] for code in towns if code[6:] < "400"]
    assert max(per_weight) / min(per_weight) < 2.5
