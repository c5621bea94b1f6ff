"""Address parsing quality and speed: ours next to a plain character CRF (and jionlp when installed).

    .venv/bin/python bench/address_parse.py                      # held-out test split, the shipped model
    .venv/bin/python bench/address_parse.py --split dev          # tuning: models trained on train, scored on dev
    .venv/bin/python bench/address_parse.py --cv 3               # choosing: 3-fold cross-validation on train + dev
    .venv/bin/python bench/address_parse.py --speed              # the speed alone (about 15 s)

Quality is entity-level micro F1 (a predicted element counts only when its span and type are both exact) per
type and overall, on the corpus's held-out 15 % (corpus.split: a hash of the text, so duplicates never
straddle). The corpus-only types intersection, distance and assist are left out of gold and predictions,
and so is room, which the corpus never labels: rooms are scored on bench/data/address_rooms.txt instead.
The baseline is a character CRF with character window features only (unigrams and bigrams at ±2), trained
here on exactly the same split with the same trainer. Speed is parse_many() (the texts tagged in batches) and
parse() one text at a time (ours: tagging, rules, normalising and division resolution) on the test texts in one
thread, the median of 5 runs, in a process of its own that has loaded the model.
"""

import argparse
import importlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.config.settings")
# One core means one: numpy's BLAS would otherwise spread the tagger's matrix products over threads whose time
# thread_time() does not count.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pycrfsuite  # noqa: E402

from wangge.addresses.engine.canonical import TYPES  # noqa: E402
from wangge.addresses.engine.corpus import bucket, read_conll, spans, split  # noqa: E402
from wangge.addresses.engine.features import masked  # noqa: E402
from wangge.addresses.engine.resolve import resolve  # noqa: E402
from wangge.addresses.engine.text import fold  # noqa: E402
from wangge.addresses.engine.train import train, train_crf  # noqa: E402

# The package re-exports the function parse(); the benchmark needs the module (to point it at a model).
parse_module = importlib.import_module("wangge.addresses.engine.parse")
CORPUS = "/work/shared/data/address-corpus/ccks2021-train.conll"
ROOMS = Path(__file__).resolve().parent / "data" / "address_rooms.txt"
FRESH_MARK = "# Added after the room rules"
SCORED = [t for t in TYPES if t != "room"]
BASELINE_PARAMS = {"c1": 0.1, "c2": 0.01, "max_iterations": 300}
PASSES = 5


def baseline_features(text: str) -> list[list[str]]:
    m = masked(text)
    p = "\x02\x02" + m + "\x03\x03"
    out = []
    for i in range(len(m)):
        c = i + 2
        out.append(
            [
                "c=" + p[c],
                "l=" + p[c - 1],
                "r=" + p[c + 1],
                "ll=" + p[c - 2],
                "rr=" + p[c + 2],
                "lc=" + p[c - 1 : c + 1],
                "cr=" + p[c : c + 2],
                "ll_l=" + p[c - 2 : c],
                "r_rr=" + p[c + 1 : c + 3],
            ]
        )
    return out


def score(gold: list[set], predicted: list[set], types) -> dict[str, tuple[float, float, float, int]]:
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, predicted, strict=True):
        for e in p:
            (tp if e in g else fp)[e[0]] += 1
        for e in g - p:
            fn[e[0]] += 1
    result = {}
    for t in [*types, "overall"]:
        a, b, c = (
            (sum(tp.values()), sum(fp.values()), sum(fn.values()))
            if t == "overall"
            else (tp[t], fp[t], fn[t])
        )
        precision = a / (a + b) if a + b else 0.0
        recall = a / (a + c) if a + c else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[t] = (precision, recall, f1, a + c)
    return result


def gold_sets(samples) -> list[set]:
    return [{s for s in spans(tags) if s[0] in SCORED} for _, tags in samples]


def ours(texts) -> list[set]:
    return [
        {(e.type, e.start, e.end) for e in parsed.elements if e.type in SCORED}
        for parsed in parse_module.parse_many(texts)
    ]


