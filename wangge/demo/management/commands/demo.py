"""`wangge demo`: migrate, build the synthetic Haicang district once, print the accounts, serve."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from wangge.accounts.roles import Role
from wangge.demo import builder
from wangge.demo.scales import SCALES


class Command(BaseCommand):
    help = (
        "构建演示区（海沧区或沭阳县，合成数据）并模拟进行中的采集行动，"
        "写出演示账号到 var/demo-accounts.json，然后启动服务。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="small",
            help=(
                "tiny：数百人（测试用）；small：一个街道约两万人（默认）；haicang：4 个街道、430 个采集网格、约 39 万人；"
                "county：沭阳县，1715 个采集网格、约 170 万人。"
            ),
        )
        parser.add_argument("--seed", type=int, default=0, help="随机种子；同一种子得到同样的数据。")
        parser.add_argument(
            "--rebuild", action="store_true", help="清空已有的演示数据后重建（库中有非演示数据时拒绝）。"
        )
        parser.add_argument("--no-serve", action="store_true", help="构建后不启动服务。")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--writer",
            choices=["sql", "orm"],
            default="sql",
            help="写入方式：sql（executemany，默认，较快）或 orm（bulk_create）。",
        )

    def handle(self, *args, scale, seed, rebuild, no_serve, host, port, writer, **options):
        started = time.perf_counter()
        self.say("迁移数据库……")
        call_command("migrate", interactive=False, verbosity=0)
        self.say(f"迁移完成（{time.perf_counter() - started:.1f} 秒）")

        existing = builder.current_demo()
        unfinished = existing is None and builder.DemoBuild.objects.exists()
        if rebuild or unfinished:
            self._refuse_if_foreign_data()
            if existing or unfinished:
                self.say("清空原有演示数据……" if existing else "上次构建未完成，清空后重建……")
                builder.wipe()
            existing = None
        elif existing is None:
            self._refuse_if_foreign_data()

        if existing is None:
            result = builder.build(scale, seed=seed, method=writer, progress=self.say)
            accounts, password = result.accounts, result.password
            self.say(
                f"演示数据构建完成：{result.seconds:.1f} 秒（生成 {result.phases.get('generate', 0):.1f} 秒，"
                f"写入 {result.phases.get('write', 0):.1f} 秒，收尾 {result.phases.get('finish', 0):.1f} 秒），"
                f"峰值内存 {result.peak_rss_mb:.0f} MB（生成与写入期间 {result.batch_rss_mb:.0f} MB）"
            )
            self.say(
                "记录数：" + "，".join(f"{label} {count:,}" for label, count in sorted(result.counts.items()))
            )
            steps = {
                k.removeprefix("campaign_"): v for k, v in result.phases.items() if k.startswith("campaign_")
            }
            self.say(
                f"采集行动 {sum(steps.values()):.1f} 秒（"
                + "，".join(f"{name} {seconds:.1f} 秒" for name, seconds in steps.items())
                + "）："
                + "，".join(f"{name} {count:,}" for name, count in sorted(result.campaign.items()))
            )
            self.say(
                f"CPU 时间 {result.phases.get('cpu_total', 0):.1f} 秒"
                f"（其中登记数据 {result.phases.get('cpu_register', 0):.1f} 秒）"
            )
        else:
            if (existing.scale, existing.seed) != (scale, seed):
                self.say(
                    f"数据库中已有演示数据（规模 {existing.scale}，种子 {existing.seed}），沿用；"
                    "如需按新参数重建，请加 --rebuild。"
                )
            else:
                self.say(f"数据库中已有演示数据（规模 {existing.scale}，种子 {existing.seed}），沿用。")
            accounts = builder.showcase_accounts()
            password = builder.known_password(accounts)
            if password is None:
                self.say("未找到有效的演示账号文件，已为演示账号重新生成密码。")
                password = builder.reset_passwords()

        path = builder.write_accounts(accounts, password)
        self.print_accounts(accounts, password)
        self.say(f"演示账号已写入 {path}（所有演示账号使用同一密码，每次构建随机生成）")
        self.say(f"总耗时 {time.perf_counter() - started:.1f} 秒")
        if not no_serve:
            call_command("serve", host=host, port=port)

    def _refuse_if_foreign_data(self) -> None:
        foreign = builder.non_demo_records()
        if foreign:
            listed = "，".join(f"{name} {count:,} 条" for name, count in foreign.items())
            raise CommandError(
                f"数据库中有非演示数据（{listed}），演示命令不会覆盖或清空它们。"
                "请换一个空数据库（例如设置 WANGGE_VAR_DIR 或 DATABASE_URL）再运行。"
            )

    def print_accounts(self, accounts, password: str) -> None:
        labels = dict(Role.choices)
        rows = [
            (str(labels.get(a.role, a.role)), a.username, password, f"{a.area_name}（{a.area_code}）")
            for a in accounts
        ]
        headers = ("角色", "用户名", "密码", "任职区域")
        widths = [max(display_width(r[i]) for r in [headers, *rows]) for i in range(4)]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write(line)
        for row in [headers, *rows]:
            self.stdout.write("  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=True)))
            if row is headers:
                self.stdout.write(line)
        self.stdout.write(line)

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()


def display_width(text: str) -> int:
    """Chinese characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))
