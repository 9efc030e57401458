"""The search page, the composer's similar-question suggestions and deflection events."""

from datetime import timedelta

import html5lib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forums.models import DeflectionEvent, Post, Thread
from forums.search.deflections import deflection_summary

from .factories import OrganizationMembershipFactory, SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db


def publish(*threads):
    for thread in threads:
        Post.objects.filter(thread=thread).update(state=Post.State.VISIBLE)


@pytest.fixture
def space():
    return SpaceFactory(slug="dashboards", name="Dashboards")


@pytest.fixture
def content(member, other_member, space):
    question = ask(member, space, title="Export a dashboard to CSV", body="How do I export?")
    answer = reply(other_member, question, body="Use the **export** button.")
    other = ask(member, space, title="Dashboard colours", body="Can I change them?")
    publish(question, other)
    from forums import services

    services.answer_accept(actor=member, post=answer)
    return {"question": question, "other": other}


def parse(response):
    return html5lib.parse(response.content.decode(), namespaceHTMLElements=False)


def text(response) -> str:
    """What a reader sees: the page's text, highlights and all, without markup."""
    return " ".join("".join(parse(response).itertext()).split())


def test_the_search_page_shows_ranked_highlighted_results(client, content):
    response = client.get("/search/?q=export")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<meta name="robots" content="noindex' in page
    document = parse(response)
    titles = [
        "".join(h3.find("a").itertext())
        for h3 in document.iter("h3")
        if h3.get("class") == "thread-title"
    ]
    assert titles == ["Export a dashboard to CSV"]
    marks = ["".join(m.itertext()).lower() for m in document.iter("mark")]
    assert "export" in marks
    assert "✓ Solved" in page
    assert 'value="export"' in page  # what was typed stays in the box


def test_an_empty_search_explains_the_syntax(client):
    page = text(client.get("/search/"))
    assert "How to search" in page and '"time zone"' in page


@pytest.mark.parametrize(
    "query",
    [
        "",
        "x" * 10_000,
        '"unbalanced',
        "& | ! : * ( ) < >",
        "'; DROP TABLE forums_post; --",
        "%00",
        "\x00",
        "😀 café",
        "-only",
    ],
)
def test_bad_input_gets_a_page_never_an_error(client, content, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    response = client.get("/search/similar/", {"title": query})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params, message",
    [
        ({"after": "yesterday"}, "Use a date like 2026-01-31."),
        ({"after": "2026-02-01", "before": "2026-01-01"}, "The end date is before the start date."),
        ({"space": "no-such-space"}, "There is no space called"),
        ({"author": "nobody-here"}, "No member is called “nobody-here”."),
        ({"tag": "never-used"}, "No threads are tagged “never-used”."),
        ({"kind": "poem"}, "is not one of the choices"),
        ({"page": "banana"}, ""),
        ({"sort": "random"}, "Best match"),
    ],
)
def test_bad_filters_are_explained_and_the_rest_still_works(client, content, params, message):
    response = client.get("/search/", {"q": "dashboard", **params})
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "Export a dashboard to CSV" in page  # the search still ran
    markup = response.content.decode()
    for name, value in params.items():
        if name not in ("page", "sort", "kind", "space"):
            assert f'value="{value}"' in markup  # what was typed is shown back


def test_filters_in_the_url(client, content, other_member, space):
    page = text(client.get("/search/", {"q": "dashboard", "solved": "yes"}))
    assert "Export a dashboard to CSV" in page and "Dashboard colours" not in page
    page = text(client.get("/search/", {"q": "dashboard", "solved": "no"}))
    assert "Dashboard colours" in page and "Export a dashboard to CSV" not in page
    page = text(client.get("/search/", {"author": other_member.username}))
    assert "Export a dashboard to CSV" in page and "Dashboard colours" not in page


def test_private_spaces_cannot_be_probed_through_the_page(client, member):
    org_member = UserFactory(trust_level=3)
    org = OrganizationMembershipFactory(user=org_member).organization
    private = SpaceFactory(slug="acme", visibility="organization", organization=org)
    secret = ask(org_member, private, title="Secret merger dashboard", body="quiet")
    publish(secret)
    for who in (None, member):
        if who:
            client.force_login(who)
        page = text(client.get("/search/", {"q": "merger"}))
        assert "Secret merger" not in page
        page = text(client.get("/search/", {"q": "merger", "space": "acme"}))
        assert "Secret merger" not in page and "There is no space called" in page
        page = client.get("/search/similar/", {"title": "secret merger plans"}).content.decode()
        assert "Secret merger" not in page
    client.force_login(org_member)
    assert "Secret merger" in text(client.get("/search/", {"q": "merger"}))


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_search_page_issues_a_fixed_number_of_queries(client, member, space, logged_in):
    if logged_in:
        client.force_login(member)

    def count(url):
        client.get(url)  # warm: a shared cache may have been emptied by another process
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first = ask(member, space, title="Widget one", body="widget", tags=["x"])
    publish(first)
    client.get("/search/?q=warm")
    urls = ["/search/?q=widget", "/search/?q=widget&sort=newest", "/search/?space=dashboards"]
    small = [count(u) for u in urls]
    for n in range(40):
        thread = ask(member, space, title=f"Widget {n}", body="widget", tags=[f"t{n}"])
        reply(member, thread, body="widget reply")
        publish(thread)
    large = [count(u) for u in urls]
    assert small == large, f"queries grew with the data: {small} -> {large}"
    assert max(large) <= 16