def crf_predict(model: Path, texts, feature_fn) -> list[set]:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    return [{s for s in spans(tagger.tag(feature_fn(t))) if s[0] in SCORED} for t in texts]


def jionlp_predict(texts) -> list[set] | None:
    try:
        import jionlp
    except ImportError:
        return None
    fields = {
        "province": "province",
        "city": "city",
        "county": "district",
        "town": "town",
        "village": "community",
    }
    out = []
    for text in texts:
        found = set()
        result = jionlp.parse_location(text, town_village=True)
        position = 0
        for key, kind in fields.items():
            value = result.get(key)
            if value and (at := text.find(value, position)) >= 0:
                found.add((kind, at, at + len(value)))
                position = at + len(value)
        out.append(found)
    return out


def room_set() -> tuple[list[str], list[set], int]:
    """Texts, gold room spans, and the index where the lines the rules were never tuned on begin."""
    texts, gold, fresh = [], [], 0
    for line in ROOMS.read_text(encoding="utf-8").splitlines():
        if line.startswith(FRESH_MARK):
            fresh = len(texts)
        if not line.strip() or line.startswith("#"):
            continue
        rooms, plain, offset = set(), [], 0
        for part in re.split(r"(【[^】]*】)", line):
            if part.startswith("【"):
                inner = part[1:-1]
                rooms.add(("room", offset, offset + len(inner)))
                plain.append(inner)
                offset += len(inner)
            else:
                plain.append(part)
                offset += len(part)
        texts.append("".join(plain))
        gold.append(rooms)
    return texts, gold, fresh


def table(columns: dict[str, dict], types) -> None:
    names = list(columns)
    print(f"{'type':<14}{'n':>6}  " + "  ".join(f"{n:>24}" for n in names))
    print(f"{'':<14}{'':>6}  " + "  ".join(f"{'P     R     F1':>24}" for _ in names))
    for t in [*types, "overall"]:
        n = next(iter(columns.values()))[t][3]
        cells = "  ".join(f"{' '.join(f'{v:.3f}' for v in columns[name][t][:3]):>24}" for name in names)
        print(f"{t:<14}{n:>6}  {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=CORPUS)
    parser.add_argument("--split", choices=["test", "dev"], default="test")
    parser.add_argument("--no-baseline", action="store_true", help="skip training the baseline CRF")
    parser.add_argument(
        "--baseline-model", help="keep the baseline CRF in this file: trained once when missing, reused after"
    )
    parser.add_argument(
        "--model", help="score this model instead of the shipped one (test) or a fresh one (dev)"
    )
    parser.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="instead: K-fold cross-validation on train + dev (never the test split), the code's features and "
        "parameters; dev alone moves by ±0.002 from noise, K folds score about 36,000 entities",
    )
    parser.add_argument("--speed", action="store_true", help="only the speed, on the split's texts")
    args = parser.parse_args()

    samples = read_conll(args.corpus)
    if args.speed:
        if args.model:
            parse_module.MODEL = Path(args.model)
        texts = [text for text, _ in split(samples, args.split)]
        del samples
        speed(texts, args.split)
        return
    if args.cv:
        with tempfile.TemporaryDirectory(prefix="address-cv-") as work:
            cross_validate(split(samples, "fit"), args.cv, Path(work))
        return
    fit_part = "fit" if args.split == "test" else "train"
    fit, held = split(samples, fit_part), split(samples, args.split)
    texts = [t for t, _ in held]
    gold = gold_sets(held)
    print(
        f"corpus {len(samples)} addresses; fitted on {fit_part} ({len(fit)}), scored on {args.split} ({len(held)})"
    )

    agreement(samples)
    with tempfile.TemporaryDirectory(prefix="address-bench-") as work:
        report(args, fit, texts, gold, held, Path(work))


