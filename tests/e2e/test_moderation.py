"""A brand-new account posts link spam and it is held; a moderator works the queue from the
keyboard, deletes the spammer from /mod/, and finds the decision in /mod/log/."""

import pytest
from playwright.sync_api import expect

from forums.models import Post
from moderation.models import ModerationAction
from tests.factories import SpaceFactory, UserFactory
from tests.forum_helpers import ask

from .helpers import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SPAM = (
    "Fresh phone number list and Telegram data, country wise leads: "
    "https://leads-broker.example/lists and https://leads-broker.example/telegram"
)


def log_out(page):
    page.locator("summary[aria-label='Your account']").click()
    page.get_by_role("button", name="Log out").click()


def post_reply(page, thread_url, body):
    page.goto(thread_url)
    page.get_by_label("Your reply").fill(body)
    page.get_by_role("button", name="Post reply").click()


def test_link_spam_is_held_and_the_spammer_deleted_from_the_queue(page, settings):
    # Production's rules for new accounts, which the rest of the suite switches off.
    settings.STOA_PREMODERATION_FIRST_POSTS = 2
    settings.STOA_TRUST_LIMITS_ENABLED = True
    SpaceFactory(slug="dashboards", name="Dashboards")
    alice = UserFactory(username="alice", display_name="Alice Customer", trust_level=2)
    thread = ask(alice, SpaceFactory._meta.model.objects.get(slug="dashboards"))
    thread_url = thread.get_absolute_url()
    UserFactory(username="newbie", display_name="New Member")
    UserFactory(username="quickcash", display_name="Quick Cash")
    UserFactory(username="mia", display_name="Mia Moderator", is_superuser=True)

    # An honest newcomer's first reply waits for a moderator.
    log_in(page, "newbie")
    post_reply(page, thread_url, "Same problem here since the upgrade.")
    expect(page.locator(".flash-list")).to_contain_text("once a moderator approves it")
    log_out(page)

    # A brand-new account posts link spam: held, and readers never see it.
    log_in(page, "quickcash")
    post_reply(page, thread_url, SPAM)
    expect(page.locator(".flash-list")).to_contain_text("once a moderator approves it")
    log_out(page)
    spam = Post.objects.get(author__username="quickcash")
    assert spam.state != "visible"
    page.goto(thread_url)
    expect(page.locator(".post-list")).not_to_contain_text("leads-broker")

    log_in(page, "mia")
    expect(page.locator(".mod-icon-link .mod-queue-size")).to_have_text("2 waiting")
    page.get_by_role("link", name="Moderation").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    cards = page.locator("[data-queue-item]")
    expect(cards).to_have_count(2)
    spam_card = page.locator("[data-queue-item]", has_text="leads-broker")
    expect(spam_card).to_contain_text("Spam filter")
    expect(spam_card).to_contain_text("Links from a new account")
    expect(spam_card).to_contain_text("Sells contact data")

    # Keyboard: j focuses the first item, a approves it, focus moves on to the spam.
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.locator("[data-queue-done]").first).to_contain_text("Approved")
    expect(spam_card).to_be_focused()

    page.once("dialog", lambda dialog: dialog.accept())
    spam_card.get_by_role("button", name="Delete spammer").click()
    expect(page.locator("[data-queue-done]").nth(1)).to_contain_text("Spammer deleted")
    expect(page.locator(".mod-icon-link .mod-queue-size")).to_have_text("0 waiting")

    page.goto("/mod/log/")
    first = page.locator(".log-row").first
    expect(first).to_contain_text("Spammer deleted")
    expect(first).to_contain_text("@quickcash")
    expect(first).to_contain_text("Mia Moderator")
    assert ModerationAction.objects.filter(action="delete_spammer").count() == 1
    assert not Post.objects.filter(author__username="quickcash", is_deleted=False).exists()

    page.goto(thread_url)
    expect(page.locator(".post-list")).to_contain_text("Same problem here since the upgrade.")
