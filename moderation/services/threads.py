"""Decisions about threads: lock, move, merge, split. Posts keep their authors, dates and
revisions; positions are renumbered where they move; counters are recomputed."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from forums import services as forum_services
from forums.models import Post, Space, Thread

from .. import permissions
from ..models import ModerationAction
from .common import AlreadyHandled, action_record, describe_action
from .posts import clean_reason

Action = ModerationAction.Action


def _lock_thread(thread_id: int) -> Thread:
    thread = Thread.objects.select_for_update().filter(pk=thread_id).first()
    if thread is None or thread.is_deleted:
        raise ValidationError("This thread was deleted.")
    return thread


def _latest_on(thread: Thread):
    return (
        ModerationAction.objects.select_related("actor")
        .filter(thread=thread)
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def thread_lock(*, actor, thread: Thread, locked: bool, reason: str) -> ModerationAction:
    if not permissions.can_lock_thread(actor):
        raise PermissionDenied("You cannot lock threads.")
    reason = clean_reason(reason)
    thread = _lock_thread(thread.pk)
    if thread.is_locked == locked:
        latest = _latest_on(thread)
        state = "locked" if locked else "unlocked"
        raise AlreadyHandled(describe_action(latest, f"This thread is already {state}."), latest)
    forum_services.thread_moderate(actor=actor, thread=thread, locked=locked)
    return action_record(
        actor=actor,
        action=Action.LOCK if locked else Action.UNLOCK,
        reason=reason,
        thread=thread,
        target_user=thread.author,
        changes={"is_locked": [not locked, locked]},
    )


@transaction.atomic
def thread_move(*, actor, thread: Thread, space: Space, reason: str) -> ModerationAction:
    if not permissions.can_move_thread(actor):
        raise PermissionDenied("You cannot move threads.")
    reason = clean_reason(reason)
    thread = _lock_thread(thread.pk)
    if not permissions.thread_is_movable(thread):
        raise ValidationError("Private conversations stay where they are.")
    if thread.space_id == space.pk:
        raise ValidationError({"space": f"The thread is already in “{space.name}”."})
    if space.is_archived:
        raise ValidationError({"space": f"“{space.name}” is archived; choose another space."})
    source = thread.space
    Thread.objects.filter(pk=thread.pk).update(space=space, language=space.language)
    for affected in (source, space):
        if affected is not None:
            forum_services.space_synchronize(space=affected)
    return action_record(
        actor=actor,
        action=Action.MOVE,
        reason=reason,
        thread=thread,
        target_user=thread.author,
        changes={"space": [source.slug if source else None, space.slug]},
    )


def _next_position(thread: Thread) -> int:
    return (Post.objects.filter(thread=thread).aggregate(m=Max("position"))["m"] or 0) + 1


def _append_posts(posts: list[Post], *, target: Thread, start: int) -> None:
    """Give ``posts`` positions start, start+1, ... in ``target``; every position from
    ``start`` on is free there, so no two posts ever share one."""
    for offset, post in enumerate(posts):
        Post.objects.filter(pk=post.pk).update(thread=target, position=start + offset)


@transaction.atomic
def thread_merge(*, actor, source: Thread, target: Thread, reason: str) -> ModerationAction:
    """Move every post of ``source`` to the end of ``target`` (in their order); ``source`` is
    then deleted. Its opening post becomes a reply in ``target``."""
    if not permissions.can_move_thread(actor):
        raise PermissionDenied("You cannot merge threads.")
    reason = clean_reason(reason)
    if source.pk == target.pk:
        raise ValidationError({"target": "Choose a different thread to merge into."})
    # Lock both in id order so two merges of the same pair cannot deadlock.
    first, second = sorted((source.pk, target.pk))
    locked = {first: _lock_thread(first), second: _lock_thread(second)}
    source, target = locked[source.pk], locked[target.pk]
    if not (permissions.thread_is_movable(source) and permissions.thread_is_movable(target)):
        raise ValidationError("Private conversations cannot be merged.")
    posts = list(Post.objects.filter(thread=source).order_by("position"))
    start = _next_position(target)
    _append_posts(posts, target=target, start=start)
    Thread.objects.filter(pk=source.pk).update(
        is_deleted=True, accepted_post=None, official_post=None, post_count=0
    )
    if source.tags.exists():
        target.tags.add(*source.tags.all())
    forum_services.thread_synchronize(thread=target)
    for space in {s for s in (source.space, target.space) if s is not None}:
        forum_services.space_synchronize(space=space)
    return action_record(
        actor=actor,
        action=Action.MERGE,
        reason=reason,
        thread=target,
        target_user=source.author,
        changes={
            "source": source.pk,
            "source_title": source.title,
            "target": target.pk,
            "posts": [p.pk for p in posts],
            "positions": [start, start + len(posts) - 1],
        },
    )


@transaction.atomic
def thread_split(
    *,
    actor,
    thread: Thread,
    positions: list[int],
    title: str,
    reason: str,
    space: Space | None = None,
) -> ModerationAction:
    """Move the chosen replies to a new thread; the first of them opens it."""
    if not permissions.can_move_thread(actor):
        raise PermissionDenied("You cannot split threads.")
    reason = clean_reason(reason)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Give the new thread a title."})
    if len(title) > 200:
        raise ValidationError({"title": "Keep the title under 200 characters."})
    thread = _lock_thread(thread.pk)
    if not permissions.thread_is_movable(thread):
        raise ValidationError("Private conversations cannot be split.")
    wanted = sorted({int(p) for p in positions if int(p) > 1})
    if not wanted:
        raise ValidationError({"positions": "Choose at least one reply to split off."})
    posts = list(
        Post.objects.filter(thread=thread, position__in=wanted, is_deleted=False).order_by(
            "position"
        )
    )
    if len(posts) != len(wanted):
        raise ValidationError(
            {"positions": "Some of the chosen replies no longer exist; reload and choose again."}
        )
    space = space or thread.space
    opening = posts[0]
    kind = (
        thread.kind
        if thread.kind in (Thread.Kind.QUESTION, Thread.Kind.DISCUSSION)
        else (Thread.Kind.DISCUSSION)
    )
    new = Thread.objects.create(
        space=space,
        kind=kind,
        title=title,
        slug=slugify(title)[:80] or "thread",
        author=opening.author,
        language=space.language if space else thread.language,
        last_poster=opening.author,
        last_activity_at=opening.created_at,
    )
    Thread.objects.filter(pk=new.pk).update(created_at=opening.created_at)
    _append_posts(posts, target=new, start=1)
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(reply_to=None)
    forum_services.thread_synchronize(thread=thread)
    forum_services.thread_synchronize(thread=new)
    for affected in {s for s in (thread.space, space) if s is not None}:
        forum_services.space_synchronize(space=affected)
    return action_record(
        actor=actor,
        action=Action.SPLIT,
        reason=reason,
        thread=new,
        target_user=opening.author,
        changes={
            "source": thread.pk,
            "source_title": thread.title,
            "new_thread": new.pk,
            "positions": wanted,
            "posts": [p.pk for p in posts],
        },
    )
