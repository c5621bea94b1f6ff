"""The national administrative-division codes (6/9/12 digits), loaded once from the package's own copy."""

import csv
import gzip
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
# Resident-ID region prefixes for Hong Kong, Macao and Taiwan residence permits (not in the statistics codes).
SPECIAL_ID_REGIONS = {"810000": "香港特别行政区", "820000": "澳门特别行政区", "830000": "台湾地区"}
COMMITTEE_SUFFIXES = ("社区居民委员会", "村民委员会", "社区居委会", "村委会", "居委会", "居民委员会")


def _rows(name: str):
    path = DATA / name
    # Streamed: the village file unpacks to ~40 MB of text, which need never sit in memory at once.
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


@cache
def counties() -> dict[str, str]:
    """6-digit county/district code → name."""
    return {r["code"]: r["name"] for r in _rows("areas.csv")}


@cache
def streets() -> dict[str, str]:
    """9-digit street/town code → name."""
    return {r["code"]: r["name"] for r in _rows("streets.csv")}


@cache
def communities(street_code: str) -> dict[str, str]:
    """12-digit community/village codes of one street → name without the committee suffix."""
    return {
        r["code"]: short_community_name(r["name"])
        for r in _rows("villages.csv.gz")
        if r["streetCode"] == street_code
    }


def community_rows():
    """Every 12-digit community/village as (code, street code, name without the committee suffix), streamed.

    A plain csv.reader: at 620,000 rows, building a dict per row would double the time."""
    with gzip.open(DATA / "villages.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        code, name, street = header.index("code"), header.index("name"), header.index("streetCode")
        for row in rows:
            yield row[code], row[street], short_community_name(row[name])


def short_community_name(name: str) -> str:
    for suffix in COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stripped = name[: -len(suffix)]
            if stripped.endswith(("村", "社区", "居")):
                return stripped
            return stripped + ("社区" if "社区" in suffix else "村" if suffix.startswith("村") else "")
    return name


@cache
def provinces() -> dict[str, str]:
    return {r["code"]: r["name"] for r in _rows("provinces.csv")}


@cache
def cities() -> dict[str, str]:
    return {r["code"]: r["name"] for r in _rows("cities.csv")}


def county_name(code: str) -> str | None:
    """The full name of a 6-digit region (as on an ID card), or None when the code is unknown."""
    if code in SPECIAL_ID_REGIONS:
        return SPECIAL_ID_REGIONS[code]
    name = counties().get(code)
    if name is None:
        return None
    city = cities().get(code[:4], "")
    city = "" if city in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划") else city
    return provinces().get(code[:2], "") + city + name
