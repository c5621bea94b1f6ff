"""Users, their roles and where they work (the source of every scope), grid teams, API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.accounts.roles import Role
from wangge.core.models import RecordDeletionForbidden, RegisterRecord
from wangge.core.scoping import ScopedQuerySet


class ScopedUserManager(UserManager):
    def visible_to(self, viewer):
        """Colleagues who currently work inside the viewer's scope.

        A disabled account keeps showing where it last worked, even where its assignments have ended, so that
        its history stays reachable by the admins of those areas.
        """
        from wangge.accounts.scope import visible_area_q
        from wangge.areas.models import Area, PoliceGrid

        if viewer is None or not viewer.is_authenticated or not viewer.is_active:
            return self.none()
        areas = Area.objects.filter(visible_area_q(viewer)).values("pk")
        police_grids = PoliceGrid.objects.visible_to(viewer).values("pk")
        inside = Assignment.objects.filter(
            models.Q(area__in=areas) | models.Q(police_grid__in=police_grids),
            models.Q(ended_on__isnull=True) | models.Q(user__is_active=False),
        )
        return self.filter(pk__in=inside.values("user_id"))


class User(AbstractUser):
    """工作人员: anyone who logs in. Their role says what they may do; their assignments, where."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.VIEWER)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    is_party_member = models.BooleanField(_("党员"), default=False)

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def current_assignments(self) -> list:
        """The assignments that give a scope, taken from the prefetched ones when the selector prefetched them."""
        return [a for a in self.assignments.all() if a.ended_on is None]


class AssignmentQuerySet(models.QuerySet):
    def current(self):
        """Only assignments that have not ended: the ones that give a scope."""
        return self.filter(ended_on__isnull=True)


class Assignment(models.Model):
    """任职区域: a user works in one area subtree, or (police) in one police grid.

    An assignment that ends keeps its row, day and reason; from that moment it gives no scope.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    police_grid = models.ForeignKey(
        "areas.PoliceGrid", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField(_("结束日期"), null=True, blank=True, editable=False)
    end_reason = models.TextField(_("结束原因"), blank=True, editable=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("任职区域")
        verbose_name_plural = _("任职区域")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(area__isnull=False) & models.Q(police_grid__isnull=True))
                | (models.Q(area__isnull=True) & models.Q(police_grid__isnull=False)),
                name="assignment_area_xor_police_grid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.area or self.police_grid}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    def clean(self):
        if (self.area_id is None) == (self.police_grid_id is None):
            raise ValidationError({"area": _("任职区域须为一个区域或一个警格。")})

    def delete(self, *args, **kwargs):
        raise RecordDeletionForbidden("assignments are ended, never deleted")


class TeamMemberKind(models.TextChoices):
    AUXILIARY_POLICE = "auxiliary_police", _("网格辅警")
    GRID_WORKER = "grid_worker", _("专职网格员")
    VOLUNTEER = "volunteer", _("群防群治力量")


class Team(models.Model):
    """入户工作小组: the team of one collection grid (1 auxiliary police + 1 grid worker + X volunteers)."""

    grid = models.OneToOneField("areas.Area", on_delete=models.PROTECT, related_name="team")

    objects = ScopedQuerySet.as_manager()
    scope_path = "grid"

    class Meta:
        verbose_name = _("网格工作小组")
        verbose_name_plural = _("网格工作小组")

    def __str__(self) -> str:
        return f"{self.grid} 工作小组"


class TeamMember(RegisterRecord):
    """小组成员: one person on a grid's team. Leaving ends the membership (day and reason); it stays listed.

    A register record like the others: versioned (two chiefs editing the roster cannot overwrite each other),
    scoped through the team's grid, never deleted. `ended_on` is the day the member left.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    kind = models.CharField(_("类别"), max_length=32, choices=TeamMemberKind.choices)
    # Volunteers often have no account: the name and phone are enough to call them.
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="team_memberships"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)
    ended_on = models.DateField(_("离开日期"), null=True, blank=True, editable=False)
    end_reason = models.TextField(_("离开原因"), blank=True, editable=False)

    scope_path = "team__grid"
    sensitive_fields = {"phone": "phone"}

    class Meta:
        verbose_name = _("小组成员")
        verbose_name_plural = _("小组成员")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def issue(self, user: User) -> tuple["ApiToken", str]:
        """Make a token; only its hash is stored, the raw value is returned once."""
        raw = secrets.token_urlsafe(32)
        token = self.create(
            user=user,
            key_hash=hash_token(raw),
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        return token, raw

    def user_for(self, raw: str) -> User | None:
        token = (
            self.select_related("user")
            .filter(key_hash=hash_token(raw), expires_at__gt=timezone.now(), user__is_active=True)
            .first()
        )
        return token.user if token else None


class ApiToken(models.Model):
    """A bearer token for the JSON API."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} token {self.created_at:%Y-%m-%d}"
