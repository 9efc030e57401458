"""The bell, the inbox, watch menus and the settings page, as members use them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from html5lib import parse

from forums.models import Space, SpaceMembership
from notifications.models import (
    Channel,
    Kind,
    Level,
    Notification,
    NotificationPreference,
    Subscription,
)

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db

NS = "{http://www.w3.org/1999/xhtml}"
INBOX = "/notifications/"


@pytest.fixture(autouse=True)
def _no_badge_notices(monkeypatch):
    """Badges are granted as people post (accounts/badges.py); these tests look at the rest."""
    from community.events import HANDLERS

    handlers = [h for h in HANDLERS["badge.granted"] if h != "notifications.badge_granted"]
    monkeypatch.setitem(HANDLERS, "badge.granted", handlers)


@pytest.fixture
def outbox(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def space():
    return SpaceFactory(slug="dashboards", name="Dashboards")


@pytest.fixture
def replied(outbox, member, other_member, space):
    """alice asked; bob replied twice, mentioning her once: two notifications for alice."""
    with outbox():
        thread = ask(member, space, title="Exports stop at 10,000 rows")
    with outbox():
        first = reply(other_member, thread, body="Which version are you on?")
    with outbox():
        second = reply(other_member, thread, body="@alice the limit is gone in 4.2.")
    return thread, first, second


def tree(response):
    return parse(response.content.decode(), namespaceHTMLElements=False)


def bell(response):
    return tree(response).find(".//a[@id='notification-bell']")


def test_visitors_get_no_bell_and_the_inbox_asks_them_to_log_in(client, space):
    response = client.get("/")
    assert bell(response) is None
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_bell_shows_the_unread_count(client, member, replied):
    client.force_login(member)
    found = bell(client.get("/"))
    assert found.get("href") == INBOX
    assert found.get("aria-label") == "Notifications: 2 unread"
    assert found.find(".//span[@class='badge-count bell-count']").text == "2"


def test_the_bell_caps_its_count(client, member, space):
    thread = ask(member, space)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=member,
                kind=Kind.THREAD_REPLY,
                event_key=f"test:{n}",
                thread=thread,
                email_channel=Channel.NEVER,
            )
            for n in range(130)
        ]
    )
    client.force_login(member)
    assert "99+ unread" in bell(client.get("/")).get("aria-label")


def test_the_bell_costs_no_query_once_counted(client, member, replied):
    client.force_login(member)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        return [q["sql"] for q in ctx.captured_queries]

    queries("/")
    warm = queries("/")
    assert not [q for q in warm if "notifications_notification" in q]
    Notification.objects.filter(recipient=member).update(read_at=None)
    from notifications import counters

    counters.unread_changed([member.pk])  # what every change does, after commit
    cold = queries("/")
    assert len([q for q in cold if "notifications_notification" in q]) == 1


def test_the_inbox_lists_what_happened_and_links_to_the_exact_post(
    client, member, other_member, replied
):
    thread, _first, second = replied
    client.force_login(member)
    response = client.get(INBOX)
    assert response.status_code == 200
    items = tree(response).findall(".//li[@class='notification is-unread']")
    assert len(items) == 2
    newest = "".join(items[0].find(".//a[@class='notification-link']").itertext())
    assert "Bob mentioned you in" in newest and thread.title in newest
    assert "the limit is gone in 4.2" in "".join(items[0].itertext())

    notice = Notification.objects.get(recipient=member, post=second)
    opened = client.get(reverse("notifications:open", args=[notice.pk]))
    assert opened.status_code == 302
    assert opened["Location"] == thread.get_post_url(second.position)
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert bell(client.get("/")).get("aria-label") == "Notifications: 1 unread"


def test_marking_one_read_with_htmx_updates_the_item_and_the_bell(client, member, replied):
    client.force_login(member)
    notice = Notification.objects.filter(recipient=member).first()

    response = client.post(
        reverse("notifications:mark_read"), {"id": notice.pk, "read": "1"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{notice.pk}"' in html and "is-unread" not in html
    assert 'hx-swap-oob="true"' in html and "1 unread" in html
    response = client.post(
        reverse("notifications:mark_read"), {"id": notice.pk, "read": "0"}, HTTP_HX_REQUEST="true"
    )
    assert "is-unread" in response.content.decode()


def test_mark_all_read_and_the_unread_tab(client, member, replied):
    client.force_login(member)
    response = client.post(reverse("notifications:mark_read"), {"next": INBOX + "?show=unread"})
    assert response.status_code == 302
    assert response["Location"] == INBOX + "?show=unread"
    page = client.get(INBOX + "?show=unread")
    assert "Nothing unread." in page.content.decode()
    assert bell(page).get("aria-label") == "Notifications"
    assert len(tree(client.get(INBOX)).findall(".//li[@class='notification']")) == 2
    again = client.post(reverse("notifications:mark_read"), follow=True)
    assert "already all caught up" in again.content.decode()


def test_nobody_opens_or_marks_someone_elses_notification(client, member, other_member, replied):
    notice = Notification.objects.filter(recipient=member).first()
    client.force_login(other_member)
    assert client.get(reverse("notifications:open", args=[notice.pk])).status_code == 404
    response = client.post(reverse("notifications:mark_read"), {"id": notice.pk})
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None
    bad = client.post(reverse("notifications:mark_read"), {"id": "x1"}, follow=True)
    assert "could not be found" in bad.content.decode()


def test_notifications_about_threads_one_can_no_longer_read_disappear(
    client, outbox, member, other_member
):
    private = SpaceFactory(slug="panel", visibility=Space.Visibility.INVITE)
    for person in (member, other_member):
        SpaceMembership.objects.create(space=private, user=person)
    with outbox():
        thread = ask(member, private, title="Secret roadmap")
    with outbox():
        reply(other_member, thread)
    client.force_login(member)
    assert "Secret roadmap" in client.get(INBOX).content.decode()

    SpaceMembership.objects.filter(space=private, user=member).delete()
    from notifications import counters

    counters.unread_changed([member.pk])
    page = client.get(INBOX)
    assert "Secret roadmap" not in page.content.decode()
    assert "/notifications/" in page.content.decode()
    notice = Notification.objects.get(recipient=member)
    assert client.get(reverse("notifications:open", args=[notice.pk])).status_code == 404
    # The bell is only a number; marking everything read clears what can no longer be shown.
    client.post(reverse("notifications:mark_read"))
    assert bell(client.get(INBOX)).get("aria-label") == "Notifications"


def test_the_inbox_costs_the_same_queries_with_many_notifications(client, member, space):
    thread = ask(member, space)
    post = reply(member, thread)
    people = UserFactory.create_batch(3)

    def make(n, start):
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=member,
                    kind=Kind.THREAD_REPLY,
                    event_key=f"test:{start + i}",
                    actor=people[i % 3],
                    thread=thread,
                    post=post,
                    email_channel=Channel.NEVER,
                )
                for i in range(n)
            ]
        )

    client.force_login(member)

    def count():
        client.get(INBOX)  # the bell's count is cached, as on any busy site
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(INBOX).status_code == 200
        return len(ctx)

    make(3, 0)
    few = count()
    make(200, 100)
    many = count()
    assert few == many
    assert many <= 10


def test_the_watch_menu_shows_and_changes_the_level(client, outbox, member, other_member, space):
    with outbox():
        thread = ask(member, space)
    client.get(thread.get_absolute_url())
    assert "watch-control" not in client.get(thread.get_absolute_url()).content.decode()

    client.force_login(other_member)
    page = tree(client.get(thread.get_absolute_url()))
    summary = page.find(".//div[@class='watch-control']//summary")
    assert "Watch" in "".join(summary.itertext())
    url = reverse("notifications:watch_thread", args=[thread.pk])

    response = client.post(url, {"level": "watch"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Watching" in response.content.decode()
    assert Subscription.objects.get(user=other_member, thread=thread).level == Level.WATCH

    response = client.post(url, {"level": "mute", "next": thread.get_absolute_url()})
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert Subscription.objects.get(user=other_member, thread=thread).level == Level.MUTE

    client.post(url, {"level": "normal"})
    assert not Subscription.objects.filter(user=other_member, thread=thread).exists()

    response = client.post(url, {"level": "loud"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Choose watching, tracking, normal or muted." in response.content.decode()
    response = client.post(url, {"level": "loud", "next": "https://evil.example/"}, follow=True)
    assert "Choose watching, tracking, normal or muted." in response.content.decode()
    assert response.redirect_chain[-1][0] == thread.get_absolute_url()


def test_spaces_and_tags_can_be_watched_but_hidden_ones_do_not_exist(
    client, member, other_member, space
):
    ask(member, space, tags=["exports"])
    private = SpaceFactory(slug="panel", visibility=Space.Visibility.INVITE)
    SpaceMembership.objects.create(space=private, user=member)
    hidden = ask(member, private, tags=["secret-tag"])
    client.force_login(other_member)

    assert "watch-control" in client.get(space.get_absolute_url()).content.decode()
    assert "watch-control" in client.get("/tags/exports/").content.decode()
    client.post(reverse("notifications:watch_space", args=[space.slug]), {"level": "track"})
    client.post(reverse("notifications:watch_tag", args=["exports"]), {"level": "watch"})
    levels = set(Subscription.objects.filter(user=other_member).values_list("level", flat=True))
    assert levels == {Level.TRACK, Level.WATCH}

    for url in (
        reverse("notifications:watch_space", args=["panel"]),
        reverse("notifications:watch_tag", args=["secret-tag"]),
        reverse("notifications:watch_thread", args=[hidden.pk]),
        reverse("notifications:watch_tag", args=["no-such-tag"]),
    ):
        assert client.post(url, {"level": "watch"}).status_code == 404
    assert Subscription.objects.filter(user=other_member).count() == 2


def test_watch_pages_stay_within_the_query_budget(
    client, member, other_member, space, django_assert_max_num_queries
):
    thread = ask(member, space, tags=["exports"])
    reply(other_member, thread)
    client.force_login(member)
    for url in (thread.get_absolute_url(), space.get_absolute_url(), "/tags/exports/"):
        client.get(url)
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


def test_settings_show_defaults_and_save_choices(client, member):
    client.force_login(member)
    response = client.get(reverse("notifications:settings"))
    assert response.status_code == 200
    page = tree(response)
    checked = {
        el.get("name"): el.get("value")
        for el in page.iter("input")
        if el.get("type") == "radio" and el.get("checked") is not None
    }
    assert checked[Kind.MENTION] == Channel.IMMEDIATE
    assert checked[Kind.NEW_THREAD] == Channel.DAILY
    labels = {label.get("for") for label in page.iter("label")}
    assert all(el.get("id") in labels for el in page.iter("input") if el.get("type") == "radio")

    data = {**checked, Kind.MENTION: Channel.WEEKLY, Kind.REACTION: Channel.NEVER}
    response = client.post(reverse("notifications:settings"), data, follow=True)
    assert "Your notification settings are saved." in response.content.decode()
    saved = dict(NotificationPreference.objects.filter(user=member).values_list("kind", "channel"))
    assert saved[Kind.MENTION] == Channel.WEEKLY
    assert saved[Kind.REACTION] == Channel.NEVER


def test_a_bad_settings_form_says_why_and_keeps_the_other_choices(client, member):
    client.force_login(member)
    data = dict.fromkeys(Kind.values, Channel.DAILY)
    data[Kind.MENTION] = "hourly"
    response = client.post(reverse("notifications:settings"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose one of the options for “mentions of you”." in html
    page = tree(response)
    kept = [
        el.get("value")
        for el in page.iter("input")
        if el.get("name") == Kind.REPLY and el.get("checked") is not None
    ]
    assert kept == [Channel.DAILY]
    assert not NotificationPreference.objects.exists()


def test_settings_warn_about_an_unverified_address_and_list_what_is_followed(client, outbox, space):
    newcomer = UserFactory(username="newbie", verified=False)
    thread = ask(UserFactory(username="asker"), space, title="Followed thread")
    Subscription.objects.create(user=newcomer, thread=thread, level=Level.WATCH)
    client.force_login(newcomer)
    html = client.get(reverse("notifications:settings")).content.decode()
    assert "not verified yet" in html
    assert "Followed thread" in html


def test_pages_have_no_inline_styles_or_scripts(client, member, replied):
    client.force_login(member)
    for url in (INBOX, reverse("notifications:settings")):
        page = tree(client.get(url))
        assert not [el for el in page.iter() if el.get("style") is not None]
        assert not [s for s in page.iter("script") if not s.get("src")]


def test_the_watch_menu_works_as_a_plain_form_with_csrf(outbox, member, other_member, space):
    """Without JavaScript the menu is an ordinary form, carrying the page's CSRF token."""
    from django.test import Client

    with outbox():
        thread = ask(member, space)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(other_member)
    page = tree(browser.get(thread.get_absolute_url()))
    form = page.find(".//div[@class='watch-control']//form")
    fields = {el.get("name"): el.get("value") for el in form.iter("input")}
    assert fields["csrfmiddlewaretoken"]

    response = browser.post(form.get("action"), {**fields, "level": "track"})

    assert response.status_code == 302
    assert Subscription.objects.get(user=other_member, thread=thread).level == Level.TRACK
