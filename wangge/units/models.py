"""Actual units (实有单位): firms, shops, factories, schools, hospitals, and who works there."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.models import RegisterRecord


class UnitKind(models.TextChoices):
    FIRM = "firm", _("企业")
    SHOP = "shop", _("个体商户")
    FACTORY = "factory", _("工厂")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    INSTITUTION = "institution", _("机关事业单位")
    OTHER = "other", _("其他")


class Unit(RegisterRecord):
    """实有单位."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True)
    name = models.CharField(_("单位名称"), max_length=200)
    kind = models.CharField(_("单位类型"), max_length=16, choices=UnitKind.choices)
    address = models.ForeignKey(
        "addresses.StandardAddress",
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("标准地址"),
    )
    grid = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="units", verbose_name=_("采集网格")
    )
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    staff_count = models.PositiveIntegerField(
        _("从业人数"), null=True, blank=True, validators=[MinValueValidator(0)]
    )

    sensitive_fields = {"contact_phone": "phone"}

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("实有单位")
        verbose_name_plural = _("实有单位")

    def __str__(self) -> str:
        return self.name


class Employment(RegisterRecord):
    """从业登记: a person working at a unit from one day to another ("register on hiring, deregister on leaving")."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="employments", verbose_name=_("人员")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="employments", verbose_name=_("单位")
    )
    position = models.CharField(_("岗位"), max_length=100, blank=True)
    hired_on = models.DateField(_("入职日期"))

    scope_path = "unit__grid"

    class Meta:
        ordering = ["-hired_on", "-id"]
        verbose_name = _("从业登记")
        verbose_name_plural = _("从业登记")

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit}"

    def clean(self):
        if self.ended_on and self.hired_on and self.ended_on < self.hired_on:
            raise ValidationError({"ended_on": _("离职日期不能早于入职日期。")})
