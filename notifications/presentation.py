"""How a notification reads, in the inbox and in e-mails: one sentence per kind.

A description is plain text in three parts — who, what happened, and the thread it happened
in — so templates escape each part and link the last one. Nothing here queries the database:
callers load the actor, thread and post with the notification.
"""

from dataclasses import dataclass

from django.utils.html import strip_tags
from django.utils.text import Truncator

from .models import Kind, Notification

EXCERPT_CHARS = 240


@dataclass(frozen=True)
class Description:
    actor: str  # a display name, or "" when no person acted
    action: str  # what happened, ending where the target's title goes
    target: str  # the thread's title (or a badge's name), "" when none
    url: str  # where the notification leads, relative to the site
    excerpt: str  # a few lines of the post, when the reader may see it
    icon: str


ICONS = {
    Kind.MENTION: "@",
    Kind.REPLY: "↩",
    Kind.QUOTE: "❝",
    Kind.THREAD_REPLY: "💬",
    Kind.NEW_THREAD: "✚",
    Kind.ANSWER_ACCEPTED: "✓",
    Kind.OFFICIAL_ANSWER: "★",
    Kind.REACTION: "♥",
    Kind.MODERATION: "⚑",
    Kind.IDEA_STATUS: "💡",
    Kind.MESSAGE: "✉",
    Kind.BADGE: "🏅",
    Kind.MEMBERSHIP: "👥",
}

MODERATION_OUTCOMES = {
    "approve": "approved your post in",
    "hide": "hid your post in",
    "auto_hide": "hid your post, after flags, in",
    "delete": "removed your post in",
    "edit": "edited your post in",
    "hold": "is holding your post for review in",
    "lock": "locked",
    "move": "moved",
    "flags_closed": "closed the flags on your post in",
    "merge": "merged your thread into",
    "split": "moved your post out of",
    "flag_upheld": "acted on your flag in",
    "flag_rejected": "reviewed your flag and left the post up in",
    "flag_closed": "closed your flag in",
    "warn": "sent you a warning",
    "suspend": "suspended your account",
    "ban": "suspended your account",
    "lift": "lifted your suspension",
    "profile_hold": "is reviewing your profile",
    "profile_approve": "approved your profile",
    "profile_clear": "cleared your profile",
    "trust_level": "changed your trust level",
}

MEMBERSHIP_ACTIONS = {
    "invited": "invited you to join",
    "join_requested": "asked to join",
    "join_approved": "approved your request to join",
    "join_declined": "declined your request to join",
}


def excerpt_of(post, *, chars: int = EXCERPT_CHARS) -> str:
    """A post's text without markup, cut at a word boundary."""
    if post is None:
        return ""
    text = " ".join(strip_tags(post.body_html).split())
    return Truncator(text).chars(chars)


def _action(notification: Notification) -> str:
    kind, data = notification.kind, notification.data or {}
    role = data.get("role")
    if kind == Kind.MENTION:
        return "mentioned you in"
    if kind == Kind.REPLY:
        return "replied to your post in"
    if kind == Kind.QUOTE:
        return "quoted your post in"
    if kind == Kind.THREAD_REPLY:
        return "replied in"
    if kind == Kind.NEW_THREAD:
        space = notification.thread.space if notification.thread_id else None
        return f"started a thread in {space.name}:" if space else "started"
    if kind == Kind.ANSWER_ACCEPTED:
        return "accepted your answer in" if role == "answer" else "accepted an answer to"
    if kind == Kind.OFFICIAL_ANSWER:
        return (
            "marked your reply as the official answer in"
            if role == "answer"
            else ("gave an official answer to")
        )
    if kind == Kind.REACTION:
        others = int(data.get("count", 1)) - 1
        if others > 0:
            return f"and {others} other{'s' if others > 1 else ''} reacted to your post in"
        return "reacted to your post in"
    if kind == Kind.MODERATION:
        outcome = MODERATION_OUTCOMES.get(data.get("outcome", ""), "reviewed your post in")
        return outcome if notification.thread_id else outcome.removesuffix(" in")
    if kind == Kind.IDEA_STATUS:
        label = data.get("status_label") or data.get("status", "").replace("_", " ")
        return f"set the status “{label}” on" if label else "changed the status of"
    if kind == Kind.MESSAGE:
        return "sent you a message in"
    if kind == Kind.BADGE:
        return "You earned the badge"
    if kind == Kind.MEMBERSHIP:
        return MEMBERSHIP_ACTIONS.get(data.get("what", ""), "wrote to you about")
    return "updated"


def describe(notification: Notification, *, readable_post: bool = True) -> Description:
    """The sentence for one notification. ``readable_post`` says whether the recipient may
    still read the post (it may have been hidden since): without it, no excerpt."""
    thread = notification.thread if notification.thread_id else None
    post = notification.post if notification.post_id else None
    actor = notification.actor.name if notification.actor_id and notification.actor else ""
    data = notification.data or {}
    if notification.kind == Kind.MODERATION and not actor:
        actor = "A moderator"
    if notification.kind == Kind.BADGE:
        actor = ""
    target = thread.title if thread is not None else data.get("badge") or data.get("space") or ""
    if post is not None and thread is not None:
        url = thread.get_post_url(post.position)
    elif thread is not None:
        url = thread.get_absolute_url()
    else:
        url = data.get("url", "")
    if data.get("note"):
        excerpt = data["note"]
    elif readable_post and notification.kind != Kind.REACTION:
        excerpt = excerpt_of(post)
    else:
        excerpt = ""
    return Description(
        actor=actor,
        action=_action(notification),
        target=target,
        url=url,
        excerpt=excerpt,
        icon=ICONS.get(notification.kind, "•"),
    )
