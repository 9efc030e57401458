"""Moderation: flags, the review queue, the audit log, suspensions and the spam filter's memory.

Every decision is written by ``moderation.services`` together with its ``ModerationAction``
row, in one transaction. The current suspension of a member is denormalised onto
``accounts.User`` (``suspended_until``, ``suspension_reason``) so that forums can refuse a
post without asking this app; ``Suspension`` keeps the history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Flag(models.Model):
    """A member's report of a post. One per reporter and post."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSIVE = "abusive", "Rude, abusive or harassing"
        OFF_TOPIC = "off_topic", "Off-topic"
        NEEDS_STAFF = "needs_staff", "Needs a staff member's attention"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a moderator"
        UPHELD = "upheld", "Upheld"
        REJECTED = "rejected", "Not upheld"
        CLOSED = "closed", "Closed"

    post = models.ForeignKey("forums.Post", on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags_made"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    # How much this flag counts towards hiding the post, from the reporter's trust level.
    weight = models.FloatField(default=1.0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(
        max_length=300, blank=True, help_text="What happened, in words for the reporter."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="uniq_flag_per_reporter")
        ]
        indexes = [
            models.Index(fields=["reporter", "-created_at"], name="flag_reporter_created"),
            models.Index(fields=["post", "status"], name="flag_post_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reporter} flagged {self.post_id} ({self.reason})"


class ReviewItem(models.Model):
    """Something waiting for a moderator: a held or flagged post, or a held profile.

    At most one open item per post (and per held profile); the queue at /mod/ lists the open
    ones. Locking the item is how two moderators are kept from deciding the same thing twice.
    """

    class Kind(models.TextChoices):
        POST = "post", "Post"
        PROFILE = "profile", "Profile"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.POST)
    post = models.ForeignKey(
        "forums.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_items",
        help_text="The author of the post, or the member whose profile is held.",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    # Why it is here: any of "first_posts", "phone", "spam", "flags", "profile".
    sources = models.JSONField(default=list)
    score = models.FloatField(default=0.0)
    flag_weight = models.FloatField(default=0.0)
    opened_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.ForeignKey(
        "ModerationAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(status="open", post__isnull=False),
                name="uniq_open_review_per_post",
            ),
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(status="open", kind="profile"),
                name="uniq_open_review_per_profile",
            ),
        ]
        indexes = [models.Index(fields=["status", "opened_at"], name="review_status_opened")]

    def __str__(self) -> str:
        return f"{self.kind} review #{self.pk} ({self.status})"


class ModerationAction(models.Model):
    """The audit log: one row per decision, human (``actor``) or automatic (no actor)."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        HOLD = "hold", "Held for review"
        HIDE = "hide", "Hidden"
        AUTO_HIDE = "auto_hide", "Hidden after flags"
        DELETE = "delete", "Deleted"
        EDIT = "edit", "Edited"
        FLAGS_CLOSED = "flags_closed", "Flags closed"
        LOCK = "lock", "Thread locked"
        UNLOCK = "unlock", "Thread unlocked"
        MOVE = "move", "Thread moved"
        MERGE = "merge", "Threads merged"
        SPLIT = "split", "Posts split off"
        WARN = "warn", "Warned"
        SUSPEND = "suspend", "Suspended"
        BAN = "ban", "Banned"
        LIFT = "lift", "Suspension lifted"
        DELETE_SPAMMER = "delete_spammer", "Spammer deleted"
        PROFILE_HOLD = "profile_hold", "Profile held"
        PROFILE_APPROVE = "profile_approve", "Profile approved"
        PROFILE_CLEAR = "profile_clear", "Profile cleared"
        TRUST_LEVEL = "trust_level", "Trust level changed"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
        help_text="Empty for automatic actions.",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    post = models.ForeignKey(
        "forums.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread = models.ForeignKey(
        "forums.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_received",
        help_text="Whose content or account the action concerns.",
    )
    reason = models.CharField(max_length=500)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("review_queue", "Can work the moderation queue and read its log"),
            ("suspend_user", "Can warn, suspend and ban members"),
            ("delete_spammer", "Can delete a spammer with all their posts"),
        ]
        indexes = [
            models.Index(fields=["action", "-created_at"], name="modaction_action_created"),
            models.Index(fields=["target_user", "-created_at"], name="modaction_target_created"),
            models.Index(fields=["post", "-created_at"], name="modaction_post_created"),
        ]

    def __str__(self) -> str:
        who = self.actor or "system"
        return f"{who}: {self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_automatic(self) -> bool:
        return self.actor_id is None


class Suspension(models.Model):
    """One suspension or ban; the member's current one is copied onto their account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suspensions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="A ban ends in the year 9999.")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.user} suspended until {self.ends_at:%Y-%m-%d}"

    @property
    def is_ban(self) -> bool:
        return self.ends_at.year >= 9999


class SpamVerdict(models.Model):
    """What the spam filter said about one version of a post or a profile, and why.

    ``reasons`` is a list of ``{"code", "points", "detail"}``; ``key`` identifies the
    version scored (the post's revision, or a digest of the profile's text), which makes
    scoring idempotent.
    """

    class Kind(models.TextChoices):
        POST = "post", "Post"
        PROFILE = "profile", "Profile"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        FALSE_POSITIVE = "false_positive", "False positive"
        CONFIRMED = "confirmed", "Confirmed spam"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    post = models.ForeignKey(
        "forums.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spam_verdicts"
    )
    key = models.CharField(max_length=64)
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    held = models.BooleanField(default=False)
    # For a held profile: the text it had before phone numbers were masked.
    original = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.NONE, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "key"], name="uniq_spam_verdict")
        ]
        indexes = [models.Index(fields=["post"], name="verdict_post")]

    def __str__(self) -> str:
        return f"{self.kind} verdict {self.score:.2f} for {self.subject}"

    @property
    def codes(self) -> list[str]:
        return [reason["code"] for reason in self.reasons if reason.get("points", 0) > 0]


class BlockedTerm(models.Model):
    """The spam filter's lists, edited by staff in the admin and grown by moderators' decisions.

    A phrase matches case-insensitively anywhere in the text; a link domain matches the
    domain and its subdomains; an e-mail domain matches the part after "@"; a phone number
    matches by its digits.
    """

    class Kind(models.TextChoices):
        PHRASE = "phrase", "Phrase"
        LINK_DOMAIN = "link_domain", "Link domain"
        EMAIL_DOMAIN = "email_domain", "E-mail domain"
        PHONE = "phone", "Phone number"

    class Source(models.TextChoices):
        STAFF = "staff", "Added by staff"
        LEARNED = "learned", "Learned from a moderator's decision"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = models.CharField(max_length=200, help_text="Stored in lower case; phones as digits.")
    weight = models.FloatField(default=1.0, help_text="Points a match adds to the spam score.")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    hits = models.PositiveIntegerField(default=0)
    false_positives = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="uniq_blocked_term")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class SignalWeight(models.Model):
    """A multiplier for one spam signal, site-wide (no author) or for one author.

    Approving a held post lowers the weights of the signals that fired for its author, so
    the same honest member is not held again for the same reason.
    """

    code = models.CharField(max_length=40)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: applies to everyone.",
    )
    weight = models.FloatField(default=1.0)
    false_positives = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(author__isnull=True), name="uniq_signal_weight_site"
            ),
            models.UniqueConstraint(
                fields=["code", "author"],
                condition=Q(author__isnull=False),
                name="uniq_signal_weight_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} x{self.weight:.2f}" + (f" for {self.author}" if self.author_id else "")
