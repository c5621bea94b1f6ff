"""Serve the site with waitress (a production WSGI server that needs no compiler and runs anywhere), and
next to it a background worker (`wangge worker`) for large imports, stopped with the server."""

import ctypes
import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Linux: the kernel signals the worker when the server process ends, however it ends (even SIGKILL).
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "wangge.cli", "worker"],
        env=os.environ.copy(),
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def stop_worker(worker: subprocess.Popen | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


class Command(BaseCommand):
    help = "在 127.0.0.1:8000 提供网页与接口服务（waitress），并在旁边运行后台任务进程。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker", action="store_true", help="不启动后台任务进程（另行运行 wangge worker 时）。"
        )

    def handle(self, *args, host, port, threads, no_worker, **options):
        from waitress import serve

        from wangge.config.wsgi import application

        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Wangge 网格 — http://{host}:{port}/")
        worker = None if no_worker else start_worker()
        # SIGTERM ends the server like Ctrl-C does, so that the worker is stopped on the way out.
        previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            serve(application, host=host, port=port, threads=threads, ident="wangge")
        finally:
            signal.signal(signal.SIGTERM, previous)
            stop_worker(worker)
