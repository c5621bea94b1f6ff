"""The demo district at the tiny scale: shape, validity of every kind of value, scope, the command."""

import io
import json
import random
import re
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum.cn import uscc

from wangge.accounts.models import Assignment, Team, TeamMember, TeamMemberKind, User
from wangge.accounts.roles import Role
from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.anomalies.models import Anomaly
from wangge.areas.models import Area, AreaLevel, GridKind, PoliceGrid, PoliceOffice, PoliceStation
from wangge.collection.models import Shift, Task, VerificationMark, Visit
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.demo.generator import AS_OF, PHONE_PREFIXES, DemoGenerator, age_on, uscc_check
from wangge.demo.models import DemoBuild
from wangge.demo.scales import SCALES
from wangge.housing.models import House, HouseUse
from wangge.people.choices import Category, IdType, PersonStatus, Relation
from wangge.people.identity import check_resident_id, normalise_phone
from wangge.people.models import Person, Residence
from wangge.people.services import person_create, pinyin_keys
from wangge.units.models import Employment, Unit, UnitKind


def test_area_tree_has_every_level_and_kind(demo):
    levels = Counter(Area.objects.values_list("level", flat=True))
    assert levels == {
        AreaLevel.DISTRICT: 1,
        AreaLevel.STREET: 1,
        AreaLevel.COMMUNITY: 3,
        AreaLevel.BIG_GRID: 3,
        AreaLevel.GRID: 4,
    }
    grids = Area.objects.filter(level=AreaLevel.GRID)
    assert set(grids.values_list("kind", flat=True)) == set(GridKind.values)
    for area in Area.objects.exclude(level=AreaLevel.DISTRICT).select_related("parent"):
        # Big grids are the community code + 3 digits, collection grids the big grid's + 3 digits.
        assert area.code.startswith(area.parent.code)
        area.full_clean()
    assert Area.objects.get(level=AreaLevel.DISTRICT).code == "350205"
    assert set(Area.objects.filter(level=AreaLevel.STREET).values_list("code", flat=True)) == {"350205003"}


def test_police_overlay_covers_every_grid_once(demo):
    assert PoliceStation.objects.count() == 1
    assert PoliceOffice.objects.count() == 3
    covered = Counter(PoliceGrid.grids.through.objects.values_list("area_id", flat=True))
    grid_ids = set(Area.objects.filter(level=AreaLevel.GRID).values_list("pk", flat=True))
    assert set(covered) == grid_ids and set(covered.values()) == {1}


def test_register_counts_and_mix(demo):
    levels = set(StandardAddress.objects.values_list("level", flat=True))
    assert levels == set(AddressLevel.values)
    assert 200 <= Person.objects.count() <= 800
    assert House.objects.count() >= 100
    uses = set(House.objects.values_list("use", flat=True))
    assert {HouseUse.DWELLING, HouseUse.SHOP, HouseUse.FACTORY, HouseUse.DORMITORY} <= uses
    assert House.objects.filter(rental_status="rented").count() > House.objects.count() / 5
    categories = set(Person.objects.values_list("category", flat=True))
    assert {Category.REGISTERED, Category.MIGRANT} <= categories
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert {UnitKind.SHOP, UnitKind.FACTORY} <= kinds
    assert Employment.objects.count() > 0
    relations = set(Residence.objects.values_list("relation", flat=True))
    assert {Relation.OWNER, Relation.FAMILY, Relation.TENANT, Relation.STAFF_DORMITORY} <= relations
    assert Residence.objects.filter(ended_on__isnull=False).exclude(end_reason="").exists()


def test_every_created_row_has_one_demo_change_record(demo):
    audited = {
        Area,
        PoliceStation,
        PoliceOffice,
        PoliceGrid,
        StandardAddress,
        House,
        Person,
        Residence,
        Unit,
        Employment,
        User,
        Assignment,
        Team,
        TeamMember,
        Task,
        Shift,
        Visit,
        VerificationMark,
    }
    records = ChangeRecord.objects.all()
    assert set(records.values_list("source", flat=True)) == {Source.DEMO}
    creates = Counter(
        records.filter(action=ChangeAction.CREATE).values_list("content_type__model", flat=True)
    )
    for model in audited:
        assert creates[model._meta.model_name] == model.objects.count(), model
    # The register written in bulk is the demo's own ("<demo>"); the campaign's records name who made them.
    person = Person.objects.order_by("pk").first()
    record = ChangeRecord.objects.get(content_type__model="person", object_id=person.pk)
    assert record.object_repr == str(person) and record.username == "<demo>"
    visit = Visit.objects.order_by("pk").first()
    record = ChangeRecord.objects.get(content_type__model="visit", object_id=visit.pk)
    assert record.user_id == visit.visitor_id and record.action == ChangeAction.CREATE


