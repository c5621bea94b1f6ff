"""The in-memory index of the standard address library that matching and duplicate detection walk.

Built once per process from the database and kept fresh cheaply: every write to an address leaves a change
record, so the index remembers the newest change record it has seen and, before each use, reads only the
address change records written since (one indexed query when nothing changed). New and ended addresses are
patched in; a rename, a move or a merge (which rewrite full texts and codes of whole subtrees) rebuilds.

Compact on purpose (the Haicang demo has 360,000 addresses): per node only its id, parent, level, grid and
match key live in flat arrays; children are found through one dict keyed by (parent, level, key); the full
texts are kept as hashes only, checked against the database row before an answer is given. Names are kept
only for the few nodes matched by name (roads, compounds, named buildings).
"""

import re
import threading
from array import array
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from wangge.addresses.engine.canonical import NUMBERED_SUFFIX, canonical_element
from wangge.addresses.engine.text import chinese_number, fold, leading_number
from wangge.addresses.models import AddressLevel, StandardAddress, normalise_text
from wangge.areas.models import Area, AreaLevel
from wangge.core.models import ChangeAction, ChangeRecord

# The parsed element type whose canonical form is the match key of each numbered level.
NUMBERED_LEVELS = {
    AddressLevel.DOOR_PLATE: "road_no",
    AddressLevel.BUILDING: "building",
    AddressLevel.UNIT: "unit",
    AddressLevel.FLOOR: "floor",
    AddressLevel.ROOM: "room",
}
NAMED_LEVELS = (AddressLevel.ROAD, AddressLevel.COMPOUND, AddressLevel.BUILDING)

# Generic compound words people add or drop (阳光花园 / 阳光花园小区 / 阳光小区): stripped once each, from the
# end, as long as two characters of the proper name remain.
COMPOUND_GENERIC = ("小区", "社区", "住宅区")
COMPOUND_KINDS = (
    "花园", "家园", "新村", "公寓", "豪庭", "名苑", "雅居", "嘉园", "广场", "山庄", "华府", "别墅", "大院",
    "宿舍", "苑", "园", "庭", "府", "居", "城", "院",
)  # fmt: skip
_NUMBER_ONLY = re.compile(r"^[0-9A-Z零〇一二两三四五六七八九十百#号楼栋幢座单元层室户F-]+$")
_ROAD_NUMERAL = re.compile(r"^(?P<stem>.+?)(?P<n>[零〇一二两三四五六七八九十]+)(?P<kind>路|街|巷|里|弄|道)$")
# Changes of these fields rewrite the keys, full texts or parents of a subtree: the index is rebuilt.
STRUCTURAL = {"name", "full_text", "parent_id", "code", "level"}
# Patching change by change beats rebuilding only while the changes are few.
PATCH_LIMIT = 20_000
# Change record ids re-read on every refresh, for records committed after a higher id was seen.
LOOKBACK = 2_000
# Packed child key: ((parent + 1) * 8 + level) * KEYSPACE + key id.
KEYSPACE = 1 << 24


def road_key(name: str) -> str:
    """坂翔一路 and 坂翔1路 are one road."""
    name = normalise_text(fold(name))
    match = _ROAD_NUMERAL.match(name)
    if match:
        number = chinese_number(match["n"])
        if number is not None:
            return f"{match['stem']}{number}{match['kind']}"
    return name


def compound_key(name: str) -> str:
    """阳光花园小区, 阳光花园, 阳光小区 and 阳光雅居花园 share the key 阳光; 海苑小区 keeps 海苑 (one character
    is no name)."""
    name = normalise_text(fold(name))
    stripped = True
    while stripped:
        stripped = False
        for suffix in (*COMPOUND_GENERIC, *COMPOUND_KINDS):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                name, stripped = name[: -len(suffix)], True
                break
    return name


def numbered_key(kind: str, text: str) -> str:
    """The parser's canonical form (3号楼, 三栋 → 3栋), also for what it does not cover but plainly is a number
    and level words only (3#楼, 5F)."""
    written = normalise_text(fold(text))
    key = canonical_element(kind, written)
    if key.endswith(NUMBERED_SUFFIX[kind]) or not _NUMBER_ONLY.match(written):
        return key
    number = leading_number(written)
    return key if number is None else canonical_element(kind, str(number))


