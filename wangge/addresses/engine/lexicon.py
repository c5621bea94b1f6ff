"""A lexicon of named elements seen in the training corpus (roads, compounds, sub-compounds, zones …).

The tagger gets "this character begins/continues/ends a known POI" features from it. While training, each
address sees only the lexicon built from the other folds (jackknife), so the model learns how far to trust
a lexicon hit on text it has not seen, which is what it meets in use. The shipped lexicon is built from the
whole training part and stored next to the model.
"""

import gzip
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from wangge.addresses.engine.corpus import bucket, spans
from wangge.addresses.engine.text import masked

LEXICON_TYPES = ("province", "city", "district", "devzone", "town", "community", "road", "poi", "subpoi")
MAX_LENGTH = 12
FOLDS = 5


@dataclass(frozen=True)
class NameIndex:
    """Names (two characters or more) → bit masks, with the lengths of the names that start with each pair
    of characters, so a scan looks up only lengths that can match at all."""

    bits: dict[str, int]
    lengths: dict[str, tuple[int, ...]]

    @classmethod
    def of(cls, bits: dict[str, int]) -> "NameIndex":
        lengths: dict[str, set[int]] = defaultdict(set)
        for name in bits:
            if len(name) >= 2:
                lengths[name[:2]].add(len(name))
        return cls(bits=bits, lengths={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()})


def build(samples) -> dict[str, int]:
    """Masked element text → bit mask of the types it was tagged as."""
    lexicon: dict[str, int] = defaultdict(int)
    for text, tags in samples:
        m = masked(text)
        for kind, start, end in spans(tags):
            if kind in LEXICON_TYPES and 2 <= end - start <= MAX_LENGTH:
                lexicon[m[start:end]] |= 1 << LEXICON_TYPES.index(kind)
    return dict(lexicon)


def jackknife(samples) -> list[NameIndex]:
    """For each sample, the lexicon of the folds it is not in."""
    folds = [bucket(text) % FOLDS for text, _ in samples]
    lexicons = [
        NameIndex.of(build([s for s, f in zip(samples, folds, strict=True) if f != k])) for k in range(FOLDS)
    ]
    return [lexicons[f] for f in folds]


def lexicon_path(model: str | Path) -> Path:
    """address-tagger.npz → address-tagger.lexicon.json.gz beside it."""
    model = Path(model)
    return model.with_name(model.stem + ".lexicon.json.gz")


def save(lexicon: dict[str, int], path: Path) -> None:
    # Sorted and without a timestamp in the gzip header: the same corpus gives the same bytes.
    data = json.dumps(dict(sorted(lexicon.items())), ensure_ascii=False, separators=(",", ":")).encode()
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)


def load(path: Path) -> NameIndex:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return NameIndex.of(json.load(fh))
