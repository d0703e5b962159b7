"""Settings for the vendor scorecard, read from environment variables (see README.md).

The embedded default needs nothing running: SQLite in WAL mode under ``var/`` and a Celery broker
kept in files under ``var/celery/``. Point ``DATABASE_URL`` and ``CELERY_BROKER_URL`` at
PostgreSQL and Redis (or RabbitMQ) to scale out.
"""

import datetime as dt
import os
import sys
from pathlib import Path
from typing import NoReturn

import environ
from celery.schedules import crontab
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def _refuse(message: str) -> NoReturn:
    """Stop start-up with one line on stderr and exit status 1 (a traceback would bury it)."""
    sys.stderr.write(f"scorecard: {message}\n")
    raise SystemExit(1)


# The local environment file bin/setup writes once (development mode and a generated secret), so
# commands need nothing exported. Real environment variables win over it; ENV_FILE names another
# file, or none when empty (the tests and production, which set their variables).
_env_file = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if _env_file:
    if Path(_env_file).is_file():
        environ.Env.read_env(_env_file, overwrite=False)
    elif "ENV_FILE" in os.environ:
        _refuse(f"ENV_FILE names {_env_file}, which is not a file; fix it or set ENV_FILE=''.")

VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default keeps its files here

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    SECURE_SSL_REDIRECT=(bool, True),
    SECURE_HSTS_SECONDS=(int, 31536000),
    REPORT_MAX_UPLOAD_BYTES=(int, 20 * 1024 * 1024),
    REPORT_MAX_ROWS=(int, 200_000),
    SCORECARD_HOLIDAYS=(list, []),
)

DEFAULT_SECRET_KEY = "insecure-dev-key-change-me"  # noqa: S105 - marker for the embedded default
DEBUG = env("DEBUG")
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
_new_key_advice = (
    "set SECRET_KEY to a long random value, e.g. "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(50))' "
    "(for development, bash bin/setup writes .env with DEBUG=1 and a generated key)."
)
if not DEBUG and SECRET_KEY in ("", DEFAULT_SECRET_KEY):
    _refuse(
        "SECRET_KEY is missing or still the development default. In production mode (DEBUG off) "
        + _new_key_advice
    )
if not DEBUG and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
):
    _refuse(
        f"SECRET_KEY is weak: production mode (DEBUG off) needs at least {SECRET_KEY_MIN_LENGTH} "
        f"characters, {SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different, not starting with "
        f"{SECRET_KEY_INSECURE_PREFIX!r}; " + _new_key_advice
    )

ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "axes",
    "vendors",
    "scorecard",
    "remittances",
    "disputes",
    "worklogs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "scorecard.middleware.QueryParameterMiddleware",  # control characters refused (400)
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "scorecard.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "scorecard.middleware.FaultMiddleware",  # busy database 503, full disk 507
    "axes.middleware.AxesMiddleware",  # a locked-out sign-in answers the lockout page (429)
]

ROOT_URLCONF = "scorecard.urls"
WSGI_APPLICATION = "scorecard.wsgi.application"
ASGI_APPLICATION = "scorecard.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",  # csp_nonce for the htmx script tag
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'scorecard.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work beside the single writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            # Seconds a writer waits for the lock; past it the request answers 503 "busy".
            "timeout": env.float("DATABASE_BUSY_TIMEOUT", default=30.0),
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The cache counts bad API tokens per address: per process by default; give several web
# processes one count with CACHE_URL=redis://host:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Sign-in: lockout (django-axes) and password rules ----------------------------------------
# LOGIN_FAILURE_LIMIT wrong passwords in a row for one username lock its sign-in (page, admin)
# for LOGIN_COOLOFF_MINUTES, or until an administrator deletes the access attempt in the admin;
# a correct sign-in resets the count. API_TOKEN_FAILURE_LIMIT bad API tokens from one address
# answer 429 for the same cool-off (scorecard.authentication).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=10)
if min(LOGIN_FAILURE_LIMIT, LOGIN_COOLOFF_MINUTES, API_TOKEN_FAILURE_LIMIT) < 1:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT, LOGIN_COOLOFF_MINUTES and API_TOKEN_FAILURE_LIMIT must be at least 1."
    )
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
# By username alone: locking an address would lock a whole practice behind one NAT address, and
# no client-chosen value (user agent, cookie) is part of the key, so axes.W006's bypass (rotating
# them) does not apply here.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the cool-off runs from the lockout
AXES_LOCKOUT_CALLABLE = "scorecard.views.account.locked_out"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    # Whole files or nothing: a full disk leaves no empty or partial file behind.
    "default": {"BACKEND": "scorecard.storage.AtomicFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Security (production mode) -------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every answer: our own files only, scripts with the request's nonce,
# no inline style (the API docs page alone allows Swagger UI's inline styles).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Permissions-Policy on every answer: no page needs any of these browser features.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
)

