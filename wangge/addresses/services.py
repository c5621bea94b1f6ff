"""Writes to the standard address library."""

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.roles import can_review_merges
from wangge.addresses.engine.index import KEYSPACE, get_index, name_key
from wangge.addresses.engine.match import allowed_grids
from wangge.addresses.models import (
    CODE_SEQUENCE_WIDTH,
    AddressLevel,
    AddressMergeProposal,
    DuplicateKind,
    MergeProposal,
    MergeStatus,
    StandardAddress,
    address_code,
    normalise_text,
)
from wangge.areas.models import Area, AreaLevel
from wangge.core.actor import Actor
from wangge.core.bulk import (
    Change,
    RowOutcome,
    RowStatus,
    Tally,
    allocate_ids,
    chunks,
    create_records,
    fetch_in,
    in_scope,
    scope_grid_ids,
    update_records,
)
from wangge.core.models import ChangeAction
from wangge.core.services import (
    create_record,
    end_record,
    record_change,
    reject_bad_text,
    require,
    require_edit,
    require_in_scope,
    update_record,
)


def road_prefix(grid: Area) -> str:
    """A road is coded under its community's official 12-digit code, so road codes stay unique district-wide."""
    return grid.code[:12]


def community_text(grid: Area) -> str:
    """The area part of a standard address: district, street and community names."""
    return "".join(a.name for a in grid.ancestors() if len(a.code) <= 12)


def next_code(*, parent: StandardAddress | None, grid: Area, level: int) -> str:
    prefix = parent.code if parent else road_prefix(grid)
    siblings = StandardAddress.objects.filter(
        code__startswith=f"{prefix}{int(level)}", parent=parent, level=level
    )
    last = siblings.aggregate(m=Max("code"))["m"]
    sequence = int(last[len(prefix) + 1 :]) + 1 if last else 1
    return address_code(prefix, level, sequence)


@transaction.atomic
def address_create(
    *,
    actor: Actor,
    level: int,
    name: str,
    parent: StandardAddress | None = None,
    grid: Area | None = None,
    latitude=None,
    longitude=None,
) -> StandardAddress:
    """Add one node; the code and the normalised full text follow from the parent. Children inherit the grid."""
    require_edit(actor)
    name = normalise_text(name)
    if not name:
        raise ValidationError({"name": [_("请填写名称。")]})
    grid = grid or (parent.grid if parent else None)
    if grid is None:
        raise ValidationError({"grid": [_("请选择采集网格。")]})
    require_in_scope(actor, grid, "grid")
    if parent is not None:
        require_in_scope(actor, parent.grid, "parent")
        if parent.ended_on:
            raise ValidationError({"parent": [_("上级地址已注销。")]})
    full_text = (parent.full_text if parent else community_text(grid)) + name
    return create_record(
        StandardAddress,
        actor=actor,
        level=level,
        name=name,
        parent=parent,
        grid=grid,
        code=next_code(parent=parent, grid=grid, level=level),
        full_text=full_text,
        latitude=latitude,
        longitude=longitude,
    )


@transaction.atomic
def address_update(
    *, actor: Actor, address: StandardAddress, expected_version: int | None = None, **fields
) -> dict:
    """Rename, move to another grid or set the location. A rename rewrites the full text of the subtree."""
    require_edit(actor)
    changes = {k: v for k, v in fields.items() if k in {"name", "grid", "latitude", "longitude"}}
    if "name" in changes:
        changes["name"] = normalise_text(changes["name"])
        if not changes["name"]:
            raise ValidationError({"name": [_("请填写名称。")]})
    if "grid" in changes:
        require_in_scope(actor, changes["grid"], "grid")
    old_full_text = address.full_text
    if "name" in changes:
        base = (
            address.parent.full_text
            if address.parent_id
            else community_text(changes.get("grid") or address.grid)
        )
        changes["full_text"] = base + changes["name"]
    diff = update_record(address, actor=actor, fields=changes, expected_version=expected_version)
    if "full_text" in diff:
        # Descendants spell their parent's name inside their own full text; keep them true.
        descendants = list(
            StandardAddress.objects.filter(code__startswith=address.code).exclude(pk=address.pk)
        )
        for node in descendants:
            node.full_text = address.full_text + node.full_text[len(old_full_text) :]
        StandardAddress.objects.bulk_update(descendants, ["full_text"], batch_size=1000)
    return diff


