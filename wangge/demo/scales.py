"""The places and sizes the demo can be built at.

A Place is the district or county the demo copies (its real codes and names come from the national division
table; the rest are the local colour the generator needs). Haicang (seed 000) is the default; Shuyang county
(seed 003) is the largest scale.
"""

from dataclasses import dataclass, field

from wangge.areas.models import GridKind

DISTRICT_CODE = "350205"
DISTRICT_NAME = "海沧区"
# West to east, so that the grid squares on the map keep each street in one band.
STREET_ORDER = ("350205004", "350205002", "350205001", "350205003")
# 嵩屿街道 holds 海林社区 (the grid of 486 households and 90 shops in the report) and 石塘村 (800 landlords).
SHOWCASE_STREET = "350205003"
SHOWCASE_COMMUNITY = "350205003010"  # 海林社区
SHOWCASE_VILLAGE = "350205003201"  # 石塘村


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    # The prefecture's own code (older local ID numbers, firms registered in the city) and names.
    city_code: str
    address_prefix: str  # province + city, before the district on a household-registration address
    org_prefix: str  # city + district, at the head of a school's or shop's name
    firm_city: str  # the city word in a firm's name ("厦门……有限公司")
    home_province: str  # two digits: people from here carry local surnames
    bbox: tuple[float, float, float, float]  # rough outline, WGS 84 (west, south, east, north)
    street_order: tuple[str, ...]
    showcase_community: str
    showcase_village: str
    local_regions: dict[str, int]  # ID-number regions of registered residents born before 2003
    local_surnames: str = "local"  # "local" (southern Fujian) or "national" frequencies for locals
    migrant_provinces: dict[str, int] | None = None  # None: names.MIGRANT_PROVINCES
    hamlets: tuple[str, ...] | None = None  # None: names.HAMLETS
    hamlet_suffix: str = "社"
    road_first: tuple[str, ...] | None = None  # None: names.ROAD_FIRST
    main_hospital: tuple[str, str] = ("", "")  # (community, hospital name)
    urban_villages: dict[str, str] = field(default_factory=dict)  # name → clan surname
    rural_clans: dict[str, str] = field(default_factory=dict)
    former_villages: frozenset[str] = frozenset()
    industrial: frozenset[str] = frozenset()
    weights: dict[str, float] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)  # division-table name → the name shown
    # Appended to a residents' committee named bare in the table ("河东居委会" → "河东" → "河东社区").
    bare_suffix: str = ""


HAICANG = Place(
    code=DISTRICT_CODE,
    name=DISTRICT_NAME,
    city_code="350200",
    address_prefix="福建省厦门市",
    org_prefix="厦门市海沧区",
    firm_city="厦门",
    home_province="35",
    bbox=(117.94, 24.44, 118.08, 24.56),
    street_order=STREET_ORDER,
    showcase_community=SHOWCASE_COMMUNITY,
    showcase_village=SHOWCASE_VILLAGE,
    local_regions={
        "350205": 82,
        "350200": 5,
        "350203": 4,
        "350206": 3,
        "350211": 4,
        "350212": 1,
        "350213": 1,
    },
    main_hospital=("海沧社区", "厦门市海沧医院"),
    # Villages that are urban villages 城中村 today (rented rooms in self-built houses), with their clan surname.
    urban_villages={
        "新垵村": "邱",
        "石塘村": "谢",
        "贞庵村": "陈",
        "渐美村": "林",
        "囷瑶村": "杨",
        "锦里村": "林",
    },
    rural_clans={
        "青礁村": "颜",
        "鼎美村": "胡",
        "后井村": "黄",
        "古楼村": "陈",
        "东瑶村": "吴",
        "洪塘村": "洪",
    },
    # Former villages inside urban communities keep a share of urban-village grids.
    former_villages=frozenset({"霞阳社区", "温厝社区", "翁厝社区", "祥露社区", "东屿社区"}),
    # Communities with industrial parks, schools and new compounds (兴旺社区 in the report).
    industrial=frozenset(
        {"兴旺社区", "临港社区", "一农社区", "孚中央社区", "天竺社区", "凤山社区", "东埔社区"}
    ),
    # Relative population of a community; Xin'an (新垵) is one of the largest urban villages of Xiamen.
    weights={
        "新垵村": 3.0,
        "兴旺社区": 1.8,
        "石塘村": 1.6,
        "未来海岸社区": 1.3,
        "贞庵村": 1.2,
        "霞阳社区": 1.3,
    },
)

