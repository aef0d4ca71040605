"""Shared helpers for the benchmarks: machine facts, percentiles, timings, free ports, a
benchmark's own PostgreSQL database and its options, and the JSON output."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return None


def machine_info(database: str | None = None) -> dict:
    """What the figures were measured on."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": _version("django"),
        "gunicorn": _version("gunicorn"),
        "database": database,
        "date": dt.date.today().isoformat(),
    }


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def summarise_latencies(latencies_s: list[float]) -> dict:
    values = sorted(latencies_s)
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 2),
        "p95_ms": round(percentile(values, 95) * 1000, 2),
        "p99_ms": round(percentile(values, 99) * 1000, 2),
        "mean_ms": round(statistics.fmean(values) * 1000, 2) if values else 0.0,
        "max_ms": round(values[-1] * 1000, 2) if values else 0.0,
    }


def timings(seconds: list[float], **extra) -> dict:
    """Median, p95, least and most of ``seconds`` in milliseconds (one decimal), then
    ``extra``."""
    ordered = sorted(seconds)
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(percentile(ordered, 95) * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        **extra,
    }


def timed(runs: int, fn: Callable[[], dict | None]) -> dict:
    """``fn`` once to warm up (plans, caches), then ``runs`` times: :func:`timings` with
    ``runs`` and what the last run returned."""
    fn()
    seconds, last = [], None
    for _ in range(runs):
        began = time.perf_counter()
        last = fn()
        seconds.append(time.perf_counter() - began)
    return timings(seconds, runs=runs, **(last or {}))


def median_round(rounds: list[dict], key: str = "requests_per_second") -> dict:
    """The round whose ``key`` is the median (the lower middle one for an even count)."""
    ordered = sorted(rounds, key=lambda r: r[key])
    return ordered[(len(ordered) - 1) // 2]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def emit(result: dict) -> None:
    """Print the benchmark's one JSON object on stdout."""
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()


# --- a benchmark's own PostgreSQL database ----------------------------------------------------


def add_database_options(parser, *, seed: int = 20261123) -> None:
    """``--server``, ``--keep``, ``--reuse`` and ``--seed`` (see :func:`bench_database`)."""
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--reuse", action="store_true", help="time the database a --keep run left (no loading)"
    )
    parser.add_argument("--seed", type=int, default=seed)


class BenchRun:
    """A database benchmark's run (what :func:`bench_database` yields): whether the database
    was reused, and the load on the machine before it began."""

    def __init__(self, reused: bool, load_before: list[float] | None):
        self.reused, self.load_before = reused, load_before

    def database_size(self) -> str:
        return database_size()

    def report(
        self, benchmark: str, what: str, *, budget_ms, within_budget, data: dict, scenarios: dict
    ) -> None:
        """Print the result: the figures, and the machine and database they were measured on
        with the load before and after."""
        import _care_data

        emit(
            {
                "benchmark": benchmark,
                "what": what,
                "budget_ms": budget_ms,
                "within_budget": within_budget,
                "data": data,
                "scenarios": scenarios,
                "machine": {
                    **machine_info(database=_care_data.database_version()),
                    "load_average_before": self.load_before,
                    "load_average_after": load_average(),
                },
            }
        )


@contextlib.contextmanager
def bench_database(args, name: str) -> Iterator[BenchRun]:
    """Django set up on the PostgreSQL database ``name`` on ``args.server``: made afresh and
    migrated, or with ``args.reuse`` the one a ``--keep`` run left when there is one. Yields
    the run (:class:`BenchRun`); afterwards the connections are closed and the database
    dropped, unless ``args.keep`` or ``args.reuse``."""
    import _care_data

    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    reuse = bool(
        args.reuse
        and _care_data.admin(args.server, "SELECT 1 FROM pg_database WHERE datname = %s", [name])
    )
    if not reuse:
        _care_data.create_database(args.server, name)
    try:
        _care_data.setup_django(f"{args.server}/{name}", tmp)
        yield BenchRun(reuse, load_before)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep and not args.reuse:
            _care_data.admin(args.server, f'DROP DATABASE IF EXISTS "{name}"')
        shutil.rmtree(tmp, ignore_errors=True)


def database_size() -> str:
    """The size of the database Django uses (``19 MB``)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]


def collect_static() -> None:
    """Collect the static files into the benchmark's own var directory: pages render with the
    production storage, which looks every file up in the manifest this writes."""
    from django.core.management import call_command

    call_command("collectstatic", "--no-input", verbosity=0)


def row_counts(tables: dict[str, str]) -> dict:
    """What a kept database holds: ``reused`` and the rows of each table (or ``table WHERE
    …``) by name."""
    from django.db import connection

    found: dict = {"reused": True}
    with connection.cursor() as cursor:
        for name, table in tables.items():
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (fixed names)
            found[name] = cursor.fetchone()[0]
    return found
