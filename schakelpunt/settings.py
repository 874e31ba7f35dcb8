"""Settings for Schakelpunt, read from the environment (see README and SECURITY.md)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from helpers import keys
from helpers.env import env, env_bool, env_int

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SCHAKELPUNT_KEYS, SECRET_KEY = keys.load(
    debug=DEBUG, dev_key_file=Path(env("DEV_KEYS_FILE", str(BASE_DIR / ".dev-keys.json")) or "")
)

ALLOWED_HOSTS = (env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver") or "").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in (env("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "schakelpunt",
    "audit",
    "coordination",
    "cases",
    "signals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    # Before the session is looked up by a cookie it refuses.
    "schakelpunt.middleware.RefuseBadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "schakelpunt.urls"
WSGI_APPLICATION = "schakelpunt.wsgi.application"

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
                "schakelpunt.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}") or "",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A kept connection that broke (the database restarted) is replaced before
        # a request uses it, instead of failing that request.
        conn_health_checks=True,
    )
}
# Web requests give up before gunicorn's --timeout (30 s) kills their worker:
# each statement after DB_STATEMENT_TIMEOUT seconds, each wait for a lock after
# DB_LOCK_TIMEOUT (0 switches either off). Set on the web server's PostgreSQL
# connections only (schakelpunt.database); such a request answers 503.
DB_STATEMENT_TIMEOUT = env_int("DB_STATEMENT_TIMEOUT", 20)
DB_LOCK_TIMEOUT = env_int("DB_LOCK_TIMEOUT", 5)
# Seconds to wait for a connection to the database server; then 503.
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 5)
# The Retry-After of a 503 while the database is away or busy.
DB_RETRY_AFTER = env_int("DB_RETRY_AFTER", 30)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DB_CONNECT_TIMEOUT
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time; the others wait this long for it, then fail (503).
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = DB_LOCK_TIMEOUT or 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "coordination.User"
# Django's ModelBackend, loading the user's roles with the user (one query per request).
AUTHENTICATION_BACKENDS = ["coordination.backends.RolesModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# Bulk uploads wait here, sealed, until processed; then they are deleted.
BULK_UPLOAD_DIR = env("BULK_UPLOAD_DIR", str(BASE_DIR / "media" / "bulk"))
BULK_UPLOAD_MAX_BYTES = env_int("BULK_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
# Rows per part: the Celery workers file the parts of one file side by side.
BULK_PART_ROWS = env_int("BULK_PART_ROWS", 10_000)
# Limits per file (README, "Bulk files"): longer lines or more rows fail the
# file with a plain reason; past the stored-errors limit refused rows are
# still counted, but their reasons are no longer kept.
BULK_MAX_LINE_CHARS = env_int("BULK_MAX_LINE_CHARS", 32_768)
BULK_MAX_ROWS = env_int("BULK_MAX_ROWS", 500_000)
BULK_MAX_STORED_ERRORS = env_int("BULK_MAX_STORED_ERRORS", 10_000)
# A part whose worker is gone and whose heartbeat has not moved for this long
# is handed to a worker again by the beat (signals.tasks.resume_bulk_uploads).
BULK_STALL_SECONDS = env_int("BULK_STALL_SECONDS", 120)
# Hard time limit of one bulk task (a part of BULK_PART_ROWS rows); a part cut
# off by it is resumed after its last committed batch.
BULK_TASK_TIME_LIMIT = env_int("BULK_TASK_TIME_LIMIT", 900)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Without DEBUG the pages' CSS and JS are served by WhiteNoise from STATIC_ROOT,
# with content-hashed names: run `manage.py collectstatic` when deploying.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATICFILES_DIRS = [BASE_DIR / "static"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "schakelpunt.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "schakelpunt.api.exception_handler",
    # DRF's parsers, refusing NUL characters and deep nesting with a 400.
    "DEFAULT_PARSER_CLASSES": [
        "helpers.parsers.JSONParser",
        "helpers.parsers.FormParser",
        "helpers.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "schakelpunt.metadata.Metadata",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Schakelpunt API",
    "DESCRIPTION": "Signals, cases and access log for early signalling of financial distress.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

SITE_URL = (env("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")  # for the file-based backend
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# A mail server that hangs must not hold a notification past its claim.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "schakelpunt@localhost")
# The notification outbox (cases.notifications): a mail that fails is tried
# again after 1, 2, 4, ... minutes (at most NOTIFICATION_RETRY_MAX_SECONDS
# apart) and parked for the administrator after NOTIFICATION_MAX_ATTEMPTS
# attempts. A drain that dies mid-send gives its row back after
# NOTIFICATION_CLAIM_TIMEOUT_SECONDS.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 60)
NOTIFICATION_RETRY_MAX_SECONDS = env_int("NOTIFICATION_RETRY_MAX_SECONDS", 6 * 3600)
NOTIFICATION_CLAIM_TIMEOUT_SECONDS = env_int("NOTIFICATION_CLAIM_TIMEOUT_SECONDS", 600)

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A request must not hang on a broker that is down: publish fails fast and the
# outbox keeps the work until the next drain.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged task (acks_late) to another worker after the
# visibility timeout: when a whole worker dies its tasks come back after this
# long. It must exceed every task's time limit and retry countdown, or a task
# still running would be handed out a second time.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 1800)
if CELERY_VISIBILITY_TIMEOUT <= BULK_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than BULK_TASK_TIME_LIMIT")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE = {
    "deliver-notifications": {"task": "cases.tasks.deliver_notifications", "schedule": 60.0},
    "run-deadlines": {"task": "cases.tasks.run_deadlines", "schedule": 15 * 60.0},
    "apply-retention": {"task": "signals.tasks.apply_retention", "schedule": 24 * 3600.0},
    "verify-audit-log": {"task": "audit.tasks.verify_audit_log", "schedule": 24 * 3600.0},
}

# Number of independent hash chains in the access log. Each writer appends to
# the chain of its own process/thread, so concurrent requests do not queue
# behind one lock.
AUDIT_CHAINS = env_int("AUDIT_CHAINS", 16)

# The letter that answers a resident's access request names organisations and
# roles; staff names only when the municipality's policy says so.
AUDIT_LETTER_STAFF_NAMES = env_bool("AUDIT_LETTER_STAFF_NAMES", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
