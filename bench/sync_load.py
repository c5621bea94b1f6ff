"""Sync throughput and latency with 500 field workers at once, next to plain Django views (the ceiling).

    .venv/bin/python bench/build_demo.py --db postgres --scale small --keep    # once
    .venv/bin/python bench/sync_load.py --workers 500 --rounds 3 --batch 10

Against a waitress server in a child process (the server of `wangge serve`, with bench views mounted) on the
PostgreSQL demo database. `--workers` grid-worker accounts (made here once, spread over the demo's grids) each
hold one keep-alive HTTP connection in its own thread and at the same moment: bootstrap (pull until `more` is
false), then `--rounds` times push `--batch` visits to door plates of its grid and pull what changed. The
ceiling does the same through two plain JSON views: the same token check, a ledger lookup and insert per change,
the visit and its audit row written with the ORM, and a pull reading the change feed after a plain id cursor
with the same scope filter — but no schemas, no services, no gap-aware cursor.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_latency import percentile  # noqa: E402
from bench.build_demo import bench_env, pg_url  # noqa: E402

BENCH_PREFIX = "syncbench"


# --- the ceiling: plain views (mounted only in the benchmark's server) -------------------------------------


def plain_user(request):
    from wangge.accounts.models import ApiToken

    header = request.headers.get("Authorization", "")
    return ApiToken.objects.user_for(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None


def plain_push(request):
    from django.db import IntegrityError, transaction
    from django.http import JsonResponse

    from wangge.addresses.models import StandardAddress
    from wangge.collection.models import SyncChange, Visit
    from wangge.core.models import ChangeAction, ChangeRecord, Source

    user = plain_user(request)
    if user is None:
        return JsonResponse({"detail": "401"}, status=401)
    device = request.headers.get("X-Device-Id", "")
    results = []
    for change in json.loads(request.body)["changes"]:
        stored = SyncChange.objects.filter(uuid=change["uuid"]).values_list("result", flat=True).first()
        if stored is not None:
            results.append(stored)
            continue
        try:
            with transaction.atomic():
                address = StandardAddress.objects.visible_to(user).get(pk=change["payload"]["address"]["id"])
                visit = Visit.objects.create(
                    address=address,
                    grid_id=address.grid_id,
                    outcome=change["payload"]["outcome"],
                    visitor=user,
                )
                ChangeRecord.objects.create(
                    content_type_id=visit_content_type(),
                    object_id=visit.pk,
                    action=ChangeAction.CREATE,
                    user=user,
                    username=user.username,
                    source=Source.FIELD,
                    device=device,
                )
                result = {
                    "uuid": change["uuid"],
                    "status": "applied",
                    "target": {"type": "visit", "id": visit.pk},
                }
                SyncChange.objects.create(
                    uuid=change["uuid"],
                    user=user,
                    device=device,
                    op=change["op"],
                    target_type="visit",
                    target_id=visit.pk,
                    payload_hash="-",
                    status="applied",
                    result=result,
                )
        except IntegrityError:
            result = {"uuid": change["uuid"], "status": "retry"}
        results.append(result)
    return JsonResponse({"results": results})


# A token-authenticated JSON endpoint, like the API (which CSRF does not concern either).
plain_push.csrf_exempt = True


def plain_pull(request):
    from django.http import JsonResponse

    from wangge.collection.models import Visit
    from wangge.core.models import ChangeRecord

    user = plain_user(request)
    if user is None:
        return JsonResponse({"detail": "401"}, status=401)
    after = int(request.GET.get("cursor") or 0)
    rows = list(
        ChangeRecord.objects.filter(id__gt=after)
        .order_by("id")
        .values_list("id", "content_type_id", "object_id")[:500]
    )
    visit_ids = [r[2] for r in rows if r[1] == visit_content_type()]
    visits = list(
        Visit.objects.visible_to(user)
        .filter(pk__in=visit_ids)
        .values("id", "version", "address_id", "outcome")
    )
    return JsonResponse(
        {"cursor": str(rows[-1][0] if rows else after), "more": len(rows) == 500, "records": visits}
    )


def visit_content_type() -> int:
    from django.contrib.contenttypes.models import ContentType

    from wangge.collection.models import Visit

    return ContentType.objects.get_for_model(Visit).pk


# Queries per request kind, counted in the server child (each waitress thread has its own connection).
QUERIES = {"push": 0, "push_requests": 0, "pull": 0, "pull_requests": 0}
QUERIES_LOCK = threading.Lock()


def counted(application):
    from django.db import connection

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        kind = "push" if path.endswith("/sync/push") else "pull" if path.endswith("/sync/pull") else None
        if kind is None:
            return application(environ, start_response)
        seen = [0]

        def count(execute, sql, params, many, context):
            seen[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = application(environ, start_response)
        with QUERIES_LOCK:
            QUERIES[kind] += seen[0]
            QUERIES[f"{kind}_requests"] += 1
        return response

    return app


def queries(request):
    from django.http import JsonResponse

    with QUERIES_LOCK:
        body = dict(QUERIES)
        if request.GET.get("reset"):
            QUERIES.update(dict.fromkeys(QUERIES, 0))
    return JsonResponse(body)


def __getattr__(name):
    # Django imports this module as the URLconf after setup; building the list then keeps the script
    # importable before django.setup().
    if name == "urlpatterns":
        from django.urls import path

        from wangge.config.urls import urlpatterns as product

        return [
            path("bench/plain/sync/push", plain_push),
            path("bench/plain/sync/pull", plain_pull),
            path("bench/queries", queries),
            *product,
        ]
    raise AttributeError(name)


def serve_child(port: int) -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.sync_load"
    from waitress import serve

    # This file runs as __main__ here, and is imported again as the URLconf: count where the view reads.
    from bench.sync_load import counted
    from wangge.config.wsgi import application

    serve(
        counted(application),
        host="127.0.0.1",
        port=port,
        threads=8,
        connection_limit=2000,
        ident="wangge-bench",
        _quiet=True,
    )


# --- the simulated workers ---------------------------------------------------------------------------------


def prepare_workers(n: int) -> list[dict]:
    """n grid-worker accounts spread over the demo's grids (made once), each with a token and its door plates."""
    from wangge.accounts.models import ApiToken, Assignment, User
    from wangge.accounts.roles import Role
    from wangge.accounts.scope import visible_grid_ids
    from wangge.addresses.models import AddressLevel, StandardAddress
    from wangge.areas.models import Area, AreaLevel
    from wangge.collection import feed, services, sync
    from wangge.core.models import ChangeRecord

    feed.index_feed()
    feed.index_feed(batches=10_000)  # the demo's audit rows, filed once
    mark = feed.feed_end()
    plain_mark = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    grids = list(Area.objects.filter(level=AreaLevel.GRID).order_by("code"))
    doors = {g.pk: [] for g in grids}
    for pk, grid_id in StandardAddress.objects.filter(level=AddressLevel.DOOR_PLATE).values_list(
        "pk", "grid_id"
    ):
        doors[grid_id].append(pk)
    workers = []
    for i in range(n):
        grid = grids[i % len(grids)]
        user, made = User.objects.get_or_create(
            username=f"{BENCH_PREFIX}{i:04d}", defaults={"role": Role.GRID_WORKER, "name": f"压测{i}"}
        )
        if made:
            Assignment.objects.create(user=user, area=grid)
        _token, raw = ApiToken.objects.issue(user)
        # Where a finished bootstrap leaves a device: the end of the feed.
        grid_ids = sorted(visible_grid_ids(user).values_list("pk", flat=True))
        fingerprint = sync.scope_fingerprint(user, grid_ids, services.team_ids(user))
        state = {"v": sync.CURSOR_LAYOUT, "u": user.pk, "s": fingerprint, "h": mark, "b": None}
        workers.append(
            {
                "token": raw,
                "doors": doors[grid.pk] or [0],
                "device": f"bench-{i:04d}-{uuid.uuid4().hex[:6]}",
                "cursor": sync.encode_cursor(state),
                "plain_cursor": str(plain_mark),
            }
        )
    return workers


