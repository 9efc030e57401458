"""E-mail: collapsing, digests, the checks made when sending, a real SMTP server, retries and
RFC 8058 one-click unsubscribe."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone
from html5lib import parse

from community.models import Branding
from forums.models import Space, SpaceMembership
from notifications import mail
from notifications.models import (
    Channel,
    EmailDelivery,
    Kind,
    Level,
    Notification,
    NotificationPreference,
    Subscription,
)
from notifications.tokens import Scope, make_token, read_token

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=10)


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
def thread(outbox, member, space):
    with outbox():
        return ask(member, space, title="Exports stop at 10,000 rows")


def tick(outbox, minutes_later: int = 10):
    """The minute tick, as celery beat runs it, some minutes from now."""
    with outbox():
        return mail.email_schedule_due(now=timezone.now() + timedelta(minutes=minutes_later))


def test_immediate_mail_waits_so_replies_to_one_thread_make_one_email(
    outbox, mailoutbox, member, other_member, thread
):
    for text in ("Which version?", "Also: which browser?", "Found it, see the release notes."):
        with outbox():
            reply(other_member, thread, body=text)

    assert tick(outbox, minutes_later=0) == 0  # still inside the collapse window
    assert mailoutbox == []
    assert tick(outbox) == 1
    assert tick(outbox) == 0  # bundled once

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "3 new updates in “Exports stop at 10,000 rows”"
    for text in ("Which version?", "which browser?", "see the release notes"):
        assert text in message.body
        assert text in message.alternatives[0].content
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_one_reply_reads_as_a_sentence(outbox, mailoutbox, member, other_member, thread):
    with outbox():
        reply(other_member, thread, body="@alice the limit is gone in 4.2.")
    tick(outbox)
    assert mailoutbox[0].subject == "Bob mentioned you in “Exports stop at 10,000 rows”"


def test_digests_carry_only_unread_items_once(outbox, mailoutbox, member, other_member, space):
    NotificationPreference.objects.create(
        user=member, kind=Kind.THREAD_REPLY, channel=Channel.DAILY
    )
    threads = []
    for title in ("First question", "Second question"):
        with outbox():
            threads.append(ask(member, space, title=title))
    for item in threads:
        with outbox():
            reply(other_member, item, body=f"An answer to {item.title}")
    Notification.objects.filter(thread=threads[0]).update(read_at=timezone.now())

    assert tick(outbox) == 0  # nothing immediate
    with outbox():
        assert mail.email_schedule_digests(channel=Channel.DAILY) == 1
    with outbox():
        assert mail.email_schedule_digests(channel=Channel.DAILY) == 0

    assert len(mailoutbox) == 1
    digest = mailoutbox[0]
    assert digest.subject == "Your daily digest from Stoa: 1 update"
    assert "Second question" in digest.body and "First question" not in digest.body
    read = Notification.objects.get(thread=threads[0])
    assert read.email_status == Notification.EmailStatus.SKIPPED
    token = re.search(r"/unsubscribe/([^/]+)/", digest.extra_headers["List-Unsubscribe"])[1]
    assert read_token(token) == Scope(user_id=member.pk, channel=Channel.DAILY)


def test_nothing_is_sent_to_an_unverified_address(outbox, mailoutbox, other_member, space):
    newcomer = UserFactory(username="newbie", verified=False)
    with outbox():
        thread = ask(other_member, space)
    Subscription.objects.create(user=newcomer, thread=thread, level=Level.WATCH)
    with outbox():
        reply(other_member, thread, body="@newbie welcome!")
    notice = Notification.objects.get(recipient=newcomer)
    assert notice.email_status == Notification.EmailStatus.SKIPPED

    # Verified when the notification was made, not any more when the e-mail goes out.
    Notification.objects.filter(pk=notice.pk).update(
        email_status=Notification.EmailStatus.PENDING, email_channel=Channel.IMMEDIATE
    )
    tick(outbox)
    assert mailoutbox == []
    assert EmailDelivery.objects.get().status == EmailDelivery.Status.CANCELLED


def test_the_reading_door_is_asked_again_when_sending(outbox, mailoutbox, member, other_member):
    private = SpaceFactory(slug="panel", visibility=Space.Visibility.INVITE)
    for person in (member, other_member):
        SpaceMembership.objects.create(space=private, user=person)
    with outbox():
        thread = ask(member, private, title="Secret roadmap")
    with outbox():
        reply(other_member, thread, body="The secret plan")
    delivery = mail.delivery_bundle(
        recipient_id=member.pk, channel=Channel.IMMEDIATE, thread_id=thread.pk
    )
    SpaceMembership.objects.filter(space=private, user=member).delete()

    assert mail.delivery_send(delivery_id=delivery.pk) == "cancelled"
    assert mailoutbox == []
    assert Notification.objects.get().email_status == Notification.EmailStatus.SKIPPED


def test_items_switched_off_or_read_before_sending_are_left_out(
    outbox, mailoutbox, member, other_member, thread
):
    with outbox():
        reply(other_member, thread, body="First")
    with outbox():
        reply(other_member, thread, body="@alice second")
    delivery = mail.delivery_bundle(
        recipient_id=member.pk, channel=Channel.IMMEDIATE, thread_id=thread.pk
    )
    NotificationPreference.objects.create(user=member, kind=Kind.MENTION, channel=Channel.NEVER)

    assert mail.delivery_send(delivery_id=delivery.pk) == "sent"
    assert "First" in mailoutbox[0].body and "second" not in mailoutbox[0].body
    assert mail.delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(mailoutbox) == 1


def test_mail_through_a_real_smtp_server(outbox, smtp_server, member, other_member, thread):
    Branding.objects.create(site_name="Lumen Community", primary_colour="#0f766e")
    with outbox():
        post = reply(other_member, thread, body="Use **Export → CSV (all rows)** in 4.2.")
    tick(outbox)

    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "alice@example.com"
    assert message["From"].addresses[0].display_name == "Lumen Community"
    assert message["Subject"] == "Bob replied in “Exports stop at 10,000 rows”"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(
        r"<(http://127\.0\.0\.1:8000/unsubscribe/[^/>]+/)>", message["List-Unsubscribe"]
    )
    assert unsubscribe, message["List-Unsubscribe"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].startswith("<stoa.")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    post_url = f"http://127.0.0.1:8000{thread.get_post_url(post.position)}"
    assert post_url in text
    assert "Use Export → CSV (all rows) in 4.2." in text
    document = parse(html, namespaceHTMLElements=False)
    links = {a.get("href") for a in document.iter("a")}
    assert post_url in links
    assert unsubscribe[1] in links
    assert "http://127.0.0.1:8000/notifications/settings/" in links
    assert "#0f766e" in html
    assert "<strong>" not in text

    # RFC 8058: the mail client POSTs once, with no cookies and no CSRF token.
    robot = Client(enforce_csrf_checks=True)
    path = unsubscribe[1].removeprefix("http://127.0.0.1:8000")
    response = robot.post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert NotificationPreference.objects.get(user=member, kind=Kind.THREAD_REPLY).channel == (
        Channel.NEVER
    )


def test_an_smtp_refusal_is_retried_with_backoff_and_sent_once(
    outbox, smtp_server, member, other_member, thread
):
    with outbox():
        reply(other_member, thread, body="An answer")
    delivery = mail.delivery_bundle(
        recipient_id=member.pk, channel=Channel.IMMEDIATE, thread_id=thread.pk
    )
    smtp_server.refuse = True

    waits = []
    for _ in range(3):
        with pytest.raises(mail.DeliveryFailed) as failure:
            mail.delivery_send(delivery_id=delivery.pk)
        waits.append(failure.value.retry_in)
    delivery.refresh_from_db()
    assert waits == [1, 2, 4]
    assert (delivery.status, delivery.attempts) == ("pending", 3)
    assert "451" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()

    smtp_server.refuse = False
    assert mail.delivery_send(delivery_id=delivery.pk) == "sent"
    assert mail.delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(smtp_server.messages) == 1
    assert smtp_server.refused == 3


def test_a_delivery_gives_up_after_its_last_attempt(
    outbox, smtp_server, settings, member, other_member, thread
):
    settings.STOA_EMAIL_MAX_ATTEMPTS = 2
    with outbox():
        reply(other_member, thread)
    delivery = mail.delivery_bundle(
        recipient_id=member.pk, channel=Channel.IMMEDIATE, thread_id=thread.pk
    )
    smtp_server.refuse = True
    with pytest.raises(mail.DeliveryFailed):
        mail.delivery_send(delivery_id=delivery.pk)
    with pytest.raises(mail.DeliveryFailed) as final:
        mail.delivery_send(delivery_id=delivery.pk)
    assert final.value.retry_in is None
    assert mail.delivery_send(delivery_id=delivery.pk) == "failed"


def test_deliveries_whose_task_never_ran_are_queued_again(
    outbox, mailoutbox, member, other_member, thread
):
    with outbox():
        reply(other_member, thread)
    with outbox():
        delivery = mail.delivery_bundle(
            recipient_id=member.pk, channel=Channel.IMMEDIATE, thread_id=thread.pk
        )
    mailoutbox.clear()
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status="pending", next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    Notification.objects.update(email_status="queued")
    assert mail.deliveries_requeue_stale() == 1
    assert len(mailoutbox) == 1


def test_the_unsubscribe_page_explains_before_acting(client, member):
    token = make_token(Scope(user_id=member.pk, kinds=(Kind.MENTION, Kind.REPLY)))
    response = client.get(f"/unsubscribe/{token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unsubscribe?" in html and "Mentions of you" in html and "Replies to your posts" in html
    assert not NotificationPreference.objects.exists()  # a link scanner's GET changes nothing

    response = client.post(f"/unsubscribe/{token}/", {"action": "unsubscribe"})
    assert "You are unsubscribed" in response.content.decode()
    prefs = dict(NotificationPreference.objects.values_list("kind", "channel"))
    assert prefs == {Kind.MENTION: Channel.NEVER, Kind.REPLY: Channel.NEVER}
    assert "Already unsubscribed" in client.get(f"/unsubscribe/{token}/").content.decode()


def test_the_unsubscribe_page_lets_the_member_choose_instead(client, member):
    token = make_token(Scope(user_id=member.pk, everything=True))
    data = dict.fromkeys(Kind.values, Channel.WEEKLY)
    data["action"] = "save"
    response = client.post(f"/unsubscribe/{token}/", data, follow=True)
    assert "Your e-mail settings are saved." in response.content.decode()
    assert set(
        NotificationPreference.objects.filter(user=member).values_list("channel", flat=True)
    ) == {Channel.WEEKLY}

    data[Kind.MENTION] = "sometimes"
    response = client.post(f"/unsubscribe/{token}/", data)
    assert response.status_code == 400
    assert "Choose one of the options" in response.content.decode()


@pytest.mark.parametrize(
    "token",
    ["nonsense", "1.mention:forged", make_token(Scope(user_id=999999, kinds=("mention",)))],
)
def test_a_forged_or_stale_unsubscribe_link_says_so(client, member, token):
    assert read_token("x") is None
    response = client.post(
        f"/unsubscribe/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_turning_a_kind_off_stops_mail_already_waiting(
    outbox, mailoutbox, client, member, other_member, thread
):
    with outbox():
        reply(other_member, thread)
    client.force_login(member)
    data = dict.fromkeys(Kind.values, Channel.IMMEDIATE)
    data[Kind.THREAD_REPLY] = Channel.NEVER
    client.post("/notifications/settings/", data)
    tick(outbox)
    assert mailoutbox == []
    assert Notification.objects.get().email_status == Notification.EmailStatus.SKIPPED


def test_tracked_threads_are_never_emailed(outbox, mailoutbox, member, other_member, thread):
    Subscription.objects.filter(user=member, thread=thread).update(level=Level.TRACK)
    with outbox():
        reply(other_member, thread)
    tick(outbox)
    assert Notification.objects.filter(recipient=member).exists()
    assert mailoutbox == []


def test_unverified_then_verified_gets_later_mail(outbox, mailoutbox, other_member, space):
    person = UserFactory(username="late", verified=False)
    with outbox():
        thread = ask(other_member, space)
    Subscription.objects.create(user=person, thread=thread, level=Level.WATCH)
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    with outbox():
        reply(UserFactory(username="third"), thread)
    tick(outbox)
    assert ["late@example.com"] in [m.to for m in mailoutbox]
