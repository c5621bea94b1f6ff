"""`wangge serve` (and so `wangge demo`) runs a background worker beside the server and stops it with itself."""

import pytest
from django.core.management import call_command

from wangge.core.management.commands import serve as serve_command


class FakeWorker:
    def __init__(self):
        self.stopped = False

    def poll(self):
        return 0 if self.stopped else None

    def terminate(self):
        self.stopped = True

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def quiet_serve(monkeypatch):
    started = []

    def start():
        worker = FakeWorker()
        started.append(worker)
        return worker

    def server_stops(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr(serve_command, "start_worker", start)
    monkeypatch.setattr(serve_command, "call_command", lambda *a, **k: None)
    monkeypatch.setattr("waitress.serve", server_stops)
    return started


def test_serve_starts_a_worker_and_stops_it_when_the_server_stops(quiet_serve):
    with pytest.raises(KeyboardInterrupt):
        call_command("serve", port=8123)
    (worker,) = quiet_serve
    assert worker.stopped


def test_serve_without_a_worker(quiet_serve):
    with pytest.raises(KeyboardInterrupt):
        call_command("serve", port=8123, no_worker=True)
    assert quiet_serve == []


def test_the_worker_command_is_the_one_started(monkeypatch):
    calls = []
    monkeypatch.setattr(
        serve_command.subprocess, "Popen", lambda args, **kwargs: calls.append((args, kwargs))
    )
    serve_command.start_worker()
    ((args, kwargs),) = calls
    assert args == [serve_command.sys.executable, "-m", "wangge.cli", "worker"]
    assert kwargs["preexec_fn"] is serve_command._die_with_parent
