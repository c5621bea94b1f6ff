"""Matching a free-text address to the deepest standard address it certainly denotes (docs/address-engine.md).

1. Fast path: the text, folded, is the full text of exactly one current address.
2. Otherwise the text is parsed, and its elements become steps down the address tree: road (or village
   group) → door plate → compound (or a named building) → building → unit → floor → room.
3. The first step that names something (a road, else a compound or named building) anchors the walk: looked up
   by key (坂翔一路 = 坂翔1路; 阳光花园 = 阳光花园小区 = 阳光小区; exact names preferred), then by edit distance.
4. Each further step looks below the current candidates by key (3栋 = 3号楼 = 三幢 …), passing through
   levels the text leaves out (no compound, no unit, no floor: a room 502 is found on floor 5).
5. The answer is the deepest node every remaining candidate agrees on. When a step finds nothing (a building
   the register lacks), the walk stops and the answer is the node reached so far: what the text certainly
   denotes. The score says how much of the text that covers; `complete` says whether it covers all of it.
6. No answer rather than a guess: candidates in different places with nothing in common, a near spelling not
   confirmed by two elements below it, a place outside the area the text names that is not otherwise exact.

Scope: only addresses visible to the user (and inside `within`) are answered; a node outside is treated as
not there, though the walk may pass through one (a road in one grid, its door plates in another).
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.addresses.engine.canonical import code_depth
from wangge.addresses.engine.index import (
    NUMBERED_LEVELS,
    AddressIndex,
    compound_key,
    get_index,
    name_key,
    numbered_key,
    road_key,
)
from wangge.addresses.engine.text import fold
from wangge.addresses.models import AddressLevel, StandardAddress, normalise_text
from wangge.areas.models import AreaLevel
from wangge.core.bulk import fetch_in

MAX_TEXT = 300
# Nodes a step may visit while passing through levels the text leaves out.
VISIT_LIMIT = 5_000
# Name similarity (1 − edit distance / length) a typo may cost and still be taken.
FUZZY_THRESHOLD = 0.6
FUZZY_POOL = 30
# Elements below a near-spelt anchor that must be found before it is believed.
FUZZY_CONFIRMATIONS = 2
# A candidate outside the area the text names (a wrong community) is taken only at this discount.
AREA_PENALTY = 0.85
DIVISION_SUFFIXES = ("省", "市", "区", "县", "旗", "州", "盟")
# A road or compound found by its key only (月景家园 for 月景花园: another kind word).
NEAR_NAME_CREDIT = 0.9
# A level the text names but the register does not have there (a unit in a building without units); only
# units and floors are kept by some registers and not by others, a door plate or room is either there or not.
ABSENT_LEVEL_CREDIT = 0.5
OPTIONAL_LEVELS = (AddressLevel.UNIT, AddressLevel.FLOOR)

L = AddressLevel
# Element type → (levels it may denote, soft). A hard step that finds nothing stops the walk; a soft one (a
# poi: perhaps a shop's name) stops it only where the register has other named places at that level.
STEP_TYPES = {
    "road": ((L.ROAD,), False),
    "village_group": ((L.ROAD,), False),
    "road_no": ((L.DOOR_PLATE,), False),
    "poi": ((L.COMPOUND, L.BUILDING), True),
    "subpoi": ((L.COMPOUND, L.BUILDING), True),
    "building": ((L.BUILDING,), False),
    "unit": ((L.UNIT,), False),
    "floor": ((L.FLOOR,), False),
    "room": ((L.ROOM,), False),
}
TYPE_LABELS = {
    "road": gettext_lazy("街路巷"),
    "village_group": gettext_lazy("村民小组"),
    "community": gettext_lazy("村民小组"),
    "road_no": gettext_lazy("门牌"),
    "poi": gettext_lazy("小区/楼宇"),
    "subpoi": gettext_lazy("小区/楼宇"),
    "building": gettext_lazy("楼栋"),
    "unit": gettext_lazy("单元"),
    "floor": gettext_lazy("楼层"),
    "room": gettext_lazy("户室"),
}


@dataclass
class MatchResult:
    """The deepest standard address the text certainly denotes, or None."""

    address: StandardAddress | None
    score: float
    level: int | None
    reasons: list[str] = field(default_factory=list)
    # Every address element of the text was found, down to the answer.
    complete: bool = False

    def to_json(self) -> dict:
        address = self.address
        return {
            "address": None
            if address is None
            else {
                "id": address.pk,
                "code": address.code,
                "full_text": address.full_text,
                "level": address.level,
            },
            "score": self.score,
            "level": self.level,
            "complete": self.complete,
            "reasons": self.reasons,
        }


@dataclass
class Step:
    kind: str
    text: str
    levels: tuple[int, ...]
    keys: dict[int, str]
    soft: bool
    # The road key of this element run together with the one before it
    joined: str = ""


@dataclass
class Attempt:
    """One walk from one anchor: the candidates reached, and per step its credit and the level it matched."""

    candidates: list[int] = field(default_factory=list)
    gained: dict[int, float] = field(default_factory=dict)
    level: dict[int, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    penalty: float = 1.0
    stopped: bool = False
    # Anchored on a near spelling, and how many steps below the anchor have backed it up since
    fuzzy: bool = False
    confirmed: int = 0


def anchorable(step: "Step") -> bool:
    """A road, a compound or a named building can start a walk; a bare building number (3栋) cannot."""
    if not any(level in (L.ROAD, L.COMPOUND, L.BUILDING) for level in step.levels):
        return False
    return not (step.levels == (L.BUILDING,) and step.keys[L.BUILDING].endswith("栋"))


@dataclass
class Outcome:
    position: int | None
    score: float
    reasons: list[str]
    complete: bool
    # The full text the fast path found by its hash, checked against the stored row before it is answered.
    full_text: str = ""


def steps_of(parsed, index: AddressIndex) -> list[Step]:
    steps = []
    has_door = parsed.get("road_no") is not None
    areas = {
        "town": [name for _code, name in index.area_names.get(AreaLevel.STREET, ())],
        "community": [name for _code, name in index.area_names.get(AreaLevel.COMMUNITY, ())],
    }
    previous = None
    for element in parsed.elements:
        kind, text = element.type, element.text
        written = normalise_text(fold(text))
        before, previous = previous, element
        if not written:
            continue
        if kind in areas and not any(n.startswith(written) or written.startswith(n) for n in areas[kind]):
            # Not a street or community of this register: a natural village (上社) the tagger took for one,
            # which the register keeps at the road level.
            levels, soft = (L.ROAD,), True
        elif kind == "building" and not has_door and written.endswith("号"):
            # 上社101号: with no door plate in the text, "101号" may be the door plate itself.
            levels, soft = (L.DOOR_PLATE, L.BUILDING), False
        elif kind in STEP_TYPES:
            levels, soft = STEP_TYPES[kind]
        else:
            continue
        # A second compound-like element (阳光花园 东区) can only be a named part below the first.
        if kind in ("poi", "subpoi") and any(s.kind in ("poi", "subpoi") for s in steps):
            levels = (L.BUILDING,)
        keys = {}
        for level in levels:
            if level == L.ROAD:
                keys[level] = road_key(text)
            elif level == L.COMPOUND:
                keys[level] = compound_key(text)
            elif kind in ("poi", "subpoi"):
                keys[level] = name_key(level, text)
            else:
                keys[level] = numbered_key(NUMBERED_LEVELS[level], written)
        step = Step(kind=kind, text=text, levels=levels, keys=keys, soft=soft)
        if levels == (L.ROAD,) and before is not None and before.end == element.start:
            # 海兴上巷 tagged as district 海兴 + road 上巷: the road may be both together.
            step.joined = road_key(before.text + text)
        steps.append(step)
    steps.sort(key=lambda s: min(s.levels))
    return steps


def similarity(a: str, b: str) -> float:
    """1 − Levenshtein distance / longer length."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1 - previous[-1] / max(len(a), len(b))


