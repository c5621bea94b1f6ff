"""Address matching against the Haicang demo library: speed, precision, recall, index build time and memory.

    .venv/bin/python bench/build_demo.py --db sqlite --keep      # once: the Haicang-scale database
    .venv/bin/python bench/address_match.py --db sqlite
    .venv/bin/python bench/address_match.py --db postgres --samples 5000
    .venv/bin/python bench/address_match.py --db sqlite --build  # build the database first if it is missing
    .venv/bin/python bench/address_match.py --db sqlite --answers a.tsv  # every answer, to compare two runs

Samples are real addresses drawn at random from the register (every level, in the register's proportions),
each written the way people write addresses, one perturbation per sample, in equal shares:

  exact           the standard full text
  no_area         district, street and community left out
  city_prefix     福建省厦门市 in front
  numerals        3号楼 → 3栋 / 3幢 / 三栋, 2单元 → 二单元, 5层 → 五层
  compound_suffix 阳光花园 → 阳光小区 / 阳光花园小区 / 阳光
  drop_floor      5层 left out before 502室
  noise           spaces, full-width digits, a phone number, 附近
  typo            one character of the road name replaced
  compound_only   no area, road or door plate: the compound (or building) name and what follows
  missing_room    a room the register lacks (X99室): the floor is what the text certainly denotes
  unknown_road    a road this register does not have: the right answer is no match

An answer is correct when it is the expected address, "above" when it is one of its ancestors (safe, less
deep), wrong otherwise. precision = correct / answered; safe precision = (correct + above) / answered;
recall = correct / samples that have an expected address; no-match = unanswered / all samples.
Speed is match_many() over all samples with the index already built (one thread); match() called once per
text (each call checks the index is fresh, parses, walks and reads the answer's row); parse() alone; and the
matching alone on texts parsed beforehand (fast path, walk, no database), to tell the two costs apart.
"""

import argparse
import gc
import os
import random
import subprocess
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.build_demo import bench_env  # noqa: E402

KINDS = [
    "exact",
    "no_area",
    "city_prefix",
    "numerals",
    "compound_suffix",
    "drop_floor",
    "noise",
    "typo",
    "compound_only",
    "missing_room",
    "unknown_road",
]
CHINESE = "零一二三四五六七八九"
TYPO_CHARS = "海沧林新阳兴祥嵩屿东孚霞翁钟山滨湖港鳌角天竺莲花凤芸美鼎贞石塘渐青礁后温厝锦里古楼翔虹景盛达发"


