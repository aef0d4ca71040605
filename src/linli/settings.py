"""Linli settings: one module, every knob an environment variable ``LINLI_*``.

Every variable is documented in docs/configuration.md. Invalid values stop start-up with a
message that names the variable and says what is expected.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", PROJECT_DIR / "var"))


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), got {raw!r}")


def _int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ImproperlyConfigured(f"{name} must be {bound}, got {value}")
    return value


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (_env(name, default) or "").split(",") if item.strip()]


DEBUG = _bool("LINLI_DEBUG", False)
TESTING = _bool("LINLI_TESTING", False)

SECRET_KEY = _env("LINLI_SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "linli-insecure-development-key-never-use-in-production-0123456789"
    else:
        raise ImproperlyConfigured(
            "LINLI_SECRET_KEY is not set. Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
            "or run `./run demo`, which writes var/local.env for you."
        )
elif len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("LINLI_SECRET_KEY must be at least 32 characters long")

ALLOWED_HOSTS = _list("LINLI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = _list("LINLI_CSRF_TRUSTED_ORIGINS", "")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"LINLI_CSRF_TRUSTED_ORIGINS entries must start with http:// or https://, got {_origin!r}"
        )

# --- personal data key ring (AES-256-GCM) -------------------------------------------------
# LINLI_PII_KEYS="k2:<base64 32 bytes>,k1:<base64 32 bytes>" — the first key encrypts, every
# key decrypts. LINLI_PII_INDEX_KEY is the HMAC key of the blind indexes.


def _pii_keys() -> tuple[list[tuple[str, bytes]], bytes]:
    raw = _env("LINLI_PII_KEYS")
    index_raw = _env("LINLI_PII_INDEX_KEY")
    if not raw or not index_raw:
        if DEBUG or TESTING:
            import hashlib

            derived = hashlib.sha256(("pii:" + SECRET_KEY).encode()).digest()
            index = hashlib.sha256(("bidx:" + SECRET_KEY).encode()).digest()
            return [("dev", derived)], index
        raise ImproperlyConfigured(
            "LINLI_PII_KEYS and LINLI_PII_INDEX_KEY must be set: personal data is encrypted at "
            "rest. Generate keys with `linli gen-keys`."
        )
    ring: list[tuple[str, bytes]] = []
    for entry in raw.split(","):
        key_id, sep, b64 = entry.strip().partition(":")
        if not sep or not key_id.isalnum():
            raise ImproperlyConfigured(
                "LINLI_PII_KEYS entries must look like 'k1:<base64 of 32 bytes>' "
                f"(key id letters/digits only), got an entry starting {entry[:4]!r}"
            )
        try:
            key = base64.b64decode(b64, validate=True)
        except ValueError:
            raise ImproperlyConfigured(
                f"LINLI_PII_KEYS key {key_id!r} is not valid base64"
            ) from None
        if len(key) != 32:
            raise ImproperlyConfigured(f"LINLI_PII_KEYS key {key_id!r} must decode to 32 bytes")
        if any(existing == key_id for existing, _ in ring):
            raise ImproperlyConfigured(f"LINLI_PII_KEYS names key {key_id!r} twice")
        ring.append((key_id, key))
    try:
        index_key = base64.b64decode(index_raw, validate=True)
    except ValueError:
        raise ImproperlyConfigured("LINLI_PII_INDEX_KEY is not valid base64") from None
    if len(index_key) < 32:
        raise ImproperlyConfigured("LINLI_PII_INDEX_KEY must decode to at least 32 bytes")
    return ring, index_key


PII_KEY_RING, PII_INDEX_KEY = _pii_keys()

# --- applications -------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    "template_partials",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "linli.core",
    "linli.registry",
    "linli.appeals",
    "linli.care",
    "linli.gridwork",
    "linli.notices",
    "linli.facilities",
    "linli.workforce",
    "linli.plans",
    "linli.volunteers",
    "linli.matching",
    "linli.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "linli.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "linli.core.middleware.PreferencesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.web.context.shell",
            ],
        },
    }
]

# --- database ------------------------------------------------------------------------------


def _database() -> dict:
    import dj_database_url

    url = _env("LINLI_DATABASE_URL", f"sqlite:///{VAR_DIR / 'linli.sqlite3'}")
    assert url is not None
    if not url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise ImproperlyConfigured(
            "LINLI_DATABASE_URL must be sqlite:///path or postgresql://user@host:port/name, "
            f"got scheme {url.split(':', 1)[0]!r}"
        )
    if url.startswith("sqlite://") and not url.startswith("sqlite:///"):
        raise ImproperlyConfigured("LINLI_DATABASE_URL for SQLite must be sqlite:///path/to/file")
    try:
        config = dj_database_url.parse(url, conn_max_age=_int("LINLI_DB_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"LINLI_DATABASE_URL is not a valid URL: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        name = str(config["NAME"])
        if name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; "
                "PRAGMA foreign_keys=ON;"
            ),
        }
    else:
        config["ENGINE"] = "django.db.backends.postgresql"
        config["CONN_HEALTH_CHECKS"] = True
    config["TEST"] = {"NAME": _env("LINLI_TEST_DATABASE_NAME")}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts, sessions, passwords ------------------------------------------------------

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "linli.core.auth.PhoneOrUsernameBackend",
]

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = _int("LINLI_SESSION_IDLE_MINUTES", 30, minimum=5, maximum=24 * 60) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = _bool("LINLI_SECURE_COOKIES", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _bool("LINLI_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

AXES_FAILURE_LIMIT = _int("LINLI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = _int("LINLI_LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_ENABLED = _bool("LINLI_AXES_ENABLED", True)
# Lock by account, not by address: a service hall's window staff share one public IP and must
# not lock each other out. Per-address throttling belongs in the reverse proxy.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- SMS one-time codes -----------------------------------------------------------------

SMS_BACKEND = _env("LINLI_SMS_BACKEND", "linli.core.sms.ConsoleBackend")
OTP_TTL_SECONDS = _int("LINLI_OTP_TTL_SECONDS", 300, minimum=60, maximum=3600)
OTP_RESEND_SECONDS = _int("LINLI_OTP_RESEND_SECONDS", 60, minimum=0, maximum=3600)

# --- internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = _env("LINLI_LANGUAGE", "zh-hans")
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
    ("ug", "ئۇيغۇرچە"),
    ("bo", "བོད་ཡིག"),
]
if LANGUAGE_CODE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(
        f"LINLI_LANGUAGE must be one of {', '.join(c for c, _n in LANGUAGES)}, got {LANGUAGE_CODE!r}"
    )
EXTRA_LANG_INFO = {
    "ug": {"bidi": True, "code": "ug", "name": "Uyghur", "name_local": "ئۇيغۇرچە"},
    "bo": {"bidi": False, "code": "bo", "name": "Tibetan", "name_local": "བོད་ཡིག"},
}
import django.conf.locale  # noqa: E402

django.conf.locale.LANG_INFO.update(EXTRA_LANG_INFO)
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = _env("LINLI_TIME_ZONE", "Asia/Shanghai")
try:
    ZoneInfo(TIME_ZONE)  # type: ignore[arg-type]
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"LINLI_TIME_ZONE is not a known time zone: {TIME_ZONE!r}") from None
LANGUAGE_COOKIE_NAME = "linli_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- static files ---------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(_env("LINLI_STATIC_ROOT", str(VAR_DIR / "static")) or "")
MEDIA_ROOT = Path(_env("LINLI_MEDIA_ROOT", str(VAR_DIR / "media")) or "")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
DATA_UPLOAD_MAX_MEMORY_SIZE = _int("LINLI_UPLOAD_MAX_MB", 20, minimum=1) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- content security policy -----------------------------------------------------------------

from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- background tasks ---------------------------------------------------------------------------

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING or _env("LINLI_TASKS_BACKEND", "database") == "immediate"
        else "django_tasks_db.DatabaseBackend"
    }
}

# --- logging -------------------------------------------------------------------------------------

LOG_LEVEL = (_env("LINLI_LOG_LEVEL", "INFO") or "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LINLI_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}, "django.db.backends": {"level": "INFO"}},
}

# --- product --------------------------------------------------------------------------------

LINLI_DEMO = _bool("LINLI_DEMO", False)
# Facility maps: a tile URL template ({z}/{x}/{y}, optionally {s}); empty = markers on a plain
# background. When set, its origin is added to the pictures the CSP allows.
LINLI_MAP_TILES = (_env("LINLI_MAP_TILES", "") or "").strip()
LINLI_MAP_ATTRIBUTION = (_env("LINLI_MAP_ATTRIBUTION", "") or "").strip()[:300]
if LINLI_MAP_TILES:
    from urllib.parse import urlsplit  # noqa: E402

    _tiles = urlsplit(LINLI_MAP_TILES)
    if not all(part in LINLI_MAP_TILES for part in ("{z}", "{x}", "{y}")) or not (
        (_tiles.scheme in ("http", "https") and _tiles.netloc)
        or (not _tiles.scheme and not _tiles.netloc and LINLI_MAP_TILES.startswith("/"))
    ):
        raise ImproperlyConfigured(
            "LINLI_MAP_TILES must be an http(s) URL or a path starting with / that contains "
            f"{{z}}, {{x}} and {{y}}, got {LINLI_MAP_TILES!r}"
        )
    if _tiles.netloc:
        _labels = _tiles.netloc.split(".")
        _templated = [i for i, label in enumerate(_labels) if "{" in label]
        if _templated:  # {s} subdomains: a CSP wildcard for the leftmost labels
            _labels = ["*", *_labels[_templated[-1] + 1 :]]
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
            f"{_tiles.scheme}://{'.'.join(_labels)}"
        )
# Plan values older than this many minutes are recomputed by the sweep and shown as stale.
LINLI_PLAN_STALE_MINUTES = _int("LINLI_PLAN_STALE_MINUTES", 60, minimum=5, maximum=7 * 24 * 60)
SITE_NAME = _("Linli community services")
API_PAGE_SIZE_MAX = 200
DEMO_LOADERS: list[str] = [
    "linli.care.demo.release_demo_registry",  # before the registry loader may replace residents
    "linli.registry.demo.load_registry_demo",
    "linli.appeals.demo.load_appeals_demo",
    "linli.care.demo.load_care_demo",
    "linli.gridwork.demo.load_gridwork_demo",
    "linli.notices.demo.load_notices_demo",
    "linli.facilities.demo.load_facilities_demo",
    "linli.workforce.demo.load_workforce_demo",
    "linli.volunteers.demo.load_volunteers_demo",
    "linli.matching.demo.load_matching_demo",
    "linli.plans.demo.load_plans_demo",  # last: it measures the other apps' demo data
]
