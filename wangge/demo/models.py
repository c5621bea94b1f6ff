"""The marker that a database holds the generated demo district, and how it was built."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DemoBuild(models.Model):
    """演示数据构建记录: one row per build; an unfinished row means a build was interrupted."""

    scale = models.CharField(_("规模"), max_length=16)
    seed = models.IntegerField(_("随机种子"), default=0)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)
    counts = models.JSONField(_("记录数"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("演示数据构建")
        verbose_name_plural = _("演示数据构建")

    def __str__(self) -> str:
        return f"{self.scale} seed={self.seed} {self.started_at:%Y-%m-%d %H:%M}"
