"""Spaces hold threads; threads hold posts. Counters are denormalised and kept by services."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from taggit.managers import TaggableManager

from .querysets import PostQuerySet, SpaceQuerySet, ThreadQuerySet


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    DUTCH = "nl", "Nederlands"
    INDONESIAN = "id", "Bahasa Indonesia"
    SPANISH = "es", "Español"


class Space(models.Model):
    class Kind(models.TextChoices):
        FORUM = "forum", "Product forum"
        GROUP = "group", "Member group"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        MEMBERS = "members", "Members only"
        ORGANIZATION = "organization", "Organization"
        INVITE = "invite", "Invite only"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FORUM)
    visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(max_length=500, blank=True)
    icon = models.CharField(max_length=8, blank=True, help_text="An emoji or short symbol.")
    colour = models.CharField(max_length=7, default="#2563eb")
    position = models.PositiveIntegerField(default=0)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spaces",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_spaces",
    )
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    allow_ideas = models.BooleanField(default=False)
    restrict_tags = models.BooleanField(
        default=False, help_text="Only the curated tags below may be used in this space."
    )
    curated_tags = models.ManyToManyField("taggit.Tag", blank=True, related_name="+")
    is_archived = models.BooleanField(default=False)
    is_featured = models.BooleanField(default=False)
    thread_count = models.PositiveIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        permissions = [
            ("manage_spaces", "Can create and edit spaces"),
            ("view_private_spaces", "Can read every space, private ones included"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(visibility="organization") | Q(organization__isnull=False),
                name="org_space_has_org",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forums:space", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class SpaceMembership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        OWNER = "owner", "Owner"
        MODERATOR = "moderator", "Moderator"

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["space", "user"], name="uniq_space_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.space}"


class Thread(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        DISCUSSION = "discussion", "Discussion"
        IDEA = "idea", "Idea"
        ANNOUNCEMENT = "announcement", "Announcement"
        MESSAGE = "message", "Message"

    class IdeaStatus(models.TextChoices):
        NONE = "", "—"
        UNDER_REVIEW = "under_review", "Under review"
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DECLINED = "declined", "Declined"

    space = models.ForeignKey(
        Space, null=True, blank=True, on_delete=models.PROTECT, related_name="threads"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.QUESTION)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, allow_unicode=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads"
    )
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Visible posts counted by services; the opening post is position 1, so replies = n - 1.
    post_count = models.PositiveIntegerField(default=0)
    last_position = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    vote_count = models.IntegerField(default=0)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    idea_status = models.CharField(
        max_length=12, choices=IdeaStatus.choices, default=IdeaStatus.NONE, blank=True
    )
    accepted_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    official_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_reply_at = models.DateTimeField(null=True, blank=True)
    first_staff_reply_at = models.DateTimeField(null=True, blank=True)

    tags = TaggableManager(blank=True)
    objects = ThreadQuerySet.as_manager()

    class Meta:
        permissions = [
            ("post_announcement", "Can post announcements"),
            ("pin_thread", "Can pin threads"),
            ("lock_thread", "Can lock and unlock threads"),
            ("move_thread", "Can move threads between spaces"),
            ("accept_any_answer", "Can accept an answer on any question"),
        ]
        indexes = [
            models.Index(fields=["space", "-last_activity_at"], name="thread_space_activity"),
            models.Index(fields=["space", "-created_at"], name="thread_space_created"),
            models.Index(fields=["-last_activity_at"], name="thread_activity"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:80] or "thread"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("forums:thread", kwargs={"slug": self.slug, "thread_id": self.pk})

    def get_post_url(self, position: int) -> str:
        return reverse(
            "forums:post_permalink",
            kwargs={"slug": self.slug, "thread_id": self.pk, "position": position},
        )

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    @property
    def is_question(self) -> bool:
        return self.kind == self.Kind.QUESTION

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None


class Post(models.Model):
    class State(models.TextChoices):
        VISIBLE = "visible", "Visible"
        PENDING = "pending", "Awaiting review"
        HIDDEN = "hidden", "Hidden"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    position = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    body = models.TextField()
    body_html = models.TextField()
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_official = models.BooleanField(default=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.VISIBLE)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    revision_count = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)
    # A per-form token: a double-clicked submit carries the same token and posts once.
    client_token = models.CharField(max_length=36, blank=True, default="")

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["thread", "position"]
        permissions = [
            ("mark_official", "Can mark a reply as an official answer"),
            ("moderate_post", "Can hide, approve and delete any post"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["thread", "position"], name="uniq_post_position"),
            models.UniqueConstraint(
                fields=["author", "client_token"],
                condition=~Q(client_token=""),
                name="uniq_post_client_token",
            ),
        ]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="post_author_created"),
            # Threads whose opening post is held or hidden: tiny, and it keeps the
            # "opening post readable" check of every thread list an index probe.
            models.Index(
                fields=["thread"],
                condition=Q(position=1) & ~Q(state="visible"),
                name="post_held_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.thread} #{self.position}"

    def get_absolute_url(self) -> str:
        return self.thread.get_post_url(self.position)

    @property
    def is_opening(self) -> bool:
        return self.position == 1


class PostRevision(models.Model):
    """The text a post had before an edit; the newest text lives on the post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post", "number"]
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="uniq_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.post} revision {self.number}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        LIKE = "like", "Like"
        HELPFUL = "helpful", "Helpful"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="uniq_reaction")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.post}"


class ReadState(models.Model):
    """How far a member has read a thread: drives unread markers and 'jump to first unread'."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_states"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    last_read_position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="uniq_read_state")]

    def __str__(self) -> str:
        return f"{self.user} read {self.thread} to #{self.last_read_position}"


class ThreadParticipant(models.Model):
    """Who takes part in a private conversation (threads of kind ``message``)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="uniq_participant")]

    def __str__(self) -> str:
        return f"{self.user} in {self.thread}"


class IdeaVote(models.Model):
    """One member's vote for an idea (a thread of kind ``idea``)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_votes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="uniq_idea_vote")]

    def __str__(self) -> str:
        return f"{self.user} votes for {self.thread}"


class SpaceInvitation(models.Model):
    """An expiring invitation into an invite-only space or a members-only group."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="space_invitations",
    )
    email = models.EmailField(blank=True)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation to {self.space} for {self.user or self.email}"


class JoinRequest(models.Model):
    """A member asking to join a group whose owner approves members."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["space", "user"],
                condition=Q(status="pending"),
                name="uniq_pending_join_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} asks to join {self.space}"


class UserBlock(models.Model):
    """``blocker`` does not want private messages from ``blocked``."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="uniq_user_block")
        ]

    def __str__(self) -> str:
        return f"{self.blocker} blocks {self.blocked}"


class DeflectionEvent(models.Model):
    """A member asking a question opened one of the similar threads suggested to them.

    ``converted`` turns true when the same member posts a thread anyway within
    ``STOA_DEFLECTION_WINDOW_MINUTES``; an event still unconverted after that window is a
    question the community answered before it was asked (insights counts those).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deflection_events",
    )
    session_key = models.CharField(max_length=40, blank=True)
    space = models.ForeignKey(
        Space, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    query = models.CharField(max_length=200, help_text="The title typed so far.")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="deflections")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    converted = models.BooleanField(default=False)
    converted_thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="deflection_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.user or 'visitor'} opened {self.thread_id} while asking"


# Files attached to posts live in their own module; importing them here registers the model.
from .uploads.models import Upload  # noqa: E402, F401
