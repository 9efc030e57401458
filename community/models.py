import re

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def validate_hex_colour(value: str) -> None:
    if not HEX_COLOUR.match(value):
        raise ValidationError("Enter a colour as #rrggbb, for example #2563eb.")


class Branding(models.Model):
    """The vendor's look: one row, edited by staff in the admin."""

    CACHE_KEY = "branding:v1"

    site_name = models.CharField(max_length=60, default="Stoa")
    tagline = models.CharField(
        max_length=160, blank=True, default="Ask, answer and shape the product together"
    )
    logo = models.ImageField(upload_to="branding/", blank=True)
    primary_colour = models.CharField(
        max_length=7, default="#2563eb", validators=[validate_hex_colour]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "branding"
        verbose_name_plural = "branding"

    def __str__(self) -> str:
        return self.site_name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    @classmethod
    def current(cls) -> "Branding":
        """The branding row, cached; a fresh install gets the defaults without a write."""
        branding = cache.get(cls.CACHE_KEY)
        if branding is None:
            branding = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(cls.CACHE_KEY, branding, timeout=3600)
        return branding


class OutboxEvent(models.Model):
    """Work that must not be lost, written in the same transaction as the change it follows.

    ``community.outbox.emit`` creates the row; after commit the relay publishes it to Celery.
    If the broker is down at that moment the row stays pending and the sweep publishes it later.
    """

    topic = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(published_at__isnull=True),
                name="outbox_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
