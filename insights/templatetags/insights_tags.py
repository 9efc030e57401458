"""The header's "Insights" link, shown to staff only; templates never restate the rule."""

from django import template
from django.core.cache import cache

from .. import permissions

register = template.Library()

NAV_CACHE_SECONDS = 300


@register.simple_tag(takes_context=True)
def can_view_insights(context) -> bool:
    """Asked on every page, so remembered for a few minutes, like the moderation link (the
    pages themselves always check)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    key = f"insights:nav:{user.pk}"
    allowed = cache.get(key)
    if allowed is None:
        allowed = permissions.can_view_insights(user)
        cache.set(key, allowed, timeout=NAV_CACHE_SECONDS)
    return allowed
