"""E-mail: bundling notifications into messages and sending each message once.

The path of a notification that may be e-mailed (``email_status`` ``pending``):

1. Bundling. Every minute (celery beat, ``send_due_email``) the notifications waiting for an
   immediate e-mail whose oldest item is older than ``STOA_EMAIL_COLLAPSE_MINUTES`` are
   bundled per member and thread: several replies to one thread within those minutes become
   one e-mail. Daily and weekly digests bundle everything else that waits, per member. A
   bundle is an ``EmailDelivery`` row with an idempotency key; its notifications move to
   ``queued`` in the same transaction, under ``select_for_update(skip_locked=True)``, so two
   ticks never bundle an item twice.
2. Sending (``send_email`` task, one per delivery, enqueued on commit). The delivery row is
   locked while the SMTP conversation runs, the recipient's verified address, preferences and
   the reading door are checked again (items read, hidden or no longer visible are dropped),
   and the row is marked sent only after the server accepted the message. A refusal leaves
   it pending with the attempt counted, and the task retries with exponential backoff; a
   delivery that was sent is never sent again.
3. A delivery left pending long after its next attempt was due (the broker was down when
   its task should have been queued) is queued again by the same minute tick.

Every message carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) with a signed
token: the one-click POST needs no login.
"""

import hashlib
import logging
import smtplib
import textwrap
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from community.models import Branding
from forums.models import Post, Thread

from .models import Channel, EmailDelivery, Notification
from .presentation import Description, describe
from .selectors import channels_for
from .tokens import Scope, make_token

log = logging.getLogger(__name__)

PENDING = Notification.EmailStatus.PENDING
QUEUED = Notification.EmailStatus.QUEUED
SKIPPED = Notification.EmailStatus.SKIPPED


class DeliveryFailed(Exception):
    """The SMTP server did not take the message; ``retry_in`` seconds until the next try,
    or None when the delivery gave up."""

    def __init__(self, message: str, retry_in: int | None):
        super().__init__(message)
        self.retry_in = retry_in


def backoff_seconds(attempt: int) -> int:
    """Wait before attempt ``attempt + 1``: base, 2x base, 4x base, ... capped."""
    base = settings.STOA_EMAIL_RETRY_BASE_SECONDS
    return int(min(base * 2 ** max(attempt - 1, 0), settings.STOA_EMAIL_RETRY_MAX_SECONDS))


# --- bundling -------------------------------------------------------------------------------


def _enqueue(delivery_id: int) -> None:
    from .tasks import send_email

    try:
        send_email.delay(delivery_id=delivery_id)
    except Exception as exc:  # a dead broker: the minute tick queues stale deliveries again
        log.warning("E-mail delivery %s left for the next tick: %s", delivery_id, exc)


def delivery_bundle(
    *, recipient_id: int, channel: str, thread_id: int | None = None
) -> EmailDelivery | None:
    """Put the member's waiting notifications of one channel (and, for immediate mail, one
    thread) into a new delivery, and queue it for sending once this commits."""
    with transaction.atomic():
        waiting = Notification.objects.select_for_update(skip_locked=True).filter(
            recipient_id=recipient_id, email_status=PENDING, email_channel=channel
        )
        if channel == Channel.IMMEDIATE:
            waiting = (
                waiting.filter(thread_id=thread_id)
                if thread_id
                else waiting.filter(thread__isnull=True)
            )
        rows = list(waiting.order_by("pk").values_list("pk", "read_at"))
        if not rows:
            return None
        unread = [pk for pk, read_at in rows if read_at is None]
        already_read = [pk for pk, read_at in rows if read_at is not None]
        if already_read:
            Notification.objects.filter(pk__in=already_read).update(email_status=SKIPPED)
        if not unread:
            return None
        delivery = EmailDelivery.objects.create(
            recipient_id=recipient_id,
            key=f"{channel}:{recipient_id}:{thread_id or 0}:{unread[0]}",
            channel=channel,
            thread_id=thread_id,
        )
        Notification.objects.filter(pk__in=unread).update(email_status=QUEUED, delivery=delivery)
        transaction.on_commit(lambda: _enqueue(delivery.pk))
    return delivery


