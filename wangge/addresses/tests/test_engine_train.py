"""`wangge address train`: a tagger and its lexicon from a CoNLL corpus, the same bytes every time."""

from functools import partial

import pycrfsuite
from django.core.management import call_command

from wangge.addresses.engine.corpus import read_conll, spans, split
from wangge.addresses.engine.features import features
from wangge.addresses.engine.lexicon import lexicon_path, load
from wangge.addresses.engine.tagger import Tagger
from wangge.addresses.engine.train import NETWORK, PARAMS, combine, train_crf, train_network, write

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
    first, second = tmp_path / "a" / "m.npz", tmp_path / "b" / "m.npz"
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
    tagger = Tagger(first)
    tagged = tagger.tag_many([text for text, _ in fit], partial(features, lexicon=lexicon))
    assert [spans(t) for t in tagged] == [spans(tags) for _, tags in fit]


def test_the_crf_alone_tags_as_crfsuite_does(tmp_path):
    # With the network's weight at 0 the file holds nothing but the CRF: the tags must be crfsuite's own, which
    # checks how the CRF's weights are laid out in the table.
    corpus = tmp_path / "tiny.conll"
    write_corpus(corpus)
    samples = read_conll(corpus)
    sequences = [features(text, None) for text, _ in samples]
    tags = [t for _, t in samples]
    crf = pycrfsuite.Tagger()
    crf.open(str(train_crf(sequences=zip(sequences, tags, strict=True), out=tmp_path / "crf", params=PARAMS)))
    net = train_network(sequences, tags, {**NETWORK, "epochs": 1})
    write(tmp_path / "crf-only.npz", combine(crf.info(), net, 0.0))
    texts = [text for text, _ in samples] + ["杭州市余杭区文一西路000号0栋", "宁波市000楼", "西溪里小区0单元"]
    assert Tagger(tmp_path / "crf-only.npz").tag_many(texts, features) == [
        crf.tag(features(t)) for t in texts
    ]
