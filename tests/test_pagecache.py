"""Visitors' pages come from the cache until what they show changes."""

import pytest

from forums import services

from .factories import SpaceFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cached(settings):
    settings.STOA_ANON_CACHE_SECONDS = 60


def test_a_visitor_gets_the_cached_thread_until_a_reply_changes_it(
    client, cached, member, other_member
):
    space = SpaceFactory(slug="dash")
    thread = ask(member, space, title="Cached question")
    first = client.get(thread.get_absolute_url())
    assert first["X-Stoa-Cache"] == "miss"
    assert client.get(thread.get_absolute_url())["X-Stoa-Cache"] == "hit"
    reply(other_member, thread, body="A brand new answer")
    fresh = client.get(thread.get_absolute_url())
    assert fresh["X-Stoa-Cache"] == "miss"
    assert "A brand new answer" in fresh.content.decode()


def test_home_and_space_pages_follow_new_threads(client, cached, member):
    space = SpaceFactory(slug="dash")
    client.get("/")
    client.get("/s/dash/")
    ask(member, space, title="Arrives after caching")
    assert "Arrives after caching" in client.get("/").content.decode()
    assert "Arrives after caching" in client.get("/s/dash/").content.decode()


def test_a_space_turning_private_drops_its_cached_threads(client, cached, member):
    space = SpaceFactory(slug="dash")
    thread = ask(member, space, title="Soon private")
    assert client.get(thread.get_absolute_url()).status_code == 200
    space.visibility = "members"
    space.save()
    assert client.get(thread.get_absolute_url()).status_code == 404


def test_locking_refreshes_the_cached_page(client, cached, member, moderator):
    space = SpaceFactory(slug="dash")
    thread = ask(member, space)
    client.get(thread.get_absolute_url())
    services.thread_moderate(actor=moderator, thread=thread, locked=True)
    assert "Locked" in client.get(thread.get_absolute_url()).content.decode()


def test_members_never_get_cached_pages(client, cached, member):
    space = SpaceFactory(slug="dash")
    thread = ask(member, space)
    client.get(thread.get_absolute_url())
    client.force_login(member)
    response = client.get(thread.get_absolute_url())
    assert "X-Stoa-Cache" not in response
    assert "Your answer" in response.content.decode()


def test_cached_visits_are_still_counted(client, cached, member, settings):
    settings.STOA_VIEW_FLUSH_EVERY = 3
    space = SpaceFactory(slug="dash")
    thread = ask(member, space)
    for _ in range(3):
        client.get(thread.get_absolute_url())
    thread.refresh_from_db()
    assert thread.view_count == 3
