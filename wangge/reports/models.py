"""The daily report (日报): one workbook of a district's or street's rates for one day."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportTrigger(models.TextChoices):
    NIGHTLY = "nightly", _("夜间自动生成")
    MANUAL = "manual", _("手动生成")


class ReportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在生成")
    DONE = "done", _("已生成")
    FAILED = "failed", _("失败")


# The only moves a report makes; a failed nightly report may be tried again by the next run of the job.
TRANSITIONS = {
    ReportState.QUEUED: {ReportState.RUNNING, ReportState.FAILED},
    ReportState.RUNNING: {ReportState.DONE, ReportState.FAILED},
    ReportState.DONE: set(),
    ReportState.FAILED: {ReportState.QUEUED},
}
RUNNING = {ReportState.QUEUED, ReportState.RUNNING}


class DailyReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DailyReportQuerySet":
        """A report shows every grid of its area, so only a user whose scope holds the whole area sees it."""
        from wangge.accounts.scope import visible_area_q
        from wangge.areas.models import Area

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(area__in=Area.objects.filter(visible_area_q(user)).values("pk"))


class DailyReport(models.Model):
    """日报: the workbook of one district or street for one day, made at night or on request."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="daily_reports", verbose_name=_("区域")
    )
    day = models.DateField(_("统计日期"))
    trigger = models.CharField(_("生成方式"), max_length=16, choices=ReportTrigger.choices)
    state = models.CharField(
        _("状态"), max_length=16, choices=ReportState.choices, default=ReportState.QUEUED
    )
    error = models.TextField(_("失败原因"), blank=True)
    # Relative to settings.VAR_DIR / "reports".
    file = models.CharField(_("文件"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    # Sheets written so far out of all sheets: what the progress bar shows while the job runs.
    progress_done = models.PositiveSmallIntegerField(default=0)
    progress_total = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = DailyReportQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "area__code", "-created_at", "-id"]
        verbose_name = _("日报")
        verbose_name_plural = _("日报")
        constraints = [
            # The nightly job makes one report per area and day however often it runs.
            models.UniqueConstraint(
                fields=["area", "day"],
                condition=models.Q(trigger="nightly"),
                name="reports_one_nightly_per_area_day",
            )
        ]
        indexes = [models.Index(fields=["area", "day"])]

    def __str__(self) -> str:
        return f"{self.area} {self.day:%Y-%m-%d} {self.get_trigger_display()}"

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING

    @property
    def path(self):
        return settings.VAR_DIR / "reports" / self.file if self.file else None

    @property
    def download_name(self) -> str:
        return f"{self.area.name}网格化基础信息采集日报-{self.day:%Y%m%d}.xlsx"