@transaction.atomic
def address_end(*, actor: Actor, address: StandardAddress, reason: str) -> dict:
    require_edit(actor)
    if (
        address.children.filter(ended_on__isnull=True).exists()
        or address.houses.filter(ended_on__isnull=True).exists()
    ):
        raise ValidationError({"address": [_("该地址下还有未注销的下级地址或房屋，请先处理。")]})
    return end_record(address, actor=actor, reason=reason)


# --- import -----------------------------------------------------------------------------------------------


def addresses_import(*, actor: Actor, rows: list[dict], commit: bool = True, report=None) -> list[RowOutcome]:
    """Add many addresses at once: each row is a path from the road down (`path`: [(level, name), …]) in a
    collection grid (`grid`), or the `code` of an address already registered; optionally its location.

    Nodes of the path that do not exist yet are created (below a new node everything is new), with codes and
    full texts as address_create gives them; a row whose deepest node exists is unchanged, or changed when it
    brings another location or grid. The single services' rules hold: nothing is added under a parent outside
    the user's scope or under an ended one. Every row is checked first, then the valid ones are written.
    """
    require_edit(actor)
    scope = scope_grid_ids(actor)
    outcomes = [RowOutcome() for _row in rows]
    by_code = {
        a.code: a for a in fetch_in(StandardAddress.objects.all(), "code", (r.get("code") for r in rows))
    }
    for i, row in enumerate(rows):
        _check_address_row(outcomes[i], row, scope, by_code)

    walk = _AddressWalk(rows, outcomes, scope)
    changes: list[Change] = []
    leaves: dict[int, int] = {}
    for i, row in enumerate(rows):
        outcome = outcomes[i]
        if outcome.rejected:
            continue
        leaf = walk.nodes[i][-1] if walk.nodes[i] else by_code.get(row.get("code"))
        if row.get("code") and leaf is not by_code.get(row["code"]):
            outcome.reject("code", _("地址编码与各级地址名称不一致。"))
            continue
        if id(leaf) in leaves:
            outcome.reject("path", _("与第 %(n)s 条记录是同一地址。") % {"n": leaves[id(leaf)] + 1})
            continue
        leaves[id(leaf)] = i
        location = {k: row[k] for k in ("latitude", "longitude") if row.get(k) is not None}
        if leaf.pk is None:
            for name, value in location.items():
                setattr(leaf, name, value)
            outcome.status = RowStatus.NEW
            continue
        if not in_scope(scope, leaf.grid_id):
            outcome.reject("path", _("地址不在您的管辖范围内。"))
            continue
        fields = {k: v for k, v in location.items() if getattr(leaf, k) != v}
        grid = row.get("grid")
        if grid is not None and grid.pk != leaf.grid_id:
            fields["grid_id"] = grid.pk
        if fields:
            changes.append(Change(instance=leaf, fields=fields))
        outcome.status = RowStatus.CHANGED if fields else RowStatus.UNCHANGED

    if commit:
        # Only the nodes on the paths of accepted rows: a rejected row leaves nothing behind.
        kept = {id(node) for i, path in enumerate(walk.nodes) if not outcomes[i].rejected for node in path}
        new_nodes = [node for node in walk.created.values() if id(node) in kept]
        _number_new_addresses(new_nodes)
        tally = Tally(len(new_nodes) + len(changes), report)
        create_records(StandardAddress, new_nodes, actor=actor, tick=tally)
        update_records(StandardAddress, changes, actor=actor, tick=tally)
    return outcomes


