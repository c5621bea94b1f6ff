"""Each rule finds what it should in the `world` fixture (positive) and nothing in the plain world (negative)."""

import datetime

import pytest
from django.utils import timezone

from wangge.anomalies.choices import Subject
from wangge.anomalies.rules import REGISTRY, Rule, all_rules, rule_for
from wangge.anomalies.rules.houses import AddressSeveralHouses, OvercrowdedHouse, RentedWithoutTenant
from wangge.anomalies.rules.people import (
    AgeContradictsRelation,
    DeregisteredInNewRecords,
    DeregistrationWave,
    IdCheckDigit,
    NotVerified,
    TwoPrimaryResidences,
    id_problem,
)
from wangge.anomalies.tests.helpers import SYSTEM, findings, resident, today
from wangge.collection.models import VerificationMark
from wangge.collection.services import person_verify
from wangge.housing.models import HouseUse
from wangge.housing.services import house_create, house_update
from wangge.people.choices import PersonStatus
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence
from wangge.people.services import person_create, person_deregister, residence_end
from wangge.units.models import Employment
from wangge.units.services import employment_create


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_the_plain_world_has_no_anomalies(world, rule):
    assert findings(rule) == []


def test_every_rule_is_registered_with_a_title_and_its_params():
    assert len(REGISTRY) >= 9
    for rule in all_rules():
        assert rule.code and str(rule.title) and str(rule.description)
        assert rule_for(rule.code) is rule


def test_adding_a_rule_is_one_class(world):
    class EveryGrid(Rule):
        code = "test_every_grid"
        title = "每个网格"

        def find(self, grids):
            from wangge.anomalies.rules import Finding

            for pk in grids.values_list("pk", flat=True):
                yield Finding(grid_id=pk, subject=Subject.AREA, subject_id=pk, key=f"grid:{pk}", summary="x")

    try:
        assert rule_for("test_every_grid") is EveryGrid
        assert len(findings(EveryGrid)) == 3
    finally:
        REGISTRY.pop("test_every_grid")


def test_params_come_from_settings(settings):
    settings.ANOMALY_PARAMS = {"not_verified": {"days": 30, "unknown": 1}}
    rule = NotVerified()
    assert rule.values["days"] == 30
    assert "unknown" not in rule.values
    assert NotVerified(params={"days": 7}).values["days"] == 7


# --- one address, several house codes -----------------------------------------------------------------------


def test_two_houses_on_one_room_are_found(world):
    second = house_create(actor=SYSTEM, address=world.a1.room, use="dwelling")
    [finding] = findings(AddressSeveralHouses)
    assert finding.subject == Subject.ADDRESS and finding.subject_id == world.a1.room.pk
    assert finding.grid_id == world.grid_a1.pk
    assert world.a1.house.house_code in finding.summary and second.house_code in finding.summary
    assert {h["id"] for h in finding.detail["houses"]} == {world.a1.house.pk, second.pk}


def test_houses_on_one_building_are_found_only_when_alike(world):
    building = world.a1.building
    house_create(actor=SYSTEM, address=building, use="shop", floor_area="40.00", owner_name="甲")
    house_create(actor=SYSTEM, address=building, use="shop", floor_area="55.00", owner_name="甲")
    assert findings(AddressSeveralHouses) == []
    house_create(actor=SYSTEM, address=building, use="shop", floor_area="40.00", owner_name="甲")
    [finding] = findings(AddressSeveralHouses)
    assert finding.subject_id == building.pk and len(finding.detail["houses"]) == 2


def test_an_ended_second_house_is_not_an_anomaly(world):
    from wangge.housing.services import house_end

    second = house_create(actor=SYSTEM, address=world.a1.room, use="dwelling")
    house_end(actor=SYSTEM, house=second, reason="录重了")
    assert findings(AddressSeveralHouses) == []


# --- two current primary residences -------------------------------------------------------------------------


def test_one_id_number_on_two_living_people_is_found_for_each(world):
    number = world.a1.person.id_number
    twin = Person.objects.create(
        grid=world.grid_b1, name="张三（重复）", id_number=f" {number.lower()} ", id_type="resident_id"
    )
    Residence.objects.create(
        person=twin, house=world.b1.house, relation="tenant", started_on=datetime.date(2024, 1, 1)
    )
    found = [f for f in findings(TwoPrimaryResidences) if f.key.endswith("same_number")]
    assert {f.subject_id for f in found} == {world.a1.person.pk, twin.pk}
    assert all(number not in f.summary for f in found), "the full ID number is never copied"
    # Within one street only the record living there is reported.
    [local] = [
        f for f in findings(TwoPrimaryResidences, area=world.street_b) if f.key.endswith("same_number")
    ]
    assert local.subject_id == twin.pk and local.detail["others"][0]["id"] == world.a1.person.pk


def test_one_id_number_without_a_second_residence_is_not_found(world):
    Person.objects.create(grid=world.grid_b1, name="张三（旧）", id_number=world.a1.person.id_number + " ")
    assert findings(TwoPrimaryResidences) == []


