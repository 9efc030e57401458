"""Test settings: the same configuration as base, made fast and deterministic.

The suite runs on the embedded default (SQLite, eager Celery) unless DATABASE_URL and
REDIS_URL point it at real services, as the second CI pass does.
"""

from .base import *  # noqa: F403
from .base import REDIS_URL
from .env import email_settings, env_bool, env_str

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Mail stays in memory, except in a worker process a test started with EMAIL_URL pointing at
# its SMTP server (tests/services.py); the test process itself always gets Django's locmem.
globals().update(email_settings(env_str("EMAIL_URL", "locmem://")))
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
ACCOUNT_RATE_LIMITS = False
if REDIS_URL:
    # Every test run gets its own key space so parallel runs and leftovers never collide.
    CACHES["default"]["KEY_PREFIX"] = "stoa-test"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# Tasks run in-process unless a test asks for the real worker (the ``celery_worker`` fixture),
# which needs committed data and so a transactional test. That worker process is started with
# CELERY_EAGER=0 so it consumes from the broker instead of running nothing.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_EAGER", default=True)
# The forum tests write as brand-new accounts; moderation's tests switch these on themselves.
STOA_PREMODERATION_FIRST_POSTS = 0
STOA_TRUST_LIMITS_ENABLED = False
# Notifications: retries after an SMTP refusal come quickly enough for a test to watch.
STOA_EMAIL_RETRY_BASE_SECONDS = 1
STOA_EMAIL_RETRY_MAX_SECONDS = 4

# Most tests change data and read pages straight after; tests of the page cache turn it on.
STOA_ANON_CACHE_SECONDS = 0