def test_pagination_keeps_the_query_and_filters(client, member, space):
    made = [ask(member, space, title=f"Gadget {n}", body="gadget") for n in range(25)]
    publish(*made)
    response = client.get("/search/", {"q": "gadget", "sort": "newest"})
    assert "Page 1 of 2" in text(response)
    assert "?q=gadget&amp;sort=newest&amp;page=2" in response.content.decode()
    second = text(client.get("/search/", {"q": "gadget", "sort": "newest", "page": 2}))
    assert "Gadget 0" in second and "Gadget 24" not in second


def test_htmx_requests_get_only_the_results(client, content):
    response = client.get("/search/?q=export", HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert "Export a dashboard to CSV" in text(response)


# --- similar questions while asking --------------------------------------------------------


def test_the_composer_asks_for_similar_threads_as_the_title_is_typed(client, member, space):
    client.force_login(member)
    page = client.get(f"/s/{space.slug}/new/").content.decode()
    document = parse(client.get(f"/s/{space.slug}/new/"))
    box = next(d for d in document.iter("div") if d.get("id") == "similar-threads")
    assert box.get("hx-get") == f"/search/similar/?space={space.slug}"
    assert "from:#id_title" in box.get("hx-trigger")
    assert box.get("hx-include") == "#id_title"
    assert "load" not in box.get("hx-trigger")
    assert 'aria-live="polite"' in page


def test_similar_threads_partial_lists_solved_ones_first_with_tracking_links(
    client, member, content
):
    client.force_login(member)
    response = client.get("/search/similar/", {"title": "How do I export a dashboard?"})
    body = response.content.decode()
    assert "<html" not in body
    assert body.index("Export a dashboard to CSV") < body.index("Dashboard colours")
    question = content["question"]
    assert (
        f"{question.get_absolute_url()}?from=ask&amp;q=How%20do%20I%20export%20a%20dashboard%3F"
        in body
    )
    assert 'target="_blank"' in body and "opens in a new tab" in body
    assert client.get("/search/similar/", {"title": "zz"}).content.decode().strip() == ""


def test_opening_a_suggestion_records_a_deflection_until_the_member_asks_anyway(
    client, member, content, space
):
    question = content["question"]
    client.force_login(member)
    url = f"{question.get_absolute_url()}?from=ask&q=export+to+csv"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    client.get(url)  # following the link twice counts once
    event = DeflectionEvent.objects.get()
    assert (event.user, event.thread, event.query, event.converted) == (
        member,
        question,
        "export to csv",
        False,
    )
    summary = deflection_summary(since=timezone.now() - timedelta(days=1))
    assert (summary.opened, summary.pending, summary.deflected) == (1, 1, 0)

    # Asking anyway within the window converts it.
    new = ask(member, space, title="Export still broken", body="I tried the button.")
    event.refresh_from_db()
    assert event.converted and event.converted_thread == new


def test_an_unconverted_event_counts_as_a_deflection_after_the_window(client, member, content):
    client.force_login(member)
    client.get(f"{content['question'].get_absolute_url()}?from=ask&q=export")
    DeflectionEvent.objects.update(created_at=timezone.now() - timedelta(hours=2))
    summary = deflection_summary(since=timezone.now() - timedelta(days=1))
    assert (summary.opened, summary.deflected, summary.converted, summary.pending) == (1, 1, 0, 0)
    assert summary.rate == 1.0


def test_visitors_and_hidden_threads_record_nothing(client, member, content):
    response = client.get(f"{content['question'].get_absolute_url()}?from=ask&q=x")
    assert response.status_code == 302
    assert not DeflectionEvent.objects.exists()
    org_member = UserFactory(trust_level=3)
    org = OrganizationMembershipFactory(user=org_member).organization
    private = SpaceFactory(slug="acme", visibility="organization", organization=org)
    secret = ask(org_member, private, title="Secret", body="quiet")
    publish(secret)
    client.force_login(member)
    assert client.get(f"{secret.get_absolute_url()}?from=ask&q=x").status_code == 404
    assert not DeflectionEvent.objects.exists()
    assert Thread.objects.count() == 3
