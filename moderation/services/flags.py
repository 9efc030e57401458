"""Members flag posts. Enough weighted flags hide a post until a moderator decides."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.timesince import timesince

from forums.models import Post

from .. import permissions
from ..models import Flag, ModerationAction
from .common import action_record, lock_post, review_open, visibility_changed

# A request for staff attention is not a complaint about the post: it never hides it.
HIDING_REASONS = [r for r in Flag.Reason.values if r != Flag.Reason.NEEDS_STAFF]


def _already_flagged(flag: Flag) -> ValidationError:
    return ValidationError(
        f"You flagged this post {timesince(flag.created_at)} ago. A moderator will look at "
        "it; you will find the outcome under “Your flags”."
    )


def flag_create(*, reporter, post: Post, reason: str, note: str = "") -> Flag:
    """Record a member's flag; hide the post once the flags' weight reaches the threshold."""
    refusal = permissions.flag_refusal(reporter, post)
    if refusal:
        raise ValidationError(refusal)
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": "Choose what is wrong with the post."})
    note = " ".join((note or "").split())
    if reason == Flag.Reason.OTHER and not note:
        raise ValidationError({"note": "Tell the moderators what is wrong (a sentence is enough)."})
    if len(note) > 500:
        raise ValidationError({"note": f"Keep the note under 500 characters (it has {len(note)})."})
    existing = Flag.objects.filter(post=post, reporter=reporter).first()
    if existing is not None:
        raise _already_flagged(existing)
    limit = settings.STOA_FLAGS_PER_HOUR
    recent = Flag.objects.filter(
        reporter=reporter, created_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    if recent >= limit and not permissions.can_moderate_posts(reporter):
        raise ValidationError(
            f"You have flagged {recent} posts in the last hour, the most we accept. Thank you! "
            "Please try again later; moderators are already looking at the others."
        )
    try:
        return _flag_create_locked(reporter=reporter, post=post, reason=reason, note=note)
    except IntegrityError:
        raise _already_flagged(Flag.objects.get(post=post, reporter=reporter)) from None


@transaction.atomic
def _flag_create_locked(*, reporter, post: Post, reason: str, note: str) -> Flag:
    post = lock_post(post.pk)
    if post.is_deleted or post.thread.is_deleted:
        raise ValidationError("This post was deleted in the meantime; there is nothing to flag.")
    flag = Flag.objects.create(
        post=post,
        reporter=reporter,
        reason=reason,
        note=note,
        weight=permissions.flag_weight(reporter),
    )
    open_flags = Flag.objects.filter(post=post, status=Flag.Status.OPEN)
    total = open_flags.filter(reason__in=HIDING_REASONS).aggregate(w=Sum("weight"))["w"] or 0.0
    review_open(post=post, sources=["flags"], flag_weight=total)
    threshold = settings.STOA_FLAG_HIDE_WEIGHT
    if (
        total >= threshold
        and post.state == Post.State.VISIBLE
        and not permissions.is_exempt(post.author)
    ):
        post.state = Post.State.HIDDEN
        post.save(update_fields=["state"])
        visibility_changed(post, visible=False)
        count = open_flags.count()
        action_record(
            actor=None,
            action=ModerationAction.Action.AUTO_HIDE,
            reason=(
                f"Hidden after {count} member{'s' if count != 1 else ''} flagged it; "
                "a moderator will decide whether it comes back."
            ),
            post=post,
            changes={"state": ["visible", "hidden"], "flag_weight": total},
        )
    return flag
