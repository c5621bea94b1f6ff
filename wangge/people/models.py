"""Actual population (实有人口): people and where they live."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.models import RegisterRecord
from wangge.people.choices import (
    ETHNICITIES,
    Category,
    IdType,
    PersonStatus,
    Relation,
    ResidenceSource,
    Sex,
)


class Person(RegisterRecord):
    """实有人口: one person known to the register, in the grid of their current primary residence."""

    id_type = models.CharField(
        _("证件类型"), max_length=24, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = models.CharField(_("证件号码"), max_length=32)
    name = models.CharField(_("姓名"), max_length=100)
    # Kept for search: "zs" finds 张三, "zhangsan" too. Written by the person services from the name.
    name_initials = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    name_pinyin = models.CharField(max_length=400, blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITIES, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, db_index=True)
    hukou_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    hukou_division = models.CharField(_("户籍地区划代码"), max_length=12, blank=True)
    category = models.CharField(
        _("人员类别"), max_length=16, choices=Category.choices, default=Category.REGISTERED
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    # No index of its own: (grid, status) below leads with it, and every index costs each write (imports).
    grid = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("采集网格"),
        db_index=False,
    )

    sensitive_fields = {"id_number": "id", "phone": "phone"}

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("实有人口")
        verbose_name_plural = _("实有人口")
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_number"],
                name="person_unique_document",
                violation_error_message=_("该证件号码已登记。"),
            ),
        ]
        indexes = [models.Index(fields=["grid", "status"]), models.Index(fields=["id_number"])]

    def __str__(self) -> str:
        return self.name


class Residence(RegisterRecord):
    """居住登记: a person living in a house for a period; at most one current primary residence each."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="residences", verbose_name=_("人员")
    )
    house = models.ForeignKey(
        "housing.House", on_delete=models.PROTECT, related_name="residences", verbose_name=_("房屋")
    )
    relation = models.CharField(_("与房屋关系"), max_length=24, choices=Relation.choices)
    is_primary = models.BooleanField(_("主要居住地"), default=True)
    started_on = models.DateField(_("入住日期"))
    source = models.CharField(
        _("来源"), max_length=16, choices=ResidenceSource.choices, default=ResidenceSource.COLLECTED
    )

    scope_path = "house__grid"

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("居住登记")
        verbose_name_plural = _("居住登记")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(is_primary=True, ended_on__isnull=True),
                name="one_current_primary_residence",
                violation_error_message=_("此人已有一处当前主要居住地，请先注销原居住登记。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.house}"

    def clean(self):
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("迁出日期不能早于入住日期。")})
