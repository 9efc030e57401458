"""``{% upload_widget field %}``: the attach-files bar under a composer's text box."""

from django import template
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from forums.uploads.checks import NEVER_ACCEPTED
from forums.uploads.permissions import can_upload, upload_limits

register = template.Library()

IMAGE_TYPES = "image/jpeg,image/png,image/gif,image/webp"


@register.inclusion_tag("forums/_uploads.html", takes_context=True)
def upload_widget(context, field):
    user = context["request"].user
    extensions = sorted(
        {e.lower().lstrip(".") for e in settings.STOA_UPLOAD_ALLOWED_EXTENSIONS} - NEVER_ACCEPTED
    )
    allowed = can_upload(user)
    return {
        "allowed": allowed,
        "target": field.id_for_label,
        "accept": ",".join([IMAGE_TYPES, *(f".{e}" for e in extensions)]),
        "extensions": ", ".join(f".{e}" for e in extensions),
        "max_size": filesizeformat(upload_limits(user).max_bytes) if allowed else "",
    }