def chinese(n: int) -> str:
    if n < 10:
        return CHINESE[n]
    if n < 20:
        return "十" + (CHINESE[n % 10] if n % 10 else "")
    if n < 100:
        return CHINESE[n // 10] + "十" + (CHINESE[n % 10] if n % 10 else "")
    return str(n)


def leading(name: str) -> int | None:
    digits = ""
    for ch in name:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else None


def draw(rng: random.Random, n: int):
    """n random current addresses with their paths (road … the address), read in a few queries."""
    from wangge.addresses.models import StandardAddress

    current = StandardAddress.objects.filter(ended_on__isnull=True)
    top = current.order_by("-pk").values_list("pk", flat=True).first() or 0
    picked: dict[int, StandardAddress] = {}
    while len(picked) < n and top:
        ids = rng.sample(range(1, top + 1), min(top, (n - len(picked)) * 2))
        for address in current.filter(pk__in=ids):
            if len(picked) < n:
                picked[address.pk] = address
    # An ancestor's code is a prefix of the address's code.
    prefixes = {a.code[:k] for a in picked.values() for k in range(13, len(a.code))}
    by_code = {a.code: a for a in current.filter(code__in=prefixes)}
    return [
        [*(by_code[a.code[:k]] for k in range(13, len(a.code)) if a.code[:k] in by_code), a]
        for a in picked.values()
    ]


def perturb(rng: random.Random, kind: str, path):
    """(text, expected address id or None) for one way of writing the address at the end of `path`."""
    from wangge.addresses.models import AddressLevel as L

    address = path[-1]
    road = path[0]
    area = road.full_text[: len(road.full_text) - len(road.name)]
    names = [node.name for node in path]
    levels = [node.level for node in path]
    if kind == "exact":
        return address.full_text, address.pk
    if kind == "no_area":
        return "".join(names), address.pk
    if kind == "city_prefix":
        return "福建省厦门市" + address.full_text, address.pk
    if kind == "numerals":
        for k, (name, level) in enumerate(zip(names, levels, strict=True)):
            n = leading(name)
            if n is None:
                continue
            if level == L.BUILDING:
                names[k] = rng.choice([f"{n}栋", f"{n}幢", f"{chinese(n)}栋", f"{n}#楼"])
            elif level == L.UNIT:
                names[k] = f"{chinese(n)}单元"
            elif level == L.FLOOR:
                names[k] = f"{chinese(n)}层"
        return area + "".join(names), address.pk
    if kind == "compound_suffix":
        for k, level in enumerate(levels):
            if level == L.COMPOUND:
                name = names[k]
                stem = next(
                    (name[: -len(s)] for s in ("花园", "小区", "新村", "家园", "公寓") if name.endswith(s)),
                    name,
                )
                names[k] = (
                    rng.choice([stem + "小区", name + "小区", stem + "花园"]) if len(stem) >= 2 else name
                )
        return area + "".join(names), address.pk
    if kind == "drop_floor":
        if L.ROOM in levels and L.FLOOR in levels:
            k = levels.index(L.FLOOR)
            del names[k]
        return area + "".join(names), address.pk
    if kind == "noise":
        text = area + " ".join(names)
        text = text.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}) if rng.random() < 0.5 else text
        return text + rng.choice(
            ["（电话：13812345678）", "附近", " 联系人张先生 13900001111", "旁边"]
        ), address.pk
    if kind == "typo":
        name = names[0]
        k = rng.randrange(0, max(1, len(name) - 1))
        names[0] = name[:k] + rng.choice([c for c in TYPO_CHARS if c != name[k]]) + name[k + 1 :]
        return area + "".join(names), address.pk
    if kind == "compound_only":
        starts = [k for k, level in enumerate(levels) if level in (L.COMPOUND, L.BUILDING)]
        if starts:
            return "".join(names[starts[0] :]), address.pk
        return area + "".join(names), address.pk
    if kind == "missing_room":
        floor = next((node for node in reversed(path) if node.level == L.FLOOR), None)
        if floor is None or leading(floor.name) is None:
            return address.full_text, address.pk
        k = levels.index(L.FLOOR)
        room = f"{leading(floor.name)}99室"
        return area + "".join(names[: k + 1]) + room, floor.pk
    if kind == "unknown_road":
        return area.replace("海沧区", "") + "长安大道" + str(rng.randint(1, 500)) + "号", None
    raise ValueError(kind)


