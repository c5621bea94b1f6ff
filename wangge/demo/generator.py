"""The demo district: a deterministic synthetic Haicang (350205) or Shuyang county (321322), built community
by community.

The generator produces plain rows (dicts keyed by field attname, with explicit primary keys) so the writer
can stream them into the database one community at a time and never hold the district in memory. Every
value follows the rules the services enforce — ID check digits, phone formats, credit codes, address and
house codes, one current primary residence per person — but the per-record services are not called:
they validate and audit one row at a time, far too slow for 390,000 people.
"""

import datetime
import functools
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.db import models

from wangge.accounts.models import Assignment, Team, TeamMember, TeamMemberKind, User
from wangge.accounts.roles import Role
from wangge.addresses.models import AddressLevel, StandardAddress, address_code
from wangge.areas import divisions
from wangge.areas.models import Area, AreaLevel, GridKind, PoliceGrid, PoliceOffice, PoliceStation
from wangge.demo import names
from wangge.demo.scales import Place, Scale
from wangge.housing.models import House, HouseUse, RentalStatus
from wangge.people.choices import Category, IdType, PersonStatus, Relation, ResidenceSource
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence
from wangge.people.services import pinyin_keys
from wangge.units.models import Employment, Unit, UnitKind

# Every date in the demo is counted back from this day, so one seed always gives the same district.
AS_OF = datetime.date(2025, 3, 13)

