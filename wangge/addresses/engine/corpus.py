"""The labelled corpus (CoNLL: one character and its BIOES tag per line) and its deterministic split."""

import hashlib
from pathlib import Path

# Corpus tag → our element type. intersection, distance and assist are trained on (they tell the model where
# other elements stop) but never output: the contract has no such types.
TAG_TYPES = {
    "prov": "province",
    "city": "city",
    "district": "district",
    "devzone": "devzone",
    "town": "town",
    "community": "community",
    "village_group": "village_group",
    "road": "road",
    "roadno": "road_no",
    "poi": "poi",
    "subpoi": "subpoi",
    "houseno": "building",
    "cellno": "unit",
    "floorno": "floor",
    "intersection": "intersection",
    "distance": "distance",
    "assist": "assist",
}
TEST_PERCENT = 15
DEV_PERCENT = 15


def read_conll(path: str | Path) -> list[tuple[str, list[str]]]:
    """[(text, tags)] with tags renamed to our types (B-road_no …); a blank line ends an address."""
    samples = []
    chars: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if chars:
                    samples.append(("".join(chars), tags))
                chars, tags = [], []
                continue
            # The character itself may be a space-like symbol; the tag is after the last space.
            char, tag = line[0], line[2:].strip()
            if tag != "O":
                tag = tag[:2] + TAG_TYPES[tag[2:]]
            chars.append(char)
            tags.append(tag)
    if chars:
        samples.append(("".join(chars), tags))
    return samples


def bucket(text: str) -> int:
    """0..99 from a hash of the text, so duplicated texts always fall on the same side of every split."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % 100


def split(samples, part: str):
    """test: the held-out 15 %; dev: 15 % for tuning; train: the other 70 %; fit = train + dev."""
    ranges = {
        "test": range(0, TEST_PERCENT),
        "dev": range(TEST_PERCENT, TEST_PERCENT + DEV_PERCENT),
        "train": range(TEST_PERCENT + DEV_PERCENT, 100),
        "fit": range(TEST_PERCENT, 100),
    }[part]
    return [s for s in samples if bucket(s[0]) in ranges]


def spans(tags: list[str]) -> list[tuple[str, int, int]]:
    """BIOES tags → [(type, start, end)], lenient: an I/E of a new type starts a new span."""
    out = []
    current = None
    for i, tag in enumerate(tags):
        if tag == "O":
            if current:
                out.append(tuple(current))
            current = None
            continue
        prefix, typ = tag[0], tag[2:]
        if prefix in "BS" or current is None or current[0] != typ:
            if current:
                out.append(tuple(current))
            current = [typ, i, i + 1]
        else:
            current[2] = i + 1
        if prefix in "ES":
            out.append(tuple(current))
            current = None
    if current:
        out.append(tuple(current))
    return out
