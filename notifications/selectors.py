"""Every read the notification pages, the bell and the e-mails need.

Notifications are read through the one door too: a notification about a thread the member can
no longer read (they left the group, the thread was deleted) is not shown, not counted and
not e-mailed.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from taggit.models import Tag

from forums.models import Post, Space, Thread

from . import counters
from .models import (
    DEFAULT_CHANNELS,
    Channel,
    Kind,
    Notification,
    NotificationPreference,
    Subscription,
)
from .presentation import describe

UNREAD_CAP = counters.CAP


def channels_for(*, user_ids: Iterable[int], kinds: Iterable[str]) -> dict[tuple[int, str], str]:
    """(user id, kind) -> e-mail channel for every pair asked about, defaults filled in."""
    user_ids, kinds = list(user_ids), list(kinds)
    channels = {(u, k): DEFAULT_CHANNELS[k] for u in user_ids for k in kinds}
    if user_ids and kinds:
        rows = NotificationPreference.objects.filter(user_id__in=user_ids, kind__in=kinds)
        for user_id, kind, channel in rows.values_list("user_id", "kind", "channel"):
            channels[user_id, kind] = channel
    return channels


def preferences_of(*, user) -> dict[str, str]:
    """kind -> channel for one member, defaults filled in."""
    channels = dict(DEFAULT_CHANNELS)
    channels.update(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    return channels


def _visible(queryset, user):
    """Notifications whose thread this member may still read (or that concern no thread)."""
    return queryset.filter(Q(thread__isnull=True) | Q(thread__in=Thread.objects.visible_to(user)))


def unread_count(*, user) -> int:
    """The bell: cached per member (``counters``); on a miss, one query over the unread
    partial index, capped so it stays cheap however much is unread.

    It is a number only: it names nothing, so it skips the reading door (which would cost
    the viewer's permission lookups on pages that need none). Something that stopped being
    readable still counts until "Mark all as read"; the inbox never lists it.
    """
    if not user.is_authenticated:
        return 0

    def compute() -> int:
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
        return unread[: UNREAD_CAP + 1].count()

    return counters.unread_cached(user.pk, compute)


@dataclass
class InboxPage:
    page: Page
    items: list[Notification]
    show: str

    @property
    def paginated(self) -> bool:
        return self.page.paginator.num_pages > 1


INBOX_FILTERS = {"all": "All", "unread": "Unread"}


def inbox_page(*, user, show: str = "all", page_number=None) -> InboxPage:
    """One page of a member's notifications, newest first, in a fixed number of queries."""
    show = show if show in INBOX_FILTERS else "all"
    notifications = _visible(Notification.objects.filter(recipient=user), user)
    if show == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    notifications = (
        notifications.select_related("actor", "thread", "thread__space", "post")
        .annotate(
            post_readable=Exists(Post.objects.visible_to(user).filter(pk=OuterRef("post_id")))
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(notifications, settings.STOA_NOTIFICATIONS_PAGE_SIZE).get_page(page_number)
    items = list(page.object_list)
    for item in items:
        item.description = describe(item, readable_post=item.post_readable)
    return InboxPage(page=page, items=items, show=show)


def notification_get_for_recipient(*, notification_id: int, user) -> Notification:
    """The member's own notification, still visible; anything else is 404."""
    notification = (
        _visible(Notification.objects.filter(recipient=user, pk=notification_id), user)
        .select_related("thread", "post")
        .first()
    )
    if notification is None:
        raise Http404("No such notification.")
    return notification


# --- watching -------------------------------------------------------------------------------


def subscription_level(*, user, thread=None, space=None, tag=None) -> str:
    """The member's level on one target: watch, track, mute, or "" (normal)."""
    if not user.is_authenticated:
        return ""
    target = {"thread": thread, "space": space, "tag": tag}
    target = {key: value for key, value in target.items() if value is not None}
    level = Subscription.objects.filter(user=user, **target).values_list("level", flat=True)
    return level.first() or ""


def thread_for_watching(*, thread_id: int, user) -> Thread:
    thread = Thread.objects.visible_to(user).filter(pk=thread_id).first()
    if thread is None:
        raise Http404("No such thread.")
    return thread


def space_for_watching(*, slug: str, user) -> Space:
    space = Space.objects.visible_to(user).filter(slug=slug).first()
    if space is None:
        raise Http404("No such space.")
    return space


def tag_for_watching(*, slug: str, user) -> Tag:
    """A tag exists for a member when it is on at least one thread they can read."""
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None or not Thread.objects.visible_to(user).filter(tags=tag).exists():
        raise Http404("No such tag.")
    return tag


@dataclass
class Watched:
    level: str
    kind: str  # "thread", "space" or "tag"
    title: str
    url: str
    chosen: bool


def watched_list(*, user, limit: int = 200) -> list[Watched]:
    """What a member watches, tracks or muted, newest first, through the reading door."""
    rows = (
        Subscription.objects.filter(user=user)
        .filter(
            Q(thread__isnull=True) | Q(thread__in=Thread.objects.visible_to(user)),
            Q(space__isnull=True) | Q(space__in=Space.objects.visible_to(user)),
        )
        .select_related("thread", "space", "tag")
        .order_by("-updated_at", "-pk")[:limit]
    )
    watched = []
    for row in rows:
        if row.thread_id:
            thread = row.thread
            item = Watched(row.level, "thread", thread.title, thread.get_absolute_url(), row.chosen)
        elif row.space_id:
            item = Watched(row.level, "space", row.space.name, row.space.get_absolute_url(), True)
        else:
            item = Watched(
                row.level, "tag", row.tag.name, reverse("forums:tag", args=[row.tag.slug]), True
            )
        watched.append(item)
    return watched


@dataclass
class PreferenceRow:
    kind: str
    label: str
    channel: str


@dataclass
class SettingsPage:
    rows: list[PreferenceRow]
    channels: list[tuple[str, str]]
    watched: list[Watched]
    email: str
    email_verified: bool


def settings_page(*, user) -> SettingsPage:
    current = preferences_of(user=user)
    address = EmailAddress.objects.filter(user=user, primary=True).first()
    return SettingsPage(
        rows=[PreferenceRow(kind, label, current[kind]) for kind, label in Kind.choices],
        channels=list(Channel.choices),
        watched=watched_list(user=user),
        email=address.email if address else user.email,
        email_verified=bool(address and address.verified),
    )


def inbox_item(*, notification_id: int, user) -> Notification:
    """One inbox row, described, for the htmx response after marking it read or unread."""
    item = (
        _visible(Notification.objects.filter(recipient=user, pk=notification_id), user)
        .select_related("actor", "thread", "thread__space", "post")
        .annotate(
            post_readable=Exists(Post.objects.visible_to(user).filter(pk=OuterRef("post_id")))
        )
        .first()
    )
    if item is None:
        raise Http404("No such notification.")
    item.description = describe(item, readable_post=item.post_readable)
    return item


def notification_target_url(*, notification: Notification) -> str:
    """Where opening a notification leads: the exact post, else the thread."""
    thread = notification.thread if notification.thread_id else None
    if thread is not None and notification.post_id:
        return thread.get_post_url(notification.post.position)
    if thread is not None:
        return thread.get_absolute_url()
    return (notification.data or {}).get("url", "")


# --- unsubscribe ----------------------------------------------------------------------------


def scope_kinds(*, scope, user) -> list[str]:
    """The kinds an unsubscribe token covers for this member now."""
    if scope.everything:
        return list(Kind.values)
    if scope.channel:
        current = preferences_of(user=user)
        return [kind for kind in Kind.values if current[kind] == scope.channel]
    return [kind for kind in scope.kinds if kind in Kind.values]


def kind_labels(kinds) -> list[str]:
    return [Kind(kind).label for kind in kinds]
