"""p50/p95 latency of the JSON API's list, search and detail calls, next to plain Django views (the ceiling).

    .venv/bin/python bench/build_demo.py --db sqlite --keep     # once: the Haicang-scale database
    .venv/bin/python bench/api_latency.py --db sqlite
    .venv/bin/python bench/api_latency.py --db postgres --requests 300
    .venv/bin/python bench/api_latency.py --db sqlite --transport http   # through waitress, as `wangge serve`

For a district admin (sees the whole district) and a grid worker (one collection grid), each of
/api/v1/people/, /api/v1/houses/ and /api/v1/addresses/ is called as a list (first page of 50), a search
(`?q=` with a name or a road and door number taken from the user's own records) and a detail (`/{id}`),
authenticated with a bearer token from POST /api/v1/auth/token. The same requests then go to the plain
views in bench/plain.py (same token check, selectors, count, page and masking; no django-ninja), the same
way: in-process with Django's test client (default), or over HTTP to a waitress server in a child process.
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.build_demo import bench_env  # noqa: E402

RESOURCES = {"people": "people", "houses": "houses", "addresses": "addresses"}
USERS = ("district_admin", "grid_worker")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def samples(username: str, rng: random.Random, n: int = 40) -> dict:
    """Search terms and ids from the user's own scope, so every call finds something."""
    from wangge.accounts.models import User
    from wangge.addresses.models import AddressLevel, StandardAddress
    from wangge.housing.models import House
    from wangge.people.models import Person

    user = User.objects.get(username=username)

    def pick(queryset):
        ids = list(queryset.values_list("pk", flat=True).order_by("pk")[:200_000])
        return rng.sample(ids, min(n, len(ids)))

    people = pick(Person.objects.visible_to(user))
    houses = pick(House.objects.visible_to(user))
    addresses = pick(StandardAddress.objects.visible_to(user).filter(level=AddressLevel.DOOR_PLATE))
    doors = list(StandardAddress.objects.filter(pk__in=addresses).select_related("parent"))
    door_terms = [d.parent.name + d.name for d in doors]
    return {
        "people": {
            "ids": people,
            "q": list(Person.objects.filter(pk__in=people).values_list("name", flat=True)),
        },
        "houses": {"ids": houses, "q": door_terms},
        "addresses": {"ids": [d.pk for d in doors], "q": door_terms},
    }


class TestClientTransport:
    def __init__(self):
        from django.test import Client

        self.client = Client()

    def post_json(self, path: str, body: dict) -> tuple[int, dict]:
        response = self.client.post(path, json.dumps(body), content_type="application/json")
        return response.status_code, json.loads(response.content)

    def get(self, path: str, token: str) -> int:
        return self.client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}").status_code


class HttpTransport:
    """Keep-alive HTTP/1.1 to waitress in a child process (the server of `wangge serve`)."""

    def __init__(self, env: dict):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = subprocess.Popen(
            [sys.executable, __file__, "--serve-child", str(self.port)], env=env, cwd=ROOT
        )
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port)

    def post_json(self, path: str, body: dict) -> tuple[int, dict]:
        self.conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        return response.status, json.loads(response.read())

    def get(self, path: str, token: str) -> int:
        self.conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = self.conn.getresponse()
        response.read()
        return response.status

    def close(self):
        self.conn.close()
        self.server.terminate()
        self.server.wait()


def serve_child(port: int) -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"
    from waitress import serve

    from wangge.config.wsgi import application

    serve(application, host="127.0.0.1", port=port, threads=4, ident="wangge-bench", _quiet=True)


def measure(transport, paths: list[str], token: str, requests: int, warmup: int) -> list[float]:
    timings = []
    for i in range(warmup + requests):
        path = paths[i % len(paths)]
        started = time.perf_counter()
        status = transport.get(path, token)
        elapsed = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        if i >= warmup:
            timings.append(elapsed * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--work-dir", default="/tmp/wangge-bench")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per call and user")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--transport", choices=["client", "http"], default="client")
    parser.add_argument(
        "--users", nargs="+", default=list(USERS), choices=USERS, help="whose calls to measure"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--serve-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_child:
        serve_child(args.serve_child)
        return

    env = bench_env(args.db, Path(args.work_dir))
    # WhiteNoise warns on every request without a static directory; the demo never collected one here.
    (Path(env["WANGGE_VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    if args.db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"
    from django.db import connection

    from wangge.demo.builder import accounts_path, current_demo

    demo = current_demo()
    if demo is None:
        sys.exit(
            f"No demo in {connection.settings_dict['NAME']}: run bench/build_demo.py --db {args.db} --keep first."
        )
    accounts = {a["username"]: a for a in json.loads(accounts_path().read_text(encoding="utf-8"))}
    transport = HttpTransport(env) if args.transport == "http" else TestClientTransport()
    rng = random.Random(0)
    rows = []
    try:
        for username in args.users:
            status, body = transport.post_json(
                "/api/v1/auth/token",
                {"username": username, "password": accounts[username]["password"]},
            )
            if status != 200:
                raise RuntimeError(f"token for {username}: HTTP {status} {body}")
            token = body["token"]
            sample = samples(username, rng)
            for resource in RESOURCES:
                calls = {
                    "list": [""],
                    "search": ["?" + urlencode({"q": q}) for q in sample[resource]["q"]],
                    "detail": [str(pk) for pk in sample[resource]["ids"]],
                }
                for call, tails in calls.items():
                    api = [f"/api/v1/{resource}/{t}" for t in tails]
                    plain = [f"/bench/plain/{resource}/{t}" for t in tails]
                    a = measure(transport, api, token, args.requests, args.warmup)
                    p = measure(transport, plain, token, args.requests, args.warmup)
                    row = {
                        "user": username,
                        "call": f"{resource} {call}",
                        "api_p50": round(percentile(a, 50), 1),
                        "api_p95": round(percentile(a, 95), 1),
                        "plain_p50": round(percentile(p, 50), 1),
                        "plain_p95": round(percentile(p, 95), 1),
                        "api_mean": round(statistics.fmean(a), 1),
                        "plain_mean": round(statistics.fmean(p), 1),
                    }
                    rows.append(row)
                    print(
                        f"{username:15} {row['call']:18} API p50 {row['api_p50']:8.1f} p95 {row['api_p95']:8.1f}"
                        f"   plain p50 {row['plain_p50']:8.1f} p95 {row['plain_p95']:8.1f} ms",
                        flush=True,
                    )
    finally:
        if isinstance(transport, HttpTransport):
            transport.close()
    print(
        f"\n{connection.vendor}, {demo.scale} scale, transport {args.transport}, {args.requests} requests each"
    )
    print("| user | call | API p50 | API p95 | plain p50 | plain p95 |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['user']} | {r['call']} | {r['api_p50']} | {r['api_p95']} | {r['plain_p50']} | {r['plain_p95']} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
