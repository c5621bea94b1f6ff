"""Character-level folding that keeps offsets 1:1 with the input, and Chinese numerals.

Every character of the input maps to exactly one folded character, so a span found on the folded text is
a span of the original: the parser never has to re-align offsets.
"""

import unicodedata
from functools import lru_cache

CHINESE_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
CHINESE_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
NUMERAL_CHARS = frozenset(CHINESE_DIGITS) | frozenset(CHINESE_UNITS)
DASHES = frozenset("-－—–‐‑‒―﹣~～")


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """NFKC of one character when that stays one character (full-width → half-width), upper-cased Latin."""
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        return ch
    if folded in DASHES:
        return "-"
    if "a" <= folded <= "z":
        return folded.upper()
    if folded.isspace():
        return " "
    return folded


def fold(text: str) -> str:
    return "".join([fold_char(ch) for ch in text])


def mask_digits(text: str) -> str:
    """Digits → "0", as in the training corpus: the model learns patterns of numbers, not numbers."""
    return "".join(["0" if "0" <= ch <= "9" else ch for ch in text])


def chinese_number(text: str) -> int | None:
    """十二 → 12, 二十 → 20, 一百零五 → 105, 三 → 3, 一二 → 12 (digit by digit); None when not a numeral."""
    if not text or any(ch not in NUMERAL_CHARS for ch in text):
        return None
    if not any(ch in CHINESE_UNITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + CHINESE_DIGITS[ch]
        return value
    total, digit = 0, None
    for ch in text:
        if ch in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * CHINESE_UNITS[ch]
            digit = None
    return total + (digit or 0)


def leading_number(text: str) -> int | None:
    """The number a level's text starts with: "12号" → 12, "三栋" → 3, "十二层" → 12, "B座" → None."""
    digits = []
    for ch in text:
        if "0" <= ch <= "9":
            digits.append(ch)
        elif digits:
            break
    if digits:
        return int("".join(digits))
    numeral = []
    for ch in text:
        if ch in NUMERAL_CHARS:
            numeral.append(ch)
        elif numeral:
            break
    return chinese_number("".join(numeral)) if numeral else None


def masked(text: str) -> str:
    """Folded text with digits → 0 and Latin letters → A; same length as the input."""
    out = []
    for ch in fold(text):
        if "0" <= ch <= "9":
            out.append("0")
        elif "A" <= ch <= "Z":
            out.append("A")
        else:
            out.append(ch)
    return "".join(out)