# --- Email ----------------------------------------------------------------------------------
# Django 6.1 MAILERS; in DEBUG (the embedded default) the console backend prints mail.
_email_backend = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends."
    + ("console.EmailBackend" if DEBUG else "smtp.EmailBackend"),
)
_email_options: dict[str, object] = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": env.str("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="scorecard@localhost")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "scorecard.authentication.ThrottledTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # limit (1 to 500) and offset validated: a bad value is a 400 naming it (vendors.api.params).
    "DEFAULT_PAGINATION_CLASS": "vendors.api.params.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vendor scorecard API",
    "DESCRIPTION": "Vendors, contracts, SLA terms, KPI reports, scorecards and remediation.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Grouped by resource: the tag is the path's first part after /api/v1 (contracts, reports...).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "scorecard.api.schema.add_summaries",
    ],
    # Served from our own static files: nothing is fetched from the internet at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several "status" fields use different word sets; name each enum after its meaning.
    "ENUM_NAME_OVERRIDES": {
        "KpiStatusEnum": "scorecard.models.Status",
        "RemediationStatusEnum": "scorecard.models.RemediationStatus",
        "JobStatusEnum": "scorecard.models.JobStatus",
        "DisputeStatusEnum": "disputes.models.DisputeStatus",
    },
}

# --- Celery ---------------------------------------------------------------------------------
# Embedded default: a broker kept in files under var/celery, so no server is needed; a worker
# process (started by quickstart and by render_scorecards when none answers) runs the tasks
# outside the web request.
CELERY_EMBEDDED_DIR = VAR_DIR / "celery"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
# A render job still running this long past the hard time limit lost its task with its worker
# (no attempt lives past the limit): the sweep, which runs this often, queues it again.
CELERY_TASK_LOST_MARGIN = env.int("CELERY_TASK_LOST_MARGIN", default=60)
if CELERY_TASK_LOST_MARGIN < 1 or CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_TASK_LOST_MARGIN must be at least 1 s and CELERY_TASK_TIME_LIMIT "
        f"({CELERY_TASK_TIME_LIMIT} s) above CELERY_TASK_SOFT_TIME_LIMIT "
        f"({CELERY_TASK_SOFT_TIME_LIMIT} s)."
    )
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_EMBEDDED = CELERY_BROKER_URL.startswith("filesystem://")
if CELERY_EMBEDDED:
    for _folder in ("queue", "processed", "control"):
        (CELERY_EMBEDDED_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_EMBEDDED_DIR / "queue"),
        "data_folder_out": str(CELERY_EMBEDDED_DIR / "queue"),
        "processed_folder": str(CELERY_EMBEDDED_DIR / "processed"),
        "control_folder": str(CELERY_EMBEDDED_DIR / "control"),
        "store_processed": False,
    }
else:
    # A task is handed to another worker only once no attempt can still be running: after the
    # hard time limit plus the margin (a shorter timeout would render one job twice at once).
    _visibility_floor = CELERY_TASK_TIME_LIMIT + CELERY_TASK_LOST_MARGIN
    _visibility = env.int("CELERY_VISIBILITY_TIMEOUT", default=_visibility_floor)
    if _visibility < _visibility_floor:
        raise ImproperlyConfigured(
            f"CELERY_VISIBILITY_TIMEOUT ({_visibility} s) must be at least CELERY_TASK_TIME_LIMIT "
            f"plus CELERY_TASK_LOST_MARGIN ({CELERY_TASK_TIME_LIMIT} + {CELERY_TASK_LOST_MARGIN} "
            f"= {_visibility_floor} s): a shorter one hands a task still running to a second "
            "worker."
        )
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task whose worker died is handed to another worker after this many seconds.
        "visibility_timeout": _visibility,
        # kombu looks for such tasks only every interval x throttle seconds (10 x 10 by default,
        # so a short visibility timeout waited ~100 s); look every interval, at most 10 s.
        "unacked_restore_interval": max(1, min(10, _visibility)),
        "unacked_restore_throttle": 1,
    }
CELERY_RESULT_BACKEND = None  # job rows in the database own results and progress
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
# The beat schedule lives here (django-celery-beat does not support Django 6.1). Every task runs
# daily and is idempotent: input hashes, job keys and notification keys make repeats no-ops.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Before the PDF batch: every due month measured (missing reports included), leftovers of
    # re-scoring done.
    "scorecard-daily-evaluation": {
        "task": "scorecard.evaluate_daily",
        "schedule": crontab(hour=5, minute=30),
    },
    "scorecard-monthly-pdfs": {
        "task": "scorecard.pdf.queue_monthly_batches",
        "schedule": crontab(hour=6, minute=30),
    },
    "scorecard-purge-upload-previews": {
        "task": "scorecard.purge_upload_previews",
        "schedule": crontab(minute=15),
    },
    "scorecard-cure-reminders": {
        "task": "scorecard.send_cure_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Not daily: every margin, render jobs whose task was lost with its worker are queued again.
    "scorecard-requeue-lost-jobs": {
        "task": "scorecard.jobs.requeue_lost",
        "schedule": float(CELERY_TASK_LOST_MARGIN),
    },
}

