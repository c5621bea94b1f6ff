"""The sync protocol of docs/sync.md: push (each change applied exactly once) and pull (a gap-aware cursor).

Push: every change is looked up by its uuid in SyncChange first; a new one runs in its own transaction through
the same services as the web UI (actor source "field", the device id) and its answer is stored with it, so a
retry gets that answer back word for word. Pull reads the change feed filed by grid (wangge/collection/feed.py)
from its cursor, a single feed entry id. A push reads the user's scope once (scope_held) and the ledger once.
"""

import datetime
import hashlib
import json
import uuid as uuidlib
from typing import Annotated, Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticError

from wangge.accounts.scope import scope_held, visible_grid_ids
from wangge.addresses.models import StandardAddress
from wangge.areas.models import Area
from wangge.collection import feed, services
from wangge.collection.choices import SyncStatus, VisitOutcome
from wangge.collection.models import SyncChange, SyncConflict, Task, Visit
from wangge.collection.records import MODEL_TYPES, RECORD_TYPES, record
from wangge.core.actor import Actor
from wangge.core.api import Day, Input, Text, choice, pydantic_message
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.core.services import field_values
from wangge.housing import services as housing
from wangge.housing.models import House, HouseUse, RentalStatus
from wangge.people import services as people
from wangge.people.choices import Category, IdType, Relation, Sex
from wangge.people.models import Person, Residence
from wangge.rechecks.fieldops import RecheckPayload, op_recheck_record

MAX_CHANGES = 100
MAX_CHANGE_BYTES = 16 * 1024
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 1000
CURSOR_SALT = "wangge.collection.sync.cursor"


# --- payloads ------------------------------------------------------------------------------------------------


class Ref(Input):
    """A record the server knows ({"id": n}) or one this user created offline ({"ref": "<uuid>"})."""

    id: Annotated[int, Field(strict=True, ge=1, le=2**63 - 1)] | None = None
    ref: uuidlib.UUID | None = None


Coordinate = Annotated[float, Field(strict=False, allow_inf_nan=False, ge=-180, le=180)]


class VisitPayload(Input):
    address: Ref
    outcome: choice(VisitOutcome)
    visited_at: datetime.datetime | None = None
    latitude: Annotated[float, Field(allow_inf_nan=False, ge=-90, le=90)] | None = None
    longitude: Coordinate | None = None
    accuracy_m: Annotated[float, Field(allow_inf_nan=False, ge=0, le=100_000)] | None = None
    note: Text(500) = ""
    task: Ref | None = None
    task_result: Literal["done", "cannot"] | None = None
    cannot_reason: Text(500) = ""


class Empty(Input):
    pass


class TaskDonePayload(Input):
    note: Text(500) = ""


class ReasonPayload(Input):
    reason: Text(500, min_length=1)


class InVisit(Input):
    visit: Ref | None = None


class PersonFields(InVisit):
    name: Text(100) = None
    id_type: choice(IdType) = None
    id_number: Text(32) = None
    sex: choice(Sex, blank=True) = None
    birth_date: Day | None = None
    ethnicity: Text(2) = None
    phone: Text(32) = None
    hukou_address: Text(200) = None
    hukou_division: Text(12) = None
    category: choice(Category) = None


class PersonCreatePayload(PersonFields):
    grid: Ref


class EndPayload(InVisit):
    reason: Text(500, min_length=1)
    on: Day | None = None


class ResidenceCreatePayload(InVisit):
    person: Ref
    house: Ref
    relation: choice(Relation)
    started_on: Day
    is_primary: bool = True


class HouseFields(InVisit):
    use: choice(HouseUse) = None
    rental_status: choice(RentalStatus) = None
    rooms: Annotated[int, Field(strict=True, ge=1, le=32767)] | None = None
    floor_area: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1_000_000)] | None = None
    owner_name: Text(100) = None
    owner_phone: Text(32) = None


class HouseCreatePayload(HouseFields):
    address: Ref


class ChangeIn(Input):
    """One change as the device sends it; the payload is checked against its op afterwards, per change."""

    uuid: uuidlib.UUID
    op: str = Field(max_length=32)
    target: dict[str, Any]
    base_version: Annotated[int, Field(strict=True, ge=1)] | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    made_at: datetime.datetime | None = None