# 沭阳县 (seed 003): 6 streets and 26 towns of northern Jiangsu, a county seat and a great many villages.
SHUYANG_STREETS = tuple(
    f"321322{n}"
    for n in (
        "001 002 003 004 005 006 101 102 103 104 105 106 107 108 109 110 111 112 114 115 116 117 118 119 "
        "120 124 125 126 128 205 401 402"
    ).split()
)
SHUYANG = Place(
    code="321322",
    name="沭阳县",
    city_code="321300",
    address_prefix="江苏省宿迁市",
    org_prefix="宿迁市沭阳县",
    firm_city="沭阳",
    home_province="32",
    bbox=(118.48, 33.90, 119.08, 34.42),
    street_order=SHUYANG_STREETS,
    showcase_community="321322001002",  # 古城社区, in the county seat
    showcase_village="321322105200",  # 赵大庄村
    local_regions={"321322": 88, "321300": 4, "321302": 3, "321311": 2, "321323": 2, "321324": 1},
    local_surnames="national",
    migrant_provinces={"32": 40, "34": 18, "37": 12, "41": 10, "36": 5, "51": 4, "43": 4, "42": 4, "52": 3},
    hamlets=tuple(
        "张庄 王庄 李庄 刘庄 陈庄 周庄 吴庄 徐庄 孙庄 胡庄 朱庄 高庄 马庄 杨庄 赵庄 沈庄 潘庄 范庄 前庄 后庄 "
        "东庄 西庄 新庄 老庄 小圩 大圩 周圩 吴圩 孙圩 蔡圩 颜圩 河东 河西 堆上 桥头 渡口 林场 沟南 沟北 闸口".split()
    ),
    hamlet_suffix="组",
    road_first=tuple(
        "沭 阳 城 人 民 迎 宾 北 京 上 海 南 湖 梦 溪 十 字 章 七 雄 苏 州 常 扬 杭 深 长 江 黄 河 淮 沂 新 华 "
        "文 化 建 设 解 放 和 平 幸 福 富 康 勤 学 振 兴 开 发 工 业 花 木 虞 姬 项 王".split()
    ),
    main_hospital=("古城社区", "沭阳县人民医院"),
    renames={"沭阳经济开发区虚拟社区": "开发区社区", "昆沭工业园区虚拟社区": "昆沭园区社区"},
    bare_suffix="社区",
)


@dataclass(frozen=True)
class Scale:
    name: str
    street_codes: tuple[str, ...]
    # Big grids in all (0: one per community).
    big_grids: int
    grids: int
    # Households per grid relative to the Haicang calibration (1.0).
    size: float = 1.0
    # Only these communities (None: every community of the streets).
    community_codes: tuple[str, ...] | None = None
    # Grid kinds fixed per community (tiny: one grid of each kind).
    forced_kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    place: Place = HAICANG
    # Collection grids of each kind in all (county): urban grids go to the residents' committees, rural ones
    # to the villages, dedicated ones mostly to the development zones; each by the community's weight.
    kind_totals: dict[str, int] | None = None
    # Households per grid of a kind relative to `size` (rural Shuyang villages are larger than Haicang's).
    kind_size: dict[str, float] = field(default_factory=dict)


SCALES = {
    "tiny": Scale(
        name="tiny",
        street_codes=(SHOWCASE_STREET,),
        community_codes=(SHOWCASE_COMMUNITY, SHOWCASE_VILLAGE, "350205003202"),
        big_grids=3,
        grids=4,
        size=0.1,
        forced_kinds={
            SHOWCASE_COMMUNITY: ("urban_community", "dedicated"),
            SHOWCASE_VILLAGE: ("urban_village",),
            "350205003202": ("rural",),
        },
    ),
    "small": Scale(name="small", street_codes=(SHOWCASE_STREET,), big_grids=14, grids=19),
    "haicang": Scale(name="haicang", street_codes=STREET_ORDER, big_grids=50, grids=430),
    # Seed 003: 1,715 grids (349 urban, 1,291 rural, 75 dedicated), 1.66 million people.
    "county": Scale(
        name="county",
        street_codes=SHUYANG_STREETS,
        big_grids=0,
        grids=1715,
        place=SHUYANG,
        kind_totals={GridKind.URBAN_COMMUNITY: 349, GridKind.RURAL: 1291, GridKind.DEDICATED: 75},
        kind_size={GridKind.RURAL: 1.37},
    ),
}
