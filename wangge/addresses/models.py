"""Standard addresses (标准地址): road/lane → door plate → compound → building → unit → floor → room."""

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaLevel
from wangge.core.models import RecordDeletionForbidden, RegisterRecord
from wangge.core.scoping import ScopedQuerySet


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


# --- duplicates and merges (R-11, docs/address-engine.md "Duplicates and merges") ---------------------------


class MergeStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已合并")
    REJECTED = "rejected", _("已驳回")
    # One of the two records was merged or ended by another decision; nothing is left to decide.
    SUPERSEDED = "superseded", _("已失效")


class DuplicateKind(models.TextChoices):
    SAME_KEY = "same_key", _("同级名称相同（规范后）")
    SAME_TEXT = "same_text", _("标准全称相同")
    SAME_ADDRESS = "same_address", _("一址多码")


class PairQuerySet(ScopedQuerySet):
    """A record about two register records is visible only to someone who sees both of them."""

    def visible_to(self, user):
        from wangge.accounts.scope import visible_grid_ids

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        grids = visible_grid_ids(user)
        return self.filter(
            **{f"{self.model.scope_path}__in": grids, f"{self.model.second_scope_path}__in": grids}
        )


class MergeProposal(models.Model):
    """合并建议: two records found to be one, waiting for a person to merge them (choosing the survivor) or to
    reject the proposal with a reason. Detection never merges anything by itself."""

    kind = models.CharField(_("发现方式"), max_length=16, choices=DuplicateKind.choices)
    # What made the two alike (the normalised key or the shared full text), shown to the reviewer.
    key = models.CharField(_("相同之处"), max_length=400, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=MergeStatus.choices, default=MergeStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("发现时间"), default=timezone.now, editable=False)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decision_reason = models.TextField(_("处理说明"), blank=True)

    objects = PairQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    # The two sides, as field names (a_field's grid is the scope path, b_field's the second one), and the
    # fields of each side a search looks in.
    a_field = "a"
    b_field = "b"
    search_fields: tuple[str, ...] = ()
    review_order: tuple[str, ...] = ()

    @property
    def records(self) -> tuple:
        return getattr(self, self.a_field), getattr(self, self.b_field)

    @property
    def is_pending(self) -> bool:
        return self.status == MergeStatus.PENDING

    def delete(self, *args, **kwargs):
        raise RecordDeletionForbidden("merge proposals are decided, never deleted")


class AddressMergeProposal(MergeProposal):
    """地址合并建议: two standard addresses that look like one place (3栋 and 三栋 under one compound, two nodes
    with one full text). The lower id is always `address_a`, so a pair is proposed once."""

    address_a = models.ForeignKey(
        StandardAddress, on_delete=models.PROTECT, related_name="+", verbose_name=_("地址甲")
    )
    address_b = models.ForeignKey(
        StandardAddress, on_delete=models.PROTECT, related_name="+", verbose_name=_("地址乙")
    )
    survivor = models.ForeignKey(
        StandardAddress,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("保留的地址"),
    )

    a_field = "address_a"
    b_field = "address_b"
    search_fields = ("full_text", "code")
    review_order = ("address_a__code",)
    scope_path = "address_a__grid"
    second_scope_path = "address_b__grid"

    class Meta(MergeProposal.Meta):
        verbose_name = _("地址合并建议")
        verbose_name_plural = _("地址合并建议")
        constraints = [
            models.UniqueConstraint(fields=["address_a", "address_b"], name="address_merge_pair_once"),
            models.CheckConstraint(
                condition=models.Q(address_a__lt=models.F("address_b")), name="address_merge_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address_a.full_text} ≈ {self.address_b.full_text}"