# Mobile prefixes whose whole number ranges the phone library accepts (checked by the tests).
PHONE_PREFIXES = {
    **{str(p): 4 for p in range(130, 140)},
    **{str(p): 3 for p in (150, 151, 152, 153, 155, 156, 157, 158, 159)},
    **{str(p): 3 for p in range(180, 190)},
    **{str(p): 1 for p in (166, 173, 175, 176, 177, 178, 191, 193, 195, 196, 197, 198, 199)},
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def weighted(rng: random.Random, table: dict):
    """One key of {key: weight}; a plain walk, several times faster than rng.choices for small tables."""
    x = rng.random() * sum(table.values())
    for key, weight in table.items():
        x -= weight
        if x < 0:
            return key
    return key


def birth_for_age(rng: random.Random, age: int) -> datetime.date:
    """A birth date giving exactly this age (whole years) on AS_OF."""
    anniversary = AS_OF.replace(year=AS_OF.year - age)
    return anniversary - datetime.timedelta(days=rng.randrange(365))


def age_on(birth: datetime.date, day: datetime.date = AS_OF) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def org_code_check(body: str) -> str:
    """GB 11714 check character of an organisation code (8 characters + this one)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check(first17: str) -> str:
    # Same weights as stdnum.cn.uscc.calc_check_digit (the tests compare the two).
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))
    return USCC_ALPHABET[(31 - total) % 31]


def name_keys(name: str) -> tuple[str, str]:
    """The person services' search keys, as the demo writer stores them."""
    keys = pinyin_keys(name)
    return keys["name_initials"], keys["name_pinyin"]


@cache
def counties_of(province: str, home_city: str = "3502") -> list[str]:
    """The counties of a province a migrant may come from: any but those of the demo's own city."""
    return sorted(
        code
        for code, name in divisions.counties().items()
        if code.startswith(province) and not code.startswith(home_city) and name != "市辖区"
    )


@cache
def towns_of(county: str) -> list[str]:
    # Some town names repeat their county's ("召陵区青年镇"); the county is written before them anyway.
    county_name = divisions.counties().get(county, "")
    towns = sorted(_towns_by_county().get(county, {}).items())
    return [name.removeprefix(county_name) or name for code, name in towns]


def communities_of(street_codes) -> dict[str, dict[str, str]]:
    """{street code: {community code: name}}: one pass over the village table, however many streets (a county
    has thirty; reading the table once per street took minutes)."""
    if len(street_codes) <= 4:
        return {code: divisions.communities(code) for code in street_codes}
    wanted = set(street_codes)
    result: dict[str, dict[str, str]] = {code: {} for code in street_codes}
    for code, street, name in divisions.community_rows():
        if street in wanted:
            result[street][code] = name
    return result


@cache
def _towns_by_county() -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = defaultdict(dict)
    for code, name in divisions.streets().items():
        result[code[:6]][code] = name
    return result


class Ids:
    """Explicit primary keys, so parents and children can be written in one pass without reading back."""

    def __init__(self, start: dict | None = None):
        self.last: Counter = Counter({model: value - 1 for model, value in (start or {}).items()})

    def __call__(self, model: type[models.Model]) -> int:
        self.last[model] += 1
        return self.last[model]


@dataclass
class Batch:
    """Rows of one step, per model, in an order that respects foreign keys."""

    label: str
    rows: dict = field(default_factory=dict)
    # PoliceGrid.grids through-table rows; no audit rows of their own.
    through: list = field(default_factory=list)

    def add(self, model, row: dict) -> dict:
        self.rows.setdefault(model, []).append(row)
        return row

    def counts(self) -> dict[str, int]:
        return {model._meta.label: len(rows) for model, rows in self.rows.items()}


@dataclass
class GridPlan:
    id: int
    code: str
    name: str
    kind: str
    box: tuple[float, float, float, float]
    flavour: str = ""


@dataclass
class CommunityPlan:
    id: int
    code: str
    name: str
    street_code: str
    street_name: str
    weight: float
    big_grids: list = field(default_factory=list)  # [(id, code, name, [GridPlan])]

    @property
    def grids(self) -> list[GridPlan]:
        return [g for _id, _code, _name, grids in self.big_grids for g in grids]


@dataclass
class DemoAccount:
    username: str
    role: str
    area_code: str
    area_name: str
    name: str


class DemoGenerator:
    """Plans the area tree once, then yields one batch per community and one for the staff."""

    def __init__(self, scale: Scale, seed: int = 0, start_ids: dict | None = None):
        self.scale = scale
        self.place: Place = scale.place
        self.seed = seed
        self.ids = Ids(start_ids)
        self.rng = random.Random(f"wangge-demo:{seed}")
        self.used_ids: set[str] = set()
        self.used_credit_codes: set[str] = set()
        self.used_roads: set[str] = set()
        self.district_id = self.ids(Area)
        self.streets: list[tuple[int, str, str]] = []
        self.communities: list[CommunityPlan] = self._plan()
        self.police_grids: list[tuple[int, str, str, list[GridPlan]]] = []

    # -- the area tree -------------------------------------------------------------------------------

    def _plan(self) -> list[CommunityPlan]:
        scale = self.scale
        all_streets = divisions.streets()
        plans: list[CommunityPlan] = []
        place = self.place
        by_street = communities_of(scale.street_codes)
        for street_code in scale.street_codes:
            street_name = all_streets[street_code]
            self.streets.append((self.ids(Area), street_code, street_name))
            for code, name in sorted(by_street[street_code].items()):
                if scale.community_codes is not None and code not in scale.community_codes:
                    continue
                name = place.renames.get(name, name)
                if place.bare_suffix and not name.endswith(("村", "社区", "居")):
                    name += place.bare_suffix
                weight = place.weights.get(
                    name, 0.55 if name.endswith("村") and name not in place.urban_villages else 1.0
                )
                plans.append(CommunityPlan(self.ids(Area), code, name, street_code, street_name, weight))
        big = self._allocate(plans, scale.big_grids or len(plans), minimum=1)
        forced = dict(scale.forced_kinds)
        if scale.kind_totals:
            forced = self._county_kinds(plans)
        # Collection grids follow population; every big grid holds at least one.
        grid_counts = self._allocate(plans, scale.grids, minimum=1, floor=big)
        if forced:
            grid_counts = {p.code: len(forced[p.code]) for p in plans}
        for plan in plans:
            rng = random.Random(f"{self.seed}:kinds:{plan.code}")
            n_big, n_grids = big[plan.code], grid_counts[plan.code]
            kinds = list(forced.get(plan.code, ())) or [
                self._grid_kind(rng, plan.name) for _ in range(n_grids)
            ]
            if not forced:
                # Keep the community's own character: its first grid is of its main kind.
                kinds[0] = self._main_kind(plan.name)
            per_big = [n_grids // n_big + (1 if i < n_grids % n_big else 0) for i in range(n_big)]
            position = 0
            for b in range(n_big):
                big_code = f"{plan.code}{b + 1:03d}"
                big_name = f"{plan.name}第{names.chinese_number(b + 1)}大网格"
                grids = []
                for g in range(per_big[b]):
                    kind = kinds[position]
                    position += 1
                    grid_code = f"{big_code}{g + 1:03d}"
                    flavour = "industrial" if scale.forced_kinds else self._flavour(rng, plan.name, kind)
                    label = {
                        "industrial": "（工业区）",
                        "school": "（学校）",
                        "market": "（市场）",
                        "hospital": "（医院）",
                    }
                    grid_name = f"{plan.name}{position}号网格{label.get(flavour, '')}"
                    grids.append(GridPlan(self.ids(Area), grid_code, grid_name, kind, (0, 0, 0, 0), flavour))
                plan.big_grids.append((self.ids(Area), big_code, big_name, grids))
        self._lay_out(plans)
        return plans

    @staticmethod
    def _allocate(plans, total: int, minimum: int, floor: dict | None = None) -> dict[str, int]:
        """Largest-remainder shares of `total` by weight, each at least `minimum` (or its floor)."""
        base = {p.code: max(minimum, (floor or {}).get(p.code, minimum)) for p in plans}
        left = total - sum(base.values())
        if left <= 0:
            return base
        weight = sum(p.weight for p in plans)
        exact = {p.code: left * p.weight / weight for p in plans}
        shares = {code: base[code] + int(value) for code, value in exact.items()}
        remainder = total - sum(shares.values())
        for code in sorted(exact, key=lambda c: (-(exact[c] - int(exact[c])), c))[:remainder]:
            shares[code] += 1
        return shares

    def _county_kinds(self, plans: list[CommunityPlan]) -> dict[str, tuple[str, ...]]:
        """Exact totals per grid kind (seed 003): urban grids to the residents' committees, rural grids to the
        villages, dedicated grids mostly to the development zones and the county seat. A community's weight
        stands for its population, so each town gets grids in proportion to its people."""
        totals = self.scale.kind_totals
        villages = [p for p in plans if p.name.endswith("村")]
        zones = [p for p in plans if p.street_code[6:] >= "400"]
        towns = [p for p in plans if p not in villages and p not in zones]
        for p in plans:
            rng = random.Random(f"{self.seed}:weight:{p.code}")
            seat = p.street_code[6:] < "100"  # the county seat's streets are the densest
            p.weight = round(rng.uniform(0.7, 1.4) * (1.6 if seat and p not in villages else 1.0), 3)
        urban = self._allocate(towns, totals[GridKind.URBAN_COMMUNITY], minimum=1)
        rural = self._allocate(villages, totals[GridKind.RURAL], minimum=1)
        # Development zones hold most dedicated grids (factories); the rest are schools, markets, hospitals.
        in_zones = max(len(zones), totals[GridKind.DEDICATED] * 2 // 3) if zones else 0
        dedicated = self._allocate(zones, in_zones, minimum=1) if zones else {}
        seat = sorted(towns, key=lambda p: (-p.weight, p.code))[: totals[GridKind.DEDICATED] - in_zones]
        for p in seat:
            dedicated[p.code] = dedicated.get(p.code, 0) + 1
        return {
            p.code: (GridKind.URBAN_COMMUNITY,) * urban.get(p.code, 0)
            + (GridKind.RURAL,) * rural.get(p.code, 0)
            + (GridKind.DEDICATED,) * dedicated.get(p.code, 0)
            for p in plans
        }

    def _main_kind(self, name: str) -> str:
        if name in self.place.urban_villages:
            return GridKind.URBAN_VILLAGE
        if name.endswith("村"):
            return GridKind.RURAL
        if name == "兴旺社区":
            return GridKind.DEDICATED
        return GridKind.URBAN_COMMUNITY

    def _grid_kind(self, rng: random.Random, name: str) -> str:
        place = self.place
        if name in place.urban_villages:
            table = {GridKind.URBAN_VILLAGE: 78, GridKind.RURAL: 8, GridKind.DEDICATED: 14}
        elif name.endswith("村"):
            table = {GridKind.RURAL: 82, GridKind.DEDICATED: 18}
        elif name in place.industrial:
            table = {GridKind.URBAN_COMMUNITY: 65, GridKind.DEDICATED: 30, GridKind.URBAN_VILLAGE: 5}
        elif name in place.former_villages:
            table = {GridKind.URBAN_COMMUNITY: 55, GridKind.URBAN_VILLAGE: 40, GridKind.DEDICATED: 5}
        else:
            table = {GridKind.URBAN_COMMUNITY: 90, GridKind.DEDICATED: 6, GridKind.URBAN_VILLAGE: 4}
        return weighted(rng, table)

    def _flavour(self, rng: random.Random, name: str, kind: str) -> str:
        if kind != GridKind.DEDICATED:
            return ""
        if name in self.place.industrial or name.endswith("村") or name in self.place.renames.values():
            return weighted(rng, {"industrial": 80, "school": 8, "market": 8, "hospital": 4})
        return weighted(rng, {"industrial": 40, "school": 30, "market": 20, "hospital": 10})

    def _lay_out(self, plans: list[CommunityPlan]) -> None:
        """Squares in columns, west to east, so each street keeps together on the map."""
        grids = [g for p in plans for g in p.grids]
        west, south, east, north = self.place.bbox
        columns = max(1, math.ceil(math.sqrt(len(grids) * (east - west) / (north - south))))
        rows = max(1, math.ceil(len(grids) / columns))
        side = min((east - west) / columns, (north - south) / rows)
        for i, grid in enumerate(grids):
            column, row = divmod(i, rows)
            x0, y1 = west + column * side, north - row * side
            grid.box = (round(x0, 6), round(y1 - side, 6), round(x0 + side, 6), round(y1, 6))

    @staticmethod
    def _polygon(boxes) -> dict:
        from shapely.geometry import box, mapping
        from shapely.ops import unary_union

        shape = unary_union([box(*b) for b in boxes]).buffer(0)
        return _rounded(mapping(shape))

    def area_batch(self) -> Batch:
        """District, streets, communities, big grids, collection grids; police stations, offices, grids."""
        batch = Batch("区域与警务")
        district_boxes = [g.box for p in self.communities for g in p.grids]
        batch.add(
            Area,
            self._area(
                self.district_id,
                self.place.code,
                self.place.name,
                AreaLevel.DISTRICT,
                None,
                "",
                district_boxes,
            ),
        )
        street_ids = {}
        for street_id, code, name in self.streets:
            street_ids[code] = street_id
            boxes = [g.box for p in self.communities if p.street_code == code for g in p.grids]
            batch.add(Area, self._area(street_id, code, name, AreaLevel.STREET, self.district_id, "", boxes))
        for plan in self.communities:
            boxes = [g.box for g in plan.grids]
            parent = street_ids[plan.street_code]
            batch.add(Area, self._area(plan.id, plan.code, plan.name, AreaLevel.COMMUNITY, parent, "", boxes))
            for big_id, big_code, big_name, grids in plan.big_grids:
                boxes = [g.box for g in grids]
                batch.add(
                    Area, self._area(big_id, big_code, big_name, AreaLevel.BIG_GRID, plan.id, "", boxes)
                )
                for g in grids:
                    batch.add(Area, self._area(g.id, g.code, g.name, AreaLevel.GRID, big_id, g.kind, [g.box]))
        self._police(batch)
        return batch

    def _area(self, pk, code, name, level, parent_id, kind, boxes) -> dict:
        return {
            "id": pk,
            "code": code,
            "name": name,
            "level": level,
            "parent_id": parent_id,
            "kind": kind,
            "boundary": self._polygon(boxes) if boxes else None,
            "_repr": name,
        }

    def _police(self, batch: Batch) -> None:
        """A station per street, a police office per community, police grids of two to four grids each."""
        for number, (_street_id, street_code, street_name) in enumerate(self.streets, start=1):
            station_id = self.ids(PoliceStation)
            station_name = street_name.removesuffix("街道") + "派出所"
            batch.add(
                PoliceStation,
                {
                    "id": station_id,
                    "code": f"{self.place.code}PS{number:02d}",
                    "name": station_name,
                    "district_id": self.district_id,
                    "_repr": station_name,
                },
            )
            for plan in (p for p in self.communities if p.street_code == street_code):
                office_id = self.ids(PoliceOffice)
                office_name = f"{plan.name}警务室"
                batch.add(
                    PoliceOffice,
                    {
                        "id": office_id,
                        "code": f"{plan.code}JW",
                        "name": office_name,
                        "station_id": station_id,
                        "community_id": plan.id,
                        "_repr": office_name,
                    },
                )
                rng = random.Random(f"{self.seed}:police:{plan.code}")
                grids = plan.grids
                start, number_in_community = 0, 0
                while start < len(grids):
                    size = rng.randint(2, 4)
                    covered = grids[start : start + size]
                    start += size
                    number_in_community += 1
                    pg_id = self.ids(PoliceGrid)
                    pg_code = f"{plan.code}JG{number_in_community:02d}"
                    pg_name = f"{plan.name}{number_in_community}号警格"
                    batch.add(
                        PoliceGrid,
                        {
                            "id": pg_id,
                            "code": pg_code,
                            "name": pg_name,
                            "office_id": office_id,
                            "_repr": pg_name,
                        },
                    )
                    batch.through.extend({"policegrid_id": pg_id, "area_id": g.id} for g in covered)
                    self.police_grids.append((pg_id, pg_code, pg_name, covered))

    # -- the register, one community at a time -------------------------------------------------------

    def community_batch(self, plan: CommunityPlan) -> Batch:
        return CommunityBuilder(self, plan).build()

    def community_batches(self) -> Iterator[Batch]:
        for plan in self.communities:
            yield self.community_batch(plan)

    # -- staff ----------------------------------------------------------------------------------------

    def staff_batch(self, password_hash: str) -> tuple[Batch, list[DemoAccount]]:
        """Users of every role with their assignments, and a team for every collection grid."""
        rng = random.Random(f"{self.seed}:staff")
        batch = Batch("工作人员")
        people = PeopleMaker(self, rng)
        accounts: list[DemoAccount] = []
        joined = datetime.datetime.combine(AS_OF, datetime.time(9), tzinfo=datetime.UTC)

        def user(username, role, *, area=None, police_grid=None, showcase=False):
            sex = rng.choice(["male", "female"])
            name = people.chinese_name(rng, sex, birth_year=rng.randint(1968, 1998), local=True)
            user_id = self.ids(User)
            batch.add(
                User,
                {
                    "id": user_id,
                    "username": username,
                    "password": password_hash,
                    "name": name,
                    "role": role,
                    "phone": people.phone(rng),
                    "is_party_member": rng.random() < 0.2,
                    "email": "",
                    "first_name": "",
                    "last_name": "",
                    "is_staff": False,
                    "is_superuser": False,
                    "is_active": True,
                    "last_login": None,
                    "date_joined": joined,
                    "_repr": name,
                },
            )
            target_id, code, area_name = area or police_grid
            assignment = {
                "id": self.ids(Assignment),
                "user_id": user_id,
                "area_id": None,
                "police_grid_id": None,
                "ended_on": None,
                "end_reason": "",
            }
            assignment["area_id" if area else "police_grid_id"] = target_id
            assignment["_repr"] = f"{name} @ {area_name}"
            batch.add(Assignment, assignment)
            if showcase:
                accounts.append(DemoAccount(username, role, code, area_name, name))
            return user_id, name

        district = (self.district_id, self.place.code, self.place.name)
        user("district_admin", Role.DISTRICT_ADMIN, area=district, showcase=True)
        user("department_staff", Role.DEPARTMENT_STAFF, area=district, showcase=True)
        for dept in ("fire", "housing", "civil"):
            user(f"dept_{dept}", Role.DEPARTMENT_STAFF, area=district)
        user("viewer", Role.VIEWER, area=district, showcase=True)
        showcase_community = next(
            (p for p in self.communities if p.code == self.place.showcase_community), self.communities[0]
        )
        showcase_village = next((p for p in self.communities if p.code == self.place.showcase_village), None)
        for street_id, code, name in self.streets:
            is_showcase = code == showcase_community.street_code
            user(
                "street_admin" if is_showcase else f"sa{code}",
                Role.STREET_ADMIN,
                area=(street_id, code, name),
                showcase=is_showcase,
            )
        team_rng = random.Random(f"{self.seed}:teams")
        for plan in self.communities:
            is_showcase = plan is showcase_community
            user(
                "community_admin" if is_showcase else f"ca{plan.code}",
                Role.COMMUNITY_ADMIN,
                area=(plan.id, plan.code, plan.name),
                showcase=is_showcase,
            )
            for index, (big_id, big_code, big_name, grids) in enumerate(plan.big_grids):
                first_big = is_showcase and index == 0
                big = (big_id, big_code, big_name)
                for role, prefix in (
                    (Role.GRID_CHIEF, "gc"),
                    (Role.DEPUTY_GRID_CHIEF, "dgc"),
                    (Role.GRID_MANAGER, "gm"),
                ):
                    user(
                        role.value if first_big else f"{prefix}{big_code}", role, area=big, showcase=first_big
                    )
                for g_index, grid in enumerate(grids):
                    first_grid = first_big and g_index == 0
                    village_grid = (
                        showcase_village is not None
                        and plan is showcase_village
                        and index == 0
                        and g_index == 0
                    )
                    username = (
                        "grid_worker" if first_grid else "grid_worker_2" if village_grid else f"gw{grid.code}"
                    )
                    worker_id, worker_name = user(
                        username,
                        Role.GRID_WORKER,
                        area=(grid.id, grid.code, grid.name),
                        showcase=first_grid or village_grid,
                    )
                    if g_index == 0:
                        # One informant per big grid (a building head or village elder), in its first grid.
                        user(
                            "informant" if first_grid else f"inf{grid.code}",
                            Role.INFORMANT,
                            area=(grid.id, grid.code, grid.name),
                            showcase=first_grid,
                        )
                    self._team(batch, team_rng, people, grid, worker_id, worker_name)
        for pg_id, pg_code, pg_name, covered in self.police_grids:
            is_showcase = any(g.code.startswith(showcase_community.code + "001001") for g in covered)
            user(
                "police_officer" if is_showcase else f"po{pg_code.lower()}",
                Role.POLICE_OFFICER,
                police_grid=(pg_id, pg_code, pg_name),
                showcase=is_showcase,
            )
        order = [r.value for r in Role]
        accounts.sort(key=lambda a: (order.index(a.role), a.username))
        return batch, accounts

    def _team(self, batch, rng, people, grid: GridPlan, worker_id, worker_name) -> None:
        """1 auxiliary police + 1 grid worker + volunteers (building heads, owners' committee, elders)."""
        team_id = self.ids(Team)
        batch.add(Team, {"id": team_id, "grid_id": grid.id, "_repr": f"{grid.name} 工作小组"})
        joined = AS_OF - datetime.timedelta(days=rng.randint(200, 3000))
        members = [
            (TeamMemberKind.AUXILIARY_POLICE, None, None),
            (TeamMemberKind.GRID_WORKER, worker_id, worker_name),
        ]
        members += [(TeamMemberKind.VOLUNTEER, None, None)] * rng.randint(1, 4)
        labels = dict(TeamMemberKind.choices)
        for kind, user_id, name in members:
            if name is None:
                sex = rng.choice(["male", "female"])
                name = people.chinese_name(rng, sex, birth_year=rng.randint(1955, 1998), local=True)
            batch.add(
                TeamMember,
                {
                    "id": self.ids(TeamMember),
                    "team_id": team_id,
                    "kind": kind,
                    "user_id": user_id,
                    "name": name,
                    "phone": people.phone(rng),
                    "joined_on": joined,
                    "_repr": f"{name}（{labels[kind]}）",
                },
            )


def _rounded(geometry: dict) -> dict:
    def walk(value):
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        if isinstance(value, float):
            return round(value, 6)
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


class PeopleMaker:
    """Names, ID numbers, phones and home places that look real and pass the services' checks."""

    def __init__(self, gen: DemoGenerator, rng: random.Random):
        self.gen = gen
        self.rng = rng
        place = getattr(gen, "place", None)
        if place is not None and place.local_surnames != "local":
            # Locals of a place outside southern Fujian carry the national surnames; the static method keeps
            # its signature for callers without a generator (bench/import_speed.py).
            self.chinese_name = functools.partial(PeopleMaker.chinese_name, national=True)

    @staticmethod
    def chinese_name(
        rng, sex: str, *, birth_year: int, local: bool, surname: str | None = None, national: bool = False
    ) -> str:
        if surname is None:
            table = names.LOCAL_SURNAMES if local and not national else names.NATIONAL_SURNAMES
            surname = weighted(rng, table)
        era = "old" if birth_year < 1965 else "mid" if birth_year < 1990 else "young"
        if rng.random() < 0.55:
            given = rng.choice(names.GIVEN_NAMES[(sex, era)].split())
        else:
            first, second = names.GIVEN_FIRST[sex].split(), names.GIVEN_SECOND[sex].split()
            single = rng.random() < (0.25 if era == "old" else 0.1)
            given = rng.choice(second) if single else rng.choice(first) + rng.choice(second)
        return surname + given

    @staticmethod
    def phone(rng) -> str:
        return weighted(rng, PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"

    def resident_id(self, rng, region: str, birth: datetime.date, sex: str) -> str:
        """GB 11643: the 17th digit is odd for men, even for women; unique across the district."""
        while True:
            sequence = rng.randrange(500) * 2 + (1 if sex == "male" else 0)
            number = make_resident_id(region, birth, sequence)
            if number not in self.gen.used_ids:
                self.gen.used_ids.add(number)
                return number

    def migrant_region(self, rng) -> tuple[str, str]:
        place = self.gen.place
        province = weighted(rng, place.migrant_provinces or names.MIGRANT_PROVINCES)
        return rng.choice(counties_of(province, place.city_code[:4])), province

    def credit_code(self, rng, prefix: str, region: str | None = None) -> str:
        """GB 32100: authority + type, region, a GB 11714 organisation code, the check character."""
        while True:
            if prefix in ("91", "92", "52") and rng.random() < 0.7:
                # Codes given since 2015 start with "MA" (market regulator) or "MJ" (civil affairs).
                head = "MJ" if prefix == "52" else "MA"
                body = head + "".join(
                    rng.choice(USCC_ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(6)
                )
            else:
                first = {"12": "4", "52": "5"}.get(prefix, rng.choice("567"))
                body = first + f"{rng.randrange(10**7):07d}"
            org = body + org_code_check(body)
            first17 = f"{prefix}{region or self.gen.place.code}{org}"
            code = first17 + uscc_check(first17)
            if code not in self.gen.used_credit_codes:
                self.gen.used_credit_codes.add(code)
                return code


class CommunityBuilder:
    """Addresses, houses, people, residences, units and employments of one community."""

    def __init__(self, gen: DemoGenerator, plan: CommunityPlan):
        self.gen = gen
        self.plan = plan
        self.rng = random.Random(f"{gen.seed}:{plan.code}")
        self.make = PeopleMaker(gen, self.rng)
        self.batch = Batch(f"{plan.street_name} {plan.name}")
        self.place = gen.place
        self.text = self.place.name + plan.street_name + plan.name
        self.short = plan.name.removesuffix("社区").removesuffix("村")
        self.clan = self.place.urban_villages.get(plan.name) or self.place.rural_clans.get(plan.name)
        self.sequences: Counter = Counter()
        self.houses_at: Counter = Counter()
        self.door_numbers: Counter = Counter()
        self.dwellings: list[dict] = []  # houses where someone may have lived before
        self.landlords: list[dict] = []  # registered owners who may own a second house
        self.workers: list[dict] = []  # adults a unit may hire
        self.demands: list[tuple] = []  # (unit, kind, wanted, bound people)
        self.road_names: list[str] = []
        self.hamlet_names: set[str] = set()
        self.ids = gen.ids

    def build(self) -> Batch:
        scale = self.gen.scale
        for grid in self.plan.grids:
            self.grid = grid
            size = scale.size * scale.kind_size.get(grid.kind, 1.0)
            if grid.kind == GridKind.URBAN_COMMUNITY:
                showcase = grid.code == f"{self.place.showcase_community}001001"
                flats = 486 if showcase else self.rng.randint(480, 720)
                shops = 90 if showcase else self.rng.randint(50, 120)
                self.urban(max(4, round(flats * size)), max(2, round(shops * size)))
            elif grid.kind == GridKind.URBAN_VILLAGE:
                self.urban_village(max(8, round(self.rng.randint(640, 800) * size)))
            elif grid.kind == GridKind.RURAL:
                self.rural(max(6, round(self.rng.randint(200, 260) * size)))
            else:
                self.dedicated(grid.flavour or "industrial", size)
        self.hire()
        return self.batch

    # -- addresses and houses -----------------------------------------------------------------------

    def address(self, parent: dict | None, level: int, name: str, located: bool = False) -> dict:
        prefix = parent["code"] if parent else self.plan.code
        self.sequences[(prefix, level)] += 1
        row = {
            "id": self.ids(StandardAddress),
            "level": level,
            "parent_id": parent["id"] if parent else None,
            "code": address_code(prefix, level, self.sequences[(prefix, level)]),
            "name": name,
            "full_text": (parent["full_text"] if parent else self.text) + name,
            "grid_id": self.grid.id,
            "latitude": None,
            "longitude": None,
        }
        if located:
            west, south, east, north = self.grid.box
            row["latitude"] = Decimal(f"{self.rng.uniform(south, north):.6f}")
            row["longitude"] = Decimal(f"{self.rng.uniform(west, east):.6f}")
        row["_repr"] = row["full_text"]
        return self.batch.add(StandardAddress, row)

    def road(self, lane: bool = False) -> dict:
        rng = self.rng
        for _attempt in range(200):
            if lane:
                name = self.short + rng.choice(names.LANE_PARTS) + rng.choice(names.LANE_KINDS)
            else:
                name = (
                    rng.choice(self.place.road_first or names.ROAD_FIRST)
                    + rng.choice(names.ROAD_SECOND)
                    + weighted(rng, names.ROAD_KINDS)
                )
                if name[0] == name[1]:
                    continue
            if name not in self.gen.used_roads:
                break
        else:
            name = f"{self.short}{len(self.gen.used_roads)}号路"
        self.gen.used_roads.add(name)
        self.road_names.append(name)
        return self.address(None, AddressLevel.ROAD, name)

    def door(self, road: dict) -> dict:
        self.door_numbers[road["id"]] += self.rng.choice((1, 2, 2, 2, 4, 6))
        return self.address(road, AddressLevel.DOOR_PLATE, f"{self.door_numbers[road['id']]}号", located=True)

    def house(
        self, address, use, status, *, owner=None, owner_name="", owner_phone="", rooms=None, area=None
    ) -> dict:
        self.houses_at[address["id"]] += 1
        code = f"{address['code']}H{self.houses_at[address['id']]:02d}"
        if owner is not None:
            owner_name, owner_phone = owner["name"], owner["phone"]
        row = {
            "id": self.ids(House),
            "house_code": code,
            "address_id": address["id"],
            "grid_id": self.grid.id,
            "use": use,
            "owner_id": owner["id"] if owner else None,
            "owner_name": owner_name,
            "owner_phone": owner_phone,
            "rental_status": status,
            "rooms": rooms,
            "floor_area": Decimal(f"{area:.2f}") if area is not None else None,
            "_repr": f"{address['full_text']}（{code}）",
        }
        return self.batch.add(House, row)

    def absentee_owner(self) -> tuple[dict | None, str, str]:
        """Whoever rents a flat out: a resident owning a second flat, or someone living elsewhere."""
        rng = self.rng
        if self.landlords and rng.random() < 0.3:
            return rng.choice(self.landlords), "", ""
        sex = rng.choice(["male", "female"])
        return (
            None,
            self.make.chinese_name(rng, sex, birth_year=rng.randint(1950, 1990), local=rng.random() < 0.7),
            self.make.phone(rng),
        )

    # -- people --------------------------------------------------------------------------------------

    def person(self, *, sex, age, category=Category.REGISTERED, surname=None, region=None) -> dict:
        rng = self.rng
        birth = birth_for_age(rng, age)
        local = category == Category.REGISTERED
        province = None
        if category == Category.REGISTERED:
            place = self.place
            region = region or (place.code if birth.year >= 2003 else weighted(rng, place.local_regions))
            hukou_division = self.plan.code
            hukou_address = f"{place.address_prefix}{self.text}{self._any_road_name()}{rng.randint(1, 300)}号"
        else:
            if region is None:
                region, province = self.make.migrant_region(rng)
            province = region[:2]
            hukou_division = region
            towns = towns_of(region)
            town = rng.choice(towns) if towns else ""
            hukou_address = (
                (divisions.county_name(region) or "")
                + town
                + f"{rng.choice(names.HAMLETS)}{rng.randint(1, 120)}号"
            )
        if surname is None:
            surname = weighted(
                rng,
                names.LOCAL_SURNAMES
                if (local or province == self.place.home_province) and self.place.local_surnames == "local"
                else names.NATIONAL_SURNAMES,
            )
        surname_used = surname
        name = self.make.chinese_name(rng, sex, birth_year=birth.year, local=True, surname=surname)
        ethnicity = "01"
        if rng.random() < (0.004 if local else 0.06):
            ethnicity = rng.choice(names.MINORITIES.get(province or "35", ["03", "11"]))
        initials, pinyin = name_keys(name)
        row = {
            "id": self.ids(Person),
            "id_type": IdType.RESIDENT_ID,
            "id_number": self.make.resident_id(rng, region, birth, sex),
            "name": name,
            "name_initials": initials,
            "name_pinyin": pinyin,
            "sex": sex,
            "birth_date": birth,
            "ethnicity": ethnicity,
            "phone": self.make.phone(rng) if age >= 16 or (age >= 12 and rng.random() < 0.5) else "",
            "hukou_address": hukou_address,
            "hukou_division": hukou_division,
            "category": category,
            "status": PersonStatus.ACTIVE,
            "grid_id": self.grid.id,
            "_repr": name,
            "_surname": surname_used,
        }
        if age >= 75 and rng.random() < 0.4:
            row["phone"] = ""
        return self.batch.add(Person, row)

    def overseas(self, *, age) -> dict:
        """Taiwanese (the investment zone), Hong Kong and Macao residents, and foreigners with passports."""
        rng = self.rng
        sex = rng.choice(["male", "female"])
        birth = birth_for_age(rng, age)
        origin = weighted(rng, {"TW": 55, "HK": 15, "MO": 5, "KR": 8, "JP": 5, "PH": 5, "US": 3, "MY": 4})
        if origin in ("TW", "HK", "MO"):
            name = self.make.chinese_name(rng, sex, birth_year=birth.year, local=True)
            id_type = IdType.TAIWAN_PERMIT if origin == "TW" else IdType.HK_MACAO_PERMIT
            number = (
                f"{rng.randrange(10**8):08d}" if origin == "TW" else f"{origin[0]}{rng.randrange(10**8):08d}"
            )
            hukou = {"TW": "台湾地区", "HK": "香港特别行政区", "MO": "澳门特别行政区"}[origin]
            division = {"TW": "830000", "HK": "810000", "MO": "820000"}[origin]
            ethnicity = "01"
        else:
            family, given = names.FOREIGN_NAMES[origin]
            name = f"{rng.choice(family.split())} {rng.choice(given.split())}"
            id_type = IdType.PASSPORT
            number = {
                "KR": f"M{rng.randrange(10**8):08d}",
                "JP": f"T{rng.choice('KRZ')}{rng.randrange(10**7):07d}",
                "PH": f"P{rng.randrange(10**7):07d}{rng.choice('ABC')}",
                "US": f"{rng.randrange(5 * 10**8, 10**9)}",
                "MY": f"A{rng.randrange(10**8):08d}",
            }[origin]
            hukou, division, ethnicity = "", "", ""
        initials, pinyin = name_keys(name)
        row = {
            "id": self.ids(Person),
            "id_type": id_type,
            "id_number": number,
            "name": name,
            "name_initials": initials,
            "name_pinyin": pinyin,
            "sex": sex,
            "birth_date": birth,
            "ethnicity": ethnicity,
            "phone": self.make.phone(rng),
            "hukou_address": hukou,
            "hukou_division": division,
            "category": Category.OVERSEAS,
            "status": PersonStatus.ACTIVE,
            "grid_id": self.grid.id,
            "_repr": name,
        }
        return self.batch.add(Person, row)

    def _any_road_name(self) -> str:
        return self.rng.choice(self.road_names) if self.road_names else self.short + "路"

    def reside(self, person, house, relation, started, *, source=ResidenceSource.COLLECTED) -> dict:
        started = max(started, person["birth_date"])
        row = {
            "id": self.ids(Residence),
            "person_id": person["id"],
            "house_id": house["id"],
            "relation": relation,
            "is_primary": True,
            "started_on": started,
            "source": source,
            "_repr": f"{person['name']} @ {house['_repr']}",
        }
        self.batch.add(Residence, row)
        if (
            relation in (Relation.TENANT, Relation.STAFF_DORMITORY)
            and self.dwellings
            and self.rng.random() < 0.07
        ):
            self.moved_from(person, started)
        return row

    def moved_from(self, person, current_start: datetime.date) -> None:
        """An ended residence before the current one: the history a grid worker finds on a second visit."""
        rng = self.rng
        earlier = rng.choice(self.dwellings)
        ended = current_start - datetime.timedelta(days=rng.randint(1, 90))
        started = ended - datetime.timedelta(days=rng.randint(60, 1500))
        adult = person["birth_date"] + datetime.timedelta(days=16 * 366)
        if started < adult or ended <= started:
            return
        self.batch.add(
            Residence,
            {
                "id": self.ids(Residence),
                "person_id": person["id"],
                "house_id": earlier["id"],
                "relation": Relation.TENANT,
                "is_primary": True,
                "started_on": started,
                "source": rng.choice([ResidenceSource.COLLECTED, ResidenceSource.DECLARED]),
                "ended_on": ended,
                "end_reason": rng.choice(names.END_REASONS_RESIDENCE[:3]),
                "_repr": f"{person['name']} @ {earlier['_repr']}",
            },
        )

    def deregister(self, person: dict, residence: dict, reason: str) -> None:
        """注销: the person and their residence end on the same day; both records stay."""
        rng = self.rng
        days = (AS_OF - residence["started_on"]).days
        on = residence["started_on"] + datetime.timedelta(days=rng.randint(min(30, days), max(30, days)))
        on = min(on, AS_OF)
        person.update(status=PersonStatus.DEREGISTERED, ended_on=on, end_reason=reason)
        residence.update(ended_on=on, end_reason=reason)

    def local_family(
        self,
        house,
        *,
        relation=Relation.OWNER,
        since: datetime.date | None = None,
        source=ResidenceSource.COLLECTED,
        elderly_bias: float = 0.0,
    ) -> list[dict]:
        """A registered household: single, couple, couple with children, or three generations."""
        rng = self.rng
        shape = weighted(
            rng,
            {
                "single_old": 12 + 6 * elderly_bias,
                "single": 10,
                "couple": 26,
                "nuclear": 36,
                "three": 12 + 24 * elderly_bias,
            },
        )
        head_age = {
            "single_old": rng.randint(65, 92),
            "single": rng.randint(24, 60),
            "couple": rng.choice([rng.randint(25, 35), rng.randint(55, 80)]),
            "nuclear": rng.randint(28, 55),
            "three": rng.randint(30, 58),
        }[shape]
        head_sex = "male" if rng.random() < 0.8 or shape == "single_old" and rng.random() < 0.4 else "female"
        surname = self.clan if self.clan and rng.random() < 0.45 else None
        head = self.person(sex=head_sex, age=head_age, surname=surname)
        since = since or AS_OF - datetime.timedelta(days=rng.randint(30, max(31, (head_age - 22) * 365)))
        members = [(head, relation)]
        if shape in ("couple", "nuclear", "three"):
            spouse_age = max(21, head_age + rng.randint(-6, 4))
            spouse = self.person(sex="female" if head_sex == "male" else "male", age=spouse_age)
            members.append((spouse, Relation.FAMILY))
            youngest_parent = min(head_age, spouse_age)
            if shape in ("nuclear", "three") and youngest_parent >= 22:
                father = head if head_sex == "male" else spouse
                for _ in range(weighted(rng, {1: 65, 2: 32, 3: 3})):
                    child_age = rng.randint(0, min(30, youngest_parent - 21))
                    child_surname = father["_surname"] if rng.random() < 0.92 else None
                    members.append(
                        (
                            self.person(
                                sex=rng.choice(["male", "female"]), age=child_age, surname=child_surname
                            ),
                            Relation.FAMILY,
                        )
                    )
            if shape == "three":
                for _ in range(weighted(rng, {1: 70, 2: 30})):
                    elder_age = min(98, head_age + rng.randint(24, 34))
                    elder = self.person(sex=rng.choice(["male", "female"]), age=elder_age)
                    members.append((elder, Relation.FAMILY))
        people = []
        for member, member_relation in members:
            residence = self.reside(member, house, member_relation, since, source=source)
            if age_on(member["birth_date"]) >= 78 and rng.random() < 0.04:
                self.deregister(member, residence, "死亡")
            people.append(member)
            if 18 <= age_on(member["birth_date"]) <= 58 and member["status"] == PersonStatus.ACTIVE:
                self.workers.append(member)
        if relation == Relation.OWNER and head["status"] == PersonStatus.ACTIVE:
            self.landlords.append(head)
        return people

    def tenants(self, house, count: int, *, source, migrant_share=0.85, since_years=5) -> list[dict]:
        """Renters: a family, a couple or workmates from the same home county."""
        rng = self.rng
        since = AS_OF - datetime.timedelta(days=rng.randint(7, since_years * 365))
        if rng.random() < 0.012:
            people = [self.overseas(age=rng.randint(24, 60)) for _ in range(min(count, 2))]
            for p in people:
                self.reside(p, house, Relation.TENANT, since, source=source)
                self.workers.append(p)
            return people
        migrant = rng.random() < migrant_share
        category = Category.MIGRANT if migrant else Category.REGISTERED
        region = self.make.migrant_region(rng)[0] if migrant else None
        head_sex = "male" if rng.random() < 0.6 else "female"
        head_age = rng.randint(19, 55)
        head = self.person(sex=head_sex, age=head_age, category=category, region=region)
        people = [head]
        self.reside(head, house, Relation.TENANT, since, source=source)
        family = count >= 2 and rng.random() < 0.6
        for i in range(1, count):
            if family and i == 1:
                partner = self.person(
                    sex="female" if head_sex == "male" else "male",
                    age=max(19, head_age + rng.randint(-5, 3)),
                    category=category,
                    region=region,
                )
                self.reside(partner, house, Relation.FAMILY, since, source=source)
                people.append(partner)
            elif family and head_age >= 22:
                child = self.person(
                    sex=rng.choice(["male", "female"]),
                    age=rng.randint(0, min(15, head_age - 20)),
                    category=category,
                    surname=head["_surname"] if head_sex == "male" else None,
                    region=region,
                )
                self.reside(child, house, Relation.FAMILY, since, source=source)
                people.append(child)
            else:
                mate = self.person(
                    sex=head_sex,
                    age=rng.randint(18, 50),
                    category=category,
                    region=region if rng.random() < 0.5 else None,
                )
                self.reside(mate, house, Relation.TENANT, since, source=source)
                people.append(mate)
        for p in people:
            if 18 <= age_on(p["birth_date"]) <= 58:
                self.workers.append(p)
        return people

    # -- grid kinds ---------------------------------------------------------------------------------

    def urban(self, flats: int, shops: int) -> None:
        """城市社区: compounds of walk-ups and towers (compound → building → unit → floor → room), shops."""
        rng = self.rng
        roads = [self.road() for _ in range(rng.randint(1, 2))]
        made = 0
        while made < flats:
            door = self.door(rng.choice(roads))
            compound = self.address(door, AddressLevel.COMPOUND, self.compound_name())
            era = weighted(rng, {"walkup": 40, "mid": 35, "tower": 25})
            floors = {"walkup": (5, 7), "mid": (11, 18), "tower": (24, 33)}[era]
            buildings = rng.randint(2, 10)
            for b in range(1, buildings + 1):
                if made >= flats:
                    break
                building = self.address(compound, AddressLevel.BUILDING, f"{b}号楼", located=True)
                n_floors = rng.randint(*floors)
                n_units = rng.randint(2, 4) if era == "walkup" else rng.randint(1, 2)
                per_floor = 2 if era == "walkup" else rng.randint(2, 4)
                n_floors = min(n_floors, max(2, math.ceil((flats - made) / (n_units * per_floor))))
                for u in range(1, n_units + 1):
                    unit = self.address(building, AddressLevel.UNIT, f"{u}单元")
                    for f in range(1, n_floors + 1):
                        floor = self.address(unit, AddressLevel.FLOOR, f"{f}层")
                        for r in range(1, per_floor + 1):
                            room = self.address(floor, AddressLevel.ROOM, f"{f}{r:02d}室")
                            self.flat(room, era)
                            made += 1
        self.street_shops(roads, shops)
        if rng.random() < 0.10:
            self.office_building(rng.choice(roads))
        if rng.random() < 0.12:
            self.school(rng.choice(roads), kindergarten=True)
        if self.grid is self.plan.grids[0] and self.plan.name.endswith("社区"):
            self.health_station(roads[0])

    def compound_name(self) -> str:
        rng = self.rng
        first = rng.choice(names.COMPOUND_FIRST)
        second = rng.choice(names.COMPOUND_SECOND) if len(first) == 1 else ""
        kind = weighted(rng, names.COMPOUND_KINDS)
        if kind == "安置房":
            return f"{self.short}安置房{rng.randint(1, 5)}期" if self.short else "安置房"
        return first + second + kind

    def flat(self, room: dict, era: str) -> None:
        rng = self.rng
        area = {"walkup": (48, 96), "mid": (72, 140), "tower": (80, 165)}[era]
        floor_area = rng.uniform(*area)
        # Rooms as the register counts them (间, the living room included): even a small walk-up flat has two,
        # so a family of four in it is not a suspected group rental.
        rooms = 2 if floor_area < 80 else 3 if floor_area < 125 else 4
        status = weighted(
            rng,
            {
                RentalStatus.OWNER_OCCUPIED: 44,
                RentalStatus.RENTED: 21,
                RentalStatus.EMPTY: 29,
                RentalStatus.LENT: 3,
                RentalStatus.PARTLY_RENTED: 3,
            },
        )
        if status in (RentalStatus.OWNER_OCCUPIED, RentalStatus.PARTLY_RENTED):
            house = self.house(room, HouseUse.DWELLING, status, rooms=rooms, area=floor_area)
            family = self.local_family(house)
            house.update(
                owner_id=family[0]["id"], owner_name=family[0]["name"], owner_phone=family[0]["phone"]
            )
            if status == RentalStatus.PARTLY_RENTED:
                self.tenants(house, 1, source=ResidenceSource.COLLECTED)
        else:
            owner, owner_name, owner_phone = self.absentee_owner()
            house = self.house(
                room,
                HouseUse.DWELLING,
                status,
                owner=owner,
                owner_name=owner_name,
                owner_phone=owner_phone,
                rooms=rooms,
                area=floor_area,
            )
            if status == RentalStatus.RENTED:
                source = weighted(
                    rng,
                    {
                        ResidenceSource.COLLECTED: 70,
                        ResidenceSource.DECLARED: 22,
                        ResidenceSource.IMPORTED: 8,
                    },
                )
                self.tenants(
                    house, weighted(rng, {1: 34, 2: 38, 3: 20, 4: 8}), source=source, migrant_share=0.6
                )
            elif status == RentalStatus.LENT:
                lodger = self.person(sex=rng.choice(["male", "female"]), age=rng.randint(20, 75))
                self.reside(
                    lodger, house, Relation.LODGER, AS_OF - datetime.timedelta(days=rng.randint(30, 1500))
                )
        self.dwellings.append(house)

    def street_shops(self, roads, shops: int) -> None:
        """沿街店面: door plate → room (“海林路88号101室”), mostly rented; a few shopkeepers sleep in."""
        rng = self.rng
        made = 0
        while made < shops:
            door = self.door(rng.choice(roads))
            for r in range(1, min(shops - made, rng.randint(1, 6)) + 1):
                room = self.address(door, AddressLevel.ROOM, f"{100 + r}室")
                self.shop(room)
                made += 1

    def shop(self, address: dict, *, lives_in: float = 0.15, kinds=None, owner_of=None) -> None:
        rng = self.rng
        mixed = rng.random() < lives_in
        status = weighted(
            rng, {RentalStatus.RENTED: 72, RentalStatus.OWNER_OCCUPIED: 14, RentalStatus.EMPTY: 14}
        )
        owner, owner_name, owner_phone = owner_of or self.absentee_owner()
        house = self.house(
            address,
            HouseUse.MIXED if mixed else HouseUse.SHOP,
            status,
            owner=owner,
            owner_name=owner_name,
            owner_phone=owner_phone,
            rooms=1,
            area=rng.uniform(15, 120),
        )
        if status == RentalStatus.EMPTY:
            return
        bound = self.tenants(house, rng.randint(1, 3), source=ResidenceSource.COLLECTED) if mixed else []
        shop_type = weighted(rng, kinds or names.SHOP_TYPES)
        individual = rng.random() < 0.8
        name = (
            f"{self.place.org_prefix}{rng.choice(names.SHOP_BRANDS)}{shop_type}"
            if individual
            else (
                f"{self.place.firm_city}{rng.choice(names.FIRM_BRANDS)}{rng.choice(names.FIRM_BRANDS)}商贸有限公司"
            )
        )
        code = None if rng.random() < 0.04 else self.make.credit_code(rng, "92" if individual else "91")
        unit = self.unit(address, name, UnitKind.SHOP if individual else UnitKind.FIRM, code)
        self.demands.append((unit, "shop", rng.randint(1, 4), bound[:1]))

    def unit(self, address: dict, name: str, kind: str, credit_code: str | None) -> dict:
        return self.batch.add(
            Unit,
            {
                "id": self.ids(Unit),
                "credit_code": credit_code,
                "name": name,
                "kind": kind,
                "address_id": address["id"],
                "grid_id": self.grid.id,
                "contact_name": "",
                "contact_phone": "",
                "staff_count": None,
                "_repr": name,
            },
        )

    def office_building(self, road) -> None:
        rng = self.rng
        door = self.door(road)
        tower = self.address(
            door, AddressLevel.BUILDING, f"{rng.choice(names.COMPOUND_FIRST)}大厦", located=True
        )
        for f in range(1, rng.randint(6, 16) + 1):
            floor = self.address(tower, AddressLevel.FLOOR, f"{f}层")
            for r in range(1, rng.randint(3, 6) + 1):
                room = self.address(floor, AddressLevel.ROOM, f"{f}{r:02d}室")
                let = rng.random() < 0.7
                owner, owner_name, owner_phone = self.absentee_owner()
                self.house(
                    room,
                    HouseUse.OFFICE,
                    RentalStatus.RENTED if let else RentalStatus.EMPTY,
                    owner=owner,
                    owner_name=owner_name,
                    owner_phone=owner_phone,
                    rooms=rng.randint(1, 4),
                    area=rng.uniform(40, 400),
                )
                if let:
                    industry = weighted(rng, names.OFFICE_INDUSTRIES)
                    brand = rng.choice(names.FIRM_BRANDS) + rng.choice(names.FIRM_BRANDS)
                    name = f"{self.place.firm_city}{brand}{industry}有限公司"
                    unit = self.unit(room, name, UnitKind.FIRM, self.make.credit_code(rng, "91"))
                    self.demands.append((unit, "firm", rng.randint(2, 15), []))

    def school(self, road, *, kindergarten: bool = False) -> None:
        rng = self.rng
        door = self.door(road)
        if kindergarten:
            name = f"{self.place.org_prefix}{self.short}{rng.choice(['', '第二', '实验', '阳光'])}幼儿园"
            buildings, staff, prefix = ["教学楼"], rng.randint(12, 30), rng.choice(["12", "52"])
        else:
            level = rng.choice(["小学", "中学", "实验小学"])
            name = f"{self.place.org_prefix}{self.short}{level}"
            buildings, staff, prefix = ["教学楼", "综合楼", "实验楼"], rng.randint(40, 120), "12"
        for b in buildings:
            building = self.address(door, AddressLevel.BUILDING, b, located=True)
            self.house(
                building,
                HouseUse.OTHER,
                RentalStatus.OWNER_OCCUPIED,
                owner_name=name,
                owner_phone=self.make.phone(rng),
                area=rng.uniform(1500, 6000),
            )
        unit = self.unit(door, name, UnitKind.SCHOOL, self.make.credit_code(rng, prefix))
        self.demands.append((unit, "school", staff, []))

    def health_station(self, road) -> None:
        rng = self.rng
        door = self.door(road)
        room = self.address(door, AddressLevel.ROOM, "101室")
        name = f"{self.place.name}{self.plan.street_name}{self.short}社区卫生服务站"
        self.house(
            room,
            HouseUse.OTHER,
            RentalStatus.RENTED,
            owner_name=self.make.chinese_name(rng, "male", birth_year=1965, local=True),
            owner_phone=self.make.phone(rng),
            area=rng.uniform(120, 400),
        )
        unit = self.unit(room, name, UnitKind.HOSPITAL, self.make.credit_code(rng, "12"))
        self.demands.append((unit, "hospital", rng.randint(4, 12), []))

    def urban_village(self, rooms_wanted: int) -> None:
        """城中村: lane → door plate → self-built house → floor → room; landlords, many rented rooms."""
        rng = self.rng
        lanes = [self.road(lane=True) for _ in range(rng.randint(3, 6))]
        made = 0
        while made < rooms_wanted:
            door = self.door(rng.choice(lanes))
            rooms = []
            for b in range(1, (2 if rng.random() < 0.12 else 1) + 1):
                building = self.address(door, AddressLevel.BUILDING, f"{b}幢", located=True)
                n_floors = weighted(rng, {3: 12, 4: 25, 5: 28, 6: 20, 7: 15})
                per_floor = rng.randint(2, 6)
                for f in range(1, n_floors + 1):
                    floor = self.address(building, AddressLevel.FLOOR, f"{f}层")
                    rooms += [
                        (f, r, self.address(floor, AddressLevel.ROOM, f"{f}{r:02d}室"))
                        for r in range(1, per_floor + 1)
                    ]
            made += len(rooms)
            home = None
            if rng.random() < 0.6:
                # The landlord's family lives on the top floor; every room of the house is theirs.
                home = max(rooms, key=lambda x: (x[0], -x[1]))
                house = self.house(
                    home[2],
                    HouseUse.DWELLING,
                    RentalStatus.OWNER_OCCUPIED,
                    rooms=3,
                    area=rng.uniform(60, 120),
                )
                since = AS_OF - datetime.timedelta(days=rng.randint(2000, 9000))
                landlord = self.local_family(house, since=since)[0]
                house.update(
                    owner_id=landlord["id"], owner_name=landlord["name"], owner_phone=landlord["phone"]
                )
                owner = (landlord, "", "")
            else:
                owner = self.absentee_owner()
            for f, r, room in rooms:
                if home is not None and room is home[2]:
                    continue
                if f == 1 and r <= 2 and rng.random() < 0.45:
                    self.shop(room, lives_in=0.4, owner_of=owner)
                else:
                    self.rental_room(room, owner)

    def rental_room(self, room, owner_of) -> None:
        rng = self.rng
        status = weighted(rng, {RentalStatus.RENTED: 80, RentalStatus.EMPTY: 15, RentalStatus.LENT: 5})
        owner, owner_name, owner_phone = owner_of
        house = self.house(
            room,
            HouseUse.DWELLING,
            status,
            owner=owner,
            owner_name=owner_name,
            owner_phone=owner_phone,
            rooms=1,
            area=rng.uniform(12, 38),
        )
        self.dwellings.append(house)
        if status == RentalStatus.EMPTY:
            return
        source = weighted(
            rng, {ResidenceSource.DECLARED: 45, ResidenceSource.COLLECTED: 50, ResidenceSource.IMPORTED: 5}
        )
        count = weighted(rng, {1: 57, 2: 30, 3: 10, 4: 3})
        if status == RentalStatus.LENT:
            lodger = self.person(
                sex=rng.choice(["male", "female"]), age=rng.randint(18, 60), category=Category.MIGRANT
            )
            self.reside(
                lodger,
                house,
                Relation.LODGER,
                AS_OF - datetime.timedelta(days=rng.randint(10, 700)),
                source=source,
            )
            self.workers.append(lodger)
            return
        self.tenants(house, count, source=source, migrant_share=0.95, since_years=3)

    def rural(self, households: int) -> None:
        """农村: village group (road level) → door plate → house (building level), often one floor let."""
        rng = self.rng
        hamlets = []
        suffix = self.place.hamlet_suffix
        for _ in range(rng.randint(2, 4)):
            # A natural village's name is unique within its village: one named twice would be the same place.
            for _attempt in range(20):
                name = rng.choice(self.place.hamlets or names.HAMLETS)
                name = name if name.endswith(suffix) else name + suffix
                if name not in self.hamlet_names:
                    break
            else:
                name = f"{self.short}{len(self.hamlet_names) + 1}{suffix}"
            self.hamlet_names.add(name)
            hamlets.append(self.address(None, AddressLevel.ROAD, name))
        for _ in range(households):
            door = self.door(rng.choice(hamlets))
            building = self.address(door, AddressLevel.BUILDING, "1幢", located=True)
            area = rng.uniform(90, 320)
            if rng.random() < 0.07:
                owner, owner_name, owner_phone = self.absentee_owner()
                self.house(
                    building,
                    HouseUse.DWELLING,
                    RentalStatus.EMPTY,
                    owner=owner,
                    owner_name=owner_name,
                    owner_phone=owner_phone,
                    rooms=rng.randint(3, 8),
                    area=area,
                )
                continue
            house = self.house(
                building, HouseUse.DWELLING, RentalStatus.OWNER_OCCUPIED, rooms=rng.randint(3, 8), area=area
            )
            family = self.local_family(
                house, since=AS_OF - datetime.timedelta(days=rng.randint(3000, 15000)), elderly_bias=0.6
            )
            owner = family[0]
            house.update(owner_id=owner["id"], owner_name=owner["name"], owner_phone=owner["phone"])
            self.dwellings.append(house)
            for _extra in range(weighted(rng, {0: 72, 1: 23, 2: 5})):
                # The same building, another house code: a floor let to factory workers.
                let = self.house(
                    building,
                    HouseUse.DWELLING,
                    RentalStatus.RENTED,
                    owner=owner,
                    rooms=rng.randint(1, 3),
                    area=rng.uniform(30, 90),
                )
                self.tenants(
                    let,
                    weighted(rng, {1: 35, 2: 40, 3: 25}),
                    source=ResidenceSource.DECLARED if rng.random() < 0.3 else ResidenceSource.COLLECTED,
                    migrant_share=0.95,
                )
        for _ in range(rng.randint(2, 5)):
            door = self.door(rng.choice(hamlets))
            building = self.address(door, AddressLevel.BUILDING, "1幢", located=True)
            self.shop(
                building,
                lives_in=0.6,
                kinds={"便利店": 5, "小吃店": 2, "五金店": 1, "粮油店": 1, "理发店": 1},
            )
        if rng.random() < 0.25:
            self.factory(rng.choice(hamlets), small=True)

    def dedicated(self, flavour: str, size: float) -> None:
        """专属网格: industrial park, school, market or hospital, with what lives around it."""
        rng = self.rng
        roads = [self.road() for _ in range(rng.randint(1, 2))]
        if flavour == "industrial":
            for index in range(max(1, round(rng.randint(4, 9) * size))):
                self.factory(rng.choice(roads), dormitory=index == 0)
        elif flavour == "school":
            self.school(roads[0])
            self.school(roads[-1], kindergarten=True)
            self.urban(max(4, round(rng.randint(150, 250) * size)), max(2, round(20 * size)))
            return
        elif flavour == "market":
            self.market(roads[0], max(6, round(rng.randint(60, 120) * size)))
            self.urban(max(4, round(rng.randint(150, 260) * size)), max(2, round(30 * size)))
            return
        else:
            self.hospital(roads[0])
            self.urban(max(4, round(rng.randint(100, 200) * size)), max(2, round(30 * size)))
            return
        self.street_shops(roads, max(2, round(rng.randint(6, 16) * size)))

    def factory(self, road, *, small: bool = False, dormitory: bool = False) -> None:
        """A factory: workshops (several house codes per building) and, for big ones, a dormitory."""
        rng = self.rng
        door = self.door(road)
        industry = weighted(rng, names.FIRM_INDUSTRIES)
        brand = rng.choice(names.FIRM_BRANDS) + rng.choice(names.FIRM_BRANDS)
        taiwanese = rng.random() < 0.2 and not small
        city = self.place.firm_city
        name = f"{brand}{industry}（{city}）有限公司" if taiwanese else f"{city}{brand}{industry}有限公司"
        owned = rng.random() < 0.5
        owner_name = (
            name
            if owned
            else self.make.chinese_name(rng, "male", birth_year=rng.randint(1955, 1980), local=True)
        )
        for b in range(1, (1 if small else rng.randint(1, 4)) + 1):
            workshop = self.address(door, AddressLevel.BUILDING, f"{b}号厂房", located=True)
            for _ in range(1 if small else rng.randint(1, 3)):
                self.house(
                    workshop,
                    HouseUse.FACTORY,
                    RentalStatus.OWNER_OCCUPIED if owned else RentalStatus.RENTED,
                    owner_name=owner_name,
                    owner_phone=self.make.phone(rng),
                    area=rng.uniform(300, 5000),
                )
        region = self.place.city_code if rng.random() < 0.4 else self.place.code
        unit = self.unit(door, name, UnitKind.FACTORY, self.make.credit_code(rng, "91", region))
        bound = []
        if not small and (dormitory or rng.random() < 0.6):
            size = self.gen.scale.size
            dorm = self.address(door, AddressLevel.BUILDING, "宿舍楼", located=True)
            for f in range(1, max(2, round(rng.randint(3, 6) * min(1, size * 3))) + 1):
                floor = self.address(dorm, AddressLevel.FLOOR, f"{f}层")
                for r in range(1, max(2, round(rng.randint(6, 12) * size)) + 1):
                    room = self.address(floor, AddressLevel.ROOM, f"{f}{r:02d}室")
                    house = self.house(
                        room,
                        HouseUse.DORMITORY,
                        RentalStatus.OWNER_OCCUPIED,
                        owner_name=owner_name,
                        rooms=1,
                        area=rng.uniform(18, 30),
                    )
                    if rng.random() < 0.15:
                        continue
                    since = AS_OF - datetime.timedelta(days=rng.randint(7, 1800))
                    for _ in range(rng.randint(2, 5)):
                        worker = self.person(
                            sex="male" if rng.random() < 0.65 else "female",
                            age=rng.randint(18, 52),
                            category=Category.MIGRANT,
                        )
                        self.reside(
                            worker,
                            house,
                            Relation.STAFF_DORMITORY,
                            since,
                            source=ResidenceSource.DECLARED
                            if rng.random() < 0.5
                            else ResidenceSource.IMPORTED,
                        )
                        bound.append(worker)
        wanted = len(bound) + round(
            (rng.randint(3, 20) if small else rng.randint(20, 160)) * min(1.0, self.gen.scale.size * 3)
        )
        self.demands.append((unit, "factory", wanted, bound))

    def market(self, road, stalls: int) -> None:
        door = self.door(road)
        hall = self.address(door, AddressLevel.BUILDING, f"{self.short}农贸市场", located=True)
        floor = self.address(hall, AddressLevel.FLOOR, "1层")
        kinds = {"蔬菜摊": 6, "猪肉摊": 3, "水产摊": 3, "禽蛋摊": 1, "干货店": 1, "豆制品摊": 1, "水果摊": 2}
        for s in range(1, stalls + 1):
            stall = self.address(floor, AddressLevel.ROOM, f"A{s:03d}")
            self.shop(stall, lives_in=0.0, kinds=kinds)

    def hospital(self, road) -> None:
        rng = self.rng
        door = self.door(road)
        community, main = self.place.main_hospital
        name = main if self.plan.name == community else f"{self.place.org_prefix}{self.short}医院"
        for b in ("门诊楼", "住院楼", "医技楼"):
            building = self.address(door, AddressLevel.BUILDING, b, located=True)
            self.house(
                building,
                HouseUse.OTHER,
                RentalStatus.OWNER_OCCUPIED,
                owner_name=name,
                area=rng.uniform(3000, 12000),
            )
        unit = self.unit(door, name, UnitKind.HOSPITAL, self.make.credit_code(rng, "12"))
        self.demands.append((unit, "hospital", rng.randint(60, 300), []))

    # -- employment ---------------------------------------------------------------------------------

    def hire(self) -> None:
        """Fill each unit from the people bound to it (dormitory, shopkeeper) and then from the community."""
        rng = self.rng
        pool = [p for p in self.workers if p["status"] == PersonStatus.ACTIVE]
        rng.shuffle(pool)
        employed: set[int] = set()
        for unit, kind, wanted, bound in self.demands:
            positions = names.POSITIONS["shop" if kind == "shop" else kind]
            staff = [p for p in bound if p["id"] not in employed]
            while len(staff) < wanted and pool:
                candidate = pool.pop()
                if candidate["id"] not in employed:
                    staff.append(candidate)
            registered = 0
            for index, person in enumerate(staff[:wanted]):
                employed.add(person["id"])
                if kind == "shop" and index == 0:
                    position = "店主"
                elif index == 0:
                    position = "负责人"
                else:
                    position = weighted(rng, {k: v for k, v in positions.items() if v})
                adult = person["birth_date"] + datetime.timedelta(days=16 * 366)
                earliest = max(adult, AS_OF - datetime.timedelta(days=12 * 365))
                if earliest > AS_OF:
                    continue
                hired = earliest + datetime.timedelta(days=rng.randint(0, (AS_OF - earliest).days))
                row = {
                    "id": self.ids(Employment),
                    "person_id": person["id"],
                    "unit_id": unit["id"],
                    "position": position,
                    "hired_on": hired,
                    "_repr": f"{person['name']} @ {unit['name']}",
                }
                self.batch.add(Employment, row)
                registered += 1
                if index == 0:
                    unit["contact_name"] = person["name"]
                    unit["contact_phone"] = person["phone"] or self.make.phone(rng)
                elif rng.random() < 0.04 and hired < AS_OF - datetime.timedelta(days=30):
                    row["ended_on"] = hired + datetime.timedelta(days=rng.randint(1, (AS_OF - hired).days))
                    row["end_reason"] = "离职"
            # Employers declare their head count; not everyone is registered yet ("register on hiring").
            unit["staff_count"] = registered + (rng.randint(0, max(1, wanted // 5)) if kind != "shop" else 0)
            if not unit["contact_name"]:
                unit["contact_name"] = self.make.chinese_name(rng, "male", birth_year=1975, local=True)
                unit["contact_phone"] = self.make.phone(rng)
