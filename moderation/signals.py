"""Decoupled reactions to other apps' events."""

from allauth.account.signals import user_signed_up
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from community.outbox import emit

from .models import BlockedTerm
from .scoring import TERMS_CACHE_KEY


@receiver(user_signed_up)
def score_new_profile(sender, request, user, **kwargs):
    """A new account's profile and e-mail domain are scored after the sign-up commits."""
    emit("user.signed_up", user_id=user.pk)


@receiver(post_save, sender=BlockedTerm)
@receiver(post_delete, sender=BlockedTerm)
def forget_blocked_terms(sender, **kwargs):
    """The scorer caches the lists; a changed term must count from the next post on."""
    cache.delete(TERMS_CACHE_KEY)
