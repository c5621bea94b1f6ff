"""Parsing a free-text Chinese address into elements (the tagger plus rules), and normalising it.

Pipeline: fold characters 1:1 (full-width → half-width) → blank out phone numbers → the tagger (a CRF and a
small network, engine/tagger.py) tags every character (BIOES over the corpus's 17 tags) → spans, dropping the
corpus-only types intersection, distance and assist → rules: rooms (the corpus has none), position words
trimmed (附近, 对面, 旁边) → canonical text and division code. Offsets always index the original input.
"""

import re
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

from wangge.addresses.engine import lexicon
from wangge.addresses.engine.canonical import TYPES, canonical_element, canonicalise
from wangge.addresses.engine.corpus import spans
from wangge.addresses.engine.features import features
from wangge.addresses.engine.tagger import Tagger
from wangge.addresses.engine.text import fold

MODEL = Path(__file__).resolve().parent / "model" / "address-tagger.npz"
# An address is never this long; beyond it the text is returned without elements rather than tagged slowly.
MAX_LENGTH = 300
OUTPUT_TYPES = frozenset(TYPES)
POSITION_WORDS = ("附近", "对面", "旁边", "隔壁", "边上", "门口", "斜对面")

_NUMBER = re.compile(r"-?[0-9]+")
_PHONES = (
    re.compile(r"(?<![0-9])1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])"),
    re.compile(r"(?<![0-9])0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}(?![0-9])"),
    # A bare local number is a phone only when labelled as one.
    re.compile(r"(?:电话|手机|电联|联系|TEL)[:： ]*(?P<number>[0-9][0-9- ]{5,}[0-9])"),
)
# Building, unit and floor numbers the tagger left untagged (the corpus itself leaves about a quarter of
# its units and floors untagged, so the model learnt to skip some).
_NUMBERED = (
    (
        "building",
        re.compile(r"(?<![0-9A-Z])(?:[0-9]{1,4}|[A-Z][0-9]{0,2}|[一二三四五六七八九十]{1,4})(?:号楼|栋|幢)"),
    ),
    ("unit", re.compile(r"(?<![0-9A-Z])(?:[0-9]{1,3}|[A-Z]|[一二三四五六七八九十]{1,3})单元")),
    (
        "floor",
        re.compile(
            r"(?<![0-9A-Z-])(?:(?:负|地下)?(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})(?:层|楼)(?![0-9])"
            r"|(?:负|地下|B)?[0-9]{1,3}F(?![A-Z]))"
        ),
    ),
)
_ROOM = re.compile(
    r"(?<![0-9])(?P<id>[0-9]{1,5}[A-Z]?|(?<![A-Z])[A-Z][0-9]{1,4})(?P<suffix>号房|室|户|房)(?![间屋子产])"
)
_ROOM_CN = re.compile(
    r"(?<![零〇一二两三四五六七八九十百])(?P<id>[一二三四五六七八九十百零〇]{2,5})(?P<suffix>室|户|号房)"
)
_TRAILING_ROOM = re.compile(
    r"[- ]?(?P<id>[0-9]{2,5}[A-EG-KM-Z]?|[零〇一二三四五六七八九]{3,4})(?:号|室|户)?"
    r"(?=$|[^0-9A-Z零〇一二三四五六七八九十层楼单])"
)
_CLOSING_ROOM = re.compile(r"[- ]?(?P<id>[0-9]{3,5}[A-Z]?)室?[ ,.;，。]*$")
VILLAGE_ENDINGS = ("村", "庄", "组", "社", "屯", "寨")
_DASHED_ROOM = re.compile(
    r"(?<![0-9A-Z-])(?P<building>[0-9]{1,3})-(?:(?P<unit>[0-9]{1,2})-)?(?P<room>[0-9]{3,4})(?![0-9A-Z号-])"
)


