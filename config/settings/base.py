"""Tenderleaf settings, read from the environment.

Every setting that differs between a laptop, CI and production comes from an environment variable
here; ``test`` and ``production`` only override. The embedded defaults (a SQLite file and Celery's
file-system broker under ``var/``) let the demo run with no server installed.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("TENDERLEAF_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# A fixed development key keeps the demo working out of the box; production.py refuses it.
DEV_SECRET_KEY = "tenderleaf-development-key-not-for-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

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
    "django_celery_beat",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "assurance",
    "vendors",
    "procurement",
    "contracts",
    "scope3",
    "reminders",
    "reconciliation",
    "operations",
    "targets",
    "tenderleaf",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files need no policy; every page and API answer gets one.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The second factor (docs/domain.md, "Sign-in and security"): django-otp marks verified
    # sessions; ours end idle or old sessions and keep unverified staff on the code step.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecurityContextMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    # Single sign-on sessions end with the provider's, and count the provider's MFA (no-op for
    # every other session).
    "accounts.oidc.middleware.ProviderSessionMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "assurance.middleware.RequestIdMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last so that it sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
            # {% load numbers %} in every app's templates: the filters sit beside config.numbers,
            # below every app (docs/architecture.md).
            "libraries": {"numbers": "config.templatetags.numbers"},
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tenderleaf.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat use the file at the same time. In WAL mode
    # synchronous=NORMAL is SQLite's recommended setting: a commit survives a killed process
    # (what the reminder sweep and the outbox rely on) and the file is never corrupted; only a
    # power cut may lose the last commits. FULL would fsync every commit, which made the sweep's
    # one-update-per-send record ~7 ms a reminder.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Acts only on a single sign-on callback, and only when OIDC is configured (below).
    "accounts.oidc.backend.OIDCBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Single sign-on for staff with OpenID Connect (README, "Single sign-on for staff"). Off unless
# the issuer, the client id and its secret are all set; the endpoints are discovered from the
# issuer. The password sign-in stays for vendors and for a break-glass superuser either way.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_ENABLED = bool(OIDC_ISSUER and OIDC_CLIENT_ID and OIDC_CLIENT_SECRET)
# The button says "Sign in with <this>".
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your organisation's account")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
# The claim that lists the person's groups, and which group gives which role: "group=role,..."
# with a role by name (officer, evaluator, analyst, auditor) or by group (assurance/roles.py).
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_GROUP_ROLES = env.dict("OIDC_GROUP_ROLES", default={})
# First sign-in creates the user only when this is on and the e-mail's domain is listed.
OIDC_CREATE_USERS = env.bool("OIDC_CREATE_USERS", default=False)
OIDC_ALLOWED_DOMAINS = env.list("OIDC_ALLOWED_DOMAINS", default=[])
# The provider performed MFA when the ID token's amr lists one of these, or its acr is one of
# these; then Tenderleaf's own one-time code is not asked. Otherwise it still is.
OIDC_MFA_AMR = env.list("OIDC_MFA_AMR", default=["mfa"])
OIDC_MFA_ACR = env.list("OIDC_MFA_ACR", default=[])
# How far the clocks of Tenderleaf and the provider may differ when exp and iat are checked.
OIDC_CLOCK_SKEW_SECONDS = env.int("OIDC_CLOCK_SKEW_SECONDS", default=60)
OIDC_TIMEOUT_SECONDS = env.int("OIDC_TIMEOUT_SECONDS", default=10)
OIDC_DISCOVERY_CACHE_SECONDS = env.int("OIDC_DISCOVERY_CACHE_SECONDS", default=60 * 60)

# Brute-force protection: lock a username from one address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/lockout.html"
# No start-up banner on every command; lock-outs and failures still reach the security log.
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "German"), ("fr", "French")]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# docs/samples/ (a sample file for every import) is served as static/samples/, so each upload
# page links to its example; collectstatic copies it like the rest (docs/samples/README.md).
STATICFILES_DIRS = [BASE_DIR / "static", ("samples", BASE_DIR / "docs" / "samples")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Public uploads are not used; evidence lives in EVIDENCE_ROOT, outside any served URL.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(MEDIA_ROOT.parent / "evidence")))
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Tenderleaf <noreply@tenderleaf.invalid>"
)

# Celery: Redis when REDIS_URL is set, otherwise the file-system broker so that a separate worker
# really consumes tasks on a laptop with no server installed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Without this kombu keeps its exchange tables in ./control, relative to the working dir.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = env.str(
        "CELERY_RESULT_BACKEND", default=f"file://{VAR_DIR / 'results'}"
    )
    # kombu's file-system transport and Celery's file result backend fail on missing folders.
    # Every process (web, worker, beat, shell, tests) loads settings before it sends or consumes,
    # so creating them here covers producers that never configure a worker.
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    if CELERY_RESULT_BACKEND.startswith("file://"):
        Path(CELERY_RESULT_BACKEND.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or CELERY_BROKER_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
# A task is acknowledged after it finishes, so work in flight when a worker dies is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Periodic schedules are PeriodicTask rows created by each app's data migrations, never a
# CELERY_BEAT_SCHEDULE here: beat writes that setting over its rows at every start, which would undo
# an administrator's change made in the admin (docs/architecture.md, "Tasks and schedules").
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Keep retrying the broker at worker start (Redis may come up after the worker), as Celery 5 did.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message redelivered more often than this (its worker died each time) is dropped and recorded
# as a task failure instead of killing workers for ever (config/celery.py, TenderleafTask).
CELERY_TASK_MAX_REDELIVERIES = env.int("CELERY_TASK_MAX_REDELIVERIES", default=3)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.openapi.TenderleafAutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tenderleaf API",
    "DESCRIPTION": "Procurement and vendor sustainability management.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page is served from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the inventory run's uncertainty choices, used by the run and its start form.
    "ENUM_NAME_OVERRIDES": {"RunUncertaintyEnum": "scope3.models.InventoryRun.Uncertainty"},
}

# Spend ledger imports: the command reads local files up to the first limit, uploads (admin, API)
# are refused above the second before they are read.
SPEND_IMPORT_MAX_BYTES = env.int("SPEND_IMPORT_MAX_BYTES", default=200 * 1024 * 1024)
SPEND_UPLOAD_MAX_BYTES = env.int("SPEND_UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)

# Scope 3 inventory runs: lines per chunk task, and after how long a chunk claimed by a worker that
# stopped answering may be claimed by another.
SCOPE3_CHUNK_LINES = env.int("SCOPE3_CHUNK_LINES", default=5000)
SCOPE3_STALE_SECONDS = env.int("SCOPE3_STALE_SECONDS", default=900)

# Vendor uploads: PACT product footprints and bulk disclosure files.
PACT_MAX_BYTES = env.int("PACT_MAX_BYTES", default=5 * 1024 * 1024)
PACT_MAX_DEPTH = env.int("PACT_MAX_DEPTH", default=64)
DISCLOSURE_UPLOAD_MAX_BYTES = env.int("DISCLOSURE_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
DISCLOSURE_UPLOAD_MAX_ROWS = env.int("DISCLOSURE_UPLOAD_MAX_ROWS", default=10_000)

# Contracts: days after a KPI reporting period ends by which its report is due.
KPI_REPORT_DUE_DAYS = env.int("KPI_REPORT_DUE_DAYS", default=30)

# Reminders (docs/domain.md, "Reminders"): cadences in days, and how often a failed send is retried
# by later sweeps.
REMINDER_DISCLOSURE_DAYS_AFTER_SENT = [7, 14]
REMINDER_DISCLOSURE_DAYS_BEFORE_DUE = 3
REMINDER_CERTIFICATE_DAYS_BEFORE_EXPIRY = [90, 30, 7]
# A valid ISO 14001 certificate whose last audit (its issue, or a later audit of the vendor) is
# older than this is "surveillance overdue": ISO/IEC 17021-1 asks for a surveillance audit yearly.
REMINDER_ISO14001_SURVEILLANCE_MONTHS = env.int("REMINDER_ISO14001_SURVEILLANCE_MONTHS", default=12)
# KPI reports: a reminder this many days before the due date, one on it, escalation the day after.
REMINDER_KPI_DAYS_BEFORE_DUE = env.int("REMINDER_KPI_DAYS_BEFORE_DUE", default=7)
# Invited vendors without a submitted bid: reminders this many days before the RFP deadline.
REMINDER_RFP_DAYS_BEFORE_DEADLINE = env.list(
    "REMINDER_RFP_DAYS_BEFORE_DEADLINE", cast=int, default=[3, 1]
)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
# A pending reminder claimed longer ago than this belongs to a sweep whose worker died; a later
# sweep takes it over (see reminders/services.py for the exact guarantee).
REMINDER_CLAIM_TIMEOUT_SECONDS = env.int("REMINDER_CLAIM_TIMEOUT_SECONDS", default=900)

# Transactional outbox (operations): how long a claimed message is left to its consumer, how long
# a published message may wait for one before the sweeper publishes it again, and how many sends
# are tried before the message is marked failed on the attention dashboard.
OUTBOX_CLAIM_TIMEOUT_SECONDS = env.int("OUTBOX_CLAIM_TIMEOUT_SECONDS", default=300)
OUTBOX_REPUBLISH_SECONDS = env.int("OUTBOX_REPUBLISH_SECONDS", default=900)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# Send outbox emails in the committing process (falling back to the broker when that fails)
# instead of handing them to a worker: for tests and single-process set-ups without a worker.
OUTBOX_DELIVER_INLINE = env.bool("OUTBOX_DELIVER_INLINE", default=False)

# Reconciliation (docs/domain.md, "Reconciliation"): an accepted disclosure's Scope 1+2 intensity is
# flagged outside LOW..HIGH times the spend-based estimate of its sector; vendors whose yearly spend
# (USD) is above the threshold need a contract; ledger and asset-inventory hardware quantities may
# differ by the larger of the units and the percentage; a dismissed flag reopens when its figure
# moves by more than the material-change percentage.
RECONCILIATION_INTENSITY_LOW = env.str("RECONCILIATION_INTENSITY_LOW", default="0.2")
RECONCILIATION_INTENSITY_HIGH = env.str("RECONCILIATION_INTENSITY_HIGH", default="5")
RECONCILIATION_SPEND_THRESHOLD = env.str("RECONCILIATION_SPEND_THRESHOLD", default="100000")
RECONCILIATION_ASSET_TOLERANCE_UNITS = env.int("RECONCILIATION_ASSET_TOLERANCE_UNITS", default=0)
RECONCILIATION_ASSET_TOLERANCE_PCT = env.str("RECONCILIATION_ASSET_TOLERANCE_PCT", default="5")
RECONCILIATION_MATERIAL_CHANGE_PCT = env.str("RECONCILIATION_MATERIAL_CHANGE_PCT", default="10")
# IT asset inventory files (CSV): largest file and most rows accepted, by the admin and the command.
ASSET_IMPORT_MAX_BYTES = env.int("ASSET_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# The SBTi list of companies taking action (manage.py import_sbti): a few MB as published.
SBTI_IMPORT_MAX_BYTES = env.int("SBTI_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
ASSET_IMPORT_MAX_ROWS = env.int("ASSET_IMPORT_MAX_ROWS", default=100_000)

# Vendor invitations: a one-time link that expires.
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)

# The account that history records and audit events name when a task or command acts.
SYSTEM_USERNAME = "tenderleaf-system"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
# Sessions also end after this long without a request (staff sooner: their sessions reach every
# vendor's data) and, whatever the activity, this long after sign-in (accounts.middleware).
SESSION_IDLE_TIMEOUT_STAFF = env.int("SESSION_IDLE_TIMEOUT_STAFF", default=30 * 60)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=2 * 60 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
# Staff confirm a one-time code after their password (accounts); this many wrong codes in a row
# sign them out.
MFA_MAX_FAILURES = env.int("MFA_MAX_FAILURES", default=5)
OTP_TOTP_ISSUER = "Tenderleaf"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content Security Policy (django-csp): only our own origin, no inline script or style. The few
# inline blocks that must stay carry the per-request nonce (``request.csp_nonce``), which is added
# to the header only on responses that used it. CSP_REPORT_ONLY=true sends the same policy as
# Content-Security-Policy-Report-Only, to watch what it would block before enforcing it;
# CSP_REPORT_URI names where browsers send their violation reports.
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    # data: for the small SVG icons that Django's admin and Swagger UI embed in their CSS.
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "frame-ancestors": [NONE],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
}
if env.str("CSP_REPORT_URI", default=""):
    _CSP_DIRECTIVES["report-uri"] = env.str("CSP_REPORT_URI")
# Not a setting named CSP_REPORT_ONLY: django-csp 4 refuses its 3.x settings of that name.
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None

# Security events (failed sign-ins, lock-outs, MFA failures, 404s on another vendor's objects,
# refused uploads) are JSON lines on stdout, and also in SECURITY_LOG_FILE when it is set.
SECURITY_LOG_FILE = env.str("SECURITY_LOG_FILE", default="")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "accounts.security.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "tenderleaf.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        # Library chatter stays out of command output; their warnings and errors still show.
        "axes": {"level": env.str("AXES_LOG_LEVEL", default="WARNING")},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The file-system broker has no host by design; kombu warns "No hostname was supplied" each
    # time a command sends a task. Its connection errors still show.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}
if SECURITY_LOG_FILE:
    LOGGING["handlers"]["security_file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "formatter": "json",
        "filename": SECURITY_LOG_FILE,
    }
    LOGGING["loggers"]["tenderleaf.security"]["handlers"].append("security_file")
