"""Redis down is not the site down: everything in the cache can be recomputed, so pages and
posting keep working (uncached), each request paying at most one connection timeout."""

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from community.cache import StoaRedisCache
from forums.models import Post

from .factories import SpaceFactory
from .forum_helpers import ask

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_cache(monkeypatch, closed_port):
    """The cache pointed at a port that refuses connections."""
    monkeypatch.setattr(StoaRedisCache, "_down_until", 0.0)
    caches = {
        "default": {
            "BACKEND": "community.cache.StoaRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    with override_settings(CACHES=caches, STOA_ANON_CACHE_SECONDS=60):
        yield


def test_reading_and_posting_work_while_the_cache_is_unreachable(
    client, member, other_member, dead_cache
):
    thread = ask(member, SpaceFactory(slug="help"), title="Does the site survive?")
    started = time.monotonic()
    assert client.get("/").status_code == 200
    assert client.get(thread.get_absolute_url()).status_code == 200  # a visitor, uncached

    client.force_login(other_member)
    assert client.get(thread.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("forums:reply", args=[thread.pk]),
        {"body": "Yes, it does.", "client_token": "outage-1"},
    )
    post = Post.objects.get(thread=thread, author=other_member)
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    assert "Yes, it does." in client.get(thread.get_absolute_url()).content.decode()
    # One refused connection, then the cache is skipped for a few seconds.
    assert time.monotonic() - started < 5


def test_the_health_check_still_names_the_cache(client, dead_cache):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert b'"cache": "failing"' in response.content
