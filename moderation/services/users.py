"""Decisions about members: warn, suspend, ban, lift, delete a spammer, and held profiles."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from forums.models import Post

from .. import permissions
from ..models import Flag, ModerationAction, ReviewItem, SpamVerdict, Suspension
from .common import (
    AlreadyHandled,
    action_record,
    check_item,
    describe_action,
    flags_resolve,
    latest_action,
    review_resolve,
)
from .posts import clean_reason, posts_soft_delete

Action = ModerationAction.Action

FOREVER = datetime(9999, 12, 31, tzinfo=UTC)
MAX_SUSPENSION_DAYS = 3650


def _lock_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _check_discipline(actor, target) -> None:
    if not permissions.can_discipline(actor, target):
        raise PermissionDenied("You cannot take that action against this member.")


@transaction.atomic
def user_warn(*, actor, user: User, reason: str) -> ModerationAction:
    """A warning: recorded, and shown to the member with its reason."""
    _check_discipline(actor, user)
    reason = clean_reason(reason)
    user = _lock_user(user)
    return action_record(actor=actor, action=Action.WARN, reason=reason, target_user=user)


def _suspend(*, actor, user: User, until: datetime, reason: str, action: str) -> ModerationAction:
    now = timezone.now()
    Suspension.objects.filter(user=user, lifted_at__isnull=True, ends_at__gt=now).update(
        lifted_at=now, lifted_by=actor
    )
    Suspension.objects.create(user=user, actor=actor, reason=reason, starts_at=now, ends_at=until)
    before = user.suspended_until
    User.objects.filter(pk=user.pk).update(suspended_until=until, suspension_reason=reason[:300])
    user.suspended_until, user.suspension_reason = until, reason[:300]
    return action_record(
        actor=actor,
        action=action,
        reason=reason,
        target_user=user,
        changes={
            "suspended_until": [before.isoformat() if before else None, until.isoformat()],
        },
    )


@transaction.atomic
def user_suspend(
    *, actor, user: User, days: int, reason: str, item_id: int | None = None
) -> ModerationAction:
    """Suspend for a number of days: the member can read, not post, and sees why and until
    when. A new suspension replaces the current one."""
    _check_discipline(actor, user)
    reason = clean_reason(reason)
    if not 1 <= int(days) <= MAX_SUSPENSION_DAYS:
        raise ValidationError({"days": f"Suspend for 1 to {MAX_SUSPENSION_DAYS} days."})
    user = _lock_user(user)
    check_item(item_id, user=user)
    until = timezone.now() + timedelta(days=int(days))
    return _suspend(actor=actor, user=user, until=until, reason=reason, action=Action.SUSPEND)


@transaction.atomic
def user_ban(*, actor, user: User, reason: str, item_id: int | None = None) -> ModerationAction:
    """A suspension without an end."""
    _check_discipline(actor, user)
    reason = clean_reason(reason)
    user = _lock_user(user)
    check_item(item_id, user=user)
    if user.suspended_until and user.suspended_until >= FOREVER:
        action = latest_action(user=user)
        raise AlreadyHandled(describe_action(action, "This member is already banned."), action)
    return _suspend(actor=actor, user=user, until=FOREVER, reason=reason, action=Action.BAN)


@transaction.atomic
def user_lift(*, actor, user: User, reason: str) -> ModerationAction:
    _check_discipline(actor, user)
    reason = clean_reason(reason)
    user = _lock_user(user)
    if not (user.suspended_until and user.suspended_until > timezone.now()):
        action = latest_action(user=user)
        raise AlreadyHandled(describe_action(action, "This member is not suspended."), action)
    return _lift(actor=actor, user=user, reason=reason)


def _lift(*, actor, user: User, reason: str) -> ModerationAction:
    now = timezone.now()
    Suspension.objects.filter(user=user, lifted_at__isnull=True, ends_at__gt=now).update(
        lifted_at=now, lifted_by=actor
    )
    before = user.suspended_until
    User.objects.filter(pk=user.pk).update(suspended_until=None, suspension_reason="")
    user.suspended_until, user.suspension_reason = None, ""
    return action_record(
        actor=actor,
        action=Action.LIFT,
        reason=reason,
        target_user=user,
        changes={"suspended_until": [before.isoformat() if before else None, None]},
    )


@transaction.atomic
def spammer_delete(*, actor, user: User, reason: str, item_id: int | None = None):
    """Delete every post of the account, ban and deactivate it, and teach the filter.

    The account row stays (the log and the posts point at it), without its profile text and
    unable to log in.
    """
    if not permissions.can_delete_spammer(actor, user):
        raise PermissionDenied("You cannot delete this member.")
    reason = clean_reason(reason)
    user = _lock_user(user)
    check_item(item_id, user=user)
    if not user.is_active:
        action = latest_action(user=user)
        raise AlreadyHandled(describe_action(action, "This account was already deleted."), action)
    posts = list(
        Post.objects.select_for_update(of=("self",))
        .filter(author=user, is_deleted=False)
        .select_related("thread")
    )
    counts = posts_soft_delete(actor=actor, posts=posts)
    for post in posts:
        flags_resolve(
            post=post,
            status=Flag.Status.UPHELD,
            actor=actor,
            outcome="A moderator removed the account as a spammer.",
        )
    Flag.objects.filter(reporter=user, status=Flag.Status.OPEN).update(
        status=Flag.Status.CLOSED, resolved_at=timezone.now(), resolved_by=actor
    )
    verdicts = list(
        SpamVerdict.objects.filter(subject=user, outcome="").values_list("pk", flat=True)
    )
    SpamVerdict.objects.filter(pk__in=verdicts).update(outcome=SpamVerdict.Outcome.CONFIRMED)
    _suspend(actor=actor, user=user, until=FOREVER, reason=reason, action=Action.BAN)
    user.is_active = False
    user.set_unusable_password()
    user.display_name = ""
    user.bio = ""
    user.save(update_fields=["is_active", "password", "display_name", "bio"])
    action = action_record(
        actor=actor,
        action=Action.DELETE_SPAMMER,
        reason=reason,
        target_user=user,
        changes={
            **counts,
            "verdicts": verdicts,
            "learn": SpamVerdict.Outcome.CONFIRMED,
            "spam_posts": [p.pk for p in posts][:50],
        },
    )
    items = ReviewItem.objects.select_for_update().filter(subject=user, status="open")
    for item in items:
        review_resolve(item, actor=actor, action=action)
    return action


def _held_profile(user: User) -> tuple[ReviewItem | None, SpamVerdict | None]:
    item = (
        ReviewItem.objects.select_for_update()
        .filter(kind=ReviewItem.Kind.PROFILE, subject=user, status="open")
        .first()
    )
    verdict = (
        SpamVerdict.objects.filter(kind=SpamVerdict.Kind.PROFILE, subject=user, held=True)
        .order_by("-created_at")
        .first()
    )
    return item, verdict


@transaction.atomic
def profile_approve(*, actor, user: User, reason: str, item_id: int | None = None):
    """The held profile is fine: show it as the member wrote it."""
    _check_discipline(actor, user)
    reason = clean_reason(reason)
    user = _lock_user(user)
    check_item(item_id, user=user)
    item, verdict = _held_profile(user)
    if item is None:
        action = latest_action(user=user)
        raise AlreadyHandled(describe_action(action, "This profile is not held."), action)
    changes: dict = {}
    if verdict is not None:
        original = verdict.original or {}
        masked = verdict.original.get("masked", {})
        fields = []
        for name in ("display_name", "bio"):
            # Restore only what the member has not changed since it was held.
            if name in original and getattr(user, name) == masked.get(name):
                setattr(user, name, original[name])
                fields.append(name)
        if fields:
            user.save(update_fields=fields)
            changes["restored"] = fields
        if verdict.outcome == "":
            SpamVerdict.objects.filter(pk=verdict.pk).update(
                outcome=SpamVerdict.Outcome.FALSE_POSITIVE
            )
            changes.update(verdicts=[verdict.pk], learn=SpamVerdict.Outcome.FALSE_POSITIVE)
    action = action_record(
        actor=actor, action=Action.PROFILE_APPROVE, reason=reason, target_user=user, changes=changes
    )
    review_resolve(item, actor=actor, action=action)
    return action


@transaction.atomic
def profile_clear(*, actor, user: User, reason: str, item_id: int | None = None):
    """The held profile is spam: its name and bio are removed for good."""
    _check_discipline(actor, user)
    reason = clean_reason(reason)
    user = _lock_user(user)
    check_item(item_id, user=user)
    item, verdict = _held_profile(user)
    if item is None:
        action = latest_action(user=user)
        raise AlreadyHandled(describe_action(action, "This profile is not held."), action)
    User.objects.filter(pk=user.pk).update(display_name="", bio="")
    changes: dict = {"cleared": ["display_name", "bio"]}
    if verdict is not None and verdict.outcome == "":
        SpamVerdict.objects.filter(pk=verdict.pk).update(outcome=SpamVerdict.Outcome.CONFIRMED)
        changes.update(verdicts=[verdict.pk], learn=SpamVerdict.Outcome.CONFIRMED)
    action = action_record(
        actor=actor, action=Action.PROFILE_CLEAR, reason=reason, target_user=user, changes=changes
    )
    review_resolve(item, actor=actor, action=action)
    return action
