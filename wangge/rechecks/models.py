"""Field re-checks (实地抽查, R-31) and cross-checks (交叉检查, R-32): rounds, sampled items and their findings."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.models import RecordDeletionForbidden, RegisterRecord
from wangge.core.scoping import ScopedQuerySet
from wangge.rechecks.choices import ItemState, RecordKind, RoundKind, RoundState, Verdict

# The percent a round may sample; the report asks for 5–10 %, the platform allows a wider range.
PERCENT_MIN = getattr(settings, "RECHECK_PERCENT_MIN", 1)
PERCENT_MAX = getattr(settings, "RECHECK_PERCENT_MAX", 50)


class RoundQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Rounds over an area inside the user's scope, and rounds with an item the user sees (a street admin
        sees the district's round through their grids' items; a checker from elsewhere through their items)."""
        from wangge.accounts.scope import visible_area_q
        from wangge.areas.models import Area

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        areas = Area.objects.filter(visible_area_q(user)).values("pk")
        items = RecheckItem.objects.visible_to(user).values("round_id")
        return self.filter(Q(area__in=areas) | Q(pk__in=items))


class RecheckRound(RegisterRecord):
    """抽查轮次: one period's re-check of an area (random) or of paired areas checking each other (cross).

    Cancelling ends it (ended_on, end_reason) with state `cancelled`; its items and findings stay.
    """

    kind = models.CharField(_("类型"), max_length=8, choices=RoundKind.choices, default=RoundKind.RANDOM)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("抽查区域")
    )
    period_start = models.DateField(_("采集期开始"))
    period_end = models.DateField(_("采集期结束"))
    percent = models.DecimalField(
        _("抽样比例（%）"),
        max_digits=4,
        decimal_places=1,
        default=5,
        validators=[MinValueValidator(PERCENT_MIN), MaxValueValidator(PERCENT_MAX)],
    )
    threshold = models.DecimalField(
        _("合格线（%）"),
        max_digits=4,
        decimal_places=1,
        default=90,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # The same seed draws the same records, so anyone can re-run the draw and check it was not hand-picked.
    seed = models.PositiveIntegerField(_("随机种子"))
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=RoundState.choices, default=RoundState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(_("抽样时间"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("评定时间"), null=True, blank=True)

    objects = RoundQuerySet.as_manager()
    scope_path = "area"

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("抽查轮次")
        verbose_name_plural = _("抽查轮次")

    def __str__(self) -> str:
        return self.name or f"{self.area.name} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("结束日期不能早于开始日期。")})

    @property
    def batch(self) -> str:
        return f"recheck-{self.pk}"

    @property
    def recollect_batch(self) -> str:
        return f"recollect-{self.pk}"


class CrossCheckPair(models.Model):
    """交叉检查配对: one direction of a cross-check, the checker area's workers checking the checked area."""

    round = models.ForeignKey(RecheckRound, on_delete=models.PROTECT, related_name="pairs")
    checker_area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("检查方")
    )
    checked_area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("被检查方")
    )

    class Meta:
        ordering = ["round", "id"]
        verbose_name = _("交叉检查配对")
        verbose_name_plural = _("交叉检查配对")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "checker_area", "checked_area"], name="cross_pair_once_per_round"
            ),
            models.CheckConstraint(
                condition=~Q(checker_area=models.F("checked_area")), name="cross_pair_two_areas"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checker_area.name} → {self.checked_area.name}"


class ItemQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Items in the user's grids, and the items the user was given to check wherever they are: a checker
        from another grid must find their work."""
        from wangge.accounts.scope import visible_grid_ids

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(Q(grid__in=visible_grid_ids(user)) | Q(checker=user))


class RecheckItem(models.Model):
    """抽查项: one sampled record (a person or a house), what it said when drawn, who collected it, who checks it.

    The snapshot is the register's values at draw time: the checker compares the field with them, and later
    edits to the record cannot change what was being checked.
    """

    round = models.ForeignKey(RecheckRound, on_delete=models.PROTECT, related_name="items")
    pair = models.ForeignKey(
        CrossCheckPair, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    grid = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("采集网格")
    )
    kind = models.CharField(_("类别"), max_length=8, choices=RecordKind.choices)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    house = models.ForeignKey(
        "housing.House", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Where the checker goes: the person's home (current primary residence) or the house's address.
    address = models.ForeignKey(
        "addresses.StandardAddress", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField(_("抽样时的登记值"), default=dict)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("采集人"),
    )
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recheck_items",
        verbose_name=_("抽查人"),
    )
    task = models.OneToOneField(
        "collection.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="recheck_item"
    )
    state = models.CharField(_("状态"), max_length=16, choices=ItemState.choices, default=ItemState.PENDING)
    checked_at = models.DateTimeField(_("抽查时间"), null=True, blank=True)
    checked_on = models.DateField(_("抽查日期"), null=True, blank=True)
    # Wholly right: every checked field right. None until recorded.
    is_right = models.BooleanField(_("全部正确"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    end_reason = models.CharField(_("取消原因"), max_length=500, blank=True)

    objects = ItemQuerySet.as_manager()
    scope_path = "grid"

    class Meta:
        ordering = ["round", "grid", "kind", "id"]
        verbose_name = _("抽查项")
        verbose_name_plural = _("抽查项")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "kind", "person"],
                condition=Q(person__isnull=False),
                name="recheck_person_once_per_round",
            ),
            models.UniqueConstraint(
                fields=["round", "kind", "house"],
                condition=Q(house__isnull=False),
                name="recheck_house_once_per_round",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "checked_on", "grid"]),
            models.Index(fields=["checker", "state"]),
            models.Index(fields=["collector", "checked_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.snapshot.get('name') or self.snapshot.get('house_code', '')}"

    def delete(self, *args, **kwargs):
        raise RecordDeletionForbidden("re-check items are cancelled, never deleted")

    @property
    def record(self):
        return self.person if self.kind == RecordKind.PERSON else self.house

    @property
    def is_overdue(self) -> bool:
        due = self.round.due_on
        return self.state == ItemState.PENDING and bool(due and due < timezone.localdate())


class RecheckFinding(models.Model):
    """抽查结论: one field of one item, right, wrong, or wrong and corrected on the spot."""

    item = models.ForeignKey(RecheckItem, on_delete=models.PROTECT, related_name="findings")
    field = models.CharField(_("字段"), max_length=32)
    verdict = models.CharField(_("结论"), max_length=16, choices=Verdict.choices)
    recorded = models.CharField(_("登记值"), max_length=500, blank=True)
    found = models.CharField(_("实地值"), max_length=500, blank=True)

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("抽查结论")
        verbose_name_plural = _("抽查结论")
        constraints = [models.UniqueConstraint(fields=["item", "field"], name="one_finding_per_field")]

    def __str__(self) -> str:
        return f"{self.field}: {self.get_verdict_display()}"

    def delete(self, *args, **kwargs):
        raise RecordDeletionForbidden("findings are kept, never deleted")


class GridResult(models.Model):
    """网格抽查结果: a grid's accuracy in one round, as evaluated; `flagged` when under the round's threshold.

    Stored, so the list of grids to re-collect does not move when the threshold setting changes later.
    """

    round = models.ForeignKey(RecheckRound, on_delete=models.PROTECT, related_name="results")
    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    sampled = models.PositiveIntegerField(_("抽样数"), default=0)
    checked = models.PositiveIntegerField(_("已抽查"), default=0)
    right = models.PositiveIntegerField(_("全部正确"), default=0)
    accuracy = models.DecimalField(_("准确率（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    flagged = models.BooleanField(_("低于合格线"), default=False)
    recollect_tasks = models.PositiveIntegerField(_("重新采集任务数"), default=0)
    evaluated_at = models.DateTimeField(_("评定时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "grid"

    class Meta:
        ordering = ["round", "grid__code"]
        verbose_name = _("网格抽查结果")
        verbose_name_plural = _("网格抽查结果")
        constraints = [
            models.UniqueConstraint(fields=["round", "grid"], name="one_result_per_grid_and_round")
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.accuracy}"


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, end+1 00:00) in the local time zone, for created_at comparisons."""
    tz = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return first, after