class Conflict(Exception):
    def __init__(self, *, target_type: str, obj, base_version: int | None):
        self.target_type = target_type
        self.obj = obj
        self.base_version = base_version


class UnknownRef(Exception):
    pass


# --- applying one op --------------------------------------------------------------------------------------


class Context:
    """What an op needs: the actor, and how to turn a reference into a record the user may reach."""

    def __init__(self, *, actor: Actor, user):
        self.actor = actor
        self.user = user
        self.touched: list = []

    def ref_id(self, type_name: str, ref: Ref, field: str) -> int:
        if ref.id is not None:
            return ref.id
        if ref.ref is None:
            raise ValidationError({field: [_("须填写 id 或 ref。")]})
        made = (
            SyncChange.objects.filter(
                created_ref=ref.ref, user=self.user, status=SyncStatus.APPLIED, target_type=type_name
            )
            .values_list("target_id", flat=True)
            .first()
        )
        if made is None:
            raise ValidationError(
                {field: [ValidationError(_("引用的记录尚未同步或已被拒绝。"), code="unknown_ref")]}
            )
        return made

    def get(self, model, type_name: str, ref: Ref | None, field: str, *, lock: bool = False):
        if ref is None:
            return None
        pk = self.ref_id(type_name, ref, field)
        queryset = model.objects.visible_to(self.user)
        if model is StandardAddress:
            queryset = queryset.select_related("grid")  # the services check the address's grid
        if lock:
            queryset = queryset.select_for_update()
        obj = queryset.filter(pk=pk).first()
        if obj is None:
            raise ValidationError({field: [ValidationError(_("所选记录不存在。"), code="not_found")]})
        return obj

    def touch(self, *objs) -> None:
        self.touched.extend(o for o in objs if o is not None)


def check_version(
    ctx: Context, type_name: str, obj, base_version: int | None, by_ref: bool, force: bool
) -> None:
    """A conflict is a change to the record, since the version the device saw, by anyone but this device."""
    if force:
        return
    if base_version is None:
        if not by_ref:
            raise ValidationError({"base_version": [_("修改已有记录须带上读取时的版本号。")]})
        base_version = 1
    if base_version > obj.version:
        raise ValidationError({"base_version": [_("版本号大于记录的当前版本。")]})
    if base_version == obj.version:
        return
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    # Each change (or end) bumps the version by one and writes one row: the rows after the base's are the
    # changes the device has not seen.
    later = ChangeRecord.objects.filter(
        content_type=content_type, object_id=obj.pk, action__in=[ChangeAction.CHANGE, ChangeAction.END]
    ).order_by("id")[base_version - 1 :]
    if any(
        user_id != ctx.user.pk or device != ctx.actor.device
        for user_id, device in later.values_list("user_id", "device")
    ):
        raise Conflict(target_type=type_name, obj=obj, base_version=base_version)


def _sent(payload: BaseModel, exclude=("visit",)) -> dict:
    return {k: getattr(payload, k) for k in payload.model_fields_set if k not in exclude}


def _mark(ctx: Context, payload, *, person=None, house=None) -> None:
    visit = ctx.get(Visit, "visit", getattr(payload, "visit", None), "visit")
    if person is not None and person.status == "active":
        ctx.touch(services.person_verify(actor=ctx.actor, person=person, visit=visit))
    if house is not None and house.ended_on is None:
        ctx.touch(services.house_verify(actor=ctx.actor, house=house, visit=visit))


def op_visit_record(ctx, target, p: VisitPayload, _obj):
    address = ctx.get(StandardAddress, "address", p.address, "address")
    task = ctx.get(Task, "task", p.task, "task", lock=True)
    visit = services.visit_record(
        actor=ctx.actor,
        address=address,
        outcome=p.outcome,
        visited_at=p.visited_at,
        latitude=p.latitude,
        longitude=p.longitude,
        accuracy_m=p.accuracy_m,
        note=p.note,
        task=task,
        task_result=p.task_result,
        cannot_reason=p.cannot_reason,
    )
    if task is not None:
        task.refresh_from_db()
    ctx.touch(visit, task)
    return visit


