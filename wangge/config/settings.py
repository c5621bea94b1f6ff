"""Settings, all from environment variables with safe defaults for the embedded (SQLite) mode."""

import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# var/ holds everything the running system writes: the SQLite file, demo accounts, uploads.
VAR_DIR = Path(os.environ.get("WANGGE_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("WANGGE_DEBUG", False)
# Without a configured key each process makes its own, so sessions simply end on restart:
# acceptable for a demo, and no secret ever sits in the repository.
SECRET_KEY = os.environ.get("WANGGE_SECRET_KEY") or os.urandom(32).hex()
ALLOWED_HOSTS = [
    h for h in os.environ.get("WANGGE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("WANGGE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # Ships the Swagger UI files, served locally: the docs page must work without internet.
    "ninja",
    "wangge.core",
    "wangge.accounts",
    "wangge.areas",
    "wangge.addresses",
    "wangge.housing",
    "wangge.people",
    "wangge.units",
    "wangge.transfer",
    "wangge.collection",
    "wangge.quality",
    "wangge.rechecks",
    "wangge.anomalies",
    "wangge.reports",
    "wangge.demo",
    "wangge.fieldapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wangge.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wangge.accounts.scope.RequestScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Refuses an upload above WANGGE_MAX_UPLOAD_MB before its body is read.
    "wangge.transfer.uploads.upload_limit",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "wangge.config.urls"
WSGI_APPLICATION = "wangge.config.wsgi.application"

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
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'wangge.sqlite3'}",
        conn_max_age=int(os.environ.get("WANGGE_DB_CONN_MAX_AGE", "60")),
    )
}
if os.environ.get("WANGGE_TEST_DB_NAME"):
    # Lets several test runs share one PostgreSQL server without clobbering each other's test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["WANGGE_TEST_DB_NAME"]}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker or the demo generator writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("WANGGE_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
# Front-end packages come from npm at install time (node_modules beside the checkout) and are served
# by Django itself: government intranets have no CDN.
NODE_MODULES_DIR = Path(os.environ.get("WANGGE_NODE_MODULES", PACKAGE_DIR.parent / "node_modules"))
STATICFILES_DIRS = [("vendor", NODE_MODULES_DIR)] if NODE_MODULES_DIR.is_dir() else []
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Imports: the largest file accepted (checked before the body is read), where uploaded files and error
# reports are kept, and from how many rows on an import runs as a background job (`wangge worker`).
MAX_UPLOAD_MB = int(os.environ.get("WANGGE_MAX_UPLOAD_MB", "50"))
IMPORT_DIR = VAR_DIR / "imports"
IMPORT_BACKGROUND_ROWS = int(os.environ.get("WANGGE_IMPORT_BACKGROUND_ROWS", "10000"))
# Uploads above this size are spooled to a temporary file, never held in memory whole.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_SECURE = env_bool("WANGGE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

TASKS = {
    "default": {
        "BACKEND": os.environ.get("WANGGE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Jobs the worker enqueues once a night (at NIGHTLY_AT, local time), each a django-tasks task by dotted path.
NIGHTLY_AT = os.environ.get("WANGGE_NIGHTLY_AT", "02:00")
NIGHTLY_JOBS = [
    "wangge.quality.tasks.rollup_nightly",
    "wangge.anomalies.tasks.run_nightly",
    "wangge.reports.tasks.report_nightly",
]

# Anomaly rule parameters overriding the defaults (docs/anomalies.md), e.g. {"not_verified": {"days": 90}}.
ANOMALY_PARAMS: dict = {}

# Progress and quality (docs/quality.md): today's rollup rows older than this are recomputed when read; areas
# of up to QUALITY_INLINE_GRIDS grids are recomputed inline, larger ones by a background job.
QUALITY_FRESH_MINUTES = int(os.environ.get("WANGGE_QUALITY_FRESH_MINUTES", "10"))
QUALITY_INLINE_GRIDS = int(os.environ.get("WANGGE_QUALITY_INLINE_GRIDS", "40"))

# How long an API token lives.
API_TOKEN_TTL_HOURS = int(os.environ.get("WANGGE_API_TOKEN_TTL_HOURS", "12"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WANGGE_LOG_LEVEL", "WARNING")},
}