class Worker(threading.Thread):
    def __init__(self, port, spec, args, barrier, plain, bootstrap):
        super().__init__(daemon=True)
        self.port, self.spec, self.args, self.barrier, self.plain = port, spec, args, barrier, plain
        self.bootstrap = bootstrap
        self.rng = random.Random(spec["device"])
        self.push_ms: list[float] = []
        self.pull_ms: list[float] = []
        self.boot_ms = 0.0
        self.applied = 0
        self.pulled = 0
        self.error = None

    def call(self, conn, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.spec['token']}", "X-Device-Id": self.spec["device"]}
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        data = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status} {data}")
        return data, (time.perf_counter() - started) * 1000

    def pull_all(self, conn, cursor):
        base = "/bench/plain/sync/pull" if self.plain else "/api/v1/sync/pull"
        while True:
            body, ms = self.call(conn, "GET", f"{base}?cursor={cursor}&limit=500")
            self.pull_ms.append(ms)
            self.pulled += len(body["records"])
            cursor = body["cursor"]
            if not body["more"]:
                return cursor

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            self.barrier.wait()
            if self.bootstrap:
                started = time.perf_counter()
                self.pull_all(conn, "" if not self.plain else "0")
                self.boot_ms = (time.perf_counter() - started) * 1000
                self.pull_ms.clear()
            cursor = self.spec["plain_cursor" if self.plain else "cursor"]
            self.barrier.wait()
            for _round in range(self.args.rounds):
                changes = [
                    {
                        "uuid": str(uuid.uuid4()),
                        "op": "visit.record",
                        "target": {"type": "visit", "ref": str(uuid.uuid4())},
                        "base_version": None,
                        "payload": {"address": {"id": self.rng.choice(self.spec["doors"])}, "outcome": "met"},
                        "made_at": "2026-11-22T10:00:00+08:00",
                    }
                    for _ in range(self.args.batch)
                ]
                path = "/bench/plain/sync/push" if self.plain else "/api/v1/sync/push"
                body, ms = self.call(conn, "POST", path, {"changes": changes})
                self.push_ms.append(ms)
                self.applied += sum(r["status"] == "applied" for r in body["results"])
                cursor = self.pull_all(conn, cursor)
        except Exception as exc:  # reported by the main thread
            self.error = exc
        finally:
            conn.close()


