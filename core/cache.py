"""The portal's cache backends.

``ResilientRedisCache``: Django's Redis cache, made to degrade instead of fail when Redis cannot
be reached. The default cache holds nothing that cannot be made again: sessions are also in the
database (``cached_db``), cached pages and PDFs are rendered again. So while Redis is down the
portal works as if everything were a cache miss, and says so in the log (at most once a minute
per process), instead of answering every signed-in page with an error.

``ResilientDatabaseCache``: Django's database cache, degrading the same way when its table
cannot be read or written (the database down or read-only).

``SecurityDatabaseCache``: the database cache for the ``security`` alias (allauth's rate-limit
counters and used two-factor codes, core/securitycache.py), which never culls an entry that is
still valid. Those entries must not be lost to make room for anything else; they are not kept in
the default cache, where a flood of cached pages could push them out (docs/operations.md).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import DatabaseError, connections
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("portal.cache")
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
LOG_EVERY_SECONDS = 60


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, with one redis-py client per connection pool.

    Django makes a new redis-py client for every cache operation, and redis-py builds its table
    of response callbacks in each (about a quarter of a millisecond; a page makes two or three
    cache operations). redis-py's clients are safe to share between threads; the connections
    stay in the pool as before, and a forked worker still opens its own.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    _last_logged = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    def _unreachable(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_logged >= LOG_EVERY_SECONDS:
            ResilientRedisCache._last_logged = now
            logger.error(
                "Redis cannot be reached (%s: %s); running without the cache. Further errors "
                "for %d s are not logged.",
                operation,
                error,
                LOG_EVERY_SECONDS,
            )

    def _or(self, fallback, operation, *args):
        """Django's Redis cache's ``operation``, or ``fallback`` when Redis cannot be reached."""
        try:
            return getattr(super(), operation)(*args)
        except UNREACHABLE as error:
            self._unreachable(operation, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._or(default, "get", key, default, version)

    def get_many(self, keys, version=None):
        return self._or({}, "get_many", keys, version)

    def has_key(self, key, version=None):
        return self._or(False, "has_key", key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._or(None, "set", key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(list(data), "set_many", data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # True, as if the key had been free: callers that take a lock with add() go on instead
        # of waiting for a lock no one can hold.
        return self._or(True, "add", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, "touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._or(False, "delete", key, version)

    def delete_many(self, keys, version=None):
        self._or(None, "delete_many", keys, version)

    def incr(self, key, delta=1, version=None):
        # None: Redis cannot be reached (a missing key raises ValueError, as in every backend).
        return self._or(None, "incr", key, delta, version)


class ResilientDatabaseCache(DatabaseCache):
    """Django's database cache, made to degrade instead of fail when its table cannot be
    written (a read-only database: a standby, a full disk remounted read-only, a SQLite file
    without write permission) or read (the database down).

    Like Redis above, it holds nothing that cannot be made again, so a failed write leaves a
    value uncached and a failed read is a miss; anonymous public pages are still served from a
    read-only database. Logged to ``portal.cache`` at most once a minute per process.
    """

    _last_logged = 0.0

    def _failed(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - ResilientDatabaseCache._last_logged >= LOG_EVERY_SECONDS:
            ResilientDatabaseCache._last_logged = now
            logger.error(
                "the database cache failed (%s: %s); running without it. Further errors for "
                "%d s are not logged.",
                operation,
                error,
                LOG_EVERY_SECONDS,
            )

    def _or(self, fallback, operation, *args):
        try:
            return getattr(super(), operation)(*args)
        except DatabaseError as error:
            self._failed(operation, error)
            return fallback

    def get_many(self, keys, version=None):
        return self._or({}, "get_many", keys, version)

    def has_key(self, key, version=None):
        return self._or(False, "has_key", key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._or(None, "set", key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(True, "add", key, value, timeout, version)  # as ResilientRedisCache

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        stored = super()._base_set(mode, key, value, timeout)  # type: ignore[misc]  # private
        if not stored and mode == "set":
            # Django's database cache drops a write the database refuses without a word (for
            # "set", False means nothing else): logged here as every other failure is.
            self._failed("set", DatabaseError("the database refused the write"))
        return stored

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, "touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._or(False, "delete", key, version)

    def delete_many(self, keys, version=None):
        self._or(None, "delete_many", keys, version)


class SecurityDatabaseCache(DatabaseCache):
    """Django's database cache, except that it never culls an entry that is still valid.

    Django's culling, once the table holds more than ``MAX_ENTRIES`` rows, deletes the expired
    rows and then a third of the rest, the alphabetically first keys whatever their age: for
    rate-limit counters that would be a reset anyone can cause. Here only the expired rows are
    deleted (also when the table has grown past ``MAX_ENTRIES``, which then only says how often
    expired rows are swept). Every entry of the security cache has a timeout (a minute to a few
    minutes), so the table stays as large as the traffic of the last few minutes.
    """

    def _cull(self, db, cursor, now, num):
        connection = connections[db]
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
        expires = connection.ops.quote_name("expires")
        cursor.execute(
            f"DELETE FROM {table} WHERE {expires} < %s",  # noqa: S608 quoted names, no input
            [connection.ops.adapt_datetimefield_value(now)],
        )
