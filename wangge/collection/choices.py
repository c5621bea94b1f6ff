"""Kinds and states of tasks, visits, shifts and sync records; the task state machine as one table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskKind(models.TextChoices):
    VISIT_ADDRESS = "visit_address", _("入户访查")
    VERIFY_PERSON = "verify_person", _("核实人员")
    VERIFY_HOUSE = "verify_house", _("核实房屋")
    VERIFY_DECLARATION = "verify_declaration", _("核实申报")
    REVISIT = "revisit", _("回访")
    # Quality control (wangge.rechecks): a sampled record checked again by someone other than its collector,
    # and the re-collection of a grid whose accuracy fell under the threshold.
    RECHECK = "recheck", _("抽查核实")
    RECOLLECT = "recollect", _("重新采集")


class TaskState(models.TextChoices):
    OPEN = "open", _("待办")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
    CANNOT_BE_DONE = "cannot_be_done", _("无法完成")
    CANCELLED = "cancelled", _("已取消")


# The only moves a task may make; everything else is refused with a message on `state`.
TASK_TRANSITIONS: dict[str, set[str]] = {
    TaskState.OPEN: {TaskState.IN_PROGRESS, TaskState.DONE, TaskState.CANNOT_BE_DONE, TaskState.CANCELLED},
    TaskState.IN_PROGRESS: {TaskState.DONE, TaskState.CANNOT_BE_DONE, TaskState.CANCELLED},
    TaskState.DONE: set(),
    TaskState.CANNOT_BE_DONE: set(),
    TaskState.CANCELLED: set(),
}
ACTIVE_STATES = (TaskState.OPEN, TaskState.IN_PROGRESS)


class Priority(models.IntegerChoices):
    URGENT = 1, _("紧急")
    NORMAL = 2, _("普通")
    LOW = 3, _("较低")


class ShiftKind(models.TextChoices):
    DAY = "day", _("白班")
    NIGHT = "night", _("夜班")
    ANY = "any", _("不限")


class VisitOutcome(models.TextChoices):
    MET = "met", _("见到人")
    NOBODY_HOME = "nobody_home", _("无人在家")
    EMPTY = "empty", _("空置")
    REFUSED = "refused", _("拒绝")
    NOTE_LEFT = "note_left", _("已留言")


class VerificationKind(models.TextChoices):
    PERSON = "person", _("人员")
    HOUSE = "house", _("房屋")


class SyncStatus(models.TextChoices):
    APPLIED = "applied", _("已应用")
    CONFLICT = "conflict", _("冲突")
    REJECTED = "rejected", _("已拒绝")


class ConflictState(models.TextChoices):
    OPEN = "open", _("待处理")
    APPLIED_DEVICE = "apply_device", _("采用现场数据")
    KEPT_SERVER = "keep_server", _("保留系统数据")
