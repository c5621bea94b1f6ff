"""Writes to actual population: people, their residences."""

import datetime
import functools
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from wangge.areas.models import Area, AreaLevel
from wangge.core.actor import Actor
from wangge.core.bulk import (
    Change,
    RowOutcome,
    RowStatus,
    Tally,
    create_rows,
    end_change,
    fetch_in,
    in_scope,
    scope_grid_ids,
    update_records,
)
from wangge.core.services import (
    create_record,
    end_record,
    reject_bad_text,
    require_edit,
    require_in_scope,
    update_record,
)
from wangge.housing.models import House
from wangge.people.choices import IdType, PersonStatus, ResidenceSource
from wangge.people.identity import check_resident_id, normalise_phone
from wangge.people.models import Person, Residence

PERSON_FIELDS = {
    "id_type",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "hukou_address",
    "hukou_division",
    "category",
}


CJK_NAME = re.compile(r"[\u4e00-\u9fff]{1,4}")


def pinyin_keys(name: str) -> dict:
    """Initials ("zs") and full pinyin ("zhangsan") of a name, for search.

    A name of which no part is a known phrase is read character by character, so it is put together from
    cached characters: the same keys, several times faster (an import computes a hundred thousand)."""
    n = len(name)
    if CJK_NAME.fullmatch(name) and not any(
        name[i:j] in PHRASES_DICT for i in range(n) for j in range(i + 2, n + 1)
    ):
        parts = [_char_keys(ch) for ch in name]
        initials, syllables = "".join(p[0] for p in parts), "".join(p[1] for p in parts)
    else:
        syllables = "".join(lazy_pinyin(name, errors="ignore")).lower()
        initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return {"name_pinyin": syllables[:400], "name_initials": initials[:100]}