def op_task_start(ctx, target, p, task):
    services.task_start(actor=ctx.actor, task=task)
    return task


def op_task_done(ctx, target, p: TaskDonePayload, task):
    services.task_done(actor=ctx.actor, task=task, note=p.note)
    return task


def op_task_cannot(ctx, target, p: ReasonPayload, task):
    services.task_cannot(actor=ctx.actor, task=task, reason=p.reason)
    return task


def op_person_create(ctx, target, p: PersonCreatePayload, _obj):
    grid = ctx.get(Area, "grid", p.grid, "grid")
    fields = {k: v for k, v in _sent(p, ("visit", "grid")).items() if v is not None}
    person = people.person_create(actor=ctx.actor, grid=grid, **fields)
    _mark(ctx, p, person=person)
    return person


def op_person_update(ctx, target, p: PersonFields, person):
    fields = {k: ("" if v is None and k != "birth_date" else v) for k, v in _sent(p).items()}
    people.person_update(actor=ctx.actor, person=person, **fields)
    _mark(ctx, p, person=person)
    return person


def op_person_verify(ctx, target, p: InVisit, person):
    _mark(ctx, p, person=person)
    return person


def op_person_end(ctx, target, p: EndPayload, person):
    people.person_deregister(actor=ctx.actor, person=person, reason=p.reason, on=p.on)
    ctx.touch(*person.residences.all())
    return person


def op_residence_create(ctx, target, p: ResidenceCreatePayload, _obj):
    person = ctx.get(Person, "person", p.person, "person", lock=True)
    house = ctx.get(House, "house", p.house, "house")
    residence = people.residence_create(
        actor=ctx.actor,
        person=person,
        house=house,
        relation=p.relation,
        started_on=p.started_on,
        is_primary=p.is_primary,
    )
    person.refresh_from_db()
    _mark(ctx, p, person=person)
    ctx.touch(person)
    return residence


def op_residence_end(ctx, target, p: EndPayload, residence):
    people.residence_end(actor=ctx.actor, residence=residence, reason=p.reason, on=p.on)
    _mark(ctx, p, person=residence.person)
    return residence


