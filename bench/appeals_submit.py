"""Submitting appeals through the API under load, against a county's year of appeals.

Uses (or creates and fills) the PostgreSQL database ``linli_bench_appeals`` with --appeals
appeals (bench/_appeals_data.py), gives --residents resident accounts in its communities a
personal API token each, starts ``gunicorn linli.wsgi:application -w 2`` (sync workers, as
bench/api_baseline.py does) on a free loopback port with production settings on that
database, and from this process, with --clients concurrent clients (http.client in threads):

- ``health``: GET /api/v1/health, back to back — the fixed cost of a request on this machine,
  measured in the same run so that the two can be compared;
- ``submit``: POST /api/v1/appeals/ with a resident's bearer token and a JSON body
  ``{category_id, area_code, title, description, address}``, back to back: the sustained
  submits per second and their latency (which, with clients that never pause, is mostly time
  spent waiting for a free worker: latency ≈ clients ÷ throughput);
- ``submit_paced_<rate>``: the same clients together offering each of --paced-rates submits
  per second on a fixed schedule (by default the budget's 200, and 20): the latency of a
  submit at that load, measured from the scheduled moment, so that waiting for a free worker
  counts.

Each runs --rounds rounds; the figures are the median round. The appeals a run submits are
removed afterwards (--keep-submitted keeps them), so that the stored ones keep their shape. Before the load, one submit is
made in this process through the Django test client with every SQL statement captured: the
number of queries per submit and the slowest of them are part of the output. Until the API
endpoint answers 201, the benchmark stops with a message (``--wait SECONDS`` retries, restarting
the server, for that long).

Budget: p95 ≤ 50 ms and ≥ 200 submits/s with 32 clients at 1,000,000 stored appeals.

Usage: linli bench appeals_submit [--appeals 1000000] [--clients 32] [--requests 3000]
                                  [--rounds 3] [--workers 2] [--threads 1]
                                  [--paced-rates 200,20]
                                  [--paced-seconds 15] [--wait 0] [--fresh] [--drop]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PROJECT_DIR,
    emit,
    free_port,
    load_average,
    machine_info,
    median_round,
    summarise_latencies,
)

HOST = "127.0.0.1"
PATH = "/api/v1/appeals/"
DESCRIPTIONS = [
    "楼道里的声控灯坏了一个多星期，晚上上下楼看不清台阶，老人出门很不方便。",
    "小区门口的垃圾箱满了两天没人清运，味道很大，请尽快安排清运。",
    "家里暖气片不热，室温只有十五度左右，请派人来看看是不是管道堵了。",
    "楼上每天晚上十点以后还在装修，电钻声音很大，影响休息。",
    "想咨询一下高龄补贴怎么申请，需要准备哪些材料。",
]


def _residents(count: int) -> list[tuple[str, str, str]]:
    """``count`` resident accounts with a fresh token each: (token, community, grid)."""
    import datetime as dt

    from django.utils import timezone

    from linli.core.areacodes import Level
    from linli.core.models import ApiToken, Area, RoleAssignment, User
    from linli.core.roles import Role

    grids: dict[str, list[str]] = {}
    for code, parent in Area.objects.filter(
        code__startswith="220403", level=Level.GRID
    ).values_list("code", "parent_id"):
        grids.setdefault(parent, []).append(code)
    communities = sorted(grids)
    made = []
    for n in range(count):
        community = communities[n * len(communities) // count]
        user, created = User.objects.get_or_create(
            username=f"bench_resident_{n:03d}", defaults={"full_name": f"居民{n:03d}"}
        )
        if created:
            user.phone = f"139{n:08d}"
            user.home_area_id = community
            user.set_unusable_password()
            user.save()
            RoleAssignment.objects.create(
                user=user, role=Role.RESIDENT, area_id=community, area_code=community
            )
        # Residents sign in on the phone; a token stands for that session here (the token
        # action is for staff, so the row is made directly).
        ApiToken.objects.filter(user=user).delete()
        plain = "lnl_" + secrets.token_urlsafe(32)
        ApiToken.objects.create(
            user=user,
            name="bench",
            prefix=plain[:8],
            digest=ApiToken.digest_of(plain),
            expires_at=timezone.now() + dt.timedelta(days=1),
        )
        made.append((plain, community, random.Random(n).choice(grids[community])))
    return made


def _remove_submitted() -> int:
    """Remove what earlier runs submitted, so that the stored appeals keep their shape (the
    inbox benchmark reads them; the audit trail is append-only and stays)."""
    from django.db import connection

    from linli.appeals.models import Appeal
    from linli.core.models import Notification

    ids = list(
        Appeal.objects.filter(submitter__username__startswith="bench_resident_").values_list(
            "pk", flat=True
        )
    )
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        Notification.objects.filter(
            target_type="appeals.appeal", target_id__in=[str(pk) for pk in chunk]
        ).delete()
        Appeal.objects.filter(pk__in=chunk).delete()
    if ids:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE appeals_appeal")
    return len(ids)


def _categories() -> list[int]:
    """Categories a resident would pick that ask no required question."""
    from linli.appeals.models import Category

    return [
        c.pk
        for c in Category.objects.filter(area_code="220403000000", active=True).exclude(key="")
        if c.children.count() == 0 and not any(q.get("required") for q in c.attributes or [])
    ]


def _body(rng: random.Random, categories: list[int], grid: str) -> bytes:
    text = rng.choice(DESCRIPTIONS)
    return json.dumps(
        {
            "category_id": rng.choice(categories),
            "area_code": grid,
            "title": text[:12],
            "description": text,
            "address": f"幸福路{rng.randint(1, 300)}号{rng.randint(1, 12)}号楼",
        },
        ensure_ascii=False,
    ).encode()


def _queries_per_submit(token: str, categories: list[int], grid: str) -> dict:
    """One submit through the Django test client, every statement captured."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client()
    body = _body(random.Random(1), categories, grid)
    with (
        override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False),
        CaptureQueriesContext(connection) as captured,
    ):
        started = time.perf_counter()
        response = client.post(
            PATH, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        elapsed = time.perf_counter() - started
    statements = [
        {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:160]}
        for q in captured.captured_queries
    ]
    kinds: dict[str, int] = {}
    for q in captured.captured_queries:
        word = q["sql"].split(None, 1)[0].upper()
        kinds[word] = kinds.get(word, 0) + 1
    return {
        "status": response.status_code,
        "queries": len(statements),
        "by_kind": kinds,
        "database_ms": round(sum(s["ms"] for s in statements), 2),
        "request_ms_in_process": round(elapsed * 1000, 2),
        "slowest": sorted(statements, key=lambda s: -s["ms"])[:6],
        "all": statements,
    }


