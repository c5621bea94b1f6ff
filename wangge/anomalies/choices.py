"""States of anomaly items and runs; the moves an item may make as one table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnomalyState(models.TextChoices):
    OPEN = "open", _("待处理")
    RESOLVED = "resolved", _("已纠正")
    DISMISSED = "dismissed", _("已排除")
    # Closed by the system: a later run no longer found it (someone fixed the data without resolving the item).
    GONE = "gone", _("已消失")


# An item is "live" while a run that finds its key again must update it instead of opening a new one: a
# dismissed finding stays dismissed when found again; a resolved or gone one that comes back is a new item.
LIVE_STATES = (AnomalyState.OPEN, AnomalyState.DISMISSED)

# The only moves a person may make; `gone` is the system's.
STATE_TRANSITIONS: dict[str, set[str]] = {
    AnomalyState.OPEN: {AnomalyState.RESOLVED, AnomalyState.DISMISSED},
    AnomalyState.RESOLVED: set(),
    AnomalyState.DISMISSED: set(),
    AnomalyState.GONE: set(),
}


class Subject(models.TextChoices):
    PERSON = "person", _("人员")
    HOUSE = "house", _("房屋")
    ADDRESS = "address", _("标准地址")
    AREA = "area", _("网格")


class Severity(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class RunTrigger(models.TextChoices):
    NIGHTLY = "nightly", _("夜间自动")
    MANUAL = "manual", _("手动")


class RunState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