def test_a_person_filed_under_another_grid_than_their_house(world):
    Person.objects.filter(pk=world.a1.person.pk).update(grid=world.grid_a2)
    [finding] = findings(TwoPrimaryResidences)
    assert finding.key == f"person:{world.a1.person.pk}:other_grid"
    assert finding.grid_id == world.grid_a2.pk and finding.detail["house"]["id"] == world.a1.house.pk


# --- overcrowding -------------------------------------------------------------------------------------------


def test_more_residents_than_rooms_allow(world):
    for i in range(5):
        resident(world.grid_a1, world.a1.house, seq=400 + i)
    # 6 people, 2 rooms × 3 = 6, 65 m² ÷ 5 = 13: not yet.
    assert findings(OvercrowdedHouse) == []
    resident(world.grid_a1, world.a1.house, seq=410)
    [finding] = findings(OvercrowdedHouse)
    assert finding.subject == Subject.HOUSE and finding.subject_id == world.a1.house.pk
    assert finding.detail["residents"] == 7 and "2 间" in finding.summary


def test_floor_area_limit_and_params(world, settings):
    house_update(actor=SYSTEM, house=world.a1.house, rooms=None, floor_area="12.00")
    resident(world.grid_a1, world.a1.house, seq=420)
    resident(world.grid_a1, world.a1.house, seq=421)
    # 3 people on 12 m²: 4 m² each, under the 5 m² default.
    [finding] = findings(OvercrowdedHouse)
    assert "12.00 平方米" in finding.summary
    settings.ANOMALY_PARAMS = {"overcrowded_house": {"m2_per_person": 4}}
    assert findings(OvercrowdedHouse) == []


def test_a_dormitory_room_is_limited_by_its_floor_area_only(world):
    # A staff dormitory room of 24 m² sleeps four (6 m² each) without being a group rental.
    house_update(actor=SYSTEM, house=world.a1.house, use=HouseUse.DORMITORY, rooms=1, floor_area="24.00")
    for i in range(3):
        resident(world.grid_a1, world.a1.house, seq=440 + i)
    assert findings(OvercrowdedHouse) == []
    resident(world.grid_a1, world.a1.house, seq=443)
    [finding] = findings(OvercrowdedHouse)
    assert finding.detail["residents"] == 5
    assert "24.00 平方米" in finding.summary and "间" not in finding.summary


def test_people_who_moved_out_do_not_count(world):
    people = [resident(world.grid_a1, world.a1.house, seq=430 + i) for i in range(6)]
    assert len(findings(OvercrowdedHouse)) == 1
    residence_end(actor=SYSTEM, residence=people[0].residences.get(), reason="搬走", on=today())
    assert findings(OvercrowdedHouse) == []


# --- deregistered people in new records ---------------------------------------------------------------------


def test_records_made_after_a_deregistration_are_found(world):
    person = world.a1.person
    person_deregister(actor=SYSTEM, person=person, reason="迁出")
    # The services refuse this; an import or a merge could still write it.
    Residence.objects.create(
        person=person, house=world.a2.house, relation="tenant", started_on=today(), is_primary=False
    )
    VerificationMark.objects.create(kind="person", person=person, grid=world.grid_a1, source="field")
    [finding] = findings(DeregisteredInNewRecords)
    assert finding.subject_id == person.pk and finding.grid_id == world.grid_a1.pk
    assert set(finding.detail["records"]) == {"residence", "verification"}


def test_records_from_before_the_deregistration_are_not(world):
    person_verify(actor=SYSTEM, person=world.a1.person)
    person_deregister(actor=SYSTEM, person=world.a1.person, reason="迁出")
    assert findings(DeregisteredInNewRecords) == []


# --- rented house without a tenant --------------------------------------------------------------------------


def test_a_rented_house_whose_tenant_left(world):
    residence_end(actor=SYSTEM, residence=world.a1.residence, reason="退租", on=today())
    [finding] = findings(RentedWithoutTenant)
    assert finding.subject_id == world.a1.house.pk and finding.grid_id == world.grid_a1.pk


def test_an_owner_occupied_house_or_a_shop_let_to_a_unit_is_not(world):
    residence_end(actor=SYSTEM, residence=world.a1.residence, reason="退租", on=today())
    house_update(actor=SYSTEM, house=world.a1.house, rental_status="owner_occupied")
    assert findings(RentedWithoutTenant) == []
    # A shop on the door plate, let to the unit registered there.
    house_create(actor=SYSTEM, address=world.a2.building, use="shop", rental_status="rented")
    assert len(findings(RentedWithoutTenant)) == 1
    from wangge.units.services import unit_create

    unit_create(actor=SYSTEM, address=world.a2.building, name="五金仓库", kind="shop")
    assert findings(RentedWithoutTenant) == []


# --- identity numbers and ages ------------------------------------------------------------------------------


def test_a_wrong_check_digit_is_found(world):
    number = world.b1.person.id_number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    Person.objects.filter(pk=world.b1.person.pk).update(id_number=wrong)
    [finding] = findings(IdCheckDigit)
    assert finding.subject_id == world.b1.person.pk and "校验位" in finding.summary
    assert wrong not in finding.summary


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        (make_resident_id("350205", datetime.date(1990, 1, 1), 1), True),
        ("11010519491231002x", True),
        (" 11010519491231002X ", True),
        ("110105194912310021", False),
        ("11010519491331002X", False),
        ("1101051949123100", False),
    ],
)
def test_id_problem(number, ok):
    assert (id_problem(number) == "") is ok


