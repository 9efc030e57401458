"""A real Celery worker consumes tasks from the real Redis (services run only)."""

import time
import uuid

import dj_database_url
import pytest
from celery.result import EagerResult
from django.core.cache import cache
from django.db import connection

from community.celery import app
from community.tasks import ping
from tests.services import database_url_for_worker


def _wait_for_cache(key: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cache.get(key)
        if value is not None:
            return value
        time.sleep(0.05)
    return None


def test_worker_consumes_ping_from_redis(celery_worker):
    token = uuid.uuid4().hex

    result = ping.delay(token)

    assert not isinstance(result, EagerResult), "the task ran in-process instead of on the worker"
    assert _wait_for_cache(f"ping:{token}") == "pong", celery_worker.log_tail()
    assert f"community.ping[{result.id}] succeeded" in celery_worker.log()


def test_the_worker_opens_the_test_database(celery_worker):
    config = dj_database_url.parse(celery_worker.database_url)

    assert config["NAME"] == connection.settings_dict["NAME"]
    assert config["NAME"].startswith("test_")
    assert config["ENGINE"] == connection.settings_dict["ENGINE"]


def test_in_process_app_publishes_to_the_workers_queue(celery_worker):
    assert app.conf.task_always_eager is False
    assert app.conf.task_default_queue == celery_worker.queue
    assert app.amqp.router.route({}, "community.ping")["queue"].name == celery_worker.queue


def test_tasks_run_eagerly_again_outside_the_worker_fixture(db):
    token = uuid.uuid4().hex

    result = ping.delay(token)

    assert isinstance(result, EagerResult)
    assert cache.get(f"ping:{token}") == "pong"


@pytest.mark.parametrize(
    ("settings_dict", "expected"),
    [
        (
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "test_stoa",
                "USER": "postgres",
                "PASSWORD": "",
                "HOST": "127.0.0.1",
                "PORT": 5432,
            },
            "postgres://postgres@127.0.0.1:5432/test_stoa",
        ),
        (
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "test_stoa",
                "USER": "stoa",
                "PASSWORD": "p@ss/word",
                "HOST": "db",
                "PORT": "",
                "OPTIONS": {"sslmode": "require"},
            },
            "postgres://stoa:p%40ss%2Fword@db/test_stoa?sslmode=require",
        ),
        ({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}, None),
        (
            {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": "file:memorydb_default?mode=memory&cache=shared",
            },
            None,
        ),
        (
            {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/t.sqlite3"},
            "sqlite:////tmp/t.sqlite3",
        ),
    ],
)
def test_worker_database_url_names_the_same_database(settings_dict, expected):
    url = database_url_for_worker(settings_dict)

    assert url == expected
    if url and url.startswith("postgres://"):
        parsed = dj_database_url.parse(url)
        for key in ("NAME", "USER", "PASSWORD", "HOST"):
            assert parsed[key] == settings_dict[key]
