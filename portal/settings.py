"""Settings for the Passende zorg portal.

Production differs from development only by its environment:
DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS and the EMAIL_* variables.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY moet gezet zijn als DEBUG uit staat.")
    SECRET_KEY = "django-insecure-alleen-voor-ontwikkeling-niet-in-productie-gebruiken"

# The public address, for links in documents made without a request (the report PDFs).
PORTAAL_URL = os.environ.get("PORTAAL_URL", "http://127.0.0.1:8000/")
# Where an app server keeps its copies of published editions (rapportages/serving.py): a local
# cache, named by checksum, that may be emptied at any time; empty means the system's temp folder.
EDITIE_CACHE_DIR = os.environ.get("EDITIE_CACHE_DIR", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, on a site that asks staff for their second factor.
    "portal.adminsite.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.forms",
    "django_filters",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The queue of background work (django.tasks), kept in the database.
    "django_tasks_db",
    # The open-data API (portal/api/), its OpenAPI schema and the docs page's own copy of
    # Swagger UI, served from our static files rather than a CDN.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "trajecten",
    "afspraken",
    "uitvragen",
    "rapportages",
    # Following agreements and trajectories by mail, above the apps it hears from.
    "volgen",
    # The composed site, above the four apps: its admin extends theirs.
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.core.middleware.refuse_nul_bytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Headers for every page, early, so that the published editions below get them too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A published edition for an anonymous visitor, without the middleware below
    # (rapportages/serving.py).
    "rapportages.middleware.published_editions",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Moves the idle timeout forward at most once a minute, instead of a write on every request.
    "portal.core.sessions.refresh_idle_expiry",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified once they have passed a second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.core.middleware.no_store_for_users",
    "portal.core.sessions.end_session_after_absolute_age",
    # Sends staff to the second factor until they have passed it.
    "portal.mfa.require_second_factor",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that a lock-out is decided after authentication has run.
    "axes.middleware.AxesMiddleware",
]

# Background work (publishing a report, making a concept PDF): Django's tasks framework with the
# queue in the database; `manage.py task_worker` runs it (README, Production). A running job
# gives a sign of life every few seconds; one silent for TASK_LEASE_SECONDS is taken for a
# stopped worker's and tried again.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
TASK_LEASE_SECONDS = int(os.environ.get("TASK_LEASE_SECONDS", "60"))

# Reporting rounds: `manage.py herinner_uitvragen` (daily, from cron) reminds the parties with
# open items this many days before a round's deadline and after it.
# Where people report an accessibility problem (the statement at /toegankelijkheid/).
TOEGANKELIJKHEID_CONTACT = os.environ.get("TOEGANKELIJKHEID_CONTACT", "info@zinl.nl")

UITVRAAG_HERINNEREN_DAGEN_VOOR = [
    int(day) for day in env_list("UITVRAAG_HERINNEREN_DAGEN_VOOR", "7,1")
]
UITVRAAG_HERINNEREN_DAGEN_NA = [int(day) for day in env_list("UITVRAAG_HERINNEREN_DAGEN_NA", "1,7")]

# Form templates are looked up like any other, so templates/django/forms/ can adjust them.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The report document only (rapportages/rendering.py): see rapportages/jinja.py.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "rapportages.jinja.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
# The open round first for a party with something to answer, else Mijn afspraken.
LOGIN_REDIRECT_URL = "start"
# No LOGOUT_REDIRECT_URL: the logout view shows registration/logged_out.html.
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Mail: printed on the console in development, SMTP from the environment in production.
# Django 6.1 configures mail through MAILERS; the EMAIL_* names are read from the environment.
_email_host = os.environ.get("EMAIL_HOST", "")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Passende zorg portaal <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Behind a TLS-terminating load balancer that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Idle timeout: the session expires after this many seconds without a request. Not saved on
# every request: portal.core.sessions.refresh_idle_expiry moves it forward at most once a minute.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = False
# Absolute lifetime: logged out this many seconds after logging in, however active.
SESSION_ABSOLUTE_AGE = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(12 * 60 * 60)))
X_FRAME_OPTIONS = "DENY"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Login throttling (portal/throttles.py): a username is locked out after AXES_FAILURE_LIMIT
# failures from any address, an address after AXES_IP_FAILURE_LIMIT failures on any usernames
# (higher: an organisation's people share an address), each for the cool-off time.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_IP_FAILURE_LIMIT = int(os.environ.get("AXES_IP_FAILURE_LIMIT", "30"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_HANDLER = "portal.throttles.LoginThrottle"
# Cuts a posted username to the 255 characters of axes' column.
AXES_USERNAME_CALLABLE = "portal.throttles.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0")) or None

# Open data (portal/api/): a read-only JSON API for anyone, without login or session.
# Requests are counted per client address (as the login throttle sees it, AXES_PROXY_COUNT)
# in a cache that all app servers share, hence in the database; `migrate` makes its table.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60/minute")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_api_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
    # Rendered parts of the party pages, kept until any data changes (portal/core/datacache.py).
    # A day at most; when there are more than MAX_ENTRIES, the expired ones go and then a third
    # of the rest (Django's database cache). FRAGMENT_CACHE=0 renders every page anew (to
    # compare, or to rule the cache out when looking for a fault); the table stays.
    "fragmenten": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache"
        if env_bool("FRAGMENT_CACHE", True)
        else "django.core.cache.backends.dummy.DummyCache",
        "LOCATION": "portal_fragment_cache",
        "TIMEOUT": 24 * 60 * 60,
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    },
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.throttling.AddressRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.views.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Open data van het Passende zorg portaal",
    # The description, in Dutch, and the conditional and throttled answers of every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema.describe",
    ],
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Second factor for staff (portal/mfa.py).
OTP_TOTP_ISSUER = "Passende zorg portaal"
# Secrets and recovery codes stay out of the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # "pikepdf C++ to Python logger bridge initialized", once per process at import.
        "pikepdf": {"level": "WARNING"},
    },
}
