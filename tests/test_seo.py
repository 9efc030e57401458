"""What search engines read: sitemaps, robots.txt, canonical URLs, OpenGraph, JSON-LD."""

import json
from xml.etree import ElementTree

import html5lib
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums import services
from forums.models import Post, Thread

from .factories import OrganizationMembershipFactory, SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def publish(*threads):
    for thread in threads:
        Post.objects.filter(thread=thread).update(state=Post.State.VISIBLE)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@pytest.fixture
def site(member, other_member, staff):
    """Public threads (one solved), a private organization thread and a deleted one."""
    public_space = SpaceFactory(slug="dashboards", name="Dashboards")
    org_member = UserFactory(trust_level=3)
    org = OrganizationMembershipFactory(user=org_member).organization
    private_space = SpaceFactory(slug="acme", visibility="organization", organization=org)
    solved = ask(member, public_space, title="Export to CSV?", body="How do I **export**?")
    answer = reply(other_member, solved, body="Use the export button.")
    official = reply(staff, solved, body="Official: the button.", official=True)
    chat = ask(
        member, public_space, title="Favourite charts", body="Share yours", kind="discussion"
    )
    comment = reply(other_member, chat, body="Sparklines!")
    secret = ask(org_member, private_space, title="Secret roadmap", body="Quiet")
    gone = ask(member, public_space, title="Deleted thread", body="Gone")
    publish(solved, chat, secret, gone)
    Post.objects.filter(pk__in=[answer.pk, official.pk, comment.pk]).update(state="visible")
    services.answer_accept(actor=member, post=answer)
    Thread.objects.filter(pk=gone.pk).update(is_deleted=True)
    return {
        "public_space": public_space,
        "private_space": private_space,
        "solved": solved,
        "answer": answer,
        "chat": chat,
        "secret": secret,
        "gone": gone,
        "org_member": org_member,
    }


def xml(response):
    return ElementTree.fromstring(response.content)


def test_robots_txt_names_the_sitemap(client):
    body = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {absolute('/sitemap.xml')}" in body
    assert "Disallow: /search/" in body