def name_key(level: int, name: str) -> str:
    """The key under which a node is found among its siblings: equal keys denote the same place.

    Numbered levels use the parser's canonical form (3号楼, 3栋, 三幢 → 3栋; 0502 → 502室), so the register and
    a parsed text agree; roads fold numerals (一路 = 1路), compounds drop their generic suffixes.
    """
    if level == AddressLevel.ROAD:
        return road_key(name)
    if level == AddressLevel.COMPOUND:
        return compound_key(name)
    return numbered_key(NUMBERED_LEVELS[AddressLevel(level)], name)


def is_named(level: int, key: str) -> bool:
    """Roads, compounds and buildings with a proper name (海沧大厦, 宿舍楼) are found by name, not by number."""
    if level in (AddressLevel.ROAD, AddressLevel.COMPOUND):
        return True
    return level == AddressLevel.BUILDING and not key.endswith("栋")


@dataclass(frozen=True)
class Stamp:
    """Where the index stands: the newest change record seen (its id and time, since a rolled-back
    transaction can hand the same id out again) and the database it came from."""

    database: str
    change_id: int
    change_at: object


def current_stamp() -> Stamp:
    last = ChangeRecord.objects.order_by("-pk").values_list("pk", "at").first() or (0, None)
    return Stamp(database=str(connection.settings_dict.get("NAME")), change_id=last[0], change_at=last[1])


