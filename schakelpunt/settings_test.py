"""Settings for the test suite: fixed test keys, fast password hashing."""

import os
import tempfile

os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "t1:" + "dGVzdC1rZXktMDEtdGVzdC1rZXktMDEtdGVzdC1rZXk=")
os.environ.setdefault("BLIND_INDEX_KEY", "YmxpbmQtaW5kZXgta2V5LWZvci10ZXN0cy1vbmx5LTEyMzQ=")
os.environ.setdefault("AUDIT_CHAIN_KEY", "YXVkaXQtY2hhaW4ta2V5LWZvci10ZXN0cy1vbmx5LTEyMzQ=")
os.environ.setdefault("AUDIT_CHECKPOINT_KEY", "Y2hlY2twb2ludC1rZXktZm9yLXRlc3RzLW9ubHktMTI=")
# Each test gets a file of its own (tests/conftest.py); this one is for anything else.
os.environ.setdefault("AUDIT_CHECKPOINT_PATH", os.path.join(tempfile.gettempdir(), "schakelpunt-checkpoints"))
os.environ.setdefault(
    "SECRET_KEY", "test-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/schakelpunt")

# The test client and the browser tests' live server speak plain HTTP.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from .settings import *  # noqa: F403

# Off unless a test switches it on (tests/accounts/), so the other tests log in with a password only.
REQUIRE_SECOND_FACTOR = os.environ.get("REQUIRE_SECOND_FACTOR", "") in {"1", "true", "yes", "on"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A Celery worker started by a test writes its mail to files the test reads.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

# Separate names let several test runs share one PostgreSQL server.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME", "test_schakelpunt")}  # noqa: F405

# The tests render pages without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# Webhook tests run their endpoint on 127.0.0.1 and send no DNS queries.
WEBHOOK_ALLOW_LOOPBACK = True
WEBHOOK_RESOLVE_NAMES = False
