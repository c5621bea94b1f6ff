"""Comparing two free-text addresses: the same place, one inside the other, or different places.

Both are parsed and canonicalised; the administrative levels are compared through their division codes
(330110 and 330110001 agree: one is inside the other), the other levels through their canonical texts.
  exact   every level both mention agrees, and both go down to the same deepest level;
  partial every level both mention agrees, but one goes deeper (it is inside the other);
  none    a level both mention disagrees, or they share no named level to anchor on (浙江大学3栋 and
          文一路100号3栋 may or may not be one place: the engine does not guess).
score: 1.0 for exact, 0.0 for none, and for partial the share of levels that agree among the levels either
mentions (文一路100号 vs 文一路100号3栋2单元 → 2/4 = 0.5).
"""

from wangge.addresses.engine.canonical import ADMIN, TYPES, code_depth
from wangge.addresses.engine.parse import ParsedAddress, parse

RANK = {kind: i for i, kind in enumerate(TYPES)}
# Levels that only number something inside a place named elsewhere.
NUMBERED = frozenset({"road_no", "building", "unit", "floor", "room", "village_group"})
_CODE_LEVELS = ((2, "province"), (4, "city"), (6, "district"), (9, "town"), (12, "community"))


def _levels(parsed: ParsedAddress) -> dict[str, set[str]]:
    """Level → canonical values; administrative levels covered by the code carry the code's prefix."""
    levels: dict[str, set[str]] = {}
    code = parsed.division_code
    depth = code_depth(code)
    for length, kind in _CODE_LEVELS:
        if length <= depth:
            levels[kind] = {code[:length]}
    for kind, value in parsed.canonical:
        if kind in ADMIN and kind in levels:
            continue
        levels.setdefault(kind, set()).add(value)
    return levels


def compare_parsed(a: ParsedAddress, b: ParsedAddress) -> tuple[str, float]:
    la, lb = _levels(a), _levels(b)
    if not la or not lb:
        return "none", 0.0
    shared = la.keys() & lb.keys()
    if any(not (la[k] & lb[k]) for k in shared):
        return "none", 0.0
    if not any(k not in NUMBERED for k in shared) and any(k not in NUMBERED for k in la.keys() | lb.keys()):
        return "none", 0.0
    deepest_a = max(RANK[k] for k in la)
    deepest_b = max(RANK[k] for k in lb)
    if deepest_a == deepest_b:
        return "exact", 1.0
    union = la.keys() | lb.keys()
    return "partial", round(len(shared) / len(union), 4)


def compare(a: str, b: str) -> tuple[str, float]:
    """("exact" | "partial" | "none", score in [0, 1])."""
    return compare_parsed(parse(a), parse(b))
