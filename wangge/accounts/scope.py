"""Where a user may look: the collection grids inside their current assignments. Every read scopes through here.

Read afresh for every request (once per request: RequestScopeMiddleware keeps the user's current assignments
for the length of one request; an assignment added or ended during it clears that), so an assignment that ends
takes its areas away at the next request, whether that request carries a session or an API token issued before.
Outside a request (commands, background jobs, tests calling selectors) every call reads the assignments.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q, QuerySet

from wangge.areas.models import Area, AreaLevel

# What one request has already read about scopes, keyed by tuples (("assignments", user id) → [(area code or None,
# police grid id or None)], ("grid_ids", user id) → frozenset inside scope_held, and what other modules keep
# through request_memo()); None outside a request.
_request_memo: ContextVar[dict | None] = ContextVar("wangge_request_memo", default=None)


def request_memo() -> dict | None:
    """The current request's scope memo (cleared when an assignment changes), or None outside a request."""
    return _request_memo.get()


def current_assignments(user) -> list[tuple[str | None, int | None]]:
    memo = _request_memo.get()
    key = ("assignments", user.pk)
    if memo is not None and key in memo:
        return memo[key]
    held = [
        (assignment.area.code if assignment.area_id else None, assignment.police_grid_id)
        for assignment in user.assignments.current().select_related("area")
    ]
    if memo is not None:
        memo[key] = held
    return held


def forget_assignments() -> None:
    """An assignment was added or ended: the rest of this request reads scopes again."""
    memo = _request_memo.get()
    if memo:
        memo.clear()


class RequestScopeMiddleware:
    """A dashboard asks the scope a dozen times; within one request the assignments are read once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)


def visible_area_q(user) -> Q:
    """Areas inside the user's area subtrees, plus the collection grids their police grids cover."""
    q = Q(pk__in=[])
    for area_code, police_grid_id in current_assignments(user):
        if area_code is not None:
            q |= Q(code__startswith=area_code)
        else:
            q |= Q(police_grids=police_grid_id)
    return q


def _held_grid_ids(user) -> frozenset | None:
    memo = _request_memo.get()
    return memo.get(("grid_ids", user.pk)) if memo else None


def visible_grid_ids(user) -> QuerySet:
    """A subquery of collection-grid ids; the database joins it, so it stays cheap at any scale."""
    if not user.is_authenticated or not user.is_active:
        return Area.objects.none().values("pk")
    held = _held_grid_ids(user)
    if held is not None:
        return Area.objects.filter(pk__in=held).values("pk")
    return Area.objects.filter(visible_area_q(user), level=AreaLevel.GRID).values("pk")


def grid_visible(user, grid_id) -> bool:
    held = _held_grid_ids(user)
    if held is not None:
        return grid_id in held
    return visible_grid_ids(user).filter(pk=grid_id).exists()


@contextmanager
def scope_held(user, grid_ids=None):
    """Read the scope's grid ids once for a request that asks it many times (a sync push of 100 changes, a pull).

    They are kept in the request memo, so the next request reads the assignments afresh and an assignment
    added or ended meanwhile clears them; outside a request they are kept for the length of the block.
    `grid_ids`: the ids of visible_grid_ids(user) when the caller has just read them anyway.
    """
    if not user.is_authenticated:
        yield
        return
    token = _request_memo.set({}) if _request_memo.get() is None else None
    try:
        memo = _request_memo.get()
        key = ("grid_ids", user.pk)
        if key not in memo:
            if grid_ids is None:
                grid_ids = visible_grid_ids(user).values_list("pk", flat=True)
            memo[key] = frozenset(grid_ids)
        yield
    finally:
        if token is not None:
            _request_memo.reset(token)
