"""Production settings for the test suite, with two exceptions that need no deployment.

Static files come from the source folders (no collectstatic before a test run), and plain
HTTP is not redirected, since the test client and the live server speak HTTP.
"""

import os
import tempfile
from pathlib import Path

from portal.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SECURE_SSL_REDIRECT = False

# Hashing a password as in production takes a good part of a second; tests make many.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# On SQLite, a test database in a temporary file rather than Django's shared in-memory one: the
# live server's request threads then open and close connections of their own, whereas a
# connection to an in-memory database ignores close() and is left for the garbage collector,
# which reports it as an unclosed database (an error here, with warnings as errors).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"portal-tests-{os.getpid()}.sqlite3")
    }

# Background work runs at once, inside the request that asks for it, so that a test sees its
# result there; tests/rapportages/test_publishing_jobs.py runs the real worker against the
# database queue.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# The app server's local copies of published editions (rapportages/serving.py): a folder of this
# test run's own.
EDITIE_CACHE_DIR = tempfile.mkdtemp(prefix="portal-test-edities-")

# The open data's throttle counts every request per address; a test of many requests (the walk
# of every address) would be refused after the first minute's worth. tests/portal/test_api.py
# sets a low limit where it tests the throttle.
API_RATE_LIMIT = "100000/minute"