def _house_fields(p: HouseFields, exclude=("visit",)) -> dict:
    fields = _sent(p, exclude)
    for name in ("owner_name", "owner_phone"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    if fields.get("floor_area") is not None:
        fields["floor_area"] = round(__import__("decimal").Decimal(str(fields["floor_area"])), 2)
    return fields


def op_house_create(ctx, target, p: HouseCreatePayload, _obj):
    address = ctx.get(StandardAddress, "address", p.address, "address")
    fields = {k: v for k, v in _house_fields(p, ("visit", "address")).items() if v is not None}
    house = housing.house_create(actor=ctx.actor, address=address, **fields)
    _mark(ctx, p, house=house)
    return house


def op_house_update(ctx, target, p: HouseFields, house):
    housing.house_update(actor=ctx.actor, house=house, **_house_fields(p))
    _mark(ctx, p, house=house)
    return house


def op_house_verify(ctx, target, p: InVisit, house):
    _mark(ctx, p, house=house)
    return house


# op → (target type, payload schema, handler, creates a record, checks the base version)
OPS: dict[str, tuple[str, type[BaseModel], Any, bool, bool]] = {
    "visit.record": ("visit", VisitPayload, op_visit_record, True, False),
    "task.start": ("task", Empty, op_task_start, False, False),
    "task.done": ("task", TaskDonePayload, op_task_done, False, False),
    "task.cannot": ("task", ReasonPayload, op_task_cannot, False, False),
    "person.create": ("person", PersonCreatePayload, op_person_create, True, False),
    "person.update": ("person", PersonFields, op_person_update, False, True),
    "person.verify": ("person", InVisit, op_person_verify, False, False),
    "person.end": ("person", EndPayload, op_person_end, False, True),
    "residence.create": ("residence", ResidenceCreatePayload, op_residence_create, True, False),
    "residence.end": ("residence", EndPayload, op_residence_end, False, True),
    "house.create": ("house", HouseCreatePayload, op_house_create, True, False),
    "house.update": ("house", HouseFields, op_house_update, False, True),
    "house.verify": ("house", InVisit, op_house_verify, False, False),
    "recheck.record": ("task", RecheckPayload, op_recheck_record, False, False),
}


def pydantic_errors(exc: PydanticError, prefix: str = "") -> ValidationError:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        name = next((str(p) for p in loc if isinstance(p, str)), NON_FIELD_ERRORS)
        errors.setdefault(prefix + name if name != NON_FIELD_ERRORS else name, []).append(
            pydantic_message(error)
        )
    return ValidationError(errors)


def apply_op(
    *,
    actor: Actor,
    user,
    op: str,
    target: dict,
    base_version,
    payload: dict,
    force: bool = False,
    taken_refs: set | None = None,
):
    """Run one op through the services; returns (target record, context). Raises Conflict, ValidationError …

    `taken_refs`: refs already used by a create, when the caller read them for many changes at once.
    """
    if op not in OPS:
        raise ValidationError({"op": [_("未知的操作：%(op)s") % {"op": op[:32]}]})
    type_name, schema, handler, creates, versioned = OPS[op]
    try:
        target_ref = Ref.model_validate({k: v for k, v in target.items() if k != "type"})
    except PydanticError as exc:
        raise pydantic_errors(exc, "target.") from exc
    if target.get("type") != type_name:
        raise ValidationError(
            {"target": [_("操作 %(op)s 的对象类型须为 %(t)s。") % {"op": op, "t": type_name}]}
        )
    try:
        data = schema.model_validate(payload)
    except PydanticError as exc:
        raise pydantic_errors(exc) from exc
    ctx = Context(actor=actor, user=user)
    obj = None
    if creates:
        if target_ref.ref is None or target_ref.id is not None:
            raise ValidationError({"target": [_("新建记录须带上设备生成的 ref。")]})
        if (
            target_ref.ref in taken_refs
            if taken_refs is not None
            else SyncChange.objects.filter(created_ref=target_ref.ref).exists()
        ):
            raise ValidationError({"target": [_("该 ref 已被另一项变更使用。")]})
    else:
        model = RECORD_TYPES[type_name].model
        obj = ctx.get(model, type_name, target_ref, "target", lock=True)
        if versioned:
            check_version(ctx, type_name, obj, base_version, target_ref.id is None, force)
    result = handler(ctx, target, data, obj)
    if not creates:
        # The services may have changed it through another instance (a task closed by a visit, a deregistration).
        result.refresh_from_db()
    ctx.touch(result)
    return result, ctx, target_ref


# --- push -----------------------------------------------------------------------------------------------------


def payload_hash(change: ChangeIn) -> str:
    body = {
        "op": change.op,
        "target": change.target,
        "base_version": change.base_version,
        "payload": change.payload,
        "made_at": change.made_at.isoformat() if change.made_at else None,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", errors="backslashreplace")).hexdigest()


def _answer_to_repeat(stored: SyncChange, digest: str, uuid: str) -> dict:
    if stored.payload_hash != digest:
        return {
            "uuid": uuid,
            "status": "refused",
            "code": 409,
            "detail": _("该变更编号已用于另一项不同的变更。"),
        }
    return {**stored.result, "duplicate": True}


def _records(ctx: Context, user) -> list[dict]:
    """The touched records as the device should now hold them (those it may keep), read afresh once per type."""
    wanted: dict[str, list[int]] = {}
    for obj in ctx.touched:
        kind = MODEL_TYPES.get(type(obj))
        if kind is not None and obj.pk not in wanted.setdefault(kind.name, []):
            wanted[kind.name].append(obj.pk)
    fresh = {
        (name, obj.pk): obj
        for name, pks in wanted.items()
        for obj in RECORD_TYPES[name].pull_scope(user).filter(pk__in=pks)
    }
    return [
        record(name, fresh[name, pk]) for name, pks in wanted.items() for pk in pks if (name, pk) in fresh
    ]


def _rejection(exc: Exception) -> dict:
    if isinstance(exc, PermissionDenied):
        return {"code": 403, "detail": str(exc) or _("您的角色无权执行此操作。"), "errors": {}}
    if isinstance(exc, ObjectDoesNotExist | Http404):
        return {"code": 404, "detail": _("未找到"), "errors": {}}
    from wangge.core.api import validation_error_body

    body = validation_error_body(exc)
    codes = {e.code for errors in getattr(exc, "error_dict", {}).values() for e in errors}
    code = "unknown_ref" if "unknown_ref" in codes else 404 if codes == {"not_found"} else 422
    return {"code": code, **body}


def apply_change(
    *,
    user,
    device: str,
    ip: str | None,
    change: ChangeIn,
    known: dict | None = None,
    taken_refs: set | None = None,
) -> dict:
    """`known`, `taken_refs`: the push's uuids already stored and refs already used by a create, each read in
    one query for the whole push; None to look them up per change."""
    uuid = str(change.uuid)
    digest = payload_hash(change)
    if known is None:
        stored = SyncChange.objects.filter(uuid=change.uuid).first()
    else:
        stored = known.get(change.uuid)
    if stored is not None:
        return _answer_to_repeat(stored, digest, uuid)
    actor = Actor(user=user, source=Source.FIELD, ip=ip, device=device)

    def store(status: str, result: dict, target_id=None, created_ref=None) -> SyncChange:
        return SyncChange.objects.create(
            uuid=change.uuid,
            user=user,
            device=device,
            op=change.op[:32],
            target_type=str(change.target.get("type", ""))[:16],
            target_id=target_id,
            created_ref=created_ref,
            payload_hash=digest,
            status=status,
            result=result,
            made_at=change.made_at,
        )

    try:
        # An applied change and its ledger row commit together; a change that fails is rolled back whole and
        # its answer stored on its own (one transaction, no savepoint, on the path most changes take).
        conflict = None
        try:
            with transaction.atomic():
                obj, ctx, target_ref = apply_op(
                    actor=actor,
                    user=user,
                    op=change.op,
                    target=change.target,
                    base_version=change.base_version,
                    payload=change.payload,
                    taken_refs=taken_refs,
                )
                kind = MODEL_TYPES[type(obj)]
                created_ref = target_ref.ref if OPS[change.op][3] else None
                records = _records(ctx, user)
                fresh = {r["id"]: r["version"] for r in records if r["type"] == kind.name}
                target = {"type": kind.name, "id": obj.pk, "version": fresh.get(obj.pk, kind.version(obj))}
                if target_ref.ref is not None:
                    target["ref"] = str(target_ref.ref)
                result = {
                    "uuid": uuid,
                    "status": "applied",
                    "duplicate": False,
                    "target": target,
                    "records": records,
                    "warnings": [str(w) for w in getattr(obj, "warnings", [])],
                }
                store(SyncStatus.APPLIED, result, obj.pk, created_ref)
            if created_ref is not None and taken_refs is not None:
                taken_refs.add(created_ref)
            return result
        except Conflict as exc:
            conflict = exc
            status, result, target_id = SyncStatus.CONFLICT, {}, exc.obj.pk
        except (ValidationError, PermissionDenied, ObjectDoesNotExist, Http404) as exc:
            status, target_id = SyncStatus.REJECTED, None
            result = {"uuid": uuid, "status": "rejected", "duplicate": False, **_rejection(exc)}
        with transaction.atomic():
            stored = store(status, result, target_id)
            if conflict is not None:
                stored.result = _record_conflict(stored, conflict, change, uuid)
                stored.save(update_fields=["result"])
            return stored.result
    except IntegrityError:
        # The same uuid committed by a concurrent request (a retry racing the original), or a unique rule raced.
        stored = SyncChange.objects.filter(uuid=change.uuid).first()
        if stored is not None:
            return _answer_to_repeat(stored, digest, uuid)
        return {"uuid": uuid, "status": "retry", "detail": _("与其他人同时提交的数据冲突，请稍后重试。")}
    except DatabaseError:
        return {"uuid": uuid, "status": "retry", "detail": _("服务器暂时无法处理，请稍后重试。")}


def _record_conflict(stored: SyncChange, exc: Conflict, change: ChangeIn, uuid: str) -> dict:
    obj = exc.obj
    grid = obj.house.grid if isinstance(obj, Residence) else obj.grid
    conflict = SyncConflict.objects.create(
        change=stored,
        grid=grid,
        target_type=exc.target_type,
        target_id=obj.pk,
        base_version=exc.base_version,
        server_version=obj.version,
        server_values=field_values(obj),
        payload=change.payload,
    )
    from wangge.core.services import record_change

    record_change(
        actor=Actor(user=stored.user, source=Source.FIELD, device=stored.device),
        instance=conflict,
        action=ChangeAction.CREATE,
        changes={"target": [None, f"{exc.target_type}:{obj.pk}"], "op": [None, change.op]},
    )
    return {
        "uuid": uuid,
        "status": "conflict",
        "duplicate": False,
        "conflict_id": conflict.pk,
        "detail": _("记录已被他人修改，已提交网格长处理。"),
        "target": {"type": exc.target_type, "id": obj.pk, "version": obj.version},
    }


def push(*, user, device: str, ip: str | None, changes: list[ChangeIn]) -> list[dict]:
    """Changes in device order; once one must be retried, the rest wait for it.

    A later change may build on the retried one (edit the person it creates, close the task it starts):
    applied without it, such a change would be rejected for good as an unknown ref or in the wrong state.
    """
    with scope_held(user):
        return _push(user=user, device=device, ip=ip, changes=changes)


def _uuids(values: list[str]) -> list[uuidlib.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuidlib.UUID(value))
        except ValueError:
            pass  # the change itself is rejected on its target
    return out


def _push(*, user, device: str, ip: str | None, changes: list[ChangeIn]) -> list[dict]:
    results: list[dict] = []
    refs = [
        c.target.get("ref")
        for c in changes
        if c.op in OPS and OPS[c.op][3] and isinstance(c.target.get("ref"), str)
    ]
    try:
        known = {c.uuid: c for c in SyncChange.objects.filter(uuid__in=[c.uuid for c in changes])}
        taken_refs = set(
            SyncChange.objects.filter(created_ref__in=_uuids(refs)).values_list("created_ref", flat=True)
        )
    except DatabaseError:
        # Each change then looks itself up, and answers retry while the database is away.
        known = taken_refs = None
    sent: set = set()
    for change in changes:
        if results and results[-1]["status"] == "retry":
            results.append(
                {
                    "uuid": str(change.uuid),
                    "status": "retry",
                    "detail": _("前面的变更须重试，本项随后一并重发。"),
                }
            )
        else:
            # A uuid sent twice in one push: the second one finds what the first stored.
            lookup = None if change.uuid in sent else known
            sent.add(change.uuid)
            results.append(
                apply_change(
                    user=user, device=device, ip=ip, change=change, known=lookup, taken_refs=taken_refs
                )
            )
    return results


# --- pull -----------------------------------------------------------------------------------------------------


def scope_fingerprint(user, grid_ids: list[int], teams: list[int]) -> str:
    body = json.dumps([user.pk, user.role, grid_ids, teams])
    return hashlib.sha256(body.encode()).hexdigest()[:24]


# Cursors of another layout (before the feed was filed by grid) read as unknown: the device starts afresh.
CURSOR_LAYOUT = 2


def encode_cursor(state: dict) -> str:
    return signing.dumps(state, salt=CURSOR_SALT, compress=True)


def decode_cursor(raw: str, user, fingerprint: str) -> dict | None:
    if not raw:
        return None
    try:
        state = signing.loads(raw, salt=CURSOR_SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(state, dict)
        or state.get("v") != CURSOR_LAYOUT
        or state.get("u") != user.pk
        or state.get("s") != fingerprint
        or not isinstance(state.get("h"), int)
    ):
        return None
    return state


TYPE_ORDER = list(RECORD_TYPES)


def _bootstrap_page(user, state: dict, limit: int) -> tuple[list[dict], dict | None]:
    """Records of the pull scope, type by type in id order; returns the next boot position or None when done."""
    index, after = state["b"]
    out: list[dict] = []
    while index < len(TYPE_ORDER) and len(out) < limit:
        kind = RECORD_TYPES[TYPE_ORDER[index]]
        batch = list(kind.pull_scope(user).filter(pk__gt=after).order_by("pk")[: limit - len(out)])
        out.extend(record(kind.name, obj) for obj in batch)
        if len(out) < limit:
            index, after = index + 1, 0
        else:
            after = batch[-1].pk
    return out, None if index >= len(TYPE_ORDER) else {"b": [index, after]}


def _changes_page(user, entries: list[tuple]) -> tuple[list[dict], list[dict]]:
    """Feed entries as records the device keeps, and removals of those it may no longer keep.

    An entry of the worker's grids (or naming the worker) whose record is not in the pull scope now has left
    it: ended, moved to another grid, given to someone else.
    """
    by_type: dict[str, set[int]] = {}
    for _id, name, object_id in entries:
        if name in RECORD_TYPES:
            by_type.setdefault(name, set()).add(object_id)
    records, removed = [], []
    for name in TYPE_ORDER:
        ids = by_type.get(name)
        if not ids:
            continue
        kept = {obj.pk: obj for obj in RECORD_TYPES[name].pull_scope(user).filter(pk__in=ids)}
        records.extend(record(name, kept[pk]) for pk in sorted(kept))
        removed.extend({"type": name, "id": pk} for pk in sorted(ids - kept.keys()))
    return records, removed


def me_block(user, grids: list[Area], teams: list[int]) -> dict:
    grids = grids[:500]
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name or user.username,
        "role": user.role,
        "phone": user.phone,
        "grids": [{"id": g.pk, "code": g.code, "name": g.name, "kind": g.kind} for g in grids],
        "team_ids": teams,
    }


def pull(*, user, cursor: str, limit: int = DEFAULT_PULL_LIMIT) -> dict:
    # The grids of the scope, read once: for the scope itself, the fingerprint and the "me" block.
    grids = list(
        Area.objects.filter(pk__in=visible_grid_ids(user)).only("pk", "code", "name", "kind").order_by("code")
    )
    with scope_held(user, [g.pk for g in grids]):
        return _pull(user=user, grids=grids, cursor=cursor, limit=limit)


def _pull(*, user, grids: list[Area], cursor: str, limit: int) -> dict:
    from wangge.collection.shifts import grid_hours, shift_at

    grid_ids = sorted(g.pk for g in grids)
    teams = services.team_ids(user)
    fingerprint = scope_fingerprint(user, grid_ids, teams)
    feed.index_feed()
    state = decode_cursor(cursor, user, fingerprint)
    reset = bool(cursor) and state is None
    records: list[dict] = []
    removed: list[dict] = []
    if state is None:
        # Everything filed up to here is in what the bootstrap reads; what is filed later comes after it.
        state = {"v": CURSOR_LAYOUT, "u": user.pk, "s": fingerprint, "h": feed.feed_end(), "b": [0, 0]}
    if state.get("b"):
        records, boot = _bootstrap_page(user, state, limit)
        state["b"] = boot["b"] if boot else None
        more = boot is not None
    else:
        entries = feed.read_entries(user=user, grid_ids=grid_ids, after=state["h"], limit=limit)
        more = len(entries) > limit
        entries = entries[:limit]
        if entries:
            state["h"] = entries[-1][0]
        records, removed = _changes_page(user, entries)
    me = me_block(user, grids, teams)
    hours = grid_hours([g["id"] for g in me["grids"]])
    now = timezone.now()
    return {
        "cursor": encode_cursor(state),
        "more": more,
        "reset": reset,
        "server_time": timezone.localtime(now).isoformat(),
        "me": me,
        "shifts": [
            {"grid_id": gid, "shift": kind, "starts": f"{span[0]:%H:%M}", "ends": f"{span[1]:%H:%M}"}
            for gid, spans in hours.items()
            for kind, span in spans.items()
        ],
        "current_shift": {str(gid): shift_at(spans, now) for gid, spans in hours.items()},
        "records": records,
        "removed": removed,
    }
