"""Who watches what, what each member was told, and the e-mail that carried it.

- ``Subscription``: a member's level (watch, track, mute) on one thread, space or tag.
- ``Notification``: one row per recipient and event. ``event_key`` names the event (its
  topic and object, e.g. ``post:42``), and ``(recipient, event_key)`` is unique, so a
  handler that runs twice — the outbox delivers at least once — adds nothing the second time.
- ``NotificationPreference``: how a member wants each kind e-mailed; missing rows mean the
  defaults in ``DEFAULT_CHANNELS``.
- ``EmailDelivery``: one e-mail to send, with an idempotency key. It is marked sent only
  after the SMTP server accepted the message, and its notifications point at it, so a retry
  never sends the same items twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Level(models.TextChoices):
    WATCH = "watch", "Watching"
    TRACK = "track", "Tracking"
    MUTE = "mute", "Muted"


class Kind(models.TextChoices):
    MENTION = "mention", "Mentions of you"
    REPLY = "reply", "Replies to your posts"
    QUOTE = "quote", "Quotes of your posts"
    THREAD_REPLY = "thread_reply", "Replies in threads you watch"
    NEW_THREAD = "new_thread", "New threads in spaces and tags you watch"
    ANSWER_ACCEPTED = "answer_accepted", "Accepted answers"
    OFFICIAL_ANSWER = "official_answer", "Official answers"
    REACTION = "reaction", "Reactions to your posts"
    MODERATION = "moderation", "Moderation of your posts and flags"
    IDEA_STATUS = "idea_status", "Status changes of ideas you follow"
    MESSAGE = "message", "Private messages"
    BADGE = "badge", "Badges you earn"
    MEMBERSHIP = "membership", "Group invitations and join requests"


class Channel(models.TextChoices):
    IMMEDIATE = "immediate", "At once"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"
    NEVER = "never", "Never"


# What a member who never opened the settings page gets. Things addressed to you personally
# arrive at once; the steady trickle from what you merely follow waits for a digest.
DEFAULT_CHANNELS: dict[str, str] = {
    Kind.MENTION: Channel.IMMEDIATE,
    Kind.REPLY: Channel.IMMEDIATE,
    Kind.QUOTE: Channel.IMMEDIATE,
    Kind.THREAD_REPLY: Channel.IMMEDIATE,
    Kind.NEW_THREAD: Channel.DAILY,
    Kind.ANSWER_ACCEPTED: Channel.IMMEDIATE,
    Kind.OFFICIAL_ANSWER: Channel.IMMEDIATE,
    Kind.REACTION: Channel.WEEKLY,
    Kind.MODERATION: Channel.IMMEDIATE,
    Kind.IDEA_STATUS: Channel.IMMEDIATE,
    Kind.MESSAGE: Channel.IMMEDIATE,
    Kind.BADGE: Channel.NEVER,
    Kind.MEMBERSHIP: Channel.IMMEDIATE,
}


class Subscription(models.Model):
    """A member's level on exactly one target: a thread, a space or a tag."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    thread = models.ForeignKey(
        "forums.Thread", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    space = models.ForeignKey(
        "forums.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "taggit.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=5, choices=Level.choices)
    # True when the member chose the level; False when posting set it (author, replier).
    chosen = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(thread__isnull=False, space__isnull=True, tag__isnull=True)
                    | Q(thread__isnull=True, space__isnull=False, tag__isnull=True)
                    | Q(thread__isnull=True, space__isnull=True, tag__isnull=False)
                ),
                name="subscription_one_target",
            ),
            # Target first: the fan-out reads "everyone subscribed to this thread".
            models.UniqueConstraint(
                fields=["thread", "user"],
                condition=Q(thread__isnull=False),
                name="uniq_subscription_thread",
            ),
            models.UniqueConstraint(
                fields=["space", "user"],
                condition=Q(space__isnull=False),
                name="uniq_subscription_space",
            ),
            models.UniqueConstraint(
                fields=["tag", "user"], condition=Q(tag__isnull=False), name="uniq_subscription_tag"
            ),
        ]
        indexes = [models.Index(fields=["user", "-updated_at"], name="subscription_user")]

    def __str__(self) -> str:
        return f"{self.user} {self.level} {self.target}"

    @property
    def target(self):
        return self.thread or self.space or self.tag


class EmailDelivery(models.Model):
    """One e-mail to one member: an immediate message about one thread, or a digest."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Nothing left to send"
        FAILED = "failed", "Gave up"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_deliveries"
    )
    # The idempotency key: the same bundle of notifications always gets the same key.
    key = models.CharField(max_length=120, unique=True)
    channel = models.CharField(max_length=9, choices=Channel.choices)
    thread = models.ForeignKey(
        "forums.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    address = models.EmailField(blank=True)
    subject = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "e-mail deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} e-mail to {self.recipient} ({self.status})"


class Notification(models.Model):
    class EmailStatus(models.TextChoices):
        PENDING = "pending", "Waiting for its e-mail"
        QUEUED = "queued", "In an e-mail being sent"
        SENT = "sent", "E-mailed"
        SKIPPED = "skipped", "Not e-mailed"

    # No index of its own: the unique constraint and the inbox index both start with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    event_key = models.CharField(max_length=80)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread = models.ForeignKey(
        "forums.Thread", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        "forums.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Small facts the message needs beyond the ids: a reaction count, an idea's new status,
    # a moderation outcome and its reason, a badge's name.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_channel = models.CharField(max_length=9, choices=Channel.choices)
    email_status = models.CharField(
        max_length=7, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    delivery = models.ForeignKey(
        EmailDelivery,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="uniq_notification_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The bell: a count over this partial index, so reading old notifications costs
            # nothing on every page.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            # The e-mail tick: what is still waiting, oldest first, per channel.
            models.Index(
                fields=["email_channel", "created_at"],
                condition=Q(email_status="pending"),
                name="notification_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient} ({self.event_key})"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=9, choices=Channel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="uniq_notification_preference")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.channel}"