# --- Product settings -----------------------------------------------------------------------
# The task queued (on commit) after any evaluation input changed (a report stored, a contract,
# SLA term, KPI or holiday changed); a dotted path so that vendors never imports scorecard. It
# takes the ids of the pending re-scoring rows the change wrote.
RESCORE_TASK = "scorecard.tasks.evaluation.rescore_pending"
# How many items a page's list shows (the dashboard's open remediation items and termination
# rights, each remediation board column) before its "see all" link.
PAGE_LIST_LIMIT = env.int("PAGE_LIST_LIMIT", default=50)
if PAGE_LIST_LIMIT < 1:
    raise ImproperlyConfigured("PAGE_LIST_LIMIT must be at least 1.")
REPORT_MAX_UPLOAD_BYTES = env("REPORT_MAX_UPLOAD_BYTES")
REPORT_MAX_ROWS = env("REPORT_MAX_ROWS")
DATA_UPLOAD_MAX_MEMORY_SIZE = REPORT_MAX_UPLOAD_BYTES + 1024 * 1024
# An XLSX sheet's used range is refused past these before calamine allocates it (one cell per
# position); a real report is far smaller. Errors shown of a refused file: the first N and a count.
REPORT_XLSX_MAX_ROWS = env.int("REPORT_XLSX_MAX_ROWS", default=20_000)
REPORT_MAX_COLUMNS = env.int("REPORT_MAX_COLUMNS", default=200)
REPORT_XLSX_MAX_CELLS = env.int("REPORT_XLSX_MAX_CELLS", default=1_000_000)
REPORT_MAX_ERRORS_SHOWN = env.int("REPORT_MAX_ERRORS_SHOWN", default=200)
# A load that puts at least this many rows into a table runs ANALYZE on it after commit (0: never).
BULK_ANALYZE_ROWS = env.int("BULK_ANALYZE_ROWS", default=10_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# X12 835 remittances: a file past this size is refused before it is read; at most this many
# files per upload; errors listed of a refused file (the first N and a count).
REMITTANCE_MAX_BYTES = env.int("REMITTANCE_MAX_BYTES", default=64 * 1024 * 1024)
REMITTANCE_MAX_FILES = env.int("REMITTANCE_MAX_FILES", default=50)
# Denial work logs (CSV/XLSX): a file past this size is refused before it is read, one with more
# data rows after reading the CSV; XLSX logs keep the reports' cell and row limits as well.
DENIAL_LOG_MAX_BYTES = env.int("DENIAL_LOG_MAX_BYTES", default=256 * 1024 * 1024)
DENIAL_LOG_MAX_ROWS = env.int("DENIAL_LOG_MAX_ROWS", default=2_000_000)
# ISO dates skipped as business days: the holiday list a new organization starts with (each
# organization then keeps its own, vendors.models.Holiday).
SCORECARD_HOLIDAYS = env("SCORECARD_HOLIDAYS")
# A previewed upload not confirmed within this many hours is removed (hourly beat task).
UPLOAD_PREVIEW_MAX_AGE_HOURS = env.int("UPLOAD_PREVIEW_MAX_AGE_HOURS", default=24)
# An invitation link of a vendor user works once, for this many hours.
VENDOR_INVITATION_MAX_AGE_HOURS = env.int("VENDOR_INVITATION_MAX_AGE_HOURS", default=72)
CHROMIUM_PATH = env.str("CHROMIUM_PATH", default="/usr/bin/chromium")
# A dispute nobody answered within this many business days (organization's holidays skipped)
# is flagged on the dashboard and the dispute list; attachments and action plan files past the
# byte limit are refused before they are stored.
DISPUTE_ANSWER_BUSINESS_DAYS = env.int("DISPUTE_ANSWER_BUSINESS_DAYS", default=5)
DISPUTE_ATTACHMENT_MAX_BYTES = env.int("DISPUTE_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- PDF scorecards (PDF/jobs issue) --------------------------------------------------------
# Template of the PDF scorecard, its page size (A4 or Letter), and the business day of the month
# on which last month's PDFs are rendered by the beat schedule (the day after reports are due).
SCORECARD_PDF_TEMPLATE = env.str("SCORECARD_PDF_TEMPLATE", default="scorecard/pdf/scorecard.html")
SCORECARD_PDF_PAGE_SIZE = env.str("SCORECARD_PDF_PAGE_SIZE", default="A4")
SCORECARD_PDF_BATCH_BUSINESS_DAY = env.int("SCORECARD_PDF_BATCH_BUSINESS_DAY", default=11)
