"""Per-character features for the CRF tagger.

The text is folded (full-width → half-width), then digits are masked to "0" and Latin letters to "A" as in
the training corpus, so the model learns the shape of a number, not the number. Features per character:
characters and character n-grams in a ±2 window, the character class, gazetteer position tags (the
character begins/continues/ends/is a division name, full or short), the keyword ahead and behind (路, 号,
单元, 小区 …, with its distance), and for a run of digits/letters the characters around the run (what decides
whether "12" is a door plate, a building or a floor is the 号/栋/层 after it), and the character's place in
its word as jieba's dictionary segments the text (a word boundary is often an element boundary: 跟|汤工路).
"""

import logging
from functools import cache

import jieba

from wangge.addresses.engine.gazetteer import gazetteer
from wangge.addresses.engine.lexicon import LEXICON_TYPES, NameIndex
from wangge.addresses.engine.text import NUMERAL_CHARS, masked

KEYWORDS = (
    "省", "市", "区", "县", "镇", "乡", "街道", "村", "组", "社区", "居委会", "村委会", "路", "街", "巷", "弄",
    "道", "大道", "大街", "公路", "胡同", "号", "栋", "幢", "座", "号楼", "楼", "单元", "层", "室", "户", "房",
    "小区", "花园", "苑", "园", "大厦", "广场", "工业园", "工业区", "开发区", "园区", "新区", "新村", "公寓",
    "中心", "市场", "大楼", "厂", "公司", "店", "院", "府", "城", "湾", "庭", "居", "阁", "门", "口", "交叉口",
    "附近", "对面", "旁边", "电话", "联系", "电联", "收", "转", "与", "和", "东", "西", "南", "北", "期", "区块",
    "商城", "酒店", "宾馆", "学校", "医院", "银行", "超市", "大学", "中学", "小学", "幼儿园", "家园", "山庄",
    "公园", "宿舍", "仓库", "厂房", "办公室", "车间", "分公司", "有限公司", "集团", "部",
)  # fmt: skip
# What kind of element a keyword usually ends; the kinds already seen before a character tell, for example,
# a sub-compound (a compound was named before it) from a compound.
KEYWORD_KIND = {
    **dict.fromkeys(("路", "街", "巷", "弄", "道", "大道", "大街", "公路", "胡同"), "R"),
    **dict.fromkeys(("镇", "乡", "街道"), "T"),
    **dict.fromkeys(("村", "社区", "居委会", "村委会", "组"), "V"),
    "号": "N",
    **dict.fromkeys(("栋", "幢", "座", "号楼"), "B"),
    **dict.fromkeys(("单元", "层", "室", "户"), "U"),
    **dict.fromkeys(
        ("小区", "花园", "苑", "园", "大厦", "广场", "新村", "公寓", "中心", "市场", "大楼", "城", "家园",
         "山庄", "商城", "庭", "府", "湾", "居", "阁"),
        "P",
    ),
    **dict.fromkeys(("工业园", "工业区", "开发区", "园区", "新区"), "Z"),
    **dict.fromkeys(("公司", "有限公司", "分公司", "厂", "店", "酒店", "宾馆", "学校", "医院", "超市"), "C"),
}  # fmt: skip
KEYWORD_LENGTHS = tuple(sorted({len(k) for k in KEYWORDS}, reverse=True))
KEYWORD_SET = frozenset(KEYWORDS)
DISTANCES = tuple(str(d) for d in range(7))  # how far ahead the next keyword is, capped at 6, as text
LEVEL_TAGS = ("P", "C", "D", "T", "V")  # province city district town community (short forms: lower case)


def char_class(ch: str) -> str:
    if ch == "0":
        return "d"
    if ch == "A":
        return "a"
    if ch in NUMERAL_CHARS:
        return "n"
    if "\u4e00" <= ch <= "\u9fff":
        return "h"
    if ch == "-":
        return "-"
    return "p"


def _span_tags(m: str, index: NameIndex, labels, tags: list[list[str]]) -> None:
    """Every substring of m found in the index gets position tags (B, M, E) for each of its label bits."""
    n = len(m)
    bits_of = index.bits
    lengths_of = index.lengths
    for i in range(n - 1):
        lengths = lengths_of.get(m[i : i + 2])
        if not lengths:
            continue
        for length in lengths:
            if i + length > n:
                continue
            bits = bits_of.get(m[i : i + length])
            if not bits:
                continue
            end = i + length - 1
            for bit, begin, middle, last in labels:
                if bits & bit:
                    tags[i].append(begin)
                    for j in range(i + 1, end):
                        tags[j].append(middle)
                    tags[end].append(last)


def _labels(pairs) -> tuple[tuple[int, str, str, str], ...]:
    return tuple((bit, label + "B", label + "M", label + "E") for label, bit in pairs)


