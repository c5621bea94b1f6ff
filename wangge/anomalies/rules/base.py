"""What a rule is, what it finds, and the registry that collects the rules (docs/anomalies.md)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone

from wangge.anomalies.choices import Severity

# Every rule class with a code, in the order they were declared (the order the lists show them in).
REGISTRY: dict[str, type["Rule"]] = {}


@dataclass(frozen=True)
class Finding:
    """One thing a rule found: which grid it belongs to, what it is about, and the key that makes it the same
    finding from one run to the next."""

    grid_id: int
    subject: str  # choices.Subject
    subject_id: int
    key: str
    summary: str
    detail: dict = field(default_factory=dict)


class Rule:
    """One anomaly rule. A subclass with a `code` registers itself; `find(grids)` yields Findings.

    `find` must be set-based (a fixed number of queries whatever the number of grids): a district run covers
    some 400,000 people.
    """

    code: str = ""
    title = ""
    description = ""
    severity: str = Severity.MEDIUM
    # Parameters and their defaults; settings.ANOMALY_PARAMS = {code: {name: value}} overrides them.
    params: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.code:
            return
        if cls.code in REGISTRY and REGISTRY[cls.code] is not cls:
            raise ImproperlyConfigured(f"two anomaly rules share the code {cls.code!r}")
        REGISTRY[cls.code] = cls

    def __init__(self, *, today: datetime.date | None = None, params: dict | None = None):
        self.today = today or timezone.localdate()
        self.values = {**type(self).params, **self.configured(), **(params or {})}

    @classmethod
    def configured(cls) -> dict:
        overrides = getattr(settings, "ANOMALY_PARAMS", {}) or {}
        return {k: v for k, v in (overrides.get(cls.code) or {}).items() if k in cls.params}

    @classmethod
    def effective_params(cls) -> dict:
        return {**cls.params, **cls.configured()}

    def find(self, grids: QuerySet) -> Iterable[Finding]:
        raise NotImplementedError

    def day_start(self, day: datetime.date) -> datetime.datetime:
        """The first moment of a local day, for comparing with timestamps."""
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