def test_accounts_file_names_every_role_and_the_password_works(demo, settings):
    data = json.loads((settings.VAR_DIR / "demo-accounts.json").read_text(encoding="utf-8"))
    assert all(set(entry) == {"username", "password", "role", "area_code"} for entry in data)
    assert {entry["role"] for entry in data} == set(Role.values)
    for entry in data:
        user = authenticate(username=entry["username"], password=entry["password"])
        assert user is not None and user.role == entry["role"]
        assignment = user.assignments.get()
        assert (assignment.area or assignment.police_grid).code == entry["area_code"]


def test_teams_have_auxiliary_police_grid_worker_and_volunteers(demo):
    for team in Team.objects.prefetch_related("members"):
        kinds = Counter(m.kind for m in team.members.all())
        assert kinds[TeamMemberKind.AUXILIARY_POLICE] == 1
        assert kinds[TeamMemberKind.GRID_WORKER] == 1
        assert kinds[TeamMemberKind.VOLUNTEER] >= 1
        worker = team.members.get(kind=TeamMemberKind.GRID_WORKER).user
        assert worker.role == Role.GRID_WORKER and worker.assignments.get().area_id == team.grid_id
    assert Team.objects.count() == Area.objects.filter(level=AreaLevel.GRID).count()


def test_every_active_person_has_exactly_one_current_primary_residence(demo):
    current = Counter(
        Residence.objects.filter(is_primary=True, ended_on__isnull=True).values_list("person_id", flat=True)
    )
    for person in Person.objects.all():
        if person.status == PersonStatus.ACTIVE:
            assert current[person.pk] == 1, person
        else:
            assert current[person.pk] == 0 and person.ended_on and person.end_reason
    for residence in Residence.objects.filter(ended_on__isnull=True).select_related("person", "house"):
        assert residence.person.grid_id == residence.house.grid_id


def test_every_address_sits_in_one_collection_grid_of_its_community(demo):
    grids = {a.pk: a for a in Area.objects.filter(level=AreaLevel.GRID)}
    by_id = {a.pk: a for a in StandardAddress.objects.all()}
    for address in by_id.values():
        grid = grids[address.grid_id]
        assert address.code.startswith(grid.code[:12])
        if address.parent_id:
            parent = by_id[address.parent_id]
            assert address.code.startswith(parent.code + str(address.level))
            assert address.full_text == parent.full_text + address.name
            assert address.grid_id == parent.grid_id
        else:
            assert address.level == AddressLevel.ROAD
            assert address.full_text.startswith("海沧区嵩屿街道" + grid.parent.parent.name)
    for house in House.objects.select_related("address"):
        assert re.fullmatch(re.escape(house.address.code) + r"H\d\d", house.house_code)
        assert house.grid_id == house.address.grid_id


def planted(rule: str) -> set[int]:
    """People the campaign planted for an anomaly rule (the run found them; nothing else may break the rule)."""
    return set(Anomaly.objects.filter(rule=rule).values_list("person_id", flat=True))


def test_values_pass_the_services_checks(demo):
    bad_check_digit = planted("id_check_digit")
    assert len(bad_check_digit) == 1
    for person in Person.objects.exclude(pk__in=bad_check_digit):
        if person.id_type == IdType.RESIDENT_ID:
            facts = check_resident_id(person.id_number)
            assert facts.number == person.id_number
            assert (facts.sex, facts.birth_date) == (person.sex, person.birth_date)
            assert facts.warnings == [] or person.id_number.startswith("350200")
        else:
            assert person.category == Category.OVERSEAS
        if person.phone:
            assert normalise_phone(person.phone) == person.phone
        keys = pinyin_keys(person.name)
        assert (person.name_initials, person.name_pinyin) == (keys["name_initials"], keys["name_pinyin"])
    for phone in [
        *House.objects.exclude(owner_phone="").values_list("owner_phone", flat=True),
        *Unit.objects.exclude(contact_phone="").values_list("contact_phone", flat=True),
        *User.objects.values_list("phone", flat=True),
    ]:
        assert normalise_phone(phone) == phone
    codes = [c for c in Unit.objects.values_list("credit_code", flat=True) if c]
    assert codes and all(uscc.validate(code) == code for code in codes)
    assert all(code[2:8] in ("350205", "350200") for code in codes)


@pytest.mark.parametrize(
    "model", [Area, StandardAddress, House, Person, Residence, Unit, Employment, User, Assignment, TeamMember]
)
def test_a_sample_of_each_model_passes_full_clean(demo, model):
    rows = list(model.objects.all())
    if model is Person:
        rows = [p for p in rows if p.pk not in planted("id_check_digit")]
    for instance in random.Random(0).sample(rows, min(40, len(rows))):
        try:
            instance.full_clean(exclude=["password"] if model is User else None)
        except ValidationError as exc:  # pragma: no cover - the message says which row and field
            pytest.fail(f"{model.__name__} {instance.pk}: {exc.message_dict}")