def email_schedule_due(*, now=None, limit: int = 1000) -> int:
    """The minute tick: bundle immediate mail whose collapse window has passed, and queue
    again deliveries that were never picked up. Returns the number of deliveries made."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.STOA_EMAIL_COLLAPSE_MINUTES)
    groups = (
        Notification.objects.filter(
            email_status=PENDING, email_channel=Channel.IMMEDIATE, created_at__lte=cutoff
        )
        .values_list("recipient_id", "thread_id")
        .distinct()[:limit]
    )
    made = 0
    for recipient_id, thread_id in list(groups):
        if delivery_bundle(
            recipient_id=recipient_id, channel=Channel.IMMEDIATE, thread_id=thread_id
        ):
            made += 1
    deliveries_requeue_stale(now=now)
    return made


def email_schedule_digests(*, channel: str, limit: int = 5000) -> int:
    """Daily or weekly: one digest per member with unread items waiting on that channel."""
    if channel not in (Channel.DAILY, Channel.WEEKLY):
        raise ValueError(f"Not a digest channel: {channel!r}")
    recipients = (
        Notification.objects.filter(email_status=PENDING, email_channel=channel)
        .values_list("recipient_id", flat=True)
        .distinct()[:limit]
    )
    made = 0
    for recipient_id in list(recipients):
        if delivery_bundle(recipient_id=recipient_id, channel=channel):
            made += 1
    return made


def deliveries_requeue_stale(*, now=None) -> int:
    """Queue again deliveries whose send task never ran (the broker was down)."""
    now = now or timezone.now()
    stale = EmailDelivery.objects.filter(
        status=EmailDelivery.Status.PENDING,
        next_attempt_at__lte=now - timedelta(minutes=settings.STOA_EMAIL_STALE_MINUTES),
    ).values_list("pk", flat=True)[:500]
    stale = list(stale)
    for delivery_id in stale:
        _enqueue(delivery_id)
    return len(stale)


# --- sending --------------------------------------------------------------------------------


def verified_address(user) -> str:
    """The member's verified primary address, or "" (nothing is sent to unverified ones)."""
    address = (
        EmailAddress.objects.filter(user=user, primary=True, verified=True)
        .values_list("email", flat=True)
        .first()
    )
    return address or ""


def _still_worth_sending(user, channel: str, items: list[Notification]):
    """Split items into those to send and those to drop: read since, switched off, or about
    a thread or post the member may no longer read (the reading door, asked again)."""
    if not items:
        return [], []
    prefs = channels_for(user_ids=[user.pk], kinds={n.kind for n in items})
    thread_ids = {n.thread_id for n in items if n.thread_id}
    post_ids = {n.post_id for n in items if n.post_id}
    readable_threads = set(
        Thread.objects.visible_to(user).filter(pk__in=thread_ids).values_list("pk", flat=True)
    )
    readable_posts = set(
        Post.objects.visible_to(user).filter(pk__in=post_ids).values_list("pk", flat=True)
    )
    keep, drop = [], []
    for item in items:
        ok = (
            item.read_at is None
            and prefs[user.pk, item.kind] != Channel.NEVER
            and (not item.thread_id or item.thread_id in readable_threads)
            and (not item.post_id or item.post_id in readable_posts)
        )
        (keep if ok else drop).append(item)
    return keep, drop


@dataclass
class MailItem:
    description: Description
    url: str
    when: object
    action: str  # the description's action, shortened when the e-mail names the thread once
    target: str
    excerpt_lines: list[str]  # the excerpt wrapped for the plain-text part


TARGET_PREPOSITIONS = (" in", " to", " on", " into")


def _mail_item(notification: Notification, *, in_thread_mail: bool) -> MailItem:
    """One line of an e-mail. In a message about one thread, whose title heads it, lines
    read "Bob replied" rather than repeating the title each time."""
    description = describe(notification)
    action, target = description.action, description.target
    if in_thread_mail:
        for suffix in TARGET_PREPOSITIONS:
            if action.endswith(suffix):
                action, target = action.removesuffix(suffix), ""
                break
    return MailItem(
        description=description,
        url=absolute(description.url),
        when=notification.created_at,
        action=action,
        target=target,
        excerpt_lines=textwrap.wrap(description.excerpt, width=72),
    )


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path


def _subject(channel: str, entries: list[MailItem], site_name: str) -> str:
    if channel in (Channel.DAILY, Channel.WEEKLY):
        count = len(entries)
        period = "daily" if channel == Channel.DAILY else "weekly"
        return f"Your {period} digest from {site_name}: {count} update{'s' if count != 1 else ''}"
    first = entries[0].description
    if len(entries) == 1:
        who = f"{first.actor} " if first.actor else ""
        target = f" “{first.target}”" if first.target else ""
        subject = f"{who}{first.action}{target}"
    else:
        subject = f"{len(entries)} new updates in “{first.target}”"
    return " ".join(subject.split())[:190]