def server_queries(port, reset: bool = False) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/bench/queries?reset=1" if reset else "/bench/queries")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def run(port, workers, args, plain: bool) -> dict:
    # Counting starts afresh as the bootstrap and again as the rounds begin (the barrier's action runs before
    # anyone is let through).
    barrier = threading.Barrier(len(workers) + 1, action=lambda: server_queries(port, reset=True))
    threads = [
        Worker(port, spec, args, barrier, plain, bootstrap=i < args.bootstrap_workers)
        for i, spec in enumerate(workers)
    ]
    for t in threads:
        t.start()
    barrier.wait()  # everyone connected: bootstrap together
    boot_started = time.perf_counter()
    barrier.wait()  # everyone bootstrapped: push and pull rounds together
    boot_seconds = time.perf_counter() - boot_started
    started = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    errors = [t.error for t in threads if t.error]
    if errors:
        raise RuntimeError(f"{len(errors)} workers failed, first: {errors[0]}")
    push = [ms for t in threads for ms in t.push_ms]
    pull = [ms for t in threads for ms in t.pull_ms]
    applied = sum(t.applied for t in threads)
    counts = server_queries(port)
    pushed = len(threads) * args.rounds * args.batch
    return {
        "what": "plain views" if plain else "sync API",
        "workers": len(threads),
        "bootstrap_s": round(boot_seconds, 1),
        "bootstrap_p95_ms": round(percentile([t.boot_ms for t in threads if t.bootstrap] or [0], 95)),
        "changes_applied": applied,
        "changes_per_s": round(applied / seconds, 1),
        "push_p50_ms": round(percentile(push, 50)),
        "push_p95_ms": round(percentile(push, 95)),
        "pull_p50_ms": round(percentile(pull, 50)),
        "pull_p95_ms": round(percentile(pull, 95)),
        "seconds": round(seconds, 1),
        "queries_per_change": round(counts["push"] / pushed, 1) if counts["push_requests"] else None,
        "queries_per_pull": round(counts["pull"] / counts["pull_requests"], 1)
        if counts["pull_requests"]
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3, help="push + pull rounds per worker")
    parser.add_argument("--batch", type=int, default=10, help="changes per push")
    parser.add_argument(
        "--bootstrap-workers",
        type=int,
        default=50,
        help="how many of them bootstrap first (the rest start synced)",
    )
    parser.add_argument("--work-dir", default="/tmp/wangge-bench")
    parser.add_argument("--pg-database", default="wangge_bench", help="the PostgreSQL database with the demo")
    parser.add_argument("--only", choices=["api", "plain"], help="measure one side only")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--serve-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_child:
        serve_child(args.serve_child)
        return
    env = bench_env("postgres", Path(args.work_dir))
    env["DATABASE_URL"] = pg_url(args.pg_database)
    env["WANGGE_DB_CONN_MAX_AGE"] = "60"
    # The cursors are signed here and read by the server child: both must use the same key (without one set,
    # each process makes its own, every prepared cursor reads as foreign and each worker bootstraps again).
    env["WANGGE_SECRET_KEY"] = os.environ.get("WANGGE_SECRET_KEY") or secrets.token_hex(32)
    (Path(env["WANGGE_VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from wangge.demo.builder import current_demo

    demo = current_demo()
    if demo is None:
        sys.exit(
            "No demo in the PostgreSQL bench database: run bench/build_demo.py --db postgres --scale small --keep first."
        )
    workers = prepare_workers(args.workers)
    connection.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, __file__, "--serve-child", str(port)], env=env, cwd=ROOT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        rows = []
        for plain in (False, True):
            if args.only and args.only != ("plain" if plain else "api"):
                continue
            row = run(port, workers, args, plain)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        server.terminate()
        server.wait()
    print(
        f"\npostgresql, {demo.scale} scale, {args.workers} workers, {args.rounds} rounds of {args.batch} changes"
    )
    print(
        "| | changes/s | push p50 | push p95 | pull p50 | pull p95 | queries per change | queries per pull |"
        f" bootstrap of {args.bootstrap_workers} workers (p95 each) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['what']} | {r['changes_per_s']} | {r['push_p50_ms']} ms | {r['push_p95_ms']} ms | "
            f"{r['pull_p50_ms']} ms | {r['pull_p95_ms']} ms | {r['queries_per_change']} | "
            f"{r['queries_per_pull']} | {r['bootstrap_s']} s ({r['bootstrap_p95_ms']} ms) |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
