"""Read helpers shared by every app's selectors. Every read starts from Model.objects.visible_to(user)."""

import re

from django.db.models import Q, QuerySet

CJK = re.compile(r"[\u3400-\u9fff]")
ID_LIKE = re.compile(r"^[0-9]{4,17}[0-9Xx]?$")


def clean_query(q: str | None, max_length: int = 100) -> str:
    """A search box value without NUL bytes or surrounding space, cut to a sane length."""
    return (q or "").replace("\x00", "").strip()[:max_length]


def within_area(queryset: QuerySet, area_code: str | None) -> QuerySet:
    """Narrow a scoped query set to one area subtree (it never widens the scope)."""
    area_code = clean_query(area_code, 18)
    if not area_code:
        return queryset
    if not area_code.isdigit():
        return queryset.none()
    path = queryset.model.scope_path
    lookup = "code__startswith" if path == "pk" else f"{path}__code__startswith"
    return queryset.filter(**{lookup: area_code})


def current_only(queryset: QuerySet, current: bool | None) -> QuerySet:
    if current is None:
        return queryset
    return queryset.filter(ended_on__isnull=current)


def text_q(q: str, *fields: str) -> Q:
    result = Q()
    for field in fields:
        result |= Q(**{f"{field}__icontains": q})
    return result
