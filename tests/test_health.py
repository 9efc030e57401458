"""/healthz: database, cache and broker, each checked for real and answered quickly."""

import json
import socket
import time

import pytest
from django.test import override_settings

REDIS_CACHE = "community.cache.StoaRedisCache"


@pytest.fixture
def silent_port():
    """A port that accepts connections and then never answers, like a wedged server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def _redis_cache_at(port: int) -> dict:
    return {
        "default": {
            "BACKEND": REDIS_CACHE,
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


def _get_health(client):
    started = time.monotonic()
    response = client.get("/healthz")
    return response, json.loads(response.content), time.monotonic() - started


def test_healthz_is_ok_when_every_service_answers(client, db):
    response, body, _ = _get_health(client)

    assert response.status_code == 200, body
    assert response["Content-Type"] == "application/json"
    assert {name: body[name] for name in ("database", "cache", "broker")} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
    assert body["status"] == "ok"
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_the_real_backends_in_use(client, db, settings):
    _, body, _ = _get_health(client)

    expected_database = "postgresql" if settings.IS_POSTGRES else "sqlite"
    assert body["checks"]["database"]["detail"] == expected_database
    expected_cache = "StoaRedisCache" if settings.REDIS_URL else "LocMemCache"
    assert body["checks"]["cache"]["detail"] == expected_cache
    if settings.REDIS_URL:
        assert body["checks"]["broker"]["detail"] == "redis"


def test_healthz_is_503_naming_the_cache_when_redis_is_unreachable(client, db, closed_port):
    with override_settings(CACHES=_redis_cache_at(closed_port)):
        response, body, elapsed = _get_health(client)

    assert response.status_code == 503
    assert body["status"] == "failing"
    assert body["cache"] == "failing"
    assert body["database"] == "ok"
    assert "Connection" in body["checks"]["cache"]["error"]
    assert elapsed < 10


def test_healthz_does_not_hang_on_a_cache_that_never_answers(client, db, silent_port):
    with override_settings(CACHES=_redis_cache_at(silent_port)):
        response, body, elapsed = _get_health(client)

    assert response.status_code == 503
    assert body["cache"] == "failing"
    assert "Timeout" in body["checks"]["cache"]["error"]
    assert elapsed < 10


def test_healthz_is_503_naming_the_broker_when_it_is_unreachable(client, db, closed_port):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port}/0"):
        response, body, elapsed = _get_health(client)

    assert response.status_code == 503
    assert body["broker"] == "failing"
    assert body["database"] == "ok"
    assert body["cache"] == "ok"
    assert elapsed < 10


def test_healthz_answers_get_only(client, db):
    assert client.post("/healthz").status_code == 405
