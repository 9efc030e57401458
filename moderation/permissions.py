"""Every "may this user do this?" about moderation. ``can_*`` answers; ``*_refusal`` says why not.

The queue, the log and the review pages exist only for people with
``moderation.review_queue``; for everyone else they answer 404, as if they did not exist.
"""

from django.conf import settings
from django.http import Http404

from forums import permissions as forum_permissions
from forums.models import Post, Thread


def can_review(user) -> bool:
    """May this person open /mod/, its review pages and its log?"""
    return forum_permissions.is_member(user) and user.has_perm("moderation.review_queue")


def can_moderate_posts(user) -> bool:
    """Approve, hide, delete and edit any post."""
    return can_review(user) and user.has_perm("forums.moderate_post")


def can_lock_thread(user) -> bool:
    return can_review(user) and forum_permissions.can_lock(user)


def can_move_thread(user) -> bool:
    """Move, merge and split threads."""
    return can_moderate_posts(user) and user.has_perm("forums.move_thread")


def _is_protected(target) -> bool:
    """Moderators, staff and administrators are not suspended from the queue."""
    return target.is_superuser or target.has_perm("forums.moderate_post")


def can_discipline(actor, target) -> bool:
    """Warn, suspend, ban or lift a suspension."""
    return (
        can_review(actor)
        and actor.has_perm("moderation.suspend_user")
        and target.pk != actor.pk
        and (actor.is_superuser or not _is_protected(target))
    )


def can_delete_spammer(actor, target) -> bool:
    return (
        can_discipline(actor, target)
        and actor.has_perm("moderation.delete_spammer")
        and not _is_protected(target)
    )


def check_review(user) -> None:
    """Hidden looks like missing: the moderation pages 404 for everyone else."""
    if not can_review(user):
        raise Http404("No such page.")


def flag_weight(user) -> float:
    """How much one flag from this member counts towards hiding a post."""
    if can_moderate_posts(user):
        return settings.STOA_FLAG_HIDE_WEIGHT
    level = min(max(user.trust_level, 0), 4)
    return float(settings.STOA_FLAG_WEIGHTS.get(level, 1.0))


def flag_refusal(user, post: Post) -> str:
    """Why this member cannot flag this post, or "" when they can."""
    if not forum_permissions.is_member(user):
        return "Log in to flag a post."
    if not forum_permissions.has_verified_email(user):
        return "Verify your e-mail address before flagging posts."
    if forum_permissions.is_suspended(user):
        return forum_permissions.suspension_notice(user)
    if post.is_deleted or post.thread.is_deleted:
        return "This post has been deleted; there is nothing left to flag."
    if post.author_id == user.pk:
        return "This is your own post: edit or delete it instead of flagging it."
    return ""


def can_flag(user, post: Post) -> bool:
    return not flag_refusal(user, post)


def is_exempt(user) -> bool:
    """Staff and moderators are never scored, held or limited."""
    return forum_permissions.is_exempt_from_limits(user)


def thread_is_movable(thread: Thread) -> bool:
    return thread.kind != Thread.Kind.MESSAGE and not thread.is_deleted
