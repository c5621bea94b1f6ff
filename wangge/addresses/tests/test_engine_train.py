"""`wangge address train`: a model and its lexicon from a CoNLL corpus, the same bytes every time."""

import pycrfsuite
from django.core.management import call_command

from wangge.addresses.engine.corpus import read_conll, spans, split
from wangge.addresses.engine.features import features
from wangge.addresses.engine.lexicon import lexicon_path, load

ADDRESSES = [
    [("浙江省", "prov"), ("杭州市", "city"), ("西湖区", "district"), ("文一路", "road"), ("000号", "roadno")],
    [
        ("杭州市", "city"),
        ("余杭区", "district"),
        ("西溪里小区", "poi"),
        ("0栋", "houseno"),
        ("0单元", "cellno"),
    ],
    [
        ("宁波市", "city"),
        ("鄞州区", "district"),
        ("天童南路", "road"),
        ("000号", "roadno"),
        ("00楼", "floorno"),
    ],
]


def write_corpus(path) -> None:
    lines = []
    for address in ADDRESSES:
        for text, tag in address:
            if len(text) == 1:
                lines.append(f"{text} S-{tag}")
                continue
            lines.append(f"{text[0]} B-{tag}")
            lines.extend(f"{ch} I-{tag}" for ch in text[1:-1])
            lines.append(f"{text[-1]} E-{tag}")
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_train_writes_a_model_that_tags_its_corpus(tmp_path):
    corpus = tmp_path / "tiny.conll"
    write_corpus(corpus)
    first, second = tmp_path / "a" / "m.crfsuite", tmp_path / "b" / "m.crfsuite"
    for out in (first, second):
        call_command("address", "train", "--corpus", str(corpus), "--out", str(out))
    assert first.read_bytes() == second.read_bytes()
    assert lexicon_path(first).read_bytes() == lexicon_path(second).read_bytes()
    samples = read_conll(corpus)
    fit, held_out = split(samples, "fit"), split(samples, "test")
    assert fit and held_out  # the three addresses hash to both sides
    lexicon = load(lexicon_path(first))
    # The held-out address never reaches the model: its road is in no lexicon, only the others' are.
    assert "文一路" not in lexicon.bits and "天童南路" in lexicon.bits
    tagger = pycrfsuite.Tagger()
    tagger.open(str(first))
    for text, tags in fit:
        assert spans(tagger.tag(features(text, lexicon))) == spans(tags)
