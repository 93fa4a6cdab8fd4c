"""Settings for the test suite: fast hashing, in-memory mail, no static manifest."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret-" + "x" * 40)

from .base import *

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
LOGGING["root"]["level"] = "WARNING"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    # Apart from the default, as in every environment; memory culls too, so it never fills.
    "security": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "security",
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
}
PORTAL_BASE_URL = "http://testserver"
# Tasks run at once, inside the test, unless a test selects the database backend itself.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Pages are rendered for every request in tests, so that a test sees the data its factories made
# (factories do not go through the services that retire cached pages).
# tests/portal/test_pagecache.py turns the page cache on to test it.
PORTAL_PAGE_CACHE = False
PORTAL_FRAGMENT_CACHE_SECONDS = 0
PORTAL_DASHBOARD_ORDER_SECONDS = 0
