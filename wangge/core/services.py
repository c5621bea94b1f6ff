"""The generic write path every app's services build on: validate all, save, write the audit row.

Each function runs inside the caller's transaction; app services wrap them in transaction.atomic so
that a failure anywhere leaves nothing half-saved.
"""

import datetime
import decimal
import enum
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, ChangeRecord, RegisterRecord

AUDIT_SKIP = {"id", "created_at", "updated_at", "version"}


# Values that are JSON as they are: answered first, since an import audits a few million of them.
PLAIN_TYPES = frozenset({str, int, bool, float, type(None)})


def audit_value(value):
    """A JSON-safe form of a field value for the change record."""
    if type(value) in PLAIN_TYPES:
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def field_values(instance: models.Model) -> dict:
    return {
        f.attname: audit_value(getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.attname not in AUDIT_SKIP
    }


def field_diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} of the values that differ (both from field_values)."""
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}


def creation_changes(instance: models.Model) -> dict:
    """What a create record holds: every initial value that is not empty."""
    return {k: [None, v] for k, v in field_values(instance).items() if v not in (None, "")}


def actor_fields(actor: Actor) -> dict:
    """Who acted and from where, as every audit row records it."""
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    return {
        "user_id": user.pk if user is not None else None,
        "username": actor.username,
        "source": actor.source,
        "ip": actor.ip,
        "device": actor.device,
        "file": actor.file,
    }


def record_change(
    *,
    actor: Actor,
    instance: models.Model,
    action: str,
    changes: dict | None = None,
    reason: str = "",
) -> ChangeRecord:
    return ChangeRecord.objects.create(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        action=action,
        changes=changes or {},
        reason=reason,
        **actor_fields(actor),
    )


def reject_bad_text(values: dict) -> None:
    """NUL bytes cannot be stored (PostgreSQL refuses them): name the field instead of failing later."""
    errors = {
        name: [_("不能包含空字符（NUL）。")]
        for name, value in values.items()
        if isinstance(value, str) and "\x00" in value
    }
    if errors:
        raise ValidationError(errors)


def require(actor: Actor, allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def require_edit(actor: Actor) -> None:
    """People edit by role; system actors (commands, tasks, the demo) have no user and act for the system."""
    from wangge.accounts.roles import can_edit

    if actor.user is not None:
        require(actor, can_edit(actor.user))


def require_in_scope(actor: Actor, grid, field: str) -> None:
    """A write may only touch grids the acting user can see; outside reads as "not found", never as "forbidden"."""
    from wangge.accounts.scope import grid_visible

    if actor.user is None or grid is None:
        return
    if not grid_visible(actor.user, grid.pk):
        raise ValidationError({field: [_("所选记录不存在。")]})


def _loaded_relations(model: type[models.Model], fields: dict) -> list[str]:
    """Foreign keys handed over as saved instances, with no choice limit: they were just read, and asking the
    database again whether they exist costs a query each (three per field visit). Uniqueness and constraints
    are still checked in full."""
    names = []
    for name, value in fields.items():
        if not isinstance(value, models.Model) or value._state.adding:
            continue
        field = model._meta.get_field(name)
        if field.many_to_one and not field.remote_field.limit_choices_to:
            names.append(name)
    return names


def create_record(model: type[models.Model], *, actor: Actor, **fields) -> models.Model:
    reject_bad_text(fields)
    instance = model(**fields)
    loaded = _loaded_relations(model, fields)
    instance.full_clean(exclude=loaded, validate_unique=False, validate_constraints=False)
    instance.validate_unique()
    instance.validate_constraints()
    instance.save(force_insert=True)
    record_change(
        actor=actor,
        instance=instance,
        action=ChangeAction.CREATE,
        changes=creation_changes(instance),
    )
    return instance


def update_record(
    instance: models.Model,
    *,
    actor: Actor,
    fields: dict,
    expected_version: int | None = None,
    action: str = ChangeAction.CHANGE,
    reason: str = "",
    exclude_from_clean: Iterable[str] = (),
) -> dict:
    """Apply the given field values; record and return the diff ({} when nothing changed)."""
    reject_bad_text(fields)
    if expected_version is not None and getattr(instance, "version", None) != expected_version:
        raise ValidationError(
            {"version": [_("记录已被他人修改（当前版本 %(v)s），请刷新后再改。") % {"v": instance.version}]}
        )
    before = field_values(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    after = field_values(instance)
    diff = field_diff(before, after)
    if not diff and action == ChangeAction.CHANGE:
        return {}
    instance.full_clean(exclude=list(exclude_from_clean))
    update_fields = [instance._meta.get_field(k).name for k in diff]
    if isinstance(instance, RegisterRecord):
        instance.version += 1
        instance.updated_at = timezone.now()
        update_fields += ["version", "updated_at"]
    instance.save(update_fields=update_fields)
    record_change(actor=actor, instance=instance, action=action, changes=diff, reason=reason)
    return diff


def end_record(
    instance: RegisterRecord, *, actor: Actor, reason: str, on: datetime.date | None = None, **extra
) -> dict:
    """注销: the record stays, with the day and the reason it ended."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写注销原因。")]})
    if instance.ended_on is not None:
        raise ValidationError({"ended_on": [_("该记录已于 %(d)s 注销。") % {"d": instance.ended_on}]})
    on = on or timezone.localdate()
    return update_record(
        instance,
        actor=actor,
        fields={"ended_on": on, "end_reason": reason, **extra},
        action=ChangeAction.END,
        reason=reason,
    )


def reveal_field(instance: RegisterRecord, *, actor: Actor, field: str) -> str:
    """Show one masked value in full to a role that may see it, and record that it was seen."""
    from wangge.accounts.roles import can_reveal

    if field not in instance.sensitive_fields:
        raise ValidationError({"field": [_("字段 %(f)s 不可查看明文。") % {"f": field}]})
    require(actor, can_reveal(actor.user))
    record_change(actor=actor, instance=instance, action=ChangeAction.REVEAL, changes={"field": field})
    return getattr(instance, field) or ""


def history(instance: models.Model):
    """The change records of one record, newest first."""
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=instance.pk,
    ).select_related("user")
