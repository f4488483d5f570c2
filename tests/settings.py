"""Test settings: the real settings, with static files found without collectstatic and, on
PostgreSQL, a flush that passes the audit tables' TRUNCATE triggers (tests/postgresql/)."""

from backontrack.settings import *  # noqa: F403
from backontrack.settings import DATABASES, STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Production's backend with a flush that passes the audit tables' TRUNCATE triggers.
    DATABASES["default"]["ENGINE"] = "tests.postgresql"
