"""The ``linli`` command (also what ``./run`` calls).

linli demo            set up the SQLite demo and serve it at http://127.0.0.1:8000
                      (--no-serve: only prepare it; --residents N: registry size, default 20000;
                      --appeals N: demo appeals, default 15 per 100 residents)
linli test [ARGS]     run the test suite (SQLite; and PostgreSQL when LINLI_TEST_POSTGRES_URL is set)
linli serve           serve with gunicorn (LINLI_BIND, LINLI_WORKERS)
linli worker          run the background task worker
linli sweep [--every S]  escalate overdue appeals, auto-confirm and auto-close (once, or every S s)
linli setup           migrate, load national areas, collect static files
linli bench NAME      run bench/NAME.py, which prints one JSON object
linli gen-keys        print fresh secret and personal-data keys as environment lines
linli messages        extract UI text into locale/*/django.po and compile the .mo files
                      (needs GNU gettext: apt-get install gettext)
linli manage ARGS     any Django management command
linli COMMAND ARGS    shorthand for a management command (import-areas, rotate-pii-key, …)
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", PROJECT_DIR / "var"))
LOCAL_ENV = VAR_DIR / "local.env"


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def gen_keys_text() -> str:
    return (
        f"LINLI_SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"LINLI_PII_KEYS=k1:{_key()}\n"
        f"LINLI_PII_INDEX_KEY={_key()}\n"
    )


def _load_local_env(create: bool) -> None:
    """Read var/local.env (KEY=VALUE lines) into the environment without overriding it."""
    if not LOCAL_ENV.exists():
        if not create:
            return
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        LOCAL_ENV.write_text(
            "# Generated keys for this machine's demo; keep private.\n" + gen_keys_text()
        )
        LOCAL_ENV.chmod(0o600)
    for line in LOCAL_ENV.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip())


def _django(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["linli", *argv])


def _serve(bind: str | None = None) -> int:
    bind = bind or os.environ.get("LINLI_BIND", "127.0.0.1:8000")
    workers = os.environ.get("LINLI_WORKERS", "3")
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "linli.wsgi:application",
        "--bind",
        bind,
        "--workers",
        workers,
        "--threads",
        os.environ.get("LINLI_THREADS", "4"),
        "--access-logfile",
        "-",
        "--timeout",
        "60",
    ]
    return subprocess.call(args)


def _demo_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="linli demo", description="Set up and serve the demo.")
    parser.add_argument("--no-serve", action="store_true", help="prepare without serving")
    parser.add_argument(
        "--residents",
        type=int,
        metavar="N",
        help="synthetic residents in the demo registry (default 20000)",
    )
    parser.add_argument(
        "--appeals",
        type=int,
        metavar="N",
        help="demo appeals over the last year (default 15 per 100 residents)",
    )
    options = parser.parse_args(argv)
    if options.residents is not None and options.residents < 0:
        parser.error("--residents must be 0 or more")
    if options.appeals is not None and options.appeals < 0:
        parser.error("--appeals must be 0 or more")
    return options


def demo(argv: list[str]) -> int:
    options = _demo_options(argv)
    _load_local_env(create=True)
    os.environ["LINLI_DEMO"] = "1"
    os.environ.setdefault("LINLI_TASKS_BACKEND", "immediate")
    _django(["migrate", "--no-input", "-v", "0"])
    _django(["load_national_areas"])
    load = ["load_demo"]
    if options.residents is not None:
        load += ["--residents", str(options.residents)]
    if options.appeals is not None:
        load += ["--appeals", str(options.appeals)]
    _django(load)
    _django(["collectstatic", "--no-input", "-v", "0"])
    if options.no_serve:
        return 0
    print("\nLinli demo: http://127.0.0.1:8000  (Ctrl+C stops it)\n", flush=True)
    # Deadlines run in the demo too: overdue appeals are escalated every five minutes.
    sweeper = subprocess.Popen(
        [sys.executable, "-m", "linli.cli", "sweep", "--every", "300"],
        stdout=subprocess.DEVNULL,
        cwd=PROJECT_DIR,
    )
    try:
        return _serve("127.0.0.1:8000")
    finally:
        sweeper.terminate()


def test(argv: list[str]) -> int:
    """The suite on SQLite and, with LINLI_TEST_POSTGRES_URL, on PostgreSQL too — both at once
    (the PostgreSQL run's output follows the SQLite run's) unless LINLI_TEST_SERIAL=1. With
    both, the tests that exercise no database-specific behaviour run in one pass only
    (``ONE_DATABASE`` in tests/conftest.py): browser journeys, the API schema walk and docs on
    SQLite; the access walk and the translations on PostgreSQL; each app's demo test on one."""
    env = dict(os.environ, LINLI_TESTING="1", DJANGO_SETTINGS_MODULE="linli.settings")
    env.pop("LINLI_DATABASE_URL", None)
    base = [sys.executable, "-m", "pytest", *argv]
    pg = os.environ.get("LINLI_TEST_POSTGRES_URL")
    if pg:
        # Two passes: tests that do not depend on the database run in one of them only
        # (tests/conftest.py, ONE_DATABASE).
        env["LINLI_TEST_SPLIT"] = "1"
    pg_env = dict(env, LINLI_DATABASE_URL=pg or "")
    if pg and os.environ.get("LINLI_TEST_SERIAL", "") not in ("1", "true", "yes"):
        with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as log:
            pg_run = subprocess.Popen(
                base, env=pg_env, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                print("== tests on SQLite (PostgreSQL runs alongside) ==", flush=True)
                code = subprocess.call(base, env=env, cwd=PROJECT_DIR)
                code_pg = pg_run.wait()
            finally:
                if pg_run.poll() is None:
                    pg_run.terminate()
                    pg_run.wait()
            print("== tests on PostgreSQL ==", flush=True)
            log.seek(0)
            shutil.copyfileobj(log, sys.stdout)
            sys.stdout.flush()
        return _combined(code, code_pg)
    print("== tests on SQLite ==", flush=True)
    code = subprocess.call(base, env=env, cwd=PROJECT_DIR)
    if pg and code in (0, 5):
        print("== tests on PostgreSQL ==", flush=True)
        code = _combined(code, subprocess.call(base, env=pg_env, cwd=PROJECT_DIR))
    return code


def _combined(code: int, code_pg: int) -> int:
    """One exit code for two runs: a failure wins; "no tests collected" (5) only if both."""
    for result in (code, code_pg):
        if result not in (0, 5):
            return result
    return 5 if code == code_pg == 5 else 0


def bench(argv: list[str]) -> int:
    if not argv:
        names = sorted(
            p.stem for p in (PROJECT_DIR / "bench").glob("*.py") if not p.stem.startswith("_")
        )
        print("usage: linli bench NAME  (one of: " + ", ".join(names) + ")")
        return 2
    script = PROJECT_DIR / "bench" / f"{argv[0]}.py"
    if not script.exists():
        print(f"no benchmark bench/{argv[0]}.py", file=sys.stderr)
        return 2
    _load_local_env(create=True)
    return subprocess.call([sys.executable, str(script), *argv[1:]], cwd=PROJECT_DIR)


LOCALES = ["zh_Hans", "en", "ug", "bo"]


def messages(argv: list[str]) -> int:
    """Refresh the catalogues from the source and compile them (run from the package dir)."""
    package_dir = Path(__file__).resolve().parent
    os.environ.setdefault("LINLI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    cwd = os.getcwd()
    os.chdir(package_dir)
    try:
        locales = [arg for lang in LOCALES for arg in ("-l", lang)]
        _django(["makemessages", *locales, "--no-obsolete", "--add-location=file", *argv])
        _django(["compilemessages", "-v", "0"])
    finally:
        os.chdir(cwd)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "demo":
        return demo(rest)
    if command == "test":
        return test(rest)
    if command == "bench":
        return bench(rest)
    if command == "messages":
        return messages(rest)
    if command == "gen-keys":
        print(gen_keys_text(), end="")
        return 0
    _load_local_env(create=command in {"serve", "setup"})
    if command == "serve":
        return _serve()
    if command == "setup":
        _django(["migrate", "--no-input"])
        _django(["load_national_areas"])
        _django(["collectstatic", "--no-input", "-v", "0"])
        return 0
    if command == "worker":
        _django(["db_worker", *rest])
        return 0
    if command == "manage":
        _django(rest)
        return 0
    _django([command.replace("-", "_"), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
