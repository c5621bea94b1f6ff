"""`wangge address <subcommand>`: the address engine on the command line, one JSON object per input line.

    wangge address parse      stdin: one address per line    → {"input", "elements", "normalized", "division_code"}
    wangge address compare    stdin: {"a": …, "b": …} lines  → {"relation", "score"} (or {"error"} for that line)
    wangge address train      --corpus PATH --out PATH       (developers: retrains the shipped tagger)
    wangge address match      stdin: one address per line    → {"input", "address", "score", "level", …}
                              [--area CODE: only addresses in that area]
    wangge address duplicates [--area CODE]                  → {"addresses": n, "houses": n} new proposals

Input is read as bytes and decoded as UTF-8 with invalid bytes replaced, so no input line can stop the
stream; every input line gives exactly one output line, in order. Each subcommand is one entry of
SUBCOMMANDS (its help, its arguments and its handler), so adding one touches nothing else.
"""

import io
import json
import sys
from collections.abc import Callable, Iterator
from typing import NamedTuple

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wangge.addresses.engine import compare, parse_many


class Subcommand(NamedTuple):
    help: str
    arguments: Callable  # (argparse parser) → None
    run: Callable  # (command, options) → None


def input_batches(stream) -> Iterator[list[str]]:
    """Lines of a binary stream as text (invalid UTF-8 replaced, line ends and a leading BOM dropped), grouped
    by what one read returns: a file piped in comes in groups of many lines, a program that writes a line and
    waits for its answer gets it before the next one is read."""
    pending = bytearray()
    first = True
    while chunk := stream.read1(1 << 16):
        pending += chunk
        # Only the new chunk is searched: a line of many megabytes stays linear to read.
        cut = chunk.rfind(b"\n")
        if cut < 0:
            continue
        cut += len(pending) - len(chunk)
        lines = [decode(raw) for raw in bytes(pending[:cut]).split(b"\n")]
        del pending[: cut + 1]
        if first:
            lines[0] = lines[0].removeprefix("\ufeff")
            first = False
        yield lines
    if pending:
        line = decode(bytes(pending))
        yield [line.removeprefix("\ufeff") if first else line]


def decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").rstrip("\r")


def input_lines(stream) -> Iterator[str]:
    for lines in input_batches(stream):
        yield from lines


def write_json(out, obj: dict) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


def run_parse(command, options) -> None:
    out = command.stdout_stream
    for lines in input_batches(command.stdin_stream):
        for parsed in parse_many(lines):
            out.write(json.dumps(parsed.to_json(), ensure_ascii=False) + "\n")
        out.flush()


def compare_line(line: str) -> dict:
    try:
        pair = json.loads(line)
    except ValueError:
        return {"error": _("不是合法的 JSON。")}
    if not isinstance(pair, dict):
        return {"error": _('须为 JSON 对象，如 {"a": "…", "b": "…"}。')}
    for key in ("a", "b"):
        if key not in pair:
            return {"error": _("缺少字段 %(field)s。") % {"field": key}}
        if not isinstance(pair[key], str):
            return {"error": _("字段 %(field)s 须为字符串。") % {"field": key}}
    relation, score = compare(pair["a"], pair["b"])
    return {"relation": relation, "score": score}


def run_compare(command, options) -> None:
    out = command.stdout_stream
    for line in input_lines(command.stdin_stream):
        write_json(out, compare_line(line))


def train_arguments(parser) -> None:
    parser.add_argument("--corpus", required=True, help="CoNLL 语料路径（如 CCKS-2021 地址要素解析训练集）。")
    parser.add_argument("--out", required=True, help="模型输出路径。")
    parser.add_argument(
        "--part",
        choices=["fit", "train"],
        default="fit",
        help="fit：训练集+开发集（发布的模型，默认）；train：仅训练集（调参时在开发集上评估）。",
    )


def run_train(command, options) -> None:
    from wangge.addresses.engine.train import train_from_corpus

    path = train_from_corpus(corpus=options["corpus"], out=options["out"], part=options["part"])
    command.stderr.write(f"模型已写入 {path}")


def area_arguments(parser) -> None:
    parser.add_argument("--area", default="", help="区域编码前缀（如 350205001）；不填为全部。")


def area_option(options) -> str:
    area = (options.get("area") or "").strip()
    if area and not (area.isascii() and area.isdigit() and len(area) <= 18):
        raise CommandError(_("--area 须为不超过 18 位的数字。"))
    return area


def run_match(command, options) -> None:
    from wangge.addresses.engine.match import match_stream

    area = area_option(options)
    out = command.stdout_stream
    for line, result in match_stream(input_lines(command.stdin_stream), within=area or None):
        write_json(out, {"input": line, **result.to_json()})


def run_duplicates(command, options) -> None:
    from wangge.addresses.services import find_duplicates
    from wangge.core.actor import Actor

    found = find_duplicates(actor=Actor.system(), area=area_option(options))
    write_json(command.stdout_stream, found)


SUBCOMMANDS: dict[str, Subcommand] = {
    "parse": Subcommand("逐行读入地址（标准输入），逐行输出解析结果 JSON。", lambda parser: None, run_parse),
    "compare": Subcommand(
        '逐行读入 {"a": …, "b": …}，逐行输出 {"relation": …, "score": …}。', lambda parser: None, run_compare
    ),
    "train": Subcommand("（开发者）用标注语料训练地址解析模型。", train_arguments, run_train),
    "match": Subcommand(
        "逐行读入地址，逐行输出匹配到的标准地址 JSON：{input, address, score, level, complete, reasons}。",
        area_arguments,
        run_match,
    ),
    "duplicates": Subcommand(
        "查找重复地址与一址多码，生成待审核的合并建议，输出 {addresses, houses}（新建议数）。",
        area_arguments,
        run_duplicates,
    ),
}


class Command(BaseCommand):
    help = "地址引擎：parse（解析）、compare（比较）、match（匹配标准地址）、duplicates（查找重复）、train（训练模型）。"
    requires_system_checks: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stdin_stream = sys.stdin.buffer
        self.stdout_stream = sys.stdout
        # The contract is UTF-8 output whatever the locale (a GBK console included).
        if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.encoding.lower() not in ("utf-8", "utf8"):
            sys.stdout.reconfigure(encoding="utf-8")

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True)
        for name, sub in SUBCOMMANDS.items():
            sub.arguments(subparsers.add_parser(name, help=sub.help, description=sub.help))

    def handle(self, *args, subcommand, **options):
        if subcommand not in SUBCOMMANDS:
            raise CommandError(f"未知的子命令：{subcommand}")
        SUBCOMMANDS[subcommand].run(self, options)
