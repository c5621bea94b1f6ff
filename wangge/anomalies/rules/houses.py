"""Rules about houses and their addresses."""

from collections import defaultdict

from django.db.models import Count, Exists, F, FloatField, OuterRef, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.addresses.models import AddressLevel
from wangge.anomalies.choices import Severity, Subject
from wangge.anomalies.rules.base import Finding, Rule
from wangge.housing.models import House, HouseUse, RentalStatus
from wangge.housing.services import house_signature
from wangge.people.choices import PersonStatus, Relation
from wangge.people.models import Residence
from wangge.units.models import Unit


class AddressSeveralHouses(Rule):
    """The same test the house merge proposals use (housing.services.find_house_duplicates): any two current
    houses on one room, or two on one building that agree on use, owner and floor area."""

    code = "address_several_houses"
    title = gettext_lazy("一址多码")
    description = gettext_lazy(
        "一个户室级地址上登记了多个当前房屋编码；或一栋楼上有用途、房主、面积都相同的多个房屋编码。"
    )
    severity = Severity.HIGH

    def find(self, grids):
        houses = House.objects.filter(ended_on__isnull=True, grid__in=grids)
        crowded = houses.values("address_id").annotate(n=Count("id")).filter(n__gt=1).values("address_id")
        candidates = (
            houses.filter(address_id__in=crowded)
            .select_related("address")
            .only(
                "pk",
                "house_code",
                "grid_id",
                "use",
                "owner_id",
                "owner_name",
                "floor_area",
                "address__level",
                "address__full_text",
                "address__grid_id",
            )
            .order_by("address_id", "pk")
        )
        groups: dict[tuple, list[House]] = defaultdict(list)
        for house in candidates:
            if house.address.level == AddressLevel.ROOM:
                groups[(house.address_id,)].append(house)
            else:
                groups[(house.address_id, *house_signature(house))].append(house)
        for key, group in groups.items():
            if len(group) < 2:
                continue
            address = group[0].address
            codes = [h.house_code for h in group]
            yield Finding(
                grid_id=address.grid_id,
                subject=Subject.ADDRESS,
                subject_id=address.pk,
                # A building may hold several such groups; the first house names each one.
                key=f"address:{address.pk}" if len(key) == 1 else f"address:{address.pk}:house:{group[0].pk}",
                summary=_("%(address)s 登记了 %(n)s 个房屋编码：%(codes)s")
                % {"address": address.full_text, "n": len(group), "codes": "、".join(codes)},
                detail={
                    "address_level": address.level,
                    "houses": [{"id": h.pk, "house_code": h.house_code} for h in group],
                },
            )


class OvercrowdedHouse(Rule):
    code = "overcrowded_house"
    title = gettext_lazy("居住超员")
    description = gettext_lazy(
        "房屋的当前在住人数超过房间数 × 每间人数上限（宿舍不按房间计），或超过建筑面积 ÷ 人均面积下限"
        "（疑似群租或登记错误）。"
    )
    severity = Severity.MEDIUM
    params = {"people_per_room": 3, "m2_per_person": 5}

    def find(self, grids):
        per_room = self.values["people_per_room"]
        per_person = self.values["m2_per_person"]
        rows = (
            Residence.objects.filter(
                ended_on__isnull=True,
                person__status=PersonStatus.ACTIVE,
                house__ended_on__isnull=True,
                house__grid__in=grids,
            )
            .values(
                "house_id",
                "house__house_code",
                "house__grid_id",
                "house__rooms",
                "house__floor_area",
                "house__use",
            )
            .annotate(n=Count("person_id", distinct=True))
            .filter(
                # A dormitory room is meant for several people: only its floor area limits them.
                Q(
                    ~Q(house__use=HouseUse.DORMITORY),
                    house__rooms__isnull=False,
                    n__gt=F("house__rooms") * per_room,
                )
                | Q(
                    house__floor_area__isnull=False,
                    n__gt=Cast("house__floor_area", FloatField()) / per_person,
                )
            )
            .order_by("house_id")
        )
        for row in rows:
            rooms, area = row["house__rooms"], row["house__floor_area"]
            n = row["n"]
            limits = []
            if rooms is not None and row["house__use"] != HouseUse.DORMITORY and n > rooms * per_room:
                limits.append(_("%(rooms)s 间 × %(per)s 人") % {"rooms": rooms, "per": per_room})
            if area is not None and n > float(area) / per_person:
                limits.append(_("%(area)s 平方米 ÷ %(per)s 平方米") % {"area": area, "per": per_person})
            yield Finding(
                grid_id=row["house__grid_id"],
                subject=Subject.HOUSE,
                subject_id=row["house_id"],
                key=f"house:{row['house_id']}",
                summary=_("房屋 %(code)s 现住 %(n)s 人，超过 %(limits)s")
                % {"code": row["house__house_code"], "n": row["n"], "limits": "、".join(limits)},
                detail={
                    "residents": row["n"],
                    "rooms": rooms,
                    "floor_area": None if area is None else float(area),
                    "people_per_room": per_room,
                    "m2_per_person": per_person,
                },
            )


class RentedWithoutTenant(Rule):
    code = "rented_without_tenant"
    title = gettext_lazy("出租房无租客")
    description = gettext_lazy(
        "使用状态为出租或部分出租的房屋，没有在住的租客（或员工宿舍住户），地址上也没有登记在册的单位。"
    )
    severity = Severity.MEDIUM

    def find(self, grids):
        tenants = Residence.objects.filter(
            house=OuterRef("pk"),
            ended_on__isnull=True,
            relation__in=(Relation.TENANT, Relation.STAFF_DORMITORY),
            person__status=PersonStatus.ACTIVE,
        )
        # A shop let to a firm has the firm, not a person, as its tenant.
        units = Unit.objects.filter(address=OuterRef("address_id"), ended_on__isnull=True)
        rows = (
            House.objects.filter(
                ended_on__isnull=True,
                grid__in=grids,
                rental_status__in=(RentalStatus.RENTED, RentalStatus.PARTLY_RENTED),
            )
            .exclude(Exists(tenants))
            .exclude(Exists(units))
            .values_list("pk", "house_code", "grid_id", "rental_status")
            .order_by("pk")
        )
        labels = dict(RentalStatus.choices)
        for pk, code, grid_id, status in rows:
            yield Finding(
                grid_id=grid_id,
                subject=Subject.HOUSE,
                subject_id=pk,
                key=f"house:{pk}",
                summary=_("房屋 %(code)s 登记为“%(status)s”，但没有在住的租客")
                % {"code": code, "status": labels.get(status, status)},
                detail={"rental_status": status},
            )
