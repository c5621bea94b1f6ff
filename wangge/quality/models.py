"""Progress and quality: campaigns (the period every rate counts over) and the daily rollups behind the rates."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.models import RegisterRecord
from wangge.core.scoping import ScopedQuerySet

# The counters behind the six rates, in the order they are stored and shown (docs/quality.md defines each).
COUNTERS = (
    "flats",
    "flats_visited",
    "people",
    "people_verified",
    "houses",
    "houses_verified",
    "houses_collected",
    "registered",
    "registered_active",
    "rechecked",
    "recheck_right",
    "visits",
)
# A worker's own work, next to the figures of their grids.
WORKER_COUNTERS = (*COUNTERS, "own_people_verified", "own_houses_verified")


class CampaignQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """A campaign is seen by whoever sees its area, and by everyone working under it (its period is theirs)."""
        from wangge.accounts.scope import current_assignments, visible_area_q
        from wangge.areas.models import Area

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        visible = Area.objects.filter(visible_area_q(user))
        # The areas above the user's own: a street admin must know the district's campaign that sets their period.
        assignments = current_assignments(user)
        held = [code for code, _police_grid in assignments if code is not None]
        police = [police_grid for code, police_grid in assignments if code is None]
        if police:
            held += Area.objects.filter(police_grids__in=police).values_list("code", flat=True)
        above = {code[:n] for code in held for n in (6, 9) if n < len(code)}
        return self.filter(Q(area__in=visible.values("pk")) | Q(area__code__in=above))


class Campaign(RegisterRecord):
    """采集行动: a collection campaign over a district or a street; the rates of its grids count from its start.

    `ends_on` is the campaign's last day (empty while it runs); ending it early sets it, with a reason.
    """

    name = models.CharField(_("行动名称"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("区域")
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CampaignQuerySet.as_manager()
    scope_path = "area"

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("采集行动")
        verbose_name_plural = _("采集行动")
        indexes = [models.Index(fields=["area", "starts_on"])]

    def __str__(self) -> str:
        return self.name


class DayStat(models.Model):
    """The counters behind the rates as of the end of one day (derived data: rebuilt at will, never audited).

    `grid_code` repeats the grid's code so that a subtree of any level is one indexed prefix range on
    (day, grid_code) and the children of an area are one GROUP BY on a code prefix, with no join.
    """

    grid = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    grid_code = models.CharField(max_length=18)
    day = models.DateField()
    period_start = models.DateField()
    flats = models.PositiveIntegerField(default=0)
    flats_visited = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)
    people_verified = models.PositiveIntegerField(default=0)
    houses = models.PositiveIntegerField(default=0)
    houses_verified = models.PositiveIntegerField(default=0)
    houses_collected = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    registered_active = models.PositiveIntegerField(default=0)
    rechecked = models.PositiveIntegerField(default=0)
    recheck_right = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "grid"

    class Meta:
        abstract = True


class GridDayStat(DayStat):
    """网格日统计: the counters of one collection grid on one day."""

    class Meta:
        verbose_name = _("网格日统计")
        verbose_name_plural = _("网格日统计")
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="one_grid_stat_per_day")]
        # pattern_ops: PostgreSQL uses the index for `grid_code LIKE '3502%'` under any collation.
        indexes = [
            models.Index(
                fields=["day", "grid_code"],
                name="quality_grid_day_code",
                opclasses=["date_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.grid_code} {self.day}"


class WorkerDayStat(DayStat):
    """网格员日统计: one grid worker (专职网格员 of a grid team) on one day: their grids' counters summed, and their
    own work (visits made, people and houses verified, accuracy of what they collected). `grid` is the first of
    their grids, which places the row in the area tree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    grid_count = models.PositiveSmallIntegerField(default=1)
    own_people_verified = models.PositiveIntegerField(default=0)
    own_houses_verified = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("网格员日统计")
        verbose_name_plural = _("网格员日统计")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_worker_stat_per_day")]
        indexes = [
            models.Index(
                fields=["day", "grid_code"],
                name="quality_worker_day_code",
                opclasses=["date_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
