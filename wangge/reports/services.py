"""Writes of the daily report: asking for one, making it (in the background), the nightly run, downloads.

A report row is created through core.services (audited); each move of its state is a change record too, so
the history of a report says who asked for it, when it ran and how it ended. Every download is an export
record, like the exports of the lists.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wangge.areas.models import Area, AreaLevel
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, Source
from wangge.core.services import create_record, record_change
from wangge.quality.selectors import SYSTEM
from wangge.reports.models import TRANSITIONS, DailyReport, ReportState, ReportTrigger
from wangge.reports.selectors import REPORT_LEVELS, report_content, reportable_areas
from wangge.reports.workbook import write_workbook

logger = logging.getLogger(__name__)

EARLIEST_DAY = datetime.date(2000, 1, 1)


def reports_dir():
    return settings.VAR_DIR / "reports"


def nightly_day(now: datetime.datetime | None = None) -> datetime.date:
    """The day the nightly report is for: the day that has just ended (the job runs after midnight)."""
    return timezone.localdate(now) - datetime.timedelta(days=1)


# --- asking for a report -------------------------------------------------------------------------------------


def report_request(*, actor: Actor, area: Area, day: datetime.date) -> DailyReport:
    """手动生成: a report of `area` for `day`, made in the background (`wangge worker`).

    Anyone who sees the whole area may ask: the report changes nothing in the register, and the command
    centre's read-only staff are the ones who mail it. A report of the same area and day that is still
    being made is answered instead of starting a second one.
    """
    if actor.user is None:
        raise ValidationError({"area": [_("手动生成日报须以用户身份进行。")]})
    if area is None or not reportable_areas(user=actor.user).filter(pk=area.pk).exists():
        raise ValidationError({"area": [_("所选记录不存在。")]})
    check_day(day)
    pending = DailyReport.objects.filter(
        area=area, day=day, trigger=ReportTrigger.MANUAL, state__in=[ReportState.QUEUED, ReportState.RUNNING]
    ).first()
    if pending is not None:
        return pending
    report = _create(actor=actor, area=area, day=day, trigger=ReportTrigger.MANUAL)
    start(report)
    report.refresh_from_db()
    return report


def check_day(day) -> None:
    if not isinstance(day, datetime.date):
        raise ValidationError({"day": [_("须为 YYYY-MM-DD 格式的日期。")]})
    if day > timezone.localdate():
        raise ValidationError({"day": [_("统计日期不能晚于今天。")]})
    if day < EARLIEST_DAY:
        raise ValidationError({"day": [_("统计日期不能早于 %(d)s。") % {"d": EARLIEST_DAY}]})


@transaction.atomic
def _create(*, actor: Actor, area: Area, day: datetime.date, trigger: str) -> DailyReport:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    return create_record(
        DailyReport,
        actor=actor,
        area=area,
        day=day,
        trigger=trigger,
        state=ReportState.QUEUED,
        created_by=user,
    )


def start(report: DailyReport) -> None:
    """Hand the report to the worker; if the queue itself cannot take it, the report fails with a sentence."""
    from wangge.reports.tasks import make_report

    try:
        make_report.enqueue(report.pk)
    except Exception:
        logger.exception("report %s: could not enqueue", report.pk)
        _fail(report, Actor.system(source=Source.TASK), _("无法加入后台任务队列，请稍后重试。"))


# --- making it ---------------------------------------------------------------------------------------------


def report_make(*, actor: Actor, report: DailyReport) -> DailyReport:
    """Build the workbook of a queued report. Whatever goes wrong ends the report as failed with a sentence.

    The figures are read with the scope of whoever asked (a manual report) or unscoped (the nightly job):
    a report never shows more than its requester could see on the dashboards.
    """
    report.refresh_from_db()
    if not move(report, actor, ReportState.RUNNING, progress_done=0, progress_total=0):
        return report  # another worker has it, or it is no longer queued
    try:
        user = report.created_by if report.trigger == ReportTrigger.MANUAL else SYSTEM
        fresh_rollups(report.area, report.day)
        relative = (
            f"{report.area.code}/{report.day:%Y%m%d}-{report.trigger}-{report.pk}-{uuid.uuid4().hex[:8]}.xlsx"
        )
        # The workbook is the document the command centre files: Chinese, whoever asked in which language.
        with translation.override("zh-hans"):
            content = report_content(user=user, area=report.area, day=report.day)
            size = write_workbook(
                content, reports_dir() / relative, progress=lambda done, total: _progress(report, done, total)
            )
    except Exception as exc:
        logger.exception("report %s failed", report.pk)
        _fail(report, actor, _failure_message(exc))
    else:
        move(report, actor, ReportState.DONE, file=relative, size=size, finished_at=timezone.now(), error="")
    report.refresh_from_db()
    return report


def fresh_rollups(area: Area, day: datetime.date) -> None:
    """Make the rollup rows of the report's day and the day before final (past days: computed after the day
    ended; today: within QUALITY_FRESH_MINUTES) before reading them.

    The dashboards hand a large stale area to a background refresh and answer from the rows there are; a
    report is a document that is filed and mailed, and this is already a background job, so it waits for
    the real figures instead. After the nightly rollup (settings.NIGHTLY_JOBS, first) this only checks.
    """
    from wangge.quality import rollup
    from wangge.quality.selectors import rollup_state
    from wangge.quality.services import rollup_refresh

    grids = Area.objects.filter(level=AreaLevel.GRID, code__startswith=area.code).count()
    today = timezone.localdate()
    for when in (day - datetime.timedelta(days=1), day):
        state = rollup_state(user=SYSTEM, area=area, day=when)
        if when >= today:
            final_after = timezone.now() - datetime.timedelta(minutes=settings.QUALITY_FRESH_MINUTES)
        else:
            final_after = rollup.day_start(when + datetime.timedelta(days=1))
        if grids and (state["grids"] < grids or state["oldest"] is None or state["oldest"] < final_after):
            rollup_refresh(actor=Actor.system(source=Source.TASK), day_from=when, area=area)


def _failure_message(exc: Exception) -> str:
    from django.http import Http404

    if isinstance(exc, Http404):
        return _("该区域已不在您的管辖范围内。")
    if isinstance(exc, OSError):
        return _("无法写入日报文件：%(e)s") % {"e": exc.strerror or exc}
    return _("生成日报时出错，请稍后重试。")


def _progress(report: DailyReport, done: int, total: int) -> None:
    DailyReport.objects.filter(pk=report.pk).update(progress_done=done, progress_total=total)


def _fail(report: DailyReport, actor: Actor, message: str) -> None:
    report.refresh_from_db()
    move(report, actor, ReportState.FAILED, error=message[:2000], finished_at=timezone.now())


@transaction.atomic
def move(report: DailyReport, actor: Actor, state: str, **fields) -> bool:
    """One state change, only from the state the report is in (two workers never make one report twice),
    recorded as a change of the report."""
    old = report.state
    if state not in TRANSITIONS[ReportState(old)]:
        return False
    if not DailyReport.objects.filter(pk=report.pk, state=old).update(state=state, **fields):
        return False
    report.state = state
    for name, value in fields.items():
        setattr(report, name, value)
    audited = {k: v for k, v in fields.items() if k in ("file", "error")}
    record_change(
        actor=actor,
        instance=report,
        action=ChangeAction.CHANGE,
        changes={"state": [old, state], **{k: ["", v] for k, v in audited.items() if v}},
    )
    return True


# --- the nightly run ---------------------------------------------------------------------------------------


def report_nightly_run(*, actor: Actor, day: datetime.date | None = None) -> list[DailyReport]:
    """夜间日报: the workbook of every district and street for `day` (default: the day just ended).

    Idempotent: an area whose nightly report of that day is done is left alone; one that failed, or was
    left half-made by a worker that stopped, is made again in the same row.
    """
    day = day or nightly_day()
    check_day(day)
    made = []
    for area in Area.objects.filter(level__in=REPORT_LEVELS, ended_on__isnull=True).order_by("code"):
        report = DailyReport.objects.filter(area=area, day=day, trigger=ReportTrigger.NIGHTLY).first()
        if report is None:
            try:
                report = _create(actor=actor, area=area, day=day, trigger=ReportTrigger.NIGHTLY)
            except IntegrityError:
                continue  # a second run of the job made it at the same moment
        elif report.state == ReportState.DONE and report.path and report.path.is_file():
            continue
        else:
            _requeue(report, actor)
        made.append(report_make(actor=actor, report=report))
    return made


@transaction.atomic
def _requeue(report: DailyReport, actor: Actor) -> None:
    old = report.state
    DailyReport.objects.filter(pk=report.pk).update(state=ReportState.QUEUED, error="", finished_at=None)
    report.state = ReportState.QUEUED
    record_change(
        actor=actor, instance=report, action=ChangeAction.CHANGE, changes={"state": [old, ReportState.QUEUED]}
    )


# --- downloads ---------------------------------------------------------------------------------------------


@transaction.atomic
def report_download(*, actor: Actor, report: DailyReport):
    """The finished workbook's path; the download is recorded as an export of the report."""
    path = report.path
    if report.state != ReportState.DONE or path is None or not path.is_file():
        raise ValidationError({"state": [_("日报尚未生成完成，无法下载。")]})
    record_change(
        actor=actor,
        instance=report,
        action=ChangeAction.EXPORT,
        changes={
            "area": report.area.code,
            "day": report.day.isoformat(),
            "format": "xlsx",
            "size": report.size,
        },
    )
    return path
