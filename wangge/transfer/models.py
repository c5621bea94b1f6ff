"""Import jobs: one uploaded file, its preview, its commit."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    ADDRESSES = "addresses", _("标准地址")
    HOUSES = "houses", _("实有房屋")
    PEOPLE = "people", _("实有人口及居住登记")
    UNITS = "units", _("实有单位")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    PREVIEWING = "previewing", _("正在检查")
    PREVIEWED = "previewed", _("待确认")
    IMPORTING = "importing", _("正在导入")
    DONE = "done", _("已导入")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


# The only moves a job makes; anything else is refused (a second commit, a commit of a failed preview…).
TRANSITIONS = {
    ImportStatus.UPLOADED: {ImportStatus.PREVIEWING, ImportStatus.FAILED, ImportStatus.CANCELLED},
    ImportStatus.PREVIEWING: {ImportStatus.PREVIEWED, ImportStatus.FAILED},
    ImportStatus.PREVIEWED: {ImportStatus.IMPORTING, ImportStatus.CANCELLED},
    ImportStatus.IMPORTING: {ImportStatus.DONE, ImportStatus.FAILED},
    ImportStatus.DONE: set(),
    ImportStatus.FAILED: set(),
    ImportStatus.CANCELLED: set(),
}
RUNNING = {ImportStatus.UPLOADED, ImportStatus.PREVIEWING, ImportStatus.IMPORTING}


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportJobQuerySet":
        """A user sees their own imports; an administrator also those of the accounts they manage."""
        from wangge.accounts.models import User
        from wangge.accounts.roles import can_manage_users

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if can_manage_users(user):
            managed = User.objects.visible_to(user).values("pk")
            return self.filter(models.Q(user=user) | models.Q(user__in=managed))
        return self.filter(user=user)


class ImportJob(models.Model):
    """导入任务: a spreadsheet someone uploaded, checked row by row, then imported in one transaction."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name=_("上传者"),
    )
    # The area codes the uploader worked in at the time: what the rows were checked against.
    scope = models.CharField(_("管辖范围"), max_length=400, blank=True)
    kind = models.CharField(_("导入类型"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("文件名"), max_length=255)
    # Relative to settings.IMPORT_DIR.
    stored_file = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    background = models.BooleanField(_("后台任务"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    message = models.TextField(_("说明"), blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("修改"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    rejected_count = models.PositiveIntegerField(_("拒绝"), default=0)
    # The first rejected rows with their reasons: [{"row": 7, "reasons": ["身份证号：…"]}, …].
    rejected_sample = models.JSONField(default=list, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error_report = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    previewed_at = models.DateTimeField(_("检查完成时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始导入时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def path(self):
        return settings.IMPORT_DIR / self.stored_file

    @property
    def error_report_path(self):
        return settings.IMPORT_DIR / self.error_report if self.error_report else None

    @property
    def progress_path(self):
        return settings.IMPORT_DIR / f"{self.pk}.progress.json"