def _server_env(database_url: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    for key in ("LINLI_SECRET_KEY", "LINLI_PII_KEYS", "LINLI_PII_INDEX_KEY"):
        env[key] = os.environ[key]  # the data was encrypted with these
    env.update(
        {
            "LINLI_DEBUG": "0",
            "LINLI_VAR_DIR": str(tmp),
            "LINLI_DATABASE_URL": database_url,
            "LINLI_ALLOWED_HOSTS": HOST,
            "LINLI_LOG_LEVEL": "WARNING",
            "LINLI_TASKS_BACKEND": "immediate",
            "DJANGO_SETTINGS_MODULE": "linli.settings",
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


def _start(env: dict[str, str], port: int, workers: int, threads: int, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "linli.wsgi:application", "-b", f"{HOST}:{port}",
         "-w", str(workers), "--threads", str(threads), "--log-level", "warning"],
        env=env, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def _request(conn, method: str, path: str, body: bytes | None, headers: dict) -> int | str:
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
        return response.status
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return type(exc).__name__


def _wait_for(port: int, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}")
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        if _request(conn, "GET", "/api/v1/health", None, {}) == 200:
            conn.close()
            return
        time.sleep(0.3)
    raise RuntimeError("/api/v1/health did not answer")


def _probe(port: int, token: str, body: bytes) -> int | str:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    status = _request(conn, "POST", PATH, body, _headers(token))
    conn.close()
    return status


def _headers(token: str | None) -> dict[str, str]:
    if token is None:
        return {}
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _round(port, clients, residents, categories, *, kind, requests, limit, rate=0.0) -> dict:
    """One round. ``kind``: health or submit (back to back), or paced (submits on a schedule
    offering ``rate`` a second in all, for ``limit`` seconds)."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    issued = 0
    began = time.perf_counter()
    deadline = began + limit
    interval = clients / rate if rate else 0.0

    def take() -> bool:
        nonlocal issued
        with lock:
            if kind != "paced" and issued >= requests or time.perf_counter() > deadline:
                return False
            issued += 1
            return True

    def worker(index: int) -> None:
        rng = random.Random(index * 7919 + int(began))
        token, _community, grid = residents[index % len(residents)]
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        mine: list[float] = []
        scheduled = began + interval * index / clients
        while True:
            if kind == "paced":
                pause = scheduled - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                if scheduled > deadline:
                    break
            if not take():
                break
            start = scheduled if kind == "paced" else time.perf_counter()
            if kind == "health":
                status = _request(conn, "GET", "/api/v1/health", None, {})
                expected = 200
            else:
                status = _request(conn, "POST", PATH, _body(rng, categories, grid), _headers(token))
                expected = 201
            elapsed = time.perf_counter() - start
            if status == expected:
                mine.append(elapsed)
            else:
                with lock:
                    errors[str(status)] = errors.get(str(status), 0) + 1
            scheduled += interval
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(limit + 120)
    wall = time.perf_counter() - began
    ok = len(latencies)
    return {
        "requests": issued,
        "ok": ok,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "seconds": round(wall, 3),
        "requests_per_second": round(ok / wall, 1) if wall else 0.0,
        **({"offered_per_second": rate} if rate else {}),
        **summarise_latencies(latencies),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=64)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="more than 1: gthread workers")
    parser.add_argument(
        "--paced-rates",
        default="200,20",
        help="submits/s offered by the paced clients, comma-separated",
    )
    parser.add_argument("--paced-seconds", type=float, default=15.0)
    parser.add_argument("--round-timeout", type=float, default=120.0)
    parser.add_argument("--wait", type=float, default=0.0, help="retry until the endpoint exists")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--drop", action="store_true")
    parser.add_argument(
        "--keep-submitted", action="store_true", help="keep the appeals submitted by the run"
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.paced_rates.split(",") if r.strip()]

    import _appeals_data

    prepared = _appeals_data.prepare(args.appeals, database_url=args.database_url, fresh=args.fresh)
    from django.db import connection, connections

    _remove_submitted()
    residents = _residents(args.residents)
    categories = _categories()
    stored_before = prepared["appeals"]
    in_process = _queries_per_submit(residents[0][0], categories, residents[0][2])
    connections.close_all()

    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    env = _server_env(prepared["database_url"], tmp)
    log_path = tmp / "gunicorn.log"
    server = None
    deadline = time.monotonic() + args.wait
    try:
        with open(log_path, "wb") as log:
            while True:
                port = free_port(HOST)
                server = _start(env, port, args.workers, args.threads, log)
                _wait_for(port, server)
                probe = _probe(
                    port, residents[0][0], _body(random.Random(0), categories, residents[0][2])
                )
                if probe == 201:
                    break
                _stop(server)
                if time.monotonic() > deadline:
                    print(
                        f"POST {PATH} answered {probe}, not 201: the endpoint is not there yet "
                        "(use --wait SECONDS to retry)",
                        file=sys.stderr,
                    )
                    return 1
                time.sleep(30)
            common = (port, args.clients, residents, categories)
            scenarios = {
                "health": {"kind": "health", "requests": args.requests},
                "submit": {"kind": "submit", "requests": args.requests},
            }
            for rate in rates:
                scenarios[f"submit_paced_{rate:g}"] = {"kind": "paced", "requests": 0, "rate": rate}
            results = {}
            for name, spec in scenarios.items():
                limit = args.paced_seconds if spec["kind"] == "paced" else args.round_timeout
                _round(*common, kind=spec["kind"], requests=200, limit=10,
                       rate=spec.get("rate", 0.0))  # warm-up  # fmt: skip
                rounds = [_round(*common, limit=limit, **spec) for _ in range(args.rounds)]
                median = median_round(rounds)
                results[name] = {
                    "median_requests_per_second": median["requests_per_second"],
                    "median_round": median,
                    "rounds": rounds,
                }
        health = results["health"]["median_requests_per_second"]
        submit = results["submit"]["median_requests_per_second"]
        from linli.appeals.models import Appeal

        emit(
            {
                "benchmark": "appeals_submit",
                "server": {
                    "command": f"gunicorn linli.wsgi:application -w {args.workers} "
                    f"--threads {args.threads}",
                    "worker_class": "sync" if args.threads == 1 else "gthread",
                    "settings": "LINLI_DEBUG=0, PostgreSQL on the same machine",
                },
                "client": {
                    "process": "separate (this script), http.client in threads",
                    "clients": args.clients,
                    "requests_per_round": args.requests,
                    "rounds": args.rounds,
                    "paced_rates": rates,
                    "paced_seconds": args.paced_seconds,
                    "resident_accounts": len(residents),
                },
                "data": {
                    "appeals_before": stored_before,
                    "appeals_after_the_load": Appeal.objects.count(),
                    "fill_seconds": prepared["fill_seconds"],
                },
                "per_submit": {k: v for k, v in in_process.items() if k != "all"},
                "per_submit_statements": in_process["all"],
                "scenarios": results,
                "submit_to_health_throughput": round(submit / health, 3) if health else None,
                "budget": "p95 <= 50 ms and >= 200 submits/s with 32 clients",
                "machine": {
                    **machine_info(f"PostgreSQL {connection.pg_version // 10000}"),
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                },
            }
        )
        return 0
    except Exception as exc:
        print(f"appeals_submit failed: {exc}", file=sys.stderr)
        if log_path.exists():
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        return 1
    finally:
        if server is not None:
            _stop(server)
        if not args.keep_submitted:
            _remove_submitted()
        if args.drop and not args.database_url:
            _appeals_data.drop()


if __name__ == "__main__":
    sys.exit(main())
