"""Standard addresses (标准地址): road/lane → door plate → compound → building → unit → floor → room."""

import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaLevel
from wangge.core.models import RegisterRecord


class AddressLevel(models.IntegerChoices):
    ROAD = 1, _("街路巷")
    DOOR_PLATE = 2, _("门牌")
    COMPOUND = 3, _("小区/院落")
    BUILDING = 4, _("楼栋")
    UNIT = 5, _("单元")
    FLOOR = 6, _("楼层")
    ROOM = 7, _("户室")


# Digits of the sequence number each level appends to its parent's code (after one digit naming the level),
# so that a code alone tells its path and levels may be skipped (a village house has no compound or unit).
CODE_SEQUENCE_WIDTH = {
    AddressLevel.ROAD: 3,
    AddressLevel.DOOR_PLATE: 4,
    AddressLevel.COMPOUND: 2,
    AddressLevel.BUILDING: 3,
    AddressLevel.UNIT: 2,
    AddressLevel.FLOOR: 3,
    AddressLevel.ROOM: 4,
}


def address_code(prefix: str, level: int, sequence: int) -> str:
    """parent code (or, for a road, the 12-digit community code) + level digit + zero-padded sequence."""
    width = CODE_SEQUENCE_WIDTH[AddressLevel(level)]
    if not 1 <= sequence < 10**width:
        raise ValueError(f"sequence {sequence} does not fit {width} digits")
    return f"{prefix}{int(level)}{sequence:0{width}d}"


def normalise_text(text: str) -> str:
    """NFKC folds full-width digits and letters; spaces carry no meaning in a Chinese address."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


class StandardAddress(RegisterRecord):
    """标准地址: one node of the address tree, in exactly one collection grid."""

    level = models.PositiveSmallIntegerField(_("层级"), choices=AddressLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("地址编码"), max_length=48, unique=True)
    name = models.CharField(
        _("名称"), max_length=100, help_text=_("本级名称，如“海林路”“12号”“3号楼”“502室”")
    )
    full_text = models.CharField(_("标准全称"), max_length=400, db_index=True)
    grid = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="addresses", verbose_name=_("采集网格")
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("标准地址")
        verbose_name_plural = _("标准地址")
        indexes = [models.Index(fields=["grid", "level"])]

    def __str__(self) -> str:
        return self.full_text

    def clean(self):
        errors = {}
        if self.grid_id and self.grid.level != AreaLevel.GRID:
            errors["grid"] = _("标准地址须挂在采集网格上。")
        if self.parent_id:
            if self.parent.level >= self.level:
                errors["level"] = _("层级须低于上级地址（%(p)s）。") % {"p": self.parent.get_level_display()}
        elif self.level and self.level != AddressLevel.ROAD:
            errors["parent"] = _("除街路巷外，地址须有上级地址。")
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            errors["latitude"] = _("纬度须在 -90 到 90 之间。")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            errors["longitude"] = _("经度须在 -180 到 180 之间。")
        if errors:
            raise ValidationError(errors)
