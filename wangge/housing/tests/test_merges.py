"""House codes, and "one address, several house codes": detection, merge with the people, rejection."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from wangge.addresses.models import AddressLevel as L
from wangge.addresses.models import MergeStatus
from wangge.addresses.services import address_create, find_duplicates, merge_reject
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, Source
from wangge.core.services import history
from wangge.core.tests.test_api import Api, errors, ids
from wangge.housing.models import House, HouseMergeProposal
from wangge.housing.services import house_create, house_merge_approve, next_house_code
from wangge.people.identity import make_resident_id
from wangge.people.models import Residence
from wangge.people.services import person_create, residence_create

SYSTEM = Actor.system()


def test_a_new_house_code_is_its_address_code_and_the_next_free_number(world):
    room = world.a1.room
    assert world.a1.house.house_code == f"{room.code}H01"
    second = house_create(actor=SYSTEM, address=room)
    assert second.house_code == f"{room.code}H02"
    given = house_create(actor=SYSTEM, address=room, house_code=f"{room.code}H07")
    assert given.house_code.endswith("H07")
    # One more than the highest ever given: a number is never handed out twice.
    assert next_house_code(room) == f"{room.code}H08"


@pytest.mark.parametrize(
    "code", ["HYP00001", "350205H01", "{room}H00", "{room}H1", "{room}X01", "{other}H02"]
)
def test_a_given_house_code_must_follow_the_rule(world, code):
    code = code.format(room=world.a1.room.code, other=world.a2.room.code)
    with pytest.raises(ValidationError) as caught:
        house_create(actor=SYSTEM, address=world.a1.room, house_code=code)
    assert "house_code" in caught.value.message_dict


def test_a_given_house_code_must_be_free(world):
    with pytest.raises(ValidationError) as caught:
        house_create(actor=SYSTEM, address=world.a1.room, house_code=world.a1.house.house_code)
    assert "house_code" in caught.value.message_dict


def test_api_names_the_house_code_field(world):
    api = Api(world.users.grid_worker)
    body = {"address": world.a1.room.pk, "house_code": "ABC"}
    assert "house_code" in errors(api.post("/houses/", body))


def resident(world, name: str, seq: int, house, **kwargs) -> Residence:
    person = person_create(
        actor=SYSTEM,
        grid=house.grid,
        name=name,
        category="migrant",
        id_number=make_resident_id("350205", datetime.date(1990, 1, 1), seq),
    )
    return residence_create(
        actor=SYSTEM,
        person=person,
        house=house,
        relation="tenant",
        started_on=datetime.date(2025, 3, 1),
        **kwargs,
    )


@pytest.fixture
def doubled(world):
    """A second house code on 海沧路8号1号楼301室 (a1), with a new tenant 赵七, and 张三 — who lives in the
    first house — registered there a second time (not as his primary residence)."""
    house = house_create(actor=SYSTEM, address=world.a1.room, rental_status="rented")
    zhao = resident(world, "赵七", 555, house)
    zhang = residence_create(
        actor=SYSTEM,
        person=world.a1.person,
        house=house,
        relation="tenant",
        started_on=datetime.date(2025, 5, 1),
        is_primary=False,
    )
    return house, zhao, zhang


def test_two_houses_on_one_room_are_proposed_once(world, doubled):
    assert find_duplicates(actor=SYSTEM) == {"addresses": 0, "houses": 1}
    proposal = HouseMergeProposal.objects.get()
    assert (proposal.house_a, proposal.house_b) == (world.a1.house, doubled[0])
    assert find_duplicates(actor=SYSTEM) == {"addresses": 0, "houses": 0}


def test_houses_on_one_building_are_duplicates_only_when_nothing_tells_them_apart(world):
    building = address_create(actor=SYSTEM, level=L.BUILDING, name="1幢", parent=world.a2.door)
    house_create(actor=SYSTEM, address=building, owner_name="林伯", floor_area=Decimal("180.00"))
    # A floor let separately: same owner, its own area — a house of its own.
    house_create(actor=SYSTEM, address=building, owner_name="林伯", floor_area=Decimal("60.00"))
    assert find_duplicates(actor=SYSTEM)["houses"] == 0
    house_create(actor=SYSTEM, address=building, owner_name="林伯", floor_area=Decimal("180.00"))
    assert find_duplicates(actor=SYSTEM)["houses"] == 1


def test_merge_moves_the_people_and_ends_the_other_code(world, doubled):
    house, zhao, zhang_again = doubled
    survivor = world.a1.house
    admin = world.users.street_admin
    find_duplicates(actor=SYSTEM)
    proposal = HouseMergeProposal.objects.get()
    houses, residences = House.objects.count(), Residence.objects.count()
    house_merge_approve(actor=Actor(user=admin, source=Source.WEB), proposal=proposal, survivor=survivor)
    assert (House.objects.count(), Residence.objects.count()) == (houses, residences)
    for record in (house, zhao, zhang_again, proposal, world.a1.residence):
        record.refresh_from_db()
    assert house.ended_on is not None and house.end_reason == f"并入 {survivor.house_code}"
    assert zhao.house == survivor and zhao.ended_on is None
    # 张三 lived in both: one current residence remains, his primary one.
    assert zhang_again.house == survivor and zhang_again.ended_on is not None
    assert world.a1.residence.ended_on is None
    assert proposal.status == MergeStatus.APPROVED and proposal.survivor == survivor
    assert proposal.decided_by == admin
    moved = history(zhao).first()
    assert moved.changes["house_id"] == [house.pk, survivor.pk] and moved.user == admin
    assert history(house).first().action == ChangeAction.END
    assert any(house.house_code in record.reason for record in history(survivor))


def test_reject_keeps_both_and_is_not_proposed_again(world, doubled):
    find_duplicates(actor=SYSTEM)
    proposal = HouseMergeProposal.objects.get()
    merge_reject(actor=SYSTEM, proposal=proposal, reason="两套房，分别出租")
    proposal.refresh_from_db()
    assert proposal.status == MergeStatus.REJECTED and proposal.decision_reason == "两套房，分别出租"
    assert find_duplicates(actor=SYSTEM)["houses"] == 0
    assert House.objects.filter(ended_on__isnull=True, address=world.a1.room).count() == 2


def test_a_pending_proposal_whose_house_ended_is_closed(world):
    extra = house_create(actor=SYSTEM, address=world.a1.room)
    find_duplicates(actor=SYSTEM)
    proposal = HouseMergeProposal.objects.get()
    from wangge.housing.services import house_end

    house_end(actor=SYSTEM, house=extra, reason="录重了，注销")
    find_duplicates(actor=SYSTEM)
    proposal.refresh_from_db()
    assert proposal.status == MergeStatus.SUPERSEDED


def test_api_and_pages(world, doubled):
    find_duplicates(actor=SYSTEM)
    proposal = HouseMergeProposal.objects.get()
    api = Api(world.users.community_admin)
    assert ids(api.get("/house-merges/")) == {proposal.pk}
    detail = api.get(f"/house-merges/{proposal.pk}").json()
    assert detail["a"]["code"] == world.a1.house.house_code and detail["b"]["code"] == doubled[0].house_code
    assert detail["a_moves"] == {"people": 1, "past": 0} and detail["b_moves"] == {"people": 2, "past": 0}
    assert Api(world.users.grid_worker_b).get(f"/house-merges/{proposal.pk}").status_code == 404
    assert (
        Api(world.users.grid_worker).post(f"/house-merges/{proposal.pk}/approve", {"survivor": 1}).status_code
        == 403
    )
    client = Client()
    assert client.login(username="community_admin", password=world.password)
    assert client.get(reverse("housing:merges")).status_code == 200
    page = client.get(reverse("housing:merge_detail", args=[proposal.pk]))
    assert page.status_code == 200 and doubled[0].house_code in page.content.decode()
    done = client.post(reverse("housing:merge_approve", args=[proposal.pk]), {"survivor": doubled[0].pk})
    assert done.status_code == 302
    world.a1.house.refresh_from_db()
    assert world.a1.house.end_reason == f"并入 {doubled[0].house_code}"
