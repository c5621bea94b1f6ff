"""Near-duplicate addresses: detection, review, merge (people, houses and history follow) and rejection."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from wangge.addresses.models import AddressLevel as L
from wangge.addresses.models import AddressMergeProposal, DuplicateKind, MergeStatus, StandardAddress
from wangge.addresses.services import address_create, address_merge_approve, find_duplicates, merge_reject
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.services import history
from wangge.core.tests.test_api import Api, errors, ids
from wangge.housing.models import House, HouseMergeProposal
from wangge.housing.services import house_create
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence
from wangge.people.services import person_create, residence_create

SYSTEM = Actor.system()


def web(user) -> Actor:
    return Actor(user=user, source=Source.WEB)


def totals() -> tuple[int, ...]:
    return (
        StandardAddress.objects.count(),
        House.objects.count(),
        Residence.objects.count(),
        Person.objects.count(),
    )


@pytest.fixture
def twin(world):
    """Under 海沧路8号 (grid a1), next to 1号楼: 一栋 — the same building written again — with its own 301室
    (a twin of 1号楼's) and a 302室, each with a house; 李六 lives in the one on 301室."""
    door = world.a1.door
    building = address_create(actor=SYSTEM, level=L.BUILDING, name="一栋", parent=door)
    room301 = address_create(actor=SYSTEM, level=L.ROOM, name="301室", parent=building)
    room302 = address_create(actor=SYSTEM, level=L.ROOM, name="302室", parent=building)
    house301 = house_create(actor=SYSTEM, address=room301, rental_status="rented")
    house302 = house_create(actor=SYSTEM, address=room302)
    person = person_create(
        actor=SYSTEM,
        grid=world.grid_a1,
        name="李六",
        category="migrant",
        id_number=make_resident_id("350205", datetime.date(1988, 2, 3), 444),
    )
    residence = residence_create(
        actor=SYSTEM, person=person, house=house301, relation="tenant", started_on=datetime.date(2025, 1, 1)
    )
    return building, room301, room302, house301, house302, residence


def only_proposal() -> AddressMergeProposal:
    proposals = list(AddressMergeProposal.objects.all())
    assert len(proposals) == 1, proposals
    return proposals[0]


def test_siblings_written_two_ways_are_proposed_once(world, twin):
    building = twin[0]
    admin = world.users.district_admin
    assert find_duplicates(actor=web(admin)) == {"addresses": 1, "houses": 0}
    proposal = only_proposal()
    assert {proposal.address_a, proposal.address_b} == {world.a1.building, building}
    assert proposal.kind == DuplicateKind.SAME_KEY and proposal.key == "1栋"
    assert proposal.status == MergeStatus.PENDING
    created = ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(AddressMergeProposal), object_id=proposal.pk
    )
    assert created.action == ChangeAction.CREATE and created.user == admin
    # Idempotent: the pair is never proposed twice, pending, merged or rejected.
    assert find_duplicates(actor=web(admin)) == {"addresses": 0, "houses": 0}
    merge_reject(actor=web(admin), proposal=proposal, reason="两栋楼，门牌不同")
    assert find_duplicates(actor=web(admin)) == {"addresses": 0, "houses": 0}


def test_same_full_text_in_two_nodes_is_proposed(world):
    # Two roads 海沧路 in one community (grids a1 and a2): one full text, two codes.
    address_create(actor=SYSTEM, level=L.ROAD, name="海沧路", grid=world.grid_a2)
    assert find_duplicates(actor=SYSTEM)["addresses"] == 1
    proposal = only_proposal()
    assert proposal.kind == DuplicateKind.SAME_TEXT and proposal.key == world.a1.road.full_text


