"""Production settings for the test suite, with two exceptions that need no deployment.

Static files come from the source folders (no collectstatic before a test run), and plain
HTTP is not redirected, since the test client and the live server speak HTTP.
"""

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
