"""API baseline: gunicorn serving a fresh SQLite database, loaded from a separate process.

Starts ``gunicorn linli.wsgi:application -w 2`` on a free loopback port with production
settings (LINLI_DEBUG=0, freshly generated keys, a temporary SQLite file), waits for
``/api/v1/health``, then sends a fixed number of requests from this process at a fixed
concurrency and prints one JSON object with throughput and latency per round.

Scenarios:
  health  GET /api/v1/health            no auth; one ``SELECT 1``
  me      GET /api/v1/me (Bearer token) token lookup, the account's roles and capabilities

Usage: linli bench api_baseline [--rounds 3] [--requests 2000] [--concurrency 16]
                                [--workers 2] [--round-timeout 60]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
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

HOST = "127.0.0.1"  # loopback only

SETUP_SCRIPT = """
from linli.core import actions
from linli.core.models import Area, RoleAssignment, User
from linli.core.roles import Role

county = Area.objects.create(code="220403000000", name="西安区", level=3, prefix="220403")
user = User(username="bench_officer", full_name="bench officer")
user.set_unusable_password()
user.save()
RoleAssignment.objects.create(
    user=user, role=Role.COUNTY_OFFICER, area=county, area_code=county.code
)
_row, token = actions.token_create(actor=user, name="bench")
print("TOKEN=" + token)
"""


def _server_env(tmp: Path) -> dict[str, str]:
    from linli.cli import gen_keys_text

    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    for line in gen_keys_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    env.update(
        {
            "LINLI_DEBUG": "0",
            "LINLI_VAR_DIR": str(tmp),
            "LINLI_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "LINLI_ALLOWED_HOSTS": HOST,
            "LINLI_LOG_LEVEL": "WARNING",
            "LINLI_TASKS_BACKEND": "immediate",
            "DJANGO_SETTINGS_MODULE": "linli.settings",
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "linli.cli", "manage", *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"linli manage {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def _wait_for_health(port: int, server: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/v1/health")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                return json.loads(body)
            last_error = f"HTTP {response.status}"
        except OSError as exc:
            last_error = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"/api/v1/health did not answer within {timeout}s ({last_error})")


def _run_round(
    port: int, path: str, headers: dict[str, str], requests: int, concurrency: int, limit: float
) -> dict:
    """Send ``requests`` GETs from ``concurrency`` threads; stop early at ``limit`` seconds."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + limit

    def take() -> bool:
        nonlocal issued
        with lock:
            if issued >= requests or time.monotonic() > deadline:
                return False
            issued += 1
            return True

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        while take():
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status = type(exc).__name__
            elapsed = time.perf_counter() - start
            if status == 200:
                mine.append(elapsed)
            else:
                with lock:
                    errors[str(status)] = errors.get(str(status), 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(limit + 60)
    wall = time.perf_counter() - began
    ok = len(latencies)
    return {
        "requests": issued,
        "ok": ok,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "seconds": round(wall, 3),
        "requests_per_second": round(ok / wall, 1) if wall else 0.0,
        "stopped_at_time_limit": issued < requests,
        **summarise_latencies(latencies),
    }


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--round-timeout", type=float, default=60.0)
    parser.add_argument("--scenario", choices=["health", "me", "all"], default="all")
    args = parser.parse_args()

    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    env = _server_env(tmp)
    server = None
    log_path = tmp / "gunicorn.log"
    try:
        _manage(env, "migrate", "--no-input", "-v", "0")
        token = ""
        if args.scenario in ("me", "all"):
            out = _manage(env, "shell", "-c", SETUP_SCRIPT)
            token = next(
                line.split("=", 1)[1] for line in out.splitlines() if line.startswith("TOKEN=")
            )
        port = free_port(HOST)
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "linli.wsgi:application",
                    "-b",
                    f"{HOST}:{port}",
                    "-w",
                    str(args.workers),
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=PROJECT_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        health = _wait_for_health(port, server)

        scenarios = {"health": ("/api/v1/health", {})}
        if token:
            scenarios["me"] = ("/api/v1/me", {"Authorization": f"Bearer {token}"})
        if args.scenario != "all":
            scenarios = {args.scenario: scenarios[args.scenario]}

        results = {}
        for name, (path, headers) in scenarios.items():
            _run_round(port, path, headers, 200, args.concurrency, args.round_timeout)  # warm-up
            rounds = [
                _run_round(port, path, headers, args.requests, args.concurrency, args.round_timeout)
                for _ in range(args.rounds)
            ]
            median = median_round(rounds)
            results[name] = {
                "path": path,
                "median_requests_per_second": median["requests_per_second"],
                "median_round": median,
                "errors": sum(r["errors"] for r in rounds),
                "rounds": rounds,
            }

        emit(
            {
                "benchmark": "api_baseline",
                "server": {
                    "command": f"gunicorn linli.wsgi:application -w {args.workers}",
                    "workers": args.workers,
                    "worker_class": "sync",
                    "settings": "LINLI_DEBUG=0, SQLite (WAL) in a temporary file",
                    "data": "empty database after migrate"
                    + ("; one area, one account, one token" if token else ""),
                    "version": health.get("version"),
                },
                "client": {
                    "process": "separate (this script), http.client in threads",
                    "concurrency": args.concurrency,
                    "requests_per_round": args.requests,
                    "rounds": args.rounds,
                    "round_time_limit_s": args.round_timeout,
                },
                "scenarios": results,
                "machine": {
                    **machine_info(database=health.get("database")),
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                },
            }
        )
        return 0
    except Exception as exc:
        print(f"api_baseline failed: {exc}", file=sys.stderr)
        if log_path.exists():
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        return 1
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
