"""Settings for the test suite: fixed test keys, fast password hashing."""

import os

os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "t1:" + "dGVzdC1rZXktMDEtdGVzdC1rZXktMDEtdGVzdC1rZXk=")
os.environ.setdefault("BLIND_INDEX_KEY", "YmxpbmQtaW5kZXgta2V5LWZvci10ZXN0cy1vbmx5LTEyMzQ=")
os.environ.setdefault(
    "SECRET_KEY", "test-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/schakelpunt")

# The test client and the browser tests' live server speak plain HTTP.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A Celery worker started by a test writes its mail to files the test reads.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

# Separate names let several test runs share one PostgreSQL server.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME", "test_schakelpunt")}  # noqa: F405

# The tests render pages without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
