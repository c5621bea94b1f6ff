"""Rules about people: identity numbers, residences, deregistrations and verification."""

import datetime
import re
from collections import defaultdict

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Trim, TruncDate, Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import ric

from wangge.anomalies.choices import Severity, Subject
from wangge.anomalies.rules.base import Finding, Rule, years_before
from wangge.collection.choices import VerificationKind
from wangge.collection.models import Task, VerificationMark
from wangge.core.masking import mask_id_number
from wangge.housing.models import House
from wangge.people.choices import IdType, PersonStatus, Relation
from wangge.people.models import Person, Residence
from wangge.units.models import Employment

RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")


def current_primary_residence():
    return Residence.objects.filter(person=OuterRef("pk"), is_primary=True, ended_on__isnull=True)


class TwoPrimaryResidences(Rule):
    """The database allows one current primary residence per person row, so a person living "in two places"
    shows as two rows with one ID number, or as a person filed under another grid than the house they live in."""

    code = "two_primary_residences"
    title = gettext_lazy("一人多处主要居住地")
    description = gettext_lazy(
        "同一证件号码（去空格、X 大写后相同）登记为多条人员记录且各有当前主要居住地；"
        "或人员所属网格与其当前主要居住地房屋所在网格不一致。"
    )
    severity = Severity.HIGH

    def find(self, grids):
        yield from self.same_number(grids)
        yield from self.other_grid(grids)

    def same_number(self, grids):
        living = (
            Person.objects.filter(status=PersonStatus.ACTIVE)
            .annotate(norm=Upper(Trim("id_number")))
            .filter(Exists(current_primary_residence()))
        )
        # Counted over everyone, not only the run's grids: the other record may well be in another street.
        shared = living.values("norm").annotate(n=Count("id")).filter(n__gt=1).values("norm")
        groups: dict[str, list[dict]] = defaultdict(list)
        for row in living.filter(norm__in=shared).values("pk", "name", "norm", "grid_id", "grid__name"):
            groups[row["norm"]].append(row)
        run_grids = set(grids.values_list("pk", flat=True))
        for norm, rows in groups.items():
            for row in rows:
                if row["grid_id"] not in run_grids:
                    continue
                others = [
                    {"id": o["pk"], "name": o["name"], "grid": o["grid__name"]} for o in rows if o is not row
                ]
                yield Finding(
                    grid_id=row["grid_id"],
                    subject=Subject.PERSON,
                    subject_id=row["pk"],
                    key=f"person:{row['pk']}:same_number",
                    summary=_("证件号码 %(number)s 登记了 %(n)s 条人员记录，各有当前主要居住地（%(name)s）")
                    % {"number": mask_id_number(norm), "n": len(rows), "name": row["name"]},
                    detail={"others": others},
                )

    def other_grid(self, grids):
        rows = (
            Residence.objects.filter(
                is_primary=True,
                ended_on__isnull=True,
                person__status=PersonStatus.ACTIVE,
                person__grid__in=grids,
            )
            .exclude(person__grid_id=F("house__grid_id"))
            .values_list(
                "person_id",
                "person__name",
                "person__grid_id",
                "house_id",
                "house__house_code",
                "house__grid__name",
            )
            .order_by("person_id")
        )
        for person_id, name, grid_id, house_id, code, house_grid in rows:
            yield Finding(
                grid_id=grid_id,
                subject=Subject.PERSON,
                subject_id=person_id,
                key=f"person:{person_id}:other_grid",
                summary=_("%(name)s 所属网格与其主要居住地（房屋 %(code)s，%(grid)s）不一致")
                % {"name": name, "code": code, "grid": house_grid},
                detail={"house": {"id": house_id, "house_code": code, "grid": house_grid}},
            )


