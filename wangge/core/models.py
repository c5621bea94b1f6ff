"""Shared pieces only: the change record (the one audit mechanism) and the base of every register record."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.scoping import ScopedQuerySet


class Source(models.TextChoices):
    """Where a change came from; every audit row names one."""

    WEB = "web", _("网页")
    API = "api", _("接口")
    COMMAND = "command", _("命令")
    TASK = "task", _("后台任务")
    IMPORT = "import", _("导入")
    FIELD = "field", _("现场采集")
    DECLARED = "declared", _("自主申报")
    DEMO = "demo", _("演示数据")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新建")
    CHANGE = "change", _("修改")
    END = "end", _("注销")
    REVEAL = "reveal", _("查看明文")
    EXPORT = "export", _("导出")


class ChangeRecord(models.Model):
    """变更记录: who did what to which record, when, from where — field by field.

    Written only by services (never by signals or save()), so a web form, an API call, a command
    and a background task leave exactly the same trail.
    """

    # No index of its own: (content_type, object_id, at) below leads with it.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=16, choices=ChangeAction.choices)
    # {"field": [old, new]} for changes, {"field": [None, value]} for creates, {"field": "id_number"} for reveals.
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A snapshot of the user name, so a renamed account still reads true in old records.
    username = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(max_length=200, blank=True)
    file = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_repr}"


class RecordDeletionForbidden(Exception):
    """Nothing a person entered is ever deleted: it is ended, with a reason."""


class RegisterRecord(models.Model):
    """Base of everything in the register: versioned, scoped, ended but never deleted."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # Bumped by every change; lets clients (the field app) detect that someone else changed the record.
    version = models.PositiveIntegerField(default=1, editable=False)
    ended_on = models.DateField(_("注销日期"), null=True, blank=True, editable=False)
    end_reason = models.TextField(_("注销原因"), blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    # Path from this model to the collection grid (an areas.Area) it belongs to; the scope follows it.
    scope_path: str = "grid"
    # Fields shown masked unless the role may see them in full: {field name: kind}.
    sensitive_fields: dict[str, str] = {}

    class Meta:
        abstract = True

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    def delete(self, *args, **kwargs):
        raise RecordDeletionForbidden(f"{type(self).__name__} records are ended, never deleted")


class NightlyRun(models.Model):
    """夜间作业记录: one nightly job enqueued on one local day. Unique on (job, day), so however many workers run
    the scheduler, each job is queued once a day (wangge.core.nightly)."""

    job = models.CharField(max_length=200)
    day = models.DateField()
    enqueued_at = models.DateTimeField(default=timezone.now)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-day", "job"]
        verbose_name = _("夜间作业")
        verbose_name_plural = _("夜间作业")
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="one_nightly_run_per_day")]

    def __str__(self) -> str:
        return f"{self.job} {self.day}"