@functools.lru_cache(maxsize=16384)
def _char_keys(ch: str) -> tuple[str, str]:
    initials = "".join(lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return initials, "".join(lazy_pinyin(ch, errors="ignore")).lower()


def _clean(fields: dict, *, id_type: str) -> tuple[dict, list[str]]:
    """Normalise, check the document, derive sex and birth date from a resident ID; return warnings too."""
    warnings: list[str] = []
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
        if not fields["name"]:
            raise ValidationError({"name": [_("请填写姓名。")]})
        fields.update(pinyin_keys(fields["name"]))
    if "phone" in fields:
        fields["phone"] = normalise_phone(fields["phone"])
    if "id_number" in fields:
        raw = (fields["id_number"] or "").strip()
        if not raw:
            raise ValidationError({"id_number": [_("请填写证件号码。")]})
        if id_type == IdType.RESIDENT_ID:
            facts = check_resident_id(raw)
            fields["id_number"] = facts.number
            # The document is the authority on sex and birth date; a form may not contradict it.
            fields["birth_date"] = facts.birth_date
            fields["sex"] = facts.sex
            warnings = facts.warnings
        else:
            fields["id_number"] = "".join(raw.split()).upper()
    return fields, warnings


def _require_unique_document(fields: dict, *, id_type: str, exclude_pk: int | None = None) -> None:
    """Named on the field, not as a table-wide error. It says the number is registered somewhere, even
    outside the user's scope: a register that hid this would fill up with duplicates."""
    number = fields.get("id_number")
    if number and Person.objects.filter(id_type=id_type, id_number=number).exclude(pk=exclude_pk).exists():
        raise ValidationError({"id_number": [_("该证件号码已登记。")]})


@transaction.atomic
def person_create(*, actor: Actor, grid: Area, **fields) -> Person:
    """Register a person in a grid. Warnings (e.g. an unknown ID region) are set on person.warnings."""
    require_edit(actor)
    require_in_scope(actor, grid, "grid")
    if grid.level != AreaLevel.GRID:
        raise ValidationError({"grid": [_("请选择采集网格。")]})
    fields = {k: v for k, v in fields.items() if k in PERSON_FIELDS}
    id_type = fields.get("id_type") or IdType.RESIDENT_ID
    fields, warnings = _clean(fields, id_type=id_type)
    _require_unique_document(fields, id_type=id_type)
    person = create_record(Person, actor=actor, grid=grid, **fields)
    person.warnings = warnings
    return person


@transaction.atomic
def person_update(
    *, actor: Actor, person: Person, expected_version: int | None = None, reason: str = "", **fields
) -> dict:
    require_edit(actor)
    if person.status == PersonStatus.DEREGISTERED:
        raise ValidationError({"status": [_("此人已注销，不能修改。")]})
    fields = {k: v for k, v in fields.items() if k in PERSON_FIELDS}
    id_type = fields.get("id_type") or person.id_type
    if "id_type" in fields and "id_number" not in fields:
        fields["id_number"] = person.id_number
    fields, warnings = _clean(fields, id_type=id_type)
    _require_unique_document(fields, id_type=id_type, exclude_pk=person.pk)
    diff = update_record(person, actor=actor, fields=fields, expected_version=expected_version, reason=reason)
    person.warnings = warnings
    return diff


@transaction.atomic
def person_deregister(*, actor: Actor, person: Person, reason: str, on: datetime.date | None = None) -> dict:
    """注销: the person stays in the register, marked and dated, and their current residences end too."""
    require_edit(actor)
    if person.status == PersonStatus.DEREGISTERED:
        raise ValidationError({"status": [_("此人已注销。")]})
    on = on or timezone.localdate()
    for residence in person.residences.filter(ended_on__isnull=True):
        end_record(residence, actor=actor, reason=reason, on=max(on, residence.started_on))
    return end_record(person, actor=actor, reason=reason, on=on, status=PersonStatus.DEREGISTERED)


@transaction.atomic
def residence_create(
    *,
    actor: Actor,
    person: Person,
    house: House,
    relation: str,
    started_on: datetime.date,
    is_primary: bool = True,
    source: str = "collected",
) -> Residence:
    """Someone lives in a house. A primary residence also moves the person into that house's grid."""
    require_edit(actor)
    require_in_scope(actor, house.grid, "house")
    if person.status == PersonStatus.DEREGISTERED:
        raise ValidationError({"person": [_("此人已注销。")]})
    if house.ended_on:
        raise ValidationError({"house": [_("该房屋已注销。")]})
    if started_on and started_on > timezone.localdate():
        raise ValidationError({"started_on": [_("入住日期不能在未来。")]})
    if is_primary and person.residences.filter(is_primary=True, ended_on__isnull=True).exists():
        raise ValidationError({"is_primary": [_("此人已有一处当前主要居住地，请先注销原居住登记。")]})
    residence = create_record(
        Residence,
        actor=actor,
        person=person,
        house=house,
        relation=relation,
        started_on=started_on,
        is_primary=is_primary,
        source=source,
    )
    if is_primary and person.grid_id != house.grid_id:
        update_record(person, actor=actor, fields={"grid": house.grid})
    return residence


@transaction.atomic
def residence_update(
    *, actor: Actor, residence: Residence, expected_version: int | None = None, reason: str = "", **fields
) -> dict:
    require_edit(actor)
    if residence.ended_on:
        raise ValidationError({"ended_on": [_("该居住登记已结束，不能修改。")]})
    allowed = {k: v for k, v in fields.items() if k in {"relation", "is_primary", "started_on"}}
    if allowed.get("is_primary") and not residence.is_primary:
        others = residence.person.residences.filter(is_primary=True, ended_on__isnull=True)
        if others.exclude(pk=residence.pk).exists():
            raise ValidationError({"is_primary": [_("此人已有一处当前主要居住地，请先注销原居住登记。")]})
    return update_record(
        residence, actor=actor, fields=allowed, expected_version=expected_version, reason=reason
    )


@transaction.atomic
def residence_end(
    *, actor: Actor, residence: Residence, reason: str, on: datetime.date | None = None
) -> dict:
    """搬离: the residence ends on a day, with a reason; the record stays."""
    require_edit(actor)
    on = on or timezone.localdate()
    if on < residence.started_on:
        raise ValidationError({"ended_on": [_("迁出日期不能早于入住日期。")]})
    return end_record(residence, actor=actor, reason=reason, on=on)


# --- import -----------------------------------------------------------------------------------------------


# The fields _clean normalises (others it returns as they are).
CLEANED_FIELDS = frozenset({"name", "phone", "id_number"})
# Never compared nor audited; not loading them spares parsing 200,000 timestamps on a re-import of 100,000 rows.
TIMESTAMPS = ("created_at", "updated_at")


@dataclass
class PeopleWrites:
    """What the commit of a people import writes, decided by people_import_plan: plain values and the
    instances of the records to change, picklable (a preview stores it for its commit, transfer.plans).

    new_residences: (index into new_people, or the Person already registered; house id; str(house) for the
    audit text; relation; started_on)."""

    new_people: list[dict] = field(default_factory=list)
    person_changes: list[Change] = field(default_factory=list)
    residence_ends: list[Change] = field(default_factory=list)
    new_residences: list[tuple] = field(default_factory=list)
    residence_changes: list[Change] = field(default_factory=list)

    # Pickled with their dates as day numbers: pickling 200,000 date objects costs more than the rest together.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["new_people"] = [
            {**f, "birth_date": f["birth_date"].toordinal()}
            if isinstance(f.get("birth_date"), datetime.date)
            else f
            for f in self.new_people
        ]
        state["new_residences"] = [
            (*r[:4], r[4].toordinal() if isinstance(r[4], datetime.date) else r[4])
            for r in self.new_residences
        ]
        return state

    def __setstate__(self, state: dict) -> None:
        day = datetime.date.fromordinal
        for f in state["new_people"]:
            if type(f.get("birth_date")) is int:
                f["birth_date"] = day(f["birth_date"])
        state["new_residences"] = [
            (*r[:4], day(r[4]) if type(r[4]) is int else r[4]) for r in state["new_residences"]
        ]
        self.__dict__.update(state)

    @property
    def total(self) -> int:
        return (
            len(self.new_people)
            + len(self.person_changes)
            + len(self.residence_ends)
            + len(self.new_residences)
            + len(self.residence_changes)
        )