def test_sitemap_lists_public_threads_only_with_lastmod(client, site):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and index["Content-Type"].startswith("application/xml")
    assert "noindex" in index["X-Robots-Tag"]
    locations = [e.text for e in xml(index).findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert locations == [absolute("/sitemap-spaces.xml"), absolute("/sitemap-threads.xml")]
    assert all(e.text for e in xml(index).findall("sm:sitemap/sm:lastmod", SITEMAP_NS))

    threads = xml(client.get("/sitemap-threads.xml"))
    urls = {
        u.find("sm:loc", SITEMAP_NS).text: u.find("sm:lastmod", SITEMAP_NS).text
        for u in threads.findall("sm:url", SITEMAP_NS)
    }
    assert set(urls) == {
        absolute(site["solved"].get_absolute_url()),
        absolute(site["chat"].get_absolute_url()),
    }
    assert all(urls.values())
    spaces = xml(client.get("/sitemap-spaces.xml"))
    locations = [u.find("sm:loc", SITEMAP_NS).text for u in spaces.findall("sm:url", SITEMAP_NS)]
    assert locations == [absolute("/s/dashboards/")]


def test_sitemap_is_paginated_by_the_framework(client, member, monkeypatch):
    from forums import sitemaps

    monkeypatch.setattr(sitemaps.ThreadSitemap, "limit", 2)
    space = SpaceFactory(slug="many")
    publish(*[ask(member, space, title=f"Thread {n}", body="x") for n in range(5)])
    locations = [
        e.text for e in xml(client.get("/sitemap.xml")).findall("sm:sitemap/sm:loc", SITEMAP_NS)
    ]
    assert absolute("/sitemap-threads.xml?p=3") in locations
    page3 = xml(client.get("/sitemap-threads.xml?p=3"))
    assert len(page3.findall("sm:url", SITEMAP_NS)) == 1
    assert client.get("/sitemap-threads.xml?p=9").status_code == 404


def test_sitemap_queries_do_not_grow_with_threads(client, member):
    space = SpaceFactory(slug="grow")

    def count(url):
        client.get(url)  # warm: the sites framework and a shared cache keep records
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    publish(ask(member, space, title="One", body="x"))
    small = [count("/sitemap.xml"), count("/sitemap-threads.xml")]
    publish(*[ask(member, space, title=f"T{n}", body="x") for n in range(30)])
    assert [count("/sitemap.xml"), count("/sitemap-threads.xml")] == small


def head(response):
    document = html5lib.parse(response.content.decode(), namespaceHTMLElements=False)
    return document.find("head")


def meta(head_element, attribute, name):
    return [m.get("content") for m in head_element.iter("meta") if m.get(attribute) == name]


def json_ld(head_element) -> list[dict]:
    return [
        json.loads(script.text)
        for script in head_element.iter("script")
        if script.get("type") == "application/ld+json"
    ]


def test_solved_question_is_a_qapage_with_its_accepted_answer(client, site):
    solved = site["solved"]
    page = head(client.get(solved.get_absolute_url()))
    (data,) = json_ld(page)
    assert data["@context"] == "https://schema.org" and data["@type"] == "QAPage"
    question = data["mainEntity"]
    assert question["@type"] == "Question" and question["name"] == "Export to CSV?"
    assert question["text"] == "How do I export?"
    assert question["answerCount"] == 2
    assert question["acceptedAnswer"]["@type"] == "Answer"
    assert question["acceptedAnswer"]["text"] == "Use the export button."
    assert question["acceptedAnswer"]["url"] == absolute(solved.get_post_url(2))
    assert question["author"]["@type"] == "Person"
    assert [a["text"] for a in question["suggestedAnswer"]] == ["Official: the button."]


def test_other_threads_are_discussion_forum_postings(client, site):
    chat = site["chat"]
    (data,) = json_ld(head(client.get(chat.get_absolute_url())))
    assert data["@type"] == "DiscussionForumPosting"
    assert data["headline"] == "Favourite charts" and data["url"] == absolute(
        chat.get_absolute_url()
    )
    assert data["comment"][0]["@type"] == "Comment"
    assert data["comment"][0]["text"] == "Sparklines!"
    counters = {
        c["interactionType"]: c["userInteractionCount"] for c in data["interactionStatistic"]
    }
    assert counters["https://schema.org/CommentAction"] == 1


def test_canonical_and_open_graph_use_the_site_address(client, site):
    solved = site["solved"]
    page = head(client.get(solved.get_absolute_url(), HTTP_HOST="127.0.0.1"))
    canonical = [link.get("href") for link in page.iter("link") if link.get("rel") == "canonical"]
    assert canonical == [absolute(solved.get_absolute_url())]
    assert meta(page, "property", "og:title") == ["Export to CSV?"]
    assert meta(page, "property", "og:url") == [absolute(solved.get_absolute_url())]
    assert meta(page, "property", "og:type") == ["article"]
    assert meta(page, "property", "og:description") == ["How do I export?"]
    assert not meta(page, "name", "robots")
    feeds = [
        link.get("href") for link in page.iter("link") if link.get("type") == "application/atom+xml"
    ]
    assert f"/feeds/t/{solved.pk}/" in feeds

    space_head = head(client.get("/s/dashboards/"))
    assert [
        link.get("href") for link in space_head.iter("link") if link.get("rel") == "canonical"
    ] == [absolute("/s/dashboards/")]


def test_private_threads_get_noindex_and_no_structured_data(client, site):
    client.force_login(site["org_member"])
    page = head(client.get(site["secret"].get_absolute_url()))
    assert meta(page, "name", "robots") == ["noindex"]
    assert json_ld(page) == []
    assert not meta(page, "property", "og:title")
    assert meta(head(client.get("/s/acme/")), "name", "robots") == ["noindex"]


def test_the_search_page_is_noindex(client):
    assert meta(head(client.get("/search/?q=x")), "name", "robots") == ["noindex, follow"]


def test_user_text_cannot_break_out_of_the_json_ld_script(client, member):
    space = SpaceFactory(slug="x")
    thread = ask(
        member,
        space,
        title="</script><script>alert(1)</script> & <!-- tricks",
        body="Body with </script> and <!-- a comment",
    )
    publish(thread)
    response = client.get(thread.get_absolute_url())
    raw = response.content.decode()
    start = raw.index('<script type="application/ld+json">')
    block = raw[start : raw.index("</script>", start)]
    assert "<" not in block[len('<script type="application/ld+json">') :]
    page = head(response)
    (data,) = json_ld(page)
    assert data["headline"] == "</script><script>alert(1)</script> & <!-- tricks"
    scripts = [s for s in page.iter("script") if s.get("type") != "application/ld+json"]
    assert all(s.get("src") for s in scripts)  # no inline script appeared