def measure_index():
    from wangge.addresses.engine.index import AddressIndex
    from wangge.demo.builder import current_rss_mb

    gc.collect()
    before = current_rss_mb()
    started = time.perf_counter()
    index = AddressIndex.build()
    seconds = time.perf_counter() - started
    gc.collect()
    rss = current_rss_mb() - before
    del index
    gc.collect()
    tracemalloc.start()
    index = AddressIndex.build()
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    return len(index), seconds, rss, retained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--work-dir", default="/tmp/wangge-bench")
    parser.add_argument("--samples", type=int, default=3300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--build", action="store_true", help="build the demo database first when it is missing"
    )
    parser.add_argument("--show", type=int, default=0, help="print this many wrong answers")
    parser.add_argument(
        "--show-above", action="store_true", help="print the answers above the expected one or none"
    )
    parser.add_argument(
        "--answers",
        metavar="PATH",
        help="write every sample's kind, text, expected and answer (tab-separated), "
        "to compare two runs: the same seed must give the same file whatever PYTHONHASHSEED is",
    )
    args = parser.parse_args()
    env = bench_env(args.db, Path(args.work_dir))
    os.environ.update(env)
    if args.db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.db import DatabaseError, connection

    from wangge.addresses.models import StandardAddress

    try:
        built = StandardAddress.objects.exists()
    except DatabaseError:
        built = False
    if not built:
        if not args.build:
            sys.exit(
                f"no addresses in the {args.db} database: run bench/build_demo.py --db {args.db} --keep first"
            )
        # The build replaces the database this process has open.
        connection.close()
        command = [sys.executable, str(ROOT / "bench" / "build_demo.py"), "--db", args.db, "--keep"]
        subprocess.run([*command, "--work-dir", args.work_dir], cwd=ROOT, check=True)

    from wangge.addresses.engine import parse_many
    from wangge.addresses.engine.index import get_index
    from wangge.addresses.engine.match import Matcher, match, match_many
    from wangge.addresses.engine.resolve import resolve
    from wangge.addresses.engine.text import fold
    from wangge.addresses.models import normalise_text

    nodes, build_s, rss_mb, retained_mb = measure_index()
    rng = random.Random(args.seed)
    samples = []
    for k, path in enumerate(draw(rng, args.samples)):
        kind = KINDS[k % len(KINDS)]
        text, expected = perturb(rng, kind, path)
        samples.append((kind, text, expected, {node.pk for node in path[:-1]} | {path[-1].pk}))
    texts = [s[1] for s in samples]

    match_many(texts[:20])  # the parser's model and the gazetteer load once
    folded = [normalise_text(fold(text)) for text in texts]
    # Division look-ups are cached: each timing starts cold, as if these texts had never been seen.
    resolve.cache_clear()
    started = time.perf_counter()
    parsed = dict(zip(folded, parse_many(folded), strict=True))
    parse_rate = len(texts) / (time.perf_counter() - started)
    matcher = Matcher(get_index(), None)
    started = time.perf_counter()
    for text in folded:
        settled = matcher.settle(text)
        if isinstance(settled, str):
            matcher.walk(parsed[settled])
    walk_rate = len(texts) / (time.perf_counter() - started)
    resolve.cache_clear()
    started = time.perf_counter()
    results = match_many(texts)
    batch_rate = len(texts) / (time.perf_counter() - started)
    resolve.cache_clear()
    started = time.perf_counter()
    for text in texts[:1000]:
        match(text)
    single_rate = min(1000, len(texts)) / (time.perf_counter() - started)

    if args.answers:
        with open(args.answers, "w", encoding="utf-8") as fh:
            for (kind, text, expected, _), result in zip(samples, results, strict=True):
                got = result.address.pk if result.address else None
                fh.write(f"{kind}\t{text}\t{expected}\t{got}\t{result.reasons}\n")
    tally: dict[str, Counter] = defaultdict(Counter)
    wrong = []
    for (kind, text, expected, path_ids), result in zip(samples, results, strict=True):
        got = result.address.pk if result.address else None
        for key in (kind, "all"):
            tally[key]["n"] += 1
            tally[key]["expected"] += expected is not None
            if got is None:
                tally[key]["none"] += 1
            elif got == expected:
                tally[key]["correct"] += 1
            elif expected is not None and got in path_ids:
                tally[key]["above"] += 1
            else:
                tally[key]["wrong"] += 1
        if got is not None and got != expected and not (expected is not None and got in path_ids):
            wrong.append((kind, text, result.address.full_text, result.reasons))
        elif args.show_above and got != expected:
            print(
                f"  above/none [{kind}] {text} → {result.address and result.address.full_text} {result.reasons}"
            )

    def pct(a, b):
        return f"{100 * a / b:5.1f}" if b else "  -  "

    print(f"database: {args.db}; samples: {len(samples)}; index: {nodes:,} addresses")
    print(
        f"index build: {build_s:.2f} s; memory: {retained_mb:.0f} MB retained (tracemalloc), RSS +{rss_mb:.0f} MB"
    )
    print(
        f"speed: match_many {batch_rate:,.0f} addresses/s; match() {single_rate:,.0f}/s; "
        f"parse_many() alone {parse_rate:,.0f}/s; matching without parsing {walk_rate:,.0f}/s"
    )
    print()
    print(
        f"{'kind':16} {'n':>5} {'correct':>8} {'above':>6} {'wrong':>6} {'none':>6} {'prec%':>6} {'safe%':>6} {'recall%':>7}"
    )
    for kind in [*KINDS, "all"]:
        t = tally[kind]
        answered = t["correct"] + t["above"] + t["wrong"]
        print(
            f"{kind:16} {t['n']:5} {t['correct']:8} {t['above']:6} {t['wrong']:6} {t['none']:6} "
            f"{pct(t['correct'], answered):>6} {pct(t['correct'] + t['above'], answered):>6} "
            f"{pct(t['correct'], t['expected']):>7}"
        )
    t = tally["all"]
    answered = t["correct"] + t["above"] + t["wrong"]
    print()
    print(
        f"overall: precision {pct(t['correct'], answered).strip()} %, safe precision "
        f"{pct(t['correct'] + t['above'], answered).strip()} %, recall {pct(t['correct'], t['expected']).strip()} %, "
        f"no-match {pct(t['none'], t['n']).strip()} %"
    )
    for kind, text, got, reasons in wrong[: args.show]:
        print(f"  wrong [{kind}] {text} → {got} {reasons}")


if __name__ == "__main__":
    main()
