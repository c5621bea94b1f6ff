"""The address engine's parse and normalise: elements, offsets, numerals, width, noise, names, missing levels."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wangge.addresses.engine import TYPES, normalise, parse, parse_many


def elements(text: str) -> dict[str, str]:
    return {e.type: e.text for e in parse(text).elements}


def assert_offsets_valid(parsed) -> None:
    previous_end = 0
    for e in parsed.elements:
        assert e.type in TYPES
        assert 0 <= e.start < e.end <= len(parsed.input)
        assert parsed.input[e.start : e.end] == e.text
        assert e.start >= previous_end, "elements overlap"
        previous_end = e.end


def test_full_address_down_to_the_room():
    text = "浙江省杭州市余杭区五常街道荆长路18号西溪里小区5栋1单元1102室"
    parsed = parse(text)
    assert elements(text) == {
        "province": "浙江省",
        "city": "杭州市",
        "district": "余杭区",
        "town": "五常街道",
        "road": "荆长路",
        "road_no": "18号",
        "poi": "西溪里小区",
        "building": "5栋",
        "unit": "1单元",
        "room": "1102室",
    }
    assert_offsets_valid(parsed)
    assert parsed.division_code == "330110005"
    assert parsed.normalized == text
    assert parsed.to_json() == {
        "input": text,
        "elements": [
            {"type": e.type, "text": e.text, "start": e.start, "end": e.end} for e in parsed.elements
        ],
        "normalized": text,
        "division_code": "330110005",
    }


def test_chinese_numerals_become_numbers():
    parsed = parse("杭州市西湖区翠苑一区三栋二单元十二层")
    assert parsed.get("building") == "三栋"
    assert parsed.number("building") == 3
    assert parsed.number("unit") == 2
    assert parsed.number("floor") == 12
    assert parsed.normalized.endswith("3栋2单元12层")


def test_building_forms_share_one_canonical_form():
    forms = ["西溪里小区3号楼", "西溪里小区3幢", "西溪里小区三栋", "西溪里小区3栋"]
    assert {normalise(f)[0] for f in forms} == {"西溪里小区3栋"}


def test_rooms_in_their_usual_forms():
    cases = {
        "杭州市西湖区文一路100号3幢2单元502室": "502室",
        "义乌市稠城街道宾王路158号4栋501户": "501户",
        "丽水市莲都区中山街110号3号房": "3号房",
        "衢州市柯城区新桥街5号2单元401": "401",
        "杭州市上城区景芳三区15幢五零一": "五零一",
        "杭州市西湖区嘉绿苑小区5-2-301": "301",
        "杭州市西湖区翠苑一区8幢402号": "402号",
    }
    for text, room in cases.items():
        parsed = parse(text)
        assert parsed.get("room") == room, (text, parsed.elements)
        assert_offsets_valid(parsed)
    dashed = parse("杭州市西湖区嘉绿苑小区5-2-301")
    assert (dashed.number("building"), dashed.number("unit"), dashed.number("room")) == (5, 2, 301)
    assert normalise("景芳三区15幢五零一")[0].endswith("15栋501室")


def test_no_room_where_there_is_none():
    for text in (
        "杭州市西湖区三墩镇厂房出租",
        "宁波市镇海区骆驼街道三房村21号",
        "绍兴市上虞区江西路600号办公室",
        "安徽省利辛县胡集镇牛大村牛山庄12户",  # a village household number is the house
        "中山路1号3号楼12F",  # 12F is the floor
    ):
        assert parse(text).get("room") is None, parse(text).elements


def test_floors_and_units_in_their_usual_forms():
    assert normalise("翠苑一区8幢二单元负一层")[0].endswith("8栋2单元-1层")
    assert parse("翠苑一区8幢二单元负一层").number("floor") == -1
    assert normalise("中山路1号3号楼十二楼")[0].endswith("3栋12层")
    assert normalise("中山路1号B座12F1203室")[0] == "中山路1号B栋12层1203室"


def test_letters_are_not_numbers():
    parsed = parse("宁波市鄞州区天童南路588号宁波文化广场B座1801室")
    assert parsed.get("building") == "B座"
    assert parsed.number("building") is None
    assert parsed.number("road_no") == 588
    assert parsed.number("room") == 1801


def test_full_width_characters_keep_their_offsets():
    text = "杭州市西湖区文一路１００号３幢２单元５０２室"
    parsed = parse(text)
    assert_offsets_valid(parsed)
    assert parsed.get("road_no") == "１００号"
    assert parsed.normalized == "浙江省杭州市西湖区文一路100号3栋2单元502室"


def test_noise_is_left_out():
    text = "杭州市余杭区良渚街道玉鸟流苏7幢301室 电话13812345678"
    parsed = parse(text)
    assert_offsets_valid(parsed)
    assert all("138" not in e.text for e in parsed.elements)
    assert "138" not in parsed.normalized
    near = parse("宁波市江北区中山路100号附近")
    assert all("附近" not in e.text for e in near.elements)
    assert near.normalized == "浙江省宁波市江北区中山路100号"


def test_short_names_resolve_to_the_full_division():
    normalized, code = normalise("余杭五常街道文一西路998号")
    assert code == "330110005"
    assert normalized == "浙江省杭州市余杭区五常街道文一西路998号"


def test_old_names_resolve_to_their_successor():
    normalized, code = normalise("宁波江东区中山东路100号")
    assert code == "330212"
    assert normalized.startswith("浙江省宁波市鄞州区")


def test_a_typo_in_a_place_name_is_corrected_when_unambiguous():
    normalized, code = normalise("浙江省杭州市余航区五常街道")
    assert code == "330110005"
    assert normalized == "浙江省杭州市余杭区五常街道"


def test_ambiguous_district_is_settled_by_its_neighbours():
    # 鼓楼区 exists in several cities; the town below it decides.
    assert normalise("鼓楼区华大街道")[1] == "350102007"
    # Alone it stays unresolved rather than guessed.
    assert normalise("鼓楼区")[1] == ""


def test_missing_levels():
    parsed = parse("文一西路998号")
    assert elements("文一西路998号") == {"road": "文一西路", "road_no": "998号"}
    assert parsed.division_code == ""
    assert parsed.normalized == "文一西路998号"
    assert parse("3栋2单元502室").number("room") == 502


def test_empty_and_blank_input():
    for text in ("", "   ", "\x00"):
        parsed = parse(text)
        assert parsed.elements == [] and parsed.normalized == "" and parsed.division_code == ""
        assert parsed.get("road") is None and parsed.number("building") is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_any_text_parses_with_valid_offsets(text):
    parsed = parse(text)
    assert parsed.input == text
    assert_offsets_valid(parsed)
    assert isinstance(parsed.normalized, str) and isinstance(parsed.division_code, str)


ADDRESS_CHARS = (
    "浙江省杭州市余杭区五常街道文一西路号栋幢单元层楼室户小区花园0123456789一二三十ＡＢ１２-# 附近电话"
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ADDRESS_CHARS, max_size=60))
def test_address_like_text_parses_with_valid_offsets(text):
    assert_offsets_valid(parse(text))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=ADDRESS_CHARS, max_size=60), max_size=12))
def test_parsing_together_gives_what_parsing_alone_gives(texts):
    # parse_many tags texts of different lengths in one padded batch: padding must change nothing.
    assert parse_many(texts) == [parse(text) for text in texts]
