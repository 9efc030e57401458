"""In a real browser: similar questions appear while a title is typed, opening one keeps
the composer as it was and records a deflection; the search page finds and highlights."""

import pytest
from playwright.sync_api import expect

from forums.models import DeflectionEvent, Post
from tests.factories import SpaceFactory, UserFactory
from tests.forum_helpers import ask

from .helpers import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_suggestions_while_asking_and_a_deflection(page):
    space = SpaceFactory(slug="dashboards", name="Dashboards")
    bob = UserFactory(username="bob", trust_level=3)
    UserFactory(username="alice")
    existing = ask(bob, space, title="Export a dashboard to CSV", body="Use the export button.")
    Post.objects.filter(thread=existing).update(state=Post.State.VISIBLE)

    log_in(page, "alice")
    page.goto("/s/dashboards/new/")
    page.get_by_label("Title").fill("How can I export my dashboard to CSV?")
    page.get_by_label("Details").fill("Nothing I typed should be lost.")
    suggestion = page.locator("#similar-threads").get_by_role(
        "link", name="Export a dashboard to CSV"
    )
    expect(suggestion).to_be_visible()

    with page.context.expect_page() as opened:
        suggestion.click()
    tab = opened.value
    tab.wait_for_load_state()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Export a dashboard to CSV")
    assert tab.url.endswith(existing.get_absolute_url())  # the tracking query is gone
    tab.close()

    expect(page.get_by_label("Details")).to_have_value("Nothing I typed should be lost.")
    event = DeflectionEvent.objects.get()
    assert event.thread_id == existing.pk and event.query == "How can I export my dashboard to CSV?"
    assert not event.converted


def test_the_search_page_finds_and_highlights(page):
    space = SpaceFactory(slug="dashboards", name="Dashboards")
    bob = UserFactory(username="bob", trust_level=3)
    thread = ask(bob, space, title="Scheduled exports arrive empty", body="The PDF is blank.")
    Post.objects.filter(thread=thread).update(state=Post.State.VISIBLE)
    page.goto("/")
    page.get_by_label("Search the community").first.fill("exported pdf")
    page.keyboard.press("Enter")
    expect(page.locator(".search-hit mark").first).to_be_visible()
    expect(page.locator(".search-hit .thread-title")).to_have_text("Scheduled exports arrive empty")
