"""Canonical forms of parsed elements: the normalised text and the division code.

One written form per level (docs/address-engine.md, "Normalising"):
  building 3号楼 / 3幢 / 三栋 / 3座 / 3# → 3栋 (letters kept: B座 → B栋); unit 一单元 → 1单元;
  floor 十二楼 / 12F / 12层 → 12层, 负一层 / 地下1层 / B1 → -1层; room 502 / 502户 / 502号房 → 502室;
  door plate 一百零五号 → 105号 (12-3号 kept); village group 三组 / 3队 → 3组.
Administrative levels are rewritten to the official names of the resolved code, province first, so 余杭 and
浙江省杭州市余杭区 read the same; levels the code does not cover keep their folded text.
"""

import re

from wangge.addresses.engine.gazetteer import full_names
from wangge.addresses.engine.resolve import resolve
from wangge.addresses.engine.text import chinese_number, fold

TYPES = (
    "province", "city", "district", "devzone", "town", "community", "village_group", "road", "road_no",
    "poi", "subpoi", "building", "unit", "floor", "room",
)  # fmt: skip
RANK = {kind: rank for rank, kind in enumerate(TYPES)}
ADMIN = ("province", "city", "district", "town", "community")
CODE_DEPTH = {"province": 2, "city": 4, "district": 6, "town": 9, "community": 12}
NUMBERED_SUFFIX = {
    "road_no": "号",
    "building": "栋",
    "unit": "单元",
    "floor": "层",
    "room": "室",
    "village_group": "组",
}
_NUMERAL = "零〇一二两三四五六七八九十百千"
_ID = rf"(?:[0-9A-Z]+(?:-[0-9A-Z]+)*|[{_NUMERAL}]+)"
_PATTERNS = {
    "road_no": re.compile(rf"^第?(?P<id>{_ID})(?:号|號)?$"),
    "building": re.compile(rf"^第?(?P<id>{_ID})(?:号楼|號楼|号栋|号幢|栋|幢|座|号|楼|#)?$"),
    "unit": re.compile(rf"^第?(?P<id>{_ID})(?:单元|单|门|号门)?$"),
    "floor": re.compile(rf"^第?(?P<neg>负|地下|B|-)?(?P<id>{_ID})(?:层|楼|F|L)?$"),
    "room": re.compile(rf"^第?(?P<id>{_ID})(?:号房|室|户|房|号)?$"),
    "village_group": re.compile(rf"^第?(?P<id>{_ID})(?:村民小组|小组|组|队|社)$"),
}
# 12F, 3L: the letter is the floor suffix, not part of the number (the general pattern would keep it).
_FLOOR_LETTER = re.compile(r"^(?P<neg>B|-)?(?P<id>[0-9]+)[FL]$")


def _identifier(raw: str) -> str:
    number = chinese_number(raw)
    if number is not None:
        return str(number)
    # Leading zeros carry no meaning in a building or floor number (0502 室 is written so on some doors,
    # but 502 is the same room).
    if raw.isdigit():
        return str(int(raw))
    return raw


def canonical_element(kind: str, text: str) -> str:
    folded = "".join(fold(text).split())
    pattern = _PATTERNS.get(kind)
    if pattern is None:
        return folded
    match = (kind == "floor" and _FLOOR_LETTER.match(folded)) or pattern.match(folded)
    if match is None:
        return folded
    ident = _identifier(match["id"])
    if kind == "floor" and match["neg"]:
        ident = "-" + ident
    return ident + NUMBERED_SUFFIX[kind]


def code_depth(code: str) -> int:
    """Significant digits of a padded division code: 330000 → 2, 330100 → 4, 330110 → 6, 9 and 12 as is."""
    if len(code) != 6:
        return len(code)
    if code[2:] == "0000":
        return 2
    return 4 if code[4:] == "00" else 6


def canonicalise(elements) -> tuple[tuple[tuple[str, str], ...], str]:
    """(((type, canonical text), …) in hierarchical order, deepest division code)."""
    # In hierarchical order, and within one type in the order written (the sort is stable).
    ordered = sorted(elements, key=lambda e: RANK[e.type])
    admin = tuple((e.type, e.text) for e in ordered if e.type in CODE_DEPTH)
    code = resolve(admin) if admin else ""
    parts: list[tuple[str, str]] = []
    depth = code_depth(code)
    if depth:
        names = full_names(code[:depth])
        levels = [k for k in ADMIN if CODE_DEPTH[k] <= depth]
        # Municipalities have one name for province and city: full_names lists it once.
        if len(names) < len(levels):
            levels = [k for k in levels if k != "city"]
        parts.extend(zip(levels, names, strict=False))
    seen = {value for _, value in parts}
    for e in ordered:
        if e.type in CODE_DEPTH and CODE_DEPTH[e.type] <= depth:
            continue
        value = canonical_element(e.type, e.text)
        if value and value not in seen:
            seen.add(value)
            parts.append((e.type, value))
    return tuple(parts), code
