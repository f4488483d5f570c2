"""The one settings module. Everything that differs between machines comes from the environment.

See README.md "Configuration" for the variables and their defaults.
"""

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (for container secrets)."""
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return None


VAR_DIR = Path(os.environ.get("BACKONTRACK_VAR_DIR", BASE_DIR / "var"))


def _local_secret_key() -> str:
    # Without SECRET_KEY (a demo or a developer's machine) the key is generated once and kept in
    # var/, readable by the owner only, so sessions survive restarts and nothing is committed.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret-key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = env_secret("SECRET_KEY") or _local_secret_key()
DEBUG = env_bool("BACKONTRACK_DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "backontrack.core",
    "backontrack.accounts",
    "backontrack.audit",
    "backontrack.programmes",
    "backontrack.mentees",
    "backontrack.referrals",
    "backontrack.mentors",
    "backontrack.mentorships",
    "backontrack.network",
    "backontrack.reviews",
    "backontrack.concerns",
    "backontrack.lessons",
    "backontrack.evaluation",
    "backontrack.supervision",
    "backontrack.disclosures",
    "backontrack.workinggroup",
    "backontrack.api",
    "backontrack.home",
    "backontrack.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "backontrack.audit.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "backontrack.accounts.middleware.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backontrack.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backontrack.urls"
WSGI_APPLICATION = "backontrack.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backontrack.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "backontrack.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("BACKONTRACK_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE avoids "database is locked"
        # upgrades in the middle of a write transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Audit checkpoints ----------------------------------------------------------------------
# Signed copies of the audit chain's head, kept where the database's owner cannot rewrite them
# (see docs/guide/auditing.md). An empty value turns that destination off.
BACKONTRACK_AUDIT_CHECKPOINT_FILE = os.environ.get(
    "BACKONTRACK_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.log")
)
BACKONTRACK_AUDIT_CHECKPOINT_SYSLOG = os.environ.get("BACKONTRACK_AUDIT_CHECKPOINT_SYSLOG", "")

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "backontrack.accounts.backends.AccountBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "signin"
LOGIN_REDIRECT_URL = "home"

# Lockout after repeated failures, keyed on the pair of user name and address, so that one
# attacker cannot lock every account and one account is not guessed from many places unnoticed.
AXES_FAILURE_LIMIT = int(os.environ.get("BACKONTRACK_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("BACKONTRACK_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_LOCKOUT_CALLABLE = "backontrack.accounts.views.locked_out"
AXES_VERBOSE = False
# A failure during a lockout does not restart it: otherwise one request every 29 minutes
# would keep a colleague locked out for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "current_password"]
AXES_CLIENT_IP_CALLABLE = "backontrack.core.client_address.client_address"
BACKONTRACK_PROXY_COUNT = int(os.environ.get("BACKONTRACK_PROXY_COUNT", "0"))

OTP_TOTP_ISSUER = "Back on Track"
# A pending sign-in (password accepted, code not yet given) lasts this long.
BACKONTRACK_PENDING_SIGNIN_SECONDS = 300

# Referrals waiting longer than this stand out in the coordinator's inbox.
BACKONTRACK_REFERRAL_WAIT_DAYS = int(os.environ.get("BACKONTRACK_REFERRAL_WAIT_DAYS", "14"))
# A mentorship with no meeting held for this many days stands out (in custody; aftercare).
BACKONTRACK_NO_MEETING_DAYS = int(os.environ.get("BACKONTRACK_NO_MEETING_DAYS", "14"))
BACKONTRACK_NO_MEETING_DAYS_AFTERCARE = int(
    os.environ.get("BACKONTRACK_NO_MEETING_DAYS_AFTERCARE", "7")
)
# An expected release this close is flagged to the coordinator and the mentor.
BACKONTRACK_RELEASE_ALERT_DAYS = int(os.environ.get("BACKONTRACK_RELEASE_ALERT_DAYS", "30"))
# A release this close needs a re-entry plan; this close, secured housing (else an alert).
BACKONTRACK_REENTRY_PLAN_ALERT_DAYS = int(
    os.environ.get("BACKONTRACK_REENTRY_PLAN_ALERT_DAYS", "90")
)
BACKONTRACK_HOUSING_ALERT_DAYS = int(os.environ.get("BACKONTRACK_HOUSING_ALERT_DAYS", "30"))
# Progress reviews fall due this many months apart (after the intake review).
BACKONTRACK_REVIEW_MONTHS = int(os.environ.get("BACKONTRACK_REVIEW_MONTHS", "6"))
# Confirmed and discarded pool drafts are removed this many days after they closed.
BACKONTRACK_POOL_DRAFT_DAYS = int(os.environ.get("BACKONTRACK_POOL_DRAFT_DAYS", "30"))
# A proposed mentorship not activated after this many days is flagged.
BACKONTRACK_ACTIVATION_DAYS = int(os.environ.get("BACKONTRACK_ACTIVATION_DAYS", "7"))

# A mentor not supervised by their coach for this many days is overdue (a programme's default).
BACKONTRACK_SUPERVISION_DAYS = int(os.environ.get("BACKONTRACK_SUPERVISION_DAYS", "14"))

# Concerns: whom to call in immediate danger (the system is no emergency channel) and the
# agencies a concern can be escalated to. Each is a JSON list of [label, number] or
# [code, name] pairs to replace the Danish defaults for an installation.
BACKONTRACK_EMERGENCY_CALLS = json.loads(os.environ.get("BACKONTRACK_EMERGENCY_CALLS", "null")) or [
    (_("Police, in immediate danger"), "112"),
    (_("The institution's duty officer (vagthavende)"), _("the institution's switchboard")),
    (_("Police, when it is not urgent"), "114"),
]
BACKONTRACK_AGENCY_ROUTES = json.loads(os.environ.get("BACKONTRACK_AGENCY_ROUTES", "null")) or [
    ("police", _("The police")),
    ("security_service", _("The security and intelligence service (PET)")),
    ("prison_security", _("The prison's security department")),
    ("social_services", _("The municipality's social services")),
    ("health", _("Health services")),
]

# E-mail for alerts (send-alerts): printed to the console unless an SMTP server is set.
EMAIL_BACKEND = os.environ.get(
    "BACKONTRACK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("BACKONTRACK_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("BACKONTRACK_EMAIL_PORT", "25"))
EMAIL_USE_TLS = env_bool("BACKONTRACK_EMAIL_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("BACKONTRACK_EMAIL_FROM", "backontrack@localhost")
BACKONTRACK_BASE_URL = os.environ.get("BACKONTRACK_BASE_URL", "http://127.0.0.1:8000")
# A sign-in link (new account, or after a reset) works once, for this many hours.
BACKONTRACK_SIGNIN_LINK_HOURS = int(os.environ.get("BACKONTRACK_SIGNIN_LINK_HOURS", "72"))
# A sentenced person's mentorship enters re-entry this many days before the expected release.
BACKONTRACK_RE_ENTRY_DAYS = int(os.environ.get("BACKONTRACK_RE_ENTRY_DAYS", "90"))
# Screening checks and training sign-offs that run out within this many days are flagged.
BACKONTRACK_EXPIRY_WARNING_DAYS = int(os.environ.get("BACKONTRACK_EXPIRY_WARNING_DAYS", "60"))
# The legal bases a disclosure may name (backontrack/disclosures/legal_bases.py, decision
# 0024): empty for the Danish defaults, else codes of the defaults or `code=Label` entries,
# separated by semicolons. A disclosure is approved for at most this many days.
BACKONTRACK_DISCLOSURE_LEGAL_BASES = [
    item.strip()
    for item in os.environ.get("BACKONTRACK_DISCLOSURE_LEGAL_BASES", "").split(";")
    if item.strip()
]
BACKONTRACK_DISCLOSURE_MAX_DAYS = int(os.environ.get("BACKONTRACK_DISCLOSURE_MAX_DAYS", "365"))

# --- Sessions -------------------------------------------------------------------------------
BACKONTRACK_SESSION_IDLE_MINUTES = int(os.environ.get("BACKONTRACK_SESSION_IDLE_MINUTES", "15"))
BACKONTRACK_SESSION_MAX_HOURS = float(os.environ.get("BACKONTRACK_SESSION_MAX_HOURS", "8"))
SESSION_COOKIE_AGE = int(BACKONTRACK_SESSION_MAX_HOURS * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "backontrack_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "backontrack.core.views.csrf_failure"
# Messages name people ("Karim S. is registered"): keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Transport security ---------------------------------------------------------------------
# Behind TLS (every real deployment) set BACKONTRACK_HTTPS=true: secure cookies, HSTS and a
# redirect to https. The demo serves plain http on the loopback address and leaves them off.
HTTPS = env_bool("BACKONTRACK_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if BACKONTRACK_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("da", _("Danish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["backontrack.formats"]
LANGUAGE_COOKIE_NAME = "backontrack_language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS
TIME_ZONE = os.environ.get("BACKONTRACK_TIME_ZONE", "Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

# --- The API (docs/guide/api.md) ---------------------------------------------------------------
# Calls per person across their tokens, and failed bearer secrets per client address, in a
# window (calls/s, /m or /h), counted in the database so every app server shares the count.
BACKONTRACK_API_RATE = os.environ.get("BACKONTRACK_API_RATE", "300/m")
BACKONTRACK_API_FAILED_RATE = os.environ.get("BACKONTRACK_API_FAILED_RATE", "20/m")
# Tokens that still work one person may hold at once.
BACKONTRACK_API_MAX_TOKENS = int(os.environ.get("BACKONTRACK_API_MAX_TOKENS", "10"))

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = Path(os.environ.get("BACKONTRACK_NODE_MODULES", BASE_DIR / "node_modules"))
STATICFILES_DIRS = [PACKAGE_DIR / "static", ("dkfds", NODE_MODULES / "dkfds" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BACKONTRACK_LOG_LEVEL", "INFO")},
    "loggers": {
        # Axes logs user names and addresses of failed sign-ins at INFO; the audit trail is
        # the place for those, not the server log.
        "axes": {"level": "WARNING"},
    },
}
