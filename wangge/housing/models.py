"""Actual housing (实有房屋)."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.addresses.models import AddressLevel, MergeProposal
from wangge.core.models import RegisterRecord


class HouseUse(models.TextChoices):
    DWELLING = "dwelling", _("住宅")
    SHOP = "shop", _("商铺")
    FACTORY = "factory", _("厂房")
    DORMITORY = "dormitory", _("宿舍")
    OFFICE = "office", _("办公")
    MIXED = "mixed", _("混合用途")
    OTHER = "other", _("其他")


class RentalStatus(models.TextChoices):
    OWNER_OCCUPIED = "owner_occupied", _("自住")
    RENTED = "rented", _("出租")
    PARTLY_RENTED = "partly_rented", _("部分出租")
    EMPTY = "empty", _("空置")
    LENT = "lent", _("借住")
    OTHER = "other", _("其他")


class House(RegisterRecord):
    """实有房屋: a house (flat, shop, factory floor…) on a room- or building-level standard address."""

    house_code = models.CharField(_("房屋编码"), max_length=64, unique=True)
    address = models.ForeignKey(
        "addresses.StandardAddress",
        on_delete=models.PROTECT,
        related_name="houses",
        verbose_name=_("标准地址"),
    )
    grid = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="houses", verbose_name=_("采集网格")
    )
    use = models.CharField(_("房屋用途"), max_length=16, choices=HouseUse.choices, default=HouseUse.DWELLING)
    owner = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_houses",
        verbose_name=_("房主"),
    )
    owner_name = models.CharField(_("房主姓名"), max_length=100, blank=True)
    owner_phone = models.CharField(_("房主电话"), max_length=20, blank=True)
    rental_status = models.CharField(
        _("使用状态"), max_length=16, choices=RentalStatus.choices, default=RentalStatus.OWNER_OCCUPIED
    )
    rooms = models.PositiveSmallIntegerField(
        _("房间数"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    floor_area = models.DecimalField(
        _("建筑面积（平方米）"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    sensitive_fields = {"owner_phone": "phone"}

    class Meta:
        ordering = ["house_code"]
        verbose_name = _("实有房屋")
        verbose_name_plural = _("实有房屋")

    def __str__(self) -> str:
        return f"{self.address.full_text if self.address_id else ''}（{self.house_code}）"

    def clean(self):
        if self.address_id and self.address.level not in (AddressLevel.BUILDING, AddressLevel.ROOM):
            raise ValidationError({"address": _("房屋须登记在楼栋级或户室级标准地址上。")})
        if self.floor_area is not None and self.floor_area > 1_000_000:
            raise ValidationError({"floor_area": _("建筑面积不合理。")})


class HouseMergeProposal(MergeProposal):
    """房屋合并建议: "one address, several house codes" (一址多码) — two current houses that are one house. The
    lower id is always `house_a`, so a pair is proposed once."""

    house_a = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋甲"))
    house_b = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋乙"))
    survivor = models.ForeignKey(
        House, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("保留的房屋")
    )

    a_field = "house_a"
    b_field = "house_b"
    search_fields = ("house_code", "address__full_text")
    review_order = ("house_a__house_code",)
    scope_path = "house_a__grid"
    second_scope_path = "house_b__grid"

    class Meta(MergeProposal.Meta):
        verbose_name = _("房屋合并建议")
        verbose_name_plural = _("房屋合并建议")
        constraints = [
            models.UniqueConstraint(fields=["house_a", "house_b"], name="house_merge_pair_once"),
            models.CheckConstraint(
                condition=models.Q(house_a__lt=models.F("house_b")), name="house_merge_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.house_a.house_code} ≈ {self.house_b.house_code}"
