"""Resolving the administrative elements of a parsed address to the deepest division code they denote.

Levels are resolved top-down; each level's candidates are restricted to the children of the codes found so
far, so an ambiguous name (鼓楼区 is in four cities) is settled by its neighbours. A name is looked up as
written, as a short name (余杭 → 余杭区), as an old name (江干区 → 上城区), at another administrative level
when the tagger put it at the wrong one, and finally with one wrong character (3+ characters, only when
exactly one division matches). When several candidates remain, the code is their deepest common ancestor.
"""

from collections import defaultdict
from functools import cache, lru_cache

from wangge.addresses.engine.gazetteer import (
    ADMIN_LEVELS,
    CODE_LENGTH,
    communities,
    community_keys,
    gazetteer,
    pad,
    short_names,
)
from wangge.addresses.engine.text import fold
from wangge.areas import divisions

UPPER_LEVELS = ADMIN_LEVELS[:-1]


def _under(codes, parents: frozenset[str]) -> set[str]:
    if not parents:
        return set(codes)
    return {c for c in codes if any(c.startswith(p) for p in parents)}


def _typo(level: str, key: str, parents: frozenset[str]) -> set[str]:
    if len(key) < 3:
        return set()
    typos = gazetteer().typos[level]
    found: set[str] = set()
    for i in range(len(key)):
        found.update(typos.get(key[:i] + "?" + key[i + 1 :], ()))
    found = _under(found, parents)
    return found if len(found) == 1 else set()


def _lookup(level: str, key: str, parents: frozenset[str]) -> set[str]:
    index = gazetteer().index
    # As written, then without its suffix: 九堡镇 finds 九堡街道 (the town became a street) through 九堡.
    found = _under(index[level].get(key, ()), parents)
    if found:
        return found
    for form in short_names(level, key):
        found = _under(index[level].get(form, ()), parents)
        if found:
            return found
    # The tagger may call a county-level city a city, or a city a district: accept the name at a level below
    # what is already resolved.
    depth = max((len(p) for p in parents), default=0)
    for other in UPPER_LEVELS:
        if other != level and CODE_LENGTH[other] > depth:
            found = _under(index[other].get(key, ()), parents)
            if found:
                return found
    return _typo(level, key, parents)


@cache
def _towns_of_district() -> dict[str, list[str]]:
    towns = defaultdict(list)
    for code in divisions.streets():
        towns[code[:6]].append(code)
    return dict(towns)


@lru_cache(maxsize=8192)
def _town_index(town: str) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """One town's communities: written form → codes, and one-typo form (a "?" in place of a character) → codes.
    Tuples of codes rather than sets, so the garbage collector stops scanning the cached indexes
    (gazetteer.communities tells why that matters)."""
    keys: dict[str, set[str]] = defaultdict(set)
    typos: dict[str, set[str]] = defaultdict(set)
    for code, name in communities().get(town, ()):
        for key in community_keys(name):
            keys[key].add(code)
            if len(key) >= 3:
                for i in range(len(key)):
                    typos[key[:i] + "?" + key[i + 1 :]].add(code)
    return {k: tuple(sorted(v)) for k, v in keys.items()}, {k: tuple(sorted(v)) for k, v in typos.items()}


def _community(key: str, parents: frozenset[str]) -> set[str]:
    towns: list[str] = []
    for p in parents:
        if len(p) == 9:
            towns.append(p)
        elif len(p) == 6:
            towns.extend(_towns_of_district().get(p, ()))
    if not towns:
        # Without a district a community name is far too ambiguous to resolve.
        return set()
    found: set[str] = set()
    near: set[str] = set()
    written = community_keys(key)
    for town in towns:
        keys, typos = _town_index(town)
        for form in written:
            found.update(keys.get(form, ()))
        if not found and len(key) >= 3:
            for i in range(len(key)):
                near.update(typos.get(key[:i] + "?" + key[i + 1 :], ()))
    if found:
        return found
    return near if len(near) == 1 else set()


def _common_ancestor(codes: set[str]) -> str:
    if not codes:
        return ""
    if len(codes) == 1:
        return pad(next(iter(codes)))
    shortest = min(len(c) for c in codes)
    for length in (12, 9, 6, 4, 2):
        if length <= shortest and len({c[:length] for c in codes}) == 1:
            return pad(next(iter(codes))[:length])
    return ""


@lru_cache(maxsize=65536)
def resolve(admin: tuple[tuple[str, str], ...]) -> str:
    """((level, text), …) in hierarchical order → the deepest division code (6/9/12 digits) or ""."""
    current: frozenset[str] = frozenset()
    for level, text in admin:
        key = fold(text)
        found = _community(key, current) if level == "community" else _lookup(level, key, current)
        if found:
            current = frozenset(found)
    return _common_ancestor(set(current))
