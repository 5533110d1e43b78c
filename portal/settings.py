"""Settings for the entry-policy portal: one module, driven by the environment.

Every variable is documented in README.md ("Configuration"). Malformed values
fail at import with ImproperlyConfigured; values that parse but make no sense
together are reported by the system checks in ``portal/checks.py``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Only for development; portal.checks refuses it whenever DEBUG is false.
INSECURE_DEV_SECRET_KEY = "insecure-development-key-do-not-use-in-production"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The place being entered, as a GB/T 2260 province code (Beijing by default).
PORTAL_JURISDICTION = env.str("PORTAL_JURISDICTION", default="110000")
# Public base URL used for links in emails (status pages).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
ADMIN_PATH = env.str("ADMIN_PATH", default="admin/").strip("/") + "/"

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
    "simple_history",
    "portal.axes_app.LoginProtectionConfig",  # django-axes
    "portal",
    "policies",
    "travellers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.content_security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if str(DATABASES["default"].get("NAME", "")).startswith(str(VAR_DIR)):
    # SQLite creates the database file, not its folder: a fresh checkout's first
    # `manage.py migrate` (without `make run`, which makes it) stopped at "unable to open
    # database file".
    VAR_DIR.mkdir(exist_ok=True)
# Persistent connections: a new PostgreSQL connection (a forked server process) per
# request or per Celery task would cost more than most of them do.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Only the few statements run through portal.bulk_writes' server-bound cursor (a
    # submit's read and write, a chunk's key reservation) are prepared, the fifth time a
    # connection runs them;
    # Django's own cursors bind on the client and never are. Turn off behind a pooler
    # in transaction mode that does not keep prepared statements (PgBouncer < 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "prepare_threshold", 5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (live-server tests, eager tasks) share the file: wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://portal")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same backend, keeping its redis-py client: see portal/redis_cache.py.
    CACHES["default"]["BACKEND"] = "portal.redis_cache.RedisCache"

# The lockout check runs before the password check (django-axes); see portal/axes_backend.py.
AUTHENTICATION_BACKENDS = [
    "portal.axes_backend.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Staff logins: after AXES_FAILURE_LIMIT failures for one username from one IP, that pair
# is locked for AXES_COOLOFF_MINUTES; a successful login resets the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client's address behind NUM_PROXIES proxies (REST_FRAMEWORK below), not the proxy's.
AXES_CLIENT_IP_CALLABLE = "portal.axes_backend.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Email: by default every message is written as a file under var/mail/. django-environ
# reads a filemail URL's path without its first slash (filemail:///var/mail is
# "var/mail"): such a relative path is the project folder's, not the working directory's.
_email = env.email_url("EMAIL_URL", default="filemail:///var/mail")
if "EMAIL_FILE_PATH" in _email:
    _email["EMAIL_FILE_PATH"] = str(BASE_DIR / _email["EMAIL_FILE_PATH"])
vars().update(_email)
# Seconds an SMTP connection or reply may take. Django waits for ever by default: a relay
# that took the connection and never answered held a worker process for good, and with
# it every task queued behind (re-evaluations too). A timeout is a temporary failure,
# retried as a refused connection is.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="entry-policy@portal.invalid")

# Celery: without a broker every task runs eagerly, in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Eager tasks never reach a broker; naming an in-memory one keeps kombu from logging
    # that it fell back to an AMQP server on localhost.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = env.bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it finished, and redelivered if its worker died.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection after each task unless this is
# set: a new PostgreSQL connection per notice cost more than the notice. Connections
# are still recycled after 2 x this many tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=500)
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages whose worker died (kombu scans every
    # interval x throttle seconds, 100 s by default): short timeouts get short sweeps.
    "unacked_restore_interval": min(10, max(1, CELERY_BROKER_VISIBILITY_TIMEOUT // 5)),
    "unacked_restore_throttle": 1 if CELERY_BROKER_VISIBILITY_TIMEOUT < 600 else 10,
    # Saving risk data must not hang on a dead broker: give up fast, the sweep catches up.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Notices a web process enqueues wait this long for others and go out together, at most
# this many per task (portal.batched_publish); 0 publishes each in its request.
NOTICE_PUBLISH_WINDOW_MS = env.int("NOTICE_PUBLISH_WINDOW_MS", default=50)
NOTICE_PUBLISH_MAX_BATCH = env.int("NOTICE_PUBLISH_MAX_BATCH", default=20)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Re-evaluation pipeline (travellers.reevaluation). Beat runs the sweep, which enqueues
# whatever a dead broker or a lost message left behind, and the daily review.
CELERY_BEAT_SCHEDULE = {
    "sweep-changes": {"task": "travellers.sweep_changes", "schedule": 60.0},
    "daily-review": {
        "task": "travellers.daily_review",
        "schedule": crontab(minute=5, hour=0),  # Asia/Shanghai (CELERY_TIMEZONE)
    },
}
# A change that would alter more answers than this is held for a staff member.
REEVALUATION_HOLD_THRESHOLD = env.int("REEVALUATION_HOLD_THRESHOLD", default=5000)
# Declarations per chunk task: one policy and risk snapshot, one transaction each.
REEVALUATION_CHUNK_SIZE = env.int("REEVALUATION_CHUNK_SIZE", default=2000)
# Seconds after which the sweep enqueues again a chunk or notice not yet done.
REEVALUATION_REQUEUE_AFTER = env.int("REEVALUATION_REQUEUE_AFTER", default=600)
# Change notices per delivery task: a run's notices go out in tasks of this many.
NOTICE_BATCH_SIZE = env.int("NOTICE_BATCH_SIZE", default=100)

# A citizen's form draft and access to their declaration in this browser end this long
# after their last step (travellers.views._keep_briefly); staff sessions keep Django's.
CITIZEN_SESSION_IDLE_MINUTES = env.int("CITIZEN_SESSION_IDLE_MINUTES", default=30)

THROTTLE_RATES = {
    "evaluate": "120/min",
    "submit": "20/hour",
    "lookup": "30/hour",
    "lookup_reference": "10/hour",
    # Per staff account: the full mobile numbers one worker may open (admin button).
    "reveal_contact": "60/hour",
    **env.dict("THROTTLE_RATES", default={}),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": [
        "policies.api.parsers.LocalisedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    # Proxies in front of the portal that append to X-Forwarded-For. 0: the header is
    # ignored and the client is REMOTE_ADDR, so a client cannot pick its own throttle key.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "policies.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Entry-policy portal API",
    "DESCRIPTION": "Evaluate travel declarations against the policy in force; read risk data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served by the portal itself: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The request fields take bare codes, the staff read-outs carry the model's labels:
    # two choice sets per field name, each named here instead of by a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "IdTypeEnum": "travellers.identity.ID_TYPES",
        "HealthCodeEnum": "policies.engine.types.HEALTH_CODES",
        "ContactStatusEnum": "policies.engine.types.CONTACT_STATUSES",
        "DeclarationKindCodeEnum": "policies.engine.types.DECLARATION_KINDS",
        "StaffIdTypeEnum": "travellers.models.IdType",
        "StaffHealthCodeEnum": "travellers.models.HealthCode",
        "StaffContactStatusEnum": "travellers.models.ContactStatus",
        "FollowUpStatusEnum": "travellers.models.FollowUpStatus",
    },
}

# Personal data at rest (identity and phone numbers). The development default is
# derived from SECRET_KEY; production sets its own key.
PII_ENCRYPTION_KEY = env.str("PII_ENCRYPTION_KEY", default="")
# Earlier encryption keys, still read while rows are re-encrypted after a rotation.
PII_ENCRYPTION_OLD_KEYS = env.list("PII_ENCRYPTION_OLD_KEYS", default=[])
# Secret of the keyed hashes used to match numbers; empty: derived from the key above.
PII_HASH_KEY = env.str("PII_HASH_KEY", default="")

SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS on every https answer: without it a citizen's first plain-http visit (a typed
# address, an old link) can be intercepted before the proxy redirects it. Off in
# development, where a browser would remember it for localhost.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
# portal.content_security; empty turns the header off.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)
X_FRAME_OPTIONS = "DENY"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own console handler (under DEBUG) printed every 4xx a second time beside
    # the root's: the django loggers go through the root only.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}

if not PORTAL_JURISDICTION.isdigit() or len(PORTAL_JURISDICTION) != 6:
    raise ImproperlyConfigured(
        f"PORTAL_JURISDICTION must be a six-digit GB/T 2260 code, got {PORTAL_JURISDICTION!r}."
    )
