import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property


class User(AbstractUser):
    """A member of the community. Roles are groups with permissions, never booleans here."""

    email = models.EmailField("e-mail address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    # Kept by services (moderation and reputation) and used on every page beside a name.
    trust_level = models.PositiveSmallIntegerField(default=0)
    reputation = models.IntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # The current suspension, kept by moderation's services (the history is moderation's
    # Suspension model); forums reads it at write time to refuse posting.
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=300, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.replace("_", " ").replace(".", " ").split() if p]
        letters = "".join(p[0] for p in parts[:2]) or self.username[:1]
        return letters.upper()

    @property
    def avatar_tone(self) -> int:
        """One of twelve stable colours for the generated initials avatar (CSS ``tone-N``)."""
        digest = hashlib.blake2s(self.username.lower().encode(), digest_size=2).digest()
        return int.from_bytes(digest) % 12

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"username": self.username})

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))


class Organization(models.Model):
    """A business customer. Members join by invitation or by a verified e-mail domain."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    domains = models.TextField(
        blank=True,
        help_text="E-mail domains whose verified owners join automatically, one per line.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.domains.split() if d.strip()]


class OrganizationMembership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        ADMIN = "admin", "Organization admin"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="org_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="uniq_org_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"


class Badge(models.Model):
    """Recognition for a contribution; granted once per member (see accounts.badges)."""

    class Level(models.TextChoices):
        BRONZE = "bronze", "Bronze"
        SILVER = "silver", "Silver"
        GOLD = "gold", "Gold"

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200)
    icon = models.CharField(max_length=8, blank=True)
    level = models.CharField(max_length=6, choices=Level.choices, default=Level.BRONZE)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserBadge(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="badges")
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="grants")
    granted_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="uniq_user_badge")]

    def __str__(self) -> str:
        return f"{self.badge} for {self.user}"


class ReputationEvent(models.Model):
    """A change to a member's reputation. ``key`` makes each event count once, so replays and
    retries are harmless; the rebuild command sums these rows."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reputation_events")
    kind = models.CharField(max_length=30)
    points = models.IntegerField()
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="uniq_reputation_key")]
        indexes = [models.Index(fields=["created_at"], name="reputation_created")]

    def __str__(self) -> str:
        return f"{self.user} {self.points:+d} ({self.kind})"


class OrganizationInvitation(models.Model):
    """An organization admin (or vendor staff) invites someone into the organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Invitation to {self.organization} for {self.email}"


class RetiredUsername(models.Model):
    """The name of a deleted account, never given out again: old @mentions, quotes and
    links still say it, and a newcomer taking it would inherit them."""

    username = models.CharField(max_length=150, unique=True, help_text="Lower-cased.")
    retired_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.username
