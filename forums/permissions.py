"""Every "may this user do this?" about forums. ``can_*`` answers, ``check_*`` raises.

Views and templates ask these functions (templates get the booleans through page objects);
nothing else restates a rule.
"""

import math
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from accounts import verification

from .models import Post, Space, SpaceMembership, Thread, ThreadParticipant, UserBlock
from .rendering import Rendered, find_phone_numbers


def is_member(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def has_verified_email(user) -> bool:
    """Posting needs a verified address (cached: ``accounts.verification``)."""
    return is_member(user) and verification.has_verified_email(user)


def is_moderator(user) -> bool:
    return is_member(user) and user.has_perm("forums.moderate_post")


def can_post(user) -> bool:
    """May this person write anything at all (threads, replies, reactions)?"""
    return has_verified_email(user) and not is_suspended(user)


def is_suspended(user) -> bool:
    """Suspended members read but do not write. Moderation keeps the two fields current."""
    until = getattr(user, "suspended_until", None)
    return bool(until and until > timezone.now())


def suspension_notice(user) -> str:
    """Why and until when a suspended member cannot post; empty when they can."""
    if not is_member(user) or not is_suspended(user):
        return ""
    until = user.suspended_until
    when = (
        "permanently"
        if until.year >= 9999
        else f"until {date_format(timezone.localtime(until), 'j F Y, H:i T')}"
    )
    reason = user.suspension_reason or "no reason was given"
    return f"Your account is suspended {when}. Reason: {reason} You can still read everything."


def can_manage_spaces(user) -> bool:
    return is_member(user) and user.has_perm("forums.manage_spaces")


def can_start_thread(user, space: Space, kind: str | None = None) -> bool:
    if not can_post(user) or space.is_archived:
        return False
    if kind == Thread.Kind.ANNOUNCEMENT:
        return user.has_perm("forums.post_announcement")
    if kind == Thread.Kind.IDEA and not space.allow_ideas:
        return False
    if space.kind == Space.Kind.GROUP and not can_post_in_group(user, space):
        return False
    return kind in (None, *allowed_thread_kinds(user, space))


def allowed_thread_kinds(user, space: Space) -> list[str]:
    kinds = [Thread.Kind.QUESTION, Thread.Kind.DISCUSSION]
    if space.allow_ideas:
        kinds.append(Thread.Kind.IDEA)
    if is_member(user) and user.has_perm("forums.post_announcement"):
        kinds.append(Thread.Kind.ANNOUNCEMENT)
    return kinds


def can_reply(user, thread: Thread) -> bool:
    if not can_post(user) or thread.is_deleted:
        return False
    if thread.kind == Thread.Kind.MESSAGE:
        return can_write_in_conversation(user, thread)
    if _outside_group(user, thread):
        return False
    if thread.is_locked or (thread.space_id and thread.space.is_archived):
        return is_moderator(user)
    return True


def _outside_group(user, thread: Thread) -> bool:
    """Is this a group's thread that the user may read but not write in?"""
    space = thread.space if thread.space_id else None
    return (
        space is not None and space.kind == Space.Kind.GROUP and not can_post_in_group(user, space)
    )


def reply_refusal(user, thread: Thread) -> str:
    """Why ``can_reply`` says no, in words for the reader."""
    if not is_member(user):
        return "Log in to reply."
    if not has_verified_email(user):
        return "Verify your e-mail address before posting."
    if is_suspended(user):
        return suspension_notice(user)
    if thread.kind == Thread.Kind.MESSAGE:
        return conversation_refusal(user, thread)
    if _outside_group(user, thread):
        return "Join this group to reply."
    if thread.is_locked:
        return "This thread is locked: no new replies."
    if thread.space_id and thread.space.is_archived:
        return "This space is archived: no new replies."
    return "You cannot reply to this thread."


def can_edit_post(user, post: Post) -> bool:
    if not can_post(user) or post.is_deleted:
        return False
    return post.author_id == user.id or is_moderator(user)


def can_delete_post(user, post: Post) -> bool:
    if not is_member(user) or post.is_deleted:
        return False
    if is_moderator(user):
        return True
    if post.author_id != user.id:
        return False
    # An author may withdraw a question only while nobody has answered it.
    return not post.is_opening or post.thread.post_count <= 1


def is_staff_author(author) -> bool:
    """Official answers come from the vendor's people: those who may mark answers official."""
    return author.is_active and author.has_perm("forums.mark_official")


def can_mark_official(user, post: Post, *, author_is_staff: bool | None = None) -> bool:
    """Staff may mark a staff member's reply official. Page objects pass ``author_is_staff``
    (batch-loaded); otherwise the author's permissions are read."""
    if not (
        is_member(user)
        and user.has_perm("forums.mark_official")
        and not post.is_opening
        and not post.is_deleted
        and post.thread.kind != Thread.Kind.MESSAGE
    ):
        return False
    if author_is_staff is None:
        author_is_staff = is_staff_author(post.author)
    return author_is_staff


def can_accept_answer(user, thread: Thread) -> bool:
    """May this user accept (or un-accept) answers on this question?"""
    if not is_member(user) or thread.kind != Thread.Kind.QUESTION or thread.is_deleted:
        return False
    return thread.author_id == user.id or user.has_perm("forums.accept_any_answer")


def can_accept_post(user, post: Post) -> bool:
    return (
        can_accept_answer(user, post.thread)
        and not post.is_opening
        and not post.is_deleted
        and post.state == Post.State.VISIBLE
    )


def can_react(user, post: Post) -> bool:
    return can_post(user) and post.author_id != user.id and not post.is_deleted


def can_pin(user, thread: Thread | None = None) -> bool:
    """Moderators pin anywhere; a group's owner and moderators pin in their group."""
    if is_member(user) and user.has_perm("forums.pin_thread"):
        return True
    return thread is not None and moderates_group(user, thread.space)


def can_lock(user, thread: Thread | None = None) -> bool:
    if is_member(user) and user.has_perm("forums.lock_thread"):
        return True
    return thread is not None and moderates_group(user, thread.space)


# --- member groups, private spaces, organizations and conversations (forums/groups.py,
# forums/orgs.py, forums/messaging.py). A member's role in a space or organization, and their
# place in a conversation, is read once and kept on that object for the request, so a page
# asking several questions about one space pays for one query.

_ROLES_ATTR = "_stoa_roles"
_CONVERSATION_ATTR = "_stoa_conversation"


def space_role(user, space: Space | None) -> str | None:
    """``owner``, ``moderator`` or ``member`` when the user belongs to the space, else None."""
    if space is None or not is_member(user):
        return None
    roles = space.__dict__.setdefault(_ROLES_ATTR, {})
    if user.pk not in roles:
        roles[user.pk] = (
            SpaceMembership.objects.filter(space=space, user=user)
            .values_list("role", flat=True)
            .first()
        )
    return roles[user.pk]


def remember_space_role(user, space: Space, role: str | None) -> None:
    """Page objects that loaded memberships in bulk tell the policy what they found."""
    if is_member(user):
        space.__dict__.setdefault(_ROLES_ATTR, {})[user.pk] = role


def forget_space_roles(space: Space) -> None:
    space.__dict__.pop(_ROLES_ATTR, None)


def group_min_trust() -> int:
    """Trust level needed to start a group (``STOA_GROUP_MIN_TRUST``, default 1, "basic")."""
    return getattr(settings, "STOA_GROUP_MIN_TRUST", 1)


def can_start_group(user) -> bool:
    if not can_post(user):
        return False
    return can_manage_spaces(user) or user.trust_level >= group_min_trust()


def group_start_refusal(user) -> str:
    """Why ``can_start_group`` says no, in words for the reader."""
    if not is_member(user):
        return "Log in to start a group."
    if not has_verified_email(user):
        return "Verify your e-mail address before starting a group."
    if is_suspended(user):
        return suspension_notice(user)
    level = group_min_trust()
    name = TRUST_LEVEL_NAMES.get(level, str(level))
    return (
        f"Groups are started by members at trust level {level} (“{name}”) or above. "
        "Take part in a few threads and you will get there."
    )


def moderates_group(user, space: Space | None) -> bool:
    """A group's owner and the moderators the group appointed."""
    if space is None or space.kind != Space.Kind.GROUP:
        return False
    return space_role(user, space) in (SpaceMembership.Role.OWNER, SpaceMembership.Role.MODERATOR)


def can_post_in_group(user, space: Space) -> bool:
    """Groups are written in by their members, and by the site's moderators and staff."""
    if is_moderator(user) or can_manage_spaces(user):
        return True
    return space_role(user, space) is not None


def can_manage_members(user, space: Space) -> bool:
    """Invite people, decide join requests and remove members: a group's owner and its
    moderators; vendor staff in every group and every members-only or invite-only space."""
    if not is_member(user):
        return False
    if can_manage_spaces(user):
        return space.kind == Space.Kind.GROUP or space.visibility in (
            Space.Visibility.MEMBERS,
            Space.Visibility.INVITE,
        )
    return moderates_group(user, space)


def can_set_member_roles(user, space: Space) -> bool:
    """Appoint or dismiss group moderators: the owner, and staff."""
    if space.kind != Space.Kind.GROUP:
        return False
    return can_manage_spaces(user) or space_role(user, space) == SpaceMembership.Role.OWNER


def can_remove_member(user, space: Space, *, role: str) -> bool:
    """Moderators remove members; only the owner or staff remove a moderator; nobody removes
    the owner."""
    if role == SpaceMembership.Role.OWNER or not can_manage_members(user, space):
        return False
    if role == SpaceMembership.Role.MODERATOR:
        return can_set_member_roles(user, space)
    return True


def can_edit_group(user, space: Space) -> bool:
    if space.kind != Space.Kind.GROUP or not is_member(user):
        return False
    return can_manage_spaces(user) or space_role(user, space) == SpaceMembership.Role.OWNER


def can_feature_groups(user) -> bool:
    """Feature and archive groups: vendor staff."""
    return can_manage_spaces(user)


def can_join_group(user, space: Space) -> bool:
    """Public groups are joined with one click."""
    return (
        space.kind == Space.Kind.GROUP
        and space.visibility == Space.Visibility.PUBLIC
        and not space.is_archived
        and can_post(user)
        and space_role(user, space) is None
    )


def can_request_to_join(user, space: Space) -> bool:
    """Members-only groups: the owner or a group moderator decides."""
    return (
        space.kind == Space.Kind.GROUP
        and space.visibility == Space.Visibility.MEMBERS
        and not space.is_archived
        and can_post(user)
        and space_role(user, space) is None
    )


def can_leave_space(user, space: Space) -> bool:
    """Members leave groups and panels; an owner cannot walk away from their group."""
    return space_role(user, space) in (SpaceMembership.Role.MEMBER, SpaceMembership.Role.MODERATOR)


def organization_role(user, organization) -> str | None:
    """``admin`` or ``member`` when the user belongs to the organization, else None."""
    if organization is None or not is_member(user):
        return None
    roles = organization.__dict__.setdefault(_ROLES_ATTR, {})
    if user.pk not in roles:
        roles[user.pk] = (
            organization.memberships.filter(user=user).values_list("role", flat=True).first()
        )
    return roles[user.pk]


def can_manage_organization(user, organization) -> bool:
    """The customer's own organization admins, and vendor staff, manage its members."""
    if not is_member(user):
        return False
    return can_manage_spaces(user) or organization_role(user, organization) == "admin"


def can_message(user) -> bool:
    """May this person start private conversations?"""
    return can_post(user)


def can_block(user, other) -> bool:
    """Anyone may stop another member from messaging them, except the site's own people:
    staff and moderators must always be able to reach a member."""
    from accounts import roles

    if not is_member(user) or other.pk == user.pk:
        return False
    return not (other.role_names & {roles.STAFF, roles.MODERATORS, roles.ADMINS})


def conversation_state(user, thread: Thread) -> tuple[bool, bool]:
    """(is an active participant, is blocked by another active participant): one query,
    kept on the thread for the request."""
    from django.db.models import Exists, OuterRef

    if not is_member(user) or thread.kind != Thread.Kind.MESSAGE:
        return (False, False)
    states = thread.__dict__.setdefault(_CONVERSATION_ATTR, {})
    if user.pk not in states:
        active = ThreadParticipant.objects.filter(thread=thread, left_at__isnull=True)
        blocked = UserBlock.objects.filter(
            blocked=OuterRef("user"),
            blocker__in=active.exclude(user=user).values("user"),
        )
        row = (
            active.filter(user=user)
            .annotate(blocked=Exists(blocked))
            .values_list("blocked", flat=True)
            .first()
        )
        states[user.pk] = (row is not None, bool(row))
    return states[user.pk]


def forget_conversation_state(thread: Thread) -> None:
    thread.__dict__.pop(_CONVERSATION_ATTR, None)


def can_write_in_conversation(user, thread: Thread) -> bool:
    participant, blocked = conversation_state(user, thread)
    return participant and not blocked and can_post(user)


def can_add_participant(user, thread: Thread) -> bool:
    return can_write_in_conversation(user, thread)


def conversation_refusal(user, thread: Thread) -> str:
    """Why ``can_write_in_conversation`` says no, in words for the reader."""
    participant, blocked = conversation_state(user, thread)
    if not participant:
        return "Only the people in this conversation can write in it."
    if blocked:
        return (
            "Someone in this conversation has blocked messages from you, so you cannot "
            "write here any more."
        )
    return "You cannot write in this conversation."


def check(allowed: bool, message: str = "You are not allowed to do that.") -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- ideas (forums/ideas.py): votes, official statuses, merging duplicates.


def idea_is_open(thread: Thread) -> bool:
    """An idea takes votes until it ships, is locked (merging locks it) or is deleted."""
    return (
        thread.kind == Thread.Kind.IDEA
        and not thread.is_deleted
        and not thread.is_locked
        and thread.idea_status != Thread.IdeaStatus.DONE
        and not (thread.space_id and thread.space.is_archived)
    )


def can_vote_idea(user, thread: Thread) -> bool:
    return can_post(user) and idea_is_open(thread)


def vote_refusal(user, thread: Thread) -> str:
    """Why ``can_vote_idea`` says no, in words for the reader."""
    if thread.kind != Thread.Kind.IDEA:
        return "Only ideas take votes."
    if thread.is_deleted:
        return "This idea was deleted, so it takes no votes."
    if thread.idea_status == Thread.IdeaStatus.DONE:
        return "This idea has shipped, so voting on it is closed."
    if thread.is_locked:
        return "This idea is closed (locked or merged into another), so it takes no votes."
    if thread.space_id and thread.space.is_archived:
        return "This space is archived, so its ideas take no votes."
    if not is_member(user):
        return "Log in to vote."
    if not has_verified_email(user):
        return "Verify your e-mail address before voting."
    if is_suspended(user):
        return suspension_notice(user)
    return "You cannot vote on this idea."


def can_set_idea_status(user, thread: Thread | None = None) -> bool:
    """Staff decide an idea's status, with an official comment: the vendor's answer."""
    if thread is not None and (thread.kind != Thread.Kind.IDEA or thread.is_deleted):
        return False
    return is_member(user) and user.has_perm("forums.mark_official")


def can_merge_idea(user, thread: Thread | None = None) -> bool:
    """Staff and moderators fold a duplicate idea into the original."""
    if thread is not None and (thread.kind != Thread.Kind.IDEA or thread.is_deleted):
        return False
    return is_member(user) and (
        user.has_perm("forums.mark_official") or user.has_perm("forums.moderate_post")
    )


# --- write-time policy for new accounts (settings: STOA_PREMODERATION_FIRST_POSTS,
# STOA_TRUST_LIMITS, STOA_PHONE_HOLD_BELOW_TRUST). Moderation decides afterwards; these
# decide what a post looks like the moment it is written.

TRUST_LEVEL_NAMES = {0: "new", 1: "basic", 2: "member", 3: "regular", 4: "leader"}
_EXTERNAL_LINK_RE = re.compile(r"<a\s[^>]*?href=\"(https?://[^\"]*)\"", re.IGNORECASE)
_IMAGE_RE = re.compile(r"<img\s", re.IGNORECASE)


def is_exempt_from_limits(user) -> bool:
    """Staff and moderators are never held, limited or masked."""
    return is_member(user) and (
        user.has_perm("forums.moderate_post") or user.has_perm("forums.mark_official")
    )


def initial_post_state(user, *, text: str) -> str:
    """``pending`` when a new post must wait for a moderator, ``visible`` otherwise.

    Held: a phone number from a member below ``STOA_PHONE_HOLD_BELOW_TRUST`` (fake support
    numbers are the classic scam in vendor forums), and the first
    ``STOA_PREMODERATION_FIRST_POSTS`` posts of a new (trust level 0) account.
    """
    if is_exempt_from_limits(user):
        return Post.State.VISIBLE
    if must_mask_phones(user, text=text):
        return Post.State.PENDING
    first_posts = settings.STOA_PREMODERATION_FIRST_POSTS
    if first_posts and user.trust_level == 0:
        approved = Post.objects.filter(author=user, state=Post.State.VISIBLE)[:first_posts]
        if approved.count() < first_posts:
            return Post.State.PENDING
    return Post.State.VISIBLE


def must_mask_phones(user, *, text: str) -> bool:
    """Does this post hold phone numbers that readers must not see until it is approved?"""
    return (
        not is_exempt_from_limits(user)
        and user.trust_level < settings.STOA_PHONE_HOLD_BELOW_TRUST
        and bool(find_phone_numbers(text))
    )


def _count_external_links(html: str) -> int:
    site = settings.SITE_URL.rstrip("/") + "/"
    return sum(1 for m in _EXTERNAL_LINK_RE.finditer(html) if not m.group(1).startswith(site))


def check_post_limits(user, rendered: Rendered) -> None:
    """Raise a ValidationError (on ``body``) when a post exceeds the author's trust level."""
    if not settings.STOA_TRUST_LIMITS_ENABLED or is_exempt_from_limits(user):
        return
    level = min(max(user.trust_level, 0), 4)
    limits = settings.STOA_TRUST_LIMITS.get(level) or {}
    name = TRUST_LEVEL_NAMES[level]
    counts = {
        "links": (_count_external_links(rendered.html), "link", "links"),
        "images": (len(_IMAGE_RE.findall(rendered.html)), "image", "images"),
        "mentions": (len(rendered.mentions), "@mention", "@mentions"),
    }
    for key, (found, one, many) in counts.items():
        allowed = limits.get(key)
        if allowed is not None and found > allowed:
            unit = one if allowed == 1 else many
            raise ValidationError(
                {
                    "body": f"Members at trust level “{name}” can use at most {allowed} "
                    f"{unit} in a post; this one has {found}. Remove some and post again "
                    "(your text is still here)."
                }
            )
    per_hour = limits.get("posts_per_hour")
    if per_hour is not None:
        since = timezone.now() - timedelta(hours=1)
        recent = list(
            Post.objects.filter(author=user, created_at__gte=since)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:per_hour]
        )
        if len(recent) >= per_hour:
            wait = recent[-1] + timedelta(hours=1) - timezone.now()
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            raise ValidationError(
                {
                    "body": f"Members at trust level “{name}” can post {per_hour} times an "
                    f"hour. Please wait {minutes} minute{'s' if minutes != 1 else ''} and post "
                    "again (your text is still here)."
                }
            )
