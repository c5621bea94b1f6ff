"""Field collection (入户采集): tasks, visits, verification marks, shifts, door notes and the sync ledger."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.collection.choices import (
    ConflictState,
    Priority,
    ShiftKind,
    SyncStatus,
    TaskKind,
    TaskState,
    VerificationKind,
    VisitOutcome,
)
from wangge.core.models import RegisterRecord
from wangge.core.scoping import ScopedQuerySet


class Shift(models.Model):
    """班次: when a grid's day or night shift runs; grids without a row use the defaults in shifts.py."""

    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="shifts")
    kind = models.CharField(_("班次"), max_length=8, choices=ShiftKind.choices)
    starts = models.TimeField(_("开始时间"))
    ends = models.TimeField(_("结束时间"))

    objects = ScopedQuerySet.as_manager()
    scope_path = "grid"

    class Meta:
        ordering = ["grid", "kind"]
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        constraints = [models.UniqueConstraint(fields=["grid", "kind"], name="one_shift_kind_per_grid")]

    def __str__(self) -> str:
        return f"{self.grid} {self.get_kind_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class TaskQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Tasks in the user's grids, and tasks assigned to the user wherever they are: a re-check sends a worker
        into another grid (wangge.rechecks), and they must find that task in their list."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        from wangge.accounts.scope import visible_grid_ids

        return self.filter(models.Q(grid__in=visible_grid_ids(user)) | models.Q(assignee=user))