class DeregisteredInNewRecords(Rule):
    """A deregistered person cannot be edited any more, so their `updated_at` is the moment they were
    deregistered; anything naming them that was made later is suspect (wrong person, or a wrong deregistration).
    The services refuse most of these; imports, field sync and merges are where they still slip in."""

    code = "deregistered_in_new_records"
    title = gettext_lazy("注销人员出现在新记录中")
    description = gettext_lazy(
        "已注销的人员在注销之后又出现在新的居住登记、核实记录、采集任务、房屋房主或从业登记中。"
    )
    severity = Severity.HIGH

    def find(self, grids):
        deregistered = {"status": PersonStatus.DEREGISTERED, "grid__in": grids}

        def made_after(queryset, path, moment="created_at"):
            # After the deregistration was recorded, and on or after the day the person left: a deregistration
            # recorded late and dated back does not make the records of the days before it suspect.
            return queryset.filter(
                **{f"{moment}__gt": F(f"{path}__updated_at"), f"{path}__ended_on__lte": TruncDate(moment)}
            )

        sources = [
            ("residence", made_after(Residence.objects.all(), "person"), "person"),
            (
                "verification",
                made_after(
                    VerificationMark.objects.filter(kind=VerificationKind.PERSON), "person", "verified_at"
                ),
                "person",
            ),
            ("task", made_after(Task.objects.all(), "person"), "person"),
            ("house_owner", made_after(House.objects.all(), "owner"), "owner"),
            ("employment", made_after(Employment.objects.all(), "person"), "person"),
        ]
        found: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for kind, queryset, path in sources:
            lookup = {f"{path}__{k}": v for k, v in deregistered.items()}
            for person_id, pk in queryset.filter(**lookup).values_list(f"{path}_id", "pk").order_by("pk"):
                found[person_id][kind].append(pk)
        if not found:
            return
        people = Person.objects.filter(pk__in=list(found)).values_list("pk", "name", "grid_id", "ended_on")
        labels = {
            "residence": _("居住登记"),
            "verification": _("核实记录"),
            "task": _("采集任务"),
            "house_owner": _("房屋房主"),
            "employment": _("从业登记"),
        }
        for pk, name, grid_id, ended_on in people:
            kinds = found[pk]
            yield Finding(
                grid_id=grid_id,
                subject=Subject.PERSON,
                subject_id=pk,
                key=f"person:{pk}:after_deregistration",
                summary=_("%(name)s 已于 %(day)s 注销，之后又出现在：%(what)s")
                % {
                    "name": name,
                    "day": ended_on,
                    "what": "、".join(f"{labels[k]} {len(v)} 条" for k, v in kinds.items()),
                },
                detail={
                    "deregistered_on": ended_on.isoformat() if ended_on else None,
                    "records": dict(kinds),
                },
            )


class IdCheckDigit(Rule):
    """The services check every number they are given; numbers from old imports and other departments' data
    did not pass through them."""

    code = "id_check_digit"
    title = gettext_lazy("身份证号码校验位错误")
    description = gettext_lazy("居民身份证号码不是 18 位、出生日期不存在或校验位（GB 11643）不对。")
    severity = Severity.HIGH

    def find(self, grids):
        rows = (
            Person.objects.filter(status=PersonStatus.ACTIVE, id_type=IdType.RESIDENT_ID, grid__in=grids)
            .values_list("pk", "name", "id_number", "grid_id")
            .order_by("pk")
        )
        for pk, name, number, grid_id in rows.iterator(chunk_size=5000):
            problem = id_problem(number)
            if problem:
                yield Finding(
                    grid_id=grid_id,
                    subject=Subject.PERSON,
                    subject_id=pk,
                    key=f"person:{pk}:id_number",
                    summary=_("%(name)s 的身份证号码 %(number)s %(problem)s")
                    % {"name": name, "number": mask_id_number(number), "problem": problem},
                    detail={"problem": problem},
                )


def id_problem(raw: str) -> str:
    """What is wrong with a resident ID number ("" when nothing is)."""
    number = (raw or "").strip().upper()
    if not RESIDENT_ID.fullmatch(number):
        return _("不是 18 位")
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _("中的出生日期不存在")
    if number[17] != ric.calc_check_digit(number):
        return _("校验位错误")
    return ""