class Matcher:
    """One walk per text over one index, for one scope (`allowed`: grid ids, None for everything)."""

    def __init__(self, index: AddressIndex, allowed: set[int] | None):
        self.index = index
        self.allowed = allowed

    def visible(self, i: int) -> bool:
        return self.allowed is None or self.index.grid[i] in self.allowed

    def prefer_visible(self, nodes: list[int]) -> list[int]:
        """Out of scope reads as "not there", but a walk may pass through such a node to an answer in scope."""
        if self.allowed is None:
            return nodes
        inside = [i for i in nodes if self.visible(i)]
        return inside or nodes

    # -- the whole text -----------------------------------------------------------------------------

    def settle(self, text: str) -> Outcome | str:
        """The outcome when the text needs no parsing (empty, too long, the register's own full text), else
        the folded text to parse and walk."""
        text = text if isinstance(text, str) else ""
        folded = normalise_text(fold(text.replace("\x00", "")))
        if not folded:
            return Outcome(None, 0.0, [_("地址为空。")], False)
        if len(folded) > MAX_TEXT:
            return Outcome(None, 0.0, [_("地址过长（最多 %(n)s 个字符）。") % {"n": MAX_TEXT}], False)
        exact = self.full_text(folded)
        return folded if exact is None else exact

    def full_text(self, folded: str) -> Outcome | None:
        index = self.index
        found = index.by_full_text(folded)
        if not found:
            # The register spells the district first; 福建省厦门市 in front of it changes nothing.
            for name in index.district_names:
                start = folded.find(name)
                if start > 0:
                    folded = folded[start:]
                    found = index.by_full_text(folded)
                    break
        found = [i for i in found if self.visible(i)]
        if len(found) == 1:
            return Outcome(found[0], 1.0, [_("与标准全称完全一致。")], True, full_text=folded)
        return None

    def text_area(self, parsed) -> tuple[str, list[str]] | None:
        """The register area the text names (a code prefix, "" for none); None when it names a place this
        register does not cover (another district), since then a same-named road here is a different road."""
        index = self.index
        code = parsed.division_code or ""
        depth = code_depth(code) if code else 0
        prefix = code[:depth]
        if prefix and not any(c.startswith(prefix[:6]) for c in index.areas):
            # A place written out in full (余杭区, 杭州市) is outside this register; a bare fragment the tagger
            # resolved on its own (海兴 of 海兴上巷) proves nothing.
            if any(
                e.type in ("province", "city", "district") and e.text.strip().endswith(DIVISION_SUFFIXES)
                for e in parsed.elements
            ):
                return None
            prefix = ""
        if prefix and prefix not in index.areas and len(prefix) > 6:
            prefix = prefix[:6] if prefix[:6] in index.areas else ""
        # Communities and streets the national table lacks, or spelt the register's way, by name.
        for kind, level in (("town", AreaLevel.STREET), ("community", AreaLevel.COMMUNITY)):
            written = parsed.get(kind)
            written = normalise_text(fold(written)) if written else ""
            if len(written) < 2:
                continue
            codes = [
                c
                for c, name in index.area_names.get(level, ())
                if c.startswith(prefix) and (name.startswith(written) or written.startswith(name))
            ]
            if len(codes) == 1 and len(codes[0]) > len(prefix):
                prefix = codes[0]
        return prefix, []

    def walk(self, parsed) -> Outcome:
        area = self.text_area(parsed)
        if area is None:
            return Outcome(None, 0.0, [_("地址所在的区县不在本标准地址库内。")], False)
        prefix, reasons = area
        steps = steps_of(parsed, self.index)
        if not steps:
            return Outcome(None, 0.0, [_("没有识别出街路巷、门牌、小区或楼栋等地址要素。")], False)
        outcomes: list[Outcome] = []
        for k, step in enumerate(steps):
            if not anchorable(step):
                continue
            attempt = self.attempt(steps, k, prefix)
            if attempt is None:
                if not step.soft:
                    reasons.append(self.missing(step))
                continue
            outcomes.append(self.outcome(steps, attempt))
            # A second anchor (the compound after the road) can settle a road written wrong but real.
            if outcomes[-1].complete or len(outcomes) == 2:
                break
        if not outcomes:
            reasons.append(_("没有找到可作起点的街路巷、小区或楼宇。"))
            return Outcome(None, 0.0, reasons, False)
        answered = [o for o in outcomes if o.position is not None]
        if not answered:
            return Outcome(None, 0.0, reasons + outcomes[0].reasons, False)
        answered.sort(key=lambda o: -o.score)
        best = answered[0]
        if len(answered) > 1 and answered[1].score == best.score and answered[1].position != best.position:
            return Outcome(None, 0.0, [*reasons, _("有多个地方符合，无法确定是哪一处。")], False)
        best.reasons = reasons + best.reasons
        return best

    def attempt(self, steps: list[Step], start: int, prefix: str) -> "Attempt | None":
        """The walk down from one anchoring step; None when the anchor itself names nothing here."""
        index = self.index
        attempt = Attempt()
        found = self.anchor(steps[start], steps[:start], attempt, start)
        if not found:
            return None
        if prefix:
            inside = [i for i in found if index.grid_code.get(index.grid[i], "").startswith(prefix)]
            if inside:
                found = inside
            elif attempt.fuzzy:
                # A near spelling somewhere else than the text says is two doubts: no anchor.
                return None
            else:
                attempt.penalty = AREA_PENALTY
                attempt.reasons.append(_("所写的街道或社区与登记不符。"))
        attempt.candidates = found
        for k in range(start + 1, len(steps)):
            step = steps[k]
            if min(step.levels) <= max(index.level[i] for i in attempt.candidates):
                # Named again at a level already passed (a poi that was the building itself).
                continue
            hits, present = self.descend(attempt.candidates, step, attempt, k)
            if hits:
                attempt.candidates = hits
                attempt.confirmed += 1
                continue
            if not present and (step.soft or step.levels[0] in OPTIONAL_LEVELS):
                attempt.gained[k] = ABSENT_LEVEL_CREDIT
                continue
            attempt.reasons.append(self.missing(step))
            if step.kind == "room":
                floor = self.floor_of_room(attempt.candidates, step)
                if floor:
                    attempt.candidates = floor
                    attempt.reasons.append(_("按房号推定楼层。"))
            # Even a soft step stops here: the register has a compound at this door, and it is another one.
            attempt.stopped = True
            break
        return attempt

    def outcome(self, steps: list[Step], attempt: "Attempt") -> Outcome:
        reasons = attempt.reasons
        if attempt.fuzzy and attempt.confirmed < FUZZY_CONFIRMATIONS:
            # Door numbers and building numbers repeat everywhere: one of them alone confirms nothing.
            reasons.append(_("名称相近的地址无法由门牌、楼栋等确认。"))
            return Outcome(None, 0.0, reasons, False)
        answer = self.agree(attempt.candidates)
        if answer is None:
            reasons.append(_("有多个地方符合，无法确定是哪一处。"))
            return Outcome(None, 0.0, reasons, False)
        level = self.index.level[answer]
        counted = [k for k in range(len(steps)) if attempt.level.get(k, 0) <= level]
        gained = sum(attempt.gained.get(k, 0.0) for k in counted)
        whole = not attempt.stopped and all(
            k in attempt.level and attempt.level[k] <= level for k in range(len(steps))
        )
        if attempt.penalty < 1.0 and not whole:
            # The text disagrees with the register on its area and on something else: two doubts, no answer.
            reasons.append(_("所写区域与登记不符，其余要素也不完全一致。"))
            return Outcome(None, 0.0, reasons, False)
        score = round(attempt.penalty * gained / len(steps), 3)
        return Outcome(answer, score, reasons, whole and attempt.penalty == 1.0)

    @staticmethod
    def missing(step: Step) -> str:
        return _("登记库中没有%(what)s“%(text)s”。") % {"what": TYPE_LABELS[step.kind], "text": step.text}

    # -- steps --------------------------------------------------------------------------------------

    def anchor(self, step: Step, before: list[Step], attempt: "Attempt", k: int) -> list[int]:
        """Nodes anywhere whose name the step gives: by key, else by a near spelling."""
        index = self.index
        found = []
        for level in step.levels:
            found += index.named_nodes(level, step.keys[level])
        if not found and step.joined:
            found = index.named_nodes(L.ROAD, step.joined)
        score = 1.0
        if not found:
            found, score = self.fuzzy(self.named_pool(step), step)
            attempt.fuzzy = bool(found)
        if not found:
            return []
        found, score = self.by_name(found, step, attempt, score)
        found = self.prefer_visible(found)
        # Anchored below a road the text also names (the road written wrong): the door plate it names still
        # tells same-named compounds apart, and counts as found when it does.
        for d, door in enumerate(before):
            if door.kind != "road_no":
                continue
            on_door = [
                i
                for i in found
                if index.parent[i] >= 0 and index.keys[index.key[index.parent[i]]] == door.keys[L.DOOR_PLATE]
            ]
            if on_door:
                found = on_door
                self.matched(attempt, d, [index.parent[i] for i in on_door], 1.0)
        self.matched(attempt, k, found, score)
        return found

    def by_name(
        self, nodes: list[int], step: Step, attempt: "Attempt", score: float
    ) -> tuple[list[int], float]:
        """Of nodes found by key, those named exactly as written; a name found only by its key (月景家园 for
        月景花园) is taken at a discount, and said so."""
        names = self.index.names
        named = [i for i in nodes if i in names]
        if not named:
            return nodes, score
        written = normalise_text(fold(step.text))
        exact = [i for i in named if names[i] == written]
        if exact:
            return exact, score
        if score == 1.0:
            attempt.reasons.append(
                _("“%(written)s”按相近的名称“%(name)s”匹配。")
                % {"written": step.text, "name": names[named[0]]}
            )
            score = NEAR_NAME_CREDIT
        return nodes, score

    def named_pool(self, step: Step) -> list[int]:
        """Named nodes sharing the most characters with the step's keys.

        Characters are counted in the order written, never in a set's order: most_common keeps equal counts in
        the order first counted, and a set's order changes from process to process (string hashing is
        randomised), which made the same text match differently in two runs."""
        index = self.index
        counts: Counter = Counter()
        for level in step.levels:
            for ch in dict.fromkeys(step.keys[level]):
                counts.update(index.by_char.get((level, ch), ()))
        return [i for i, _n in counts.most_common(FUZZY_POOL) if index.alive[i]]

    def fuzzy(self, pool: list[int], step: Step) -> tuple[list[int], float]:
        """The closest names, if close enough; every one of them when several are equally close."""
        index = self.index
        best, found = 0.0, []
        for i in pool:
            level = index.level[i]
            if level not in step.keys:
                continue
            wanted, name = step.keys[level], index.keys[index.key[i]]
            longer = max(len(wanted), len(name), 1)
            if longer <= 3 and len(wanted) != len(name):
                # In a short name a missing or extra character is another name (林社, 林边社), not a typo.
                continue
            if 1 - abs(len(wanted) - len(name)) / longer < max(FUZZY_THRESHOLD, best):
                # The lengths alone keep it below what is already found (or acceptable).
                continue
            score = similarity(wanted, name)
            if score > best + 1e-9:
                best, found = score, [i]
            elif abs(score - best) <= 1e-9:
                found.append(i)
        if best < FUZZY_THRESHOLD:
            return [], 0.0
        return found, best

    def descend(
        self, candidates: list[int], step: Step, attempt: "Attempt", k: int
    ) -> tuple[list[int], bool]:
        """Nodes below the candidates that the step names, through levels the text leaves out, shallowest
        first; and whether the step's level exists below them at all."""
        index = self.index
        hits = [
            h for c in candidates for level in step.levels for h in index.lookup(c, level, step.keys[level])
        ]
        if hits:
            return self.take(hits, step, attempt, k, 1.0), True
        wanted = {level: index.key_ids.get(key, -1) for level, key in step.keys.items()}
        deepest = max(step.levels)
        frontier, visited, present, pool = list(candidates), 0, False, []
        while frontier and visited < VISIT_LIMIT:
            following = []
            for node in frontier:
                for child in index.kids(node):
                    visited += 1
                    level = index.level[child]
                    if level in wanted:
                        present = True
                        if index.key[child] == wanted[level]:
                            hits.append(child)
                        elif child in index.names:
                            pool.append(child)
                    elif level < deepest:
                        following.append(child)
            if hits:
                return self.take(hits, step, attempt, k, 1.0), True
            frontier = following
        if pool:
            hits, score = self.fuzzy(pool, step)
            if hits:
                return self.take(hits, step, attempt, k, score), True
        # A compound-like name that is none of the compounds or named buildings there contradicts the
        # register; one where there are none (a shop's name) is only noise.
        return [], bool(pool) if step.soft else present

    def take(self, hits: list[int], step: Step, attempt: "Attempt", k: int, score: float) -> list[int]:
        hits, score = self.by_name(hits, step, attempt, score)
        hits = self.prefer_visible(hits)
        self.matched(attempt, k, hits, score)
        return hits

    def matched(self, attempt: "Attempt", k: int, nodes: list[int], score: float) -> None:
        attempt.gained[k] = score
        attempt.level[k] = min(self.index.level[i] for i in nodes)

    def floor_of_room(self, candidates: list[int], step: Step) -> list[int]:
        """Room 502 not registered: floor 5 is still certainly meant, when the register has floor 5."""
        number = step.keys[L.ROOM].removesuffix("室")
        if not number.isdigit() or len(number) < 3:
            return []
        floor = f"{int(number) // 100}层"
        step = Step(kind="floor", text=floor, levels=(L.FLOOR,), keys={L.FLOOR: floor}, soft=False)
        hits, _present = self.descend(candidates, step, Attempt(), 0)
        return hits

    # -- the answer ---------------------------------------------------------------------------------

    def agree(self, candidates: list[int]) -> int | None:
        """The deepest node in scope that every candidate lies under (or is)."""
        index = self.index
        paths = []
        for i in set(candidates):
            path = index.path(i)
            while path and not self.visible(path[-1]):
                path.pop()
            if path:
                paths.append(path)
        if not paths:
            return None
        common = None
        for nodes in zip(*paths, strict=False):
            if any(n != nodes[0] for n in nodes):
                break
            common = nodes[0]
        return common