def test_ages_are_plausible_for_the_relation(demo):
    young_owner = planted("age_contradicts_relation")
    assert len(young_owner) == 1
    for residence in Residence.objects.exclude(person__in=young_owner).select_related("person"):
        age = age_on(residence.person.birth_date, AS_OF)
        assert 0 <= age <= 105
        assert residence.started_on >= residence.person.birth_date
        # The register is as of AS_OF; people found on the campaign's visits moved in since.
        assert residence.started_on <= AS_OF or residence.source == "imported"
        if residence.relation == Relation.OWNER:
            assert age >= 18
        elif residence.relation in (Relation.TENANT, Relation.LODGER):
            assert age >= 16
        elif residence.relation == Relation.STAFF_DORMITORY:
            assert 16 <= age <= 60
    for employment in Employment.objects.select_related("person"):
        assert age_on(employment.person.birth_date, employment.hired_on) >= 16


def test_a_grid_worker_sees_only_their_grid(demo):
    for username in ("grid_worker", "grid_worker_2"):
        user = User.objects.get(username=username)
        grid = user.assignments.get().area
        visible = Person.objects.visible_to(user)
        assert visible.exists()
        assert set(visible.values_list("grid_id", flat=True)) == {grid.pk}
        assert visible.count() == Person.objects.filter(grid=grid).count()
    officer = User.objects.get(username="police_officer")
    police_grid = officer.assignments.get().police_grid
    assert set(Person.objects.visible_to(officer).values_list("grid_id", flat=True)) <= set(
        police_grid.grids.values_list("pk", flat=True)
    )


def test_the_generator_is_deterministic():
    def fingerprint(seed):
        generator = DemoGenerator(SCALES["tiny"], seed=seed)
        people = [
            (p["id_number"], p["name"], p["phone"])
            for b in generator.community_batches()
            for p in b.rows[Person]
        ]
        return people

    assert fingerprint(0) == fingerprint(0)
    assert fingerprint(0) != fingerprint(1)


def test_phone_prefixes_and_credit_check_characters_agree_with_the_libraries():
    rng = random.Random(7)
    for prefix in PHONE_PREFIXES:
        for _ in range(20):
            number = prefix + f"{rng.randrange(10**8):08d}"
            assert normalise_phone(number) == number
    for _ in range(200):
        body = "91350205" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        assert uscc_check(body) == uscc.calc_check_digit(body)


@pytest.mark.django_db(transaction=True)
def test_the_command_builds_once_and_is_idempotent(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("demo", scale="tiny", no_serve=True, stdout=io.StringIO())
    first = json.loads((tmp_path / "demo-accounts.json").read_text(encoding="utf-8"))
    counts = {m: m.objects.count() for m in (Person, House, StandardAddress, User, ChangeRecord)}
    call_command("demo", scale="tiny", no_serve=True, stdout=io.StringIO())
    assert {m: m.objects.count() for m in counts} == counts
    assert json.loads((tmp_path / "demo-accounts.json").read_text(encoding="utf-8")) == first
    assert DemoBuild.objects.count() == 1

    # Without its accounts file the demo gets a new password, and the new file opens the accounts.
    (tmp_path / "demo-accounts.json").unlink()
    call_command("demo", scale="tiny", no_serve=True, stdout=io.StringIO())
    again = json.loads((tmp_path / "demo-accounts.json").read_text(encoding="utf-8"))
    assert again[0]["password"] != first[0]["password"]
    assert authenticate(username=again[0]["username"], password=again[0]["password"]) is not None


@pytest.mark.django_db(transaction=True)
def test_rebuild_refuses_to_wipe_records_someone_entered(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("demo", scale="tiny", no_serve=True, stdout=io.StringIO())
    grid = Area.objects.filter(level=AreaLevel.GRID).first()
    person_create(actor=Actor.system(), grid=grid, name="真实", id_type=IdType.PASSPORT, id_number="E1234567")
    with pytest.raises(CommandError, match="非演示数据"):
        call_command("demo", scale="tiny", no_serve=True, rebuild=True, stdout=io.StringIO())
    assert Person.objects.filter(name="真实").exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_is_not_written_into_a_database_with_real_records(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    Area.objects.create(code="110101", name="东城区", level=AreaLevel.DISTRICT)
    with pytest.raises(CommandError, match="非演示数据"):
        call_command("demo", scale="tiny", no_serve=True, stdout=io.StringIO())
    assert not Person.objects.exists()


def test_a_village_names_each_natural_village_once_across_its_grids():
    # Two 东社 in one village would be one place entered twice, and the duplicate finder would rightly propose
    # merging them with their door plates and buildings. Haicang has villages of several rural grids.
    from wangge.demo.generator import CommunityBuilder

    generator = DemoGenerator(SCALES["haicang"], seed=0)
    villages = [p for p in generator.communities if sum(g.kind == GridKind.RURAL for g in p.grids) >= 2]
    assert villages
    for plan in villages[:4]:
        rows = CommunityBuilder(generator, plan).build().rows[StandardAddress]
        hamlets = [r["name"] for r in rows if r["level"] == AddressLevel.ROAD and r["name"].endswith("社")]
        assert len(hamlets) > 4
        assert len(hamlets) == len(set(hamlets))
