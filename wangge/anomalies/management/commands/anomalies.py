"""`wangge anomalies run [--area CODE] [--rule CODE …]`: run the anomaly rules now, print the counts as JSON.

wangge anomalies run                         every rule over everything
wangge anomalies run --area 350205001        one street
wangge anomalies run --rule not_verified --rule overcrowded_house
wangge anomalies rules                       the rules, their codes and parameters
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wangge.anomalies.rules import all_rules


class Command(BaseCommand):
    help = "异动数据：运行异动检查规则（run），或列出规则（rules）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        run = sub.add_parser("run", help="立即运行异动检查。")
        run.add_argument("--area", default="", help="区域编码（如 350205001）；不填为全部。")
        run.add_argument(
            "--rule", action="append", default=[], help="只运行这条规则（可重复）；不填为全部规则。"
        )
        sub.add_parser("rules", help="列出全部规则。")

    def handle(self, *args, **options):
        if options["subcommand"] == "rules":
            for rule in all_rules():
                self.stdout.write(
                    json.dumps(
                        {"code": rule.code, "title": str(rule.title), "params": rule.effective_params()},
                        ensure_ascii=False,
                    )
                )
            return
        from django.core.exceptions import ValidationError

        from wangge.anomalies.services import anomalies_run
        from wangge.areas.models import Area
        from wangge.core.actor import Actor

        area = None
        code = (options["area"] or "").strip()
        if code:
            if not (code.isascii() and code.isdigit() and len(code) <= 18):
                raise CommandError(_("--area 须为不超过 18 位的数字。"))
            area = Area.objects.filter(code=code).first()
            if area is None:
                raise CommandError(_("没有编码为 %(code)s 的区域。") % {"code": code})
        try:
            run = anomalies_run(actor=Actor.system(), area=area, rules=options["rule"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            json.dumps(
                {"run": run.pk, "state": run.state, "seconds": run.seconds, "counts": run.counts},
                ensure_ascii=False,
            )
        )