def test_merge_moves_everything_and_keeps_every_record_and_its_history(world, twin):
    building, room301, room302, house301, house302, residence = twin
    survivor = world.a1.building
    admin = world.users.community_admin
    find_duplicates(actor=web(admin))
    proposal = only_proposal()
    before = totals()
    old_code = room302.code
    address_merge_approve(actor=web(admin), proposal=proposal, survivor=survivor, reason="同一栋楼")

    assert totals() == before  # nothing deleted
    for node in (building, room301, room302, house301, house302, residence):
        node.refresh_from_db()
    proposal.refresh_from_db()
    assert proposal.status == MergeStatus.APPROVED and proposal.survivor == survivor
    assert proposal.decided_by == admin and proposal.decision_reason == "同一栋楼"
    # The merged building and its twin room end, saying where they went.
    assert building.ended_on is not None and building.end_reason == f"并入 {survivor.code}"
    assert room301.ended_on is not None and room301.end_reason == f"并入 {world.a1.room.code}"
    # 302室 moves under the survivor: parent, code and full text follow; its house keeps its code.
    assert room302.ended_on is None and room302.parent == survivor
    assert room302.code.startswith(survivor.code) and room302.full_text == survivor.full_text + "302室"
    assert house302.address == room302 and house302.house_code == f"{old_code}H01"
    # The house on the twin 301室 now stands on the survivor's 301室, its tenant with it.
    assert house301.address == world.a1.room and house301.ended_on is None
    assert residence.house == house301 and residence.ended_on is None
    # History: the merged records keep theirs, the moves are recorded, the survivor names what came.
    end = history(building).first()
    assert end.action == ChangeAction.END and end.user == admin and end.source == Source.WEB
    moved = history(room302).first()
    assert moved.changes["parent_id"] == [building.pk, survivor.pk]
    assert moved.changes["code"][1] == room302.code
    assert history(house301).first().changes["address_id"] == [room301.pk, world.a1.room.pk]
    assert any(building.code in record.reason for record in history(survivor))
    assert history(room301).filter(action=ChangeAction.CREATE).exists()


def test_after_a_merge_two_houses_on_one_room_are_proposed(world, twin):
    find_duplicates(actor=SYSTEM)
    address_merge_approve(actor=SYSTEM, proposal=only_proposal(), survivor=world.a1.building)
    assert find_duplicates(actor=SYSTEM) == {"addresses": 0, "houses": 1}
    proposal = HouseMergeProposal.objects.get()
    assert {proposal.house_a, proposal.house_b} == {world.a1.house, twin[3]}


def test_a_third_sibling_is_compared_with_the_survivor_afterwards(world):
    door = world.a2.door
    b = address_create(actor=SYSTEM, level=L.BUILDING, name="一栋", parent=door)
    c = address_create(actor=SYSTEM, level=L.BUILDING, name="1幢", parent=door)
    a = world.a2.building
    assert find_duplicates(actor=SYSTEM)["addresses"] == 2
    first = AddressMergeProposal.objects.get(address_a=a, address_b=b)
    second = AddressMergeProposal.objects.get(address_a=a, address_b=c)
    address_merge_approve(actor=SYSTEM, proposal=first, survivor=b)
    second.refresh_from_db()
    assert second.status == MergeStatus.PENDING
    assert (second.address_a, second.address_b) == (b, c)
    address_merge_approve(actor=SYSTEM, proposal=second, survivor=b)
    c.refresh_from_db()
    assert c.end_reason == f"并入 {b.code}"


def test_decisions_are_checked(world, twin):
    find_duplicates(actor=SYSTEM)
    proposal = only_proposal()
    with pytest.raises(ValidationError) as caught:
        address_merge_approve(actor=SYSTEM, proposal=proposal, survivor=world.a1.room)
    assert "survivor" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        merge_reject(actor=SYSTEM, proposal=proposal, reason="  ")
    assert "reason" in caught.value.message_dict
    merge_reject(actor=SYSTEM, proposal=proposal, reason="不是同一栋")
    with pytest.raises(ValidationError) as caught:
        address_merge_approve(actor=SYSTEM, proposal=proposal, survivor=world.a1.building)
    assert "status" in caught.value.message_dict
    assert twin[0].children.filter(ended_on__isnull=True).count() == 2  # nothing moved


