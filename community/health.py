"""The checks behind /healthz: database, cache and the Celery broker.

Each check answers quickly even when its service is gone: the database, the Redis cache and
the broker all have connect and socket timeouts of a few seconds (settings/base.py), and the
broker check tries once instead of retrying. A load balancer or ``docker compose`` reads the
status code: 200 only when every check passes, 503 naming what failed otherwise.

The body is JSON, for example::

    {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok",
     "checks": {"database": {"ok": true, "detail": "postgresql", "ms": 0.4}, ...}}
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection


@dataclass
class HealthReport:
    checks: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check["ok"]]

    def as_dict(self) -> dict:
        summary = {name: "ok" if check["ok"] else "failing" for name, check in self.checks.items()}
        return {"status": "ok" if self.ok else "failing", **summary, "checks": self.checks}

    def to_json(self) -> str:
        return json.dumps(self.as_dict())


def _timed(check: Callable[[], str]) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
        result: dict = {"ok": True}
        if detail:
            result["detail"] = detail
    except Exception as exc:  # a health check reports every failure instead of raising
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache() -> str:
    key = "healthz:probe"
    # Stoa's Redis cache treats an outage as a miss; the probe wants to see the error itself.
    probe = getattr(cache, "unguarded", cache)
    probe.set(key, "ok", timeout=10)
    if probe.get(key) != "ok":
        raise RuntimeError("cache did not return the value it was given")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def check_broker() -> str:
    """Connect to the broker named by CELERY_BROKER_URL, once.

    Without REDIS_URL the broker is Celery's in-memory transport and tasks run eagerly in the
    web process, so there is nothing to reach.
    """
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return "none (tasks run eagerly in-process)"
    from community.celery import app

    with app.connection_for_write(url) as conn:
        conn.ensure_connection(max_retries=0)
        return conn.transport.driver_name


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def run_checks() -> HealthReport:
    return HealthReport(checks={name: _timed(check) for name, check in CHECKS.items()})
