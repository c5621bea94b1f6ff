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

from itertools import repeat
from pathlib import Path

import numpy as np

# Texts tagged together at most: enough for the per-step numpy calls to be shared, while one batch's arrays
# (texts × characters × features) stay a few megabytes.
BATCH = 128


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

    def tag_many(self, sequences: list[list[list[str]]]) -> list[list[str]]:
        """Tags for each text's per-character feature lists (an empty text gets none), in batches of texts of
        about the same length so that little is padding."""
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        tagged: list[list[str]] = [[] for _ in sequences]
        for first in range(0, len(order), BATCH):
            chunk = order[first : first + BATCH]
            for i, tags in zip(chunk, self._tag_batch([sequences[i] for i in chunk]), strict=True):
                tagged[i] = tags
        return tagged

    def _tag_batch(self, sequences: list[list[list[str]]]) -> list[list[str]]:
        lengths = [len(s) for s in sequences]
        n = max(lengths)
        if n == 0:
            return [[] for _ in sequences]
        names: list[str] = []
        counts: list[int] = []
        for seq in sequences:
            for features in seq:
                names.extend(features)
                counts.append(len(features))
            counts.extend([0] * (n - len(seq)))
        # Each character's table rows side by side (row 0, all zeros, for unknown features and padding), then
        # summed slot by slot: cheaper than one gather of every row followed by a segmented sum.
        rows = np.fromiter(map(self.index.get, names, repeat(0)), np.intp, len(names))
        per_char = np.asarray(counts)
        char = np.repeat(np.arange(len(counts)), per_char)
        slot = np.arange(len(names)) - np.repeat(np.cumsum(per_char) - per_char, per_char)
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
        batch, n, width = scores.shape
        best = scores[:, 0] + self.start
        back = np.zeros((batch, n, width), np.intp)  # back[b, i, t]: the best tag before t at i
        lengths_array = np.asarray(lengths)
        # candidates[b, to, from]: the last axis is the one reduced, and it is contiguous.
        arriving = np.ascontiguousarray(self.transitions.T)
        for i in range(1, n):
            candidates = best[:, None, :] + arriving
            back[:, i] = candidates.argmax(2)
            step = np.take_along_axis(candidates, back[:, i][:, :, None], 2)[:, :, 0] + scores[:, i]
            going = (lengths_array > i)[:, None]
            best = np.where(going, step, best)
        last = (best + self.end).argmax(1)
        out = []
        for b, length in enumerate(lengths):
            if length == 0:
                out.append([])
                continue
            t = int(last[b])
            path = [t]
            for i in range(length - 1, 0, -1):
                t = int(back[b, i, t])
                path.append(t)
            out.append([self.tags[t] for t in reversed(path)])
        return out


def _windows(x: np.ndarray, dilation: int) -> np.ndarray:
    """Each position's vector with those `dilation` before and after it, side by side (zeros off the ends)."""
    pad = np.zeros((x.shape[0], dilation, x.shape[2]), x.dtype)
    p = np.concatenate([pad, x, pad], axis=1)
    n = x.shape[1]
    return np.concatenate([p[:, :n], p[:, dilation : dilation + n], p[:, 2 * dilation :]], axis=2)
