"""Writes of anomaly data: runs of the rules, and people resolving or dismissing what they found."""

import logging
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.scope import visible_grid_ids
from wangge.anomalies.choices import (
    LIVE_STATES,
    STATE_TRANSITIONS,
    AnomalyState,
    RunState,
    RunTrigger,
    Subject,
)
from wangge.anomalies.models import Anomaly, AnomalyRun
from wangge.anomalies.rules import Finding, all_rules, rule_for
from wangge.areas.models import Area, AreaLevel
from wangge.collection.services import require_supervisor
from wangge.core.actor import Actor
from wangge.core.bulk import chunks
from wangge.core.forms import REASON_MAX_LENGTH
from wangge.core.services import reject_bad_text, require_edit, require_in_scope, update_record

logger = logging.getLogger(__name__)

SUMMARY_LENGTH = Anomaly._meta.get_field("summary").max_length
KEY_CHUNK = 500
ID_CHUNK = 5000


# --- runs --------------------------------------------------------------------------------------------------


def run_grids(*, user, area: Area | None) -> QuerySet:
    """The collection grids a run covers: the area's (or all), and never more than its starter may see."""
    grids = Area.objects.filter(level=AreaLevel.GRID)
    if area is not None:
        grids = grids.filter(code__startswith=area.code)
    if user is not None:
        grids = grids.filter(pk__in=visible_grid_ids(user))
    return grids


def _check_request(actor: Actor, area: Area | None, rules) -> list[str]:
    require_supervisor(actor)
    if area is not None and actor.user is not None:
        if not Area.objects.visible_to(actor.user).filter(pk=area.pk).exists():
            raise ValidationError({"area": [_("所选记录不存在。")]})
    rules = list(rules or [])
    unknown = [code for code in rules if rule_for(code) is None]
    if unknown:
        raise ValidationError(
            {"rules": [_("没有这条规则：%(codes)s。") % {"codes": "、".join(map(str, unknown))}]}
        )
    return rules


def _new_run(actor: Actor, area: Area | None, rules: list[str], trigger: str, state: str) -> AnomalyRun:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    return AnomalyRun.objects.create(trigger=trigger, state=state, area=area, rules=rules, by=user)


def anomalies_run(
    *, actor: Actor, area: Area | None = None, rules=None, trigger: str = RunTrigger.MANUAL, today=None
) -> AnomalyRun:
    """Run the rules (all, or the codes in `rules`) over `area` (None: everything the actor sees) now, and
    bring the anomaly items up to date. Each rule commits on its own, so a long district run never holds one
    write transaction for minutes, and a rule that fails leaves the others' results in place."""
    rules = _check_request(actor, area, rules)
    run = _new_run(actor, area, rules, trigger, RunState.RUNNING)
    return run_execute(run=run, actor=actor, today=today)


def anomalies_request(*, actor: Actor, area: Area | None = None, rules=None) -> AnomalyRun:
    """The same run as a background job (`wangge worker`); the run row shows its progress."""
    rules = _check_request(actor, area, rules)
    run = _new_run(actor, area, rules, RunTrigger.MANUAL, RunState.QUEUED)
    from wangge.anomalies.tasks import execute_run

    execute_run.enqueue(run.pk)
    run.refresh_from_db()
    return run


def run_execute(*, run: AnomalyRun, actor: Actor, today=None) -> AnomalyRun:
    started = time.monotonic()
    run.state = RunState.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["state", "started_at"])
    grids = run_grids(user=run.by, area=run.area)
    # A rule removed from the code between queueing and running is skipped, not a crash.
    selected = [r for r in map(rule_for, run.rules) if r is not None] if run.rules else all_rules()
    try:
        for rule_class in selected:
            run.current_rule = rule_class.code
            run.save(update_fields=["current_rule"])
            t0 = time.monotonic()
            rule = rule_class(today=today)
            findings: dict[str, Finding] = {}
            for finding in rule.find(grids):
                findings.setdefault(finding.key, finding)
            with transaction.atomic():
                counts = apply_findings(run=run, rule=rule_class.code, grids=grids, findings=findings)
            counts["seconds"] = round(time.monotonic() - t0, 3)
            run.counts = {**run.counts, rule_class.code: counts}
            run.save(update_fields=["counts"])
    except Exception as exc:
        logger.exception("anomaly run %s failed", run.pk)
        _finish(run, started, RunState.FAILED, _("运行出错：%(e)s") % {"e": str(exc)[:500]})
        raise
    _finish(run, started, RunState.DONE, "")
    return run


def _finish(run: AnomalyRun, started: float, state: str, message: str) -> None:
    run.state = state
    run.message = message
    run.current_rule = ""
    run.finished_at = timezone.now()
    run.seconds = round(time.monotonic() - started, 3)
    run.save(update_fields=["state", "message", "current_rule", "finished_at", "seconds"])