def test_a_three_year_old_landlord_and_a_child_employee(world):
    child = person_create(
        actor=SYSTEM,
        grid=world.grid_a1,
        name="小宝",
        id_number=make_resident_id("350205", today().replace(year=today().year - 3, day=1), 501),
    )
    assert findings(AgeContradictsRelation) == []
    house_update(actor=SYSTEM, house=world.a1.house, owner=child)
    employment_create(actor=SYSTEM, person=child, unit=world.a1.unit, hired_on=today())
    found = findings(AgeContradictsRelation)
    assert {f.detail["role"] for f in found} == {"owner_house", "employment"}
    assert all(f.subject_id == child.pk and f.detail["age"] in (2, 3) for f in found)


def test_an_adult_owner_is_fine(world):
    house_update(actor=SYSTEM, house=world.a1.house, owner=world.a1.person)
    assert findings(AgeContradictsRelation) == []


# --- not verified for N days --------------------------------------------------------------------------------


def test_people_not_verified_for_n_days(world):
    later = today() + datetime.timedelta(days=200)
    assert {f.subject_id for f in findings(NotVerified, today=later)} == {
        world.a1.person.pk,
        world.a2.person.pk,
        world.b1.person.pk,
    }
    VerificationMark.objects.create(
        kind="person",
        person=world.a1.person,
        grid=world.grid_a1,
        source="field",
        verified_on=later - datetime.timedelta(days=10),
    )
    found = {f.subject_id: f for f in findings(NotVerified, today=later)}
    assert world.a1.person.pk not in found
    assert "从未" in found[world.a2.person.pk].summary
    # Registered less than N days ago: not yet.
    assert findings(NotVerified, today=later, days=365) == []


# --- deregistration wave ------------------------------------------------------------------------------------


def _deregistered(grid, count: int, on: datetime.date, start: int) -> None:
    Person.objects.bulk_create(
        Person(
            grid=grid,
            name=f"注销{start + i}",
            id_number=make_resident_id("350205", datetime.date(1970, 1, 1), start + i),
            status=PersonStatus.DEREGISTERED,
            ended_on=on,
            end_reason="迁出",
            created_at=timezone.now(),
        )
        for i in range(count)
    )


def test_a_sudden_wave_of_deregistrations(world):
    _deregistered(world.grid_a2, 10, today(), 600)
    assert findings(DeregistrationWave) == []  # 10 is not more than the minimum of 10
    _deregistered(world.grid_a2, 1, today() - datetime.timedelta(days=6), 650)
    [finding] = findings(DeregistrationWave)
    assert finding.subject == Subject.AREA and finding.grid_id == world.grid_a2.pk
    assert finding.detail["recent"] == 11


def test_a_grid_that_always_deregisters_many_is_not_a_wave(world):
    for week in range(1, 9):
        _deregistered(world.grid_a2, 6, today() - datetime.timedelta(days=7 * week), 700 + 10 * week)
    _deregistered(world.grid_a2, 15, today(), 800)
    # Weekly mean 6, × 3 = 18 > 15.
    assert findings(DeregistrationWave) == []
    _deregistered(world.grid_a2, 4, today(), 820)
    assert len(findings(DeregistrationWave)) == 1


def test_records_from_before_the_day_they_left_are_not(world):
    """A demo or an import that writes history with back-dated rows: what happened before the leaving day is
    not suspect even when the person row itself is older still."""
    person = world.a1.person
    person_deregister(actor=SYSTEM, person=person, reason="迁出", on=today() - datetime.timedelta(days=1))
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Person.objects.filter(pk=person.pk).update(updated_at=long_ago)
    Residence.objects.filter(person=person).update(created_at=long_ago)
    Employment.objects.filter(person=person).update(created_at=long_ago)
    VerificationMark.objects.create(
        kind="person",
        person=person,
        grid=world.grid_a1,
        source="field",
        verified_at=timezone.now() - datetime.timedelta(days=3),
        verified_on=today() - datetime.timedelta(days=3),
    )
    assert findings(DeregisteredInNewRecords) == []
    VerificationMark.objects.create(kind="person", person=person, grid=world.grid_a1, source="field")
    assert len(findings(DeregisteredInNewRecords)) == 1


def test_the_rule_in_the_docs_works(world):
    """docs/anomalies.md shows how to add a rule; its example is real code."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "anomalies.md").read_text(encoding="utf-8")
    [example] = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "class " in b]
    namespace: dict = {}
    try:
        exec(compile(example, "docs/anomalies.md", "exec"), namespace)
        rule = rule_for("empty_house_with_residents")
        assert rule is not None and findings(rule) == []
        house_update(actor=SYSTEM, house=world.b1.house, rental_status="empty")
        [finding] = findings(rule)
        assert finding.subject_id == world.b1.house.pk
    finally:
        REGISTRY.pop("empty_house_with_residents", None)
