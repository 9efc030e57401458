"""Stoa settings: every value comes from the environment, with defaults that need no service.

With nothing set, Stoa runs on SQLite, Django's local-memory cache, Celery tasks executed
eagerly in-process and e-mail printed to the console. ``DATABASE_URL``, ``REDIS_URL`` and
``EMAIL_URL`` switch each piece to a real service; README.md lists every variable.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP

from .env import email_settings, env_bool, env_int, env_list, env_str, redis_database

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-stoa-development-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "taggit",
    "django_htmx",
    "community",
    "accounts",
    "forums",
    "moderation",
    "notifications",
    "insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LastSeenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

if env_bool("STOA_QUERY_COUNT_HEADER"):
    MIDDLEWARE.insert(0, "community.middleware.QueryCountHeaderMiddleware")

ROOT_URLCONF = "community.urls"
WSGI_APPLICATION = "community.wsgi.application"
ASGI_APPLICATION = "community.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.context_processors.site",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; the busy timeout turns lock contention
    # into a short wait instead of "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1

REDIS_URL = env_str("REDIS_URL")
# The cache gets its own Redis database, so clearing it never touches the Celery queues.
REDIS_CACHE_URL = env_str("REDIS_CACHE_URL") or redis_database(REDIS_URL, offset=1)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "community.cache.StoaRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "stoa"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTHENTICATION_BACKENDS = [
    "accounts.backends.CachedPermissionsBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (django-allauth). Enumeration prevention stays on (invariant 7).
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("id", "Bahasa Indonesia"), ("es", "Español")]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Files attached to posts (forums/uploads/, README "Uploads") never live under MEDIA_ROOT:
# they are served by the application after the reading check, or on S3 by signed URLs.
STOA_UPLOAD_ROOT = Path(env_str("STOA_UPLOAD_ROOT", str(BASE_DIR / "private_media")))
STORAGES["uploads"] = {"BACKEND": "forums.uploads.storage.PrivateUploadStorage"}
STOA_STORAGE = env_str("STOA_STORAGE", "local")
if STOA_STORAGE == "s3":
    # Any S3-compatible store (AWS, MinIO, Ceph, R2...) through django-storages; credentials
    # come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by boto3 itself.
    _S3_OPTIONS = {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
        "region_name": env_str("AWS_S3_REGION_NAME") or None,
        "default_acl": "private",
        "file_overwrite": False,
        "signature_version": "s3v4",
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_S3_OPTIONS,
            "location": "media",
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", default=True),
        },
    }
    STORAGES["uploads"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_S3_OPTIONS,
            "location": "uploads",
            "querystring_auth": True,  # every download is a signed, expiring URL
            "querystring_expire": env_int("STOA_UPLOAD_SIGNED_URL_SECONDS", 300),
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# E-mail: printed to the console unless EMAIL_URL names a server.
globals().update(email_settings(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Stoa <community@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Content Security Policy (Django's built-in support): no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # With uploads on an object store, signed URLs send images from its address.
    "img-src": [CSP.SELF, "data:", *env_list("STOA_UPLOAD_ORIGINS", [])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Celery: Redis when REDIS_URL is set; otherwise tasks run eagerly in the calling process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "stoa")
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE: dict = {
    "outbox-sweep": {"task": "community.outbox_sweep", "schedule": 60.0},
    # Badges that time earns (a year of membership), and a catch-up of every badge rule.
    "accounts-badges-sweep": {"task": "accounts.badges_sweep", "schedule": 6 * 3600.0},
    "notifications-send-due-email": {"task": "notifications.send_due_email", "schedule": 60.0},
    "notifications-daily-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(minute=0, hour=env_int("STOA_DIGEST_HOUR", 7)),
        "args": ("daily",),
    },
    "notifications-weekly-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(minute=0, hour=env_int("STOA_DIGEST_HOUR", 7), day_of_week="mon"),
        "args": ("weekly",),
    },
    "moderation-housekeeping": {"task": "moderation.housekeeping", "schedule": 300.0},
    "moderation-trust-levels": {"task": "moderation.recompute_trust_levels", "schedule": 3600.0},
    "forums-uploads-sweep": {"task": "forums.uploads_sweep", "schedule": 3600.0},
    # Hourly, so that visits (only the latest is kept on the account) are seen the same day.
    "insights-rollup-recent": {"task": "insights.rollup_recent", "schedule": 3600.0},
}

# Task modules that are not an app's tasks.py, which autodiscovery does not look for.
CELERY_IMPORTS = ["forums.uploads.tasks"]

# Stoa's own knobs.
STOA_SITE_NAME = env_str("STOA_SITE_NAME", "Stoa")
STOA_THREAD_PAGE_SIZE = 20
STOA_LIST_PAGE_SIZE = 25
STOA_POST_MAX_LENGTH = 50_000
STOA_TITLE_MAX_LENGTH = 200
STOA_AVATAR_MAX_BYTES = env_int("STOA_AVATAR_MAX_BYTES", 2_000_000)
STOA_AVATAR_MAX_PIXELS = env_int("STOA_AVATAR_MAX_PIXELS", 25_000_000)
STOA_VIEW_FLUSH_EVERY = 10

# Uploads (forums/uploads/, README "Uploads"). Images are judged by content; other files need
# an extension from this list and are always downloaded, never shown in the browser.
STOA_UPLOAD_MAX_BYTES = env_int("STOA_UPLOAD_MAX_BYTES", 8 * 1024 * 1024)  # ceiling for every level
STOA_UPLOAD_MAX_PIXELS = env_int("STOA_UPLOAD_MAX_PIXELS", 25_000_000)  # all frames together
STOA_UPLOAD_ALLOWED_EXTENSIONS = env_list(
    "STOA_UPLOAD_ALLOWED_EXTENSIONS", ["txt", "log", "pdf", "csv", "zip"]
)
# Per trust level: bytes per file (None: STOA_UPLOAD_MAX_BYTES), files per post, uploads per
# hour (None: no limit). Staff and moderators get level 4.
STOA_UPLOAD_LIMITS = {
    0: {"bytes": 2 * 1024 * 1024, "per_post": 3, "per_hour": 10},
    1: {"bytes": 4 * 1024 * 1024, "per_post": 6, "per_hour": 30},
    2: {"bytes": None, "per_post": 10, "per_hour": 60},
    3: {"bytes": None, "per_post": 20, "per_hour": 120},
    4: {"bytes": None, "per_post": 30, "per_hour": None},
}
STOA_UPLOAD_ORPHAN_HOURS = env_int("STOA_UPLOAD_ORPHAN_HOURS", 24)
STOA_UPLOAD_DISPLAY_SIZE = 1600  # longest side of the picture shown in a post
STOA_UPLOAD_THUMBNAIL_SIZE = 320
# Seconds a signed object-store URL lives; and, behind nginx, an internal location that
# serves STOA_UPLOAD_ROOT (X-Accel-Redirect), so Python never streams the bytes itself.
STOA_UPLOAD_SIGNED_URL_SECONDS = env_int("STOA_UPLOAD_SIGNED_URL_SECONDS", 300)
STOA_UPLOAD_ACCEL_REDIRECT = env_str("STOA_UPLOAD_ACCEL_REDIRECT")
# Visitors' pages are cached this long at most (community.pagecache); 0 turns it off.
STOA_ANON_CACHE_SECONDS = env_int("STOA_ANON_CACHE_SECONDS", 60)

# Notifications (notifications/, README "Notifications").
STOA_NOTIFICATION_BATCH_SIZE = env_int("STOA_NOTIFICATION_BATCH_SIZE", 1000)  # rows per INSERT
STOA_NOTIFICATIONS_PAGE_SIZE = 30
# Immediate mail waits this long, so several replies to one thread make one e-mail.
STOA_EMAIL_COLLAPSE_MINUTES = env_int("STOA_EMAIL_COLLAPSE_MINUTES", 3)
STOA_EMAIL_RETRY_BASE_SECONDS = 30  # then 60, 120, ... up to the maximum
STOA_EMAIL_RETRY_MAX_SECONDS = 3600
STOA_EMAIL_MAX_ATTEMPTS = 8
STOA_EMAIL_STALE_MINUTES = 15  # a delivery still pending this long after it was due: queue again

# Moderation (moderation/, README "Moderation"). Trust levels: 0 new, 1 basic, 2 member,
# 3 regular, 4 leader; staff and moderators are exempt from holds and limits.
STOA_PREMODERATION_FIRST_POSTS = env_int("STOA_PREMODERATION_FIRST_POSTS", 2)
STOA_PHONE_HOLD_BELOW_TRUST = 2
STOA_TRUST_LIMITS_ENABLED = True
# Per trust level; None means no limit.
STOA_TRUST_LIMITS = {
    0: {"links": 2, "images": 1, "mentions": 3, "posts_per_hour": 10},
    1: {"links": 5, "images": 5, "mentions": 6, "posts_per_hour": 30},
    2: {"links": 20, "images": 20, "mentions": 12, "posts_per_hour": 60},
    3: {"links": None, "images": None, "mentions": 20, "posts_per_hour": 120},
    4: {"links": None, "images": None, "mentions": None, "posts_per_hour": None},
}
# What each level needs, counted over the member's whole history. A member keeps a level
# only while the flags upheld against them stay at or under "max_flags_upheld".
STOA_TRUST_REQUIREMENTS = {
    1: {
        "days_visited": 1,
        "posts_read": 5,
        "replies": 0,
        "reactions_received": 0,
        "max_flags_upheld": 2,
    },
    2: {
        "days_visited": 5,
        "posts_read": 30,
        "replies": 3,
        "reactions_received": 1,
        "max_flags_upheld": 1,
    },
    3: {
        "days_visited": 20,
        "posts_read": 150,
        "replies": 15,
        "reactions_received": 10,
        "max_flags_upheld": 0,
    },
    4: {
        "days_visited": 60,
        "posts_read": 500,
        "replies": 60,
        "reactions_received": 50,
        "max_flags_upheld": 0,
    },
}
STOA_SPAM_THRESHOLD = float(env_str("STOA_SPAM_THRESHOLD", "1.0"))
# Extra checkers by dotted path (moderation/checkers.py); the local rules always run.
STOA_SPAM_CHECKERS = env_list("STOA_SPAM_CHECKERS", [])
STOA_AKISMET_KEY = env_str("STOA_AKISMET_KEY")
STOA_AKISMET_URL = env_str("STOA_AKISMET_URL")
STOA_SPAM_CHECKER_TIMEOUT = 3.0
# Phrases that sell contact data, matched as regular expressions (case-insensitive).
STOA_SPAM_BROKER_PATTERNS = [
    r"\b(?:phone|mobile|cell ?phone|whats ?app|telegram|email|e-mail|contact)\s+"
    r"(?:number\s+)?(?:list|lists|database|data ?base|leads|data)\b",
    r"\btelegram\s+(?:data|users?\s+data|database)\b",
    r"\b(?:buy|purchase|download)\s+(?:\w+\s+){0,3}(?:leads|database|email list|data ?set)\b",
    r"\b(?:b2b|b2c|consumer|country[- ]wise)\s+(?:\w+\s+)?(?:leads|data|database|list)\b",
    r"\bmailing lists? for sale\b",
]
# Link domains never counted against a post (the vendor's own sites, for example).
STOA_SPAM_SAFE_DOMAINS = env_list("STOA_SPAM_SAFE_DOMAINS", [])
STOA_FLAG_WEIGHTS = {0: 0.5, 1: 1.0, 2: 1.0, 3: 1.5, 4: 2.0}
STOA_FLAG_HIDE_WEIGHT = 3.0
STOA_FLAGS_PER_HOUR = 10
STOA_MOD_REMIND_AFTER_MINUTES = env_int("STOA_MOD_REMIND_AFTER_MINUTES", 60)
STOA_MOD_QUEUE_PAGE_SIZE = 20
STOA_MOD_LOG_PAGE_SIZE = 50
# Insights (/insights/): questions unanswered this long are on the action list; the beat
# refreshes question and flag facts this many days back; a newly followed term has its
# mentions counted this many days back; a dashboard period spans at most this many days.
STOA_INSIGHTS_UNANSWERED_HOURS = env_int("STOA_INSIGHTS_UNANSWERED_HOURS", 48)
STOA_INSIGHTS_FACTS_DAYS = env_int("STOA_INSIGHTS_FACTS_DAYS", 30)
STOA_INSIGHTS_TERM_BACKFILL_DAYS = env_int("STOA_INSIGHTS_TERM_BACKFILL_DAYS", 90)
STOA_INSIGHTS_MAX_DAYS = 731

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# WhiteNoise serves files straight from the app folders while developing.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
