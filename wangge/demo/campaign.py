"""The demo as a campaign in progress: six weeks of door-to-door work recorded through the real services.

After the register is written, `run_campaign` starts a collection campaign (采集行动) six weeks before today
and records what the grid workers did since: visits to about 80 % of the flats, people and houses verified
at rates like seed 000's, a few new residents registered and a few people deregistered, a random re-check
round and a cross-check drawn and recorded, anomalies planted in the data and an anomaly run, and the daily
rollups back-filled. Every figure the dashboards show is counted from these rows; nothing is invented.

Each day's events are recorded with the clock set to that day (`clock`), so what a service dates "today"
(a deregistration, a re-check, a registration's created_at) falls on the campaign day it belongs to.

Deterministic for a seed and a `today`: every grid draws from its own random stream (`seed:campaign:code`).
"""

import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from wangge.accounts.models import Assignment, TeamMember, TeamMemberKind, User
from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.anomalies.services import anomalies_run
from wangge.areas.models import Area, AreaLevel, GridKind
from wangge.collection.choices import VerificationKind, VisitOutcome
from wangge.collection.models import VerificationMark
from wangge.collection.services import field_work_record, person_verify
from wangge.core.actor import Actor
from wangge.core.bulk import build, create_records
from wangge.core.models import Source
from wangge.demo import names
from wangge.demo.generator import AS_OF, PHONE_PREFIXES, counties_of
from wangge.housing.models import House, HouseUse, RentalStatus
from wangge.housing.services import house_create, house_update
from wangge.people.choices import Category, IdType, PersonStatus, Relation
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence
from wangge.people.services import people_import, person_deregister
from wangge.quality.services import campaign_create, rollup_refresh
from wangge.rechecks.fields import FIELDS
from wangge.rechecks.services import recheck_record, round_create, round_draw, round_evaluate

CAMPAIGN_DAYS = 42  # the campaign started six weeks before today
DEVICE = "演示手机"
# What a knock on an occupied door finds the first time, and on a later try.
FIRST_TRY = {
    VisitOutcome.MET: 74,
    VisitOutcome.NOBODY_HOME: 16,
    VisitOutcome.NOTE_LEFT: 6,
    VisitOutcome.REFUSED: 4,
}
LATER_TRY = {VisitOutcome.MET: 80, VisitOutcome.NOBODY_HOME: 14, VisitOutcome.NOTE_LEFT: 6}
# Grid tiers: most grids near the district's 80 %, some nearly done, a few far behind (so rankings mean something).
TIERS = (("ahead", 0.12, (0.93, 0.975)), ("behind", 0.07, (0.52, 0.6)))
PARTY_BONUS = 0.015  # party-member grid workers do slightly better
NEW_RESIDENTS = 0.004  # new residents found per visited occupied flat
LEFT_AGAIN = 0.12  # of them, moved out again before today
DEREGISTERED = 0.002  # people deregistered during the campaign (died, moved out of the district)
WAVE = 0.1  # the share of one grid's people deregistered in the last week (the planted wave)


def weighted(rng: random.Random, table: dict):
    x = rng.random() * sum(table.values())
    for key, weight in table.items():
        x -= weight
        if x < 0:
            return key
    return key