@dataclass(frozen=True)
class Element:
    type: str
    text: str
    start: int
    end: int

    def to_json(self) -> dict:
        return {"type": self.type, "text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class ParsedAddress:
    input: str
    elements: list[Element]
    normalized: str
    division_code: str
    # (type, canonical text) in hierarchical order: what normalized is made of, and what compare compares.
    canonical: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def to_json(self) -> dict:
        return {
            "input": self.input,
            "elements": [e.to_json() for e in self.elements],
            "normalized": self.normalized,
            "division_code": self.division_code,
        }

    def get(self, kind: str) -> str | None:
        for e in self.elements:
            if e.type == kind:
                return e.text
        return None

    def number(self, kind: str) -> int | None:
        """The number of the first element of that kind: 三栋 → 3, 十二层 → 12, 负一层 → -1, B座 → None."""
        text = self.get(kind)
        if text is None:
            return None
        match = _NUMBER.match(canonical_element(kind, text))
        return int(match.group()) if match else None


@cache
def _lexicon(model: Path) -> lexicon.NameIndex:
    return lexicon.load(lexicon.lexicon_path(model))


@cache
def _tagger(model: Path) -> Tagger:
    # Read-only arrays once loaded: one tagger serves every thread.
    return Tagger(model)


def _tag_many(texts: list[str]) -> list[list[str]]:
    return _tagger(MODEL).tag_many(texts, partial(features, lexicon=_lexicon(MODEL)))


def _phones(folded: str) -> list[tuple[int, int]]:
    found = []
    for pattern in _PHONES:
        for m in pattern.finditer(folded):
            group = "number" if "number" in pattern.groupindex else 0
            found.append((m.start(group), m.end(group)))
    return found


def _prepare(text: str) -> tuple[str, str]:
    """(folded text, the same with phone numbers blanked out): what the tagger reads, offsets unchanged."""
    folded = fold(text)
    return folded, _blank(folded, _phones(folded))


def _blank(folded: str, ranges: list[tuple[int, int]]) -> str:
    if not ranges:
        return folded
    chars = list(folded)
    for start, end in ranges:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


def _trim_position_words(found: list[list], folded: str) -> None:
    if not any(word in folded for word in POSITION_WORDS):
        return
    for span in found:
        for word in POSITION_WORDS:
            if folded[span[1] : span[2]].endswith(word) and span[2] - span[1] > len(word):
                span[2] -= len(word)
                break


def _untagged_numbers(found: list[list], folded: str) -> list[list]:
    occupied = [False] * len(folded)
    for span in found:
        for i in range(span[1], span[2]):
            occupied[i] = True
    for span in found:
        # 负一层, 地下2层: the tagger may leave the basement word out of the floor.
        if span[0] == "floor":
            for word in ("负", "地下"):
                start = span[1] - len(word)
                if start >= 0 and folded[start : span[1]] == word and not any(occupied[start : span[1]]):
                    span[1] = start
                    for i in range(start, start + len(word)):
                        occupied[i] = True
                    break
    for kind, pattern in _NUMBERED:
        for m in pattern.finditer(folded):
            if not any(occupied[m.start() : m.end()]):
                found.append([kind, m.start(), m.end()])
                for i in range(m.start(), m.end()):
                    occupied[i] = True
    return found


def _rooms(found: list[list], folded: str) -> list[list]:
    """Rooms, which the corpus never tags, and the numbers written around them.

    In order, the first rule that finds something wins:
      1. a number with 室/户/房/号房 (502室, 1608房, 三零二室) anywhere no longer element covers;
      2. building-unit-room and building-room written with dashes (2-3-501, 3-1502), not followed by 号;
      3. a bare number (2–5 digits, or 3–4 Chinese digits) right after a building, unit or floor
         (3单元502, 15幢五零一, 8幢402号);
      4. a bare 3–5 digit number closing the address right after a compound or sub-compound (C区1608; not
         新村0000号, a village house number).
    A rule may replace elements lying wholly inside what it found (the tagger's door plate "502号房"; for the
    bare numbers of 3 and 4 only a door plate or building, never the tagger's floor 12F), never cut one reaching outside
    it (the 厂房 of 0000厂房 is a POI).
    """
    occupied: list[int | None] = [None] * len(folded)
    for k, span in enumerate(found):
        for i in range(span[1], span[2]):
            occupied[i] = k

    def claim(new: list[list], start: int, end: int, replaces=None) -> list[list] | None:
        inside = {occupied[i] for i in range(start, end)} - {None}
        if any(found[k][1] < start or found[k][2] > end for k in inside):
            return None
        if replaces is not None and any(found[k][0] not in replaces for k in inside):
            return None
        kept = [span for k, span in enumerate(found) if k not in inside]
        return kept + new

    for pattern in (_ROOM, _ROOM_CN):
        for m in pattern.finditer(folded):
            if m["suffix"] == "户" and folded[: m.start()].rstrip().endswith(VILLAGE_ENDINGS):
                continue  # 牛山庄12户: in a village, a household number is the house itself
            result = claim([["room", m.start(), m.end()]], m.start(), m.end())
            if result is not None:
                return result
    for m in _DASHED_ROOM.finditer(folded):
        new = [["building", m.start("building"), m.end("building")]]
        if m["unit"]:
            new.append(["unit", m.start("unit"), m.end("unit")])
        new.append(["room", m.start("room"), m.end("room")])
        result = claim(new, m.start(), m.end())
        if result is not None:
            return result
    for span in sorted(found, key=lambda s: s[1]):
        if span[0] in ("building", "unit", "floor"):
            m = _TRAILING_ROOM.match(folded, span[2])
        elif span[0] in ("poi", "subpoi") and not folded[span[1] : span[2]].endswith(VILLAGE_ENDINGS):
            m = _CLOSING_ROOM.match(folded, span[2])
        else:
            continue
        if m:
            # After a building, a second "building" or door plate (8幢402号) is the room.
            result = claim(
                [["room", m.start("id"), m.end()]], m.start("id"), m.end(), replaces={"road_no", "building"}
            )
            if result is not None:
                return result
    return found


def tag(text: str) -> list[tuple[str, int, int]]:
    """(type, start, end) spans of every corpus type as the tagger alone tags them, before any rule (the
    benchmark shows what the rules add)."""
    return spans(_tag_many([_prepare(text)[1]])[0])


def parse(text: str) -> ParsedAddress:
    return parse_many([text])[0]


def parse_many(texts: list[str]) -> list[ParsedAddress]:
    """parse() of each text, the texts tagged together: much cheaper per text than one by one."""
    prepared: dict[int, tuple[str, str]] = {}  # text's position → (folded, folded with phones blanked)
    for k, text in enumerate(texts):
        if len(text) <= MAX_LENGTH and text.strip():
            prepared[k] = _prepare(text)
    tags = dict(zip(prepared, _tag_many([blanked for _, blanked in prepared.values()]), strict=True))
    return [
        _finish(text, *prepared[k], tags[k])
        if k in prepared
        # Blank or too long: never tagged.
        else ParsedAddress(input=text, elements=[], normalized="", division_code="")
        for k, text in enumerate(texts)
    ]


def _finish(text: str, folded: str, blanked: str, tags: list[str]) -> ParsedAddress:
    found = [list(s) for s in spans(tags) if s[0] in OUTPUT_TYPES]
    found = [s for s in found if blanked[s[1] : s[2]].strip()]
    for span in found:
        # The tagger sometimes takes a space (or a blanked phone number) at an edge; elements start and end on
        # content.
        while span[2] > span[1] and not blanked[span[2] - 1].strip():
            span[2] -= 1
        while span[1] < span[2] and not blanked[span[1]].strip():
            span[1] += 1
    _trim_position_words(found, folded)
    found = _rooms(_untagged_numbers(found, folded), folded)
    elements = [
        Element(type=k, text=text[s:e], start=s, end=e) for k, s, e in sorted(found, key=lambda s: s[1])
    ]
    canonical, code = canonicalise(elements)
    return ParsedAddress(
        input=text,
        elements=elements,
        normalized="".join(value for _, value in canonical),
        division_code=code,
        canonical=canonical,
    )


def normalise(text: str) -> tuple[str, str]:
    """(canonical text, deepest division code or "")."""
    parsed = parse(text)
    return parsed.normalized, parsed.division_code
