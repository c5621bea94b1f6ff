"""Columns of an import: their Chinese headers and the variants people write, and how a cell becomes a value.

A cell's problem is a CellError with a message; the machinery names the column in front of it ("身份证号：…").
Blank cells are absent, never an empty value: an import does not erase what the register already holds.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

# Excel's day zero in the 1900 date system (serial 1 = 1900-01-01, with Excel's phantom 1900-02-29).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
# Excel keeps 15 significant digits: a longer number typed into a number cell has already lost digits.
EXCEL_DIGITS = 15
DATE_PATTERNS = [
    re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
]
MEMO_SIZE = 50_000
HEADER_NOISE = re.compile(r"\(.*?\)|[*※]|必填|选填")


def normalise_header(text) -> str:
    """ "* 身份证号（必填）" and "身份证号" are one header: width, spaces, marks and notes in brackets go."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = HEADER_NOISE.sub("", text)
    return "".join(text.split()).lower()


class CellError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


@dataclass(frozen=True)
class Column:
    """One column of an import template.

    kind: text · code (identifiers: width folded, spaces removed, upper case) · phone · date · int · decimal ·
    choice (label or stored value; `aliases` adds other spellings).
    """

    key: str
    header: str
    variants: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    help: str = ""
    example: str = ""
    _lookup: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def lookup(self) -> dict:
        """Every accepted spelling of a choice → its stored value: labels in Chinese and in English too, so
        a file filled in under either language reads the same."""
        if not self._lookup:
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    for value, label in self.choices:
                        self._lookup[normalise_header(value)] = value
                        self._lookup[normalise_header(label)] = value
            for alias, value in self.aliases:
                self._lookup[normalise_header(alias)] = value
        return self._lookup

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.variants)

    @property
    def labels(self) -> list[str]:
        return [str(label) for _value, label in self.choices]

    def parse(self, raw):
        """The value of a non-blank cell, or CellError."""
        return self.parser(self, raw)

    @property
    def parser(self):
        """The cell parser; for choices and dates, remembering each distinct text (a column of 100,000 rows
        holds a few dozen relations or a few thousand dates)."""
        parse = PARSERS[self.kind]
        if self.kind not in ("choice", "date"):
            return parse
        memo: dict = {}

        def remembered(col, raw):
            if not isinstance(raw, str):
                return parse(col, raw)
            if raw not in memo:
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                try:
                    memo[raw] = (parse(col, raw), None)
                except CellError as exc:
                    memo[raw] = (None, exc)
            value, error = memo[raw]
            if error is not None:
                raise error
            return value

        return remembered


def choices_of(choices) -> tuple[tuple[str, str], ...]:
    """(value, label) pairs from a TextChoices class or a list; labels kept lazy so the template's language holds."""
    pairs = choices.choices if hasattr(choices, "choices") else choices
    return tuple((value, label) for value, label in pairs)


def is_blank(raw) -> bool:
    return raw is None or raw == "" or (isinstance(raw, str) and not raw.strip())


def _number_text(col: Column, raw) -> str:
    if isinstance(raw, bool):
        raise CellError(_("格式不对。"))
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise CellError(_("格式不对。"))
        if not raw.is_integer():
            raise CellError(_("应为文字，不是小数。"))
        raw = int(raw)
    text = str(raw)
    if len(text) > EXCEL_DIGITS:
        raise CellError(_("被 Excel 存成了数字，超过 15 位的部分已丢失；请把该列设为“文本”格式后重新填写。"))
    return text


def _text(col: Column, raw) -> str:
    if isinstance(raw, str):
        value = raw.strip()
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        value = _number_text(col, raw) if float(raw).is_integer() else str(raw)
    elif isinstance(raw, datetime.date):
        value = raw.isoformat()[:10]
    else:
        value = str(raw).strip()
    if "\x00" in value:
        raise CellError(_("不能包含空字符（NUL）。"))
    if col.max_length and len(value) > col.max_length:
        raise CellError(_("最多 %(n)s 个字符（现有 %(m)s 个）。") % {"n": col.max_length, "m": len(value)})
    return value


def _code(col: Column, raw) -> str:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = _number_text(col, raw)
    text = unicodedata.normalize("NFKC", str(raw))
    text = "".join(text.split()).upper().lstrip("'")
    return _text(col, text)


def _phone(col: Column, raw) -> str:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = _number_text(col, raw)
    return _text(col, unicodedata.normalize("NFKC", str(raw)))


def _date(col: Column, raw) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, bool):
        raise CellError(_("不是日期。"))
    if isinstance(raw, int | float):
        return _serial_or_digits(raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if re.fullmatch(r"\d{1,7}(\.\d+)?", text):
        return _serial_or_digits(float(text))
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text.split(" ")[0].split("T")[0])
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError as exc:
                raise CellError(_("日期不存在。")) from exc
    raise CellError(_("不是日期（可写作 2024-01-05、2024/1/5 或 20240105）。"))


def _serial_or_digits(number: float) -> datetime.date:
    if float(number).is_integer() and 19000101 <= number <= 99991231:
        return _date(None, str(int(number)))
    if not 1 <= number <= EXCEL_MAX_SERIAL:
        raise CellError(_("不是日期。"))
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def _int(col: Column, raw) -> int:
    if isinstance(raw, bool):
        raise CellError(_("应为整数。"))
    if isinstance(raw, float):
        if not raw.is_integer():
            raise CellError(_("应为整数。"))
        return int(raw)
    if isinstance(raw, int):
        return raw
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if re.fullmatch(r"-?\d{1,9}(\.0+)?", text):
        return int(text.split(".")[0])
    raise CellError(_("应为整数。"))


def _decimal(col: Column, raw) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(_("应为数字。"))
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(_("应为数字。")) from exc
    if not value.is_finite() or abs(value) >= 10**9:
        raise CellError(_("数字不合理。"))
    return round(value, 6)


def _choice(col: Column, raw) -> str:
    text = raw if isinstance(raw, str) else _text(col, raw)
    value = col.lookup.get(normalise_header(text))
    if value is None:
        raise CellError(
            _("“%(v)s”不是可选值（%(choices)s）。") % {"v": text[:50], "choices": "、".join(col.labels)}
        )
    return value


PARSERS = {
    "text": _text,
    "code": _code,
    "phone": _phone,
    "date": _date,
    "int": _int,
    "decimal": _decimal,
    "choice": _choice,
}
