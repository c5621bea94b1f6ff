"""Training the tagger (developers only: `wangge address train --corpus PATH --out PATH`).

Two models over the same per-character features, written into one file that engine/tagger.py reads with
numpy alone: a CRF (crfsuite, L-BFGS) and a small convolutional network with a CRF layer (PyTorch, which only
training needs: `pip install torch==2.13.0`, part of the dev extras). The lexicon is written next to the model
(lexicon.lexicon_path).

L-BFGS is deterministic, the folds come from a hash of the text, and the network is trained on one thread
from a fixed seed with deterministic kernels, so the same corpus and parameters give the same file byte for
byte on the same machine.
"""

import io
import math
import random
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pycrfsuite

from wangge.addresses.engine import lexicon
from wangge.addresses.engine.corpus import read_conll, split
from wangge.addresses.engine.features import features

# Chosen on the dev split and on cross-validation of train + dev (docs/address-engine.md); the held-out test split
# is never looked at here.
PARAMS = {
    "c1": 0.02,
    "c2": 0.02,
    "max_iterations": 300,
    "feature.possible_transitions": True,
    # A weight for every (attribute, label) pair, also those never seen together: an attribute may then argue
    # against a label. 3-fold cross-validation on train + dev: 0.9123 against 0.9116 without.
    "feature.possible_states": True,
}
# The network, chosen on dev (docs/address-engine.md, "A network beside the CRF"): a 64-wide embedding of each
# feature, two convolutions of 64 channels, 20 epochs of Adam with a cosine schedule. WEIGHT is its share in
# the product of experts (the CRF's is 1 - WEIGHT).
NETWORK = {
    "embedding": 64,
    "channels": 64,
    "dropout": 0.5,
    "epochs": 20,
    "rate": 2e-3,
    "batch": 32,
    "seed": 3,
}
WEIGHT = 0.3