def people_import(*, actor: Actor, rows: list[dict], commit: bool = True, report=None) -> list[RowOutcome]:
    """Register or update many people with where they live, all rows checked before any is written.

    Each row: person fields (PERSON_FIELDS; an absent key keeps the stored value), and optionally `house`
    (a House), `relation` and `started_on` for their current primary residence. The natural key is the
    document (id_type, id_number). A person new to the register needs a house; one already registered moves
    when the house differs from their current one (the old residence ends the day the new one starts).
    Returns one outcome per row: new, changed, unchanged, or rejected with {field: [messages]}. With
    commit=True the valid rows are written (bulk, one change record per record, as the single services do)
    inside the caller's transaction.
    """
    outcomes, writes = people_import_plan(actor=actor, rows=rows)
    if commit:
        people_import_write(actor=actor, writes=writes, report=report)
    return outcomes


def people_import_plan(*, actor: Actor, rows: list[dict]) -> tuple[list[RowOutcome], PeopleWrites]:
    """people_import's checks: each row's outcome, and what a commit would write. Nothing is written."""
    require_edit(actor)
    scope = scope_grid_ids(actor)
    today = timezone.localdate()
    outcomes = [RowOutcome() for _row in rows]
    cleaned: list[dict | None] = [None] * len(rows)
    first_row: dict[tuple, int] = {}
    # A population repeats its names: each name's cleaning (and pinyin keys) is done once.
    cleaned_names: dict[str, dict] = {}
    for i, row in enumerate(rows):
        outcome = outcomes[i]
        fields = {k: v for k, v in row.items() if k in PERSON_FIELDS}
        id_type = fields.get("id_type") or IdType.RESIDENT_ID
        fields["id_type"] = id_type
        # Field by field, so that a row shows every problem it has, not only the first; the document last,
        # since it decides sex and birth date. Only the fields _clean changes are handed to it.
        names = [k for k in fields if k not in ("id_type", "id_number")] + ["id_number"]
        for name in names:
            value = fields.get(name)
            try:
                if type(value) is not str or "\x00" in value:
                    reject_bad_text({name: value})
                if name == "name" and value in cleaned_names:
                    fields.update(cleaned_names[value])
                elif name in CLEANED_FIELDS:
                    part, _warnings = _clean({name: value}, id_type=id_type)
                    fields.update(part)
                    if name == "name":
                        cleaned_names[value] = part
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    for message in messages:
                        outcome.reject(field_name, message)
        if outcome.rejected:
            continue
        key = (id_type, fields["id_number"])
        if key in first_row:
            outcome.reject("id_number", _("与第 %(n)s 条记录的证件号码重复。") % {"n": first_row[key] + 1})
            continue
        first_row[key] = i
        cleaned[i] = fields

    existing = {
        (p.id_type, p.id_number): p
        for p in fetch_in(
            Person.objects.defer(*TIMESTAMPS), "id_number", (f["id_number"] for f in cleaned if f)
        )
    }
    by_pk = {p.pk: p for p in existing.values()}
    current = {}
    for stay in fetch_in(
        Residence.objects.filter(is_primary=True, ended_on__isnull=True)
        .select_related("house")
        .defer(*TIMESTAMPS, *(f"house__{name}" for name in TIMESTAMPS)),
        "person_id",
        by_pk,
    ):
        stay.person = by_pk[stay.person_id]
        current[stay.person_id] = stay

    # New records stay plain values, also in the commit: 100,000 rows build no model instance for them.
    writes = PeopleWrites()
    new_people = writes.new_people
    person_changes = writes.person_changes
    residence_ends = writes.residence_ends
    residence_changes = writes.residence_changes
    new_residences = writes.new_residences
    for i, fields in enumerate(cleaned):
        if fields is None:
            continue
        outcome = outcomes[i]
        row = rows[i]
        house = row.get("house")
        residence = {k: row[k] for k in ("relation", "started_on") if row.get(k) not in (None, "")}
        if house is not None:
            if not in_scope(scope, house.grid_id):
                outcome.reject("house", _("所选记录不存在。"))
            elif house.ended_on:
                outcome.reject("house", _("该房屋已注销。"))
        started_on = residence.get("started_on")
        if started_on and started_on > today:
            outcome.reject("started_on", _("入住日期不能在未来。"))
        person = existing.get((fields["id_type"], fields["id_number"]))
        if person is not None:
            if not in_scope(scope, person.grid_id):
                outcome.reject("id_number", _("该证件号码已登记。"))
            elif person.status == PersonStatus.DEREGISTERED:
                outcome.reject("id_number", _("此人已注销，不能修改。"))
        if outcome.rejected:
            continue

        if person is None:
            if not fields.get("name"):
                outcome.reject("name", _("请填写姓名。"))
            if house is None:
                outcome.reject("house", _("新登记的人员须填写居住的房屋。"))
            else:
                _require_residence_fields(outcome, residence)
            if outcome.rejected:
                continue
            fields["grid_id"] = house.grid_id
            new_residences.append(_new_residence(len(new_people), house, residence))
            new_people.append(fields)
            outcome.status = RowStatus.NEW
            continue

        changes = {k: v for k, v in fields.items() if getattr(person, k) != v}
        stay = current.get(person.pk)
        touched = False
        if house is not None:
            if stay is not None and stay.house_id == house.pk:
                corrected = {k: v for k, v in residence.items() if getattr(stay, k) != v}
                if corrected:
                    residence_changes.append(Change(instance=stay, fields=corrected))
                    touched = True
            else:
                _require_residence_fields(outcome, residence)
                if stay is not None:
                    if not in_scope(scope, stay.house.grid_id):
                        outcome.reject(
                            "house", _("此人当前的居住登记不在您的管辖范围内，请联系其所在网格办理迁出。")
                        )
                    elif started_on and started_on < stay.started_on:
                        outcome.reject("started_on", _("入住日期早于此人当前居住登记的入住日期。"))
                if outcome.rejected:
                    continue
                if stay is not None:
                    reason = _("导入：迁往 %(house)s") % {"house": house.house_code}
                    residence_ends.append(end_change(stay, reason=reason, on=started_on or today))
                new_residences.append(_new_residence(person, house, residence))
                touched = True
                if person.grid_id != house.grid_id:
                    changes["grid_id"] = house.grid_id
        if changes:
            person_changes.append(Change(instance=person, fields=changes))
        outcome.status = RowStatus.CHANGED if changes or touched else RowStatus.UNCHANGED

    # The addresses of the residences that end or change, for their audit text (one query, not one each).
    prefetch_related_objects([c.instance for c in residence_ends + residence_changes], "house__address")
    return outcomes, writes


