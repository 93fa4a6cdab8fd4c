"""Settings shared by every environment. Environment-specific files import from here."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_decimal, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])

INSTALLED_APPS = [
    # Our apps first, so their templates override those of the libraries.
    "core",
    "portal",
    "agreements",
    "organisations",
    "followup",
    "demo",
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous public pages from the cache, before sessions, CSRF and the rest (pagecache.py).
    "core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private, no-store on whatever may carry personal data (middleware.py).
    "core.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.SessionTimeoutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
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
                "portal.context_processors.site",
                "portal.context_processors.navigation",
            ],
        },
    },
    # Only for the officer dashboard's tables of reports (core/jinja2.py says why).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "core.jinja2.environment"},
    },
]

# SQLite is the embedded default; DATABASE_URL (postgres://…) selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},  # OWASP ASVS 4.0.3, 2.1.1
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Swedish by default, English on request (a cookie set by the switch).
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploads and generated files (evaluation PDFs in "default", uploaded minutes in "private") live
# under PORTAL_VAR_DIR. With more than one app server or worker host, that directory is a shared
# file system (NFS) mounted at the same path on every host; see docs/operations.md.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},  # MEDIA_ROOT
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "private", "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The default cache is shared by every server process (cached pages, fragments and agreement
# PDFs live here): the database by default, Redis in production when REDIS_URL is set
# (portal/settings/production.py, docs/operations.md). Never a per-process memory cache.
# "security" holds allauth's rate-limit counters and used two-factor codes, apart from anything
# a visitor can fill (core/securitycache.py): a database table that drops only expired entries
# (MAX_ENTRIES says only how often they are swept), or a Redis that never evicts
# (SECURITY_REDIS_URL). `manage.py createcachetable` makes both tables.
CACHES = {
    "default": {
        # Django's database cache; a failed read or write (a read-only database) is a miss.
        "BACKEND": "core.cache.ResilientDatabaseCache",
        "LOCATION": "portal_cache",
    },
    "security": {
        "BACKEND": "core.cache.SecurityDatabaseCache",
        "LOCATION": "portal_security_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}
# Sessions are read from the cache and written through to the database, so every app server sees
# every session, and emptying or restarting the cache (Redis) logs nobody out.
# An update the database refuses (read-only) stays in the cache alone and is logged, so signed-in
# visitors can still read (core/sessions.py).
SESSION_ENGINE = "core.sessions"

# Public pages for anonymous visitors are cached by data version (core/pagecache.py,
# docs/performance.md): in the cache above for PORTAL_PAGE_CACHE_SECONDS at most, and by browsers
# and proxies (nginx, a CDN) for PORTAL_PUBLIC_MAX_AGE seconds before they revalidate.
PORTAL_PAGE_CACHE = env_bool("PORTAL_PAGE_CACHE", True)
PORTAL_PAGE_CACHE_SECONDS = env_int("PORTAL_PAGE_CACHE_SECONDS", 3600)
PORTAL_PUBLIC_MAX_AGE = env_int("PORTAL_PUBLIC_MAX_AGE", 60)
# At most this many pages with a query string (a search, a filter, a page number) are stored per
# address and data version; others are rendered for each request until public data change.
PORTAL_PAGE_CACHE_VARIANTS = env_int("PORTAL_PAGE_CACHE_VARIANTS", 1000)
# Fragments of public pages (the register's form and table, an agreement's signatories, the
# comparison, the list of agreements) are kept by data version for this long; 0 turns them off.
PORTAL_FRAGMENT_CACHE_SECONDS = env_int("PORTAL_FRAGMENT_CACHE_SECONDS", 3600)
# The officer dashboard's sort of a cycle's reports is kept this long at most (a renamed
# organisation may keep its old place in the list as long); 0 sorts on every request.
PORTAL_DASHBOARD_ORDER_SECONDS = env_int("PORTAL_DASHBOARD_ORDER_SECONDS", 120)
# The release's name in the keys of everything above (e.g. the git tag); without it, a digest
# of the code, templates and translations (core.pagecache.release).
PORTAL_RELEASE = env_str("PORTAL_RELEASE", "")

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "organisations:dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# allauth's sign-up form with the person's first and last name (required), which also stores
# the page's language as the language of their e-mail (core/account_forms.py).
ACCOUNT_FORMS = {"signup": "core.account_forms.SignupForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# The account holder is told by e-mail when their password is changed, set or reset, when an
# e-mail address is added, removed or made primary, and when two-factor authentication is turned
# on or off or new recovery codes are made (ASVS 2.2.3). allauth's mails (these, address
# confirmation, password reset) go through the portal's stored, retried queue (core/adapter.py).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_ADAPTER = "portal.adapter.AccountAdapter"
ACCOUNT_USER_DISPLAY = "core.adapter.user_display"  # a name or the address, not the username
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out so that they are visible and reviewed.
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Samverkansportalen"
# A code from the period just before or after the current one (30 seconds each) is accepted too,
# for a phone whose clock is a little off or a code typed as it changed (RFC 6238, 5.2).
MFA_TOTP_TOLERANCE = 1
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@samverkan.example.se")

# Uploaded minutes are private: stored outside MEDIA_ROOT and served only through a view that
# checks who asks (organisations.views). The size limit is checked by the form.
PRIVATE_STORAGE_ROOT = VAR_DIR / "private"
ACCESSION_MINUTES_MAX_BYTES = 10 * 1024 * 1024
# The officers' import of an existing register (organisations/register_import.py): the largest
# file and the most rows one import takes; a larger register is imported in parts.
REGISTER_IMPORT_MAX_BYTES = 5 * 1024 * 1024
REGISTER_IMPORT_MAX_ROWS = 5_000

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Nothing is loaded from any other host: scripts, styles, fonts and images come from this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# A refused form (missing or stale token, posted from another site) gets the site's own page.
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
# Signed-in sessions end after 30 minutes without activity and after 10 hours at most.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 10 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Background work (e-mail reminders, PDF rendering) runs in the task worker:
#   python manage.py db_worker
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# An evaluation PDF asked for longer ago than this (seconds) and still not made counts as failed:
# its worker died or its task was lost. Officers then see the failure and can try again; the
# daily housekeeping (manage.py fail_stuck_pdfs) records it. A render takes seconds.
PORTAL_PDF_RENDER_TIMEOUT = env_int("PORTAL_PDF_RENDER_TIMEOUT", 15 * 60)

# Invitations to represent an organisation within 24 hours (organisations.services.invitation_send):
# at most this many from one organisation, and to one address from all organisations together.
PORTAL_INVITATIONS_PER_ORGANISATION_PER_DAY = env_int(
    "PORTAL_INVITATIONS_PER_ORGANISATION_PER_DAY", 20
)
PORTAL_INVITATIONS_PER_ADDRESS_PER_DAY = env_int("PORTAL_INVITATIONS_PER_ADDRESS_PER_DAY", 3)

# The evaluation marks a 1–5 question where the organisations' and the units' means differ by at
# least this many scale steps (followup/compile.py). Frozen with a published evaluation.
PORTAL_SCORE_GAP = env_decimal("PORTAL_SCORE_GAP", "1.0")
if not 0 < PORTAL_SCORE_GAP <= 4:
    raise ImproperlyConfigured("PORTAL_SCORE_GAP must be more than 0 and at most 4 scale steps.")

# Where the agreement data files live (one YAML file per agreement).
AGREEMENT_DATA_DIR = BASE_DIR / "agreements" / "data"

# Shown in the footer and on the accessibility statement and privacy notice.
PORTAL_CONTACT_EMAIL = env_str("PORTAL_CONTACT_EMAIL", "samverkan@example.se")
PORTAL_NAME = _("Local compacts portal")
# Absolute links in e-mails are built from this.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        # Refusals (403, CSRF) as one line without a traceback; 500s keep theirs (logfilters.py).
        "refusals_in_one_line": {"()": "core.logfilters.RefusalsInOneLine"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # Failed logins, refusals, accession and publication events (see docs/security.md).
        "portal.security": {"level": "INFO"},
        "django.request": {"filters": ["refusals_in_one_line"]},
        "django.security.csrf": {"filters": ["refusals_in_one_line"]},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
