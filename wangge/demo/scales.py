"""The sizes the demo can be built at. Haicang's own figures (seed 000) set the largest one."""

from dataclasses import dataclass, field

DISTRICT_CODE = "350205"
DISTRICT_NAME = "海沧区"
# West to east, so that the grid squares on the map keep each street in one band.
STREET_ORDER = ("350205004", "350205002", "350205001", "350205003")
# 嵩屿街道 holds 海林社区 (the grid of 486 households and 90 shops in the report) and 石塘村 (800 landlords).
SHOWCASE_STREET = "350205003"
SHOWCASE_COMMUNITY = "350205003010"  # 海林社区
SHOWCASE_VILLAGE = "350205003201"  # 石塘村


@dataclass(frozen=True)
class Scale:
    name: str
    street_codes: tuple[str, ...]
    big_grids: int
    grids: int
    # Households per grid relative to the Haicang calibration (1.0).
    size: float = 1.0
    # Only these communities (None: every community of the streets).
    community_codes: tuple[str, ...] | None = None
    # Grid kinds fixed per community (tiny: one grid of each kind).
    forced_kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)


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
}