class _AddressWalk:
    """Follows every row's path down the tree, depth by depth: one query per depth (per chunk) finds the
    children of nodes that exist; a node not found is made (unsaved) once and shared by the rows naming it."""

    def __init__(self, rows: list[dict], outcomes: list[RowOutcome], scope):
        self.nodes: list[list[StandardAddress]] = [[] for _row in rows]
        self.created: dict[tuple, StandardAddress] = {}
        self.texts: dict[int, str] = {}
        found: dict[tuple, StandardAddress] = {}
        depth = 0
        while True:
            wanted = [
                (i, row["path"][depth])
                for i, row in enumerate(rows)
                if not outcomes[i].rejected and len(row.get("path") or ()) > depth
            ]
            if not wanted:
                break
            names = sorted({name for _i, (_level, name) in wanted})
            if depth == 0:
                roads = StandardAddress.objects.filter(parent=None, level=AddressLevel.ROAD)
                for part in chunks(names):
                    for a in roads.filter(name__in=part):
                        found[(a.code[:12], a.level, a.name)] = a
            else:
                parents = sorted({self.nodes[i][-1].pk for i, _step in wanted if self.nodes[i][-1].pk})
                for part in chunks(parents):
                    for a in StandardAddress.objects.filter(parent_id__in=part, name__in=names):
                        found[(a.parent_id, a.level, a.name)] = a
            for i, (level, name) in wanted:
                node = self.step(rows[i], outcomes[i], self.nodes[i], level, name, found, scope)
                if node is not None:
                    self.nodes[i].append(node)
            depth += 1

    def step(self, row, outcome, path, level, name, found, scope) -> StandardAddress | None:
        parent = path[-1] if path else None
        grid = row.get("grid")
        if parent is None:
            if grid is None:
                outcome.reject("grid", _("请填写采集网格。"))
                return None
            key = (road_prefix(grid), level, name)
        else:
            key = (parent.pk or id(parent), level, name)
        node = found.get(key) if parent is None or parent.pk else None
        node = node or self.created.get(key)
        if node is not None:
            if node.ended_on:
                outcome.reject("path", _("地址“%(a)s”已注销。") % {"a": node.full_text})
                return None
            return node
        if grid is None:
            outcome.reject("grid", _("请填写采集网格。"))
            return None
        if parent is not None and parent.pk and not in_scope(scope, parent.grid_id):
            outcome.reject("path", _("上级地址不在您的管辖范围内。"))
            return None
        if parent is not None and parent.level >= level:
            outcome.reject("path", _("层级须低于上级地址（%(p)s）。") % {"p": parent.get_level_display()})
            return None
        if parent is None:
            if grid.pk not in self.texts:
                self.texts[grid.pk] = community_text(grid)
            full_text = self.texts[grid.pk] + name
        else:
            full_text = parent.full_text + name
        if len(full_text) > StandardAddress._meta.get_field("full_text").max_length:
            outcome.reject("path", _("标准全称过长。"))
            return None
        node = StandardAddress(level=level, name=name, parent=parent, grid=grid, full_text=full_text)
        self.created[key] = node
        return node


