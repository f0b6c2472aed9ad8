"""Test settings: the base settings with fast hashing and captured email."""

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Outbox notifications are delivered in the committing process, so tests see them in mail.outbox;
# the live-worker and broker-down tests turn this off to exercise the broker path.
OUTBOX_DELIVER_INLINE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a live Celery worker process can open the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
# Tests never run collectstatic; serve from the finders instead of warning about STATIC_ROOT.
WHITENOISE_AUTOREFRESH = True
