"""Reads of re-checks: the accuracy counts the rates roll up, rounds, items and the cross-check comparison."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q

from wangge.accounts.scope import visible_grid_ids
from wangge.areas.models import Area
from wangge.rechecks.choices import ItemState, RecordKind, Verdict
from wangge.rechecks.models import GridResult, RecheckFinding, RecheckItem, RecheckRound


def _done_items(start: datetime.date, end: datetime.date, grid_ids=None):
    # A cancelled round's findings still say how good the data was; only cancelled items (never checked) drop out.
    items = RecheckItem.objects.filter(state=ItemState.DONE, checked_on__gte=start, checked_on__lte=end)
    if grid_ids is not None:
        items = items.filter(grid_id__in=list(grid_ids))
    return items


def accuracy_counts(*, start, end, grid_ids=None) -> dict[int, tuple[int, int]]:
    """grid id → (re-checked records, of which wholly right), for re-checks completed in [start, end]."""
    rows = (
        _done_items(start, end, grid_ids)
        .values("grid_id")
        .annotate(checked=Count("id"), right=Count("id", filter=Q(is_right=True)))
        .order_by()
    )
    return {r["grid_id"]: (r["checked"], r["right"]) for r in rows}


def accuracy_by_collector(*, start, end, grid_ids=None) -> dict[int, tuple[int, int]]:
    """collector's user id → (re-checked records they collected, of which wholly right), completed in [start, end].

    Records with no known collector (imported, made by the system) are left out.
    """
    rows = (
        _done_items(start, end, grid_ids)
        .filter(collector_id__isnull=False)
        .values("collector_id")
        .annotate(checked=Count("id"), right=Count("id", filter=Q(is_right=True)))
        .order_by()
    )
    return {r["collector_id"]: (r["checked"], r["right"]) for r in rows}


# --- rounds and items -----------------------------------------------------------------------------------------


def round_list(*, user, kind: str = "", state: str = ""):
    rounds = (
        RecheckRound.objects.visible_to(user)
        .select_related("area", "created_by")
        .prefetch_related("pairs__checker_area", "pairs__checked_area")
    )
    if kind:
        rounds = rounds.filter(kind=kind)
    if state:
        rounds = rounds.filter(state=state)
    return rounds.annotate(
        sampled=Count("items", filter=~Q(items__state=ItemState.CANCELLED)),
        done=Count("items", filter=Q(items__state=ItemState.DONE)),
        right=Count("items", filter=Q(items__state=ItemState.DONE, items__is_right=True)),
    ).order_by("-period_end", "-id")


def round_detail(*, user, pk: int) -> RecheckRound:
    """Raises RecheckRound.DoesNotExist outside the user's scope, as for a missing id."""
    return round_list(user=user).get(pk=pk)


def item_queryset(user):
    return RecheckItem.objects.visible_to(user).select_related(
        "round", "grid", "address", "collector", "checker", "task", "person", "house"
    )


def item_list(
    *,
    user,
    round=None,
    grid_id=None,
    state: str = "",
    checker=None,
    is_right=None,
    area: str = "",
    checked_from: datetime.date | None = None,
    checked_to: datetime.date | None = None,
):
    """Items in scope; `area` is a code prefix, checked_from/to bound checked_on (inclusive): the records behind an
    accuracy figure are item_list(area=…, state="done", checked_from=S, checked_to=D)."""
    items = item_queryset(user)
    if round is not None:
        items = items.filter(round=round)
    if area:
        items = items.filter(grid__code__startswith=area)
    if checked_from:
        items = items.filter(checked_on__gte=checked_from)
    if checked_to:
        items = items.filter(checked_on__lte=checked_to)
    if grid_id:
        items = items.filter(grid_id=grid_id)
    if state:
        items = items.filter(state=state)
    if checker is not None:
        items = items.filter(checker=checker)
    if is_right is not None:
        items = items.filter(is_right=is_right)
    return items.order_by("grid__code", "kind", "id")


def my_items(*, user, state: str = ItemState.PENDING):
    """The items the user was given to check, wherever they are; pending first, by due date."""
    items = item_queryset(user).filter(checker=user)
    if state and state != "all":
        items = items.filter(state=state)
    # "pending" sorts after "done" and "cancelled": descending puts the work still to do first.
    return items.order_by("-state", "round__due_on", "grid__code", "id")


def item_detail(*, user, pk: int) -> RecheckItem:
    return item_queryset(user).prefetch_related("findings").get(pk=pk)


@dataclass
class GridProgress:
    grid_id: int
    code: str
    name: str
    sampled: int = 0
    done: int = 0
    right: int = 0
    unassigned: int = 0
    flagged: bool = False
    recollect_tasks: int = 0
    evaluated: bool = False

    @property
    def accuracy(self) -> float | None:
        return self.right * 100 / self.done if self.done else None

    @property
    def progress(self) -> float | None:
        return self.done * 100 / self.sampled if self.sampled else None