def cross_validate(fit, k: int, work: Path) -> None:
    """Fold = text bucket mod k; each fold scored (parse(), rules on) by a model trained on the other folds."""
    totals = Counter()
    for part in range(k):
        held = [s for s in fit if bucket(s[0]) % k == part]
        started = time.perf_counter()
        parse_module.MODEL = train(
            samples=[s for s in fit if bucket(s[0]) % k != part], out=work / f"{part}.npz"
        )
        counts = Counter()
        for g, p in zip(gold_sets(held), ours([t for t, _ in held]), strict=True):
            tally(counts, g, p)
        totals.update(counts)
        print(
            f"fold {part}: {len(held)} addresses, {counts['tp'] + counts['fn']} entities, "
            f"F1 {f1_of(counts):.4f} ({time.perf_counter() - started:.0f} s)"
        )
    print(f"cross-validation, {k} folds of train + dev: overall F1 {f1_of(totals):.4f}")


def tally(counts: Counter, gold: set, predicted: set) -> None:
    counts.update(tp=len(gold & predicted), fp=len(predicted - gold), fn=len(gold - predicted))


def f1_of(counts: Counter) -> float:
    return 2 * counts["tp"] / (2 * counts["tp"] + counts["fp"] + counts["fn"])


def agreement(samples) -> None:
    """How far the corpus agrees with itself: addresses it holds more than once, each copy against the first
    (entity-level F1 over every corpus type). A tagger that matched one copy exactly would score this on the
    other, so it is a rough upper bound of what the annotation allows."""
    copies: dict[str, list[set]] = {}
    for text, tags in samples:
        copies.setdefault(text, []).append(set(spans(tags)))
    counts = Counter()
    pairs = differ = 0
    for first, *rest in (c for c in copies.values() if len(c) > 1):
        for other in rest:
            pairs += 1
            differ += other != first
            tally(counts, first, other)
    if pairs:
        print(
            f"the corpus's own agreement: {pairs} repeated copies of an address, {differ} annotated differently; "
            f"entity F1 between copies {f1_of(counts):.3f}"
        )


