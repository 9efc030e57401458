"""``{% watch_control thread %}`` (or a space or tag): the watch menu in a page header.

It costs one indexed query for a member (their subscription to that one target) and nothing
for a visitor, who sees no control.
"""

from django import template
from django.urls import reverse
from taggit.models import Tag

from forums.models import Space, Thread

from .. import selectors
from ..forms import LEVEL_LABELS
from ..permissions import can_watch
from ..services import NORMAL

register = template.Library()

BUTTON_LABELS = {"watch": "Watching", "track": "Tracking", "mute": "Muted", NORMAL: "Watch"}
BUTTON_ICONS = {"watch": "🔔", "track": "🔔", "mute": "🔕", NORMAL: "🔔"}


def watch_control_context(*, request, user, thread=None, space=None, tag=None) -> dict:
    if thread is not None:
        kind, url = "thread", reverse("notifications:watch_thread", args=[thread.pk])
    elif space is not None:
        kind, url = "space", reverse("notifications:watch_space", args=[space.slug])
    else:
        kind, url = "tag", reverse("notifications:watch_tag", args=[tag.slug])
    level = selectors.subscription_level(user=user, thread=thread, space=space, tag=tag) or NORMAL
    options = [
        {"value": value, "label": label, "help": help_text, "selected": value == level}
        for value, (label, help_text) in LEVEL_LABELS[kind].items()
    ]
    return {
        "kind": kind,
        "action": url,
        "level": level,
        "button_label": BUTTON_LABELS[level],
        "button_icon": BUTTON_ICONS[level],
        "options": options,
        "next": request.get_full_path() if request is not None else "",
        "error": "",
    }


@register.inclusion_tag("notifications/_watch_control.html", takes_context=True)
def watch_control(context, target):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_watch(user):
        return {"hidden": True}
    if isinstance(target, Thread):
        menu = watch_control_context(request=request, user=user, thread=target)
    elif isinstance(target, Space):
        menu = watch_control_context(request=request, user=user, space=target)
    elif isinstance(target, Tag):
        menu = watch_control_context(request=request, user=user, tag=target)
    else:
        raise template.TemplateSyntaxError("watch_control takes a thread, a space or a tag.")
    # The menu is a real form too, for browsers without JavaScript: it needs the page's token.
    menu["csrf_token"] = context.get("csrf_token")
    return menu