def _check_address_row(outcome: RowOutcome, row: dict, scope, by_code: dict) -> None:
    grid = row.get("grid")
    if grid is not None:
        if not in_scope(scope, grid.pk):
            outcome.reject("grid", _("所选记录不存在。"))
        elif grid.level != AreaLevel.GRID:
            outcome.reject("grid", _("标准地址须挂在采集网格上。"))
    path = row.get("path") or []
    if row.get("code"):
        found = by_code.get(row["code"])
        if found is None:
            outcome.reject("code", _("没有这个地址编码（新地址不填编码，由系统生成）。"))
        elif not in_scope(scope, found.grid_id):
            outcome.reject("code", _("地址不在您的管辖范围内。"))
        elif found.ended_on:
            outcome.reject("code", _("该地址已注销。"))
    elif not path:
        outcome.reject("path", _("请填写街路巷。"))
    if path and path[0][0] != AddressLevel.ROAD:
        outcome.reject("path", _("请填写街路巷。"))
    levels = [level for level, _name in path]
    if levels != sorted(set(levels)):
        outcome.reject("path", _("各级地址的层级顺序不对。"))
    max_name = StandardAddress._meta.get_field("name").max_length
    if any(not name or len(name) > max_name or "\x00" in name for _level, name in path):
        outcome.reject("path", _("各级地址名称须为 1 到 %(n)s 个字符。") % {"n": max_name})
    for name, bound in (("latitude", 90), ("longitude", 180)):
        value = row.get(name)
        if value is not None and not -bound <= value <= bound:
            outcome.reject(name, _("须在 -%(b)s 到 %(b)s 之间。") % {"b": bound})


def _number_new_addresses(new_nodes: list[StandardAddress]) -> None:
    """Codes of new nodes, parents first, each continuing its parent's numbering as next_code does."""
    new_nodes.sort(key=lambda a: a.level)
    allocate_ids(StandardAddress, new_nodes)
    last: dict[tuple, int] = {}
    existing_parents = sorted({a.parent.pk for a in new_nodes if a.parent is not None and a.parent.code})
    for part in chunks(existing_parents):
        tops = (
            StandardAddress.objects.filter(parent_id__in=part)
            .values("parent_id", "level")
            .annotate(m=Max("code"))
        )
        for top in tops:
            width = CODE_SEQUENCE_WIDTH[AddressLevel(top["level"])]
            last[(top["m"][: -(width + 1)], top["level"])] = int(top["m"][-width:])
    for node in new_nodes:
        parent = node.parent
        if parent is None:
            prefix = road_prefix(node.grid)
            if (prefix, node.level) not in last:
                top = StandardAddress.objects.filter(
                    parent=None, level=node.level, code__startswith=f"{prefix}{node.level}"
                ).aggregate(m=Max("code"))["m"]
                last[(prefix, node.level)] = int(top[len(prefix) + 1 :]) if top else 0
        else:
            node.parent_id = parent.pk
            prefix = parent.code
        sequence = last.get((prefix, node.level), 0) + 1
        last[(prefix, node.level)] = sequence
        node.code = address_code(prefix, node.level, sequence)


# --- duplicates and merges (R-11; docs/address-engine.md "Duplicates and merges") ---------------------------


def require_merge_role(actor: Actor) -> None:
    """Commands and tasks act for the system; a person needs a role of accounts.roles.MERGE_ROLES."""
    if actor.user is not None:
        require(actor, can_review_merges(actor.user))


def clean_area(area: str | None) -> str:
    area = (area or "").strip()
    if area and not (area.isascii() and area.isdigit() and len(area) <= 18):
        raise ValidationError({"area": [_("区域编码须为不超过 18 位的数字。")]})
    return area


@transaction.atomic
def find_duplicates(*, actor: Actor, area: str = "") -> dict[str, int]:
    """Find near-duplicate addresses and "one address, several house codes" inside the actor's scope (narrowed
    to `area`) and propose each pair once: a pair proposed before, merged or rejected is never proposed again.
    Pending proposals one of whose records has ended meanwhile are closed. Returns the new proposals' counts."""
    from wangge.housing.models import HouseMergeProposal
    from wangge.housing.services import find_house_duplicates

    require_merge_role(actor)
    area = clean_area(area)
    index = get_index()
    allowed = allowed_grids(index, user=actor.user, within=area)
    found = {
        "addresses": propose_merges(
            AddressMergeProposal, address_duplicate_pairs(index, allowed), actor=actor
        ),
        "houses": find_house_duplicates(actor=actor, grids=allowed),
    }
    for model in (AddressMergeProposal, HouseMergeProposal):
        close_stale_proposals(model, actor=actor, grids=allowed)
    return found