def test_only_community_level_and_above_may_look_and_decide(world, twin):
    with pytest.raises(PermissionDenied):
        find_duplicates(actor=web(world.users.grid_worker))
    find_duplicates(actor=SYSTEM)
    proposal = only_proposal()
    for user in (world.users.grid_worker, world.users.grid_chief, world.users.viewer):
        with pytest.raises(PermissionDenied):
            address_merge_approve(actor=web(user), proposal=proposal, survivor=world.a1.building)
        with pytest.raises(PermissionDenied):
            merge_reject(actor=web(user), proposal=proposal, reason="x")


def test_a_proposal_is_visible_only_with_both_records(world):
    address_create(actor=SYSTEM, level=L.ROAD, name="海沧路", grid=world.grid_a2)
    find_duplicates(actor=SYSTEM)
    proposal = only_proposal()
    visible = AddressMergeProposal.objects.visible_to
    assert proposal in visible(world.users.community_admin)
    assert proposal not in visible(world.users.grid_worker)  # sees grid a1 only
    assert proposal not in visible(world.users.grid_worker_b)


def test_detection_stays_inside_the_scope_and_area(world, twin):
    assert find_duplicates(actor=SYSTEM, area="350205003") == {"addresses": 0, "houses": 0}
    with pytest.raises(ValidationError) as caught:
        find_duplicates(actor=SYSTEM, area="35x")
    assert "area" in caught.value.message_dict
    assert find_duplicates(actor=SYSTEM, area="350205001")["addresses"] == 1


# --- the API -------------------------------------------------------------------------------------------------


def test_api_list_detail_approve(world, twin):
    api = Api(world.users.community_admin)
    detect = api.post("/address-merges/detect", {"area": ""})
    assert detect.status_code == 200, detect.content
    assert detect.json() == {"addresses": 1, "houses": 0}
    proposal = only_proposal()
    assert ids(api.get("/address-merges/", status="pending")) == {proposal.pk}
    assert ids(api.get("/address-merges/", status="rejected")) == set()
    assert ids(api.get("/address-merges/", q="一栋")) == {proposal.pk}
    detail = api.get(f"/address-merges/{proposal.pk}").json()
    assert {detail["a"]["id"], detail["b"]["id"]} == {world.a1.building.pk, twin[0].pk}
    moves = detail["a_moves"] if detail["a"]["id"] == twin[0].pk else detail["b_moves"]
    assert moves == {"addresses": 2, "houses": 2, "people": 1, "units": 0}
    assert "survivor" in errors(
        api.post(f"/address-merges/{proposal.pk}/approve", {"survivor": world.a1.room.pk})
    )
    done = api.post(f"/address-merges/{proposal.pk}/approve", {"survivor": world.a1.building.pk})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "approved" and done.json()["survivor_id"] == world.a1.building.pk
    assert done.json()["decided_by"] == "community_admin"
    assert "status" in errors(api.post(f"/address-merges/{proposal.pk}/reject", {"reason": "晚了"}))
    history_items = api.get(f"/address-merges/{proposal.pk}/history").json()["items"]
    assert [item["action"] for item in history_items] == ["change", "create"]


