"""Sessions in the cache, written through to the database, that survive a read-only database.

``SESSION_ENGINE = "core.sessions"``: Django's ``cached_db`` engine, except that an update of
an existing session which the database refuses (a read-only database: a standby, a disk
remounted read-only, a SQLite file without write permission) is logged and the request goes on:
what changed (the last-seen time, a message to show) stays in the cache alone. Django would
answer such a request 400 ("session deleted"), so that nobody signed in could even read a page.

A session that really was deleted meanwhile (logged out in another tab) is still refused as
Django does, and a new session (logging in) that cannot be stored is still an error: nobody is
told they are signed in when they are not.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import UpdateError

logger = logging.getLogger("portal.sessions")


class SessionStore(cached_db.SessionStore):
    def save(self, must_create=False):
        try:
            super().save(must_create)
        except UpdateError as error:
            key = self.session_key
            if key is None or not self.exists(key):
                raise  # deleted meanwhile: Django's own answer
            logger.error(
                "session %s… not written to the database (%r); kept in the cache only",
                key[:6],
                error.__context__,
            )
            # cached_db's cache and session dict (private attributes django-stubs leaves out).
            store: Any = self
            try:
                store._cache.set(self.cache_key, store._session, self.get_expiry_age())
            except Exception:
                logger.exception("Error saving to cache (%s)", store._cache)