def _subject_fields(finding: Finding) -> dict:
    return {
        "subject": finding.subject,
        "person_id": finding.subject_id if finding.subject == Subject.PERSON else None,
        "house_id": finding.subject_id if finding.subject == Subject.HOUSE else None,
        "address_id": finding.subject_id if finding.subject == Subject.ADDRESS else None,
        "grid_id": finding.grid_id,
        "summary": finding.summary[:SUMMARY_LENGTH],
        "detail": finding.detail,
    }


def apply_findings(*, run: AnomalyRun, rule: str, grids: QuerySet, findings: dict[str, Finding]) -> dict:
    """New keys open new items; keys found again refresh their live item (a dismissed one stays dismissed);
    open items of the run's grids that were not found again are closed as gone. A key whose last item was
    resolved or gone opens a new item: the problem came back."""
    now = timezone.now()
    fields = [
        "pk",
        "key",
        "state",
        "grid_id",
        "subject",
        "person_id",
        "house_id",
        "address_id",
        "summary",
        "detail",
    ]
    live = Anomaly.objects.filter(rule=rule, state__in=LIVE_STATES)
    existing = {row["key"]: row for row in live.filter(grid__in=grids).values(*fields)}
    # A live item kept in a grid outside this run (the person moved) is still the same finding.
    elsewhere = [key for key in findings if key not in existing]
    if elsewhere and not live.exclude(grid__in=grids).exists():
        elsewhere = []
    for part in chunks(elsewhere, KEY_CHUNK):
        existing.update({row["key"]: row for row in live.filter(key__in=part).values(*fields)})

    new, still, changed = [], [], []
    for key, finding in findings.items():
        row = existing.get(key)
        values = _subject_fields(finding)
        if row is None:
            new.append(
                Anomaly(
                    rule=rule,
                    key=key,
                    first_found_at=now,
                    last_found_at=now,
                    first_run=run,
                    last_run=run,
                    **values,
                )
            )
            continue
        still.append(row["pk"])
        if any(row[name] != value for name, value in values.items()):
            changed.append(Anomaly(pk=row["pk"], **values))
    Anomaly.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    for part in chunks(still, ID_CHUNK):
        Anomaly.objects.filter(pk__in=part).update(last_found_at=now, last_run=run)
    if changed:
        Anomaly.objects.bulk_update(
            changed,
            ["subject", "person_id", "house_id", "address_id", "grid_id", "summary", "detail"],
            batch_size=1000,
        )
    gone = [
        row["pk"]
        for key, row in existing.items()
        if key not in findings and row["state"] == AnomalyState.OPEN
    ]
    reason = _("系统：第 %(run)s 次异动检查未再发现，自动关闭。") % {"run": run.pk}
    for part in chunks(gone, ID_CHUNK):
        Anomaly.objects.filter(pk__in=part, state=AnomalyState.OPEN).update(
            state=AnomalyState.GONE, resolved_at=now, reason=reason, last_run=run
        )
    return {"found": len(findings), "new": len(new), "still": len(still), "gone": len(gone)}


# --- resolving ----------------------------------------------------------------------------------------------


def _close(*, actor: Actor, anomaly: Anomaly, state: str, reason: str) -> Anomaly:
    require_edit(actor)
    require_in_scope(actor, anomaly.grid, "anomaly")
    reject_bad_text({"reason": reason})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写处理说明。")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": [_("最多 %(n)s 个字符。") % {"n": REASON_MAX_LENGTH}]})
    anomaly = Anomaly.objects.select_for_update().get(pk=anomaly.pk)
    if state not in STATE_TRANSITIONS[AnomalyState(anomaly.state)]:
        raise ValidationError(
            {"state": [_("该异动当前状态为“%(s)s”，不能再处理。") % {"s": anomaly.get_state_display()}]}
        )
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    update_record(
        anomaly,
        actor=actor,
        fields={"state": state, "resolved_by": user, "resolved_at": timezone.now(), "reason": reason},
        reason=reason,
    )
    return anomaly


@transaction.atomic
def anomaly_resolve(*, actor: Actor, anomaly: Anomaly, reason: str) -> Anomaly:
    """已纠正: the data was wrong and has been put right (say how). If the rule finds it again, it reopens."""
    return _close(actor=actor, anomaly=anomaly, state=AnomalyState.RESOLVED, reason=reason)


@transaction.atomic
def anomaly_dismiss(*, actor: Actor, anomaly: Anomaly, reason: str) -> Anomaly:
    """已排除: the data is right after all (say why); the rule finding it again leaves it dismissed."""
    return _close(actor=actor, anomaly=anomaly, state=AnomalyState.DISMISSED, reason=reason)
