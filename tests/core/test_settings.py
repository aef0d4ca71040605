"""Invalid configuration stops start-up with a message that names the variable."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

GOOD_KEY = base64.b64encode(b"k" * 32).decode()


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import linli.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "LINLI_SECRET_KEY": "x" * 50,
    "LINLI_PII_KEYS": f"k1:{GOOD_KEY}",
    "LINLI_PII_INDEX_KEY": GOOD_KEY,
    "LINLI_DATABASE_URL": "sqlite:////tmp/linli-settings-test.sqlite3",
}


def test_production_settings_load():
    result = load_settings(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout


def test_postgres_url_selects_psycopg_backend():
    result = load_settings(
        **{**PRODUCTION, "LINLI_DATABASE_URL": "postgresql://u@127.0.0.1:5432/x"}
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LINLI_SECRET_KEY": ""}, "LINLI_SECRET_KEY is not set"),
        ({"LINLI_SECRET_KEY": "short"}, "at least 32 characters"),
        ({"LINLI_DEBUG": "maybe"}, "LINLI_DEBUG must be true or false"),
        ({"LINLI_PII_KEYS": ""}, "LINLI_PII_KEYS and LINLI_PII_INDEX_KEY must be set"),
        ({"LINLI_PII_KEYS": "k1:not-base64!"}, "not valid base64"),
        ({"LINLI_PII_KEYS": "k1:" + base64.b64encode(b"short").decode()}, "32 bytes"),
        ({"LINLI_PII_KEYS": f"k1:{GOOD_KEY},k1:{GOOD_KEY}"}, "names key 'k1' twice"),
        ({"LINLI_DATABASE_URL": "mysql://x/y"}, "LINLI_DATABASE_URL must be"),
        ({"LINLI_TIME_ZONE": "Mars/Base"}, "LINLI_TIME_ZONE"),
        ({"LINLI_LANGUAGE": "fr"}, "LINLI_LANGUAGE must be one of"),
        ({"LINLI_SESSION_IDLE_MINUTES": "2"}, "LINLI_SESSION_IDLE_MINUTES must be between"),
        ({"LINLI_SESSION_IDLE_MINUTES": "ten"}, "must be a whole number"),
        ({"LINLI_CSRF_TRUSTED_ORIGINS": "example.org"}, "must start with http"),
        ({"LINLI_LOG_LEVEL": "LOUD"}, "LINLI_LOG_LEVEL"),
    ],
)
def test_invalid_values_fail_fast(env, message):
    result = load_settings(**{**PRODUCTION, **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


def test_file_database_uses_wal(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update(
        {
            **PRODUCTION,
            "LINLI_DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "linli.settings",
        }
    )
    script = (
        "import django; django.setup(); from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
