"""The command-line contract of `wangge address parse` and `wangge address compare`, run as a real process."""

import json
import os
import select
import subprocess
import sys

import pytest

KEYS = ["input", "elements", "normalized", "division_code"]
ELEMENT_KEYS = ["type", "text", "start", "end"]


def run(subcommand: str, stdin: bytes, **env: str) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "wangge.cli", "address", subcommand],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    text = done.stdout.decode("utf-8")  # the output is UTF-8 whatever the locale
    assert text.endswith("\n") or text == ""
    return [json.loads(line) for line in text.splitlines()]


def test_parse_writes_one_json_object_per_input_line():
    lines = [
        "浙江省杭州市西湖区文一路100号3幢2单元502室",
        "",
        "余杭五常街道文一西路998号",
        "宁波市鄞州区天童南路５８８号Ｂ座",
    ]
    out = run("parse", ("\n".join(lines) + "\n").encode("utf-8"))
    assert len(out) == len(lines)
    for line, obj in zip(lines, out, strict=True):
        assert list(obj) == KEYS
        assert obj["input"] == line
        for element in obj["elements"]:
            assert list(element) == ELEMENT_KEYS
            assert line[element["start"] : element["end"]] == element["text"]
    first = {e["type"]: e["text"] for e in out[0]["elements"]}
    assert first["road"] == "文一路" and first["building"] == "3幢" and first["room"] == "502室"
    assert out[0]["division_code"] == "330106"
    assert out[1] == {"input": "", "elements": [], "normalized": "", "division_code": ""}
    assert out[2]["normalized"] == "浙江省杭州市余杭区五常街道文一西路998号"
    assert out[2]["division_code"] == "330110005"
    assert {e["text"] for e in out[3]["elements"]} >= {"５８８号", "Ｂ座"}


def test_parse_survives_odd_input():
    stdin = b"\n".join(
        [
            "杭州市\x00西湖区".encode(),
            b"\xff\xfe\x80 broken \xe6\x9d",  # invalid UTF-8
            ("文一路100号" * 5000).encode(),  # a very long line
            "\ufeff".encode() + "不是地址".encode(),
            b"\r",
        ]
    )
    out = run("parse", stdin + b"\n")
    assert len(out) == 5
    assert out[0]["input"] == "杭州市\x00西湖区"
    assert "\ufffd" in out[1]["input"]
    assert len(out[2]["input"]) == 35000
    for obj in out:
        for e in obj["elements"]:
            assert obj["input"][e["start"] : e["end"]] == e["text"]


def test_output_is_utf8_whatever_the_locale():
    out = run("parse", "文一路１００号\n".encode(), PYTHONIOENCODING="gbk", LC_ALL="C")
    assert out[0]["input"] == "文一路１００号"


def test_parse_of_no_input_writes_nothing():
    assert run("parse", b"") == []


def test_compare_answers_each_line_and_reports_malformed_ones():
    lines = [
        json.dumps({"a": "杭州市余杭区文一西路998号", "b": "文一西路998号"}, ensure_ascii=False),
        json.dumps({"a": "文一西路998号", "b": "文一西路998号6幢601室"}, ensure_ascii=False),
        json.dumps({"a": "文一西路998号", "b": "文一西路100号"}, ensure_ascii=False),
        "not json",
        json.dumps({"a": "文一西路998号"}, ensure_ascii=False),
        json.dumps({"a": 1, "b": "x"}),
        json.dumps(["a", "b"]),
        "",
    ]
    out = run("compare", ("\n".join(lines) + "\n").encode("utf-8"))
    assert len(out) == len(lines)
    assert out[0] == {"relation": "exact", "score": 1.0}
    assert out[1]["relation"] == "partial" and 0 < out[1]["score"] < 1
    assert out[2] == {"relation": "none", "score": 0.0}
    for malformed in out[3:]:
        assert list(malformed) == ["error"] and malformed["error"]
    assert "b" in out[4]["error"]
    assert "a" in out[5]["error"]


@pytest.mark.parametrize("subcommand", ["nonsense", ""])
def test_unknown_subcommand_fails_with_usage(subcommand):
    done = subprocess.run(
        [sys.executable, "-m", "wangge.cli", "address", *([subcommand] if subcommand else [])],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert b"parse" in done.stderr


def test_parse_answers_each_line_before_the_next_arrives():
    # A program may write one address and wait for its answer: batching must not hold the answer back.
    process = subprocess.Popen(
        [sys.executable, "-m", "wangge.cli", "address", "parse"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        for text in ("杭州市西湖区文一路100号", "宁波市鄞州区天童南路588号"):
            process.stdin.write((text + "\n").encode("utf-8"))
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 120)
            assert ready, "no answer while the input stayed open"
            assert json.loads(process.stdout.readline())["input"] == text
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0


def test_parse_of_many_lines_keeps_their_order():
    lines = [f"杭州市西湖区文一路{n}号{n % 7 + 1}幢" for n in range(1, 3001)]
    out = run("parse", ("\n".join(lines) + "\n").encode("utf-8"))
    assert [o["input"] for o in out] == lines
    assert all(
        {"road": "文一路", "road_no": f"{n}号"}.items()
        <= {e["type"]: e["text"] for e in o["elements"]}.items()
        for n, o in enumerate(out, 1)
    )
