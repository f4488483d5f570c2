"""Test settings: the real settings, with static files found without collectstatic, a
cheaper Argon2 for passwords and, on PostgreSQL, a flush that passes the audit tables'
TRUNCATE triggers (tests/postgresql/)."""

from django.contrib.auth.hashers import Argon2PasswordHasher

from backontrack.settings import *  # noqa: F403
from backontrack.settings import DATABASES, PASSWORD_HASHERS, STORAGES


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    """Still Argon2 (hashes start with "argon2", as in production), with the smallest cost:
    the real parameters take ~0.2 s per sign-in, and the suite signs in hundreds of times.
    The commands run as subprocesses in tests/test_commands.py use the real settings."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1


PASSWORD_HASHERS = ["tests.settings.CheapArgon2PasswordHasher", *PASSWORD_HASHERS[1:]]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Production's backend with a flush that passes the audit tables' TRUNCATE triggers.
    DATABASES["default"]["ENGINE"] = "tests.postgresql"
