"""Anomaly data (异动数据, R-33): what the nightly and on-demand runs of the anomaly rules found."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.anomalies.choices import LIVE_STATES, AnomalyState, RunState, RunTrigger, Subject
from wangge.core.models import RecordDeletionForbidden
from wangge.core.scoping import ScopedQuerySet


class RunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Runs over an area the user sees, and the runs they started themselves."""
        from wangge.accounts.scope import visible_area_q
        from wangge.areas.models import Area

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(Q(area__in=Area.objects.filter(visible_area_q(user)).values("pk")) | Q(by=user))


class AnomalyRun(models.Model):
    """异动检查: one pass of the anomaly rules over an area (a district each night, or any area on demand)."""

    trigger = models.CharField(_("触发方式"), max_length=16, choices=RunTrigger.choices)
    state = models.CharField(_("状态"), max_length=16, choices=RunState.choices, default=RunState.QUEUED)
    area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("区域"),
    )
    # The rule codes asked for; empty: every registered rule.
    rules = models.JSONField(_("规则"), default=list, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # {rule code: {"found", "new", "still", "gone", "seconds"}}, filled rule by rule as the run goes.
    counts = models.JSONField(_("各规则结果"), default=dict, blank=True)
    current_rule = models.CharField(_("正在检查"), max_length=64, blank=True)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("异动检查")
        verbose_name_plural = _("异动检查")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_trigger_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING)

    def total(self, name: str) -> int:
        return sum(c.get(name, 0) for c in self.counts.values())

    @property
    def found_total(self) -> int:
        return self.total("found")

    @property
    def new_total(self) -> int:
        return self.total("new")

    def delete(self, *args, **kwargs):
        raise RecordDeletionForbidden("anomaly runs are kept")


class Anomaly(models.Model):
    """异动数据: one finding of one rule about one person, house, address or grid, until someone resolves or
    dismisses it (with a reason) or a later run no longer finds it."""

    rule = models.CharField(_("规则"), max_length=64, db_index=True)
    grid = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("采集网格")
    )
    subject = models.CharField(_("对象类型"), max_length=16, choices=Subject.choices)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("人员"),
    )
    house = models.ForeignKey(
        "housing.House",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("房屋"),
    )
    address = models.ForeignKey(
        "addresses.StandardAddress",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("标准地址"),
    )
    # What makes a finding "the same one" from run to run (e.g. "house:42"); unique among live items of a rule.
    key = models.CharField(_("标识"), max_length=200)
    summary = models.CharField(_("摘要"), max_length=300)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=AnomalyState.choices, default=AnomalyState.OPEN, db_index=True
    )
    first_found_at = models.DateTimeField(_("首次发现"), default=timezone.now)
    last_found_at = models.DateTimeField(_("最近发现"), default=timezone.now)
    first_run = models.ForeignKey(
        AnomalyRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发现于"),
    )
    last_run = models.ForeignKey(
        AnomalyRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("最近检查"),
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    reason = models.TextField(_("处理说明"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "grid"

    class Meta:
        # Newest first. Not by last_found_at: every run touches that on all the items it finds again, so it
        # orders nothing and would make each page sort hundreds of thousands of rows.
        ordering = ["-id"]
        verbose_name = _("异动数据")
        verbose_name_plural = _("异动数据")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "key"],
                condition=Q(state__in=LIVE_STATES),
                name="anomaly_one_live_item_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["grid", "state", "rule"]),
            models.Index(fields=["rule", "state", "key"]),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def rule_title(self) -> str:
        from wangge.anomalies.rules import rule_for

        rule = rule_for(self.rule)
        return str(rule.title) if rule else self.rule

    @property
    def subject_record(self):
        return {
            Subject.PERSON: self.person,
            Subject.HOUSE: self.house,
            Subject.ADDRESS: self.address,
            Subject.AREA: self.grid,
        }.get(self.subject)

    def delete(self, *args, **kwargs):
        raise RecordDeletionForbidden("anomalies are resolved, dismissed or gone, never deleted")