def report(args, fit, texts, gold, held, work: Path) -> None:
    if args.model:
        parse_module.MODEL = Path(args.model)
    elif args.split == "dev":
        started = time.perf_counter()
        parse_module.MODEL = train(samples=fit, out=work / "ours.npz")
        print(f"ours trained in {time.perf_counter() - started:.0f} s")
    columns = {
        "ours": score(gold, ours(texts), SCORED),
        "ours, tagger alone": score(
            gold, [{s for s in parse_module.tag(t) if s[0] in SCORED} for t in texts], SCORED
        ),
    }
    if not args.no_baseline:
        model = Path(args.baseline_model) if args.baseline_model else work / "baseline.crfsuite"
        if not model.exists():
            started = time.perf_counter()
            train_crf(
                sequences=((baseline_features(text), tags) for text, tags in fit),
                out=model,
                params=BASELINE_PARAMS,
            )
            print(f"baseline char CRF trained in {time.perf_counter() - started:.0f} s")
        columns["char CRF"] = score(gold, crf_predict(model, texts, baseline_features), SCORED)
    jio = jionlp_predict(texts)
    if jio is not None:
        columns["jionlp"] = score(gold, jio, SCORED)
    print()
    table(columns, SCORED)
    if jio is None:
        print(
            "\njionlp: not installed here; the issue quotes about 0.52 overall (administrative levels only)."
        )

    # The corpus leaves about a quarter of its N单元 and N楼 untagged (docs/address-engine.md): show how many
    # false positives fall on text the gold tags as nothing at all, and the F1 without those.
    everything = [set(spans(tags)) for _, tags in held]
    predicted_ours = ours(texts)
    print("\nfalse positives on text the corpus leaves untagged (every corpus type counted as a tag):")
    for kind in ("building", "unit", "floor"):
        fp = [e for g, p in zip(gold, predicted_ours, strict=True) for e in p - g if e[0] == kind]
        untagged = [
            e
            for g, a, p in zip(gold, everything, predicted_ours, strict=True)
            for e in p - g
            if e[0] == kind and not any(q[1] < e[2] and e[1] < q[2] for q in a)
        ]
        tp = sum(1 for g, p in zip(gold, predicted_ours, strict=True) for e in p & g if e[0] == kind)
        total = columns["ours"][kind][3]
        fp_rest = len(fp) - len(untagged)
        f1 = 2 * tp / (2 * tp + fp_rest + (total - tp)) if tp else 0.0
        print(f"  {kind:<9} {len(untagged):>3} of {len(fp):>3} false positives; F1 without them {f1:.3f}")

    # What the corpus's own annotation allows. Some numbered units and floors (the rule's patterns: 3单元,
    # 十二层, 5楼, 12F) the gold leaves wholly untagged, in the same contexts as the ones it tags
    # (docs/address-engine.md), so no tagger can tell them apart. Each such number, tagged, is right with
    # probability q > 1/2 > F1 / 2, so tagging all of them is best: with G gold elements of the kind and S such
    # numbers, F1 ≤ 2G / (2G + S), reached by a tagger that finds every gold one and tags every pattern.
    print("\nceiling that the corpus's untagged numbers leave to any tagger (F1 ≤ 2G / (2G + S)):")
    for kind, pattern in parse_module._NUMBERED:
        if kind == "building":
            continue
        skipped = 0
        for text, tags in held:
            every = set(spans(tags))
            for m in pattern.finditer(fold(text)):
                if not any(q[1] < m.end() and m.start() < q[2] for q in every):
                    skipped += 1
        total = columns["ours"][kind][3]
        ceiling = 2 * total / (2 * total + skipped) if total else 0.0
        print(f"  {kind:<9} G = {total} in the gold, S = {skipped} left untagged: F1 ceiling {ceiling:.3f}")

    room_texts, room_gold, fresh = room_set()
    predicted = [
        {(e.type, e.start, e.end) for e in parse_module.parse(t).elements if e.type == "room"}
        for t in room_texts
    ]
    for label, part in (("all", slice(None)), ("never tuned on", slice(fresh, None))):
        room = score(room_gold[part], predicted[part], ["room"])["room"]
        print(
            f"room, hand-labelled set, {label}: {len(room_texts[part])} addresses, {room[3]} rooms: "
            f"P {room[0]:.3f} R {room[1]:.3f} F1 {room[2]:.3f}"
        )
    for text, g, p in zip(room_texts, room_gold, predicted, strict=True):
        if g != p and os.environ.get("BENCH_SHOW_ERRORS"):
            print("  room miss:", text, sorted(g), sorted(p))

    # The speed in a process of its own, holding the engine and the texts only, as the CLI or a worker would: here
    # the corpus, the baseline's results and jionlp's dictionaries would make each garbage collection slower.
    print(flush=True)  # what is printed so far, before the child's lines
    subprocess.run(
        [sys.executable, __file__, "--speed", "--split", args.split, "--corpus", args.corpus,
         "--model", str(parse_module.MODEL)],
        check=True,
    )  # fmt: skip


def speed(texts: list[str], split_name: str) -> None:
    """Cold caches: every text is parsed and its divisions resolved as if seen for the first time, after one
    pass that loads the model, the gazetteer and the communities. CPU time of this one thread is what "on one
    core" means; wall time is shown too, as it suffers on a busy machine. The median of PASSES runs, since one
    run's time varies by ±5 % (where Python's full garbage collections happen to fall, and the machine's
    neighbours)."""
    parse_module.parse_many(texts)
    for label, run in (
        ("parse_many() of them all (tagged in batches)", lambda: parse_module.parse_many(texts)),
        ("parse() of each in turn", lambda: [parse_module.parse(text) for text in texts]),
    ):
        cpu, wall = [], []
        for _ in range(PASSES):
            resolve.cache_clear()
            started, started_cpu = time.perf_counter(), time.thread_time()
            run()
            wall.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - started_cpu)
        rates = sorted(len(texts) / c for c in cpu)
        print(
            f"speed: {statistics.median(rates):,.0f} addresses/s of CPU time on one core, median of {PASSES} runs "
            f"({rates[0]:,.0f}–{rates[-1]:,.0f}; {len(texts) / statistics.median(wall):,.0f}/s wall clock; "
            f"{label}, the {len(texts)} {split_name} texts, one thread)",
            flush=True,
        )


if __name__ == "__main__":
    main()