class AddressIndex:
    """Every current standard address, as flat arrays indexed by a dense position."""

    def __init__(self):
        self.pk = array("q")
        self.parent = array("i")
        self.level = bytearray()
        self.grid = array("q")
        self.alive = bytearray()
        self.key = array("i")
        self.keys: list[str] = []
        self.key_ids: dict[str, int] = {}
        self._keys_of_names: dict[tuple[int, str], tuple[int, bool]] = {}
        # packed (parent, level, key) → position, or a tuple of positions when siblings share a key
        self.children_by_key: dict[int, int | tuple] = {}
        self.children: dict[int, list[int]] = defaultdict(list)
        # (level, key id) → positions of named nodes anywhere; their exact names; their characters
        self.named: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.names: dict[int, str] = {}
        self.by_char: dict[tuple[int, str], set[int]] = defaultdict(set)
        self.by_text: dict[int, int | tuple] = {}
        # areas: grid id → grid code; area code → (name, level); the district names of the library
        self.grid_code: dict[int, str] = {}
        self.areas: dict[str, tuple[str, str]] = {}
        self.district_names: list[str] = []
        self.area_names: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.stamp: Stamp | None = None
        # Ids of the address and area change records of the look-back window already applied
        self.applied: set[int] = set()

    # -- building -----------------------------------------------------------------------------------

    @classmethod
    def build(cls) -> "AddressIndex":
        index = cls()
        index.stamp = current_stamp()
        # What the build reads includes every record of the window committed so far.
        index.applied = {
            record[0] for record in index.records_since(index.stamp.change_id, index.stamp.change_id)
        }
        index._load_areas()
        rows = (
            StandardAddress.objects.filter(ended_on__isnull=True)
            .order_by("pk")
            .values_list("pk", "parent_id", "level", "grid_id", "name", "full_text")
        )
        pending: list[tuple[int, int]] = []
        for row in rows.iterator(chunk_size=20_000):
            i = index._append(*row)
            if row[1] is not None:
                pending.append((i, row[1]))
        # Parents are known only once every row is in. A dict is quicker than bisecting 360,000 times, and
        # is dropped once the tree is linked.
        position = {pk: i for i, pk in enumerate(index.pk)}
        for i, parent_pk in pending:
            index._link(i, position.get(parent_pk))
        return index

    def _load_areas(self) -> None:
        self.grid_code, self.areas, self.district_names = {}, {}, []
        self.area_names = defaultdict(list)
        for pk, code, name, level in Area.objects.filter(ended_on__isnull=True).values_list(
            "pk", "code", "name", "level"
        ):
            self.areas[code] = (normalise_text(name), level)
            self.area_names[level].append((code, normalise_text(name)))
            if level == AreaLevel.GRID:
                self.grid_code[pk] = code
            elif level == AreaLevel.DISTRICT:
                self.district_names.append(normalise_text(name))

    def key_id(self, key: str) -> int:
        found = self.key_ids.get(key)
        if found is None:
            found = self.key_ids[key] = len(self.keys)
            self.keys.append(key)
        return found

    def _key(self, level: int, name: str) -> tuple[int, bool]:
        """(key id, named) of a name; names repeat thousands of times (1层, 101室), keys are made once."""
        found = self._keys_of_names.get((level, name))
        if found is None:
            key = name_key(level, name)
            found = self._keys_of_names[(level, name)] = (self.key_id(key), is_named(level, key))
        return found

    def _append(self, pk, parent_pk, level, grid_pk, name, full_text) -> int:
        i = len(self.pk)
        kid, named = self._key(level, name)
        self.pk.append(pk)
        # -1 for a road; a child's parent is set by _link.
        self.parent.append(-1)
        self.level.append(level)
        self.grid.append(grid_pk)
        self.alive.append(1)
        self.key.append(kid)
        # Stored full texts are normalised by the address services already.
        add(self.by_text, hash(full_text), i)
        if named:
            key = self.keys[kid]
            self.named[(level, kid)].append(i)
            self.names[i] = normalise_text(fold(name))
            for ch in set(key):
                self.by_char[(level, ch)].add(i)
        return i

    def _link(self, i: int, parent: int | None) -> None:
        if parent is None:
            # Under an ended (or unknown) parent: not reachable, so not matchable.
            self.alive[i] = 0
            return
        self.parent[i] = parent
        self.children[parent].append(i)
        add(self.children_by_key, self.pack(parent, self.level[i], self.key[i]), i)

    @staticmethod
    def pack(parent: int, level: int, key_id: int) -> int:
        return ((parent + 1) * 8 + level) * KEYSPACE + key_id

    # -- keeping fresh ------------------------------------------------------------------------------

    def refresh(self) -> "AddressIndex":
        """This index brought up to date, or a new one when patching would not be cheaper or safe."""
        stamp = current_stamp()
        seen = self.stamp
        if stamp == seen:
            return self
        if stamp.database != seen.database or stamp.change_id < seen.change_id:
            return AddressIndex.build()
        if seen.change_id and (
            stamp.change_id == seen.change_id
            or not ChangeRecord.objects.filter(pk=seen.change_id, at=seen.change_at).exists()
        ):
            # The record last seen is gone or changed: its id was handed out again after a rollback.
            return AddressIndex.build()
        records = self.records_since(seen.change_id, stamp.change_id)
        if len(records) > PATCH_LIMIT:
            return AddressIndex.build()
        address_type = ContentType.objects.get_for_model(StandardAddress).pk
        created, ended, moved, areas = [], [], {}, False
        for record_id, content_type, object_id, action, changes in records:
            self.applied.add(record_id)
            if content_type != address_type:
                areas = True
                continue
            changes = changes if isinstance(changes, dict) else {}
            if action == ChangeAction.CREATE:
                created.append(object_id)
            elif action == ChangeAction.END:
                ended.append(object_id)
            elif action == ChangeAction.CHANGE:
                if STRUCTURAL & changes.keys():
                    return AddressIndex.build()
                if "grid_id" in changes:
                    moved[object_id] = changes["grid_id"][1]
        if areas:
            self._load_areas()
        rows = (
            StandardAddress.objects.filter(pk__in=created, ended_on__isnull=True)
            .order_by("pk")
            .values_list("pk", "parent_id", "level", "grid_id", "name", "full_text")
        )
        for row in rows:
            if self.position(row[0]) is not None:
                continue
            if self.pk and row[0] < self.pk[-1]:
                # Positions are found by bisecting the ids, which must therefore only grow.
                return AddressIndex.build()
            i = self._append(*row)
            if row[1] is not None:
                self._link(i, self.position(row[1]))
        for pk, grid_pk in moved.items():
            i = self.position(pk)
            if i is not None and isinstance(grid_pk, int):
                self.grid[i] = grid_pk
        for pk in ended:
            i = self.position(pk)
            if i is not None:
                self.alive[i] = 0
        self.stamp = stamp
        return self

    def records_since(self, seen_id: int, newest_id: int) -> list[tuple]:
        """Address and area change records not applied yet, up to the newest. On PostgreSQL ids are handed out
        at insert and become visible at commit, so a record below the last id seen may appear later: the
        look-back window re-reads the most recent ids, skipping those already applied."""
        types = [ContentType.objects.get_for_model(model).pk for model in (StandardAddress, Area)]
        records = (
            ChangeRecord.objects.filter(
                pk__gt=max(0, seen_id - LOOKBACK), pk__lte=newest_id, content_type_id__in=types
            )
            .exclude(pk__in=[pk for pk in self.applied if pk > seen_id - LOOKBACK])
            .order_by("pk")
            .values_list("pk", "content_type_id", "object_id", "action", "changes")[: PATCH_LIMIT + 1]
        )
        self.applied = {pk for pk in self.applied if pk > newest_id - LOOKBACK}
        return list(records)

    # -- reading ------------------------------------------------------------------------------------

    def position(self, pk: int) -> int | None:
        i = bisect_left(self.pk, pk)
        return i if i < len(self.pk) and self.pk[i] == pk else None

    def lookup(self, parent: int, level: int, key: str) -> tuple[int, ...]:
        kid = self.key_ids.get(key)
        if kid is None:
            return ()
        found = self.children_by_key.get(self.pack(parent, level, kid), ())
        found = found if isinstance(found, tuple) else (found,)
        return tuple(i for i in found if self.alive[i])

    def named_nodes(self, level: int, key: str) -> list[int]:
        kid = self.key_ids.get(key)
        if kid is None:
            return []
        return [i for i in self.named.get((level, kid), ()) if self.alive[i]]

    def by_full_text(self, text: str) -> tuple[int, ...]:
        """Nodes whose full text may be this (normalised) text: equal hashes, to be checked on the row."""
        found = self.by_text.get(hash(text), ())
        found = found if isinstance(found, tuple) else (found,)
        return tuple(i for i in found if self.alive[i])

    def kids(self, i: int) -> list[int]:
        return [c for c in self.children.get(i, ()) if self.alive[c]]

    def path(self, i: int) -> list[int]:
        """From the road down to the node."""
        chain = []
        while i >= 0:
            chain.append(i)
            i = self.parent[i]
        chain.reverse()
        return chain

    def grids_under(self, prefix: str) -> set[int]:
        return {pk for pk, code in self.grid_code.items() if code.startswith(prefix)}

    def approximate_memory(self) -> int:
        """Bytes held by the index's containers (the measured process RSS is the true figure)."""
        import sys

        total = sum(a.buffer_info()[1] * a.itemsize for a in (self.pk, self.parent, self.grid, self.key))
        total += len(self.level) + len(self.alive)
        for mapping in (self.children_by_key, self.by_text):
            total += sys.getsizeof(mapping) + sum(
                sys.getsizeof(k) + sys.getsizeof(v) for k, v in mapping.items()
            )
        return total

    def __len__(self) -> int:
        return len(self.pk)


def add(mapping: dict, key, value: int) -> None:
    """One value per key, or a tuple of them: most keys have exactly one."""
    found = mapping.get(key)
    if found is None:
        mapping[key] = value
    elif isinstance(found, tuple):
        mapping[key] = (*found, value)
    else:
        mapping[key] = (found, value)


_index: AddressIndex | None = None
_lock = threading.Lock()


def get_index() -> AddressIndex:
    """The process's index, built on first use and refreshed before each use."""
    global _index
    with _lock:
        _index = AddressIndex.build() if _index is None else _index.refresh()
        return _index
