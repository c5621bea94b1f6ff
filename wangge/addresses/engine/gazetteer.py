"""The national division names as a gazetteer: name → codes per level, short names, old names, typos.

Built once per process, lazily, from the package's own copy of the division codes (wangge/areas/data).
Provinces, cities, districts and towns (about 45,000 names) load on first use; communities (about 620,000)
only when an address names one, since most parses never need them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from wangge.addresses.engine.lexicon import NameIndex
from wangge.addresses.engine.text import fold
from wangge.areas import divisions

ADMIN_LEVELS = ("province", "city", "district", "town", "community")
# Length of the code at each level; a division code is always given padded to 6 digits at least.
CODE_LENGTH = {"province": 2, "city": 4, "district": 6, "town": 9, "community": 12}
# Placeholder rows of the statistics codes that are not places a person would write.
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# Longest suffix first, so 自治县 is stripped whole rather than leaving 自治.
SUFFIXES = {
    "province": ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市"),
    "city": ("自治州", "地区", "盟", "市"),
    "district": ("自治县", "自治旗", "新区", "区", "县", "市", "旗"),
    "town": ("街道办事处", "街道", "镇", "乡", "地区办事处", "办事处"),
    "community": ("社区", "村", "居"),
}
ETHNIC_GROUPS = (
    "朝鲜", "土家", "苗族", "藏族", "羌族", "彝族", "布依", "侗族", "哈尼", "壮族", "傣族", "白族", "景颇",
    "傈僳", "回族", "蒙古", "柯尔克孜", "哈萨克", "满族", "瑶族", "畲族", "黎族", "仫佬", "毛南", "仡佬",
    "水族", "纳西", "拉祜", "佤族", "独龙", "普米", "怒族", "达斡尔", "鄂温克", "鄂伦春", "锡伯", "土族",
    "撒拉", "保安", "东乡", "裕固", "塔吉克", "各族",
)  # fmt: skip
# Old names still written on letters and in legacy lists → the code of the division that took them over.
# Only unambiguous successions are listed; 江干区 (2021) went mostly to 上城区.
ALIASES = {
    "district": {
        "江干区": "330102",
        "江干": "330102",
        "下城区": "330105",
        "下城": "330105",
        "绍兴县": "330603",
        "江东区": "330212",
        "崇文区": "110101",
        "宣武区": "110102",
        "闸北区": "310106",
        "卢湾区": "310101",
        "南汇区": "310115",
        "萧山市": "330109",
        "余杭市": "330110",
        "黄岩市": "331003",
    },
    "city": {"襄樊市": "4206", "襄樊": "4206", "思茅市": "5308", "思茅": "5308"},
}


def pad(code: str) -> str:
    return code + "0" * (6 - len(code)) if len(code) < 6 else code


def short_names(level: str, name: str) -> list[str]:
    """余杭区 → [余杭]; 延边朝鲜族自治州 → [延边朝鲜族, 延边]; nothing shorter than two characters."""
    shorts = []
    for suffix in SUFFIXES[level]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            shorts.append(name[: -len(suffix)])
            break
    for short in list(shorts) if level in ("city", "district") else ():
        # Autonomous areas: 延边朝鲜族 → 延边, 恩施土家族苗族 → 恩施, 博尔塔拉蒙古 → 博尔塔拉.
        cuts = [i for i in (short.find(e) for e in ETHNIC_GROUPS) if i >= 2]
        if cuts:
            shorts.append(short[: min(cuts)])
    return shorts


@dataclass
class Gazetteer:
    # level → folded name (full or short) → codes at that level
    index: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # level → name with one character replaced by "?" → codes, for one-typo look-ups
    typos: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # code → official name
    # folded name → bit mask of the levels it names, with bit 5+ for short forms (features)
    feature_names: NameIndex = field(default_factory=lambda: NameIndex.of({}))


def _division_rows():
    for code, name in divisions.provinces().items():
        yield "province", code, name
    province_names = divisions.provinces()
    for code, name in divisions.cities().items():
        if name in PLACEHOLDERS:
            if name == "市辖区":
                # 北京市 as a city: the municipalities have no city name of their own.
                yield "city", code, province_names.get(code[:2], name)
            continue
        yield "city", code, name
    for code, name in divisions.counties().items():
        if name not in PLACEHOLDERS:
            yield "district", code, name
    for code, name in divisions.streets().items():
        yield "town", code, name


@cache
def gazetteer() -> Gazetteer:
    index: dict[str, dict[str, set[str]]] = {level: defaultdict(set) for level in ADMIN_LEVELS}
    typos: dict[str, dict[str, set[str]]] = {level: defaultdict(set) for level in ADMIN_LEVELS}
    names: dict[str, str] = {}
    feature_names: dict[str, int] = defaultdict(int)
    bit = {level: 1 << i for i, level in enumerate(ADMIN_LEVELS)}
    for level, code, name in _division_rows():
        name = fold(name)
        names.setdefault(code, name)
        index[level][name].add(code)
        feature_names[name] |= bit[level]
        if len(name) >= 3:
            for i in range(len(name)):
                typos[level][name[:i] + "?" + name[i + 1 :]].add(code)
        for short in short_names(level, name):
            index[level][short].add(code)
            feature_names[short] |= bit[level] << 5
    for level, aliases in ALIASES.items():
        for name, code in aliases.items():
            index[level][name].add(code)
            feature_names[name] |= bit[level]
    return Gazetteer(
        index={level: {k: tuple(sorted(v)) for k, v in d.items()} for level, d in index.items()},
        typos={level: {k: tuple(sorted(v)) for k, v in d.items()} for level, d in typos.items()},
        names=names,
        feature_names=NameIndex.of(dict(feature_names)),
    )


@cache
def communities() -> dict[str, tuple[tuple[str, str], ...]]:
    """9-digit town code → ((12-digit community code, name), …), loaded on the first community to resolve.

    Tuples, not lists: Python's garbage collector stops scanning a tuple of strings (and a dict of such tuples)
    once it has seen it, while 41,000 lists of 620,000 entries would be rescanned by every full collection
    (about 0.1 s each, a full collection every few thousand parses)."""
    by_town: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, street_code, name in divisions.community_rows():
        by_town[street_code].append((code, fold(name)))
    return {town: tuple(rows) for town, rows in by_town.items()}


def community_keys(name: str) -> set[str]:
    """The forms a community is written in: 殷隘社区, 殷隘; 三村村, 三村; 仇毕村村委会 → 仇毕村."""
    keys = {name}
    for suffix in ("村民委员会", "居民委员会", "村委会", "居委会", "委员会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            keys.add(name)
            if suffix.startswith("村") and not name.endswith("村"):
                keys.add(name + "村")
            break
    for short in short_names("community", name):
        keys.add(short)
    return keys


def division_name(code: str) -> str:
    """Official name of a 2/4/6/9/12-digit code (the municipality's own name for its 市辖区 city row)."""
    if len(code) == 12:
        return next((name for c, name in communities().get(code[:9], ()) if c == code), "")
    return gazetteer().names.get(code, "")


def full_names(code: str) -> list[str]:
    """Names from the province down to the code's own level: 330110 → [浙江省, 杭州市, 余杭区]."""
    parts = []
    for length in (2, 4, 6, 9, 12):
        if len(code) < length:
            break
        name = division_name(code[:length])
        if name and (not parts or name != parts[-1]):
            parts.append(name)
    return parts