def round_progress(*, user, round: RecheckRound) -> list[GridProgress]:
    """Per grid of the round within the user's scope: sampled, checked, wholly right, live accuracy, and the
    stored evaluation (flagged, re-collection tasks)."""
    grids = Area.objects.filter(pk__in=visible_grid_ids(user))
    rows = (
        RecheckItem.objects.filter(round=round, grid__in=grids)
        .exclude(state=ItemState.CANCELLED)
        .values("grid_id", "grid__code", "grid__name")
        .annotate(
            sampled=Count("id"),
            done=Count("id", filter=Q(state=ItemState.DONE)),
            right=Count("id", filter=Q(state=ItemState.DONE, is_right=True)),
            unassigned=Count("id", filter=Q(checker__isnull=True)),
        )
        .order_by("grid__code")
    )
    out = {
        r["grid_id"]: GridProgress(
            grid_id=r["grid_id"],
            code=r["grid__code"],
            name=r["grid__name"],
            sampled=r["sampled"],
            done=r["done"],
            right=r["right"],
            unassigned=r["unassigned"],
        )
        for r in rows
    }
    for result in GridResult.objects.filter(round=round, grid__in=grids):
        if result.grid_id in out:
            out[result.grid_id].flagged = result.flagged
            out[result.grid_id].recollect_tasks = result.recollect_tasks
            out[result.grid_id].evaluated = True
    return list(out.values())


def totals(rows: list[GridProgress]) -> GridProgress:
    total = GridProgress(grid_id=0, code="", name="")
    for r in rows:
        total.sampled += r.sampled
        total.done += r.done
        total.right += r.right
        total.unassigned += r.unassigned
        total.recollect_tasks += r.recollect_tasks
        total.flagged = total.flagged or r.flagged
    return total


@dataclass
class Side:
    """One direction of a cross-check: `checked` area's records as the `checker` area's workers found them."""

    pair_id: int
    checker: str
    checked: str
    sampled: int = 0
    done: int = 0
    right: int = 0
    wrong_fields: list = field(default_factory=list)  # [(label, count)], most often wrong first

    @property
    def accuracy(self) -> float | None:
        return self.right * 100 / self.done if self.done else None


def cross_comparison(*, round: RecheckRound, top: int = 5) -> list[tuple[Side, Side | None]]:
    """The pairs side by side: (a checked by b, b checked by a). Counts only, no personal data, so both sides
    show to anyone who sees the round: comparing with the other side is the point of a cross-check."""
    from wangge.rechecks.fields import BY_NAME

    pairs = list(round.pairs.select_related("checker_area", "checked_area").order_by("id"))
    counts = {
        r["pair_id"]: r
        for r in RecheckItem.objects.filter(round=round)
        .exclude(state=ItemState.CANCELLED)
        .values("pair_id")
        .annotate(
            sampled=Count("id"),
            done=Count("id", filter=Q(state=ItemState.DONE)),
            right=Count("id", filter=Q(state=ItemState.DONE, is_right=True)),
        )
        .order_by()
    }
    wrong = (
        RecheckFinding.objects.filter(item__round=round, item__state=ItemState.DONE)
        .exclude(verdict=Verdict.RIGHT)
        .values("item__pair_id", "item__kind", "field")
        .annotate(n=Count("id"))
        .order_by("item__pair_id", "-n", "field")
    )
    wrong_by_pair: dict[int, list] = {}
    for r in wrong:
        label = (
            BY_NAME[r["item__kind"]][r["field"]].label
            if r["field"] in BY_NAME[r["item__kind"]]
            else r["field"]
        )
        kind_label = RecordKind(r["item__kind"]).label
        wrong_by_pair.setdefault(r["item__pair_id"], []).append((f"{kind_label}·{label}", r["n"]))
    sides = {}
    for pair in pairs:
        c = counts.get(pair.pk, {})
        sides[pair.pk] = Side(
            pair_id=pair.pk,
            checker=pair.checker_area.name,
            checked=pair.checked_area.name,
            sampled=c.get("sampled", 0),
            done=c.get("done", 0),
            right=c.get("right", 0),
            wrong_fields=wrong_by_pair.get(pair.pk, [])[:top],
        )
    out, seen = [], set()
    for pair in pairs:
        if pair.pk in seen:
            continue
        back = next(
            (
                p
                for p in pairs
                if p.checker_area_id == pair.checked_area_id and p.checked_area_id == pair.checker_area_id
            ),
            None,
        )
        seen.add(pair.pk)
        if back is not None:
            seen.add(back.pk)
        # (A checked by B, B checked by A): the first side is the pair's checked area.
        out.append((sides[pair.pk], sides[back.pk] if back is not None else None))
    return out
