"""Template helpers that ask moderation's policy module; templates never restate a rule."""

from django import template
from django.core.cache import cache

from forums.permissions import suspension_notice as _suspension_notice

from .. import permissions, selectors

register = template.Library()

NAV_CACHE_SECONDS = 300


@register.filter
def flaggable_by(post, user) -> bool:
    """``{% if post|flaggable_by:user %}``: may this reader flag this post?"""
    return post.state == "visible" and permissions.can_flag(user, post)


@register.filter
def moderatable_by(post, user) -> bool:
    """``{% if post|moderatable_by:user %}``: link the post to its review page."""
    return permissions.can_review(user)


@register.inclusion_tag("moderation/_nav_link.html", takes_context=True)
def moderation_nav(context, variant="nav"):
    """The header's "Moderation" link with the open-queue size, for moderators only."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    # Asked on every page, so remembered for a few minutes: a new moderator sees the link
    # shortly after being given the role (the pages themselves always check).
    key = f"moderation:nav:{user.pk}"
    allowed = cache.get(key)
    if allowed is None:
        allowed = permissions.can_review(user)
        cache.set(key, allowed, timeout=NAV_CACHE_SECONDS)
    if not allowed:
        return {"show": False}
    return {"show": True, "size": selectors.queue_size(), "variant": variant, "request": request}


@register.simple_tag
def suspension_notice(user) -> str:
    return _suspension_notice(user) if user.is_authenticated else ""