def test_api_reject_scope_and_roles(world, twin):
    find_duplicates(actor=SYSTEM)
    proposal = only_proposal()
    assert Api(world.users.grid_worker_b).get(f"/address-merges/{proposal.pk}").status_code == 404
    assert (
        Api(world.users.grid_worker_b)
        .post(f"/address-merges/{proposal.pk}/reject", {"reason": "x"})
        .status_code
        == 404
    )
    worker = Api(world.users.grid_worker)
    assert worker.get(f"/address-merges/{proposal.pk}").status_code == 200
    assert worker.post(f"/address-merges/{proposal.pk}/reject", {"reason": "x"}).status_code == 403
    assert worker.post("/address-merges/detect", {}).status_code == 403
    admin = Api(world.users.street_admin)
    assert "reason" in errors(admin.post(f"/address-merges/{proposal.pk}/reject", {"reason": ""}))
    assert "survivor" in errors(admin.post(f"/address-merges/{proposal.pk}/approve", {"survivor": "1"}))
    assert "area" in errors(admin.post("/address-merges/detect", {"area": "abc"}))
    assert admin.get("/address-merges/999999").status_code == 404
    rejected = admin.post(f"/address-merges/{proposal.pk}/reject", {"reason": "门牌不同，两栋楼"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"


# --- the web pages -------------------------------------------------------------------------------------------


def login(world, user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=world.password)
    return client


def test_pages_list_review_and_decide(world, twin):
    client = login(world, world.users.community_admin)
    response = client.post(reverse("addresses:merge_detect"), {"area": ""})
    assert response.status_code == 302
    proposal = only_proposal()
    page = client.get(reverse("addresses:merges"))
    assert page.status_code == 200 and "一栋" in page.content.decode()
    review = client.get(reverse("addresses:merge_detail", args=[proposal.pk]))
    body = review.content.decode()
    assert review.status_code == 200 and twin[0].full_text in body and world.a1.building.full_text in body
    bad = client.post(reverse("addresses:merge_reject", args=[proposal.pk]), {"reason": ""})
    assert bad.status_code == 422
    done = client.post(
        reverse("addresses:merge_approve", args=[proposal.pk]),
        {"survivor": world.a1.building.pk, "reason": ""},
    )
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == MergeStatus.APPROVED
    assert history(twin[0]).first().source == Source.WEB


def test_pages_are_scoped_and_guarded(world, twin):
    find_duplicates(actor=SYSTEM)
    proposal = only_proposal()
    outsider = login(world, world.users.grid_worker_b)
    assert outsider.get(reverse("addresses:merge_detail", args=[proposal.pk])).status_code == 404
    assert (
        outsider.post(reverse("addresses:merge_approve", args=[proposal.pk]), {"survivor": 1}).status_code
        == 404
    )
    listed = outsider.get(reverse("addresses:merges")).content.decode()
    assert reverse("addresses:merge_detail", args=[proposal.pk]) not in listed and "一栋" not in listed
    worker = login(world, world.users.grid_worker)
    assert worker.get(reverse("addresses:merge_detail", args=[proposal.pk])).status_code == 200
    assert (
        worker.post(reverse("addresses:merge_approve", args=[proposal.pk]), {"survivor": 1}).status_code
        == 403
    )
    assert worker.get(reverse("addresses:merge_detect")).status_code == 403
    assert worker.get(reverse("addresses:merge_approve", args=[proposal.pk])).status_code == 405
    garbage = login(world, world.users.district_admin)
    response = garbage.post(reverse("addresses:merge_approve", args=[proposal.pk]), {"survivor": "\x00"})
    assert response.status_code == 422
    assert (
        garbage.get(reverse("addresses:merges"), {"status": "x\x00", "area": "abc", "kind": "?"}).status_code
        == 200
    )


def test_list_query_counts_do_not_grow_with_the_page(world, django_assert_max_num_queries):
    for door in (world.a1.door, world.a2.door, world.b1.door):
        for name in ("一栋", "1幢"):
            address_create(actor=SYSTEM, level=L.BUILDING, name=name, parent=door)
    extra = [house_create(actor=SYSTEM, address=grid.room) for grid in (world.a1, world.a2, world.b1)]
    assert find_duplicates(actor=SYSTEM) == {"addresses": 6, "houses": len(extra)}
    api = Api(world.users.district_admin)
    with django_assert_max_num_queries(4):
        assert api.get("/address-merges/").json()["count"] == 6
    with django_assert_max_num_queries(4):
        assert api.get("/house-merges/").json()["count"] == 3