# -- entry points ---------------------------------------------------------------------------------------


def allowed_grids(index: AddressIndex, *, user=None, within: str | None = None) -> set[int] | None:
    """Grid ids the answer may lie in: the user's scope, narrowed to an area; None means everywhere."""
    allowed = None
    if user is not None:
        from wangge.accounts.scope import visible_grid_ids

        allowed = set(visible_grid_ids(user).values_list("pk", flat=True))
    if within:
        within = str(within).strip()
        under = index.grids_under(within) if within.isdigit() else set()
        allowed = under if allowed is None else allowed & under
    return allowed


def _parse_many(texts: list[str]):
    from wangge.addresses.engine.parse import parse_many

    return parse_many(texts)


def match_many(texts, *, user=None, within: str | None = None) -> list[MatchResult]:
    """Match a batch (an import): one index check, one scope query, one query for all the answers."""
    texts = list(texts)
    index = get_index()
    return answer(index, Matcher(index, allowed_grids(index, user=user, within=within)), texts)


def match_stream(texts, *, user=None, within: str | None = None) -> Iterator[tuple[str, MatchResult]]:
    """Each text with its result as soon as the text arrives (a pipe read line by line), over one index and
    one scope."""
    index = get_index()
    matcher = Matcher(index, allowed_grids(index, user=user, within=within))
    for text in texts:
        yield text, answer(index, matcher, [text])[0]


