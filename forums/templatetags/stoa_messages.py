"""``{% unread_conversations as n %}``: the header's count of conversations with unread
messages. One indexed query for a member, none for a visitor."""

from django import template

from forums import messaging

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_conversations(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return messaging.unread_count(viewer=user)
