"""Template helpers: masking, role checks and the history table, so templates never see a raw identifier."""

from django import template

from wangge.accounts.roles import can_edit, can_manage_users, can_reveal
from wangge.core.masking import mask
from wangge.core.views import history_entries, sensitive_kinds

register = template.Library()


@register.filter
def masked(instance, name: str) -> str:
    """{{ person|masked:"id_number" }} — the masked form of one identifier of a record."""
    if instance is None:
        return ""
    kind = sensitive_kinds(instance._meta.model).get(name)
    value = getattr(instance, name, "") or ""
    return mask(kind, value) if kind else value


@register.filter
def may_edit(user) -> bool:
    return can_edit(user)


@register.filter
def may_reveal(user) -> bool:
    return can_reveal(user)


@register.filter
def may_manage_users(user) -> bool:
    return can_manage_users(user)


@register.inclusion_tag("core/_history.html", takes_context=True)
def history_table(context, instance):
    return {"entries": history_entries(instance, context["request"].user), "request": context["request"]}