def _new_residence(person: int | Person, house: House, residence: dict) -> tuple:
    return (person, house.pk, str(house), residence["relation"], residence["started_on"])


def people_import_write(*, actor: Actor, writes: PeopleWrites, report=None) -> None:
    """Write what people_import_plan decided, inside the caller's transaction: new people and residences as
    plain rows (core.bulk.create_rows), changes and ends through update_records (version-checked)."""
    require_edit(actor)
    tally = Tally(writes.total, report)
    new_people = writes.new_people
    ids = create_rows(Person, new_people, actor=actor, reprs=[f["name"] for f in new_people], tick=tally)
    update_records(Person, writes.person_changes, actor=actor, tick=tally)
    update_records(Residence, writes.residence_ends, actor=actor, tick=tally)
    rows, reprs = [], []
    source = ResidenceSource.IMPORTED.value
    for person, house_id, house_text, relation, started_on in writes.new_residences:
        if isinstance(person, int):
            person_id, name = ids[person], new_people[person]["name"]
        else:
            # Changed above (a new name is already set on it), as residence_create would see it.
            person_id, name = person.pk, str(person)
        rows.append(
            {
                "person_id": person_id,
                "house_id": house_id,
                "relation": relation,
                "started_on": started_on,
                "is_primary": True,
                "source": source,
            }
        )
        reprs.append(f"{name} @ {house_text}")
    create_rows(Residence, rows, actor=actor, reprs=reprs, tick=tally)
    update_records(Residence, writes.residence_changes, actor=actor, tick=tally)


def _require_residence_fields(outcome: RowOutcome, residence: dict) -> None:
    if not residence.get("relation"):
        outcome.reject("relation", _("登记居住须填写与房屋关系。"))
    if not residence.get("started_on"):
        outcome.reject("started_on", _("登记居住须填写入住日期。"))
