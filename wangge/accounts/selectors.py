"""Reads of accounts: colleagues inside the user's scope."""

from django.db.models import QuerySet

from wangge.accounts.models import User
from wangge.core.selectors import clean_query, text_q


def user_list(*, user, q: str = "", role: str = "") -> QuerySet:
    users = User.objects.visible_to(user)
    q = clean_query(q)
    if q:
        users = users.filter(text_q(q, "username", "name"))
    role = clean_query(role, 32)
    if role:
        users = users.filter(role=role)
    return users.prefetch_related("assignments__area", "assignments__police_grid").order_by("username")


def user_detail(*, user, pk: int) -> User:
    return User.objects.visible_to(user).get(pk=pk)
