"""Checks of identity documents and phone numbers, answering field-named messages and warnings."""

import datetime
import re
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric

from wangge.areas.divisions import county_name

CLEAN_ID = re.compile(r"[0-9]{17}[0-9X]")


@dataclass
class IdFacts:
    number: str
    birth_date: datetime.date | None = None
    sex: str = ""
    warnings: list[str] = field(default_factory=list)


def check_resident_id(raw: str, field_name: str = "id_number") -> IdFacts:
    """GB 11643: a wrong check digit or impossible birth date is an error; an unknown region only a warning."""
    # Most numbers arrive clean; compact() (which strips separators) is the slow part of the check.
    number = raw if CLEAN_ID.fullmatch(raw or "") else ric.compact(raw or "").upper()
    # Checked step by step rather than with ric.validate(), which also refuses an unknown region code:
    # old IDs carry region codes of counties that have since been merged away, and those people are real.
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise ValidationError({field_name: _("身份证号码须为 18 位（最后一位可为 X）。")})
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError({field_name: _("身份证号码校验位错误。")})
    try:
        # What ric.get_birth_date() does, without compacting the number a second time.
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError({field_name: _("身份证号码中的出生日期不存在。")}) from exc
    if birth > datetime.date.today():
        raise ValidationError({field_name: _("身份证号码中的出生日期在未来。")})
    if birth.year < 1880:
        raise ValidationError({field_name: _("身份证号码中的出生日期不合理。")})
    facts = IdFacts(number=number, birth_date=birth, sex="male" if int(number[16]) % 2 else "female")
    if county_name(number[:6]) is None:
        facts.warnings.append(
            _("身份证号码的地区码 %(c)s 不在现行区划代码中（可能是旧区划）。") % {"c": number[:6]}
        )
    return facts


# Eleven digits from 13 to 19: a mainland mobile number as people write it. For these (but 179…, where the full
# parse also looks at carrier prefixes) phonenumbers' answer is exactly whether its own CN mobile pattern
# matches, checked for every seven-digit block; so an import's hundred thousand numbers skip the full parse.
MOBILE = re.compile(r"1[3-9][0-9]{9}")
MOBILE_VALID = re.compile(phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern)


def normalise_phone(raw: str, field_name: str = "phone") -> str:
    """Mainland numbers as their national digits (13812345678, 05921234567); others in E.164."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    if MOBILE.fullmatch(raw) and not raw.startswith("179"):
        if MOBILE_VALID.fullmatch(raw):
            return raw
        raise ValidationError({field_name: _("电话号码无效。")})
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError({field_name: _("电话号码格式不对。")}) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError({field_name: _("电话号码无效。")})
    if parsed.country_code == 86:
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def make_resident_id(region: str, birth: datetime.date, sequence: int) -> str:
    """A resident ID with a correct check digit (sequence: 3 digits; odd for men, even for women).

    Used by the demo generator and by tests; never to invent a real person's number.
    """
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")