def address_duplicate_pairs(index, grids: set[int] | None) -> dict[tuple[int, int], tuple[str, str]]:
    """{(lower id, higher id): (kind, what they share)}: nodes with one full text anywhere, siblings whose
    names share a key (3栋 / 三幢 / 3号楼; 阳光花园 / 阳光花园小区), roads of one community sharing a key."""
    pairs: dict[tuple[int, int], tuple[str, str]] = {}

    def usable(i: int) -> bool:
        return bool(index.alive[i]) and (grids is None or index.grid[i] in grids)

    def propose(pks, kind: str, key: str) -> None:
        pks = sorted(pks)
        for other in pks[1:]:
            pairs.setdefault((pks[0], other), (kind, key))

    # The index keeps full texts as hashes only: equal hashes are read back and compared.
    same_hash = [
        index.pk[i]
        for group in index.by_text.values()
        if isinstance(group, tuple)
        for i in group
        if usable(i)
    ]
    by_text: dict[str, list[int]] = {}
    for address in fetch_in(StandardAddress.objects.only("id", "full_text"), "id", same_hash):
        by_text.setdefault(address.full_text, []).append(address.pk)
    for text, pks in by_text.items():
        if len(pks) > 1:
            propose(pks, DuplicateKind.SAME_TEXT, text)
    for packed, group in index.children_by_key.items():
        if isinstance(group, tuple):
            members = [index.pk[i] for i in group if usable(i)]
            if len(members) > 1:
                propose(members, DuplicateKind.SAME_KEY, index.keys[packed % KEYSPACE])
    for (level, key_id), group in index.named.items():
        if level != AddressLevel.ROAD or len(group) < 2:
            continue
        communities: dict[str, list[int]] = {}
        for i in group:
            if usable(i):
                communities.setdefault(index.grid_code.get(index.grid[i], "")[:12], []).append(index.pk[i])
        for members in communities.values():
            if len(members) > 1:
                propose(members, DuplicateKind.SAME_KEY, index.keys[key_id])
    return pairs


def propose_merges(model, pairs: dict[tuple[int, int], tuple[str, str]], *, actor: Actor) -> int:
    """One audited proposal per pair not proposed before (whatever became of the earlier proposal)."""
    a, b = model.a_field, model.b_field
    known: set[tuple[int, int]] = set()
    for part in chunks(sorted({first for first, _second in pairs})):
        known.update(model.objects.filter(**{f"{a}_id__in": part}).values_list(f"{a}_id", f"{b}_id"))
    created = 0
    for (first, second), (kind, key) in sorted(pairs.items()):
        if (first, second) not in known:
            create_record(
                model, actor=actor, kind=kind, key=key[:400], **{f"{a}_id": first, f"{b}_id": second}
            )
            created += 1
    return created


def close_stale_proposals(model, *, actor: Actor, grids: set[int] | None) -> None:
    a, b = model.a_field, model.b_field
    stale = model.objects.filter(status=MergeStatus.PENDING).filter(
        Q(**{f"{a}__ended_on__isnull": False}) | Q(**{f"{b}__ended_on__isnull": False})
    )
    if grids is not None:
        stale = stale.filter(**{f"{a}__grid_id__in": grids, f"{b}__grid_id__in": grids})
    for proposal in stale:
        decide(proposal, actor=actor, status=MergeStatus.SUPERSEDED, reason=_("其中一条记录已注销。"))


def lock_pending(proposal, *, actor: Actor):
    """The proposal read again under a row lock: two reviewers deciding at once cannot both act on it."""
    model = type(proposal)
    proposal = model.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != MergeStatus.PENDING:
        raise ValidationError(
            {"status": [_("该合并建议已处理（%(s)s）。") % {"s": proposal.get_status_display()}]}
        )
    for field_name, record in zip((model.a_field, model.b_field), proposal.records, strict=True):
        require_in_scope(actor, record.grid, field_name)
    return proposal