def _unsubscribe_scope(user, channel: str, items: list[Notification]) -> Scope:
    if channel in (Channel.DAILY, Channel.WEEKLY):
        return Scope(user_id=user.pk, channel=channel)
    return Scope(user_id=user.pk, kinds=tuple(sorted({n.kind for n in items})))


def _message_id(key: str, domain: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<stoa.{digest}@{domain}>"


def build_message(
    *, delivery: EmailDelivery, user, address: str, items: list[Notification]
) -> EmailMultiAlternatives:
    """The e-mail for a delivery: plain text and HTML, branded, with unsubscribe headers."""
    branding = Branding.current()
    in_thread_mail = bool(delivery.thread_id) and len(items) > 1
    entries = [_mail_item(n, in_thread_mail=in_thread_mail) for n in items]
    token = make_token(_unsubscribe_scope(user, delivery.channel, items))
    unsubscribe_url = absolute(reverse("notifications:unsubscribe", args=[token]))
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    context = {
        "site_name": branding.site_name,
        "brand_colour": branding.primary_colour,
        "site_url": settings.SITE_URL,
        "recipient": user,
        "entries": entries,
        "digest": delivery.channel in (Channel.DAILY, Channel.WEEKLY),
        "channel": delivery.channel,
        "thread_title": entries[0].description.target if entries else "",
        "thread_url": absolute(items[0].thread.get_absolute_url())
        if delivery.thread_id and items[0].thread_id
        else "",
        "inbox_url": absolute(reverse("notifications:inbox")),
        "settings_url": absolute(reverse("notifications:settings")),
        "unsubscribe_url": unsubscribe_url,
    }
    subject = _subject(delivery.channel, entries, branding.site_name)
    text = render_to_string("notifications/email/message.txt", context)
    html = render_to_string("notifications/email/message.html", context)
    _, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{branding.site_name} notifications <notifications.{domain}>",
        "Auto-Submitted": "auto-generated",
        "Message-ID": _message_id(delivery.key, domain),
    }
    if delivery.thread_id:
        # Mail clients group every message about one thread into one conversation.
        headers["References"] = f"<stoa.thread.{delivery.thread_id}@{domain}>"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((branding.site_name, from_address or "community@localhost")),
        to=[address],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def _permanent(exc: Exception) -> bool:
    """A 5xx answer will not change on retry (no such mailbox, message refused for good)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery if it still has something worth sending. Returns what happened:
    ``sent``, ``cancelled``, ``busy`` (another worker holds it) or its status when already
    done. Raises ``DeliveryFailed`` when the SMTP server did not take the message."""
    failure = None
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "busy"
        if delivery.status != EmailDelivery.Status.PENDING:
            return delivery.status
        user = delivery.recipient
        items = list(
            delivery.notifications.select_related("actor", "thread", "thread__space", "post")
            .filter(email_status=QUEUED)
            .order_by("created_at", "pk")
        )
        address = verified_address(user) if user.is_active else ""
        keep, drop = _still_worth_sending(user, delivery.channel, items) if address else ([], items)
        if drop:
            Notification.objects.filter(pk__in=[n.pk for n in drop]).update(email_status=SKIPPED)
        if not keep:
            delivery.status = EmailDelivery.Status.CANCELLED
            delivery.save(update_fields=["status"])
            return "cancelled"
        message = build_message(delivery=delivery, user=user, address=address, items=keep)
        delivery.attempts += 1
        delivery.address = address
        delivery.subject = message.subject
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            retry_in = None if _permanent(exc) else backoff_seconds(delivery.attempts)
            if retry_in is None or delivery.attempts >= settings.STOA_EMAIL_MAX_ATTEMPTS:
                retry_in = None
                delivery.status = EmailDelivery.Status.FAILED
                Notification.objects.filter(pk__in=[n.pk for n in keep]).update(
                    email_status=SKIPPED
                )
            else:
                delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
            delivery.save(
                update_fields=[
                    "attempts",
                    "address",
                    "subject",
                    "last_error",
                    "status",
                    "next_attempt_at",
                ]
            )
            failure = DeliveryFailed(delivery.last_error, retry_in)
        else:
            delivery.status = EmailDelivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.save(
                update_fields=["attempts", "address", "subject", "status", "sent_at", "last_error"]
            )
            Notification.objects.filter(pk__in=[n.pk for n in keep]).update(
                email_status=Notification.EmailStatus.SENT
            )
    if failure is not None:
        raise failure
    return "sent"
