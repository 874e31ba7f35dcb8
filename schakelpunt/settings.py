"""Settings for Schakelpunt, read from the environment (see README and SECURITY.md)."""

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from helpers import keys
from helpers.env import env, env_bool, env_int

# Lets classes the type checker treats as generic (ModelAdmin[Case], QuerySet[Case], ...)
# be written that way at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SCHAKELPUNT_KEYS, SECRET_KEY = keys.load(
    debug=DEBUG, dev_key_file=Path(env("DEV_KEYS_FILE", str(BASE_DIR / ".dev-keys.json")) or "")
)
# Django signs sessions, password-reset links and CSRF tokens with it: a short
# one can be guessed offline from one signed value.
SECRET_KEY_MIN_LENGTH = 50
if not DEBUG and len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters (see SECURITY.md)"
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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # After django_otp: its admin hides the apps' devices (schakelpunt.admin).
    "csp",
    "schakelpunt",
    "audit",
    "coordination",
    "cases",
    "signals",
    "letters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    # Before anything reads the body: a body larger than allowed is a 413 by its Content-Length.
    "schakelpunt.middleware.RefuseLargeBodyMiddleware",
    # Before the session is looked up by a cookie it refuses.
    "schakelpunt.middleware.RefuseBadInputMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # user.is_verified(): whether the session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "schakelpunt.second_factor_web.SecondFactorMiddleware",
    # Who is acting, for model saves: self-grants refused, configuration changes logged.
    "coordination.acting.ActingUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Pages and API answers for a signed-in user carry personal data: never stored by a browser or proxy.
    "schakelpunt.middleware.NoStoreMiddleware",
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
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The second factor (schakelpunt.second_factor): required for every role but
# partners whenever this is on, which it is by default outside debug mode.
REQUIRE_SECOND_FACTOR = env_bool("REQUIRE_SECOND_FACTOR", default=not DEBUG)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Schakelpunt")
# A password-reset link works for this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
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
# Cases in one print run of letters (one PDF, made in the background).
LETTER_RUN_MAX_CASES = env_int("LETTER_RUN_MAX_CASES", 5_000)
# Hours a print run's PDF (names and addresses, sealed) is kept after it is made.
LETTER_RUN_KEEP_HOURS = env_int("LETTER_RUN_KEEP_HOURS", 168)
BULK_MAX_STORED_ERRORS = env_int("BULK_MAX_STORED_ERRORS", 10_000)
# An .xlsx is a zip: what its parts may unpack to together (a zip bomb is refused before reading).
BULK_XLSX_MAX_UNPACKED_BYTES = env_int("BULK_XLSX_MAX_UNPACKED_BYTES", 1024 * 1024 * 1024)
BULK_XLSX_IN_MEMORY_BYTES = env_int("BULK_XLSX_IN_MEMORY_BYTES", 192 * 1024 * 1024)
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

# API credentials (schakelpunt.tokens): a person's token from the token login
# lives API_TOKEN_HOURS (and ends at logout or a password change); a partner
# organisation's named system key lives SYSTEM_KEY_DAYS.
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 8)
SYSTEM_KEY_DAYS = env_int("SYSTEM_KEY_DAYS", 365)
# A new token login revokes the user's oldest personal tokens beyond this many.
API_TOKENS_PER_USER = env_int("API_TOKENS_PER_USER", 10)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# TLS (SECURITY.md, "Running behind TLS"). In production plain HTTP is
# redirected to HTTPS and browsers are told to keep to HTTPS (HSTS, sent only
# over HTTPS); the load balancer's probe of /health/ may stay on plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading binds every subdomain of the registered domain (usually the
    # municipality's) to HTTPS for good: that is the domain owner's call, not ours.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Set only behind a TLS proxy that always sets (or strips) this header, e.g.
# SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto: a request then counts as HTTPS
# when the header says "https".
_proxy_ssl_header = env("SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.strip().upper().replace("-", "_"), "https")
# The proxies (addresses or networks, comma-separated) whose X-Forwarded-For
# is believed: the client address in the access log is the last address in
# that header not in this list, and only when the direct peer is in it.
TRUSTED_PROXIES = [p.strip() for p in (env("TRUSTED_PROXIES", "") or "").split(",") if p.strip()]
# Bodies larger than this (by their Content-Length) are refused with 413 before
# they are read; a multipart upload may be as large as a bulk file plus its form.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
# Uploads larger than this go to a temporary file while they arrive, never into memory whole.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Content-Security-Policy (django-csp): scripts and styles only from our own
# files, no inline script or style, no framing, forms post to ourselves.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The project's token and session authentication, refusing a user who owes
        # the second factor (schakelpunt.second_factor_api).
        "schakelpunt.second_factor_api.SecondFactorTokenAuthentication",
        "schakelpunt.second_factor_api.SecondFactorSessionAuthentication",
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "schakelpunt.schema.document_errors",
    ],
    # One name per set of choices: a case's outcome and an access-log entry's outcome are different lists.
    "ENUM_NAME_OVERRIDES": {
        "CaseOutcomeEnum": "cases.models.Outcome",
        "AccessOutcomeEnum": "audit.models.Outcome",
        "CaseStateEnum": "cases.models.State",
        "WebhookDeliveryStateEnum": "signals.webhook_models.WebhookDelivery.State",
    },
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
# Break-the-glass (cases.access): how long a reason given opens one case outside
# the user's scope, in minutes.
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 30)


# A case closed by mistake may be reopened for this many days after closing.
CASE_REOPEN_DAYS = env_int("CASE_REOPEN_DAYS", 30)

# The covenant: after "help accepted" the partner suspends collection this many days.
COLLECTION_SUSPENSION_DAYS = env_int("COLLECTION_SUSPENSION_DAYS", 30)
# Partner webhooks (signals.webhooks): an event that fails is tried again after
# 30 s, 1, 2, 4 ... minutes (at most WEBHOOK_RETRY_MAX_SECONDS apart) until
# WEBHOOK_RETRY_HOURS after it was written, then given up. Endpoints must be
# public HTTPS addresses; WEBHOOK_ALLOW_LOOPBACK (debug mode) also allows
# http://127.0.0.1 for trying them out.
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 3600)
WEBHOOK_RETRY_HOURS = env_int("WEBHOOK_RETRY_HOURS", 24)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_CLAIM_TIMEOUT_SECONDS = env_int("WEBHOOK_CLAIM_TIMEOUT_SECONDS", 120)
WEBHOOKS_PER_ORGANISATION = env_int("WEBHOOKS_PER_ORGANISATION", 5)
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", DEBUG)
# Off only in the test suite: host names other than localhost are then refused
# without a DNS query (tests send no traffic off this machine).
WEBHOOK_RESOLVE_NAMES = True

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
    "deliver-webhooks": {"task": "signals.tasks.deliver_due_webhooks", "schedule": 60.0},
    "run-deadlines": {"task": "cases.tasks.run_deadlines", "schedule": 15 * 60.0},
    "compact-figures": {"task": "signals.tasks.compact_figures", "schedule": 5 * 60.0},
    "apply-retention": {"task": "signals.tasks.apply_retention", "schedule": 24 * 3600.0},
    "verify-audit-log": {"task": "audit.tasks.verify_audit_log", "schedule": 24 * 3600.0},
    "audit-checkpoint": {"task": "audit.tasks.write_checkpoint", "schedule": 60.0},
    "forget-old-login-attempts": {"task": "schakelpunt.tasks.forget_old_login_attempts", "schedule": 3600.0},
    "forget-old-print-runs": {"task": "letters.tasks.forget_old_print_runs", "schedule": 3600.0},
}

# Number of independent hash chains in the access log. Each writer appends to
# the chain of its own process/thread, so concurrent requests do not queue
# behind one lock.
AUDIT_CHAINS = env_int("AUDIT_CHAINS", 16)
# The signed checkpoints of the chain heads (audit.checkpoints): a file outside
# the database, only ever appended to and synced, to be shipped to write-once
# storage (SECURITY.md). Production names it; debug mode keeps one here.
AUDIT_CHECKPOINT_PATH = env("AUDIT_CHECKPOINT_PATH") or (
    str(BASE_DIR / "audit-checkpoints.jsonl") if DEBUG else ""
)
if not AUDIT_CHECKPOINT_PATH:
    raise ImproperlyConfigured("Set AUDIT_CHECKPOINT_PATH: where the access log's signed checkpoints go")
# After replacing AUDIT_CHECKPOINT_KEY: the earlier public keys (base64, from
# `manage.py audit_checkpoint_public_key`), so the earlier lines still count.
AUDIT_CHECKPOINT_PUBLIC_KEYS = [k for k in (env("AUDIT_CHECKPOINT_PUBLIC_KEYS", "") or "").split(",") if k]

# The letter that answers a resident's access request names organisations and
# roles; staff names only when the municipality's policy says so.
AUDIT_LETTER_STAFF_NAMES = env_bool("AUDIT_LETTER_STAFF_NAMES", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
