"""Serve the site with waitress (a production WSGI server that needs no compiler and runs anywhere)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "在 127.0.0.1:8000 提供网页与接口服务（waitress）。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from wangge.config.wsgi import application

        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Wangge 网格 — http://{host}:{port}/")
        serve(application, host=host, port=port, threads=threads, ident="wangge")