# Gazetteer bits: the level's full names, then (5 bits up) its short names.
GAZETTEER_LABELS = _labels(
    [("g" + tag, 1 << b) for b, tag in enumerate(LEVEL_TAGS)]
    + [("g" + tag.lower(), 1 << (b + 5)) for b, tag in enumerate(LEVEL_TAGS)]
)
LEXICON_LABELS = _labels([("x" + kind + ":", 1 << b) for b, kind in enumerate(LEXICON_TYPES)])


def _keywords_at(m: str) -> list[str | None]:
    n = len(m)
    found: list[str | None] = [None] * n
    for i in range(n):
        for length in KEYWORD_LENGTHS:
            if i + length <= n and m[i : i + length] in KEYWORD_SET:
                found[i] = m[i : i + length]
                break
    return found


@cache
def _segmenter() -> jieba.Tokenizer:
    # Its dictionary loads on first use (about a second; jieba keeps a cache of it in the temp directory).
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _words(m: str) -> list[tuple[str, str]]:
    """Per character: its position in its word (B/M/E/S) with the word's length (up to 5), and the word itself
    when it has 2–4 characters. The dictionary only (HMM off), so unknown names are not guessed into words."""
    out: list[tuple[str, str]] = []
    for word in _segmenter().cut(m, HMM=False):
        n = len(word)
        size = str(min(n, 5))
        name = word if 2 <= n <= 4 else ""
        if n == 1:
            out.append(("S" + size, name))
        else:
            out.append(("B" + size, name))
            out.extend([("M" + size, name)] * (n - 2))
            out.append(("E" + size, name))
    return out


def features(text: str, lexicon: NameIndex | None = None) -> list[list[str]]:
    m = masked(text)
    n = len(m)
    if n == 0:
        return []
    p = "\x02\x02" + m + "\x03\x03"
    classes = [char_class(ch) for ch in m]
    around = "^" + "".join(classes) + "$"  # the classes with the text's start and end marked
    gaz: list[list[str]] = [[] for _ in range(n)]
    _span_tags(m, gazetteer().feature_names, GAZETTEER_LABELS, gaz)
    if lexicon is not None:
        _span_tags(m, lexicon, LEXICON_LABELS, gaz)
    kw = _keywords_at(m)
    # Nearest keyword starting at or after i, and the nearest one ending before i.
    ahead: list[tuple[str, int] | None] = [None] * n
    nxt = None
    for i in range(n - 1, -1, -1):
        if kw[i] is not None:
            nxt = (kw[i], i)
        ahead[i] = nxt
    behind: list[str | None] = [None] * n
    seen: list[tuple[str, ...]] = [()] * n  # the "s=" features: kinds of keyword seen before i
    last = None
    kinds: tuple[str, ...] = ()
    for i in range(n):
        behind[i] = last
        seen[i] = kinds
        if kw[i] is not None:
            last = kw[i]
            kind = KEYWORD_KIND.get(last)
            if kind and "s=" + kind not in kinds:
                kinds = (*kinds, "s=" + kind)
    # Runs of digits, letters and dashes ("00-0", "A0") with the characters just outside them.
    run_start = [0] * n
    run_end = [0] * n
    i = 0
    while i < n:
        if classes[i] in "da-":
            j = i
            while j < n and classes[j] in "da-":
                j += 1
            for k in range(i, j):
                run_start[k], run_end[k] = i, j
            i = j
        else:
            run_start[i] = run_end[i] = -1
            i += 1
    words = _words(m)
    out = []
    for i in range(n):
        c = i + 2
        c0, m1, m2, p1, p2 = p[c], p[c - 1], p[c - 2], p[c + 1], p[c + 2]
        f = [
            "c=" + c0,
            "l=" + m1,
            "r=" + p1,
            "ll=" + m2,
            "rr=" + p2,
            "lc=" + m1 + c0,
            "cr=" + c0 + p1,
            "lcr=" + m1 + c0 + p1,
            "llc=" + m2 + m1 + c0,
            "crr=" + c0 + p1 + p2,
            "ll_l=" + m2 + m1,
            "r_rr=" + p1 + p2,
            "lcrr=" + m1 + c0 + p1 + p2,
            "llcr=" + m2 + m1 + c0 + p1,
            "k=" + around[i : i + 3],
        ]
        f.extend(gaz[i])
        place, word = words[i]
        f.append("ws=" + place)
        if word:
            f.append("w=" + word)
        a = ahead[i]
        if a is not None:
            d = a[1] - i
            f.append("nk=" + a[0])
            f.append("nkd=" + a[0] + DISTANCES[d if d < 6 else 6])
        b = behind[i]
        if b is not None:
            f.append("pk=" + b)
        f.extend(seen[i])
        if run_start[i] >= 0:
            s, e = run_start[i], run_end[i]
            after = m[e : e + 2] if e < n else "$"
            before = m[s - 1] if s > 0 else "^"
            f.append("rn=" + after[:1])
            f.append("rn2=" + after)
            f.append("rp=" + before)
            f.append("rpos=" + ("S" if e - s == 1 else "B" if i == s else "E" if i == e - 1 else "M"))
        out.append(f)
    return out
