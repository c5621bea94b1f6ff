"""The field app's side of a re-check: the `recheck.record` sync op (docs/sync.md, "Re-checks").

The op targets the item's RECHECK task, a record type the protocol already carries (the answer returns the task,
finished), and names the item in its payload. The findings go to `recheck_record` as the device sent them, so a
bad field is refused with that field's name, exactly as the web form and POST /rechecks/items/{id}/record do.
"""

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import Field

from wangge.core.api import Input, Text
from wangge.rechecks.fields import FIELDS
from wangge.rechecks.models import RecheckItem
from wangge.rechecks.services import recheck_record

# One finding per checked field; the longest list of fields is far below this.
MAX_FINDINGS = 4 * max(len(fields) for fields in FIELDS.values())


class RecheckPayload(Input):
    item: Annotated[int, Field(strict=True, ge=1, le=2**63 - 1)]
    findings: list[dict[str, Any]] = Field(max_length=MAX_FINDINGS)
    note: Text(500) = ""


def op_recheck_record(ctx, target, p: RecheckPayload, task):
    """Record the item's findings as the device's user; the service completes the task."""
    item = RecheckItem.objects.visible_to(ctx.user).filter(pk=p.item).first()
    if item is None:
        raise ValidationError({"item": [ValidationError(_("所选记录不存在。"), code="not_found")]})
    if item.task_id != task.pk:
        raise ValidationError({"item": [_("该抽查项不属于所选任务。")]})
    recheck_record(actor=ctx.actor, item=item, findings=p.findings, note=p.note)
    task.refresh_from_db()
    return task
