"""Atom feeds, read with a real feed parser: public content only, absolute links."""

import feedparser
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums.models import Post, Thread

from .factories import OrganizationMembershipFactory, SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db


def publish(*threads):
    for thread in threads:
        Post.objects.filter(thread=thread).update(state=Post.State.VISIBLE)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture
def site(member, other_member):
    public_space = SpaceFactory(slug="dashboards", name="Dashboards")
    org_member = UserFactory(trust_level=3)
    org = OrganizationMembershipFactory(user=org_member).organization
    private_space = SpaceFactory(slug="acme", visibility="organization", organization=org)
    first = ask(
        member, public_space, title="Export to CSV?", body="How do I **export**?", tags=["csv"]
    )
    answer = reply(other_member, first, body="Use the <b>export</b> button.")
    hidden = reply(other_member, first, body="hidden spam reply")
    second = ask(member, public_space, title="Dark mode?", body="Is there one?")
    secret = ask(org_member, private_space, title="Secret roadmap", body="Quiet", tags=["csv"])
    held = ask(member, public_space, title="Held for review", body="Waiting")
    publish(first, second, secret)
    Post.objects.filter(pk=answer.pk).update(state="visible")
    Post.objects.filter(pk=hidden.pk).update(state="hidden")
    Post.objects.filter(thread=held).update(state="pending")
    return {
        "first": first,
        "second": second,
        "secret": secret,
        "held": held,
        "private_space": private_space,
    }


def test_latest_feed_lists_public_threads(client, site):
    parsed = feed(client, "/feeds/latest/")
    titles = [entry.title for entry in parsed.entries]
    assert set(titles) == {"Export to CSV?", "Dark mode?"}
    entry = next(e for e in parsed.entries if e.title == "Export to CSV?")
    assert entry.link == absolute(site["first"].get_absolute_url())
    assert "<strong>export</strong>" in entry.summary
    assert entry.author == "Alice"
    assert [t.term for t in entry.tags] == ["csv"]
    assert parsed.feed.link == absolute("/")


def test_space_tag_and_thread_feeds(client, site):
    assert [e.title for e in feed(client, "/feeds/s/dashboards/").entries] != []
    tag = feed(client, "/feeds/tags/csv/")
    assert [e.title for e in tag.entries] == ["Export to CSV?"]  # the private one is left out
    posts = feed(client, f"/feeds/t/{site['first'].pk}/")
    bodies = [e.summary for e in posts.entries]
    assert any("How do I" in b for b in bodies) and any("export" in b for b in bodies)
    assert not any("hidden spam" in b for b in bodies)
    assert all(e.link.startswith(settings.SITE_URL) for e in posts.entries)


def test_private_held_and_unknown_things_answer_404(client, site, member):
    client.force_login(member)  # a session changes nothing: feeds are for visitors
    for url in (
        "/feeds/s/acme/",
        f"/feeds/t/{site['secret'].pk}/",
        f"/feeds/t/{site['held'].pk}/",
        "/feeds/s/nope/",
        "/feeds/tags/nope/",
        "/feeds/t/999999/",
    ):
        assert client.get(url).status_code == 404, url
    Thread.objects.filter(pk=site["second"].pk).update(is_deleted=True)
    assert client.get(f"/feeds/t/{site['second'].pk}/").status_code == 404
    titles = [e.title for e in feed(client, "/feeds/latest/").entries]
    assert "Secret roadmap" not in titles and "Held for review" not in titles


def test_feeds_use_a_fixed_number_of_queries(client, member):
    space = SpaceFactory(slug="grow")

    def counts():
        result = []
        for url in ("/feeds/latest/", "/feeds/s/grow/", "/feeds/tags/t/", f"/feeds/t/{big.pk}/"):
            client.get(url)  # warm: a shared cache may have been emptied by another process
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    big = ask(member, space, title="Big", body="x", tags=["t"])
    reply(member, big, body="one")
    publish(big)
    client.get("/feeds/latest/")  # branding cache
    small = counts()
    for n in range(20):
        thread = ask(member, space, title=f"T{n}", body="x", tags=["t", f"x{n}"])
        publish(thread)
        reply(member, big, body=f"reply {n}")
    publish(big)
    assert counts() == small
