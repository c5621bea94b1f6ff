"""Training the CRF tagger (developers only: `wangge address train --corpus PATH --out PATH`).

L-BFGS is deterministic and the folds come from a hash of the text, so the same corpus and parameters give
the same model byte for byte. The lexicon is written next to the model (lexicon.lexicon_path).
"""

from pathlib import Path

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


def train(*, samples, out: str | Path, params: dict | None = None) -> Path:
    lexicons = lexicon.jackknife(samples)
    sequences = ((features(text, lex), tags) for (text, tags), lex in zip(samples, lexicons, strict=True))
    path = train_crf(sequences=sequences, out=out, params={**PARAMS, **(params or {})})
    lexicon.save(lexicon.build(samples), lexicon.lexicon_path(path))
    return path


def train_from_corpus(*, corpus: str | Path, out: str | Path, part: str = "fit", params: dict | None = None):
    """The shipped model: trained on train + dev (85 %), never on the held-out test split."""
    return train(samples=split(read_conll(corpus), part), out=out, params=params)
