"""Reads of anomaly data; each starts from the user's scope (visible_to)."""

from django.db.models import Count, QuerySet

from wangge.anomalies.models import Anomaly, AnomalyRun
from wangge.anomalies.rules import all_rules
from wangge.core.selectors import clean_query, within_area


def anomaly_list(*, user, rule: str = "", state: str = "", area: str = "", q: str = "") -> QuerySet:
    items = Anomaly.objects.visible_to(user)
    if rule:
        items = items.filter(rule=rule)
    if state:
        items = items.filter(state=state)
    items = within_area(items, area)
    q = clean_query(q)
    if q:
        items = items.filter(summary__icontains=q)
    return items.select_related("grid", "resolved_by")


def anomaly_detail(*, user, pk: int) -> Anomaly:
    return (
        Anomaly.objects.visible_to(user)
        .select_related("grid", "person", "house", "address", "resolved_by", "first_run", "last_run")
        .get(pk=pk)
    )


def rule_counts(*, user, state: str = "", area: str = "") -> list[dict]:
    """Every rule with the number of items in the user's scope (in one state, or all): one query."""
    items = within_area(Anomaly.objects.visible_to(user), area)
    if state:
        items = items.filter(state=state)
    counts = dict(items.order_by().values_list("rule").annotate(n=Count("id")))
    return [
        {
            "code": rule.code,
            "title": str(rule.title),
            "description": str(rule.description),
            "severity": rule.severity,
            "params": rule.effective_params(),
            "count": counts.get(rule.code, 0),
        }
        for rule in all_rules()
    ]


def run_list(*, user) -> QuerySet:
    return AnomalyRun.objects.visible_to(user).select_related("area", "by")


def run_detail(*, user, pk: int) -> AnomalyRun:
    return run_list(user=user).get(pk=pk)
