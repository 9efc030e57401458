"""Pieces every moderation service uses: the audit row, the queue item, the post lock, and
the counters a post's visibility moves."""

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.timesince import timesince

from community.outbox import emit
from forums.models import Post, Space, Thread
from forums.services import thread_synchronize

from ..models import Flag, ModerationAction, ReviewItem

QUEUE_SIZE_KEY = "moderation:queue-size"


class AlreadyHandled(Exception):
    """Another moderator (or the system) decided first; nothing was changed."""

    def __init__(self, message: str, action: ModerationAction | None = None):
        super().__init__(message)
        self.message = message
        self.action = action


def describe_action(action: ModerationAction | None, fallback: str) -> str:
    if action is None:
        return fallback
    who = action.actor.name if action.actor_id else "The system"
    return (
        f"{who} already handled this {timesince(action.created_at)} ago: "
        f"{action.get_action_display().lower()} ({action.reason})"
    )


def latest_action(*, post: Post | None = None, user=None) -> ModerationAction | None:
    qs = ModerationAction.objects.select_related("actor")
    if post is not None:
        qs = qs.filter(post=post)
    if user is not None:
        qs = qs.filter(target_user=user)
    return qs.order_by("-created_at", "-id").first()


def action_record(
    *,
    actor,
    action: str,
    reason: str,
    post: Post | None = None,
    thread: Thread | None = None,
    target_user=None,
    changes: dict | None = None,
    notify: bool = True,
) -> ModerationAction:
    """Write the audit row, in the caller's transaction, and tell whoever must hear of it."""
    row = ModerationAction.objects.create(
        actor=actor,
        action=action,
        reason=reason[:500],
        post=post,
        thread=thread if thread is not None else (post.thread if post is not None else None),
        target_user=target_user
        if target_user is not None
        else (post.author if post is not None else None),
        changes=changes or {},
    )
    if notify:
        emit("moderation.decided", action_id=row.pk)
    return row


def queue_changed() -> None:
    """Forget the cached queue size once the change is committed."""
    transaction.on_commit(lambda: cache.delete(QUEUE_SIZE_KEY))


def lock_post(post_id: int) -> Post:
    """The post, locked for this transaction (moderators' decisions are taken one at a time)."""
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread", "thread__space", "author")
        .get(pk=post_id)
    )


def open_item_for_post(post: Post) -> ReviewItem | None:
    return ReviewItem.objects.select_for_update().filter(post=post, status="open").first()


def check_item(item_id: int | None, *, post: Post | None = None, user=None) -> None:
    """A decision taken from the queue names its item: if that item was resolved in the
    meantime, say who did what instead of acting again."""
    if not item_id:
        return
    item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None or item.status == ReviewItem.Status.OPEN:
        return
    action = item.resolution
    if action is None:
        action = latest_action(post=post, user=user)
    raise AlreadyHandled(describe_action(action, "This item was already handled."), action)


def review_open(
    *,
    kind: str = ReviewItem.Kind.POST,
    post: Post | None = None,
    subject=None,
    sources: list[str],
    score: float | None = None,
    flag_weight: float | None = None,
) -> ReviewItem:
    """Open the item for this post (or profile), or add reasons to the open one."""
    lookup = {"post": post} if post is not None else {"subject": subject, "kind": kind}
    item = ReviewItem.objects.select_for_update().filter(status="open", **lookup).first()
    if item is None:
        try:
            with transaction.atomic():
                item = ReviewItem.objects.create(
                    kind=kind,
                    post=post,
                    subject=subject if subject is not None else post.author,
                    sources=sorted(set(sources)),
                    score=score or 0.0,
                    flag_weight=flag_weight or 0.0,
                )
        except IntegrityError:
            item = ReviewItem.objects.select_for_update().get(status="open", **lookup)
        else:
            queue_changed()
            return item
    item.sources = sorted(set(item.sources) | set(sources))
    if score is not None:
        item.score = max(item.score, score)
    if flag_weight is not None:
        item.flag_weight = flag_weight
    item.save(update_fields=["sources", "score", "flag_weight"])
    return item


def review_resolve(item: ReviewItem | None, *, actor, action: ModerationAction) -> None:
    if item is None or item.status != ReviewItem.Status.OPEN:
        return
    item.status = ReviewItem.Status.RESOLVED
    item.resolved_at = timezone.now()
    item.resolved_by = actor
    item.resolution = action
    item.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    queue_changed()


def flags_resolve(*, post: Post, status: str, actor, outcome: str) -> list[int]:
    """Close the post's open flags with an outcome their reporters will read."""
    ids = list(Flag.objects.filter(post=post, status=Flag.Status.OPEN).values_list("pk", flat=True))
    if ids:
        Flag.objects.filter(pk__in=ids).update(
            status=status, resolved_at=timezone.now(), resolved_by=actor, outcome=outcome[:300]
        )
        for flag_id in ids:
            emit("flag.resolved", flag_id=flag_id)
    return ids


def visibility_changed(post: Post, *, visible: bool) -> None:
    """A post became readable (approved) or stopped being readable (held, hidden, deleted).

    The thread's counters are recomputed; the space's move by one. A held post never
    counted, so approving it is what finally counts it.
    """
    thread = thread_synchronize(thread=post.thread)
    if visible and not post.is_opening and post.author_id != thread.author_id:
        Thread.objects.filter(pk=thread.pk, first_reply_at__isnull=True).update(
            first_reply_at=post.created_at
        )
    if thread.space_id:
        delta = 1 if visible else -1
        changes = {"post_count": Greatest(F("post_count") + delta, 0)}
        if post.is_opening:
            changes["thread_count"] = Greatest(F("thread_count") + delta, 0)
        if visible:
            changes["last_activity_at"] = thread.last_activity_at
        Space.objects.filter(pk=thread.space_id).update(**changes)
    post.thread = thread
