"""Does a member have a verified e-mail address? Posting needs one, so every page with a
composer asks. The answer is kept on the user object for the request and in the cache for
``TTL`` seconds, and forgotten whenever one of the member's addresses changes
(``accounts.signals``), so a newly verified member can post at once."""

from django.core.cache import cache
from django.db import transaction

TTL = 600


def _key(user_id: int) -> str:
    return f"accounts:verified:{user_id}"


def has_verified_email(user) -> bool:
    cached = getattr(user, "_stoa_verified", None)
    if cached is None:
        cached = cache.get(_key(user.pk))
        if cached is None:
            cached = user.emailaddress_set.filter(verified=True).exists()
            cache.set(_key(user.pk), cached, TTL)
        user._stoa_verified = cached
    return cached


def verification_changed(user_id: int) -> None:
    """Forget the answer now and again after commit (a request in between could otherwise
    cache the state from before the change)."""
    cache.delete(_key(user_id))
    transaction.on_commit(lambda: cache.delete(_key(user_id)))
