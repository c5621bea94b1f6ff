"""Kinds and states of re-check rounds, items and findings; the round's moves as one table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundKind(models.TextChoices):
    RANDOM = "random", _("随机抽查")
    CROSS = "cross", _("交叉检查")


class RoundState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    DRAWN = "drawn", _("已抽样")
    EVALUATED = "evaluated", _("已评定")
    CANCELLED = "cancelled", _("已取消")


# A round is evaluated again as more items come in (the figures only grow), so evaluated → evaluated is a move.
ROUND_TRANSITIONS: dict[str, set[str]] = {
    RoundState.DRAFT: {RoundState.DRAWN, RoundState.CANCELLED},
    RoundState.DRAWN: {RoundState.EVALUATED, RoundState.CANCELLED},
    RoundState.EVALUATED: {RoundState.EVALUATED, RoundState.CANCELLED},
    RoundState.CANCELLED: set(),
}


class RecordKind(models.TextChoices):
    PERSON = "person", _("人员")
    HOUSE = "house", _("房屋")


class ItemState(models.TextChoices):
    PENDING = "pending", _("待抽查")
    DONE = "done", _("已抽查")
    CANCELLED = "cancelled", _("已取消")


class Verdict(models.TextChoices):
    RIGHT = "right", _("正确")
    WRONG = "wrong", _("错误")
    CORRECTED = "corrected", _("错误并已更正")
