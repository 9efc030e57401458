"""Whole-page cache for visitors (not logged in).

Pages are cached per URL and per *version* of what they show: ``scope`` names such as
``thread:12``, ``space:3`` and ``global``. Writes bump the versions of the scopes they touch
(after commit), so a visitor never gets a page older than the last change to what it shows;
a short time-to-live bounds anything a bump misses. Logged-in members always get fresh pages.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

PREFIX = "pagecache"


def _version_key(scope: str) -> str:
    return f"{PREFIX}:v:{scope}"


def bump(*scopes: str) -> None:
    """Mark what these scopes show as changed, once the current transaction commits."""

    def apply():
        stamp = time.time_ns()
        cache.set_many({_version_key(s): stamp for s in scopes}, timeout=None)

    transaction.on_commit(apply)


def cacheable(request) -> bool:
    return (
        settings.STOA_ANON_CACHE_SECONDS > 0
        and request.method == "GET"
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        and not getattr(request, "htmx", False)
    )


def serve(request, scopes: list[str], build) -> HttpResponse:
    """Return the cached page for this visitor request, or build, cache and return it."""
    if not cacheable(request):
        return build()
    versions = cache.get_many([_version_key(s) for s in scopes])
    fingerprint = "|".join(
        [request.get_full_path(), *(str(versions.get(_version_key(s), 0)) for s in scopes)]
    )
    key = f"{PREFIX}:page:{hashlib.blake2s(fingerprint.encode()).hexdigest()}"
    hit = cache.get(key)
    if hit is not None:
        response = HttpResponse(hit["content"], content_type=hit["content_type"])
        response["X-Stoa-Cache"] = "hit"
        return response
    response = build()
    if response.status_code == 200 and not response.cookies and not response.streaming:
        cache.set(
            key,
            {"content": response.content, "content_type": response["Content-Type"]},
            timeout=settings.STOA_ANON_CACHE_SECONDS,
        )
        response["X-Stoa-Cache"] = "miss"
    return response
