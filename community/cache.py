"""Django's Redis cache, made cheaper and kinder when Redis is away.

One Redis client per connection pool: Django's ``RedisCacheClient.get_client`` builds a new
``redis.Redis`` for every cache operation, and building one registers a few hundred response
callbacks; on a signed-in page, which asks the cache a dozen times (page-cache versions,
permissions, counters), that was a few milliseconds of pure set-up. A client holds no
connection of its own (it borrows from the pool), so keeping one changes nothing else.

Redis down is not the site down: everything kept in this cache can be recomputed from the
database, so a failed operation counts as a miss (reads) or as done (writes), and for
``RETRY_AFTER`` seconds the process does not try again, so a page pays one connection
timeout at most instead of one per cache call. ``/healthz`` still reports the cache failing.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

log = logging.getLogger(__name__)

RETRY_AFTER = 5.0


class ReusingRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_stoa_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class StoaRedisCache(RedisCache):
    _down_until = 0.0  # per process: while Redis was found unreachable

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    @property
    def unguarded(self) -> RedisCache:
        """This cache with errors raised, for the health check."""
        plain = RedisCache.__new__(RedisCache)
        plain.__dict__.update(self.__dict__)
        return plain

    def _guard(self, operation, fallback, *args, **kwargs):
        import redis

        if time.monotonic() < StoaRedisCache._down_until:
            return fallback
        try:
            return operation(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            StoaRedisCache._down_until = time.monotonic() + RETRY_AFTER
            log.warning("Cache unavailable, working without it for %ss: %s", RETRY_AFTER, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard(super().get, default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._guard(super().has_key, False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().add, False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().set, None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().set_many, [], data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(super().delete, False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard(super().delete_many, None, keys, version)

    def incr(self, key, delta=1, version=None):
        # A missing key still raises ValueError, as callers expect. An unreachable Redis
        # counts from zero: what was counted is lost, as anything in this cache may be.
        return self._guard(super().incr, delta, key, delta, version)
