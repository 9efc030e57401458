"""Moderators' decisions on posts: approve, hide, delete, edit. Each is one transaction that
locks the post, refuses to act twice, writes its audit row and resolves the queue item."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from community.outbox import emit
from forums import services as forum_services
from forums.models import Post, Space, Thread
from forums.rendering import find_phone_numbers, render_post

from .. import permissions
from ..models import Flag, ModerationAction, SpamVerdict
from .common import (
    AlreadyHandled,
    action_record,
    check_item,
    describe_action,
    flags_resolve,
    latest_action,
    lock_post,
    open_item_for_post,
    review_resolve,
    visibility_changed,
)

Action = ModerationAction.Action


def clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why: the author and the log will read it."})
    return reason[:500]


def _check_moderator(actor) -> None:
    if not permissions.can_moderate_posts(actor):
        raise PermissionDenied("Only moderators can do that.")


def _already(post: Post, fallback: str) -> AlreadyHandled:
    action = latest_action(post=post)
    return AlreadyHandled(describe_action(action, fallback), action)


def _settle_verdicts(post: Post, outcome: str) -> list[int]:
    """Record what the moderator decided about the filter's verdicts on this post; the
    learning task reads them (``moderation.learn_from_decision``)."""
    ids = list(SpamVerdict.objects.filter(post=post, outcome="").values_list("pk", flat=True))
    if outcome == SpamVerdict.Outcome.FALSE_POSITIVE:
        # Only a verdict that held the post was wrong; the others were not acted on.
        ids = list(SpamVerdict.objects.filter(pk__in=ids, held=True).values_list("pk", flat=True))
    if ids:
        SpamVerdict.objects.filter(pk__in=ids).update(outcome=outcome)
    return ids


@transaction.atomic
def post_approve(*, actor, post: Post, reason: str, item_id: int | None = None):
    """Make a held or hidden post visible (or keep a flagged one up) and reject its flags."""
    _check_moderator(actor)
    reason = clean_reason(reason)
    post = lock_post(post.pk)
    check_item(item_id, post=post)
    if post.is_deleted:
        raise _already(post, "This post was deleted.")
    item = open_item_for_post(post)
    open_flags = Flag.objects.filter(post=post, status=Flag.Status.OPEN).exists()
    if post.state == Post.State.VISIBLE and item is None and not open_flags:
        raise _already(post, "This post is already visible.")
    was = post.state
    changes: dict = {"state": [was, Post.State.VISIBLE]}
    if was != Post.State.VISIBLE:
        post.state = Post.State.VISIBLE
        fields = ["state"]
        if find_phone_numbers(post.body):
            post.body_html = render_post(post.body).html  # the numbers were masked while held
            fields.append("body_html")
        post.save(update_fields=fields)
        visibility_changed(post, visible=True)
        emit("post.published", post_id=post.pk)
    flags = flags_resolve(
        post=post,
        status=Flag.Status.REJECTED,
        actor=actor,
        outcome="A moderator reviewed the post and decided it can stay.",
    )
    verdicts = _settle_verdicts(post, SpamVerdict.Outcome.FALSE_POSITIVE)
    if flags:
        changes["flags_rejected"] = flags
    if verdicts:
        changes.update(verdicts=verdicts, learn=SpamVerdict.Outcome.FALSE_POSITIVE)
    action = action_record(
        actor=actor, action=Action.APPROVE, reason=reason, post=post, changes=changes
    )
    review_resolve(item, actor=actor, action=action)
    return action


@transaction.atomic
def post_hide(*, actor, post: Post, reason: str, spam: bool = False, item_id: int | None = None):
    """Take a post out of view (it stays in the database and in the log)."""
    _check_moderator(actor)
    reason = clean_reason(reason)
    post = lock_post(post.pk)
    check_item(item_id, post=post)
    if post.is_deleted:
        raise _already(post, "This post was deleted.")
    item = open_item_for_post(post)
    if post.state == Post.State.HIDDEN and item is None:
        raise _already(post, "This post is already hidden.")
    was = post.state
    if was != Post.State.HIDDEN:
        post.state = Post.State.HIDDEN
        post.save(update_fields=["state"])
        if was == Post.State.VISIBLE:
            visibility_changed(post, visible=False)
    changes: dict = {"state": [was, Post.State.HIDDEN]}
    flags = flags_resolve(
        post=post,
        status=Flag.Status.UPHELD,
        actor=actor,
        outcome="A moderator agreed and hid the post.",
    )
    if flags:
        changes["flags_upheld"] = flags
    if spam:
        changes.update(
            verdicts=_settle_verdicts(post, SpamVerdict.Outcome.CONFIRMED),
            learn=SpamVerdict.Outcome.CONFIRMED,
            spam_posts=[post.pk],
        )
    action = action_record(
        actor=actor, action=Action.HIDE, reason=reason, post=post, changes=changes
    )
    review_resolve(item, actor=actor, action=action)
    return action


def posts_soft_delete(*, actor, posts: list[Post]) -> dict:
    """Delete posts (and the threads they open), keeping every counter right.

    Used for one post and for all of a spammer's posts; the caller holds the transaction.
    """
    now = timezone.now()
    ids = [p.pk for p in posts]
    Post.objects.filter(pk__in=ids).update(is_deleted=True, deleted_at=now, deleted_by=actor)
    opened = [p for p in posts if p.is_opening]
    if opened:
        Thread.objects.filter(pk__in=[p.thread_id for p in opened]).update(is_deleted=True)
    threads = {p.thread_id for p in posts}
    for thread in Thread.objects.filter(pk__in=threads):
        forum_services.thread_synchronize(thread=thread)
    spaces = {p.thread.space_id for p in posts if p.thread.space_id}
    for space in Space.objects.filter(pk__in=spaces):
        forum_services.space_synchronize(space=space)
    return {"posts": len(ids), "threads": len(opened)}


@transaction.atomic
def post_delete(*, actor, post: Post, reason: str, spam: bool = False, item_id: int | None = None):
    """Soft-delete a post; deleting the opening post deletes its thread."""
    _check_moderator(actor)
    reason = clean_reason(reason)
    post = lock_post(post.pk)
    check_item(item_id, post=post)
    if post.is_deleted:
        raise _already(post, "This post was already deleted.")
    item = open_item_for_post(post)
    counts = posts_soft_delete(actor=actor, posts=[post])
    changes: dict = {"deleted": True, "state": post.state, **counts}
    flags = flags_resolve(
        post=post,
        status=Flag.Status.UPHELD,
        actor=actor,
        outcome="A moderator agreed and deleted the post.",
    )
    if flags:
        changes["flags_upheld"] = flags
    if spam:
        changes.update(
            verdicts=_settle_verdicts(post, SpamVerdict.Outcome.CONFIRMED),
            learn=SpamVerdict.Outcome.CONFIRMED,
            spam_posts=[post.pk],
        )
    action = action_record(
        actor=actor, action=Action.DELETE, reason=reason, post=post, changes=changes
    )
    review_resolve(item, actor=actor, action=action)
    return action


@transaction.atomic
def post_edit(*, actor, post: Post, body: str, reason: str, title: str | None = None):
    """A moderator's edit of someone's post (a revision keeps what it said before)."""
    _check_moderator(actor)
    reason = clean_reason(reason)
    post = lock_post(post.pk)
    if post.is_deleted:
        raise _already(post, "This post was deleted.")
    before = post.revision_count
    post = forum_services.post_edit(editor=actor, post=post, body=body, title=title)
    if post.revision_count == before:
        raise ValidationError({"body": "Nothing changed: edit the text, then save."})
    return action_record(
        actor=actor,
        action=Action.EDIT,
        reason=reason,
        post=post,
        changes={"revision": post.revision_count},
    )


def bulk_decide(*, actor, item_ids: list[int], decision: str, reason: str) -> dict:
    """Apply one decision to several queue items; each is its own transaction, so one that
    somebody else handled first is reported and the others still go through."""
    from ..models import ReviewItem

    deciders = {
        "approve": lambda post, item_id: post_approve(
            actor=actor, post=post, reason=reason, item_id=item_id
        ),
        "hide": lambda post, item_id: post_hide(
            actor=actor, post=post, reason=reason, spam=True, item_id=item_id
        ),
        "delete": lambda post, item_id: post_delete(
            actor=actor, post=post, reason=reason, spam=True, item_id=item_id
        ),
    }
    if decision not in deciders:
        raise ValidationError({"decision": "Choose approve, hide or delete."})
    reason = clean_reason(reason)
    done, skipped = [], []
    items = ReviewItem.objects.filter(pk__in=item_ids, kind=ReviewItem.Kind.POST).select_related(
        "post"
    )
    for item in items:
        try:
            deciders[decision](item.post, item.pk)
        except AlreadyHandled as exc:
            skipped.append((item.pk, exc.message))
        else:
            done.append(item.pk)
    return {"done": done, "skipped": skipped}