@contextmanager
def clock(moment: datetime.datetime):
    """Record as if it were `moment`: whatever a service stamps with timezone.now() or localdate()."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


class Campaign:
    """One run of the campaign over the whole demo district."""

    def __init__(self, *, seed: int, scale, today: datetime.date | None = None, progress=None):
        self.seed = seed
        self.scale = scale
        self.today = today or timezone.localdate()
        self.start = self.today - datetime.timedelta(days=CAMPAIGN_DAYS)
        self.days = [self.start + datetime.timedelta(days=i) for i in range(CAMPAIGN_DAYS)]
        self.progress: Callable[[str], None] = progress or (lambda message: None)
        self.district = Area.objects.get(level=AreaLevel.DISTRICT)
        self.admin = User.objects.get(username="district_admin")
        self.admin_actor = Actor(user=self.admin, source=Source.DEMO, device=DEVICE)
        self.workers = self._workers()
        self.counts: Counter = Counter()
        # ID numbers given to new residents in this run (the register's are checked in the database).
        self.used_numbers: set[str] = set()
        # grid → (house, campaign day) where a new tenant was met at the door.
        self.newcomers: dict[int, list[tuple[House, int]]] = defaultdict(list)

    def _workers(self) -> dict[int, User]:
        members = (
            TeamMember.objects.filter(
                kind=TeamMemberKind.GRID_WORKER, ended_on__isnull=True, user__isnull=False
            )
            .select_related("user", "team")
            .order_by("team__grid_id", "pk")
        )
        found: dict[int, User] = {}
        for member in members:
            found.setdefault(member.team.grid_id, member.user)
        return found

    def actor(self, user: User) -> Actor:
        return Actor(user=user, source=Source.DEMO, device=DEVICE)

    # -- the campaign itself -------------------------------------------------------------------------

    def open(self) -> None:
        with clock(local(self.start, 8)):
            campaign_create(
                actor=self.admin_actor,
                area=self.district,
                name=f"{self.start.year}年“一标三实”集中采集行动",
                starts_on=self.start,
                ends_on=self.start + datetime.timedelta(days=CAMPAIGN_DAYS + 20),
            )
        self.counts["campaigns"] += 1

    # -- field work, one grid at a time --------------------------------------------------------------

    def field_work(self) -> None:
        grids = list(
            Area.objects.filter(level=AreaLevel.GRID).order_by("code").values_list("pk", "code", "kind")
        )
        for index, (grid_id, code, kind) in enumerate(grids, start=1):
            worker = self.workers.get(grid_id)
            if worker is None:
                continue
            self.grid_work(grid_id, code, kind, worker)
            if index % 50 == 0 or index == len(grids):
                self.progress(
                    f"  采集行动 {index}/{len(grids)} 个网格：访查 {self.counts['visits']:,}，"
                    f"核实人员 {self.counts['person_marks']:,}，核实房屋 {self.counts['house_marks']:,}"
                )

    def targets(self, rng: random.Random, worker: User) -> tuple[float, float, float]:
        """The grid's visit, person and house verification rates at today."""
        roll = rng.random()
        visit = min(0.9, max(0.7, rng.gauss(0.805, 0.04)))
        for _name, share, (low, high) in TIERS:
            if roll < share:
                visit = rng.uniform(low, high)
                break
            roll -= share
        if worker.is_party_member:
            visit += PARTY_BONUS
        person = min(0.99, max(0.45, visit + rng.gauss(0.003, 0.012)))
        house = min(0.99, max(0.45, visit + rng.gauss(-0.002, 0.012)))
        return min(0.99, visit), person, house

    def day_of(self, rng: random.Random, pace: float) -> int:
        """A campaign day, weighted by the grid's pace (< 1: fast start), Sundays quieter."""
        index = min(CAMPAIGN_DAYS - 1, int(CAMPAIGN_DAYS * rng.random() ** pace))
        if self.days[index].weekday() == 6 and rng.random() < 0.6:
            index = index + 1 if index + 1 < CAMPAIGN_DAYS else index - 1
        return index

    def moment(self, rng: random.Random, index: int, evening: bool) -> datetime.datetime:
        if evening:
            hour, minute = rng.choice((19, 19, 20, 20, 21)), rng.randrange(60)
        else:
            hour, minute = rng.choice((8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 16, 17)), rng.randrange(60)
        # In UTC: the database stores UTC, and converting from it is several times cheaper per row.
        return local(self.days[index], hour, minute).astimezone(datetime.UTC)

    def grid_work(self, grid_id: int, code: str, kind: str, worker: User) -> None:
        rng = random.Random(f"{self.seed}:campaign:{code}")
        addresses = {
            a.pk: a
            for a in StandardAddress.objects.filter(grid_id=grid_id, ended_on__isnull=True)
            .only("pk", "parent_id", "grid_id", "ended_on", "full_text", "latitude", "longitude", "code")
            .order_by("code")
        }
        parents = {a.parent_id for a in addresses.values() if a.parent_id}
        flats = [a for a in addresses.values() if a.pk not in parents]
        houses_at: dict[int, list[House]] = defaultdict(list)
        houses = list(
            House.objects.filter(grid_id=grid_id, ended_on__isnull=True)
            .only("pk", "grid_id", "address_id", "use", "rental_status")
            .order_by("pk")
        )
        for house in houses:
            houses_at[house.address_id].append(house)
        people = {
            p.pk: p
            for p in Person.objects.filter(grid_id=grid_id, status=PersonStatus.ACTIVE)
            .only("pk", "grid_id")
            .order_by("pk")
        }
        living: dict[int, list[int]] = defaultdict(list)
        for person_id, house_id in (
            Residence.objects.filter(house__grid_id=grid_id, ended_on__isnull=True, is_primary=True)
            .order_by("pk")
            .values_list("person_id", "house_id")
        ):
            if person_id in people:
                living[house_id].append(person_id)

        visit_rate, person_rate, house_rate = self.targets(rng, worker)
        pace = rng.uniform(0.75, 1.3)
        evenings = kind != GridKind.DEDICATED
        chosen = rng.sample(flats, round(visit_rate * len(flats)))
        chosen.sort(key=lambda a: a.code)
        visits, marks = [], []
        person_seen: dict[int, int] = {}  # person → index of the mark
        house_seen: dict[int, int] = {}
        for address in chosen:
            here = houses_at.get(address.pk, [])
            occupants = [p for h in here for p in living.get(h.pk, ())]
            open_door = bool(occupants) or any(
                h.use != HouseUse.DWELLING and h.rental_status != RentalStatus.EMPTY for h in here
            )
            index = self.day_of(rng, pace)
            position = self.position(rng, address, addresses)
            tries = 0
            while True:
                tries += 1
                at = self.moment(rng, index, evenings and rng.random() < 0.3)
                if open_door:
                    outcome = weighted(rng, FIRST_TRY if tries == 1 else LATER_TRY)
                else:
                    outcome = VisitOutcome.EMPTY if rng.random() < 0.85 else VisitOutcome.NOBODY_HOME
                visits.append(
                    {
                        "address": address,
                        "outcome": outcome,
                        "visited_at": at,
                        "latitude": position[0] if position else None,
                        "longitude": position[1] if position else None,
                        "accuracy_m": round(rng.uniform(4, 35), 1) if position else None,
                        "note": "",
                    }
                )
                found = outcome in (VisitOutcome.MET, VisitOutcome.EMPTY)
                later = CAMPAIGN_DAYS - 1 - index
                if found or tries >= 3 or later < 1 or rng.random() < 0.15:
                    break
                index += rng.randint(1, min(7, later))
            if not found:
                continue
            visit_index = len(visits) - 1
            rented = [h for h in here if h.rental_status in (RentalStatus.RENTED, RentalStatus.PARTLY_RENTED)]
            if outcome == VisitOutcome.MET and rented and rng.random() < NEW_RESIDENTS * 4:
                # A new tenant met at the door (the register did not know them yet).
                self.newcomers[grid_id].append((rented[0], index))
            for house in here:
                if rng.random() < 0.98:
                    house_seen[house.pk] = len(marks)
                    marks.append(
                        {
                            "kind": VerificationKind.HOUSE,
                            "house": house,
                            "verified_at": at,
                            "visit": visit_index,
                        }
                    )
            for person_id in occupants:
                if rng.random() < 0.985:
                    person_seen[person_id] = len(marks)
                    marks.append(
                        {
                            "kind": VerificationKind.PERSON,
                            "person": people[person_id],
                            "verified_at": at,
                            "visit": visit_index,
                        }
                    )
        # People and houses are also verified away from a door knock (at the community office, with the
        # landlord's papers); and not everyone seen has been checked yet. Both bring the grid to its target.
        dropped: set[int] = set()
        for seen, pool, rate, key in (
            (person_seen, people, person_rate, "person"),
            (house_seen, {h.pk: h for h in houses}, house_rate, "house"),
        ):
            wanted = round(rate * len(pool))
            if len(seen) > wanted:
                dropped.update(seen[pk] for pk in rng.sample(sorted(seen), len(seen) - wanted))
            else:
                rest = [pk for pk in pool if pk not in seen]
                for pk in rng.sample(rest, min(len(rest), wanted - len(seen))):
                    at = self.moment(rng, self.day_of(rng, pace), False)
                    marks.append({"kind": key, key: pool[pk], "verified_at": at, "visit": None})
        marks = [m for i, m in enumerate(marks) if i not in dropped]
        with transaction.atomic():
            field_work_record(actor=self.actor(worker), visits=visits, marks=marks)
        self.counts["visits"] += len(visits)
        self.counts["person_marks"] += sum(1 for m in marks if m["kind"] == VerificationKind.PERSON)
        self.counts["house_marks"] += sum(1 for m in marks if m["kind"] == VerificationKind.HOUSE)
        self.counts["flats"] += len(flats)
        self.counts["flats_visited"] += len(chosen)

    @staticmethod
    def position(rng: random.Random, address, addresses) -> tuple[Decimal, Decimal] | None:
        """Where the phone was: near the address's building (the nearest located level above it)."""
        node = address
        while node is not None and node.latitude is None:
            node = addresses.get(node.parent_id)
        if node is None or rng.random() < 0.04:  # indoors, no fix
            return None
        return (
            (node.latitude + Decimal(f"{rng.uniform(-0.0002, 0.0002):.6f}")).quantize(Decimal("0.000001")),
            (node.longitude + Decimal(f"{rng.uniform(-0.0002, 0.0002):.6f}")).quantize(Decimal("0.000001")),
        )

    # -- the register moves on -----------------------------------------------------------------------

    def new_person_row(self, rng: random.Random, house: House, started_on: datetime.date, **extra) -> dict:
        """A resident the register did not have: a migrant tenant with a valid, unused resident ID."""
        sex = rng.choice(("male", "female"))
        age = extra.pop("age", None) or rng.randint(19, 50)
        birth = started_on.replace(year=started_on.year - age) - datetime.timedelta(
            days=rng.randrange(1, 365)
        )
        province = rng.choice(("36", "51", "43", "34", "41", "52", "42"))
        region = rng.choice(counties_of(province))
        while True:
            number = make_resident_id(region, birth, rng.randrange(500) * 2 + (1 if sex == "male" else 0))
            if number not in self.used_numbers and not Person.objects.filter(id_number=number).exists():
                self.used_numbers.add(number)
                break
        era = "old" if birth.year < 1965 else "mid" if birth.year < 1990 else "young"
        name = weighted(rng, names.NATIONAL_SURNAMES) + rng.choice(names.GIVEN_NAMES[(sex, era)].split())
        return {
            "id_type": IdType.RESIDENT_ID,
            "id_number": number,
            "name": name,
            "phone": weighted(rng, PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}" if age >= 16 else "",
            "category": Category.MIGRANT,
            "hukou_division": region,
            "house": house,
            "relation": Relation.TENANT,
            "started_on": started_on,
            **extra,
        }

    def register_newcomers(self) -> None:
        """New tenants met at the door, registered the evening of the visit; a few have left again since."""
        for grid_id, found in sorted(self.newcomers.items()):
            rng = random.Random(f"{self.seed}:newcomers:{grid_id}")
            actor = self.actor(self.workers[grid_id])
            for house, index in found:
                day = self.days[index]
                row = self.new_person_row(rng, house, day - datetime.timedelta(days=rng.randint(0, 20)))
                with clock(local(day, 20, rng.randrange(60))), transaction.atomic():
                    outcome = people_import(actor=actor, rows=[row])[0]
                    if outcome.rejected:
                        raise ValueError(f"demo newcomer rejected: {outcome.errors}")
                self.counts["registered"] += 1
                later = CAMPAIGN_DAYS - 1 - index
                if later >= 2 and rng.random() < LEFT_AGAIN:
                    person = Person.objects.get(id_number=row["id_number"])
                    gone = self.days[index + rng.randint(1, later)]
                    with clock(local(gone, 17)):
                        person_deregister(actor=actor, person=person, reason="迁出本区", on=gone)
                    self.counts["deregistered"] += 1

    def deregistrations(self) -> None:
        """A few people die or move out of the district during the campaign, each on its day."""
        rng = random.Random(f"{self.seed}:deregistrations")
        ids = list(
            Person.objects.filter(status=PersonStatus.ACTIVE).order_by("pk").values_list("pk", flat=True)
        )
        chosen = sorted(rng.sample(ids, max(1, round(len(ids) * DEREGISTERED))))
        for pk in chosen:
            person = Person.objects.select_related("grid").get(pk=pk)
            worker = self.workers.get(person.grid_id)
            if worker is None:
                continue
            day = self.days[rng.randrange(CAMPAIGN_DAYS)]
            reason = weighted(rng, {"死亡": 4, "户口迁出本区": 5, "出境定居": 1})
            # Nobody is verified after they are gone: the day falls after their last verification, if any.
            last = self.last_mark(person)
            if last is not None:
                if last >= self.days[-1]:
                    continue
                day = max(day, last + datetime.timedelta(days=1))
            with clock(local(day, 16, rng.randrange(60))):
                person_deregister(actor=self.actor(worker), person=person, reason=reason, on=day)
            self.counts["deregistered"] += 1

    @staticmethod
    def last_mark(person: Person) -> datetime.date | None:
        return (
            VerificationMark.objects.filter(person=person)
            .order_by("-verified_on")
            .values_list("verified_on", flat=True)
            .first()
        )

    # -- planted anomalies (R-33) --------------------------------------------------------------------

    def showcase_grids(self) -> list[Area]:
        """The grids of the showcase accounts (grid_worker, grid_worker_2), then the rest of their street."""
        named = [
            a.area
            for a in Assignment.objects.filter(
                user__username__in=("grid_worker", "grid_worker_2"), ended_on__isnull=True
            )
            .select_related("area")
            .order_by("user__username")
        ]
        street = named[0].code[:9]
        others = Area.objects.filter(level=AreaLevel.GRID, code__startswith=street).exclude(
            pk__in=[g.pk for g in named]
        )
        return named + list(others.order_by("code"))

    def plant(self) -> None:
        """The cases the anomaly rules exist for, each made the way it happens in life."""
        rng = random.Random(f"{self.seed}:plant")
        grids = self.showcase_grids()
        home, village = grids[0], grids[1] if len(grids) > 1 else grids[0]
        worker = self.actor(self.workers[home.pk])
        day = self.days[-5]
        houses = House.objects.filter(grid=home, ended_on__isnull=True, use=HouseUse.DWELLING).select_related(
            "address", "grid"
        )
        lived_in = Residence.objects.filter(house=OuterRef("pk"), ended_on__isnull=True)
        empty = list(
            houses.filter(rental_status=RentalStatus.EMPTY).exclude(Exists(lived_in)).order_by("pk")[:3]
        )
        with clock(local(day, 10)), transaction.atomic():
            # A 3-year-old registered as the owner of a flat (picked from the family instead of the parent).
            row = self.new_person_row(rng, empty[0], day - datetime.timedelta(days=30), age=3)
            row.update(relation=Relation.OWNER, category=Category.REGISTERED, phone="")
            people_import(actor=worker, rows=[row])
            # An empty flat entered as let, with no tenant registered.
            house_update(actor=worker, house=empty[1], rental_status=RentalStatus.RENTED)
            # A second house code on a flat that already has one.
            flat = (
                houses.filter(address__level=AddressLevel.ROOM).exclude(pk__in=[h.pk for h in empty]).first()
                or empty[2]
            )
            house_create(
                actor=worker,
                address=flat.address,
                use=HouseUse.DWELLING,
                rental_status=RentalStatus.RENTED,
                rooms=2,
            )
        self.counts["planted"] += 3
        # Eight people in a one-room let: a group rental (群租) found on a visit.
        small = (
            House.objects.filter(
                grid=village, ended_on__isnull=True, rental_status=RentalStatus.RENTED, rooms=1
            )
            .select_related("grid")
            .order_by("pk")
            .first()
        )
        if small is not None:
            crowd = self.actor(self.workers[village.pk])
            with clock(local(day, 21)), transaction.atomic():
                rows = [
                    self.new_person_row(rng, small, day - datetime.timedelta(days=rng.randint(3, 60)))
                    for _ in range(8)
                ]
                people_import(actor=crowd, rows=rows)
            self.counts["registered"] += 8
            self.counts["planted"] += 1
        self.legacy(rng, home)
        self.wave(rng, village)
        self.counts["planted"] += 2

    def legacy(self, rng: random.Random, grid: Area) -> None:
        """A row from the old system, loaded before the services checked anything: a resident ID whose check
        digit is wrong, never verified since. (A second current primary residence cannot be planted: the
        database itself refuses it.)"""
        actor = Actor.system(source=Source.DEMO, file="旧系统人口数据.xls")
        house = (
            House.objects.filter(grid=grid, ended_on__isnull=True, rental_status=RentalStatus.OWNER_OCCUPIED)
            .order_by("pk")
            .first()
        )
        row = self.new_person_row(rng, house, AS_OF - datetime.timedelta(days=400))
        number = row["id_number"]
        wrong = "0123456789X".replace(number[-1], "")[rng.randrange(10)]
        bad = number[:-1] + wrong
        with clock(local(AS_OF, 9)), transaction.atomic():
            birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            person = build(
                Person,
                [
                    {
                        "id_type": IdType.RESIDENT_ID,
                        "id_number": bad,
                        "name": row["name"],
                        "sex": "male" if int(number[16]) % 2 else "female",
                        "birth_date": birth,
                        "category": Category.MIGRANT,
                        "hukou_division": row["hukou_division"],
                        "phone": row["phone"],
                        "grid_id": grid.pk,
                        "status": PersonStatus.ACTIVE,
                    }
                ],
            )
            create_records(Person, person, actor=actor)
            stays = build(
                Residence,
                [
                    {
                        "person_id": person[0].pk,
                        "house_id": house.pk,
                        "relation": Relation.TENANT,
                        "is_primary": True,
                        "started_on": row["started_on"],
                        "source": "imported",
                    },
                ],
            )
            stays[0].person, stays[0].house = person[0], house
            create_records(Residence, stays, actor=actor)
        self.counts["planted"] += 1

    def wave(self, rng: random.Random, grid: Area) -> None:
        """A wave of deregistrations in one grid in the last week (a landlord "clearing" tenants on paper),
        and one of them verified again at the door two days later: a deregistered person in a new record."""
        actor = self.actor(self.workers[grid.pk])
        people = list(
            Person.objects.filter(grid=grid, status=PersonStatus.ACTIVE, category=Category.MIGRANT).order_by(
                "pk"
            )
        )
        people = people or list(Person.objects.filter(grid=grid, status=PersonStatus.ACTIVE).order_by("pk"))
        # Only people not verified since the wave began, so that the one verified again below is the only
        # deregistered person in a new record.
        recent = set(
            VerificationMark.objects.filter(person__in=people, verified_on__gte=self.days[-6]).values_list(
                "person_id", flat=True
            )
        )
        people = [p for p in people if p.pk not in recent]
        chosen = rng.sample(people, min(len(people), max(12, round(WAVE * len(people)))))
        for person in chosen:
            day = self.days[-rng.randint(2, 6)]
            with clock(local(day, 15, rng.randrange(60))):
                person_deregister(actor=actor, person=person, reason="搬离", on=day)
            self.counts["deregistered"] += 1
        seen = chosen[0]
        seen.refresh_from_db()
        with clock(local(self.days[-1], 19)):
            person_verify(actor=actor, person=seen)

    # -- re-checks (R-31, R-32) ----------------------------------------------------------------------

    def rechecks(self) -> None:
        """A random re-check round drawn after a period of the campaign, recorded by the checkers over the week
        after and evaluated the day after that; then one cross-check between two streets (or two communities),
        recorded the same way. The tiny demo checks 10 % of everything collected up to ten days ago; the others
        check 5 % of the records collected in the campaign's first week (a round per period, as R-31 has it),
        which keeps the items, each recorded through the service, in the low thousands even for the county."""
        street = Area.objects.get(code=self.showcase_grids()[0].code[:9])
        big = self.scale.name in ("haicang", "county")
        if self.scale.name == "tiny":
            period_end, drawn, record_days, evaluated, percent = 31, 32, range(33, 41), 41, 10
        else:
            period_end, drawn, record_days, evaluated, percent = 6, 8, range(9, 16), 16, 5
        with clock(local(self.days[drawn], 9)):
            round = round_create(
                actor=self.admin_actor,
                area=street if big else self.district,
                name="第一轮随机抽查",
                period_start=self.start,
                period_end=self.days[period_end],
                percent=percent,
                seed=self.seed,
                due_on=self.days[record_days[-1]],
            )
            round_draw(actor=self.admin_actor, round=round)
        self.record(round, sloppy=3 if big else 1, days=record_days)
        with clock(local(self.days[evaluated], 18)):
            round_evaluate(actor=self.admin_actor, round=round)
        self.counts["recheck_rounds"] += 1

        pair = self.cross_pair()
        if pair is None:
            return
        with clock(local(self.days[drawn], 10)):
            cross = round_create(
                actor=self.admin_actor,
                area=self.district,
                kind="cross",
                name="街道交叉检查" if pair[0].level == AreaLevel.STREET else "社区交叉检查",
                period_start=self.start,
                period_end=self.days[period_end],
                percent=2 if pair[0].level == AreaLevel.STREET else percent,
                seed=self.seed + 1,
                pairs=[pair],
                due_on=self.days[record_days[-1]],
            )
            round_draw(actor=self.admin_actor, round=cross)
        self.record(cross, sloppy=1, days=record_days)
        with clock(local(self.days[evaluated], 18, 30)):
            round_evaluate(actor=self.admin_actor, round=cross)
        self.counts["recheck_rounds"] += 1

    def cross_pair(self) -> tuple[Area, Area] | None:
        """Haicang: two streets other than the showcase one; the county and the one-street scales: the first two
        communities of the showcase street (a county seat's streets are too big to cross-check whole)."""
        showcase = self.showcase_grids()[0].code[:9]
        if self.scale.name == "haicang":
            streets = list(
                Area.objects.filter(level=AreaLevel.STREET).exclude(code=showcase).order_by("code")[:2]
            )
            return (streets[0], streets[1]) if len(streets) == 2 else None
        communities = list(
            Area.objects.filter(level=AreaLevel.COMMUNITY, code__startswith=showcase).order_by("code")[:2]
        )
        return (communities[0], communities[1]) if len(communities) == 2 else None

    def record(self, round, *, sloppy: int, days: range) -> None:
        """Each item recorded by its checker on a day of the week after the draw: mostly right; in `sloppy`
        grids about a fifth of the records are found wrong, so those grids fall under the threshold."""
        rng = random.Random(f"{self.seed}:recheck:{round.pk}")
        items = list(round.items.select_related("checker").order_by("grid_id", "pk"))
        by_grid: dict[int, list] = defaultdict(list)
        for item in items:
            by_grid[item.grid_id].append(item)
        grids = sorted(by_grid)
        bad_grids = set(rng.sample(grids, min(sloppy, len(grids))))
        wrong: set[int] = set()
        for grid_id in grids:
            group = by_grid[grid_id]
            share = rng.uniform(0.18, 0.3) if grid_id in bad_grids else rng.uniform(0.0, 0.05)
            count = (
                max(1, round_half(share * len(group)))
                if grid_id in bad_grids
                else round_half(share * len(group))
            )
            wrong.update(item.pk for item in rng.sample(group, min(count, len(group))))
        for item in items:
            fields = FIELDS[item.kind]
            findings = [{"field": f.name, "verdict": "right", "value": ""} for f in fields]
            note = ""
            if item.pk in wrong:
                # What a re-check finds wrong most: where people live now, and how many live in a house.
                choice = rng.choice([f for f in fields if not f.correctable] or fields)
                findings = [
                    {
                        "field": f["field"],
                        "verdict": "wrong" if f["field"] == choice.name else "right",
                        "value": "",
                    }
                    for f in findings
                ]
                note = "现场与登记不符"
            checker = item.checker or self.admin
            day = self.days[rng.choice(days)]
            with clock(local(day, rng.choice((9, 10, 14, 15, 16)), rng.randrange(60))):
                recheck_record(actor=self.actor(checker), item=item, findings=findings, note=note)
            self.counts["rechecked"] += 1
            self.counts["recheck_wrong"] += item.pk in wrong

    # -- the nightly jobs, run once now -------------------------------------------------------------

    def anomalies(self) -> None:
        run = anomalies_run(actor=self.admin_actor, area=self.district, today=self.today)
        self.counts["anomalies"] = sum(c.get("new", 0) for c in run.counts.values() if isinstance(c, dict))

    def rollups(self) -> None:
        done = rollup_refresh(actor=Actor.system(source=Source.DEMO), day_from=self.start, day_to=self.today)
        self.counts["rollup_days"] = done["days"]


def round_half(value: float) -> int:
    return int(value + 0.5)


def run_campaign(*, seed: int, scale, today: datetime.date | None = None, progress=None, phases=None) -> dict:
    """The whole campaign; returns its counts. `phases` (a Counter) gets the seconds of each step."""
    import time

    campaign = Campaign(seed=seed, scale=scale, today=today, progress=progress)
    steps = [
        ("campaign", campaign.open),
        ("visits", campaign.field_work),
        ("registrations", campaign.register_newcomers),
        ("deregistrations", campaign.deregistrations),
        ("anomalies_planted", campaign.plant),
        ("rechecks", campaign.rechecks),
        ("anomaly_run", campaign.anomalies),
        ("rollups", campaign.rollups),
    ]
    for name, step in steps:
        started, cpu = time.perf_counter(), time.process_time()
        step()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        if phases is not None:
            phases[f"campaign_{name}"] += wall
            phases[f"cpu_campaign_{name}"] += cpu
        campaign.progress(f"[{name}] {wall:.1f} 秒（CPU {cpu:.1f} 秒）")
    return dict(campaign.counts)
