"""Run background jobs (django-tasks, database backend) and, next to them, the nightly scheduler."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行后台任务（django-tasks 数据库后端），并每天在 NIGHTLY_AT 之后把夜间作业各排队一次。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-nightly",
            action="store_true",
            help="不排夜间作业（另有进程负责时；多个进程同时排也只排一次）。",
        )

    def handle(self, *args, no_nightly=False, **options):
        from wangge.core.nightly import Scheduler

        thread = stop = None
        if not no_nightly:
            thread, stop = Scheduler().start()
        try:
            call_command("db_worker")
        finally:
            if stop is not None:
                stop.set()
                thread.join(timeout=5)
