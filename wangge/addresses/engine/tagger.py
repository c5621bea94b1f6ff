"""The character tagger: a CRF and a small convolutional network over the same features, in one Viterbi.

Each character's feature strings (engine/features.py) index one table whose row holds the CRF's weight for
every tag and the network's embedding of that feature. Summed over a character's features they give the CRF's
state scores and the network's input; two convolutions (window 3, then window 3 at dilation 2, so each
character sees ±3) and a linear layer turn the inputs into the network's tag scores. The tags are the best
path under the sum of both models' scores and transitions: a product of experts, weighted when the model is
written (engine/train.py), so that here it is a plain sum. docs/address-engine.md tells why two models.

Tagging many texts at once is much cheaper per text than one by one (the matrix products and the Viterbi
steps run over the whole batch), so parse_many, the importer and the CLI tag in batches.
"""

from collections.abc import Callable
from itertools import chain, repeat
from pathlib import Path

import numpy as np

# Texts tagged together at most: enough for the per-step numpy calls to be shared, while one batch's arrays
# (texts × characters × features) stay a few megabytes.
BATCH = 128
# From how many texts on the Viterbi's forward step loops over the tags instead of taking one max over a cube.
RUNNING_MAX_FROM = 64


class Tagger:
    def __init__(self, path: str | Path):
        with np.load(path, allow_pickle=False) as saved:
            self.tags = [str(t) for t in saved["tags"]]
            self.index = {str(f): i + 1 for i, f in enumerate(saved["features"])}
            size, width = len(self.index) + 1, len(self.tags)
            crf = np.zeros((size, width), np.float32)
            crf[saved["crf_rows"], saved["crf_cols"]] = saved["crf_weights"]
            # One row per feature: the CRF's tag weights, then the network's embedding; row 0 is "unknown".
            embedding = np.zeros((size, saved["embedding"].shape[1]), np.float32)
            embedding[1:] = saved["embedding"]
            self.table = np.concatenate([crf, embedding], axis=1)
            self.conv1, self.bias1 = saved["conv1"].astype(np.float32), saved["bias1"].astype(np.float32)
            self.conv2, self.bias2 = saved["conv2"].astype(np.float32), saved["bias2"].astype(np.float32)
            self.out, self.bias_out = saved["out"].astype(np.float32), saved["bias_out"].astype(np.float32)
            self.transitions = saved["transitions"].astype(np.float32)
            self.start, self.end = saved["start"].astype(np.float32), saved["end"].astype(np.float32)
        self.width = width

    def tag_many(self, texts: list[str], features: Callable[[str], list[list[str]]]) -> list[list[str]]:
        """Tags for each text (an empty text gets none), given the function that makes a text's per-character
        features. Texts of about the same length are tagged together, so that little is padding, and a batch's
        features are made just before it is tagged: holding every text's features at once would have Python's
        garbage collector scan them over and over."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        tagged: list[list[str]] = [[] for _ in texts]
        for first in range(0, len(order), BATCH):
            chunk = order[first : first + BATCH]
            for i, tags in zip(chunk, self._tag_batch([features(texts[i]) for i in chunk]), strict=True):
                tagged[i] = tags
        return tagged

    def _tag_batch(self, sequences: list[list[list[str]]]) -> list[list[str]]:
        lengths = [len(s) for s in sequences]
        n = max(lengths)
        if n == 0:
            return [[] for _ in sequences]
        counts: list[int] = []  # features per character, 0 for the padding after a text's end
        for seq in sequences:
            counts.extend(map(len, seq))
            counts.extend([0] * (n - len(seq)))
        total = sum(counts)
        # Each character's table rows side by side (row 0, all zeros, for unknown features and padding), then
        # summed slot by slot: cheaper than one gather of every row followed by a segmented sum.
        names = chain.from_iterable(chain.from_iterable(sequences))
        rows = np.fromiter(map(self.index.get, names, repeat(0)), np.intp, total)
        per_char = np.asarray(counts)
        char = np.repeat(np.arange(len(counts)), per_char)
        slot = np.arange(total) - np.repeat(np.cumsum(per_char) - per_char, per_char)
        ids = np.zeros((len(counts), int(per_char.max())), np.intp)
        ids[char, slot] = rows
        summed = self.table[ids[:, 0]]
        for j in range(1, ids.shape[1]):
            summed += self.table[ids[:, j]]
        summed = summed.reshape(len(sequences), n, -1)
        mask = np.arange(n)[None, :] < np.asarray(lengths)[:, None]
        scores = summed[:, :, : self.width] + self._network(summed[:, :, self.width :], mask)
        return self._viterbi(scores, lengths)

    def _network(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        h = np.maximum(_windows(x, 1) @ self.conv1 + self.bias1, 0) * mask[:, :, None]
        h = np.maximum(_windows(h, 2) @ self.conv2 + self.bias2, 0)
        return h @ self.out + self.bias_out

    def _viterbi(self, scores: np.ndarray, lengths: list[int]) -> list[list[str]]:
        """The best tag path of each text. The forward pass keeps only each step's best scores (a max is much
        cheaper than an argmax over every pair of tags); the way back then recomputes the argmax for the one
        tag on the path, which gives the same choice, tie for tie, as keeping every back pointer would."""
        batch, n, width = scores.shape
        lengths_array = np.asarray(lengths)
        # history[i, b, t]: the best score of a path ending in tag t at character i.
        history = np.empty((n, batch, width), scores.dtype)
        history[0] = scores[:, 0] + self.start
        if batch < RUNNING_MAX_FROM:
            candidates = np.empty((batch, width, width), scores.dtype)  # [b, from, to]
        for i in range(1, n):
            previous, best = history[i - 1], history[i]
            if batch >= RUNNING_MAX_FROM:
                # Over many texts, a running max over the "from" tag, one (texts × tags) slab at a time, which
                # stays in the processor's cache: a third faster than the whole cube at once.
                np.add(previous[:, :1], self.transitions[0], out=best)
                for f in range(1, width):
                    np.maximum(best, previous[:, f : f + 1] + self.transitions[f], out=best)
            else:
                # Over few, each numpy call's own cost is what counts: the cube in two calls.
                np.add(previous[:, :, None], self.transitions, out=candidates)
                np.max(candidates, axis=1, out=best)
            best += scores[:, i]
            ended = lengths_array <= i
            if ended.any():  # a text that has ended keeps its last character's scores, to which end is added
                history[i, ended] = history[i - 1, ended]
        path = np.zeros((batch, n), np.intp)
        ends = np.maximum(lengths_array - 1, 0)
        path[np.arange(batch), ends] = (history[n - 1] + self.end).argmax(1)
        for i in range(n - 2, -1, -1):
            # The best tag at i given the tag at i + 1: transitions[from, to] for each text's "to".
            came = (history[i] + self.transitions[:, path[:, i + 1]].T).argmax(1)
            path[:, i] = np.where(lengths_array > i + 1, came, path[:, i])
        return [
            [self.tags[t] for t in row[:length]] for row, length in zip(path.tolist(), lengths, strict=True)
        ]


def _windows(x: np.ndarray, dilation: int) -> np.ndarray:
    """Each position's vector with those `dilation` before and after it, side by side (zeros off the ends)."""
    pad = np.zeros((x.shape[0], dilation, x.shape[2]), x.dtype)
    p = np.concatenate([pad, x, pad], axis=1)
    n = x.shape[1]
    return np.concatenate([p[:, :n], p[:, dilation : dilation + n], p[:, 2 * dilation :]], axis=2)