class Task(RegisterRecord):
    """采集任务: one piece of field work on one address (or person, house), for a worker or a grid team.

    Cancelling ends it (ended_on, end_reason) with state `cancelled`; nothing is deleted.
    """

    kind = models.CharField(_("任务类型"), max_length=24, choices=TaskKind.choices)
    state = models.CharField(_("状态"), max_length=16, choices=TaskState.choices, default=TaskState.OPEN)
    grid = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="tasks", verbose_name=_("采集网格")
    )
    address = models.ForeignKey(
        "addresses.StandardAddress",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("标准地址"),
    )
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
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collection_tasks",
        verbose_name=_("负责人"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("工作小组"),
    )
    due_on = models.DateField(_("截止日期"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("优先级"), choices=Priority.choices, default=Priority.NORMAL
    )
    shift = models.CharField(_("班次"), max_length=8, choices=ShiftKind.choices, default=ShiftKind.ANY)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    result_note = models.CharField(_("办理结果"), max_length=500, blank=True)
    batch = models.CharField(_("批次"), max_length=32, blank=True, db_index=True)
    # For a booked visit: the slot the resident chose and how to reach them.
    appointment = models.OneToOneField(
        "collection.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="task"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "priority", "id"]
        verbose_name = _("采集任务")
        verbose_name_plural = _("采集任务")
        indexes = [
            models.Index(fields=["assignee", "state"]),
            models.Index(fields=["team", "state"]),
            models.Index(fields=["grid", "state", "due_on"]),
        ]

    def __str__(self) -> str:
        where = self.address.full_text if self.address_id else ""
        return f"{self.get_kind_display()} {where}".strip()

    @property
    def is_overdue(self) -> bool:
        return self.state in (TaskState.OPEN, TaskState.IN_PROGRESS) and bool(
            self.due_on and self.due_on < timezone.localdate()
        )


class Visit(RegisterRecord):
    """访查: one knock on one door, with what was found, when, where the phone was and who went."""

    address = models.ForeignKey(
        "addresses.StandardAddress",
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("标准地址"),
    )
    grid = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="visits", verbose_name=_("采集网格")
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="visits", verbose_name=_("任务")
    )
    outcome = models.CharField(_("访查结果"), max_length=16, choices=VisitOutcome.choices)
    visited_at = models.DateTimeField(_("访查时间"), default=timezone.now)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("访查人"),
    )
    device = models.CharField(_("设备"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("访查记录")
        verbose_name_plural = _("访查记录")
        indexes = [
            models.Index(fields=["grid", "visited_at"]),
            models.Index(fields=["address", "visited_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.get_outcome_display()}"


class VerificationMark(models.Model):
    """核实记录: a person or house seen in the field and found right (or corrected) on a day, by someone.

    One row per check; the verification rate of a grid over a period counts distinct people / houses here.
    """

    kind = models.CharField(_("类别"), max_length=8, choices=VerificationKind.choices)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    house = models.ForeignKey(
        "housing.House", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="marks")
    verified_at = models.DateTimeField(_("核实时间"), default=timezone.now)
    verified_on = models.DateField(_("核实日期"), default=timezone.localdate)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=16)

    objects = ScopedQuerySet.as_manager()
    scope_path = "grid"

    class Meta:
        ordering = ["-verified_at", "-id"]
        verbose_name = _("核实记录")
        verbose_name_plural = _("核实记录")
        indexes = [
            models.Index(fields=["grid", "verified_on"]),
            models.Index(fields=["person", "verified_on"]),
            models.Index(fields=["house", "verified_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_id or self.house_id} {self.verified_on}"


class DoorNote(models.Model):
    """留言条: the note left on a door; its random token is the only key to the booking page."""

    address = models.ForeignKey("addresses.StandardAddress", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "grid"

    class Meta:
        verbose_name = _("留言条")
        verbose_name_plural = _("留言条")

    def __str__(self) -> str:
        return str(self.address)


class Appointment(models.Model):
    """预约: a resident's chosen time for a visit, booked from a door note without logging in."""

    door_note = models.ForeignKey(DoorNote, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    phone = models.CharField(_("联系电话"), max_length=20)
    note = models.CharField(_("留言"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)

    sensitive_fields = {"phone": "phone"}

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")

    def __str__(self) -> str:
        return f"{self.door_note.address} {self.starts_at:%Y-%m-%d %H:%M}"


class BookingAttempt(models.Model):
    """A resident's try at booking from a door note: counted in the database so the limit holds across processes."""

    door_note = models.ForeignKey(DoorNote, on_delete=models.PROTECT, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["door_note", "at"], name="booking_tries_by_note"),
            models.Index(fields=["ip", "at"], name="booking_tries_by_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.door_note_id} {self.ip} {self.at:%Y-%m-%d %H:%M}"


class SyncDevice(models.Model):
    """A phone that has synced for a user: lets a later 401 say "account disabled" (wipe) rather than
    "log in again" even after the disabled account's tokens are gone."""

    device_id = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("同步设备")
        verbose_name_plural = _("同步设备")
        constraints = [
            models.UniqueConstraint(fields=["device_id", "user"], name="one_row_per_device_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.user}"


class SyncChange(models.Model):
    """已处理的现场变更: one change a device pushed, kept forever so a retry gets the original answer."""

    uuid = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=64)
    op = models.CharField(max_length=32)
    target_type = models.CharField(max_length=16)
    target_id = models.BigIntegerField(null=True, blank=True)
    # The record a create made, under the device's own key: later changes refer to it by this ref.
    created_ref = models.UUIDField(null=True, blank=True, unique=True)
    payload_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=SyncStatus.choices)
    result = models.JSONField()
    made_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("现场变更")
        verbose_name_plural = _("现场变更")
        indexes = [models.Index(fields=["user", "target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.uuid} {self.op} {self.status}"


class SyncConflict(models.Model):
    """同步冲突: a device edited a record someone else had changed meanwhile; a supervisor decides."""

    change = models.OneToOneField(SyncChange, on_delete=models.PROTECT, related_name="conflict")
    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    target_type = models.CharField(max_length=16)
    target_id = models.BigIntegerField()
    base_version = models.PositiveIntegerField(null=True, blank=True)
    server_version = models.PositiveIntegerField()
    # What the record looked like on the server when the conflict was found, for the side-by-side view.
    server_values = models.JSONField(default=dict)
    payload = models.JSONField(default=dict)
    state = models.CharField(
        _("状态"), max_length=16, choices=ConflictState.choices, default=ConflictState.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("处理说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "grid"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("同步冲突")
        verbose_name_plural = _("同步冲突")
        indexes = [models.Index(fields=["state", "grid"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.target_type} {self.target_id}"


def month_start(day: datetime.date | None = None) -> datetime.date:
    """The campaign period defaults to the calendar month."""
    day = day or timezone.localdate()
    return day.replace(day=1)


class FeedIndex(models.Model):
    """One row: how far the sync feed has read the audit table (a gap-aware mark, docs/sync.md).

    Its row lock lets one indexer run at a time, so feed entries commit in id order.
    """

    high = models.BigIntegerField(default=0)
    # [[first id, last id, snapshot xmax when first seen, unix time when first seen], …] of audit ids not seen yet
    gaps = models.JSONField(default=list)
    passes = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.high} ({len(self.gaps)})"


class FeedEntry(models.Model):
    """同步变更流: a record of the pull scope changed, filed under each grid (and task assignee) it concerns.

    A record that moves is filed under its old and its new grid, so the old grid's devices learn to drop it.
    """

    # Only the (grid, id) and (user, id) indexes: a pull is one range scan on one of them.
    grid = models.ForeignKey(
        "areas.Area", null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    type = models.CharField(max_length=16)
    object_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["grid", "id"], name="feed_by_grid"),
            models.Index(fields=["user", "id"], name="feed_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.type}:{self.object_id}"