def train_crf(*, sequences, out: str | Path, params: dict) -> Path:
    """Any CRF over (features, tags) sequences; the benchmark trains its baseline with this too."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for xseq, yseq in sequences:
        trainer.append(xseq, yseq)
    trainer.set_params(params)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    return out


def train(*, samples, out: str | Path, params: dict | None = None, network: dict | None = None) -> Path:
    """The tagger file (CRF and network) and its lexicon, from (text, tags) samples."""
    lexicons = lexicon.jackknife(samples)
    sequences = [features(text, lex) for (text, _), lex in zip(samples, lexicons, strict=True)]
    tags = [t for _, t in samples]
    with tempfile.TemporaryDirectory(prefix="address-crf-") as work:
        model = train_crf(
            sequences=zip(sequences, tags, strict=True),
            out=Path(work) / "crf",
            params={**PARAMS, **(params or {})},
        )
        crf = pycrfsuite.Tagger()
        crf.open(str(model))
        dump = crf.info()  # the CRF's weights by attribute and label, and its transitions
        crf.close()
    net = train_network(sequences, tags, {**NETWORK, **(network or {})})
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write(out, combine(dump, net, WEIGHT))
    lexicon.save(lexicon.build(samples), lexicon.lexicon_path(out))
    return out


def train_from_corpus(*, corpus: str | Path, out: str | Path, part: str = "fit", params: dict | None = None):
    """The shipped model: trained on train + dev (85 %), never on the held-out test split."""
    return train(samples=split(read_conll(corpus), part), out=out, params=params)


def train_network(sequences, tags, config: dict) -> dict:
    """A convolutional tagger with a CRF layer, trained by likelihood; its parameters as numpy arrays."""
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(config["seed"])
    shuffle = random.Random(config["seed"]).shuffle
    counts = Counter(f for seq in sequences for fs in seq for f in fs)
    # Features seen once would only be learnt by heart.
    vocabulary = {f: i + 1 for i, f in enumerate(sorted(f for f, c in counts.items() if c >= 2))}
    tagset = sorted({t for seq in tags for t in seq})
    index = {t: i for i, t in enumerate(tagset)}
    data = [
        ([[vocabulary[f] for f in fs if f in vocabulary] for fs in seq], [index[t] for t in ts])
        for seq, ts in zip(sequences, tags, strict=True)
    ]
    width, channels = config["embedding"], config["channels"]
    embedding = nn.Embedding(len(vocabulary) + 1, width, padding_idx=0)
    conv1 = nn.Conv1d(width, channels, 3, padding=1)
    conv2 = nn.Conv1d(channels, channels, 3, padding=2, dilation=2)
    out = nn.Linear(channels, len(tagset))
    transitions = nn.Parameter(torch.zeros(len(tagset), len(tagset)))
    start = nn.Parameter(torch.zeros(len(tagset)))
    end = nn.Parameter(torch.zeros(len(tagset)))
    layers = nn.ModuleList([embedding, conv1, conv2, out])
    dropout = nn.Dropout(config["dropout"])
    parameters = [*layers.parameters(), transitions, start, end]
    optimiser = torch.optim.Adam(parameters, lr=config["rate"])

    def loss_of(batch) -> torch.Tensor:
        n = max(len(x) for x, _ in batch)
        k = max(1, max(len(fs) for x, _ in batch for fs in x))
        x = torch.zeros(len(batch), n, k, dtype=torch.long)
        y = torch.zeros(len(batch), n, dtype=torch.long)
        mask = torch.zeros(len(batch), n, dtype=torch.bool)
        for b, (xs, ys) in enumerate(batch):
            for i, fs in enumerate(xs):
                x[b, i, : len(fs)] = torch.tensor(fs, dtype=torch.long)
            y[b, : len(ys)] = torch.tensor(ys)
            mask[b, : len(xs)] = True
        m = mask.unsqueeze(1).float()
        h = torch.relu(conv1(dropout(embedding(x).sum(2)).transpose(1, 2))) * m
        h = (torch.relu(conv2(h)) * m).transpose(1, 2)
        em = out(dropout(h))
        # Negative log-likelihood of the gold path (forward algorithm over the padded batch).
        score = start[y[:, 0]] + em[:, 0].gather(1, y[:, :1]).squeeze(1)
        alpha = start + em[:, 0]
        for i in range(1, n):
            going = mask[:, i]
            step = transitions[y[:, i - 1], y[:, i]] + em[:, i].gather(1, y[:, i : i + 1]).squeeze(1)
            score = score + torch.where(going, step, 0)
            alpha = torch.where(
                going.unsqueeze(1), torch.logsumexp(alpha.unsqueeze(2) + transitions, 1) + em[:, i], alpha
            )
        last = y.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)
        return (torch.logsumexp(alpha + end, 1) - score - end[last]).sum() / len(batch)

    layers.train()
    for epoch in range(config["epochs"]):
        for group in optimiser.param_groups:
            group["lr"] = config["rate"] * 0.5 * (1 + math.cos(math.pi * epoch / config["epochs"]))
        shuffle(data)
        for i in range(0, len(data), config["batch"]):
            loss = loss_of(data[i : i + config["batch"]])
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(parameters, 5.0)
            optimiser.step()
    with torch.no_grad():
        return {
            "tags": tagset,
            "vocabulary": vocabulary,
            "embedding": embedding.weight[1:].numpy().copy(),
            # (out, in, window) → rows ordered as tagger._windows lays the window out: (window, in).
            "conv1": conv1.weight.permute(2, 1, 0).reshape(-1, channels).numpy().copy(),
            "bias1": conv1.bias.numpy().copy(),
            "conv2": conv2.weight.permute(2, 1, 0).reshape(-1, channels).numpy().copy(),
            "bias2": conv2.bias.numpy().copy(),
            "out": out.weight.T.numpy().copy(),
            "bias_out": out.bias.numpy().copy(),
            "transitions": transitions.numpy().copy(),
            "start": start.numpy().copy(),
            "end": end.numpy().copy(),
        }


def combine(crf, net: dict, weight: float) -> dict[str, np.ndarray]:
    """Both models' arrays over one feature table, each model's scores already multiplied by its weight (crf:
    pycrfsuite's Tagger.info(), its weights by attribute and label)."""
    tags = net["tags"]
    index = {t: i for i, t in enumerate(tags)}
    names = sorted(set(net["vocabulary"]) | {attribute for attribute, _ in crf.state_features})
    row = {name: i + 1 for i, name in enumerate(names)}
    state = sorted((row[a], index[label], w) for (a, label), w in crf.state_features.items())
    embedding = np.zeros((len(names), net["embedding"].shape[1]), np.float32)
    for name, i in net["vocabulary"].items():
        embedding[row[name] - 1] = net["embedding"][i - 1]
    crf_transitions = np.zeros((len(tags), len(tags)), np.float32)
    for (a, b), w in crf.transitions.items():
        crf_transitions[index[a], index[b]] = w
    return {
        "tags": np.array(tags),
        "features": np.array(names),
        "crf_rows": np.array([r for r, _, _ in state], np.int32),
        "crf_cols": np.array([c for _, c, _ in state], np.int16),
        "crf_weights": np.array([(1 - weight) * w for _, _, w in state], np.float32),
        # Half precision halves the file; the sums are taken in single precision.
        "embedding": embedding.astype(np.float16),
        "conv1": net["conv1"],
        "bias1": net["bias1"],
        "conv2": net["conv2"],
        "bias2": net["bias2"],
        "out": weight * net["out"],
        "bias_out": weight * net["bias_out"],
        "transitions": (1 - weight) * crf_transitions + weight * net["transitions"],
        "start": weight * net["start"],
        "end": weight * net["end"],
    }


def write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An .npz that np.load reads, with fixed timestamps so that the same arrays give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            archive.writestr(
                zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0)),
                buffer.getvalue(),
                compress_type=zipfile.ZIP_DEFLATED,
            )