def answer(index: AddressIndex, matcher: Matcher, texts: list[str]) -> list[MatchResult]:
    # An import names one address many times (a household, a building's tenants): each text is walked once.
    walked: dict[str, Outcome] = {}
    to_parse: dict[str, str] = {}
    for text in texts:
        text = text if isinstance(text, str) else ""
        if text not in walked and text not in to_parse:
            settled = matcher.settle(text)
            if isinstance(settled, str):
                to_parse[text] = settled
            else:
                walked[text] = settled
    # Parsed together: tagging a batch costs much less per text than one at a time.
    for text, parsed in zip(to_parse, _parse_many(list(to_parse.values())), strict=True):
        walked[text] = matcher.walk(parsed)
    outcomes = [walked[text if isinstance(text, str) else ""] for text in texts]
    addresses = fetch(index, outcomes)
    for k, outcome in enumerate(outcomes):
        address = addresses.get(outcome.position)
        if outcome.full_text and (address is None or address.full_text != outcome.full_text):
            # Two texts with one hash: rare enough that walking the parsed text again is the whole remedy.
            outcomes[k] = matcher.walk(_parse_many([texts[k]])[0])
            addresses.update(fetch(index, [outcomes[k]]))
    results = []
    for outcome in outcomes:
        address = addresses.get(outcome.position)
        if address is None or address.ended_on is not None:
            results.append(MatchResult(None, 0.0, None, list(outcome.reasons) or [_("没有匹配的标准地址。")]))
            continue
        results.append(
            MatchResult(
                address=address,
                score=outcome.score,
                level=address.level,
                reasons=list(outcome.reasons),
                complete=outcome.complete,
            )
        )
    return results


def fetch(index: AddressIndex, outcomes: list[Outcome]) -> dict[int, StandardAddress]:
    """Index position → address row, in one query."""
    wanted = {index.pk[o.position]: o.position for o in outcomes if o.position is not None}
    if not wanted:
        return {}
    # fetch_in: an import matches thousands of texts, and on PostgreSQL one array parameter beats an IN list.
    return {wanted[address.pk]: address for address in fetch_in(StandardAddress.objects.all(), "id", wanted)}


def match(text: str, *, user=None, within: str | None = None) -> MatchResult:
    return match_many([text], user=user, within=within)[0]
