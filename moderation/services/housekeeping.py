"""Periodic upkeep (celery beat runs ``moderation.housekeeping``). Every step is idempotent:
it selects what still needs doing and marks it done in the same transaction."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import Branding
from community.outbox import emit
from forums.models import Post

from ..models import Flag, ModerationAction, ReviewItem
from .common import action_record, queue_changed, review_open

BATCH = 500


@transaction.atomic
def flags_close_stale() -> int:
    """Close open flags and queue items on posts deleted in the meantime."""
    gone = Q(post__is_deleted=True) | Q(post__thread__is_deleted=True)
    flag_ids = list(
        Flag.objects.select_for_update(of=("self",))
        .filter(gone, status=Flag.Status.OPEN)
        .values_list("pk", flat=True)[:BATCH]
    )
    items = list(
        ReviewItem.objects.select_for_update(of=("self",))
        .filter(gone, status=ReviewItem.Status.OPEN, kind=ReviewItem.Kind.POST)
        .select_related("post")[:BATCH]
    )
    now = timezone.now()
    if flag_ids:
        Flag.objects.filter(pk__in=flag_ids).update(
            status=Flag.Status.CLOSED,
            resolved_at=now,
            outcome="The post was deleted before a moderator reviewed it.",
        )
        for flag_id in flag_ids:
            emit("flag.resolved", flag_id=flag_id)
    for item in items:
        action = action_record(
            actor=None,
            action=ModerationAction.Action.FLAGS_CLOSED,
            reason="The post was deleted, so there was nothing left to review.",
            post=item.post,
            notify=False,
        )
        item.status = ReviewItem.Status.RESOLVED
        item.resolved_at = now
        item.resolution = action
        item.save(update_fields=["status", "resolved_at", "resolution"])
    if items:
        queue_changed()
    return len(flag_ids) + len(items)


@transaction.atomic
def queue_catch_up() -> int:
    """Queue held posts that have no open item (their scoring task has not run yet)."""
    open_posts = ReviewItem.objects.filter(status="open", post__isnull=False).values("post_id")
    posts = list(
        Post.objects.filter(state=Post.State.PENDING, is_deleted=False, thread__is_deleted=False)
        .exclude(pk__in=open_posts)
        .select_related("author", "thread")[:BATCH]
    )
    for post in posts:
        review_open(post=post, sources=["first_posts"])
    return len(posts)


@transaction.atomic
def overdue_mark() -> list[int]:
    """Items that waited past STOA_MOD_REMIND_AFTER_MINUTES, each reminded about once."""
    cutoff = timezone.now() - timedelta(minutes=settings.STOA_MOD_REMIND_AFTER_MINUTES)
    ids = list(
        ReviewItem.objects.select_for_update(skip_locked=True)
        .filter(status="open", opened_at__lte=cutoff, reminded_at__isnull=True)
        .order_by("opened_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    if ids:
        ReviewItem.objects.filter(pk__in=ids).update(reminded_at=timezone.now())
        emit("moderation.overdue", item_ids=ids)
    return ids


@transaction.atomic
def suspensions_expire() -> int:
    """Clear suspensions that ran out, so the member's account reads as it should."""
    users = list(
        User.objects.select_for_update()
        .filter(suspended_until__isnull=False, suspended_until__lte=timezone.now())
        .order_by("pk")[:BATCH]
    )
    for user in users:
        User.objects.filter(pk=user.pk).update(suspended_until=None, suspension_reason="")
        action_record(
            actor=None,
            action=ModerationAction.Action.LIFT,
            reason="The suspension ended.",
            target_user=user,
            changes={"suspended_until": [user.suspended_until.isoformat(), None]},
        )
    return len(users)


def housekeeping() -> dict:
    return {
        "stale_closed": flags_close_stale(),
        "queued": queue_catch_up(),
        "overdue": len(overdue_mark()),
        "suspensions_ended": suspensions_expire(),
    }


def moderators() -> list[User]:
    return list(
        User.objects.filter(
            Q(groups__permissions__codename="review_queue")
            | Q(user_permissions__codename="review_queue"),
            is_active=True,
            emailaddress__verified=True,
        )
        .distinct()
        .order_by("pk")
    )


def moderators_remind(*, item_ids: list[int]) -> int:
    """E-mail the moderators about items still waiting. Sent once per batch of items."""
    key = "moderation:reminded:" + ",".join(str(i) for i in sorted(item_ids))
    waiting = ReviewItem.objects.filter(pk__in=item_ids, status="open").count()
    if not waiting or not cache.add(key, 1, timeout=7 * 24 * 3600):
        return 0
    site = Branding.current().site_name
    minutes = settings.STOA_MOD_REMIND_AFTER_MINUTES
    url = settings.SITE_URL + reverse("moderation:queue")
    recipients = [u.email for u in moderators()]
    if not recipients:
        return 0
    subject = f"[{site}] {waiting} item{'s' if waiting != 1 else ''} waiting in the queue"
    body = (
        f"{waiting} item{'s have' if waiting != 1 else ' has'} waited more than {minutes} "
        f"minutes for a moderator.\n\nOpen the queue: {url}\n"
    )
    return send_mass_mail(tuple((subject, body, None, [email]) for email in recipients))
