"""Production settings for plain-HTTP runs on this machine's loopback interface only.

Used by the load test (`make load-test`), the benchmark (`make bench`) and the cluster check
(`make cluster`): everything as in production (DEBUG off, the same middleware, templates, caches
and security headers from the environment), except what needs TLS in front: no redirect to https,
no HSTS, and cookies without the Secure flag so that a client on http://127.0.0.1 keeps its
session. Never use it for a server reachable from another machine.
"""

import os

os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

from .production import *

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_PRELOAD = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