def merged_side(proposal, survivor):
    """The record that ends: the other one of the pair. Both must still be current."""
    first, second = proposal.records
    if survivor is None or survivor.pk not in (first.pk, second.pk):
        raise ValidationError({"survivor": [_("请从这两条记录中选择要保留的一条。")]})
    for field_name, record in zip((proposal.a_field, proposal.b_field), proposal.records, strict=True):
        if record.ended_on is not None:
            raise ValidationError(
                {field_name: [_("该记录已于 %(d)s 注销，不能再合并。") % {"d": record.ended_on}]}
            )
    return second if survivor.pk == first.pk else first


def decide(proposal, *, actor: Actor, status: str, reason: str, survivor=None) -> None:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    fields = {"status": status, "decided_at": timezone.now(), "decided_by": user, "decision_reason": reason}
    if survivor is not None:
        fields["survivor"] = survivor
    update_record(proposal, actor=actor, fields=fields, reason=reason)


@transaction.atomic
def merge_reject(*, actor: Actor, proposal, reason: str):
    """Not one record after all: the proposal is closed with the reason, and never proposed again."""
    require_merge_role(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写驳回原因。")]})
    reject_bad_text({"reason": reason})
    proposal = lock_pending(proposal, actor=actor)
    decide(proposal, actor=actor, status=MergeStatus.REJECTED, reason=reason)
    return proposal


def repoint_references(*, actor: Actor, old, new, reason: str) -> Counter:
    """Every record pointing at `old` (current or ended, of any app) points at `new` afterwards, each change
    audited. The address tree's own children and merge proposals are left to their callers."""
    moved: Counter = Counter()
    for relation in type(old)._meta.get_fields(include_hidden=True):
        if not (
            relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)
        ):
            continue
        model = relation.related_model
        if issubclass(model, MergeProposal) or (model is type(old) and relation.field.name == "parent"):
            continue
        rows = list(model._default_manager.filter(**{relation.field.name: old}))
        if rows:
            changes = [
                Change(instance=row, fields={relation.field.attname: new.pk}, reason=reason) for row in rows
            ]
            update_records(model, changes, actor=actor)
            moved[str(model._meta.verbose_name)] += len(rows)
    return moved


def supersede_proposals(model, *, actor: Actor, merged, survivor, decided) -> None:
    """Pending proposals naming the merged record now concern the survivor; one that would pair the survivor
    with itself, or repeat another proposal, is closed."""
    a, b = model.a_field, model.b_field
    pending = (
        model.objects.select_for_update()
        .filter(Q(**{a: merged}) | Q(**{b: merged}), status=MergeStatus.PENDING)
        .exclude(pk=decided.pk)
    )
    label = getattr(survivor, "code", None) or getattr(survivor, "house_code", "")
    for proposal in pending:
        first, second = proposal.records
        other = second if first.pk == merged.pk else first
        pair = tuple(sorted((other.pk, survivor.pk)))
        repeated = model.objects.filter(**{f"{a}_id": pair[0], f"{b}_id": pair[1]}).exists()
        if other.pk == survivor.pk or repeated:
            why = _("其中一条记录已并入 %(code)s。") % {"code": label}
            decide(proposal, actor=actor, status=MergeStatus.SUPERSEDED, reason=why)
        else:
            why = _("原记录已并入 %(code)s，改为与其比较。") % {"code": label}
            update_record(proposal, actor=actor, fields={f"{a}_id": pair[0], f"{b}_id": pair[1]}, reason=why)


def merge_summary(moved: Counter) -> str:
    return "、".join(f"{what} {n}" for what, n in moved.items() if n) or _("无")


