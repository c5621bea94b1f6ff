"""The tagger's Viterbi against a plain one that keeps every back pointer, and the engine's tables against the
garbage collector."""

import gc

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.addresses.engine.gazetteer import communities
from wangge.addresses.engine.tagger import RUNNING_MAX_FROM, Tagger

WIDTH = 5


def plain_viterbi(scores, transitions, start, end) -> list[int]:
    """The textbook Viterbi for one text, ties going to the lower tag, as numpy's argmax breaks them."""
    best = [float(scores[0][t] + start[t]) for t in range(WIDTH)]
    back = []
    for row in scores[1:]:
        came = [max(range(WIDTH), key=lambda f, t=t: (best[f] + transitions[f][t], -f)) for t in range(WIDTH)]
        best = [best[came[t]] + transitions[came[t]][t] + row[t] for t in range(WIDTH)]
        back.append(came)
    t = max(range(WIDTH), key=lambda t: (best[t] + end[t], -t))
    path = [t]
    for came in reversed(back):
        t = came[t]
        path.append(t)
    return path[::-1]


def assert_textbook_paths(scores, lengths, transitions, start, end) -> None:
    """Each text of the batch (in any order of lengths) is tagged as if alone; padding never leaks in."""
    tagger = Tagger.__new__(Tagger)
    tagger.tags = [str(t) for t in range(WIDTH)]
    tagger.transitions, tagger.start, tagger.end = transitions, start, end
    expected = [
        [str(t) for t in plain_viterbi(scores[b, :length], transitions, start, end)] if length else []
        for b, length in enumerate(lengths)
    ]
    assert tagger._viterbi(scores, lengths) == expected


# Small integers make ties between paths common, so the tests also check which of two equal paths is taken.
numbers = st.integers(-3, 3).map(float)
vectors = st.lists(numbers, min_size=WIDTH, max_size=WIDTH)


@settings(max_examples=200, deadline=None)
@given(lengths=st.lists(st.integers(0, 7), min_size=1, max_size=6), data=st.data())
def test_viterbi_finds_the_textbook_path(lengths, data):
    n = max(max(lengths), 1)
    scores = np.array([data.draw(st.lists(vectors, min_size=n, max_size=n)) for _ in lengths], np.float32)
    transitions = np.array(data.draw(st.lists(vectors, min_size=WIDTH, max_size=WIDTH)), np.float32)
    start, end = (np.array(data.draw(vectors), np.float32) for _ in range(2))
    assert_textbook_paths(scores, lengths, transitions, start, end)


def test_viterbi_over_many_texts_finds_the_textbook_path():
    # From RUNNING_MAX_FROM texts on, the forward step is computed another way: the paths must not change.
    rng = np.random.default_rng(7)
    batch = RUNNING_MAX_FROM + 16
    lengths = [int(k) for k in rng.integers(0, 9, batch)]
    scores = rng.integers(-3, 4, (batch, 8, WIDTH)).astype(np.float32)
    transitions, start, end = (
        rng.integers(-3, 4, shape).astype(np.float32) for shape in ((WIDTH, WIDTH), WIDTH, WIDTH)
    )
    assert_textbook_paths(scores, lengths, transitions, start, end)


def test_the_division_tables_are_left_alone_by_the_garbage_collector():
    # 620,000 communities in lists would be rescanned by every full collection (a tenth of a second each).
    communities()
    gc.collect()
    gc.collect()
    assert not gc.is_tracked(communities())
