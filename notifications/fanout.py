"""From an outbox event to Notification rows: who is told what, in bulk.

Every function here is called by a Celery task (``notifications/tasks.py``) with the ids of
an outbox event's payload, and may run more than once for the same event: rows are keyed by
``(recipient, event_key)`` and inserted with ``ignore_conflicts``, so a second run, or the
rest of a run that a killed worker left half done, adds only what is missing.

Rules, in one place:

- Nobody is told about their own action, about a post they cannot read (``readers_of``), about
  anything from someone they blocked, or about a thread they muted.
- A new post tells, in this order of precedence (one notification per person and post): the
  people it @mentions, the author of the post it replies to, the authors of the posts it
  quotes, then the thread's watchers and trackers (replies) or the watchers and trackers of
  its space and tags (a new thread). Watching a space or tag also brings its replies.
- Tracking shows things in the inbox only; watching and anything addressed to you may also
  be e-mailed, as the member's preferences say.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import batched

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from forums.models import Post, Reaction, Thread, UserBlock
from forums.rendering import render_post

from . import counters
from .audience import readers_of
from .models import Channel, Kind, Level, Notification, Subscription
from .selectors import channels_for

# A direct notice beats a general one when one post concerns someone several ways.
PRIORITY = [Kind.MENTION, Kind.REPLY, Kind.QUOTE, Kind.THREAD_REPLY, Kind.NEW_THREAD]


@dataclass
class Draft:
    """What one recipient is about to be told."""

    kind: str
    may_email: bool = True
    data: dict = field(default_factory=dict)


def _better(current: Draft | None, candidate: Draft) -> Draft:
    if current is None:
        return candidate
    if PRIORITY.index(candidate.kind) < PRIORITY.index(current.kind):
        return candidate
    return current


def _load_post(post_id: int) -> Post | None:
    return (
        Post.objects.select_related("thread", "thread__space", "author", "reply_to")
        .filter(pk=post_id)
        .first()
    )


def _is_published(post: Post) -> bool:
    return post.state == Post.State.VISIBLE and not post.is_deleted and not post.thread.is_deleted


def _blockers_of(actor_id: int | None):
    """Members who blocked ``actor_id``: they hear nothing from them."""
    return UserBlock.objects.filter(blocked_id=actor_id).values("blocker_id")


def _audience(thread: Thread, actor_id: int | None):
    """Readers of the thread, minus the actor and those who blocked the actor."""
    readers = readers_of(thread)
    if actor_id is not None:
        readers = readers.exclude(pk=actor_id).exclude(pk__in=_blockers_of(actor_id))
    return readers


def _container_levels(thread: Thread, audience) -> dict[int, str]:
    """Each reader's level on the thread's space and tags together: mute beats watch beats
    track (a muted tag silences a watched space)."""
    levels: dict[int, str] = {}
    rank = {Level.TRACK: 0, Level.WATCH: 1, Level.MUTE: 2}
    subscriptions = Subscription.objects.filter(user__in=audience.values("pk"))
    rows = []
    if thread.space_id:
        rows.extend(subscriptions.filter(space_id=thread.space_id).values_list("user_id", "level"))
    rows.extend(
        subscriptions.filter(
            tag__in=Thread.tags.through.objects.filter(
                content_type__app_label="forums",
                content_type__model="thread",
                object_id=thread.pk,
            ).values("tag_id")
        ).values_list("user_id", "level")
    )
    for user_id, level in rows:
        if user_id not in levels or rank[level] > rank[levels[user_id]]:
            levels[user_id] = level
    return levels


def _direct_drafts(post: Post, audience) -> dict[int, Draft]:
    """People a post addresses: @mentions, the author replied to, authors quoted."""
    rendered = render_post(post.body)
    mentions = rendered.mentions
    wanted: dict[int, Draft] = {}
    User = get_user_model()
    if mentions:
        for user_id in (
            User.objects.filter(pk__in=audience.values("pk"))
            .annotate(mention_key=Lower("username"))
            .filter(mention_key__in=list(mentions))
            .values_list("pk", flat=True)
        ):
            wanted[user_id] = _better(wanted.get(user_id), Draft(Kind.MENTION))
    addressed = {}
    if post.reply_to_id and post.reply_to is not None:
        addressed[post.reply_to.author_id] = Kind.REPLY
    if rendered.quoted_post_ids:
        for author_id in Post.objects.filter(pk__in=list(rendered.quoted_post_ids)).values_list(
            "author_id", flat=True
        ):
            addressed.setdefault(author_id, Kind.QUOTE)
    if addressed:
        readable = set(audience.filter(pk__in=list(addressed)).values_list("pk", flat=True))
        for user_id, kind in addressed.items():
            if user_id in readable:
                wanted[user_id] = _better(wanted.get(user_id), Draft(kind))
    return wanted


def _auto_subscribe(post: Post) -> None:
    """Authors watch their threads, repliers track them; a level someone chose stays."""
    level = Level.WATCH if post.position == 1 else Level.TRACK
    Subscription.objects.bulk_create(
        [Subscription(user_id=post.author_id, thread_id=post.thread_id, level=level, chosen=False)],
        ignore_conflicts=True,
    )


def post_audience(post: Post) -> dict[int, Draft]:
    """Everyone a newly published post concerns, each with the one thing they will be told."""
    thread = post.thread
    audience = _audience(thread, post.author_id)
    thread_levels = dict(
        Subscription.objects.filter(thread=thread, user__in=audience.values("pk")).values_list(
            "user_id", "level"
        )
    )
    drafts: dict[int, Draft] = {}
    if thread.kind == Thread.Kind.MESSAGE:
        # A conversation tells every participant of every message, unless they muted it.
        for user_id in audience.values_list("pk", flat=True):
            if thread_levels.get(user_id) != Level.MUTE:
                drafts[user_id] = Draft(Kind.MESSAGE)
        return drafts

    container = _container_levels(thread, audience)
    if post.position == 1:
        for user_id, level in container.items():
            if level in (Level.WATCH, Level.TRACK):
                drafts[user_id] = Draft(Kind.NEW_THREAD, may_email=level == Level.WATCH)
    else:
        for user_id, level in container.items():
            if level == Level.WATCH and user_id not in thread_levels:
                drafts[user_id] = Draft(Kind.THREAD_REPLY)
        for user_id, level in thread_levels.items():
            if level in (Level.WATCH, Level.TRACK):
                drafts[user_id] = Draft(Kind.THREAD_REPLY, may_email=level == Level.WATCH)
    for user_id, draft in _direct_drafts(post, audience).items():
        drafts[user_id] = _better(drafts.get(user_id), draft)
    for user_id, level in thread_levels.items():
        if level == Level.MUTE:
            drafts.pop(user_id, None)
    return drafts


def notifications_create(
    *,
    drafts: dict[int, Draft],
    event_key: str,
    actor_id: int | None,
    thread_id: int | None,
    post_id: int | None,
    created_at=None,
) -> int:
    """Insert one Notification per recipient, in batches, skipping rows that already exist.

    Each batch is one INSERT ... ON CONFLICT DO NOTHING, committed on its own (outside any
    transaction, as tasks run): a fan-out cut short by a dying worker keeps what it wrote,
    and its retry fills in the rest.
    """
    created_at = created_at or timezone.now()
    batch_size = settings.STOA_NOTIFICATION_BATCH_SIZE
    for chunk in batched(sorted(drafts), batch_size):
        kinds = {drafts[user_id].kind for user_id in chunk}
        channels = channels_for(user_ids=chunk, kinds=kinds)
        verified = set(
            EmailAddress.objects.filter(user_id__in=chunk, verified=True, primary=True).values_list(
                "user_id", flat=True
            )
        )
        rows = []
        for user_id in chunk:
            draft = drafts[user_id]
            channel = channels[user_id, draft.kind]
            if not draft.may_email or user_id not in verified:
                channel = Channel.NEVER
            rows.append(
                Notification(
                    recipient_id=user_id,
                    kind=draft.kind,
                    event_key=event_key,
                    actor_id=actor_id,
                    thread_id=thread_id,
                    post_id=post_id,
                    data=draft.data,
                    created_at=created_at,
                    email_channel=channel,
                    email_status=(
                        Notification.EmailStatus.SKIPPED
                        if channel == Channel.NEVER
                        else Notification.EmailStatus.PENDING
                    ),
                )
            )
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        counters.unread_changed(chunk)
    return len(drafts)


# --- one function per outbox topic ----------------------------------------------------------


def notify_post_created(*, post_id: int, published_now: bool = False) -> int:
    """post.created (and post.published, when a held post is approved): a new thread or
    reply. Returns how many people it concerns. Conversations have their own topic.

    The notification carries the post's time, so a fan-out caught up late (the broker was
    down) still sorts where the post happened; an approved post is news from now.
    """
    post = _load_post(post_id)
    if post is None or not _is_published(post) or post.thread.kind == Thread.Kind.MESSAGE:
        return 0
    _auto_subscribe(post)
    drafts = post_audience(post)
    return notifications_create(
        drafts=drafts,
        event_key=f"post:{post.pk}",
        actor_id=post.author_id,
        thread_id=post.thread_id,
        post_id=post.pk,
        created_at=None if published_now else post.created_at,
    )


def notify_post_edited(*, post_id: int, editor_id: int | None = None) -> int:
    """post.edited: people newly @mentioned or quoted. Anyone already told about this post
    (under the same event key) is not told again."""
    post = _load_post(post_id)
    if post is None or not _is_published(post) or post.thread.kind == Thread.Kind.MESSAGE:
        return 0
    audience = _audience(post.thread, post.author_id)
    if editor_id and editor_id != post.author_id:
        audience = audience.exclude(pk=editor_id)
    drafts = _direct_drafts(post, audience)
    muted = set(
        Subscription.objects.filter(
            thread_id=post.thread_id, level=Level.MUTE, user_id__in=list(drafts)
        ).values_list("user_id", flat=True)
    )
    drafts = {user_id: d for user_id, d in drafts.items() if user_id not in muted}
    return notifications_create(
        drafts=drafts,
        event_key=f"post:{post.pk}",
        actor_id=post.author_id,
        thread_id=post.thread_id,
        post_id=post.pk,
    )


def _answer_drafts(post: Post, actor_id: int | None, kind: str) -> dict[int, Draft]:
    """The answer's author and the question's author, minus the actor, if they can read it."""
    thread = post.thread
    roles = {post.author_id: "answer"}
    roles.setdefault(thread.author_id, "question")
    audience = _audience(thread, actor_id)
    muted = Subscription.objects.filter(thread=thread, level=Level.MUTE).values("user_id")
    readable = audience.filter(pk__in=list(roles)).exclude(pk__in=muted)
    return {
        user_id: Draft(kind, data={"role": roles[user_id]})
        for user_id in readable.values_list("pk", flat=True)
    }


def notify_answer_accepted(*, post_id: int, actor_id: int | None = None) -> int:
    post = _load_post(post_id)
    if post is None or not _is_published(post) or post.thread.accepted_post_id != post.pk:
        return 0
    return notifications_create(
        drafts=_answer_drafts(post, actor_id, Kind.ANSWER_ACCEPTED),
        event_key=f"accepted:{post.pk}",
        actor_id=actor_id,
        thread_id=post.thread_id,
        post_id=post.pk,
    )


def notify_post_official(*, post_id: int, actor_id: int | None = None) -> int:
    post = _load_post(post_id)
    if post is None or not _is_published(post) or not post.is_official:
        return 0
    return notifications_create(
        drafts=_answer_drafts(post, actor_id, Kind.OFFICIAL_ANSWER),
        event_key=f"official:{post.pk}",
        actor_id=actor_id,
        thread_id=post.thread_id,
        post_id=post.pk,
    )


def notify_reaction_added(*, reaction_id: int) -> bool:
    """reaction.added, batched: while the author has not read the last reaction notice for a
    post, new reactions update it ("Bob and 3 others reacted") instead of adding rows.

    ``last_reaction_id`` in the notice makes a repeated event a no-op; the post's row lock
    keeps two workers from opening two notices for one post at once.
    """
    reaction = (
        Reaction.objects.select_related("post", "post__thread", "post__thread__space")
        .filter(pk=reaction_id)
        .first()
    )
    if reaction is None:
        return False  # taken back before we got to it
    post = reaction.post
    recipient_id = post.author_id
    if reaction.user_id == recipient_id or not _is_published(post):
        return False
    audience = _audience(post.thread, reaction.user_id)
    muted = Subscription.objects.filter(thread_id=post.thread_id, level=Level.MUTE)
    if not audience.filter(pk=recipient_id).exists() or muted.filter(user_id=recipient_id).exists():
        return False
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=post.pk).values_list("pk").first()
        notice = (
            Notification.objects.filter(recipient_id=recipient_id, kind=Kind.REACTION, post=post)
            .order_by("-created_at", "-pk")
            .first()
        )
        if notice is not None and notice.data.get("last_reaction_id", 0) >= reaction.pk:
            return False
        if notice is not None and notice.read_at is None:
            first_id = notice.data.get("first_reaction_id", reaction.pk)
            count = (
                Reaction.objects.filter(post=post, pk__gte=first_id, pk__lte=reaction.pk)
                .exclude(user_id=recipient_id)
                .values("user_id")
                .distinct()
                .count()
            )
            notice.data = {**notice.data, "count": count, "last_reaction_id": reaction.pk}
            notice.actor_id = reaction.user_id
            notice.created_at = timezone.now()
            notice.save(update_fields=["data", "actor", "created_at"])
            return True
    notifications_create(
        drafts={
            recipient_id: Draft(
                Kind.REACTION,
                data={
                    "count": 1,
                    "first_reaction_id": reaction.pk,
                    "last_reaction_id": reaction.pk,
                    "reaction": reaction.kind,
                },
            )
        },
        event_key=f"reactions:{post.pk}:{reaction.pk}",
        actor_id=reaction.user_id,
        thread_id=post.thread_id,
        post_id=post.pk,
    )
    return True


def notify_users(
    *,
    user_ids: Iterable[int],
    kind: str,
    event_key: str,
    actor_id: int | None = None,
    thread: Thread | None = None,
    post_id: int | None = None,
    data: dict | None = None,
    respect_mute: bool = True,
) -> int:
    """Tell named people about something (moderation outcomes, badges, group requests).

    When a thread is given, only those who can read it are told, and (unless the news is
    about their own content) not if they muted it.
    """
    wanted = {int(user_id) for user_id in user_ids if user_id}
    if actor_id is not None:
        wanted.discard(actor_id)
    if not wanted:
        return 0
    User = get_user_model()
    if thread is not None:
        readers = _audience(thread, actor_id).filter(pk__in=list(wanted))
        if respect_mute:
            muted = Subscription.objects.filter(thread=thread, level=Level.MUTE)
            readers = readers.exclude(pk__in=muted.values("user_id"))
        wanted = set(readers.values_list("pk", flat=True))
    else:
        people = User.objects.filter(pk__in=list(wanted), is_active=True)
        if actor_id is not None:
            people = people.exclude(pk__in=_blockers_of(actor_id))
        wanted = set(people.values_list("pk", flat=True))
    drafts = {user_id: Draft(kind, data=dict(data or {})) for user_id in wanted}
    return notifications_create(
        drafts=drafts,
        event_key=event_key,
        actor_id=actor_id,
        thread_id=thread.pk if thread is not None else None,
        post_id=post_id,
    )


def notify_message_created(*, post_id: int, published_now: bool = False) -> int:
    """message.created: every other active participant of the conversation is told."""
    post = _load_post(post_id)
    if post is None or not _is_published(post) or post.thread.kind != Thread.Kind.MESSAGE:
        return 0
    return notifications_create(
        drafts=post_audience(post),
        event_key=f"post:{post.pk}",
        actor_id=post.author_id,
        thread_id=post.thread_id,
        post_id=post.pk,
        created_at=None if published_now else post.created_at,
    )


def notify_post_published(*, post_id: int) -> int:
    """post.published: a held post was approved, so it is news now. Whoever was already
    told about it (same event key) is not told again."""
    post = _load_post(post_id)
    if post is None:
        return 0
    if post.thread.kind == Thread.Kind.MESSAGE:
        return notify_message_created(post_id=post_id, published_now=True)
    return notify_post_created(post_id=post_id, published_now=True)


def _readable_thread(user_id: int, thread: Thread | None) -> bool:
    return thread is not None and readers_of(thread).filter(pk=user_id).exists()


def notify_moderation_decided(*, action_id: int) -> int:
    """moderation.decided: the member whose content or account a decision concerns hears
    what happened and why. Moderators stay anonymous; the thread is named only if the
    member can still read it."""
    from moderation.models import ModerationAction

    action = (
        ModerationAction.objects.select_related("thread", "thread__space", "post")
        .filter(pk=action_id)
        .first()
    )
    if action is None or action.target_user_id is None:
        return 0
    if action.actor_id == action.target_user_id:
        return 0
    readable = _readable_thread(action.target_user_id, action.thread)
    data = {"outcome": action.action, "label": action.get_action_display()}
    if action.reason:
        data["note"] = f"Reason: {action.reason}"
    return notify_users(
        user_ids=[action.target_user_id],
        kind=Kind.MODERATION,
        event_key=f"moderation:{action.pk}",
        thread=action.thread if readable else None,
        post_id=action.post_id if readable else None,
        data=data,
        respect_mute=False,
    )


def notify_flag_resolved(*, flag_id: int) -> int:
    """flag.resolved: the member who flagged a post hears the outcome."""
    from moderation.models import Flag

    flag = (
        Flag.objects.select_related("post", "post__thread", "post__thread__space")
        .filter(pk=flag_id)
        .first()
    )
    if flag is None or flag.status == Flag.Status.OPEN:
        return 0
    thread = flag.post.thread
    readable = _readable_thread(flag.reporter_id, thread)
    data = {"outcome": f"flag_{flag.status}", "label": flag.get_status_display()}
    if flag.outcome:
        data["note"] = flag.outcome
    return notify_users(
        user_ids=[flag.reporter_id],
        kind=Kind.MODERATION,
        event_key=f"flag:{flag.pk}",
        thread=thread if readable else None,
        post_id=flag.post_id if readable else None,
        data=data,
        respect_mute=False,
    )


def notify_idea_status_changed(
    *,
    thread_id: int,
    status: str = "",
    actor_id: int | None = None,
    post_id: int | None = None,
) -> int:
    """idea.status_changed: the idea's voters and author hear its new status.

    The status comes with an official reply (``post_id``), whose own post.created tells the
    thread's watchers. Both use the key ``post:<id>``, so nobody hears twice; whoever got the
    plain "replied" notice is upgraded to the status notice.
    """
    from forums.models import IdeaVote

    thread = Thread.objects.select_related("space").filter(pk=thread_id).first()
    if thread is None or thread.kind != Thread.Kind.IDEA:
        return 0
    label = Thread.IdeaStatus(status).label if status in Thread.IdeaStatus.values else status
    data = {"status": status, "status_label": label}
    voters = IdeaVote.objects.filter(thread=thread).values("user_id")
    audience = _audience(thread, actor_id)
    muted = Subscription.objects.filter(thread=thread, level=Level.MUTE).values("user_id")
    wanted = audience.filter(Q(pk__in=voters) | Q(pk=thread.author_id)).exclude(pk__in=muted)
    drafts = {
        user_id: Draft(Kind.IDEA_STATUS, data=data)
        for user_id in wanted.values_list("pk", flat=True)
    }
    event_key = f"post:{post_id}" if post_id else f"idea:{thread.pk}:{status}"
    count = notifications_create(
        drafts=drafts,
        event_key=event_key,
        actor_id=actor_id,
        thread_id=thread.pk,
        post_id=post_id,
    )
    if post_id:
        Notification.objects.filter(
            event_key=event_key,
            kind__in=[Kind.THREAD_REPLY, Kind.NEW_THREAD],
            recipient_id__in=wanted.values("pk"),
        ).update(kind=Kind.IDEA_STATUS, data=data)
    return count


def notify_badge_granted(*, user_badge_id: int) -> int:
    """badge.granted: the member hears about their new badge."""
    from accounts.models import UserBadge

    grant = UserBadge.objects.select_related("badge", "user").filter(pk=user_badge_id).first()
    if grant is None:
        return 0
    data = {
        "badge": grant.badge.name,
        "icon": grant.badge.icon,
        "url": grant.user.get_absolute_url(),
    }
    return notify_users(
        user_ids=[grant.user_id], kind=Kind.BADGE, event_key=f"badge:{grant.pk}", data=data
    )


def notify_space_invited(*, invitation_id: int) -> int:
    """space.invited: a member invited into a space hears about it (an invitation sent to an
    e-mail address without an account is not a notification)."""
    from forums.models import SpaceInvitation

    invitation = SpaceInvitation.objects.select_related("space").filter(pk=invitation_id).first()
    if invitation is None or invitation.user_id is None:
        return 0
    if invitation.accepted_at or invitation.revoked_at:
        return 0
    data = {
        "what": "invited",
        "space": invitation.space.name,
        "url": f"/invite/{invitation.token}/",
    }
    return notify_users(
        user_ids=[invitation.user_id],
        kind=Kind.MEMBERSHIP,
        event_key=f"invitation:{invitation.pk}",
        actor_id=invitation.invited_by_id,
        data=data,
    )


def notify_join_requested(*, join_request_id: int) -> int:
    """space.join_requested: the group's owner and moderators hear of a request to join."""
    from forums.models import JoinRequest, SpaceMembership

    request = JoinRequest.objects.select_related("space").filter(pk=join_request_id).first()
    if request is None or request.status != JoinRequest.Status.PENDING:
        return 0
    space = request.space
    managers = set(
        SpaceMembership.objects.filter(
            space=space,
            role__in=[SpaceMembership.Role.OWNER, SpaceMembership.Role.MODERATOR],
        ).values_list("user_id", flat=True)
    )
    if space.owner_id:
        managers.add(space.owner_id)
    data = {"what": "join_requested", "space": space.name, "url": _space_url(space)}
    if request.message:
        data["note"] = request.message
    return notify_users(
        user_ids=managers,
        kind=Kind.MEMBERSHIP,
        event_key=f"join:{request.pk}",
        actor_id=request.user_id,
        data=data,
    )


def notify_join_decided(*, join_request_id: int) -> int:
    """space.join_decided: the member who asked to join hears the answer."""
    from forums.models import JoinRequest

    request = JoinRequest.objects.select_related("space").filter(pk=join_request_id).first()
    if request is None or request.status == JoinRequest.Status.PENDING:
        return 0
    approved = request.status == JoinRequest.Status.APPROVED
    data = {
        "what": "join_approved" if approved else "join_declined",
        "space": request.space.name,
        "url": _space_url(request.space) if approved else "",
    }
    return notify_users(
        user_ids=[request.user_id],
        kind=Kind.MEMBERSHIP,
        event_key=f"join-decided:{request.pk}",
        actor_id=request.decided_by_id,
        data=data,
    )


def _space_url(space) -> str:
    return space.get_absolute_url()