@transaction.atomic
def address_merge_approve(*, actor: Actor, proposal: AddressMergeProposal, survivor, reason: str = ""):
    """Merge the pair into the chosen survivor: the other address ends ("并入 <code>") with its history, and
    its sub-addresses, houses, units and anything else pointing at it move to the survivor. Sub-addresses
    that the survivor has too (3号楼 under both) are merged the same way, level by level."""
    require_merge_role(actor)
    reject_bad_text({"reason": reason})
    proposal = lock_pending(proposal, actor=actor)
    merged = merged_side(proposal, survivor)
    survivor = StandardAddress.objects.select_for_update().get(pk=survivor.pk)
    if merged.level != survivor.level:
        raise ValidationError({"survivor": [_("两个地址层级不同，不能合并。")]})
    moved = merge_address_into(actor=actor, merged=merged, survivor=survivor, proposal=proposal)
    note = _("%(m)s 并入 %(s)s；迁移：%(what)s。") % {
        "m": merged.code,
        "s": survivor.code,
        "what": merge_summary(moved),
    }
    decide(
        proposal,
        actor=actor,
        status=MergeStatus.APPROVED,
        survivor=survivor,
        reason=(reason or "").strip() or note,
    )
    return proposal


def merge_address_into(
    *, actor: Actor, merged: StandardAddress, survivor: StandardAddress, proposal
) -> Counter:
    why = _("并入 %(code)s") % {"code": survivor.code}
    moved: Counter = Counter()
    twins = {
        (child.level, name_key(child.level, child.name)): child
        for child in survivor.children.filter(ended_on__isnull=True)
    }
    for child in merged.children.order_by("code"):
        twin = twins.get((child.level, name_key(child.level, child.name))) if child.ended_on is None else None
        if twin is None:
            move_address(actor=actor, address=child, parent=survivor, reason=why)
            moved[str(_("下级地址"))] += 1
        else:
            moved += merge_address_into(actor=actor, merged=child, survivor=twin, proposal=proposal)
            moved[str(_("合并的下级地址"))] += 1
    here = repoint_references(actor=actor, old=merged, new=survivor, reason=why)
    moved += here
    supersede_proposals(AddressMergeProposal, actor=actor, merged=merged, survivor=survivor, decided=proposal)
    end_record(merged, actor=actor, reason=why)
    record_change(
        actor=actor,
        instance=survivor,
        action=ChangeAction.CHANGE,
        reason=_("合并：%(text)s（%(code)s）并入本地址，迁入 %(what)s。")
        % {"text": merged.full_text, "code": merged.code, "what": merge_summary(here)},
    )
    return moved


def move_address(*, actor: Actor, address: StandardAddress, parent: StandardAddress, reason: str) -> None:
    """Hang an address (and its subtree) under another parent: codes and full texts follow the new parent, so
    code prefixes keep telling the path. House codes, being identifiers, do not change."""
    try:
        code = next_code(parent=parent, grid=address.grid, level=address.level)
    except ValueError as exc:
        raise ValidationError({"survivor": [_("保留地址的下级编号已用完，不能再迁入。")]}) from exc
    limit = StandardAddress._meta.get_field("full_text").max_length
    texts = {address.pk: parent.full_text + address.name}
    changes = []
    for node in StandardAddress.objects.filter(code__startswith=address.code).order_by("code"):
        if node.pk != address.pk:
            texts[node.pk] = texts.get(node.parent_id, parent.full_text) + node.name
        if len(texts[node.pk]) > limit:
            raise ValidationError({"survivor": [_("迁入后的标准全称过长。")]})
        fields = {"code": code + node.code[len(address.code) :], "full_text": texts[node.pk]}
        if node.pk == address.pk:
            fields["parent_id"] = parent.pk
        changes.append(Change(instance=node, fields=fields, reason=reason))
    update_records(StandardAddress, changes, actor=actor)
