"""The area tree (district → street → community → big grid → collection grid) and the police overlay."""

import json

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.models import RegisterRecord
from wangge.core.scoping import ScopedQuerySet


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    BIG_GRID = "big_grid", _("大网格")
    GRID = "grid", _("采集网格")


LEVEL_ORDER = [AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.BIG_GRID, AreaLevel.GRID]
# Official division codes are 6/9/12 digits; big grids and collection grids append three digits each.
CODE_LENGTH = {
    AreaLevel.DISTRICT: 6,
    AreaLevel.STREET: 9,
    AreaLevel.COMMUNITY: 12,
    AreaLevel.BIG_GRID: 15,
    AreaLevel.GRID: 18,
}


class GridKind(models.TextChoices):
    URBAN_COMMUNITY = "urban_community", _("城市社区")
    URBAN_VILLAGE = "urban_village", _("城中村")
    RURAL = "rural", _("农村")
    DEDICATED = "dedicated", _("专属网格")


class AreaQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        from wangge.accounts.scope import visible_area_q

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(visible_area_q(user)).distinct()

    def subtree(self, code: str):
        """An area and everything under it: a prefix match on the indexed code."""
        return self.filter(code__startswith=code)


def validate_geojson_polygon(value):
    if value in (None, ""):
        return
    from shapely.geometry import shape

    try:
        geom = shape(value if isinstance(value, dict) else json.loads(value))
    except Exception as exc:  # shapely raises many kinds for malformed GeoJSON
        raise ValidationError(_("边界不是有效的 GeoJSON：%(e)s") % {"e": str(exc)[:200]}) from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
        raise ValidationError(_("边界须为有效的多边形（Polygon 或 MultiPolygon）。"))


class Area(RegisterRecord):
    """区域: one node of the area tree. Subtrees are queried by code prefix, never by tree walking."""

    code = models.CharField(_("编码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("网格类型"), max_length=32, choices=GridKind.choices, blank=True)
    boundary = models.JSONField(
        _("边界（GeoJSON）"), null=True, blank=True, validators=[validate_geojson_polygon]
    )

    objects = AreaQuerySet.as_manager()
    scope_path = "pk"

    class Meta:
        ordering = ["code"]
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.code and (not self.code.isdigit() or len(self.code) != CODE_LENGTH.get(self.level, -1)):
            errors["code"] = _("%(level)s编码须为 %(n)s 位数字。") % {
                "level": self.get_level_display(),
                "n": CODE_LENGTH.get(self.level, "?"),
            }
        if self.parent_id:
            parent = self.parent
            if LEVEL_ORDER.index(parent.level) + 1 != LEVEL_ORDER.index(self.level):
                errors["parent"] = _("上级区域层级不对。")
            elif self.code and not self.code.startswith(parent.code):
                errors["code"] = _("编码须以上级编码 %(p)s 开头。") % {"p": parent.code}
        elif self.level and self.level != AreaLevel.DISTRICT:
            errors["parent"] = _("请选择上级区域。")
        if self.level == AreaLevel.GRID and not self.kind:
            errors["kind"] = _("请选择网格类型。")
        if errors:
            raise ValidationError(errors)

    def ancestors(self):
        """From the district down to the parent, by code prefixes (one query)."""
        prefixes = [self.code[:n] for n in CODE_LENGTH.values() if n < len(self.code)]
        return Area.objects.filter(code__in=prefixes).order_by("code")


class PoliceQuerySet(ScopedQuerySet):
    """The police overlay is seen where it touches the user's areas: through a collection grid it covers, or
    through the area it belongs to (`area_paths`: its community or district). The second way keeps a station
    or office that has no police grid yet in view of the admins who hold its area."""

    def visible_to(self, user):
        from wangge.accounts.scope import visible_area_q

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        model = self.model
        visible = visible_area_q(user)
        areas = Area.objects.filter(visible).values("pk")
        grids = Area.objects.filter(visible, level=AreaLevel.GRID).values("pk")
        q = models.Q(**{f"{model.scope_path}__in": grids})
        for path in model.area_paths:
            q |= models.Q(**{f"{path}__in": areas})
        # The paths cross many-to-many relations: match by primary key so no row appears twice.
        return self.filter(pk__in=model._default_manager.filter(q).values("pk"))


class PoliceStation(RegisterRecord):
    """派出所: belongs to a district; its offices and police grids cover collection grids."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    district = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="police_stations",
        limit_choices_to={"level": AreaLevel.DISTRICT},
        verbose_name=_("所属区县"),
    )

    objects = PoliceQuerySet.as_manager()
    scope_path = "offices__police_grids__grids"
    area_paths = ("district", "offices__community")

    class Meta:
        ordering = ["code"]
        verbose_name = _("派出所")
        verbose_name_plural = _("派出所")

    def __str__(self) -> str:
        return self.name


class PoliceOffice(RegisterRecord):
    """社区警务室: under a police station, usually serving one community."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    station = models.ForeignKey(
        PoliceStation, on_delete=models.PROTECT, related_name="offices", verbose_name=_("所属派出所")
    )
    community = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": AreaLevel.COMMUNITY},
        verbose_name=_("所在社区"),
    )

    objects = PoliceQuerySet.as_manager()
    scope_path = "police_grids__grids"
    area_paths = ("community", "station__district")

    class Meta:
        ordering = ["code"]
        verbose_name = _("警务室")
        verbose_name_plural = _("警务室")

    def __str__(self) -> str:
        return self.name


class PoliceGrid(RegisterRecord):
    """警格: a police beat covering a set of collection grids (e.g. 349 grids folded into 45 police grids)."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    office = models.ForeignKey(
        PoliceOffice, on_delete=models.PROTECT, related_name="police_grids", verbose_name=_("所属警务室")
    )
    grids = models.ManyToManyField(
        Area,
        related_name="police_grids",
        limit_choices_to={"level": AreaLevel.GRID},
        verbose_name=_("覆盖的采集网格"),
    )

    objects = PoliceQuerySet.as_manager()
    scope_path = "grids"
    area_paths = ("office__station__district",)

    class Meta:
        ordering = ["code"]
        verbose_name = _("警格")
        verbose_name_plural = _("警格")

    def __str__(self) -> str:
        return self.name
