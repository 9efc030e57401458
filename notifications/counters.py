"""The bell's unread count, cached per member so most pages cost no query for it.

The count is computed by one query over the unread partial index when the cache has none,
and forgotten whenever it changes: new notifications, marking read or unread.
It also expires after ``TTL`` seconds, which bounds how long it can disagree with the inbox
when something stops being visible to the member (they left a private group, for example).
A cache that is down costs the query, never the page.
"""

import logging

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

TTL = 300
CAP = 99  # the bell shows "99+" beyond this, so counting further is wasted work


def _key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_cached(user_id: int, compute) -> int:
    try:
        value = cache.get(_key(user_id))
    except Exception as exc:  # a dead cache server must not break every page
        log.warning("Unread count cache unavailable: %s", exc)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(_key(user_id), value, timeout=TTL)
        except Exception as exc:
            log.warning("Unread count cache unavailable: %s", exc)
    return value


def unread_changed(user_ids) -> None:
    """Forget these members' counts now and again once the current transaction commits (a
    page counting in between would otherwise cache the count from before the change)."""
    keys = [_key(user_id) for user_id in user_ids]
    if not keys:
        return

    def forget():
        try:
            cache.delete_many(keys)
        except Exception as exc:
            log.warning("Could not forget unread counts: %s", exc)

    forget()
    transaction.on_commit(forget)