class AgeContradictsRelation(Rule):
    """The "3-year-old landlord": an owner or an employee younger than the law allows is a wrong person
    picked from a family, or a wrong birth date."""

    code = "age_contradicts_relation"
    title = gettext_lazy("年龄与身份不符")
    description = gettext_lazy("房主或从业人员未满规定年龄（如 3 岁的房东）。")
    severity = Severity.MEDIUM
    params = {"min_age": 18}

    def find(self, grids):
        cutoff = years_before(self.today, int(self.values["min_age"]))
        young = {
            "person__birth_date__gt": cutoff,
            "person__status": PersonStatus.ACTIVE,
            "person__grid__in": grids,
        }
        roles = [
            (
                "owner_residence",
                _("房主（居住登记）"),
                Residence.objects.filter(ended_on__isnull=True, relation=Relation.OWNER, **young),
                "person",
                "house__house_code",
            ),
            (
                "owner_house",
                _("房主（房屋登记）"),
                House.objects.filter(
                    ended_on__isnull=True, **{k.replace("person__", "owner__"): v for k, v in young.items()}
                ),
                "owner",
                "house_code",
            ),
            (
                "employment",
                _("从业人员"),
                Employment.objects.filter(ended_on__isnull=True, **young),
                "person",
                "unit__name",
            ),
        ]
        for kind, label, queryset, path, where in roles:
            rows = queryset.values_list(
                "pk", f"{path}_id", f"{path}__name", f"{path}__birth_date", f"{path}__grid_id", where
            ).order_by("pk")
            for pk, person_id, name, birth, grid_id, place in rows:
                age = (
                    self.today.year
                    - birth.year
                    - ((self.today.month, self.today.day) < (birth.month, birth.day))
                )
                yield Finding(
                    grid_id=grid_id,
                    subject=Subject.PERSON,
                    subject_id=person_id,
                    key=f"person:{person_id}:{kind}:{pk}",
                    summary=_("%(name)s 仅 %(age)s 岁，却登记为%(role)s（%(place)s）")
                    % {"name": name, "age": age, "role": label, "place": place},
                    detail={"role": kind, "record": pk, "birth_date": birth.isoformat(), "age": age},
                )


class NotVerified(Rule):
    code = "not_verified"
    title = gettext_lazy("久未核实")
    description = gettext_lazy("在册人员登记已超过 N 天，且 N 天内没有任何核实记录（默认 180 天）。")
    severity = Severity.LOW
    params = {"days": 180}

    def find(self, grids):
        days = int(self.values["days"])
        since = self.today - datetime.timedelta(days=days)
        marks = VerificationMark.objects.filter(kind=VerificationKind.PERSON, person=OuterRef("pk"))
        last = Subquery(
            marks.order_by().values("person").annotate(last=Max("verified_on")).values("last")[:1]
        )
        rows = (
            Person.objects.filter(
                status=PersonStatus.ACTIVE, grid__in=grids, created_at__lt=self.day_start(since)
            )
            .exclude(Exists(marks.filter(verified_on__gte=since)))
            .annotate(last=last)
            .values_list("pk", "name", "grid_id", "last")
            .order_by("pk")
        )
        for pk, name, grid_id, last_day in rows.iterator(chunk_size=5000):
            yield Finding(
                grid_id=grid_id,
                subject=Subject.PERSON,
                subject_id=pk,
                key=f"person:{pk}:not_verified",
                summary=_("%(name)s 超过 %(days)s 天未核实（最近核实：%(last)s）")
                % {"name": name, "days": days, "last": last_day or _("从未")},
                detail={"last_verified_on": last_day.isoformat() if last_day else None, "days": days},
            )


class DeregistrationWave(Rule):
    code = "deregistration_wave"
    title = gettext_lazy("注销异常激增")
    description = gettext_lazy(
        "一个网格近 7 天注销的人数超过 max（最少人数，倍数 × 此前 8 周的周均注销人数）。"
    )
    severity = Severity.HIGH
    params = {"min_count": 10, "factor": 3}

    WEEKS = 8

    def find(self, grids):
        start = self.today - datetime.timedelta(days=6)
        baseline_start = start - datetime.timedelta(weeks=self.WEEKS)
        rows = (
            Person.objects.filter(
                status=PersonStatus.DEREGISTERED,
                grid__in=grids,
                ended_on__gte=baseline_start,
                ended_on__lte=self.today,
            )
            .values("grid_id", "grid__name")
            .annotate(
                recent=Count("pk", filter=Q(ended_on__gte=start)),
                before=Count("pk", filter=Q(ended_on__lt=start)),
            )
            .order_by("grid_id")
        )
        year, week, _day = start.isocalendar()
        for row in rows:
            mean = row["before"] / self.WEEKS
            threshold = max(self.values["min_count"], self.values["factor"] * mean)
            if row["recent"] <= threshold:
                continue
            yield Finding(
                grid_id=row["grid_id"],
                subject=Subject.AREA,
                subject_id=row["grid_id"],
                # One item per grid and week: a wave that lasts gets one item, a new wave next month another.
                key=f"grid:{row['grid_id']}:{year}-W{week:02d}",
                summary=_("%(grid)s 近 7 天注销 %(n)s 人，此前 8 周周均 %(mean).1f 人")
                % {"grid": row["grid__name"], "n": row["recent"], "mean": mean},
                detail={
                    "from": start.isoformat(),
                    "to": self.today.isoformat(),
                    "recent": row["recent"],
                    "weekly_mean": round(mean, 2),
                    "threshold": threshold,
                },
            )
