"""Every write a member makes to their notifications: watching, reading, preferences.

The fan-out (what the community's events write) lives in ``fanout.py``; e-mail in
``mail.py``.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import counters, permissions
from .models import Channel, Kind, Notification, NotificationPreference, Subscription

NORMAL = "normal"  # no subscription row: only what is addressed to you
LEVEL_CHOICES = {
    "thread": ("watch", "track", NORMAL, "mute"),
    "space": ("watch", "track", NORMAL, "mute"),
    "tag": ("watch", "track", NORMAL, "mute"),
}


def subscription_set(*, user, level: str, thread=None, space=None, tag=None) -> str:
    """Set the member's level on one target; ``normal`` removes the subscription.

    The caller fetched the target through the reading door (``selectors.*_for_watching``).
    Returns the level now in force.
    """
    target = {"thread": thread, "space": space, "tag": tag}
    target = {key: value for key, value in target.items() if value is not None}
    if len(target) != 1:
        raise ValueError("Subscribe to exactly one thread, space or tag.")
    (kind,) = target
    if level not in LEVEL_CHOICES[kind]:
        raise ValidationError("Choose watching, tracking, normal or muted.")
    permissions.check(permissions.can_watch(user), "Log in to watch threads.")
    with transaction.atomic():
        if level == NORMAL:
            Subscription.objects.filter(user=user, **target).delete()
            return ""
        Subscription.objects.update_or_create(
            user=user, **target, defaults={"level": level, "chosen": True}
        )
    return level


def notification_open(*, user, notification: Notification) -> Notification:
    """Opening a notification reads it."""
    if notification.recipient_id != user.pk:
        raise ValueError("Not this member's notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        counters.unread_changed([user.pk])
    return notification


def notifications_mark_read(*, user, ids=None, read: bool = True) -> int:
    """Mark some (``ids``) or all of a member's notifications read, or some unread again."""
    rows = Notification.objects.filter(recipient=user)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    if read:
        changed = rows.filter(read_at__isnull=True).update(read_at=timezone.now())
    else:
        changed = rows.filter(read_at__isnull=False).update(read_at=None)
    if changed:
        counters.unread_changed([user.pk])
    return changed


def preferences_save(*, user, channels: dict[str, str]) -> None:
    """Store the member's e-mail channel for each kind given (others keep theirs)."""
    unknown = [kind for kind in channels if kind not in Kind.values]
    bad = [value for value in channels.values() if value not in Channel.values]
    if unknown or bad:
        raise ValidationError("Choose one of the listed options for each kind of notification.")
    with transaction.atomic():
        NotificationPreference.objects.bulk_create(
            [
                NotificationPreference(user=user, kind=kind, channel=channel)
                for kind, channel in channels.items()
            ],
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["channel", "updated_at"],
        )
        _cancel_waiting_email(user=user, channels=channels)


def _cancel_waiting_email(*, user, channels: dict[str, str]) -> None:
    """Mail not yet bundled follows the new choice: "never" stops it, another channel
    moves it (a daily item becomes part of the weekly digest, for example)."""
    for kind, channel in channels.items():
        waiting = Notification.objects.filter(
            recipient=user, kind=kind, email_status=Notification.EmailStatus.PENDING
        )
        if channel == Channel.NEVER:
            waiting.update(email_status=Notification.EmailStatus.SKIPPED, email_channel=channel)
        else:
            waiting.exclude(email_channel=channel).update(email_channel=channel)


def unsubscribe(*, user, kinds: list[str]) -> list[str]:
    """One-click unsubscribe: no more e-mail for these kinds. Returns the kinds changed."""
    kinds = [kind for kind in kinds if kind in Kind.values]
    preferences_save(user=user, channels=dict.fromkeys(kinds, Channel.NEVER))
    return kinds
