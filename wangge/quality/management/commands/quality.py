"""`wangge quality <subcommand>`: progress and quality from the command line.

wangge quality rollup [--from D] [--to D] [--area CODE]
    rebuild the daily rollup rows (docs/quality.md "Rollups") of every day from D to D (default: today)
    for the grids under CODE (default: all); idempotent, so a back-fill may be run again at will.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.areas.models import Area
from wangge.core.actor import Actor
from wangge.core.models import Source


def a_day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("日期须为 YYYY-MM-DD：%(t)s") % {"t": text}) from exc


class Command(BaseCommand):
    help = "进度与质量：重算每日统计（rollup）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        rollup = sub.add_parser("rollup", help="重算每日统计（可回填历史）。")
        rollup.add_argument("--from", dest="day_from", help="开始日期 YYYY-MM-DD，默认今天。")
        rollup.add_argument(
            "--to", dest="day_to", help="结束日期 YYYY-MM-DD，默认与开始日期相同（未给开始日期时为今天）。"
        )
        rollup.add_argument("--area", default="", help="区域编码，只重算其下的网格；默认全部。")

    def handle(self, *args, subcommand, **options):
        if subcommand == "rollup":
            self.rollup(**options)

    def rollup(self, *, day_from, day_to, area, **options):
        from wangge.quality.services import rollup_refresh

        today = timezone.localdate()
        start = a_day(day_from) if day_from else today
        end = a_day(day_to) if day_to else (start if day_from else today)
        where = None
        if area:
            where = Area.objects.filter(code=area).first()
            if where is None:
                raise CommandError(_("区域编码不存在：%(c)s") % {"c": area})
        try:
            result = rollup_refresh(
                actor=Actor.system(source=Source.COMMAND), day_from=start, day_to=end, area=where
            )
        except ValidationError as exc:
            raise CommandError("; ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        self.stdout.write(
            _("已重算 %(days)s 天：网格 %(grids)s 行，网格员 %(workers)s 行，用时 %(s)s 秒。")
            % {
                "days": result["days"],
                "grids": result["grid_rows"],
                "workers": result["worker_rows"],
                "s": result["seconds"],
            }
        )
