"""Production settings: every value that differs between installations comes from the environment.

See docs/operations.md and .env.example.
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .env import env_bool, env_int, env_list, env_str

# Everything a request needs is shared between app servers: the database (DATABASE_URL, read in
# base.py), the cache (below), sessions (cached_db: the cache in front of the database), files
# (PORTAL_VAR_DIR on shared storage) and the task queue (the database). An app server keeps
# nothing of its own that another one would need, so servers can be added and removed at will.

DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# nginx in front terminates TLS and says so in X-Forwarded-Proto (ops/nginx/portal.conf).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address for allauth's per-IP rate limits: behind N proxies that each append to
# X-Forwarded-For, the N-th address from the right. Without this every visitor would share the
# proxy's address and one visitor's failed logins would lock everybody out.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("PORTAL_TRUSTED_PROXY_COUNT", 1)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True

# SMTP in production. A staging server or the cluster check may write mail to files instead:
# DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend and EMAIL_FILE_PATH.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Errors and security events go to standard error (journald under systemd) and, when
# DJANGO_LOG_FILE is set, also to that file; never only to e-mail.
LOGGING["root"]["level"] = env_str("DJANGO_LOG_LEVEL", "INFO")
_log_file = env_str("DJANGO_LOG_FILE", "")
if _log_file:
    LOGGING["handlers"]["file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": _log_file,
        "formatter": "plain",
    }
    LOGGING["root"]["handlers"] = ["console", "file"]
ADMINS = []  # no error e-mails: errors are in the log

# The shared cache: Redis when REDIS_URL is set (redis://host:6379/0, rediss:// for TLS), else the
# database cache from base.py, which every server shares as well. Django's Redis cache, except that
# an unreachable Redis is logged and treated as a cache miss (core/cache.py). Short socket
# timeouts, so that a hung Redis does not hang every worker.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "core.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
# The security cache (allauth's rate limits and used two-factor codes, core/securitycache.py)
# is never the Redis above, which evicts to make room for pages: the database table of base.py,
# or a Redis instance of its own that never evicts (SECURITY_REDIS_URL, `maxmemory-policy
# noeviction`, docs/operations.md). Django's own Redis cache, not the resilient one: a security
# store that cannot be reached refuses logins with an error instead of letting them in uncounted.
SECURITY_REDIS_URL = env_str("SECURITY_REDIS_URL", "")


def _redis_server(url: str) -> tuple[str, int]:
    parts = urlsplit(url.split(",")[0])
    return (parts.hostname or "localhost", parts.port or 6379)


if SECURITY_REDIS_URL:
    if REDIS_URL and _redis_server(SECURITY_REDIS_URL) == _redis_server(REDIS_URL):
        # Another database number on the same server is no help: the eviction policy is the
        # server's, for all of its databases.
        raise ImproperlyConfigured(
            "SECURITY_REDIS_URL must name another Redis server than REDIS_URL: that one evicts "
            "keys to make room for pages, and rate limits must never be evicted "
            "(docs/operations.md)."
        )
    CACHES["security"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": SECURITY_REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }

# Static files are collected on each app server (manage.py collectstatic) and may stay on its
# local disk; uploads and generated files (PORTAL_VAR_DIR/media, /private) must be shared.
STATIC_ROOT = Path(env_str("PORTAL_STATIC_ROOT", str(STATIC_ROOT)))
