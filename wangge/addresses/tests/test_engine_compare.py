"""compare(): the same place, one inside the other, or different places."""

import pytest

from wangge.addresses.engine import compare


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("杭州市余杭区文一西路998号", "文一西路998号"),  # one leaves out the administrative levels
        ("余杭区文一西路998号", "浙江省杭州市余杭区文一西路９９８号"),  # short and full-width forms
        ("西溪里小区三栋二单元502室", "西溪里小区3号楼2单元502室"),  # numerals and building suffixes
        ("浙江省杭州市余杭区", "杭州余杭"),
    ],
)
def test_exact(a, b):
    assert compare(a, b) == ("exact", 1.0)
    assert compare(b, a) == ("exact", 1.0)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("文一西路998号", "文一西路998号6幢601室"),  # the second is inside the first
        ("浙江省杭州市余杭区", "杭州市余杭区五常街道"),
        ("杭州市余杭区", "余杭区文一西路998号"),
        ("西溪里小区5栋", "西溪里小区5栋1单元"),
    ],
)
def test_partial(a, b):
    relation, score = compare(a, b)
    assert relation == "partial"
    assert 0 < score < 1
    assert compare(b, a) == (relation, score)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("文一西路998号", "文一西路100号"),  # different door plates
        ("杭州市余杭区文一西路998号", "杭州市西湖区文一西路998号"),  # different districts
        ("西溪里小区5栋1单元", "西溪里小区5栋2单元"),
        ("浙江大学3栋", "文一西路100号3栋"),  # nothing named in common: not guessed
        ("文一西路998号", ""),
        ("", ""),
    ],
)
def test_none(a, b):
    assert compare(a, b) == ("none", 0.0)


def test_partial_score_grows_with_what_is_shared():
    _, shallow = compare("文一西路998号", "文一西路998号6幢2单元601室")
    _, deep = compare("文一西路998号6幢2单元", "文一西路998号6幢2单元601室")
    assert shallow < deep < 1
